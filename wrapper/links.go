package wrapper

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/halyard-labs/moneykit-go/api"
)

// Link is a MoneyKit link as the API returns it (the generated api.Link). Enum fields
// (State, Provider, ErrorCode, AvailableProducts) keep values this version does not know.
type Link = api.Link

// ErrInvalidLinkID is matched (errors.Is) by the error for a link id that cannot be sent.
var ErrInvalidLinkID = errors.New("moneykit: invalid link id")

// ErrNoClient is returned by the methods of a nil or zero Client; create one with New.
var ErrNoClient = errors.New("moneykit: Client not created with New")

// MaxLinkIDLen bounds a link id, in bytes. MoneyKit's ids are about 30; the cap keeps a
// runaway input from becoming a huge request line.
const MaxLinkIDLen = 512

// checkLinkID accepts any opaque id that fits in one path segment once escaped. The
// generated client escapes the id, but then resolves dot segments: "." and ".." would turn
// into /links/ or the server root, so they are refused here.
func checkLinkID(id string) error {
	switch {
	case id == "":
		return fmtErrorf("%w: empty", ErrInvalidLinkID)
	case id == "." || id == "..":
		return fmtErrorf("%w: %q is a path dot segment", ErrInvalidLinkID, id)
	case len(id) > MaxLinkIDLen:
		return fmtErrorf("%w: %d bytes, over %d", ErrInvalidLinkID, len(id), MaxLinkIDLen)
	case !utf8.ValidString(id):
		return fmtErrorf("%w: not valid UTF-8", ErrInvalidLinkID)
	case strings.ContainsFunc(id, func(r rune) bool { return r < ' ' || r == 0x7f }):
		return fmtErrorf("%w: %q contains control characters", ErrInvalidLinkID, id)
	}
	return nil
}

// UpdateLink changes a link's webhook and tags (PATCH /links/{id}, "Update Link") and
// returns the updated link. Fields of p left at their zero value are not changed.
//
// The link id is path-escaped; ids that cannot be sent ("", ".", "..", control characters,
// over MaxLinkIDLen bytes) fail with ErrInvalidLinkID and a webhook that is not an absolute
// http(s) URL fails with ErrInvalidWebhook, before anything is sent. PATCH sets absolute
// values, so it is safe to retry, and it is retried as the client's options say (opts
// change that for this call).
func (c *Client) UpdateLink(ctx context.Context, id string, p UpdateParams, opts ...CallOption) (*Link, error) {
	r, err := c.call(ctx, updateLink, id, opts, func(server string) (*http.Request, error) {
		body, err := p.body()
		if err != nil {
			return nil, err
		}
		return api.NewUpdateLinkRequest(server, id, nil, body)
	})
	if err != nil {
		return nil, err
	}
	return r.link()
}

// DeleteLink deletes a link and disables its access token (DELETE /links/{id}, "Delete
// Link"). It returns nil when the API answers 200 with a JSON object (the reference: {})
// or 204 (MoneyKit's SDKs). A 200 that is not JSON, or whose body is not a JSON object (an
// HTML page from a proxy or captive portal), is not the API's answer: it fails with an
// *Error wrapping ErrMalformedResponse, as whether the link was deleted is unknown.
// Deleting a deleted link fails with ErrLinkDeleted; one deleted over 90 days ago, with
// ErrNotFound. But when an earlier attempt of this same call may have reached the server
// (its answer was lost, timed out or was a 5xx) and a retry answers 410, that earlier
// attempt deleted the link: DeleteLink reports success.
func (c *Client) DeleteLink(ctx context.Context, id string, opts ...CallOption) error {
	r, err := c.call(ctx, deleteLink, id, opts, func(server string) (*http.Request, error) {
		return api.NewDeleteLinkRequest(server, id, nil)
	})
	if err != nil || r.resp.StatusCode != http.StatusOK {
		return err // a 204, or a 410 after a lost attempt (see above), says it all
	}
	return r.object()
}

// The operations on a link, as the call helper (call.go) runs them.
var (
	updateLink = operation{method: http.MethodPatch, ok: []int{http.StatusOK}}
	deleteLink = operation{method: http.MethodDelete, ok: []int{http.StatusOK, http.StatusNoContent}, goneIsDone: true}
)
