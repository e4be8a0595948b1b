package sdk_test

import (
	"bytes"
	"go/ast"
	"go/doc"
	"go/parser"
	"go/printer"
	"go/token"
	"io/fs"
	"regexp"
	"strings"
	"testing"
)

// What authors see (go doc ./sdk, ./sdk/serve, ./sdk/sdktest) names no
// generated protocol type, gRPC or go-plugin: those stay behind
// internal/wire.
func TestPublicSurfaceHidesTheWire(t *testing.T) {
	t.Parallel()
	wire := regexp.MustCompile(`\b(pb|plugin|grpc|resourcesyncv1|codes|status)\.`)
	for _, dir := range []string{".", "serve", "sdktest"} {
		fset := token.NewFileSet()
		pkgs, err := parser.ParseDir(fset, dir, func(fi fs.FileInfo) bool { return !strings.HasSuffix(fi.Name(), "_test.go") }, parser.ParseComments)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range pkgs {
			d := doc.New(p, "example.com/"+dir, 0)
			var decls []ast.Node
			for _, c := range d.Consts {
				decls = append(decls, c.Decl)
			}
			for _, v := range d.Vars {
				decls = append(decls, v.Decl)
			}
			for _, f := range d.Funcs {
				decls = append(decls, f.Decl)
			}
			for _, typ := range d.Types {
				decls = append(decls, typ.Decl)
				for _, f := range append(typ.Funcs, typ.Methods...) {
					decls = append(decls, f.Decl)
				}
				for _, c := range typ.Consts {
					decls = append(decls, c.Decl)
				}
			}
			for _, decl := range decls {
				if fn, ok := decl.(*ast.FuncDecl); ok {
					fn = &ast.FuncDecl{Recv: fn.Recv, Name: fn.Name, Type: fn.Type} // the signature, not the body
					decl = fn
				}
				var b bytes.Buffer
				if err := printer.Fprint(&b, fset, decl); err != nil {
					t.Fatal(err)
				}
				if m := wire.FindString(b.String()); m != "" && !unexportedOnly(b.String(), wire) {
					t.Errorf("package %s shows %q to authors in:\n%s", p.Name, m, b.String())
				}
			}
		}
	}
}

// unexportedOnly says the wire types appear only in unexported struct
// fields, which go doc does not show.
func unexportedOnly(decl string, wire *regexp.Regexp) bool {
	for _, line := range strings.Split(decl, "\n") {
		if !wire.MatchString(line) {
			continue
		}
		field := strings.Fields(strings.TrimSpace(line))
		if len(field) == 0 || field[0] == "" || !(field[0][0] >= 'a' && field[0][0] <= 'z') || strings.HasPrefix(strings.TrimSpace(line), "func") {
			return false
		}
	}
	return true
}
