package spec_test

import (
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/halyard-labs/moneykit-go/spec"
)

// The link as MoneyKit's official SDK models it: a copy of the project's reference list
// sdk-models.md (moneykit-python 0.2.3, generated from MoneyKit's live spec). The spec must
// say the same thing, field by field; sdkDrift reports every difference, so a change to
// either side fails TestSpecMatchesSDKModels until the other follows.

// sdkField is one field of an SDK model. typ is "string", "boolean", "date-time", "uri",
// "[T]" for an array of T, or the name of another SDK model or enum.
type sdkField struct {
	name       string
	typ        string
	required   bool
	nullable   bool
	deprecated bool
}

type sdkModel struct {
	sdk    string // the SDK's name
	schema string // the spec's name
	fields []sdkField
}

// The deprecations are the SDK's own field descriptions: "(Deprecated)" on last_synced_at,
// "DEPRECATED" on tags and on has_history.
var sdkModels = []sdkModel{
	{"LinkCommon", "Link", []sdkField{
		{name: "link_id", typ: "string", required: true},
		{name: "institution_id", typ: "string", required: true},
		{name: "institution_name", typ: "string", required: true},
		{name: "institution_avatar", typ: "string", required: true},
		{name: "state", typ: "PublicLinkState", required: true},
		{name: "error_code", typ: "PublicLinkError", nullable: true},
		{name: "last_synced_at", typ: "date-time", deprecated: true},
		{name: "provider", typ: "Provider", required: true},
		{name: "link_tags", typ: "[string]"},
		{name: "tags", typ: "[string]", deprecated: true},
		{name: "webhook", typ: "string", nullable: true},
		{name: "products", typ: "LinkProducts", required: true},
		{name: "available_products", typ: "[Product]", required: true},
	}},
	{"LinkProducts", "LinkProducts", []sdkField{
		{name: "accounts", typ: "LinkProductResponse"},
		{name: "account_numbers", typ: "LinkProductResponse"},
		{name: "identity", typ: "LinkProductResponse"},
		{name: "transactions", typ: "TransactionsLinkProduct"},
		{name: "investments", typ: "LinkProductResponse"},
		{name: "enrichment", typ: "LinkProductResponse"},
	}},
	{"LinkProductResponse", "ProductState", productFields("ProductSettings")},
	{"TransactionsLinkProduct", "TransactionsProductState", append(productFields("TransactionsProductSettings"),
		sdkField{name: "has_history", typ: "boolean", required: true, deprecated: true})},
	{"ProductSettings", "ProductSettings", settingsFields},
	{"TransactionsProductSettings", "ProductSettings", settingsFields},
	{"LinkErrorBadStateResponse", "LinkBadStateError", []sdkField{
		{name: "error_code", typ: "string"},
		{name: "error_message", typ: "string", required: true},
		{name: "documentation_url", typ: "string"},
		{name: "link_error_code", typ: "string", required: true},
	}},
	{"UpdateLinkRequest", "UpdateLinkRequest", []sdkField{
		{name: "webhook", typ: "uri", nullable: true},
		{name: "link_tags", typ: "[string]"},
		{name: "tags", typ: "[string]", deprecated: true},
	}},
}

func productFields(settings string) []sdkField {
	return []sdkField{
		{name: "refreshed_at", typ: "date-time"},
		{name: "last_attempted_at", typ: "date-time"},
		{name: "error_code", typ: "LinkProductError"},
		{name: "error_message", typ: "string"},
		{name: "unavailable", typ: "string"},
		{name: "settings", typ: settings},
	}
}

var settingsFields = []sdkField{
	{name: "required", typ: "boolean"},
	{name: "require_permission", typ: "boolean"},
	{name: "prefetch", typ: "boolean"},
	{name: "reason", typ: "string"},
}

// sdkEnums are the SDK's enums; an unknown value must still decode (the generated types are
// open strings), but the known ones must match.
var sdkEnums = []struct {
	sdk, schema string
	values      []string
}{
	{"PublicLinkState", "LinkState", []string{"connecting", "awaiting_token_exchange", "connected", "deleted", "error"}},
	{"Provider", "Provider", []string{"moneykit", "finicity", "plaid", "yodlee", "mx", "akoya"}},
	{"Product", "Product", []string{"accounts", "account_numbers", "identity", "transactions", "investments", "enrichment"}},
	{"LinkProductError", "ProductErrorCode", []string{"rate_limit", "auth_expired", "not_supported", "timeout", "unknown", "no_accounts", "institution_error", "no_permission"}},
	{"PublicLinkError", "LinkErrorCode", []string{"system_error", "provider_error", "institution_error", "user_error", "auth_expired", "no_accounts", "user_setup_required", "invalid_credentials", "user_oauth_denied", "user_input_incorrect", "incomplete"}},
}

