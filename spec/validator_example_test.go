package spec_test

import (
	"context"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"net/url"

	"github.com/oapi-codegen/nullable"

	"github.com/halyard-labs/moneykit-go/api"
	"github.com/halyard-labs/moneykit-go/spec"
	"github.com/halyard-labs/moneykit-go/wrapper"
)

// A stub server of your own that refuses requests breaking the spec, so a test of code
// that calls MoneyKit learns of a bad request before MoneyKit would.
func ExampleValidator() {
	v := newValidator()
	stub := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, err := v.ValidateRequest(r.Context(), r); err != nil {
			http.Error(w, headline(err), http.StatusUnprocessableEntity)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, "{}")
	})

	for _, req := range []*http.Request{
		authorized(http.MethodDelete, "/links/mk_1", ""),
		httptest.NewRequest(http.MethodDelete, "/links/mk_1", nil), // no credentials
	} {
		rec := httptest.NewRecorder()
		stub.ServeHTTP(rec, req)
		fmt.Print(rec.Code, " ", rec.Body.String(), "\n")
	}
	// Output:
	// 200 {}
	// 422 spec: DELETE /links/{id}: request breaks openapi.yaml: security requirements failed: missing bearer token | missing X-Client-Id header
}

// Build the Validator once: it loads and checks the whole spec. Here it checks that the
// requests the generated api package builds keep to the spec.
func ExampleNewValidator() {
	ctx := context.Background()
	v, err := spec.NewValidator(ctx)
	if err != nil {
		log.Fatal(err)
	}
	update := api.UpdateLinkRequest{Webhook: nullable.NewNullableWithValue("https://example.com/hook")}
	patch, _ := api.NewUpdateLinkRequest(wrapper.DefaultBaseURL, "mk_1", nil, update)
	del, _ := api.NewDeleteLinkRequest(wrapper.DefaultBaseURL, "mk_1", nil)

	for _, req := range []*http.Request{patch, del} {
		req.Header.Set("Authorization", "Bearer mk_test_token")
		_, err := v.ValidateRequest(ctx, req)
		fmt.Println(req.Method, req.URL.Path, headline(err))
	}
	// Output:
	// PATCH /links/mk_1 ok
	// DELETE /links/mk_1 ok
}

// What ValidateRequest finds wrong: the body, the credentials, the operation.
func ExampleValidator_ValidateRequest() {
	v := newValidator()
	for _, req := range []*http.Request{
		authorized(http.MethodPatch, "/links/mk_1", `{"webhook": "https://example.com/hook"}`),
		authorized(http.MethodPatch, "/links/mk_1", `{"link_tags": "vip"}`),
		httptest.NewRequest(http.MethodDelete, "/links/mk_1", nil),
		authorized(http.MethodPut, "/links/mk_1", ""), // no such operation
	} {
		_, err := v.ValidateRequest(context.Background(), req)
		fmt.Println(headline(err))
	}
	// Output:
	// ok
	// spec: PATCH /links/{id}: request breaks openapi.yaml: request body has an error: doesn't match schema #/components/schemas/UpdateLinkRequest: Error at "/link_tags": value must be an array
	// spec: DELETE /links/{id}: request breaks openapi.yaml: security requirements failed: missing bearer token | missing X-Client-Id header
	// spec: PUT /links/mk_1: no such operation: no matching operation was found
}

// Check an answer against the operation of its request: both of DELETE's successes pass,
// a 404 in another API's shape does not.
func ExampleValidator_ValidateResponse() {
	v := newValidator()
	ctx := context.Background()
	in, err := v.ValidateRequest(ctx, authorized(http.MethodDelete, "/links/mk_1", ""))
	if err != nil {
		log.Fatal(err)
	}
	json := http.Header{"Content-Type": {"application/json"}}

	fmt.Println(headline(v.ValidateResponse(ctx, in, http.StatusOK, json, []byte(`{}`))))
	fmt.Println(headline(v.ValidateResponse(ctx, in, http.StatusNoContent, nil, nil)))
	fmt.Println(headline(v.ValidateResponse(ctx, in, http.StatusNotFound, json, []byte(`{"error": "not found"}`))))
	// Output:
	// ok
	// ok
	// spec: DELETE /links/{id}: 404 response breaks openapi.yaml: response body doesn't match schema #/components/schemas/LinkNotFoundError: Error at "/error_code": property "error_code" is missing
}

// An Input is the request matched to its operation: the route, and the path parameters as
// escaped on the wire (an id holding "/" is one segment).
func ExampleInput() {
	v := newValidator()
	in, err := v.ValidateRequest(context.Background(), authorized(http.MethodDelete, "/links/legacy%2F42", ""))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(in.Route.Method, in.Route.Path, in.Route.Operation.Summary)
	id, err := url.PathUnescape(in.PathParams["id"])
	fmt.Println(in.PathParams["id"], id, err)
	// Output:
	// DELETE /links/{id} Delete Link
	// legacy%2F42 legacy/42 <nil>
}

// Check the client's traffic in a test: here a stub server answers a link short of the
// fields the spec requires. The client decodes it leniently; the Transport reports it.
func ExampleValidator_Transport() {
	v := newValidator()
	stub := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"link_id": "mk_1", "state": "connected"}`)
	}))
	defer stub.Close()
	breach := func(err error) { fmt.Println("breach:", headline(err)) } // in a test: t.Error
	hc := &http.Client{Transport: v.Transport(stub.Client().Transport, breach)}
	c, err := wrapper.New("mk_test_token", wrapper.WithBaseURL(stub.URL), wrapper.WithHTTPClient(hc))
	if err != nil {
		log.Fatal(err)
	}

	_, err = c.UpdateLink(context.Background(), "mk_1", wrapper.UpdateParams{LinkTags: wrapper.SetLinkTags("vip")})
	fmt.Println("client:", err)
	// Output:
	// breach: spec: PATCH /links/{id}: 200 response breaks openapi.yaml: response body doesn't match schema #/components/schemas/Link: Error at "/institution_id": property "institution_id" is missing
	// client: <nil>
}

// The API behind a proxy that adds a prefix: WithBasePath removes it before matching.
func ExampleValidator_WithBasePath() {
	v := newValidator()
	req := authorized(http.MethodDelete, "/v1/links/mk_1", "")

	_, err := v.ValidateRequest(context.Background(), req)
	fmt.Println(headline(err))
	_, err = v.WithBasePath("/v1").ValidateRequest(context.Background(), req)
	fmt.Println(headline(err))
	// Output:
	// spec: DELETE /v1/links/mk_1: no such operation: no matching operation was found
	// ok
}

// A client lets a status the spec does not list (a proxy's 502) through; a server checking
// its own answers uses ListedStatusesOnly and has it flagged.
func ExampleValidator_ListedStatusesOnly() {
	client := newValidator()
	server := client.ListedStatusesOnly()
	in := deleteInput(client)
	html := http.Header{"Content-Type": {"text/html"}}

	fmt.Println("client:", headline(client.ValidateResponse(context.Background(), in, http.StatusBadGateway, html, nil)))
	fmt.Println("server:", headline(server.ValidateResponse(context.Background(), in, http.StatusBadGateway, html, nil)))
	// Output:
	// client: ok
	// server: spec: DELETE /links/{id}: 502 response breaks openapi.yaml: status is not supported
}
