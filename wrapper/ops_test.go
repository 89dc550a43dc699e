package wrapper_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/halyard-labs/moneykit-go/wrapper"
)

// linkOp is one operation on a link as the tests that hold for every operation drive it:
// ids on the wire and the headers, ids that cannot be sent, a done context, the zero
// client, invalid call options, each documented error body, odd answers, a body over the
// cap and the fault suite. A new operation is one more row of linkOps.
type linkOp struct {
	method string // the HTTP method; also the name of the subtest
	// link: a success returns a link, so a 2xx whose body is not one is
	// ErrMalformedResponse. An operation without it goes by the status alone.
	link bool
	// call calls the operation on id.
	call func(ctx context.Context, c *wrapper.Client, id string, opts ...wrapper.CallOption) error
	// ok answers the call with a success, as the reference shows it.
	ok func(t testing.TB) http.HandlerFunc
}

var linkOps = []linkOp{
	{method: http.MethodPatch, link: true, ok: linkAnswer,
		call: func(ctx context.Context, c *wrapper.Client, id string, opts ...wrapper.CallOption) error {
			_, err := c.UpdateLink(ctx, id, wrapper.UpdateParams{LinkTags: wrapper.SetLinkTags("a")}, opts...)
			return err
		}},
	{method: http.MethodDelete, ok: noContent,
		call: func(ctx context.Context, c *wrapper.Client, id string, opts ...wrapper.CallOption) error {
			return c.DeleteLink(ctx, id, opts...)
		}},
}

// linkAnswer is the reference's 200 with a link.
func linkAnswer(t testing.TB) http.HandlerFunc { return reply(200, fixture(t, "responses/link.json")) }

// noContent is a 204.
func noContent(testing.TB) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) }
}

// opFor returns the row of linkOps for a request's method.
func opFor(t testing.TB, method string) linkOp {
	t.Helper()
	for _, op := range linkOps {
		if op.method == method {
			return op
		}
	}
	t.Fatalf("no operation in linkOps for %s", method)
	return linkOp{}
}

// answerEach answers every request with the success of its operation.
func answerEach(t testing.TB) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) { opFor(t, r.Method).ok(t)(w, r) }
}
