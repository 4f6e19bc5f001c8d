package main

import (
	"cmp"
	"fmt"
	"go/token"
	"go/types"
	"slices"
	"strings"

	"golang.org/x/tools/go/packages"
)

// iface is one interface to generate for.
type iface struct {
	Name    string
	Methods []method
}

// method is one method of an interface: its parameters after ctx and its
// results before error. Caps names, per parameter and result, the
// interface of this run it is a client of (a capability), or "".
type method struct {
	Name       string
	Params     []types.Type
	Results    []types.Type
	ParamCaps  []string
	ResultCaps []string
}

// reserved are the client methods a served method may not shadow.
var reserved = map[string]bool{"Clone": true, "Close": true, "Done": true}

// inspect checks every method of the interface named name in pkg; run
// lists every interface of this run, the ones a method may take or return
// as clients.
func inspect(pkg *packages.Package, name string, run []string) (iface, error) {
	obj, it, err := lookupInterface(pkg, name)
	if err != nil {
		return iface{}, err
	}
	if !it.IsMethodSet() {
		return iface{}, fmt.Errorf("%s: rtcgen: %s: an interface with type constraints (a union or ~T) has no values to call or serve", short(pkg.Fset.Position(obj.Pos())), name)
	}
	out := iface{Name: name}
	for _, fn := range methodsOf(it) {
		where := short(pkg.Fset.Position(fn.Pos()))
		m, err := inspectMethod(pkg.Types, fn, run)
		if err != nil {
			return iface{}, fmt.Errorf("%s: rtcgen: %s.%s: %w", where, obj.Name(), fn.Name(), err)
		}
		out.Methods = append(out.Methods, m)
	}
	if len(out.Methods) == 0 {
		return iface{}, fmt.Errorf("%s: rtcgen: %s: no methods", short(pkg.Fset.Position(obj.Pos())), name)
	}
	return out, nil
}

// methodsOf lists the methods of it: its own in source order, then those
// of embedded interfaces in go/types order (by name).
func methodsOf(it *types.Interface) []*types.Func {
	var out []*types.Func
	seen := map[string]bool{}
	for i := range it.NumExplicitMethods() {
		out = append(out, it.ExplicitMethod(i))
		seen[it.ExplicitMethod(i).Name()] = true
	}
	slices.SortStableFunc(out, func(a, b *types.Func) int { return cmp.Compare(a.Pos(), b.Pos()) })
	for i := range it.NumMethods() {
		if m := it.Method(i); !seen[m.Name()] {
			out = append(out, m)
		}
	}
	return out
}

func inspectMethod(pkg *types.Package, fn *types.Func, run []string) (method, error) {
	sig := fn.Type().(*types.Signature)
	m := method{Name: fn.Name()}
	switch {
	case reserved[fn.Name()]:
		return m, fmt.Errorf("the name clashes with the client's own %s method", fn.Name())
	case sig.Variadic():
		return m, fmt.Errorf("variadic methods are not supported; take a slice")
	case sig.Params().Len() == 0 || !isContext(sig.Params().At(0).Type()):
		return m, fmt.Errorf("first parameter must be context.Context")
	case sig.Results().Len() == 0 || !isError(sig.Results().At(sig.Results().Len()-1).Type()):
		return m, fmt.Errorf("last result must be error")
	}
	for i := 1; i < sig.Params().Len(); i++ {
		t := sig.Params().At(i).Type()
		m.Params = append(m.Params, t)
		m.ParamCaps = append(m.ParamCaps, capability(pkg, t, run))
	}
	for i := 0; i < sig.Results().Len()-1; i++ {
		t := sig.Results().At(i).Type()
		m.Results = append(m.Results, t)
		m.ResultCaps = append(m.ResultCaps, capability(pkg, t, run))
	}
	caps := append(append([]string(nil), m.ParamCaps...), m.ResultCaps...)
	for i, t := range append(append([]types.Type(nil), m.Params...), m.Results...) {
		if caps[i] != "" {
			continue
		}
		if err := usable(pkg, t, run); err != nil {
			return m, fmt.Errorf("%s: %w", types.TypeString(t, byName(pkg)), err)
		}
	}
	return m, nil
}

// capability returns the name of t if t is one of the interfaces of this
// run: the method takes or returns a client of it.
func capability(pkg *types.Package, t types.Type, run []string) string {
	n, ok := types.Unalias(t).(*types.Named)
	if !ok || n.Obj().Pkg() != pkg || !types.IsInterface(n) || !slices.Contains(run, n.Obj().Name()) {
		return ""
	}
	return n.Obj().Name()
}

