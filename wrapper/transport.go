package wrapper

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"
)

// doer is the api.HttpRequestDoer that the generated client calls: the HTTP layer where
// credentials, retries, per-attempt timeouts and the response cap live. It runs once per
// call and loops over attempts; request editors ran before it, once.
type doer struct {
	client   *http.Client
	creds    credentials
	scheme   string
	host     string
	maxBody  int64
	defaults callConfig
	// Fixed headers, built once: assigning a shared value slice costs no allocation per
	// request, and nothing downstream of the doer modifies header values.
	userAgent []string
	version   []string
}

// callState is shared by one call and the doer through the request's context.
type callState struct {
	cfg      callConfig
	attempts int
	// maybeReached: an earlier attempt may have been carried out by the server although
	// its answer was lost or an error.
	maybeReached bool
	// parent is the call's context without the first attempt's timeout: retries, waits
	// and cancellation go by it.
	parent context.Context
	// linkID is the call's link.
	linkID string
	// body and small hold the answer of the latest attempt, read whole by the doer: the
	// call reads it from here, and a small body (a DELETE's {}) needs no buffer of its own.
	body  bufferedBody
	small [64]byte
}

type callKey struct{}

// callCtx carries a call's state in its context: one allocation for both.
type callCtx struct {
	context.Context
	state callState
}

func (c *callCtx) Value(key any) any {
	if key == (callKey{}) {
		return &c.state
	}
	return c.Context.Value(key)
}

func (d *doer) Do(req *http.Request) (*http.Response, error) {
	if req.URL.Scheme != d.scheme || req.URL.Host != d.host {
		// Only a request editor can get here: it rewrote the URL. Never send credentials on.
		closeBody(req)
		return nil, fmt.Errorf("request to %s://%s is not the configured base URL; refusing to send credentials", req.URL.Scheme, req.URL.Host)
	}
	req.Header["User-Agent"] = d.userAgent
	req.Header["Moneykit-Version"] = d.version
	cs, _ := req.Context().Value(callKey{}).(*callState)
	if cs == nil { // the call reads the answer from its state: without one it would be lost
		closeBody(req)
		return nil, errors.New("request without the call's state (a request editor replaced its context?)")
	}
	ctx := cs.parent
	refreshed, retries := false, 0
	for {
		g := cs.cfg.gate
		if g != nil {
			if err := g.wait(ctx); err != nil {
				return nil, err
			}
			// The attempt's timeout starts now, when it is sent, not before the wait.
			req = req.WithContext(ctx)
		}
		sent := time.Now()
		resp, used, err := d.attempt(ctx, req, cs)
		cs.attempts++
		if g != nil {
			// Every answer goes to the run's rate, a 429 on the last attempt too.
			g.run.observe(resp, sent, cs.cfg.maxRetryWait)
		}
		if ctx.Err() != nil {
			if errors.Is(err, ErrTokenSource) && errors.Is(err, ctx.Err()) {
				return nil, err // the call gave up waiting for a token: say so
			}
			return nil, ctx.Err()
		}
		if err == nil && resp.StatusCode == http.StatusUnauthorized && !refreshed && used != "" {
			if peekExpired(cs.body.raw) && d.creds.expired(used) {
				// Refresh once and try again at once; this is not one of the retries.
				refreshed = true
				req = req.WithContext(ctx) // a later attempt's timeout comes from the parent
				if !rewind(req) {
					return nil, errors.New("request body cannot be replayed for a retry")
				}
				continue
			}
		}
		retry, _ := retryable(resp, err)
		if !retry || retries >= cs.cfg.maxRetries {
			return d.final(resp, err, cs)
		}
		wait := backoff(&cs.cfg, retries)
		if resp != nil && (resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable) {
			ra := parseRetryAfter(resp.Header.Get("Retry-After"), time.Now())
			if ra > 0 {
				deadline, has := ctx.Deadline()
				if ra > cs.cfg.maxRetryWait || (has && time.Until(deadline) < ra) {
					return d.final(resp, nil, cs) // the wait is too long: report it, do not sleep
				}
				wait = ra
			}
		}
		cs.maybeReached = cs.maybeReached || mayHaveReachedServer(resp, err)

		if !rewind(req) {
			return d.final(nil, fmt.Errorf("request body cannot be replayed for a retry: %w", err), cs)
		}
		if err := sleep(ctx, wait); err != nil {
			return nil, err
		}
		req = req.WithContext(ctx) // a later attempt's timeout comes from the parent
		retries++
	}
}

