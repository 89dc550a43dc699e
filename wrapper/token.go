package wrapper

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"

	"golang.org/x/oauth2"
)

// credentials put authentication on a request. They live behind the doer and are never
// formatted: no exported value holds them.
type credentials interface {
	// apply sets the request's credentials and returns the token used ("" for none).
	apply(ctx context.Context, req *http.Request) (string, error)
	// expired drops the token used, if it is still the current one, and reports whether
	// a new one can be had (a refreshable source).
	expired(used string) bool
	// secrets are strings to scrub from anything the client prints.
	secrets() []string
}

// staticToken is a fixed access token. Its header value is built once.
type staticToken struct {
	header []string
	token  string
}

func (s *staticToken) apply(_ context.Context, req *http.Request) (string, error) {
	req.Header["Authorization"] = s.header
	return s.token, nil
}

func (s *staticToken) expired(string) bool { return false }
func (s *staticToken) secrets() []string   { return []string{s.token} }

// clientHeaders is MoneyKit's header mode: client id and secret on each request.
type clientHeaders struct{ id, secret string }

func (h *clientHeaders) apply(_ context.Context, req *http.Request) (string, error) {
	req.Header.Set("X-Client-Id", h.id)
	req.Header.Set("X-Client-Secret", h.secret)
	return "", nil
}

func (h *clientHeaders) expired(string) bool { return false }
func (h *clientHeaders) secrets() []string   { return []string{h.secret} }

// tokenSource caches tokens from an oauth2.TokenSource. Unlike oauth2.ReuseTokenSource it
// can be told that a token was refused before its expiry. Callers that need a token while
// one is being fetched wait for it: concurrent requests share one refresh.
type tokenSource struct {
	src    oauth2.TokenSource
	secret string // the client secret, when the source uses one
	mu     sync.Mutex
	tok    *oauth2.Token
	seen   []string // tokens handed out, for scrubbing; bounded
}

func (t *tokenSource) token() (string, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.tok.Valid() {
		return t.tok.AccessToken, nil
	}
	tok, err := t.src.Token()
	if err != nil {
		return "", t.scrub(fmt.Errorf("moneykit: getting an access token: %w", err))
	}
	if tok.AccessToken == "" || !validHeaderValue(tok.AccessToken) || strings.ContainsAny(tok.AccessToken, " \t") {
		return "", errors.New("moneykit: getting an access token: the token source returned an empty or malformed token")
	}
	t.tok = tok
	t.seen = append(t.seen, tok.AccessToken)
	if len(t.seen) > 8 {
		t.seen = t.seen[len(t.seen)-8:]
	}
	return tok.AccessToken, nil
}

func (t *tokenSource) apply(_ context.Context, req *http.Request) (string, error) {
	tok, err := t.token()
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

func (t *tokenSource) secrets() []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	s := append([]string{}, t.seen...)
	if t.secret != "" {
		s = append(s, t.secret)
	}
	return s
}

// ErrTokenSource is matched (errors.Is) by the error for a token that could not be had
// from the token source or the token endpoint.
var ErrTokenSource = errors.New("moneykit: getting an access token")

// scrub rewrites a token-source error without the client secret, which an oauth2 error
// may quote from the token endpoint's answer. The original is not kept: its text may
// hold the secret.
func (t *tokenSource) scrub(err error) error {
	msg := err.Error()
	if t.secret != "" {
		msg = strings.ReplaceAll(msg, t.secret, "[REDACTED]")
	}
	msg = strings.Join(strings.Fields(msg), " ")
	return fmt.Errorf("%w: %s", ErrTokenSource, strings.TrimPrefix(msg, "moneykit: getting an access token: "))
}