// Where the spec knowingly differs from the SDK, and why.
var sdkExceptions = map[string]string{
	// The SDK gives error_code a default instead of requiring it; every body the live API
	// sends has it, and the spec's 422 oneOf is discriminated by it.
	"LinkErrorBadStateResponse.error_code required": "discriminator",
}

// schemaName maps an SDK model or enum name to the spec's.
func schemaName(sdk string) string {
	for _, m := range sdkModels {
		if m.sdk == sdk {
			return m.schema
		}
	}
	for _, e := range sdkEnums {
		if e.sdk == sdk {
			return e.schema
		}
	}
	return ""
}

// flatten merges a schema's properties and required names with those of its allOf parts.
func flatten(s *openapi3.Schema) (map[string]*openapi3.SchemaRef, map[string]bool) {
	props, required := map[string]*openapi3.SchemaRef{}, map[string]bool{}
	for _, part := range s.AllOf {
		p, r := flatten(part.Value)
		for k, v := range p {
			props[k] = v
		}
		for k := range r {
			required[k] = true
		}
	}
	for k, v := range s.Properties {
		props[k] = v
	}
	for _, k := range s.Required {
		required[k] = true
	}
	return props, required
}

// typeOf describes a property in the SDK list's terms.
func typeOf(ref *openapi3.SchemaRef) string {
	if name, ok := strings.CutPrefix(ref.Ref, "#/components/schemas/"); ok {
		return "schema " + name
	}
	v := ref.Value
	switch {
	case v.Type.Is("array") && v.Items != nil:
		return "[" + typeOf(v.Items) + "]"
	case v.Type.Is("string") && v.Format == "date-time":
		return "date-time"
	case v.Type.Is("string") && v.Format == "uri":
		return "uri"
	case v.Type.Is("string"), v.Type.Is("boolean"):
		return v.Type.Slice()[0]
	}
	return fmt.Sprintf("unexpected %v", v.Type)
}

// wantType is typeOf's answer for an SDK type.
func wantType(typ string) string {
	if inner, ok := strings.CutPrefix(typ, "["); ok {
		return "[" + wantType(strings.TrimSuffix(inner, "]")) + "]"
	}
	if name := schemaName(typ); name != "" {
		return "schema " + name
	}
	return typ
}

// sdkDrift lists every difference between the spec and the SDK's models and enums.
func sdkDrift(doc *openapi3.T) []string {
	var out []string
	schemas := doc.Components.Schemas
	for _, m := range sdkModels {
		ref := schemas[m.schema]
		if ref == nil {
			out = append(out, fmt.Sprintf("%s: schema %s missing", m.sdk, m.schema))
			continue
		}
		props, required := flatten(ref.Value)
		for _, f := range m.fields {
			where := m.sdk + "." + f.name
			p := props[f.name]
			delete(props, f.name)
			if p == nil {
				out = append(out, where+": not in the spec")
				continue
			}
			if got, want := typeOf(p), wantType(f.typ); got != want {
				out = append(out, fmt.Sprintf("%s: type %s, SDK %s", where, got, want))
			}
			if required[f.name] != f.required && sdkExceptions[where+" required"] == "" {
				out = append(out, fmt.Sprintf("%s: required %v, SDK %v", where, required[f.name], f.required))
			}
			if p.Value.Nullable != f.nullable {
				out = append(out, fmt.Sprintf("%s: nullable %v, SDK %v", where, p.Value.Nullable, f.nullable))
			}
			if p.Value.Deprecated != f.deprecated {
				out = append(out, fmt.Sprintf("%s: deprecated %v, SDK %v", where, p.Value.Deprecated, f.deprecated))
			}
			if reason, _ := p.Value.Extensions["x-deprecated-reason"].(string); p.Value.Deprecated && reason == "" {
				out = append(out, where+": deprecated without x-deprecated-reason")
			}
		}
		for name := range props {
			out = append(out, fmt.Sprintf("%s.%s: in the spec (%s), not in the SDK", m.sdk, name, m.schema))
		}
	}
	for _, e := range sdkEnums {
		ref := schemas[e.schema]
		if ref == nil {
			out = append(out, fmt.Sprintf("%s: schema %s missing", e.sdk, e.schema))
			continue
		}
		var got []string
		for _, v := range ref.Value.Enum {
			if s, ok := v.(string); ok {
				got = append(got, s)
			}
		}
		want := slices.Clone(e.values)
		sort.Strings(got)
		sort.Strings(want)
		if !slices.Equal(got, want) {
			out = append(out, fmt.Sprintf("%s: enum %v, SDK %v", e.sdk, got, want))
		}
	}
	sort.Strings(out)
	return out
}

