package wrapper

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"time"
)

// doer is the HTTP layer: it sends one call's request with credentials, a timeout per
// attempt and retries, and reads each answer whole, capped.
type doer struct {
	client    *http.Client
	creds     credentials
	scheme    string
	host      string
	maxBody   int64
	userAgent string
	version   string
}

// callState is one call's options and what its attempts found so far.
type callState struct {
	cfg      callConfig
	attempts int
	// maybeReached: an earlier attempt may have been carried out by the server although
	// its answer was lost or an error.
	maybeReached bool
}

// send sends req until an answer is final or no retry is left, and returns the last
// answer with its body. ctx bounds the whole call, waits included.
func (d *doer) send(ctx context.Context, req *http.Request, cs *callState) (*http.Response, []byte, error) {
	if req.URL.Scheme != d.scheme || req.URL.Host != d.host {
		// Only a request editor can get here: it rewrote the URL. Never send credentials on.
		closeBody(req)
		return nil, nil, fmt.Errorf("request to %s://%s is not the configured base URL; refusing to send credentials", req.URL.Scheme, req.URL.Host)
	}
	req.Header.Set("User-Agent", d.userAgent)
	req.Header.Set("MoneyKit-Version", d.version)
	refreshed, retries := false, 0
	for {
		g := cs.cfg.gate
		var sent time.Time
		if g != nil {
			if err := g.wait(ctx); err != nil {
				return nil, nil, err
			}
			sent = time.Now()
		}
		resp, body, used, err := d.attempt(ctx, req, cs)
		cs.attempts++
		if g != nil {
			// Every answer goes to the run's rate, a 429 on the last attempt too.
			g.run.observe(resp, sent, cs.cfg.maxRetryWait)
		}
		if ctx.Err() != nil {
			if errors.Is(err, ErrTokenSource) && errors.Is(err, ctx.Err()) {
				return nil, nil, err // the call gave up waiting for a token: say so
			}
			return nil, nil, ctx.Err()
		}
		if err == nil && resp.StatusCode == http.StatusUnauthorized && !refreshed && used != "" &&
			peekExpired(body) && d.creds.expired(used) {
			// Refresh once and try again at once; this is not one of the retries.
			refreshed = true
			if !rewind(req) {
				return nil, nil, errors.New("request body cannot be replayed for a retry")
			}
			continue
		}
		if !retryable(resp, err) || retries >= cs.cfg.maxRetries {
			return final(resp, body, err, cs)
		}
		wait := backoff(&cs.cfg, retries)
		if ra := retryAfter(resp, err); ra > 0 {
			deadline, has := ctx.Deadline()
			if ra > cs.cfg.maxRetryWait || (has && time.Until(deadline) < ra) {
				return final(resp, body, err, cs) // the wait is too long: report it, do not sleep
			}
			wait = ra
		}
		cs.maybeReached = cs.maybeReached || mayHaveReachedServer(resp, err)
		if !rewind(req) {
			return final(nil, nil, fmt.Errorf("request body cannot be replayed for a retry: %w", err), cs)
		}
		if err := sleep(ctx, wait); err != nil {
			return nil, nil, err
		}
		retries++
	}
}

// attempt sends one copy of req, with credentials and its own timeout, and reads the
// whole answer (these are a few KiB, capped): a connection that breaks mid-body is then a
// failed attempt that can be retried, and the timeout covers the body too. It returns the
// token it used ("" for none).
func (d *doer) attempt(ctx context.Context, req *http.Request, cs *callState) (*http.Response, []byte, string, error) {
	// The attempt's context comes from the request's, so that what a request editor put
	// there (an httptrace.ClientTrace, say) reaches net/http; the call's context still
	// ends it, should an editor have detached the request from it.
	actx, cancel := context.WithTimeout(req.Context(), cs.cfg.attemptTimeout)
	defer cancel()
	if req.Context() != ctx { // only an editor's context needs the watch (2 allocations)
		defer context.AfterFunc(ctx, cancel)()
	}
	r := req.WithContext(actx)
	used, err := d.creds.apply(actx, r, cs.cfg.attemptTimeout)
	if err != nil {
		return nil, nil, "", err
	}
	if g := cs.cfg.gate; g != nil {
		g.sent = true
	}
	resp, err := d.client.Do(r)
	if err != nil {
		return nil, nil, used, timedOut(ctx, err, cs)
	}
	defer resp.Body.Close()
	if resp.ContentLength > d.maxBody {
		return nil, nil, used, &bodyTooLargeError{limit: d.maxBody, status: resp.StatusCode}
	}
	// Room up front for the announced length, or for a link (a few KiB) when the answer
	// is chunked: one allocation rather than four or five growing ones, which keeps
	// UpdateLink within the floor + 25 allocations of `make bench`. Bounded: the length is
	// only what the server says, and never more than the cap allows.
	size := int64(4 << 10)
	if resp.ContentLength >= 0 {
		size = min(resp.ContentLength, 64<<10)
	}
	size = min(size, d.maxBody)
	var buf bytes.Buffer
	buf.Grow(int(size) + bytes.MinRead) // ReadFrom wants MinRead bytes free to read on
	// One byte over the cap tells "over" from "at".
	_, err = buf.ReadFrom(io.LimitReader(resp.Body, min(d.maxBody, math.MaxInt64-1)+1))
	body := buf.Bytes()
	if err != nil {
		return nil, nil, used, timedOut(ctx, err, cs)
	}
	if int64(len(body)) > d.maxBody {
		return nil, nil, used, &bodyTooLargeError{limit: d.maxBody, status: resp.StatusCode}
	}
	return resp, body, used, nil
}

// retryAfter is the wait an answer asks for: a 429's or 503's Retry-After, from the links
// API or the token endpoint (TokenError.RetryAfter); 0 if none.
func retryAfter(resp *http.Response, err error) time.Duration {
	if te := (*TokenError)(nil); errors.As(err, &te) {
		return te.RetryAfter
	}
	if resp != nil && (resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable) {
		return parseRetryAfter(resp.Header.Get("Retry-After"), time.Now())
	}
	return 0
}

// timedOut says so when err is the attempt's own timeout, not the call's.
func timedOut(ctx context.Context, err error, cs *callState) error {
	if errors.Is(err, context.DeadlineExceeded) && ctx.Err() == nil {
		return fmt.Errorf("attempt timed out after %v: %w", cs.cfg.attemptTimeout, err)
	}
	return err
}

// final hands the last outcome to the caller.
func final(resp *http.Response, body []byte, err error, cs *callState) (*http.Response, []byte, error) {
	if err != nil {
		if cs.attempts > 1 {
			return nil, nil, fmt.Errorf("after %d attempts: %w", cs.attempts, err)
		}
		return nil, nil, err
	}
	return resp, body, nil
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
