package spec_test

import (
	"context"
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/halyard-labs/moneykit-go/spec"
)

func load(t *testing.T) *openapi3.T {
	t.Helper()
	doc, err := spec.Load(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

func TestSpecIsValid(t *testing.T) {
	doc := load(t)
	if got := doc.OpenAPI; got != "3.0.3" {
		t.Errorf("openapi version = %q, want 3.0.3", got)
	}
	ops := operations(doc)
	if len(ops) == 0 {
		t.Fatal("no operations")
	}
	for _, op := range ops {
		if op.OperationID == "" {
			t.Errorf("%s: no operationId", op.name)
		}
		if op.Security == nil || len(*op.Security) == 0 {
			t.Errorf("%s: no security requirement", op.name)
		}
		if op.Responses.Len() == 0 {
			t.Errorf("%s: no responses", op.name)
		}
	}
}

// operation is one operation of the spec, named "METHOD /path".
type operation struct {
	name string
	*openapi3.Operation
}

// operations lists the spec's operations, sorted by name.
func operations(doc *openapi3.T) []operation {
	var ops []operation
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			ops = append(ops, operation{method + " " + path, op})
		}
	}
	slices.SortFunc(ops, func(a, b operation) int { return strings.Compare(a.name, b.name) })
	return ops
}

// responseFixtures says what each wire fixture of testdata/responses stands for, by its
// file name (or the start of it): the answer (a status, and for a success the operations
// it answers; an error fixture answers that status of every operation that declares it)
// and the component schema it is. A fixture no row names stands for nothing: stale.
var responseFixtures = []fixture{
	{"link.json", "200", "Link", []string{"updateLink"}},
	{"delete.json", "200", "EmptyObject", []string{"deleteLink"}},
	{"token.json", "201", "TokenResponse", []string{"generateAccessToken"}},
	{"error-400-", "400", "UnauthorizedError", nil},
	{"error-401-expired_access_token", "401", "ExpiredAccessTokenError", nil},
	{"error-401-unauthorized.json", "401", "UnauthorizedError", nil},
	{"error-401-unauthorized_access", "401", "UnauthorizedLinkAccessError", nil},
	{"error-403-", "403", "ForbiddenActionError", nil},
	{"error-404-", "404", "LinkNotFoundError", nil},
	{"error-410-", "410", "LinkDeletedError", nil},
	{"error-422-bad_state", "422", "LinkBadStateError", nil},
	{"error-422-validation_failed", "422", "ValidationFailedError", nil},
	{"error-429-", "429", "RateLimitExceededError", nil},
}

type fixture struct {
	name, status, schema string
	ops                  []string // operationIds; none: every operation
}

// answers says whether the fixture stands for the status of the operation.
func (f fixture) answers(operationID, status string) bool {
	return f.status == status && (f.ops == nil || slices.ContainsFunc(f.ops, func(id string) bool { return strings.EqualFold(id, operationID) }))
}

// fixtureRow returns the row of responseFixtures for a fixture's file name, or -1.
func fixtureRow(name string) int {
	return slices.IndexFunc(responseFixtures, func(f fixture) bool { return strings.HasPrefix(name, f.name) })
}

// bodiless are the answers without a body ("operationId status"): no fixture can hold them.
var bodiless = []string{"deleteLink 204"}

// uncovered checks every answer openapi.yaml declares (operation, status) against the wire
// fixtures: each must have a fixture that stands for it and matches its schema, or be
// bodiless. It returns the answers without one, and the fixtures and bodiless entries that
// stand for no declared answer (stale).
func uncovered(doc *openapi3.T, fixtures map[string]any) (missing, stale []string) {
	used := map[string]bool{}
	for _, op := range operations(doc) {
		for status, ref := range op.Responses.Map() {
			answer := op.OperationID + " " + status
			media := ref.Value.Content.Get("application/json")
			if media == nil || media.Schema == nil {
				if i := slices.IndexFunc(bodiless, func(b string) bool { return strings.EqualFold(b, answer) }); i >= 0 {
					used[bodiless[i]] = true
					continue
				}
				missing = append(missing, op.name+" "+status+" (no body: list it in bodiless)")
				continue
			}
			found := false
			for name, body := range fixtures {
				if i := fixtureRow(name); i < 0 || !responseFixtures[i].answers(op.OperationID, status) {
					continue
				}
				if media.Schema.Value.VisitJSON(body, spec.SchemaOptions()...) == nil {
					used[name], found = true, true
				}
			}
			if !found {
				missing = append(missing, op.name+" "+status)
			}
		}
	}
	for name := range fixtures {
		if !used[name] {
			stale = append(stale, name)
		}
	}
	for _, b := range bodiless {
		if !used[b] {
			stale = append(stale, b)
		}
	}
	slices.Sort(missing)
	slices.Sort(stale)
	return missing, stale
}

// readResponseFixtures reads testdata/responses, by file name.
func readResponseFixtures(t *testing.T) map[string]any {
	t.Helper()
	files, err := filepath.Glob("../testdata/responses/*.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("fixtures: %v, %d files", err, len(files))
	}
	out := map[string]any{}
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var v any
		if err := json.Unmarshal(raw, &v); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		out[filepath.Base(f)] = v
	}
	return out
}

// Every answer openapi.yaml declares, for every operation, has a wire fixture that matches
// it (or is known to have no body); every fixture stands for a declared answer. A new
// operation or status fails here until a fixture covers it.
func TestEveryAnswerHasAFixture(t *testing.T) {
	missing, stale := uncovered(load(t), readResponseFixtures(t))
	for _, m := range missing {
		t.Errorf("%s: not covered by a fixture in testdata/responses (see responseFixtures)", m)
	}
	for _, s := range stale {
		t.Errorf("%s stands for no answer openapi.yaml declares", s)
	}
}

