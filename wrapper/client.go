// Package wrapper is the MoneyKit links client: update or delete a link with a typed,
// hard-to-misuse API on top of the client generated from openapi.yaml (package api).
//
//	c, err := wrapper.New(os.Getenv("MONEYKIT_ACCESS_TOKEN"))
//	link, err := c.UpdateLink(ctx, "mk_eqkWN34UEoa2NxyALG8pcV", wrapper.UpdateParams{
//		Webhook: wrapper.SetWebhook("https://example.com/hook"),
//	})
//	err = c.DeleteLink(ctx, "mk_eqkWN34UEoa2NxyALG8pcV")
//
// Errors from the API are *Error values; match them with errors.Is against the sentinels
// (ErrNotFound, ErrLinkDeleted, ...) or read their fields with errors.As.
//
// The access token is sent only to the configured base URL, never over plain HTTP except to
// a loopback host, never after a redirect, and never appears in an error, a log line or the
// formatted value of any type of this package.
package wrapper

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/halyard-labs/moneykit-go/api"
)

// Version is this module's version, sent in the default User-Agent.
const Version = "0.1.0"

// DefaultBaseURL is MoneyKit's API, for sandbox and live keys alike.
const DefaultBaseURL = "https://api.moneykit.com"

// DefaultUserAgent names this module and its version.
const DefaultUserAgent = "moneykit-go/" + Version + " (+https://github.com/halyard-labs/moneykit-go)"

// DefaultMaxResponseBytes caps a response body. These endpoints answer a few KiB.
const DefaultMaxResponseBytes = 1 << 20

// DefaultTimeout bounds one call when the caller's http.Client sets no timeout of its own.
const DefaultTimeout = 60 * time.Second

// Client updates and deletes MoneyKit links. It is safe for concurrent use. Create it with
// New; the zero value is not usable (its methods return ErrNoClient).
type Client struct {
	gen     *api.Client
	base    *url.URL
	editors []api.RequestEditorFn
}

// config collects what the options set; New turns it into a Client.
type config struct {
	baseURL    string
	httpClient *http.Client
	userAgent  string
	maxBody    int64
	editors    []api.RequestEditorFn
}

// Option configures a Client in New.
type Option func(*config) error

// WithBaseURL sets the API's base URL (default DefaultBaseURL). It must be https, or http
// to a loopback host (a local test server): the access token never travels in clear text.
// A path prefix, for a proxy, is kept.
func WithBaseURL(rawURL string) Option {
	return func(c *config) error {
		c.baseURL = rawURL
		return nil
	}
}

// WithHTTPClient makes the Client send requests through hc (its Transport, Timeout and
// Jar). hc is copied, not modified; the copy does not follow redirects, so the access token
// cannot be forwarded to another host: a redirect answer becomes an *Error.
func WithHTTPClient(hc *http.Client) Option {
	return func(c *config) error {
		if hc == nil {
			return errors.New("moneykit: WithHTTPClient: nil *http.Client")
		}
		c.httpClient = hc
		return nil
	}
}

// WithUserAgent replaces the User-Agent header (default DefaultUserAgent).
func WithUserAgent(ua string) Option {
	return func(c *config) error {
		if ua == "" || !validHeaderValue(ua) {
			return errors.New("moneykit: WithUserAgent: empty or not a valid header value")
		}
		c.userAgent = ua
		return nil
	}
}

// WithMaxResponseBytes caps the size of a response body (default DefaultMaxResponseBytes);
// a larger answer fails with ErrResponseTooLarge without being read into memory.
func WithMaxResponseBytes(n int64) Option {
	return func(c *config) error {
		if n <= 0 {
			return fmt.Errorf("moneykit: WithMaxResponseBytes: %d is not positive", n)
		}
		c.maxBody = n
		return nil
	}
}

// WithRequestEditor adds a function that edits every request before it is sent, for
// example to add a tracing header. Editors run once per call, before the access token is
// attached, so they never see it.
func WithRequestEditor(fn api.RequestEditorFn) Option {
	return func(c *config) error {
		if fn == nil {
			return errors.New("moneykit: WithRequestEditor: nil function")
		}
		c.editors = append(c.editors, fn)
		return nil
	}
}

// New returns a Client that authenticates with the access token. Options are applied in
// order; the first that fails is returned as the error.
func New(accessToken string, opts ...Option) (*Client, error) {
	if accessToken == "" {
		return nil, errors.New("moneykit: New: empty access token")
	}
	if !validHeaderValue(accessToken) || strings.ContainsAny(accessToken, " \t") {
		// Do not echo it: it is a secret even when malformed.
		return nil, errors.New("moneykit: New: access token contains spaces or control characters")
	}
	cfg := config{
		baseURL:    DefaultBaseURL,
		httpClient: &http.Client{Timeout: DefaultTimeout},
		userAgent:  DefaultUserAgent,
		maxBody:    DefaultMaxResponseBytes,
	}
	for _, opt := range opts {
		if opt == nil {
			return nil, errors.New("moneykit: New: nil Option")
		}
		if err := opt(&cfg); err != nil {
			return nil, err
		}
	}
	base, err := parseBaseURL(cfg.baseURL)
	if err != nil {
		return nil, err
	}
	hc := *cfg.httpClient
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	d := &doer{client: &hc, token: "Bearer " + accessToken, scheme: base.Scheme, host: base.Host, maxBody: cfg.maxBody}
	ua := cfg.userAgent
	editors := append([]api.RequestEditorFn{func(_ context.Context, r *http.Request) error {
		r.Header.Set("User-Agent", ua)
		return nil
	}}, cfg.editors...)
	gen, err := api.NewClient(base.String(), api.WithHTTPClient(d))
	if err != nil {
		return nil, fmt.Errorf("moneykit: New: %w", err)
	}
	return &Client{gen: gen, base: base, editors: editors}, nil
}

// parseBaseURL accepts https URLs, and http URLs whose host is loopback.
func parseBaseURL(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("moneykit: base URL %q must be an absolute URL with a host and no user, query or fragment", redactURL(raw))
	}
	switch u.Scheme {
	case "https":
	case "http":
		if !isLoopback(u.Hostname()) {
			return nil, fmt.Errorf("moneykit: base URL %q is plain http to a non-loopback host: the access token would travel in clear text; use https", u.Redacted())
		}
	default:
		return nil, fmt.Errorf("moneykit: base URL %q: scheme must be https", u.Redacted())
	}
	u.Path = strings.TrimSuffix(u.Path, "/")
	u.RawPath = ""
	return u, nil
}

// redactURL keeps a malformed URL out of an error when it may carry credentials.
func redactURL(raw string) string {
	if strings.Contains(raw, "@") {
		return "[redacted URL]"
	}
	return raw
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// validHeaderValue rejects control characters, which would break or inject headers.
func validHeaderValue(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < ' ' && c != '\t' || c == 0x7f {
			return false
		}
	}
	return true
}

// String describes the client without its credentials.
func (c *Client) String() string {
	if c == nil || c.base == nil {
		return "moneykit.Client(unconfigured)"
	}
	return "moneykit.Client(" + c.base.String() + ")"
}

// GoString is String, so %#v cannot print the credentials either.
func (c *Client) GoString() string { return c.String() }

// BaseURL returns the base URL the client sends requests to.
func (c *Client) BaseURL() string {
	if c == nil || c.base == nil {
		return ""
	}
	return c.base.String()
}
