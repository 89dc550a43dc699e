package wrapper_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/halyard-labs/moneykit-go/moneykittest"
	"github.com/halyard-labs/moneykit-go/wrapper"
)

// Tell errors apart with errors.Is, and read their fields with errors.As.
func ExampleError() {
	srv, c := fakeAPI()
	defer srv.Close()

	_, err := c.UpdateLink(context.Background(), moneykittest.BadStateLinkID, wrapper.UpdateParams{
		LinkTags: wrapper.SetLinkTags("retry"),
	})
	var e *wrapper.Error
	switch {
	case errors.Is(err, wrapper.ErrNotFound), errors.Is(err, wrapper.ErrLinkDeleted):
		fmt.Println("the link is gone")
	case errors.Is(err, wrapper.ErrBadState) && errors.As(err, &e):
		fmt.Println("cannot change it now:", e.StatusCode, e.LinkErrorCode)
	case err != nil:
		fmt.Println("failed:", err)
	}
	// Output: cannot change it now: 422 auth_expired
}

// An *Error prints as one line, ready for a log: the call, the status, and MoneyKit's
// code and message, or an excerpt of a body that was not MoneyKit's (a proxy's page).
func ExampleError_Error() {
	srv, c := fakeAPI(wrapper.WithMaxRetries(0))
	defer srv.Close()
	ctx := context.Background()

	fmt.Println(c.DeleteLink(ctx, moneykittest.ForbiddenLinkID))
	srv.InjectFault(moneykittest.Fault{Kind: moneykittest.FaultHTML502})
	fmt.Println(c.DeleteLink(ctx, moneykittest.SeedLinkID))
	// Output:
	// moneykit: DELETE /links/mk_7Hq2RkCw9dXfPzLmA1bVtE: 403 link_error.forbidden_action: Accounts access not permitted
	// moneykit: DELETE /links/mk_eqkWN34UEoa2NxyALG8pcV: 502 Bad Gateway: body: "<html> <head><title>502 Bad Gateway</title></head> <body> <center><h1>502 Bad Gateway</h1></center> <hr><center>nginx</center> </body> </html>"
}

// Map the client's errors to your own API's answers. A 429 from a load balancer, without
// MoneyKit's error body, still matches ErrRateLimited.
func ExampleError_Is() {
	srv, c := fakeAPI(wrapper.WithMaxRetries(0))
	defer srv.Close()
	status := func(err error) int {
		switch {
		case err == nil:
			return http.StatusNoContent
		case errors.Is(err, wrapper.ErrNotFound), errors.Is(err, wrapper.ErrLinkDeleted):
			return http.StatusNotFound
		case errors.Is(err, wrapper.ErrForbiddenAction):
			return http.StatusForbidden
		case errors.Is(err, wrapper.ErrRateLimited):
			return http.StatusServiceUnavailable // ask your caller to come back later
		}
		return http.StatusBadGateway
	}

	srv.InjectFault(moneykittest.Fault{Kind: moneykittest.FaultStatus, Status: http.StatusTooManyRequests, Method: http.MethodDelete})
	for _, id := range []string{moneykittest.SeedLinkID, moneykittest.SeedLinkID, moneykittest.DeletedLinkID, moneykittest.ForbiddenLinkID} {
		fmt.Println(id, status(c.DeleteLink(context.Background(), id)))
	}
	// Output:
	// mk_eqkWN34UEoa2NxyALG8pcV 503
	// mk_eqkWN34UEoa2NxyALG8pcV 204
	// mk_9TfLx4DhMa2BbYcNq6WsUg 404
	// mk_7Hq2RkCw9dXfPzLmA1bVtE 403
}

// Put a call that failed for a passing reason back on your queue; send the others to a
// person.
func ExampleError_Temporary() {
	srv, c := fakeAPI(wrapper.WithMaxRetries(0)) // the queue retries, later
	defer srv.Close()

	srv.InjectFault(moneykittest.Fault{Kind: moneykittest.FaultStatus, Status: http.StatusServiceUnavailable})
	for _, id := range []string{moneykittest.SeedLinkID, moneykittest.ForbiddenLinkID} {
		err := c.DeleteLink(context.Background(), id)
		var e *wrapper.Error
		switch {
		case err == nil:
			fmt.Println(id, "deleted")
		case errors.As(err, &e) && e.Temporary():
			fmt.Println(id, "requeued after", e.StatusCode)
		default:
			fmt.Println(id, "for a person:", err)
		}
	}
	// Output:
	// mk_eqkWN34UEoa2NxyALG8pcV requeued after 503
	// mk_7Hq2RkCw9dXfPzLmA1bVtE for a person: moneykit: DELETE /links/mk_7Hq2RkCw9dXfPzLmA1bVtE: 403 link_error.forbidden_action: Accounts access not permitted
}

