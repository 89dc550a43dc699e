package wrapper

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
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

// begin checks what every call needs before a request is built, and makes the call's
// state, which the doer reads from the context, and the first attempt's timeout (the doer
// makes those of later attempts). The caller must call the returned cancel.
func (c *Client) begin(ctx context.Context, id string, opts []CallOption) (context.Context, *callState, context.CancelFunc, error) {
	if c == nil || c.gen == nil {
		return nil, nil, nil, ErrNoClient
	}
	if ctx == nil {
		return nil, nil, nil, errors.New("moneykit: nil context.Context")
	}
	if err := checkLinkID(id); err != nil {
		return nil, nil, nil, err
	}
	// A call whose context is already done sends nothing.
	if err := ctx.Err(); err != nil {
		return nil, nil, nil, err
	}
	cc := &callCtx{Context: ctx, state: callState{cfg: c.defaults, linkID: id}}
	for _, o := range opts {
		if o != nil {
			o.applyCall(&cc.state.cfg)
		}
	}
	cc.state.parent = cc
	if dl, ok := ctx.Deadline(); !ok || time.Until(dl) > cc.state.cfg.attemptTimeout {
		actx, cancel := context.WithTimeout(cc, cc.state.cfg.attemptTimeout)
		return actx, &cc.state, cancel, nil
	}
	return cc, &cc.state, func() {}, nil
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
	ctx, cs, cancel, err := c.begin(ctx, id, opts)
	if err != nil {
		return nil, err
	}
	defer cancel()
	body, err := p.body()
	if err != nil {
		return nil, err
	}
	// MoneyKit-Version (declared in the spec) and User-Agent are set by the doer.
	rsp, err := c.gen.UpdateLink(ctx, id, nil, body, c.editors...)
	if err != nil {
		return nil, c.callError(cs.parent, http.MethodPatch, id, err)
	}
	if rsp.StatusCode != http.StatusOK {
		return nil, c.apiError(http.MethodPatch, id, rsp, cs)
	}
	// The doer has read the body into the call's state; decode it into the generated type.
	if ct := rsp.Header.Get("Content-Type"); !strings.Contains(ct, "json") {
		return nil, c.doer.creds.redactor().redactError(malformed(http.MethodPatch, id, rsp.StatusCode, cs.attempts, fmt.Errorf("Content-Type %q is not JSON", ct)))
	}
	link := new(Link)
	if err := json.Unmarshal(cs.body.raw, link); err != nil {
		return nil, c.doer.creds.redactor().redactError(bodyError(http.MethodPatch, id, rsp.StatusCode, cs.attempts, err))
	}
	// A body with a link_id is a link. The other fields the SDKs call required (state
	// included) may be missing: they keep their zero value, as openapi.yaml promises.
	if link.LinkID == "" {
		return nil, malformed(http.MethodPatch, id, rsp.StatusCode, cs.attempts, errors.New("the body is not a link: link_id missing"))
	}
	return link, nil
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
	ctx, cs, cancel, err := c.begin(ctx, id, opts)
	if err != nil {
		return err
	}
	defer cancel()
	rsp, err := c.gen.DeleteLink(ctx, id, nil, c.editors...)
	if err != nil {
		return c.callError(cs.parent, http.MethodDelete, id, err)
	}
	switch {
	case rsp.StatusCode == http.StatusGone && cs.maybeReached:
		return nil
	case rsp.StatusCode == http.StatusNoContent:
		return nil
	case rsp.StatusCode != http.StatusOK:
		return c.apiError(http.MethodDelete, id, rsp, cs)
	}
	// The doer has read (and capped) the body. Only its shape matters: {} is all the spec
	// says, and fields added later are fine.
	if ct := rsp.Header.Get("Content-Type"); !strings.Contains(ct, "json") {
		return c.doer.creds.redactor().redactError(malformed(http.MethodDelete, id, rsp.StatusCode, cs.attempts, fmt.Errorf("Content-Type %q is not JSON", ct)))
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(cs.body.raw, &obj); err != nil || obj == nil {
		return malformed(http.MethodDelete, id, rsp.StatusCode, cs.attempts, errors.New("the body is not a JSON object"))
	}
	return nil
}

// callError reports a call that got no usable answer. A done context wins over the
// transport's own report of it, unless that report already says so (a token fetch the
// call gave up waiting for). The report may quote the server (net/http quotes a malformed
// header line): it is redacted.
func (c *Client) callError(ctx context.Context, method, id string, err error) error {
	if ctxErr := ctx.Err(); ctxErr != nil && !errors.Is(err, ctxErr) {
		err = ctxErr
	}
	return fmtErrorf("%s /links/%s: %w", method, id, c.doer.creds.redactor().error(err))
}

// bodyError reports a success status whose body could not be read or decoded.
func bodyError(method, id string, status, attempts int, err error) *Error {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	var timeErr *time.ParseError
	if errors.As(err, &syntax) || errors.As(err, &typ) || errors.As(err, &timeErr) || errors.Is(err, api.ErrTimestampNotString) {
		return malformed(method, id, status, attempts, err)
	}
	return &Error{Method: method, LinkID: id, StatusCode: status, Attempts: attempts, Err: err}
}

func malformed(method, id string, status, attempts int, cause error) *Error {
	return &Error{Method: method, LinkID: id, StatusCode: status, Attempts: attempts, Err: fmt.Errorf("%w: %w", ErrMalformedResponse, cause)}
}

// apiError turns a non-success answer into an *Error, whatever its body: a MoneyKit error,
// an unknown error_code, HTML from a proxy, or nothing.
func (c *Client) apiError(method, id string, rsp *http.Response, cs *callState) error {
	e := &Error{Method: method, LinkID: id, StatusCode: rsp.StatusCode, Attempts: cs.attempts}
	if rsp.StatusCode == http.StatusTooManyRequests || rsp.StatusCode == http.StatusServiceUnavailable {
		e.RetryAfter = parseRetryAfter(rsp.Header.Get("Retry-After"), time.Now())
	}
	red := c.doer.creds.redactor()
	if rsp.StatusCode >= 300 && rsp.StatusCode < 400 {
		// Redirects are not followed: the token must not go anywhere else.
		if loc := rsp.Header.Get("Location"); loc != "" {
			e.Message = "redirect to " + redactLocation(loc, red) + " not followed"
		}
	}
	raw := cs.body.raw // read whole, and capped, by the doer
	var body errorBody
	if len(raw) > 0 && json.Unmarshal(raw, &body) == nil && body.ErrorCode != "" {
		e.Code = Code(body.ErrorCode)
		e.Message = body.ErrorMessage
		if body.DocumentationURL != nil {
			e.DocumentationURL = *body.DocumentationURL
		}
		if body.LinkErrorCode != nil {
			e.LinkErrorCode = *body.LinkErrorCode
		}
		e.ValidationErrors = body.ValidationErrors
		return red.redactError(e)
	}
	e.Body = excerpt(bytes.TrimSpace(raw), red)
	return e
}

// redactLocation keeps only scheme, host and path of a redirect target, without secrets.
func redactLocation(loc string, red *redactor) string {
	if i := strings.IndexAny(loc, "?#"); i >= 0 {
		loc = loc[:i]
	}
	if i := strings.Index(loc, "@"); i >= 0 {
		if j := strings.Index(loc, "//"); j >= 0 && j < i {
			loc = loc[:j+2] + loc[i+1:]
		}
	}
	return excerpt([]byte(loc), red)
}