func isContext(t types.Type) bool {
	n, ok := types.Unalias(t).(*types.Named)
	return ok && n.Obj().Pkg() != nil && n.Obj().Pkg().Path() == "context" && n.Obj().Name() == "Context"
}

func isError(t types.Type) bool {
	return types.Identical(types.Unalias(t), types.Universe.Lookup("error").Type())
}

// usable reports why t cannot be written in, or sent by, generated code in
// pkg: a name unexported from another package or in an internal package
// pkg may not import, or a value no codec can carry.
func usable(pkg *types.Package, t types.Type, run []string) error {
	if err := sendable(pkg, t, run, map[types.Type]bool{}, ""); err != nil {
		return err
	}
	switch u := t.Underlying().(type) {
	case *types.Chan:
		return fmt.Errorf("a Go channel cannot be sent; use an rch channel")
	case *types.Signature:
		return fmt.Errorf("a func cannot be sent; use an rfn.Func")
	case *types.Basic:
		if u.Kind() == types.Invalid {
			return fmt.Errorf("invalid type (does the package compile?)")
		}
		if u.Kind() == types.UnsafePointer {
			return fmt.Errorf("an unsafe.Pointer cannot be sent")
		}
	}
	return nameable(pkg, t)
}

// nameable reports why t cannot be named in pkg.
func nameable(pkg *types.Package, t types.Type) error {
	switch t := t.(type) {
	case *types.Alias:
		if err := visible(pkg, t.Obj()); err != nil {
			return err
		}
		return nameableArgs(pkg, t.TypeArgs())
	case *types.Named:
		if err := visible(pkg, t.Obj()); err != nil {
			return err
		}
		return nameableArgs(pkg, t.TypeArgs())
	case *types.Pointer:
		return nameable(pkg, t.Elem())
	case *types.Slice:
		return nameable(pkg, t.Elem())
	case *types.Array:
		return nameable(pkg, t.Elem())
	case *types.Map:
		if err := nameable(pkg, t.Key()); err != nil {
			return err
		}
		return nameable(pkg, t.Elem())
	case *types.Chan:
		return nameable(pkg, t.Elem())
	case *types.Struct:
		for i := range t.NumFields() {
			if err := nameable(pkg, t.Field(i).Type()); err != nil {
				return err
			}
		}
	case *types.Basic:
		if t.Kind() == types.Invalid {
			return fmt.Errorf("invalid type (does the package compile?)")
		}
	}
	return nil
}

func nameableArgs(pkg *types.Package, args *types.TypeList) error {
	for i := range args.Len() {
		if err := nameable(pkg, args.At(i)); err != nil {
			return err
		}
	}
	return nil
}

// visible reports why obj cannot be named from pkg.
func visible(pkg *types.Package, obj *types.TypeName) error {
	p := obj.Pkg()
	if p == nil || p == pkg {
		return nil
	}
	if !obj.Exported() {
		return fmt.Errorf("%s is not exported from %s", obj.Name(), p.Path())
	}
	if parent, ok := internalParent(p.Path()); ok {
		if parent == "" || (pkg.Path() != parent && !strings.HasPrefix(pkg.Path(), parent+"/")) {
			return fmt.Errorf("%s is in internal package %s, which %s may not import", obj.Name(), p.Path(), pkg.Path())
		}
	}
	return nil
}

// internalParent returns the path above the last "internal" element of
// path, the tree that may import it.
func internalParent(path string) (string, bool) {
	parts := strings.Split(path, "/")
	for i := len(parts) - 1; i >= 0; i-- {
		if parts[i] == "internal" {
			return strings.Join(parts[:i], "/"), true
		}
	}
	return "", false
}

// generated reports whether pos is in a file rtcgen wrote: its names are
// about to be written again.
func generated(pkg *packages.Package, pos token.Pos) bool {
	for _, f := range pkg.Syntax {
		if f.FileStart <= pos && pos < f.FileEnd {
			return len(f.Comments) > 0 && strings.HasPrefix(f.Comments[0].Text(), "Code generated by rtcgen; DO NOT EDIT.")
		}
	}
	return false
}

