package moneykittest_test

import (
	"context"
	"encoding/json"
	"net/url"
	"os"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/halyard-labs/moneykit-go/spec"
)

// linkSchema is the spec's Link schema. spec's TestSpecMatchesSDKModels holds it to
// MoneyKit's SDK models, so what it requires is what that SDK requires.
func linkSchema(t *testing.T) *openapi3.Schema {
	t.Helper()
	doc, err := spec.Load(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return doc.Components.Schemas["Link"].Value
}

// fields flattens a schema's properties and required names with those of its allOf parts.
func fields(s *openapi3.Schema) (map[string]*openapi3.Schema, []string) {
	props := map[string]*openapi3.Schema{}
	var required []string
	for _, part := range s.AllOf {
		p, r := fields(part.Value)
		for k, v := range p {
			props[k] = v
		}
		required = append(required, r...)
	}
	for k, v := range s.Properties {
		props[k] = v.Value
	}
	return props, append(required, s.Required...)
}

// specPaths lists the dotted path of every property the schema defines, objects within
// objects included, and of every required one. A required path below an optional object
// is required only when that object is sent.
func specPaths(s *openapi3.Schema, prefix string) (all, required []string) {
	props, req := fields(s)
	for _, name := range req {
		required = append(required, prefix+name)
	}
	for name, p := range props {
		all = append(all, prefix+name)
		if p.Type.Is("object") || len(p.AllOf) > 0 {
			a, r := specPaths(p, prefix+name+".")
			all, required = append(all, a...), append(required, r...)
		}
	}
	sort.Strings(all)
	sort.Strings(required)
	return all, required
}

// lookup follows a dotted path through decoded JSON objects.
func lookup(v any, path string) (any, bool) {
	for _, key := range strings.Split(path, ".") {
		m, ok := v.(map[string]any)
		if !ok {
			return nil, false
		}
		if v, ok = m[key]; !ok {
			return nil, false
		}
	}
	return v, true
}

// missingRequired lists the required paths absent (or null) from a link as sent; a path
// whose parent object was not sent is not required.
func missingRequired(link map[string]any, required []string) []string {
	var missing []string
	for _, path := range required {
		if i := strings.LastIndex(path, "."); i >= 0 {
			if parent, ok := lookup(link, path[:i]); !ok || parent == nil {
				continue
			}
		}
		if v, ok := lookup(link, path); !ok || v == nil {
			missing = append(missing, path)
		}
	}
	return missing
}

// Every link the fake sends has every field MoneyKit's SDK requires (the spec's required
// fields): for every seeded link, and after every kind of update.
func TestFakeLinksHaveEveryRequiredField(t *testing.T) {
	_, required := specPaths(linkSchema(t), "")
	for _, want := range []string{"provider", "products", "available_products", "products.transactions.has_history"} {
		if !slices.Contains(required, want) {
			t.Fatalf("the spec does not require %s; required: %v", want, required)
		}
	}
	// The check itself: the reference page's example lacks two of those fields.
	b, err := os.ReadFile("../testdata/lenient/link-reference-page.json")
	if err != nil {
		t.Fatal(err)
	}
	var ref map[string]any
	if err := json.Unmarshal(b, &ref); err != nil {
		t.Fatal(err)
	}
	if got := missingRequired(ref, required); !slices.Equal(got, []string{"products.transactions.has_history", "provider"}) {
		t.Fatalf("the reference page's link lacks %v, want has_history and provider", got)
	}

	s := start(t)
	updates := []string{
		`{}`,
		`{"webhook":"https://example.com/new"}`,
		`{"webhook":null}`,
		`{"link_tags":["a","b"]}`,
		`{"link_tags":[]}`,
		`{"tags":["legacy"]}`,
		`{"webhook":"https://example.com/both","link_tags":["c"],"tags":[]}`,
	}
	answered, withTransactions := 0, 0
	for _, id := range s.LinkIDs() {
		for _, body := range updates {
			status, _, link := raw(t, s, "PATCH", "/links/"+url.PathEscape(id), s.Token(), body)
			if status != 200 {
				continue // restricted, bad-state and deleted links send no link
			}
			answered++
			if _, ok := lookup(link, "products.transactions"); ok {
				withTransactions++
			}
			if missing := missingRequired(link, required); len(missing) > 0 {
				t.Errorf("%s after %s: the link lacks %v", id, body, missing)
			}
		}
	}
	if answered < 6*len(updates) || withTransactions == 0 {
		t.Errorf("checked %d answers, %d with transactions: the seed is too thin to prove anything", answered, withTransactions)
	}
}

// The seeded links that answer a PATCH send, between them, every field the spec defines
// (a product's fields in one product or another); each product both with and without
// settings; has_history true and false; a webhook and
// a null one; a link error_code and a null one.
func TestSeedCoversTheSpec(t *testing.T) {
	all, _ := specPaths(linkSchema(t), "")
	s := start(t)
	var links []map[string]any
	for _, id := range s.LinkIDs() {
		if status, _, link := raw(t, s, "PATCH", "/links/"+url.PathEscape(id), s.Token(), `{}`); status == 200 {
			links = append(links, link)
		}
	}
	values := map[string]map[string]bool{} // path -> the JSON values sent there, as text
	sent := map[string]bool{}              // path, with any product's name as *
	for _, path := range all {
		values[path] = map[string]bool{}
		for _, l := range links {
			if v, ok := lookup(l, path); ok {
				values[path][mustJSON(v)] = true
				sent[anyProduct(path)] = true
			}
		}
	}
	for _, path := range all {
		if !sent[anyProduct(path)] {
			t.Errorf("no seeded link sends %s", anyProduct(path))
		}
	}
	products, _ := fields(linkSchema(t).Properties["products"].Value)
	if len(products) != 6 {
		t.Fatalf("products in the spec: %d, want 6", len(products))
	}
	for name := range products {
		with, without := 0, 0
		for _, l := range links {
			if p, ok := lookup(l, "products."+name); ok {
				if _, ok := lookup(p, "settings"); ok {
					with++
				} else {
					without++
				}
			}
		}
		if with == 0 || without == 0 {
			t.Errorf("product %s: %d links with settings, %d without; want both", name, with, without)
		}
	}
	for path, want := range map[string][]string{
		"products.transactions.has_history": {"true", "false"},
		"webhook":                           {"null", `"https://example.com/webhook"`},
		"error_code":                        {"null", `"user_setup_required"`},
	} {
		for _, v := range want {
			if !values[path][v] {
				t.Errorf("no seeded link sends %s = %s (sent: %v)", path, v, values[path])
			}
		}
	}
}

// anyProduct writes products.accounts.settings as products.*.settings.
func anyProduct(path string) string {
	parts := strings.SplitN(path, ".", 3)
	if len(parts) == 3 && parts[0] == "products" {
		return "products.*." + parts[2]
	}
	return path
}
