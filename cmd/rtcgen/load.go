package main

import (
	"errors"
	"fmt"
	"go/token"
	"go/types"
	"os"
	"path/filepath"

	"golang.org/x/tools/go/packages"
)

// load loads the package in dir with full type information. The file
// output is read as if it declared only an empty XClient struct for each
// of types: a stale generated file must not stop its own regeneration, and
// signatures may use the clients the run is about to write, even the first
// time.
func load(dir, output string, types []string) (*packages.Package, error) {
	name, err := loadWith(dir, packages.NeedName, nil)
	if err != nil {
		return nil, err
	}
	abs, err := filepath.Abs(output)
	if err != nil {
		return nil, fmt.Errorf("rtcgen: %w", err)
	}
	stub := "package " + name.Name + "\n"
	for _, t := range types {
		stub += "\ntype " + t + "Client struct{}\n"
	}
	return loadWith(dir, packages.NeedName|packages.NeedFiles|packages.NeedSyntax|
		packages.NeedTypes|packages.NeedTypesInfo, map[string][]byte{abs: []byte(stub)})
}

func loadWith(dir string, mode packages.LoadMode, overlay map[string][]byte) (*packages.Package, error) {
	cfg := &packages.Config{Mode: mode, Dir: dir, Overlay: overlay}
	pkgs, err := packages.Load(cfg, ".")
	if err != nil {
		return nil, fmt.Errorf("rtcgen: %w", err)
	}
	if len(pkgs) != 1 || pkgs[0].Name == "" {
		return nil, fmt.Errorf("rtcgen: %s: expected one package, found %d", dir, len(pkgs))
	}
	return pkgs[0], nil
}

// loadErrors joins the package's own errors, for when its types are too
// broken to generate from.
func loadErrors(pkg *packages.Package) error {
	var errs []error
	for _, e := range pkg.Errors {
		errs = append(errs, e)
	}
	return errors.Join(errs...)
}

// lookupInterface finds the interface type named name in pkg.
func lookupInterface(pkg *packages.Package, name string) (*types.TypeName, *types.Interface, error) {
	obj, ok := pkg.Types.Scope().Lookup(name).(*types.TypeName)
	if !ok {
		if err := loadErrors(pkg); err != nil {
			return nil, nil, fmt.Errorf("rtcgen: %s: no such type in %s:\n%w", name, pkg.PkgPath, err)
		}
		return nil, nil, fmt.Errorf("rtcgen: %s: no such type in %s", name, pkg.PkgPath)
	}
	where := pkg.Fset.Position(obj.Pos())
	it, ok := obj.Type().Underlying().(*types.Interface)
	if !ok {
		return nil, nil, fmt.Errorf("%s: rtcgen: %s: not an interface", short(where), name)
	}
	if n, ok := obj.Type().(*types.Named); ok && n.TypeParams().Len() > 0 {
		return nil, nil, fmt.Errorf("%s: rtcgen: %s: generic interfaces are not supported", short(where), name)
	}
	return obj, it, nil
}

// short formats a position as file:line, the file relative to the
// working directory when that is shorter.
func short(p token.Position) string {
	file := p.Filename
	if wd, err := os.Getwd(); err == nil {
		if rel, err := filepath.Rel(wd, file); err == nil && len(rel) < len(file) {
			file = rel
		}
	}
	return fmt.Sprintf("%s:%d", file, p.Line)
}