// clashes reports a name the output would declare that the package, or
// another part of the output, already uses.
func clashes(pkg *packages.Package, ifaces []iface) error {
	declared := map[string]string{} // name → what declares it
	use := func(name, what string) error {
		if other, ok := declared[name]; ok {
			return fmt.Errorf("rtcgen: %s and %s both need the name %s", other, what, name)
		}
		if obj := pkg.Types.Scope().Lookup(name); obj != nil && !generated(pkg, obj.Pos()) {
			return fmt.Errorf("%s: rtcgen: %s needs the name %s, already declared here", short(pkg.Fset.Position(obj.Pos())), what, name)
		}
		declared[name] = what
		return nil
	}
	for _, name := range usedCaps(ifaces) {
		for _, fn := range []string{toClient(name), fromClient(name)} {
			if err := use(fn, "a client of "+name); err != nil {
				return err
			}
		}
	}
	for _, it := range ifaces {
		if err := use("Serve"+it.Name, it.Name); err != nil {
			return err
		}
		members := map[string]bool{"done": true}
		for _, m := range it.Methods {
			for _, name := range []string{argsType(it, m), resultsType(it, m)} {
				if name == "struct{}" {
					continue
				}
				if err := use(name, it.Name+"."+m.Name); err != nil {
					return err
				}
			}
			for _, name := range []string{m.Name, "Fn" + m.Name} {
				if members[name] {
					return fmt.Errorf("rtcgen: %s.%s: the client would have two members named %s", it.Name, m.Name, name)
				}
				members[name] = true
			}
		}
	}
	return nil
}

// byName qualifies the names of other packages by package name, for
// messages.
func byName(pkg *types.Package) types.Qualifier {
	return func(p *types.Package) string {
		if p == pkg {
			return ""
		}
		return p.Name()
	}
}

// sendable reports why a value of t cannot travel: an error, a context,
// or an interface no codec can decode into, directly or inside what the
// codecs follow (exported fields, pointers, slices, arrays, map values).
// The empty interface can (its values decode as JSON would), and so can
// an interface of this run directly as a parameter or result (a client
// is sent in its place; see capability). in names where t was found.
func sendable(pkg *types.Package, t types.Type, run []string, seen map[types.Type]bool, in string) error {
	if seen[t] {
		return nil
	}
	seen[t] = true
	where := ""
	if in != "" {
		where = " (in " + in + ")"
	}
	switch {
	case isError(t):
		return fmt.Errorf("an error cannot be sent%s: return it as the method's last result, or send its text", where)
	case isContext(t):
		return fmt.Errorf("a context.Context cannot be sent%s: take it as the first parameter only", where)
	}
	if n, ok := types.Unalias(t).(*types.Named); ok && n.Obj().Pkg() != nil && n.Obj().Pkg().Path() == rfnPath {
		return nil // rfn.Func and friends travel as they are
	}
	switch u := t.Underlying().(type) {
	case *types.Interface:
		if u.Empty() {
			return nil
		}
		name := types.TypeString(t, byName(pkg))
		if capability(pkg, t, run) != "" {
			return fmt.Errorf("a client of %s can only be taken or returned directly%s, not inside another type: use *%sClient there", name, where, name)
		}
		return fmt.Errorf("interface %s cannot be sent%s: only an interface rtcgen generates in the same run (-type) can, as its client, or any", name, where)
	case *types.Pointer:
		return sendable(pkg, u.Elem(), run, seen, orIn(in, t, pkg))
	case *types.Slice:
		return sendable(pkg, u.Elem(), run, seen, orIn(in, t, pkg))
	case *types.Array:
		return sendable(pkg, u.Elem(), run, seen, orIn(in, t, pkg))
	case *types.Map:
		return sendable(pkg, u.Elem(), run, seen, orIn(in, t, pkg))
	case *types.Struct:
		if isHalf(t) {
			return nil
		}
		for i := range u.NumFields() {
			f := u.Field(i)
			if !f.Exported() {
				continue
			}
			if err := sendable(pkg, f.Type(), run, seen, types.TypeString(t, byName(pkg))+"."+f.Name()); err != nil {
				return err
			}
		}
	}
	return nil
}

func orIn(in string, t types.Type, pkg *types.Package) string {
	if in != "" {
		return in
	}
	return types.TypeString(t, byName(pkg))
}

// isHalf reports whether t is a channel half or a generated client, whose
// fields are its own business: a type of package rch (or a kind under it)
// or rfn, or a struct whose exported fields are all rfn.Funcs.
func isHalf(t types.Type) bool {
	n, ok := types.Unalias(t).(*types.Named)
	if !ok || n.Obj().Pkg() == nil {
		return false
	}
	if p := n.Obj().Pkg().Path(); p == rfnPath || p == rchPath || strings.HasPrefix(p, rchPath+"/") {
		return true
	}
	st, ok := n.Underlying().(*types.Struct)
	if !ok {
		return false
	}
	funcs := 0
	for i := range st.NumFields() {
		f := st.Field(i)
		if !f.Exported() {
			continue
		}
		p, ok := f.Type().(*types.Pointer)
		if !ok {
			return false
		}
		if fn, ok := types.Unalias(p.Elem()).(*types.Named); !ok || fn.Obj().Pkg() == nil || fn.Obj().Pkg().Path() != rfnPath {
			return false
		}
		funcs++
	}
	return funcs > 0
}
