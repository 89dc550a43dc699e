package spec_test

import (
	"context"
	"fmt"
	"log"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/halyard-labs/moneykit-go/spec"
)

// newValidator is the setup the validator examples share. They share one Validator, as a
// program should: building it loads and checks the whole spec, and it is safe for
// concurrent use (WithBasePath and ListedStatusesOnly return copies).
var newValidator = sync.OnceValue(func() *spec.Validator {
	v, err := spec.NewValidator(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	return v
})

// authorized returns a request as the client sends it: with a bearer token, and a JSON
// body if body is not empty.
func authorized(method, target, body string) *http.Request {
	req := httptest.NewRequest(method, target, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer mk_test_token")
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	return req
}

// deleteInput is a DELETE /links/{id} as the client sends it, matched to its operation,
// for the examples that check an answer to it.
func deleteInput(v *spec.Validator) *spec.Input {
	in, err := v.ValidateRequest(context.Background(), authorized(http.MethodDelete, "/links/mk_1", ""))
	if err != nil {
		log.Fatal(err)
	}
	return in
}

// headline is the first line of a validation error; kin-openapi adds the schema and the
// value on the lines after it.
func headline(err error) string {
	if err == nil {
		return "ok"
	}
	first, _, _ := strings.Cut(err.Error(), "\n")
	return first
}

// The operations openapi.yaml describes, as Load returns them.
func Example() {
	doc, err := spec.Load(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	var ops []string
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			ops = append(ops, fmt.Sprintf("%s %s: %s (%s)", method, path, op.Summary, op.OperationID))
		}
	}
	slices.Sort(ops)
	fmt.Println(strings.Join(ops, "\n"))
	// Output:
	// DELETE /links/{id}: Delete Link (DeleteLink)
	// PATCH /links/{id}: Update Link (UpdateLink)
	// POST /auth/token: Generate Access Token (GenerateAccessToken)
}

// Load checks the document, examples included, and clears its servers, so that a router
// built on it matches requests to any host, a loopback test server among them.
func ExampleLoad() {
	doc, err := spec.Load(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	op := doc.Paths.Find("/links/{id}").Patch
	statuses := slices.Sorted(maps.Keys(op.Responses.Map()))
	fmt.Println(len(doc.Servers), op.Summary, statuses)
	// Output: 0 Update Link [200 401 403 404 410 422 429]
}

// ValidateExamples checks the examples with MoneyKit's formats, which doc.Validate does
// not know: a webhook example without a scheme passes doc.Validate, not ValidateExamples.
func ExampleValidateExamples() {
	doc, err := spec.GetSpec()
	if err != nil {
		log.Fatal(err)
	}
	body := doc.Paths.Find("/links/{id}").Patch.RequestBody.Value.Content["application/json"]
	body.Examples["setWebhook"].Value.Value = map[string]any{"webhook": "example.com/hook"}

	fmt.Println(doc.Validate(context.Background(), openapi3.EnableExamplesValidation()))
	fmt.Println(headline(spec.ValidateExamples(doc)))
	// Output:
	// <nil>
	// spec: examples do not match their schemas: PATCH /links/{id} request application/json examples.setWebhook: Error at "/webhook": string doesn't match the format "uri": must be an absolute URI with a scheme and a host
}
