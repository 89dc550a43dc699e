package moneykittest_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/halyard-labs/moneykit-go/moneykittest"
	"github.com/halyard-labs/moneykit-go/wrapper"
)

// A FaultStatus answers whatever Status, Header and Body say: here an error that no seeded
// link gives, to test how your code handles it.
func ExampleFault() {
	srv, c := fakeAPI()
	defer srv.Close()
	srv.InjectFault(moneykittest.Fault{
		Kind:   moneykittest.FaultStatus,
		Status: http.StatusUnauthorized,
		Header: http.Header{"Content-Type": {"application/json"}},
		Body:   []byte(`{"error_code": "link_error.unauthorized_access", "error_message": "Not your link."}`),
	})

	err := c.DeleteLink(context.Background(), moneykittest.SeedLinkID)
	fmt.Println(err)
	fmt.Println(errors.Is(err, wrapper.ErrUnauthorizedLinkAccess))
	// Output:
	// moneykit: DELETE /links/mk_eqkWN34UEoa2NxyALG8pcV: 401 link_error.unauthorized_access: Not your link.
	// true
}

// A 429 whose Retry-After is longer than the client waits (WithMaxRetryWait, 60 s by
// default): the call returns it at once, with the wait asked for, and sleeps not at all.
func ExampleFake_InjectFault() {
	srv, c := fakeAPI()
	defer srv.Close()
	ctx := context.Background()
	srv.InjectFault(moneykittest.Fault{
		Kind: moneykittest.FaultStatus, Method: http.MethodPatch,
		Status: http.StatusTooManyRequests, Header: http.Header{"Retry-After": {"120"}},
	})

	err := rotateWebhook(ctx, c, moneykittest.SeedLinkID, "https://example.com/hook")
	fmt.Println(err)
	var e *wrapper.Error
	if errors.As(err, &e) {
		fmt.Println(errors.Is(err, wrapper.ErrRateLimited), e.RetryAfter, e.Temporary())
	}
	// The fault is used up (Times 0 means once): the next call goes through.
	fmt.Println(rotateWebhook(ctx, c, moneykittest.SeedLinkID, "https://example.com/hook"))
	// Output:
	// moneykit: PATCH /links/mk_eqkWN34UEoa2NxyALG8pcV: 429 Too Many Requests (retry after 2m0s)
	// true 2m0s true
	// <nil>
}

// A hung API: the delay outlasts the call's deadline, the call gives up, and the request
// is never processed.
func ExampleFault_latency() {
	srv, c := fakeAPI()
	defer srv.Close()
	srv.InjectFault(moneykittest.Fault{Kind: moneykittest.FaultDelay, Latency: time.Hour})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()

	err := c.DeleteLink(ctx, moneykittest.SeedLinkID)
	link, _ := srv.Link(moneykittest.SeedLinkID)
	fmt.Println(errors.Is(err, context.DeadlineExceeded), link.State)
	// Output: true connected
}

// What the client reports for each kind of broken answer, when every attempt meets it
// (FaultStatus and FaultDelay have examples of their own, under Fault).
func ExampleFaultKind() {
	srv, c := fakeAPI()
	defer srv.Close()
	kinds := []struct {
		name string
		kind moneykittest.FaultKind
	}{
		{"FaultHTML502", moneykittest.FaultHTML502},
		{"FaultDrop", moneykittest.FaultDrop},
		{"FaultDropMidBody", moneykittest.FaultDropMidBody},
		{"FaultTruncate", moneykittest.FaultTruncate},
		{"FaultNonJSON", moneykittest.FaultNonJSON},
	}
	for _, k := range kinds {
		srv.InjectFault(moneykittest.Fault{Kind: k.kind, Times: -1})
		err := rotateWebhook(context.Background(), c, moneykittest.SeedLinkID, "https://example.com/hook")
		srv.ClearFaults()
		fmt.Printf("%s: %v\n", k.name, strings.ReplaceAll(fmt.Sprint(err), srv.URL, "$URL")) // "<nil>" if it succeeded
	}
	// Output:
	// FaultHTML502: moneykit: PATCH /links/mk_eqkWN34UEoa2NxyALG8pcV: 502 Bad Gateway (after 3 attempts): body: "<html> <head><title>502 Bad Gateway</title></head> <body> <center><h1>502 Bad Gateway</h1></center> <hr><center>nginx</center> </body> </html>"
	// FaultDrop: moneykit: PATCH /links/mk_eqkWN34UEoa2NxyALG8pcV: after 3 attempts: Patch "$URL/links/mk_eqkWN34UEoa2NxyALG8pcV": EOF
	// FaultDropMidBody: moneykit: PATCH /links/mk_eqkWN34UEoa2NxyALG8pcV: after 3 attempts: unexpected EOF
	// FaultTruncate: moneykit: PATCH /links/mk_eqkWN34UEoa2NxyALG8pcV: 200 OK: malformed response body: unexpected end of JSON input
	// FaultNonJSON: moneykit: PATCH /links/mk_eqkWN34UEoa2NxyALG8pcV: 200 OK: malformed response body: invalid character 'h' in literal true (expecting 'r')
}

// An outage that lasts until the test ends it: ClearFaults drops the faults not used up.
func ExampleFake_ClearFaults() {
	srv, c := fakeAPI()
	defer srv.Close()
	ctx := context.Background()
	srv.InjectFault(moneykittest.Fault{Kind: moneykittest.FaultHTML502, Times: -1})

	var e *wrapper.Error
	if errors.As(c.DeleteLink(ctx, moneykittest.SeedLinkID), &e) {
		fmt.Println(e.StatusCode, e.Attempts)
	}
	srv.ClearFaults()
	fmt.Println(c.DeleteLink(ctx, moneykittest.SeedLinkID))
	var statuses []int
	for _, r := range srv.Requests() {
		statuses = append(statuses, r.Status)
	}
	fmt.Println(statuses)
	// Output:
	// 502 3
	// <nil>
	// [502 502 502 200]
}
