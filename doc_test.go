package moneykit_test

import (
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
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
