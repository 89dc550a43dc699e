package moneykit_test

import (
	"go/ast"
	"go/doc"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// A generated file carries no package comment (oapi-codegen-imports.tmpl leaves out
// oapi-codegen's boilerplate one), so godoc shows the package's hand-written comment,
// which every package with generated code has.
func TestPackageDocsAreHandWritten(t *testing.T) {
	generated, documented := map[string]bool{}, map[string]bool{}
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return err
		}
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.PackageClauseOnly|parser.ParseComments)
		if err != nil {
			return err
		}
		dir := filepath.Dir(path)
		if strings.HasSuffix(path, ".gen.go") {
			generated[dir] = true
			if f.Doc != nil {
				t.Errorf("%s has a package comment: %q", path, f.Doc.Text())
			}
		} else if f.Doc != nil {
			documented[dir] = true
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(generated) < 3 {
		t.Fatalf("generated code in %d directories, want api, spec and the fake's", len(generated))
	}
	for dir := range generated {
		if !documented[dir] {
			t.Errorf("%s: generated code, but no hand-written package comment", dir)
		}
	}
}

// Every exported name of the packages users import by hand (the client, its fake and
// the spec) has a runnable Example that go doc attaches to it, and so does each package.
// The generated api package is left out: its names are the spec's, documented there and
// shown through the wrapper's examples; internal/ packages are not importable.
func TestEveryExportedNameHasAnExample(t *testing.T) {
	for _, dir := range []string{"wrapper", "moneykittest", "spec"} {
		for _, name := range withoutExample(t, dir) {
			fn := "Example" + strings.ReplaceAll(strings.TrimPrefix(name, "type "), ".", "_")
			if name == "package" {
				fn = "Example"
			}
			t.Errorf("%s: %s has no Example that go test runs (write %s, with an // Output: comment)", dir, name, fn)
		}
	}
}

// withoutExample lists the exported names of the package in dir without an Example that
// go test runs (one with an Output comment): "type T", "F", "T.M"; "package" for the
// package itself.
func withoutExample(t *testing.T, dir string) []string {
	t.Helper()
	fset := token.NewFileSet()
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil || len(files) == 0 {
		t.Fatalf("%s: %v, %d files", dir, err, len(files))
	}
	var parsed []*ast.File
	for _, f := range files {
		af, err := parser.ParseFile(fset, f, nil, parser.ParseComments)
		if err != nil {
			t.Fatal(err)
		}
		parsed = append(parsed, af)
	}
	p, err := doc.NewFromFiles(fset, parsed, "github.com/halyard-labs/moneykit-go/"+dir)
	if err != nil {
		t.Fatal(err)
	}
	var missing []string
	check := func(name string, examples []*doc.Example) {
		if !slices.ContainsFunc(examples, func(e *doc.Example) bool { return e.Output != "" || e.EmptyOutput }) {
			missing = append(missing, name)
		}
	}
	check("package", p.Examples)
	for _, f := range p.Funcs {
		check(f.Name, f.Examples)
	}
	for _, typ := range p.Types {
		check("type "+typ.Name, typ.Examples)
		for _, f := range typ.Funcs {
			check(f.Name, f.Examples)
		}
		for _, m := range typ.Methods {
			check(typ.Name+"."+m.Name, m.Examples)
		}
	}
	return missing
}
