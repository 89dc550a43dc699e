// Package moneykittest is an in-memory MoneyKit links API for tests and demos, in the
// manner of net/http/httptest: NewServer starts it on 127.0.0.1, hands out its URL and an
// access token, and Close stops it.
//
// It is held to the same openapi.yaml as the client: its routing and request types are
// generated from the spec (a spec change it does not implement fails to compile), every
// request it receives is validated against the spec with kin-openapi (a breach answers 422
// api_error.request.validation_failed, or 400 at POST /auth/token, as MoneyKit does), and
// every answer it writes is validated too, its status included (a breach is reported, and
// answered 500).
//
// Behaviour follows MoneyKit's reference: PATCH applies the three webhook states and
// link_tags and returns the link; DELETE answers 200 {} (or 204, WithDelete204); a deleted
// link answers 410 for 90 days and 404 after; missing, wrong and expired tokens answer 401;
// links can be restricted (403) or in a state that forbids changes (422). Rate limits and
// fault injection are opt-in.
package moneykittest

import (
	"context"
	"crypto/rand"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync"
	"time"

	"github.com/halyard-labs/moneykit-go/moneykittest/internal/fakeapi"
	"github.com/halyard-labs/moneykit-go/spec"
)

// Fake is the fake API as an http.Handler, with its state. It is safe for concurrent use.
// Make one with New (to serve it yourself) or NewServer (to have it served on loopback).
type Fake struct {
	now          func() time.Time
	delete204    bool
	httpDate     bool
	onViolation  func(error)
	validator    *spec.Validator
	strict       http.Handler
	limits       *limiter
	closing      chan struct{}
	closeOnce    sync.Once
	mu           sync.Mutex
	links        map[string]*record
	tokens       map[string]time.Time // token -> expiry (zero: never)
	requests     []Request
	faults       []*Fault
	violations   []error
	defaultToken string
	clientID     string
	clientSecret string
	tokenTTL     time.Duration
	issued       int
}

// Option configures a Fake.
type Option func(*Fake) error

// WithClock sets the clock the fake uses for token expiry, rate limits and the 90 days a
// deleted link is kept (default time.Now).
func WithClock(now func() time.Time) Option {
	return func(f *Fake) error {
		if now == nil {
			return errors.New("moneykittest: WithClock: nil clock")
		}
		f.now = now
		return nil
	}
}

// WithToken sets the access token that NewServer hands out (default: a random one).
func WithToken(token string) Option {
	return func(f *Fake) error {
		if token == "" {
			return errors.New("moneykittest: WithToken: empty token")
		}
		f.defaultToken = token
		return nil
	}
}

// WithDelete204 makes DELETE answer 204 No Content, as MoneyKit's SDKs declare, instead of
// the reference's 200 {}.
func WithDelete204() Option {
	return func(f *Fake) error { f.delete204 = true; return nil }
}

// WithRateLimits turns rate limiting on (it is off by default). DefaultRateLimits are
// MoneyKit's documented limits.
func WithRateLimits(l RateLimits) Option {
	return func(f *Fake) error {
		if l.PatchPerLink < 0 || l.PatchPerApp < 0 || l.DeletePerApp < 0 || l.Per < 0 {
			return errors.New("moneykittest: WithRateLimits: negative limit")
		}
		f.limits = newLimiter(l)
		return nil
	}
}

// WithRetryAfterHTTPDate sends Retry-After on 429 as an HTTP-date instead of seconds.
func WithRetryAfterHTTPDate() Option {
	return func(f *Fake) error { f.httpDate = true; return nil }
}

// WithViolationHandler calls fn for every answer of the fake that breaks openapi.yaml (in
// tests, pass t.Error). Violations are also kept; see Violations.
func WithViolationHandler(fn func(error)) Option {
	return func(f *Fake) error { f.onViolation = fn; return nil }
}

// WithoutSeed starts the fake with no links; add them with AddLink.
func WithoutSeed() Option {
	return func(f *Fake) error { f.links = map[string]*record{}; return nil }
}

// New returns the fake API as a handler, seeded with realistic links (SeedLinkID and the
// ids beside it among them) unless WithoutSeed.
func New(opts ...Option) (*Fake, error) {
	v, err := spec.NewValidator(context.Background())
	if err != nil {
		return nil, err
	}
	f := &Fake{
		now:       time.Now,
		validator: v.ListedStatusesOnly(), // its own answers keep to the listed statuses
		closing:   make(chan struct{}),
		tokens:    map[string]time.Time{},
	}
	for _, opt := range opts {
		if opt == nil {
			return nil, errors.New("moneykittest: nil Option")
		}
		if err := opt(f); err != nil {
			return nil, err
		}
	}
	if f.clientID == "" {
		f.clientID, f.clientSecret = "client_"+rand.Text(), "secret_"+rand.Text()
	}
	if f.tokenTTL == 0 {
		f.tokenTTL = DefaultTokenTTL
	}
	if f.defaultToken == "" {
		f.defaultToken = "mk_test_" + rand.Text()
	}
	f.tokens[f.defaultToken] = time.Time{}
	if f.links == nil {
		f.links = map[string]*record{}
		f.seed()
	}
	mux := http.NewServeMux()
	f.strict = fakeapi.HandlerWithOptions(
		fakeapi.NewStrictHandlerWithOptions(&handlers{f: f}, nil, fakeapi.StrictHTTPServerOptions{
			RequestErrorHandlerFunc:  f.requestDecodeError,
			ResponseErrorHandlerFunc: f.internalError,
		}),
		fakeapi.StdHTTPServerOptions{BaseRouter: mux, ErrorHandlerFunc: f.requestDecodeError},
	)
	return f, nil
}

// Token returns the access token the fake accepts by default.
func (f *Fake) Token() string { return f.defaultToken }

// AddToken makes the fake accept token until expiresAt (per its clock); a zero expiresAt
// never expires. After expiry the token answers 401 api_error.auth.expired_access_token.
func (f *Fake) AddToken(token string, expiresAt time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.tokens[token] = expiresAt
}

// Violations returns the fake's answers that broke openapi.yaml, oldest first.
func (f *Fake) Violations() []error {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]error(nil), f.violations...)
}

// Server is a Fake served over HTTP on 127.0.0.1.
type Server struct {
	*Fake
	// URL is the base URL, http://127.0.0.1:port, with no trailing slash.
	URL string
	hs  *httptest.Server
}

// NewServer starts a Fake on a loopback port. Close it when done.
func NewServer(opts ...Option) (*Server, error) {
	f, err := New(opts...)
	if err != nil {
		return nil, err
	}
	hs := httptest.NewUnstartedServer(f)
	hs.Start()
	return &Server{Fake: f, URL: hs.URL, hs: hs}, nil
}

// Close stops the server: it ends injected delays, closes connections and waits for
// requests in flight. It is safe to call more than once.
func (s *Server) Close() {
	s.Fake.Close()
	s.hs.Close()
}

// Client returns an *http.Client for the server (plain net/http; the wrapper package makes
// its own from the URL and token).
func (s *Server) Client() *http.Client { return s.hs.Client() }

// Close ends injected delays in progress, so that a server shutting down is not held up.
func (f *Fake) Close() { f.closeOnce.Do(func() { close(f.closing) }) }
