// Package wrapper is the MoneyKit links client: update or delete a link with a typed,
// hard-to-misuse API on top of the requests and types generated from openapi.yaml
// (package api).
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

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

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

// Client updates and deletes MoneyKit links. It is safe for concurrent use. Create it with
// New (or NewFromTokenSource, NewClientCredentials, NewWithClientHeaders); the zero value
// is not usable (its methods return ErrNoClient).
type Client struct {
	server   string // the base URL as the generated request builders take it
	base     *url.URL
	editors  []api.RequestEditorFn
	doer     *doer
	defaults callConfig
}

// New returns a Client that authenticates with a fixed access token. Options are applied
// in order; the first that fails is returned as the error.
func New(accessToken string, opts ...Option) (*Client, error) {
	if err := checkSecret("access token", accessToken); err != nil {
		return nil, err
	}
	return build(opts, func(*config, *http.Client) (credentials, error) {
		return &staticToken{token: accessToken, header: "Bearer " + accessToken, red: newRedactor("", "", accessToken)}, nil
	})
}

// NewFromTokenSource returns a Client that takes access tokens from ts. The client caches
// each token until it expires; when the API answers api_error.auth.expired_access_token
// it asks ts again and retries once, and concurrent calls share that one refresh. So ts
// should fetch a new token on each call: an oauth2.ReuseTokenSource would hand back the
// refused token until its own idea of its expiry.
//
// oauth2.TokenSource takes no context, so ts.Token cannot be cancelled: a call whose
// context ends while ts.Token runs returns at once (with ErrTokenSource and the context's
// error), but ts.Token goes on in its goroutine until it returns, and calls made meanwhile
// wait for that same Token call. A source that may hang should bound itself.
func NewFromTokenSource(ts oauth2.TokenSource, opts ...Option) (*Client, error) {
	if ts == nil {
		return nil, errors.New("moneykit: NewFromTokenSource: nil token source")
	}
	return build(opts, func(*config, *http.Client) (credentials, error) {
		fetch := func(context.Context) (*oauth2.Token, error) { return ts.Token() }
		return &tokenSource{fetch: fetch}, nil
	})
}

// NewClientCredentials returns a Client that exchanges the client id and secret for
// access tokens at the API's POST /auth/token (the OAuth 2 client-credentials grant,
// through golang.org/x/oauth2/clientcredentials), and renews them as NewFromTokenSource
// does. WithScopes narrows the scopes asked for.
//
// A token request goes through the client's HTTP client and is bounded by the attempt
// timeout (WithAttemptTimeout). Concurrent calls share one token request; each stops
// waiting when its own context ends, and the request is cancelled once no call waits
// for it.
func NewClientCredentials(clientID, clientSecret string, opts ...Option) (*Client, error) {
	if err := checkSecret("client id", clientID); err != nil {
		return nil, err
	}
	if err := checkSecret("client secret", clientSecret); err != nil {
		return nil, err
	}
	return build(opts, func(cfg *config, hc *http.Client) (credentials, error) {
		cc := clientcredentials.Config{
			ClientID:     clientID,
			ClientSecret: clientSecret,
			TokenURL:     strings.TrimSuffix(cfg.baseURL, "/") + "/auth/token",
			Scopes:       cfg.scopes,
			AuthStyle:    oauth2.AuthStyleInParams,
		}
		// cc.Token asks the endpoint each time: the client's own cache decides when, and can
		// drop a token the API refused early (cc.TokenSource's cache cannot).
		fetch := func(ctx context.Context) (*oauth2.Token, error) {
			return cc.Token(context.WithValue(ctx, oauth2.HTTPClient, hc))
		}
		return &tokenSource{fetch: fetch, cancellable: true, clientID: clientID, secret: clientSecret,
			red: newRedactor(clientID, clientSecret)}, nil
	})
}

// NewWithClientHeaders returns a Client that sends the client id and secret on every
// request (X-Client-Id and X-Client-Secret), MoneyKit's mode without a token exchange.
func NewWithClientHeaders(clientID, clientSecret string, opts ...Option) (*Client, error) {
	if err := checkSecret("client id", clientID); err != nil {
		return nil, err
	}
	if err := checkSecret("client secret", clientSecret); err != nil {
		return nil, err
	}
	return build(opts, func(*config, *http.Client) (credentials, error) {
		return &clientHeaders{id: clientID, secret: clientSecret, red: newRedactor(clientID, clientSecret)}, nil
	})
}

// checkSecret rejects empty credentials and ones that would break a header; the error
// never repeats the value.
func checkSecret(what, v string) error {
	if v == "" {
		return fmt.Errorf("moneykit: empty %s", what)
	}
	if !validHeaderValue(v) || strings.ContainsAny(v, " \t") {
		return fmt.Errorf("moneykit: %s contains spaces or control characters", what)
	}
	return nil
}

func build(opts []Option, creds func(*config, *http.Client) (credentials, error)) (*Client, error) {
	cfg := config{
		baseURL:    DefaultBaseURL,
		httpClient: &http.Client{},
		userAgent:  DefaultUserAgent,
		apiVersion: DefaultAPIVersion,
		maxBody:    DefaultMaxResponseBytes,
		call: callConfig{
			maxRetries:     DefaultMaxRetries,
			attemptTimeout: DefaultAttemptTimeout,
			maxRetryWait:   DefaultMaxRetryWait,
			backoffBase:    defaultBackoffBase,
			backoffMax:     defaultBackoffMax,
		},
	}
	for _, opt := range opts {
		if opt == nil {
			return nil, errors.New("moneykit: nil Option")
		}
		if err := opt.applyClient(&cfg); err != nil {
			return nil, err
		}
	}
	base, err := parseBaseURL(cfg.baseURL)
	if err != nil {
		return nil, err
	}
	cfg.baseURL = base.String()
	hc := *cfg.httpClient
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	cr, err := creds(&cfg, &hc)
	if err != nil {
		return nil, err
	}
	d := &doer{
		client: &hc, creds: cr, scheme: base.Scheme, host: base.Host, maxBody: cfg.maxBody,
		userAgent: cfg.userAgent, version: cfg.apiVersion,
	}
	return &Client{server: base.String() + "/", base: base, editors: cfg.editors, doer: d, defaults: cfg.call}, nil
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
