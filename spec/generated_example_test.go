package spec_test

import (
	"encoding/json"
	"fmt"
	"log"
	"maps"
	"net/url"
	"path"
	"slices"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/halyard-labs/moneykit-go/spec"
)

// GetSpec is the embedded document as generated, neither checked nor changed: its servers
// list is still there (Load clears it).
func ExampleGetSpec() {
	doc, err := spec.GetSpec()
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(doc.Info.Title, doc.Info.Version)
	for _, s := range doc.Servers {
		fmt.Println(s.URL)
	}
	// Output:
	// MoneyKit Links API (update and delete) 2023-02-18
	// https://api.moneykit.com
}

// GetSwagger is the older name of GetSpec, kept for code written against earlier
// oapi-codegen versions; it returns the same document.
func ExampleGetSwagger() {
	old, err := spec.GetSwagger()
	if err != nil {
		log.Fatal(err)
	}
	doc, err := spec.GetSpec()
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(old.Info.Version == doc.Info.Version, old.Paths.Len() == doc.Paths.Len())
	// Output: true true
}

// GetSpecJSON is the embedded document as JSON bytes, for tools that want the document
// rather than kin-openapi's model of it (a diff, a linter, a documentation site).
func ExampleGetSpecJSON() {
	raw, err := spec.GetSpecJSON()
	if err != nil {
		log.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(raw, &doc); err != nil {
		log.Fatal(err)
	}
	fmt.Println(doc["openapi"], slices.Sorted(maps.Keys(doc)))
	// Output: 3.0.3 [components info openapi paths security servers tags]
}

// PathToRawSpec serves the embedded document under a file name, so that another spec can
// refer to its schemas ($ref: moneykit.json#/...) without a copy of openapi.yaml on disk.
func ExamplePathToRawSpec() {
	files := spec.PathToRawSpec("moneykit.json")
	loader := openapi3.NewLoader()
	loader.IsExternalRefsAllowed = true
	loader.ReadFromURIFunc = func(_ *openapi3.Loader, u *url.URL) ([]byte, error) {
		read, ok := files[path.Clean(u.String())]
		if !ok {
			return nil, fmt.Errorf("no file %s", u)
		}
		return read()
	}

	mine, err := loader.LoadFromData([]byte(`{"openapi": "3.0.3", "info": {"title": "mine", "version": "1"}, "paths": {},
	  "components": {"schemas": {"AuditedLink": {"$ref": "moneykit.json#/components/schemas/Link"}}}}`))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(mine.Components.Schemas["AuditedLink"].Value.Required)
	// Output: [link_id institution_id institution_name institution_avatar state provider products available_products]
}