// uncovered notices a new operation, a new status, a changed schema and a stale fixture.
func TestUncoveredCatchesGaps(t *testing.T) {
	fixtures := readResponseFixtures(t)
	for _, tc := range []struct {
		name   string
		change func(doc *openapi3.T, fixtures map[string]any)
		want   string
	}{
		{"new operation", func(doc *openapi3.T, _ map[string]any) {
			put := *doc.Paths.Find("/links/{id}").Patch // a method the spec does not use
			put.OperationID = "replaceLink"
			doc.Paths.Find("/links/{id}").Put = &put
		}, "missing PUT /links/{id} 200"},
		{"new status", func(doc *openapi3.T, _ map[string]any) {
			doc.Paths.Find("/links/{id}").Patch.Responses.Set("409", doc.Paths.Find("/links/{id}").Patch.Responses.Value("404"))
		}, "missing PATCH /links/{id} 409"},
		{"new bodiless status", func(doc *openapi3.T, _ map[string]any) {
			doc.Paths.Find("/links/{id}").Patch.Responses.Set("204", doc.Paths.Find("/links/{id}").Delete.Responses.Value("204"))
		}, "missing PATCH /links/{id} 204 (no body: list it in bodiless)"},
		{"fixture breaks the schema", func(_ *openapi3.T, fixtures map[string]any) {
			fixtures["delete.json"] = map[string]any{"unexpected": true}
		}, "missing DELETE /links/{id} 200"},
		{"stale fixture", func(_ *openapi3.T, fixtures map[string]any) {
			fixtures["error-409-conflict.json"] = map[string]any{}
		}, "stale error-409-conflict.json"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			doc := load(t)
			fx := maps.Clone(fixtures)
			if m, s := uncovered(doc, fx); len(m)+len(s) > 0 {
				t.Fatalf("before the change: missing %v, stale %v", m, s)
			}
			tc.change(doc, fx)
			missing, stale := uncovered(doc, fx)
			var got []string
			for _, m := range missing {
				got = append(got, "missing "+m)
			}
			for _, s := range stale {
				got = append(got, "stale "+s)
			}
			if !slices.Contains(got, tc.want) {
				t.Errorf("got %q, want it to include %q", got, tc.want)
			}
		})
	}
}

// A spec with a wrong example must fail Load: proves example validation is on.
func TestValidateExamplesCatchesABadExample(t *testing.T) {
	doc := load(t)
	link := doc.Components.Schemas["Link"].Value
	bad := map[string]any{"link_id": 42}
	if err := link.VisitJSON(bad, spec.SchemaOptions()...); err == nil {
		t.Fatal("a Link with a numeric link_id validated")
	}
	op := doc.Paths.Find("/links/{id}").Patch
	op.Responses.Value("200").Value.Content["application/json"].Example = bad
	if err := spec.ValidateExamples(doc); err == nil || !strings.Contains(err.Error(), "200") {
		t.Fatalf("ValidateExamples = %v, want an error naming the 200 example", err)
	}
}

func TestFormats(t *testing.T) {
	for _, tc := range []struct {
		in      string
		ok      bool
		checker func(string) error
	}{
		{"https://example.com/hook", true, spec.CheckURI},
		{"http://127.0.0.1:8080/x?y=1", true, spec.CheckURI},
		{"/relative/hook", false, spec.CheckURI},
		{"javascript:alert(1)", false, spec.CheckURI},
		{"file:///etc/passwd", false, spec.CheckURI},
		{"https://exa mple.com/", false, spec.CheckURI},
		{"https://example.com/\x00", false, spec.CheckURI},
		{"2023-02-16T09:14:11", true, spec.CheckDateTime},
		{"2023-02-16T09:14:11.123Z", true, spec.CheckDateTime},
		{"2023-02-16T09:14:11+02:00", true, spec.CheckDateTime},
		{"2023-02-16", false, spec.CheckDateTime},
		{"yesterday", false, spec.CheckDateTime},
	} {
		if err := tc.checker(tc.in); (err == nil) != tc.ok {
			t.Errorf("check(%q) = %v, want ok=%v", tc.in, err, tc.ok)
		}
	}
}

// Every wire fixture in testdata validates against the schema it stands for.
func TestFixturesMatchSchemas(t *testing.T) {
	doc := load(t)
	schemaFor := func(name string) string {
		if strings.HasPrefix(name, "requests/update-") {
			return "UpdateLinkRequest"
		}
		if f, ok := strings.CutPrefix(name, "responses/"); ok && fixtureRow(f) >= 0 {
			return responseFixtures[fixtureRow(f)].schema
		}
		return ""
	}
	files, err := filepath.Glob("../testdata/re*/*.json")
	if err != nil || len(files) < 10 {
		t.Fatalf("fixtures: %v, %d files", err, len(files))
	}
	for _, f := range files {
		name, _ := filepath.Rel("../testdata", f)
		t.Run(name, func(t *testing.T) {
			schema := schemaFor(filepath.ToSlash(name))
			if schema == "" {
				t.Fatalf("no schema known for fixture %s: add it to the table", name)
			}
			raw, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			var v any
			if err := json.Unmarshal(raw, &v); err != nil {
				t.Fatal(err)
			}
			if err := doc.Components.Schemas[schema].Value.VisitJSON(v, spec.SchemaOptions()...); err != nil {
				t.Errorf("%s does not match %s: %v", name, schema, err)
			}
		})
	}
}
