package wrapper

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"golang.org/x/oauth2"
)

// credentials put authentication on a request. They live behind the doer and are never
// formatted: no exported value holds them.
type credentials interface {
	// apply sets the request's credentials and returns the token used ("" for none). ctx
	// is the attempt's: waiting for a token fetch ends with it. A fetch that apply starts
	// is bounded by timeout, the call's attempt timeout.
	apply(ctx context.Context, req *http.Request, timeout time.Duration) (string, error)
	// expired drops the token used, if it is still the current one, and reports whether
	// a new one can be had (a refreshable source).
	expired(used string) bool
	// redactor removes the secrets from text a server sent.
	redactor() *redactor
}

// staticToken is a fixed access token.
type staticToken struct {
	token  string
	header string // "Bearer <token>"
	red    *redactor
}

func (s *staticToken) apply(_ context.Context, req *http.Request, _ time.Duration) (string, error) {
	req.Header.Set("Authorization", s.header)
	return s.token, nil
}

func (s *staticToken) expired(string) bool { return false }
func (s *staticToken) redactor() *redactor { return s.red }

// clientHeaders is MoneyKit's header mode: client id and secret on each request.
type clientHeaders struct {
	id, secret string
	red        *redactor
}

func (h *clientHeaders) apply(_ context.Context, req *http.Request, _ time.Duration) (string, error) {
	req.Header.Set("X-Client-Id", h.id)
	req.Header.Set("X-Client-Secret", h.secret)
	return "", nil
}

func (h *clientHeaders) expired(string) bool { return false }
func (h *clientHeaders) redactor() *redactor { return h.red }

// fetchFunc gets a new token. ctx bounds it if the source can be cancelled.
type fetchFunc func(ctx context.Context) (*oauth2.Token, error)

// tokenSource caches tokens from a fetchFunc. Unlike oauth2.ReuseTokenSource it can be told
// that a token was refused before its expiry.
//
// Concurrent callers that need a token share one fetch (a flight), and each stops waiting
// when its own context ends. The fetch runs in a goroutine under a context of its own,
// bounded by the attempt timeout of the call that started it, so that one caller giving
// up does not fail the others; when the last waiter leaves, a cancellable fetch is
// cancelled and forgotten, and the next caller starts a new one. No lock is held across
// the fetch.
type tokenSource struct {
	fetch fetchFunc
	// cancellable: fetch obeys its context (the client-credentials exchange). A user's
	// oauth2.TokenSource cannot be interrupted: its flight stays current until it returns,
	// so callers keep joining it and a hung source costs one goroutine, not one per call.
	cancellable bool
	clientID    string // for the Basic form of the secret in the redactor
	secret      string // the client secret, when the source uses one

	mu     sync.Mutex
	tok    *oauth2.Token
	flight *flight
	seen   []string // tokens handed out, for redaction; bounded
	red    *redactor
}

// flight is one token fetch that concurrent callers share.
type flight struct {
	done    chan struct{} // closed once tok or err is set
	tok     string
	err     error
	waiters int                // callers waiting; guarded by tokenSource.mu
	cancel  context.CancelFunc // ends the fetch
}

// token returns a valid token: the cached one, or one from a fetch that it starts (bounded
// by timeout) or joins. It returns when the fetch ends or ctx does, whichever is first.
func (t *tokenSource) token(ctx context.Context, timeout time.Duration) (string, error) {
	t.mu.Lock()
	if t.tok.Valid() {
		tok := t.tok.AccessToken
		t.mu.Unlock()
		return tok, nil
	}
	f := t.flight
	if f == nil {
		f = t.start(timeout)
	}
	f.waiters++
	t.mu.Unlock()

	select {
	case <-f.done:
		if te := (*TokenError)(nil); errors.As(f.err, &te) {
			c := *te // each caller its own: the fields are theirs to change
			return "", &c
		}
		return f.tok, f.err
	case <-ctx.Done():
		t.leave(f)
		what := "the token endpoint"
		if !t.cancellable {
			what = "the token source"
		}
		// Temporary: when only the attempt's time ran out, the next attempt may do better.
		return "", &TokenError{msg: "gave up waiting for " + what, cause: ctx.Err(), temporary: true}
	}
}

// start begins a flight; t.mu is held.
func (t *tokenSource) start(timeout time.Duration) *flight {
	// Detached from the caller (see tokenSource), bounded by one attempt's timeout.
	fctx, cancel := context.WithTimeout(context.Background(), timeout)
	f := &flight{done: make(chan struct{}), cancel: cancel}
	t.flight = f
	go func() {
		defer cancel()
		tok, err := t.safeFetch(fctx)
		access, err := t.check(fctx, tok, err)
		t.mu.Lock()
		if err == nil {
			t.tok = tok
			t.seen = append(t.seen, access)
			if len(t.seen) > 8 {
				t.seen = t.seen[len(t.seen)-8:]
			}
			t.red = newRedactor(t.clientID, t.secret, t.seen...)
		}
		if t.flight == f {
			t.flight = nil
		}
		f.tok, f.err = access, err
		t.mu.Unlock()
		close(f.done)
	}()
	return f
}

// leave is called by a waiter whose context ended. When nobody waits any more, a
// cancellable fetch is stopped and forgotten: a caller that comes later must not join a
// fetch that is being cancelled.
func (t *tokenSource) leave(f *flight) {
	t.mu.Lock()
	defer t.mu.Unlock()
	f.waiters--
	if f.waiters == 0 && t.cancellable && t.flight == f {
		t.flight = nil
		f.cancel()
	}
}

