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
}

// callState is shared by one call and the doer through the request's context.
type callState struct {
	cfg      callConfig
	attempts int
	// maybeReached: an earlier attempt may have been carried out by the server although
	// its answer was lost or an error.
	maybeReached bool
}

type callKey struct{}

func (d *doer) Do(req *http.Request) (*http.Response, error) {
	if req.URL.Scheme != d.scheme || req.URL.Host != d.host {
		// Only a request editor can get here: it rewrote the URL. Never send credentials on.
		closeBody(req)
		return nil, fmt.Errorf("request to %s://%s is not the configured base URL; refusing to send credentials", req.URL.Scheme, req.URL.Host)
	}
	ctx := req.Context()
	cs, _ := ctx.Value(callKey{}).(*callState)
	if cs == nil {
		cs = &callState{cfg: d.defaults}
	}
	refreshed, retries := false, 0
	for {
		resp, used, err := d.attempt(ctx, req, cs)
		cs.attempts++
		if ctx.Err() != nil {
			if resp != nil {
				resp.Body.Close()
			}
			return nil, ctx.Err()
		}
		if err == nil && resp.StatusCode == http.StatusUnauthorized && !refreshed && used != "" {
			if expired := peekExpired(resp); expired && d.creds.expired(used) {
				// Refresh once and try again at once; this is not one of the retries.
				resp.Body.Close()
				refreshed = true
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
			if ra := parseRetryAfter(resp.Header.Get("Retry-After"), time.Now()); ra > 0 {
				deadline, has := ctx.Deadline()
				if ra > cs.cfg.maxRetryWait || (has && time.Until(deadline) < ra) {
					return d.final(resp, nil, cs) // the wait is too long: report it, do not sleep
				}
				wait = ra
			}
		}
		cs.maybeReached = cs.maybeReached || mayHaveReachedServer(resp, err)
		if resp != nil {
			io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10)) // let the connection be reused
			resp.Body.Close()
		}
		if !rewind(req) {
			return d.final(nil, fmt.Errorf("request body cannot be replayed for a retry: %w", err), cs)
		}
		if err := sleep(ctx, wait); err != nil {
			return nil, err
		}
		retries++
	}
}

// attempt sends one copy of req, with credentials and its own timeout. The timeout's
// context is released when the response body is closed.
func (d *doer) attempt(ctx context.Context, req *http.Request, cs *callState) (*http.Response, string, error) {
	actx, cancel := context.WithTimeout(ctx, cs.cfg.attemptTimeout)
	r := req.WithContext(actx)

	used, err := d.creds.apply(actx, r)
	if err != nil {
		cancel()
		return nil, "", err
	}
	resp, err := d.client.Do(r)
	if err != nil {
		cancel()
		if errors.Is(err, context.DeadlineExceeded) && ctx.Err() == nil {
			err = fmt.Errorf("attempt timed out after %v: %w", cs.cfg.attemptTimeout, err)
		}
		return nil, used, err
	}
	resp.Body = &body{rc: resp.Body, left: d.maxBody, limit: d.maxBody, status: resp.StatusCode, cancel: cancel}
	return resp, used, nil
}

// final hands the last outcome to the caller, with the body capped.
func (d *doer) final(resp *http.Response, err error, cs *callState) (*http.Response, error) {
	if err != nil {
		if cs.attempts > 1 {
			return nil, fmt.Errorf("after %d attempts: %w", cs.attempts, err)
		}
		return nil, err
	}
	if resp.ContentLength > d.maxBody {
		resp.Body.Close()
		return nil, &bodyTooLargeError{limit: d.maxBody, status: resp.StatusCode}
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

// peekExpired reads a 401's body to see whether the token expired, and puts the body back.
func peekExpired(resp *http.Response) bool {
	raw, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(raw))
	if err != nil {
		return false
	}
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

// body caps a response body (a read past the limit fails rather than handing on a silently
// cut body) and ends the attempt's timeout when closed.
type body struct {
	rc     io.ReadCloser
	left   int64
	limit  int64
	status int
	over   bool
	cancel context.CancelFunc
}

func (b *body) Read(p []byte) (int, error) {
	if b.over {
		return 0, &bodyTooLargeError{limit: b.limit, status: b.status}
	}
	if int64(len(p)) > b.left+1 {
		p = p[:b.left+1]
	}
	n, err := b.rc.Read(p)
	if int64(n) > b.left {
		b.over = true
		return int(b.left), &bodyTooLargeError{limit: b.limit, status: b.status}
	}
	b.left -= int64(n)
	return n, err
}

func (b *body) Close() error {
	err := b.rc.Close()
	b.cancel()
	return err
}