// attempt sends one copy of req, with credentials and its own timeout, and reads the
// whole answer (these are a few KiB, capped): a connection that breaks mid-body is then a
// failed attempt that can be retried, and the timeout covers the body too.
func (d *doer) attempt(ctx context.Context, req *http.Request, cs *callState) (*http.Response, string, error) {
	// A context of the attempt's own only when the request's ends later (the first
	// attempt's was made by the call): a cancellable context costs allocations and work in
	// net/http on every request.
	actx, r := req.Context(), req
	if dl, ok := actx.Deadline(); !ok || time.Until(dl) > cs.cfg.attemptTimeout {
		var cancel context.CancelFunc
		actx, cancel = context.WithTimeout(actx, cs.cfg.attemptTimeout)
		defer cancel()
		r = req.WithContext(actx)
	}
	used, err := d.creds.apply(actx, r)
	if err != nil {
		return nil, "", err
	}
	if g := cs.cfg.gate; g != nil {
		g.sent = true
	}
	resp, err := d.client.Do(r)
	if err == nil {
		if resp.ContentLength > d.maxBody {
			resp.Body.Close()
			return nil, used, &bodyTooLargeError{limit: d.maxBody, status: resp.StatusCode}
		}
		var raw []byte
		raw, err = readCapped(resp.Body, resp.ContentLength, d.maxBody, resp.StatusCode, cs.small[:])
		resp.Body.Close()
		cs.body.raw = raw
		cs.body.Reset(raw)
		resp.Body = &cs.body
	}
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) && ctx.Err() == nil {
			err = fmt.Errorf("attempt timed out after %v: %w", cs.cfg.attemptTimeout, err)
		}
		return nil, used, err
	}
	return resp, used, nil
}

// readCapped reads a body of at most limit bytes; size is the declared length or -1. A
// body that fits in small is read into it.
func readCapped(rc io.Reader, size, limit int64, status int, small []byte) ([]byte, error) {
	if size >= 0 { // the common case: no allocation, or one of the exact size
		var buf []byte
		if size <= int64(len(small)) {
			buf = small[:size]
		} else {
			buf = make([]byte, size)
		}
		if _, err := io.ReadFull(rc, buf); err != nil {
			return nil, err
		}
		return buf, nil
	}
	buf := bytes.NewBuffer(make([]byte, 0, 512))
	n, err := buf.ReadFrom(io.LimitReader(rc, limit+1))
	if err != nil {
		return nil, err
	}
	if n > limit {
		return nil, &bodyTooLargeError{limit: limit, status: status}
	}
	return buf.Bytes(), nil
}

// bufferedBody is a response body already read into memory.
type bufferedBody struct {
	bytes.Reader
	raw []byte
}

func (*bufferedBody) Close() error { return nil }

// final hands the last outcome to the caller.
func (d *doer) final(resp *http.Response, err error, cs *callState) (*http.Response, error) {
	if err != nil {
		if cs.attempts > 1 {
			return nil, fmt.Errorf("after %d attempts: %w", cs.attempts, err)
		}
		return nil, err
	}
	return resp, nil
}

// rewind gives req a fresh body for another attempt; false if it cannot be replayed.
func rewind(req *http.Request) bool {
	if req.Body == nil || req.Body == http.NoBody {
		return true
	}
	if req.GetBody == nil {
		return false
	}
	b, err := req.GetBody()
	if err != nil {
		return false
	}
	req.Body = b
	return true
}

func closeBody(req *http.Request) {
	if req.Body != nil {
		req.Body.Close()
	}
}

// peekExpired reports whether a 401's body says the access token expired.
func peekExpired(raw []byte) bool {
	var b struct {
		Code string `json:"error_code"`
	}
	return json.Unmarshal(raw, &b) == nil && Code(b.Code) == CodeAccessTokenExpired
}

// ErrResponseTooLarge is matched (errors.Is) by the error for a response body over the
// limit set with WithMaxResponseBytes.
var ErrResponseTooLarge = errors.New("moneykit: response body too large")

type bodyTooLargeError struct {
	limit  int64
	status int
}

func (e *bodyTooLargeError) Error() string {
	return fmt.Sprintf("%d response body is over the %d-byte limit", e.status, e.limit)
}

func (e *bodyTooLargeError) Is(target error) bool { return target == ErrResponseTooLarge }