// safeFetch is fetch, with a panic of the source turned into an error: it runs in a
// goroutine of its own, where the caller could not recover it.
func (t *tokenSource) safeFetch(ctx context.Context) (tok *oauth2.Token, err error) {
	defer func() {
		if p := recover(); p != nil {
			tok, err = nil, fmt.Errorf("the token source panicked: %v", p)
		}
	}()
	return t.fetch(ctx)
}

// check turns a fetch's outcome into a usable token or a TokenError. The fetch's error
// is not kept: its text may quote the server, so only a redacted excerpt of it is.
func (t *tokenSource) check(fctx context.Context, tok *oauth2.Token, err error) (string, error) {
	if err != nil {
		te := &TokenError{msg: excerpt([]byte(err.Error()), t.redactor()), temporary: temporaryTokenError(err)}
		if t.cancellable { // the MoneyKit token endpoint, not a source of yours
			te.refusal(err, t.redactor())
		}
		if fctx.Err() != nil && errors.Is(err, fctx.Err()) {
			// The fetch's own time ran out (its waiters are still there).
			te.msg, te.cause, te.temporary = "no answer within the attempt timeout", fctx.Err(), true
		}
		return "", te
	}
	if tok == nil || tok.AccessToken == "" || !validHeaderValue(tok.AccessToken) || strings.ContainsAny(tok.AccessToken, " \t") {
		return "", &TokenError{msg: "the token source returned an empty or malformed token"}
	}
	return tok.AccessToken, nil
}

func (t *tokenSource) apply(ctx context.Context, req *http.Request, timeout time.Duration) (string, error) {
	tok, err := t.token(ctx, timeout)
	if err != nil {
		return "", err
	}
	req.Header.Set("Authorization", "Bearer "+tok)
	return tok, nil
}

func (t *tokenSource) expired(used string) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.tok != nil && t.tok.AccessToken == used {
		t.tok = nil
	}
	return true
}

func (t *tokenSource) redactor() *redactor {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.red
}

// ErrTokenSource is matched (errors.Is) by the error for a token that could not be had
// from the token source or the token endpoint: an error answer, no answer, an empty or
// malformed token, or the call's context ending while it waited for one (that error also
// matches the context's error). The links request was not sent. Such an error is retried,
// as the retry options say, only when the token endpoint answered a status a links call
// would retry (408, 409, 429, 500, 502, 503, 504; as an *oauth2.RetrieveError from a
// token source too), could not be reached, or did not answer within the attempt timeout.
// The error is a *TokenError, which says what the token endpoint answered.
var ErrTokenSource = errors.New("moneykit: getting an access token")

// TokenError is the error for an access token that could not be had: it matches
// ErrTokenSource, and the links request was not sent. When the token endpoint answered a
// refusal, StatusCode is its status, and Code, Message and DocumentationURL what its
// MoneyKit error body said (Body, an excerpt of it, when it was not one) and RetryAfter
// its wait: an invalid client secret reads 401 here. They are zero when no refusal came:
// the endpoint could not be reached or did not answer in time, its answer was not a
// usable token, or the error came from a TokenSource of yours (NewFromTokenSource: its
// text is then the source's, which this client cannot redact of secrets it never saw). Text and fields are redacted of the client
// secret and tokens, even when the endpoint repeats them. It is not an *Error, which is
// the links API's answer.
type TokenError struct {
	StatusCode       int
	Code             Code
	Message          string
	DocumentationURL string
	Body             string
	// RetryAfter is the endpoint's Retry-After with a 429 or 503, which the retries
	// honour as they do the links API's.
	RetryAfter time.Duration

	msg       string
	cause     error
	temporary bool
}

func (e *TokenError) Error() string {
	if e.cause != nil {
		return "getting an access token: " + e.msg + ": " + e.cause.Error()
	}
	return "getting an access token: " + e.msg
}

// Is makes every TokenError match ErrTokenSource.
func (e *TokenError) Is(target error) bool { return target == ErrTokenSource }

// Unwrap returns the context's error when the wait for a token ended with it, else nil:
// the token source's own error is not kept, as its text may quote the server.
func (e *TokenError) Unwrap() error { return e.cause }

// Temporary reports whether asking again may give a token: see ErrTokenSource.
func (e *TokenError) Temporary() bool { return e.temporary }

// refusal fills in what the token endpoint answered, if err holds its refusal.
func (e *TokenError) refusal(err error, red *redactor) {
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) || re.Response == nil || (re.Response.StatusCode >= 200 && re.Response.StatusCode < 300) {
		return // no refusal: no answer, or a 2xx that was not a token
	}
	e.StatusCode = re.Response.StatusCode
	if e.StatusCode == http.StatusTooManyRequests || e.StatusCode == http.StatusServiceUnavailable {
		e.RetryAfter = parseRetryAfter(re.Response.Header.Get("Retry-After"), time.Now())
	}
	var b errorBody
	if json.Unmarshal(re.Body, &b) == nil && b.ErrorCode != "" {
		e.Code = Code(red.redact(b.ErrorCode))
		e.Message = red.redact(b.ErrorMessage)
		if b.DocumentationURL != nil {
			e.DocumentationURL = red.redact(*b.DocumentationURL)
		}
		return
	}
	e.Body = excerpt(re.Body, red)
}

// temporaryTokenError is the retry rule for a token source's error: the token endpoint
// answered a status the links calls would retry, or could not be reached (http.Client.Do's
// errors are *url.Error). An answer that is not a token is final.
func temporaryTokenError(err error) bool {
	var re *oauth2.RetrieveError
	if errors.As(err, &re) {
		return re.Response != nil && retryableStatus(re.Response.StatusCode)
	}
	var ue *url.Error
	return errors.As(err, &ue)
}
