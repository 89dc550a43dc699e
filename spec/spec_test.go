package spec_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
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
	for _, op := range []struct{ method, id string }{{"PATCH", "updateLink"}, {"DELETE", "deleteLink"}} {
		o := doc.Paths.Find("/links/{id}").GetOperation(op.method)
		// oapi-codegen's embedded copy capitalises operationIds.
		if o == nil || !strings.EqualFold(o.OperationID, op.id) {
			t.Fatalf("%s /links/{id}: operation %q missing", op.method, op.id)
		}
		if o.Security == nil || len(*o.Security) == 0 {
			t.Errorf("%s: no security requirement", op.id)
		}
		statuses := []string{"200", "401", "403", "404", "410", "422", "429"}
		if op.method == "DELETE" {
			statuses = append(statuses, "204")
		}
		for _, status := range statuses {
			if o.Responses.Value(status) == nil {
				t.Errorf("%s: response %s missing", op.id, status)
			}
		}
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
		switch {
		case strings.HasPrefix(name, "requests/update-"):
			return "UpdateLinkRequest"
		case name == "responses/link.json":
			return "Link"
		case name == "responses/delete.json":
			return "EmptyObject"
		}
		for prefix, schema := range map[string]string{
			"responses/error-401-expired_access_token": "ExpiredAccessTokenError",
			"responses/error-401-unauthorized.json":    "UnauthorizedError",
			"responses/error-401-unauthorized_access":  "UnauthorizedLinkAccessError",
			"responses/error-422-validation_failed":    "ValidationFailedError",
			"responses/error-403-":                     "ForbiddenActionError",
			"responses/error-404-":                     "LinkNotFoundError",
			"responses/error-410-":                     "LinkDeletedError",
			"responses/error-422-bad_state":            "LinkBadStateError",
			"responses/error-429-":                     "RateLimitExceededError",
		} {
			if strings.HasPrefix(name, prefix) {
				return schema
			}
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