// A success status with a body that is not a link: the cause is kept, and whether the
// change was made is unknown. PATCH sets absolute values, so sending it again is safe.
func ExampleError_Unwrap() {
	srv, c := fakeAPI()
	defer srv.Close()
	p := wrapper.UpdateParams{Webhook: wrapper.SetWebhook("https://hooks.acme.example/v2")}

	srv.InjectFault(moneykittest.Fault{Kind: moneykittest.FaultNonJSON})
	_, err := c.UpdateLink(context.Background(), moneykittest.SeedLinkID, p)
	var syntax *json.SyntaxError
	fmt.Println(errors.Is(err, wrapper.ErrMalformedResponse), errors.As(err, &syntax))
	if errors.Is(err, wrapper.ErrMalformedResponse) {
		_, err = c.UpdateLink(context.Background(), moneykittest.SeedLinkID, p)
	}
	fmt.Println(err)
	// Output:
	// true true
	// <nil>
}

// Count failures by MoneyKit's error code, for a dashboard. A code this version does not
// know comes through as sent.
func ExampleCode() {
	srv, c := fakeAPI()
	defer srv.Close()
	byCode := map[wrapper.Code]int{}

	srv.InjectFault(moneykittest.Fault{Kind: moneykittest.FaultStatus, Status: http.StatusBadRequest,
		Body: []byte(`{"error_code":"api_error.link.frozen","error_message":"Frozen by compliance."}`)})
	for _, id := range []string{moneykittest.SeedLinkID, moneykittest.BadStateLinkID, moneykittest.ForbiddenLinkID} {
		_, err := c.UpdateLink(context.Background(), id, wrapper.UpdateParams{LinkTags: wrapper.SetLinkTags("vip")})
		var e *wrapper.Error
		if errors.As(err, &e) {
			byCode[e.Code]++
		}
	}
	fmt.Println(byCode) // fmt prints a map sorted by key
	// Output: map[api_error.link.frozen:1 link_error.bad_state:1 link_error.forbidden_action:1]
}

// Point at the tag MoneyKit refused: a location's list index is a number.
func ExampleValidationError() {
	srv, c := fakeAPI()
	defer srv.Close()
	tags := []string{"vip", "#beta"}

	// MoneyKit asks that each tag begin with a letter or digit; the fake does not check, so
	// it is told to answer as MoneyKit would.
	srv.InjectFault(moneykittest.Fault{Kind: moneykittest.FaultStatus, Status: http.StatusUnprocessableEntity,
		Body: []byte(`{"error_code":"api_error.request.validation_failed","error_message":"Request validation failed.",` +
			`"validation_errors":[{"location":["body","link_tags",1],"message":"must begin with a letter or digit","type":"value_error"}]}`)})
	_, err := c.UpdateLink(context.Background(), moneykittest.SeedLinkID, wrapper.UpdateParams{LinkTags: wrapper.SetLinkTags(tags...)})
	var e *wrapper.Error
	if errors.As(err, &e) && errors.Is(err, wrapper.ErrValidationFailed) {
		for _, v := range e.ValidationErrors {
			if len(v.Location) != 3 || v.Location[1] != "link_tags" {
				continue
			}
			if i, ok := v.Location[2].(float64); ok && int(i) < len(tags) { // ["body", "link_tags", 1]
				fmt.Printf("tag %q: %s\n", tags[int(i)], v.Message)
			}
		}
	}
	// Output: tag "#beta": must begin with a letter or digit
}

// Log each problem the API found, one line each. Here the client was set up with an API
// version MoneyKit does not have.
func ExampleValidationError_String() {
	srv, c := fakeAPI(wrapper.WithAPIVersion("2024-01-01"))
	defer srv.Close()

	err := c.DeleteLink(context.Background(), moneykittest.SeedLinkID)
	var e *wrapper.Error
	if errors.As(err, &e) {
		for _, v := range e.ValidationErrors {
			fmt.Println(v)
		}
	}
	// Output: header.MoneyKit-Version: value is not one of the allowed values ["2023-02-18"] (type_error.enum)
}
