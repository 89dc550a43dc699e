package wrapper

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/halyard-labs/moneykit-go/api"
)

// operation is what the shared call helper needs to know of an operation on a link.
type operation struct {
	method string
	ok     []int // the statuses that are a success
	// goneIsDone: a 410 after an earlier attempt that may have reached the server is a
	// success, that attempt's (DELETE).
	goneIsDone bool
}

// call is what every operation on a link does: it checks the client, the context, the
// id and the options, builds the request with build (one of the request builders
// generated in package api: MoneyKit-Version, declared in the spec, and User-Agent are
// set by the doer), runs the request editors, sends it with retries, and returns the
// answer if its status is a success for op; any other answer is an *Error. An error of
// build is returned as it is: it is the caller's input (UpdateParams) that was refused.
func (c *Client) call(ctx context.Context, op operation, id string, opts []CallOption, build func(server string) (*http.Request, error)) (reply, error) {
	if c == nil || c.doer == nil {
		return reply{}, ErrNoClient
	}
	if ctx == nil {
		return reply{}, errors.New("moneykit: nil context.Context")
	}
	if err := checkLinkID(id); err != nil {
		return reply{}, err
	}
	cs := &callState{cfg: c.defaults}
	if err := applyCallOptions(&cs.cfg, opts); err != nil {
		return reply{}, err
	}
	// A call whose context is already done sends nothing.
	if err := ctx.Err(); err != nil {
		return reply{}, err
	}
	req, err := build(c.server)
	if err != nil {
		return reply{}, err
	}
	// Editors see the call's context (its values, for tracing, and its deadline); one may
	// replace it with a context derived from it, which the attempts then use.
	req = req.WithContext(ctx)
	for _, edit := range c.editors {
		if err := edit(ctx, req); err != nil {
			return reply{}, c.callError(ctx, op.method, id, err)
		}
	}
	resp, body, err := c.doer.send(ctx, req, cs)
	if err != nil {
		return reply{}, c.callError(ctx, op.method, id, err)
	}
	r := reply{method: op.method, id: id, resp: resp, body: body, attempts: cs.attempts, red: c.doer.creds.redactor()}
	if slices.Contains(op.ok, resp.StatusCode) || (op.goneIsDone && resp.StatusCode == http.StatusGone && cs.maybeReached) {
		return r, nil
	}
	return reply{}, r.apiError()
}

// reply is the final answer of a call, its body read whole (and capped) by the doer.
type reply struct {
	method, id string
	resp       *http.Response
	body       []byte
	attempts   int
	red        *redactor
}

// link decodes a success body that must be a link.
func (r reply) link() (*Link, error) {
	if err := r.notJSON(); err != nil {
		return nil, err
	}
	link := new(Link)
	if err := json.Unmarshal(r.body, link); err != nil {
		return nil, r.red.redactError(bodyError(r.method, r.id, r.resp.StatusCode, r.attempts, err))
	}
	// A body with a link_id is a link. The other fields the SDKs call required (state
	// included) may be missing: they keep their zero value, as openapi.yaml promises.
	if link.LinkID == "" {
		return nil, malformed(r.method, r.id, r.resp.StatusCode, r.attempts, errors.New("the body is not a link: link_id missing"))
	}
	return link, nil
}

// object checks a success body that must be a JSON object. Only its shape matters: {} is
// all the spec says of DELETE's, and fields added later are fine.
func (r reply) object() error {
	if err := r.notJSON(); err != nil {
		return err
	}
	// Only JSON's own whitespace: bytes.TrimSpace would also drop U+00A0, which JSON refuses.
	if b := bytes.Trim(r.body, " \t\r\n"); !json.Valid(b) || b[0] != '{' {
		return malformed(r.method, r.id, r.resp.StatusCode, r.attempts, errors.New("the body is not a JSON object"))
	}
	return nil
}

// notJSON is the error for a success answer whose Content-Type is not JSON (an HTML page
// from a proxy or a captive portal), or nil.
func (r reply) notJSON() error {
	if ct := r.resp.Header.Get("Content-Type"); !strings.Contains(ct, "json") {
		return r.red.redactError(malformed(r.method, r.id, r.resp.StatusCode, r.attempts, fmt.Errorf("Content-Type %q is not JSON", ct)))
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
func (r reply) apiError() error {
	rsp := r.resp
	e := &Error{Method: r.method, LinkID: r.id, StatusCode: rsp.StatusCode, Attempts: r.attempts}
	if rsp.StatusCode == http.StatusTooManyRequests || rsp.StatusCode == http.StatusServiceUnavailable {
		e.RetryAfter = parseRetryAfter(rsp.Header.Get("Retry-After"), time.Now())
	}
	if rsp.StatusCode >= 300 && rsp.StatusCode < 400 {
		// Redirects are not followed: the token must not go anywhere else.
		if loc := rsp.Header.Get("Location"); loc != "" {
			e.Message = "redirect to " + redactLocation(loc, r.red) + " not followed"
		}
	}
	var body errorBody
	if len(r.body) > 0 && json.Unmarshal(r.body, &body) == nil && body.ErrorCode != "" {
		e.Code = Code(body.ErrorCode)
		e.Message = body.ErrorMessage
		if body.DocumentationURL != nil {
			e.DocumentationURL = *body.DocumentationURL
		}
		if body.LinkErrorCode != nil {
			e.LinkErrorCode = *body.LinkErrorCode
		}
		e.ValidationErrors = body.ValidationErrors
		return r.red.redactError(e)
	}
	e.Body = excerpt(bytes.TrimSpace(r.body), r.red)
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
