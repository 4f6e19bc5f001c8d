package main

import (
	"fmt"
	"go/types"
	"regexp"
	"slices"
	"strings"
)

// locals are the names generated code declares inside functions; an import
// may not take one, or it would be shadowed.
var locals = regexp.MustCompile(`^(c|d|ctx|a|res|err|impl|opts|[ar][0-9]+)$`)

// imports names the packages generated code refers to, so that no two
// share a name and none clashes with a name of the package itself.
type imports struct {
	pkg    *types.Package
	byPath map[string]string
	taken  map[string]bool
}

func newImports(pkg *types.Package) *imports {
	return &imports{pkg: pkg, byPath: map[string]string{}, taken: map[string]bool{}}
}

// name returns the name by which generated code refers to the package at
// path, whose own name is base.
func (im *imports) name(path, base string) string {
	if n, ok := im.byPath[path]; ok {
		return n
	}
	n := base
	for i := 2; im.taken[n] || im.pkg.Scope().Lookup(n) != nil || locals.MatchString(n); i++ {
		n = fmt.Sprintf("%s%d", base, i)
	}
	im.byPath[path], im.taken[n] = n, true
	return n
}

// qualifier qualifies the names of other packages in type strings.
func (im *imports) qualifier(p *types.Package) string {
	if p == im.pkg {
		return ""
	}
	return im.name(p.Path(), p.Name())
}

// typ writes t as generated code names it.
func (im *imports) typ(t types.Type) string { return types.TypeString(t, im.qualifier) }

// decl returns the import declaration.
func (im *imports) decl() string {
	paths := make([]string, 0, len(im.byPath))
	for p := range im.byPath {
		paths = append(paths, p)
	}
	slices.SortFunc(paths, func(a, b string) int {
		if std(a) != std(b) {
			if std(a) {
				return -1
			}
			return 1
		}
		return strings.Compare(a, b)
	})
	var b strings.Builder
	b.WriteString("import (\n")
	for i, p := range paths { // the standard library first, as goimports does
		if i > 0 && std(p) != std(paths[i-1]) {
			b.WriteString("\n")
		}
		n := im.byPath[p]
		if n == p[strings.LastIndex(p, "/")+1:] {
			fmt.Fprintf(&b, "\t%q\n", p)
		} else {
			fmt.Fprintf(&b, "\t%s %q\n", n, p)
		}
	}
	b.WriteString(")\n")
	return b.String()
}

// std reports whether path looks like a standard library package: no dot
// in its first element.
func std(path string) bool {
	first, _, _ := strings.Cut(path, "/")
	return !strings.Contains(first, ".")
}