func TestSpecMatchesSDKModels(t *testing.T) {
	for _, d := range sdkDrift(load(t)) {
		t.Error(d)
	}
}

// sdkDrift sees a change on either side: each mutation of the spec below must be reported
// (a schema shared by two SDK models is reported for both).
func TestSDKDriftIsCaught(t *testing.T) {
	for _, tc := range []struct {
		name   string
		mutate func(s openapi3.Schemas)
		want   string
	}{
		{"provider not required", func(s openapi3.Schemas) {
			l := s["Link"].Value
			l.Required = slices.DeleteFunc(l.Required, func(n string) bool { return n == "provider" })
		}, "LinkCommon.provider: required false, SDK true"},
		{"has_history not required", func(s openapi3.Schemas) {
			s["TransactionsProductState"].Value.AllOf[1].Value.Required = nil
		}, "TransactionsLinkProduct.has_history: required false, SDK true"},
		{"settings dropped", func(s openapi3.Schemas) {
			delete(s["ProductState"].Value.Properties, "settings")
		}, "LinkProductResponse.settings: not in the spec"},
		{"a field the SDK lacks", func(s openapi3.Schemas) {
			s["ProductSettings"].Value.Properties["extend_history"] = openapi3.NewBoolSchema().NewRef()
		}, "ProductSettings.extend_history: in the spec (ProductSettings), not in the SDK"},
		{"webhook not nullable", func(s openapi3.Schemas) {
			s["Link"].Value.Properties["webhook"].Value.Nullable = false
		}, "LinkCommon.webhook: nullable false, SDK true"},
		{"tags not deprecated", func(s openapi3.Schemas) {
			s["Link"].Value.Properties["tags"].Value.Deprecated = false
		}, "LinkCommon.tags: deprecated false, SDK true"},
		{"no deprecation reason", func(s openapi3.Schemas) {
			delete(s["Link"].Value.Properties["last_synced_at"].Value.Extensions, "x-deprecated-reason")
		}, "LinkCommon.last_synced_at: deprecated without x-deprecated-reason"},
		{"akoya dropped", func(s openapi3.Schemas) {
			s["Provider"].Value.Enum = s["Provider"].Value.Enum[:5]
		}, "Provider: enum"},
		{"error_code a plain string", func(s openapi3.Schemas) {
			s["ProductState"].Value.Properties["error_code"] = openapi3.NewStringSchema().NewRef()
		}, "LinkProductResponse.error_code: type string, SDK schema ProductErrorCode"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			doc := load(t) // a fresh copy: the mutation stays in this subtest
			tc.mutate(doc.Components.Schemas)
			drift := sdkDrift(doc)
			if !slices.ContainsFunc(drift, func(d string) bool { return strings.HasPrefix(d, tc.want) }) {
				t.Errorf("drift = %q, want a report starting %q", drift, tc.want)
			}
		})
	}
}

// The reference page's own example lacks what the live API sends and the spec requires:
// validated against the spec it is reported, naming both fields. (The client still decodes
// it: wrapper's TestUpdateLinkDecodesLinkWithoutSDKRequiredFields.)
func TestReferencePageLinkLacksLiveFields(t *testing.T) {
	raw, err := os.ReadFile("../testdata/lenient/link-reference-page.json")
	if err != nil {
		t.Fatal(err)
	}
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatal(err)
	}
	err = load(t).Components.Schemas["Link"].Value.VisitJSON(v, append(spec.SchemaOptions(), openapi3.MultiErrors())...)
	if err == nil {
		t.Fatal("the reference page's link validates; the spec no longer requires what the live API sends")
	}
	for _, field := range []string{`"provider"`, `"has_history"`} {
		if !strings.Contains(err.Error(), field) {
			t.Errorf("error does not name %s: %v", field, err)
		}
	}
}
