package wrapper

import (
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/halyard-labs/moneykit-go/api"
)

// Option configures a Client in New (and its New* siblings). Options that also make sense
// for one call (WithMaxRetries, WithAttemptTimeout, ...) are SharedOptions: CallOptions
// too.
type Option interface {
	applyClient(*config) error
}

// CallOption changes one call (of UpdateLink, DeleteLink, or each call of a bulk run
// through BulkOptions.CallOptions); it applies after the client's options. An invalid one
// (WithMaxRetries(-1), say) fails the call before anything is sent, as it fails New.
type CallOption interface {
	applyCall(*callConfig) error
}

type optionFunc func(*config) error

func (f optionFunc) applyClient(c *config) error { return f(c) }

// config collects what the options set; New turns it into a Client.
type config struct {
	baseURL    string
	httpClient *http.Client
	userAgent  string
	apiVersion string
	maxBody    int64
	editors    []api.RequestEditorFn
	call       callConfig
	scopes     []string
}

// callConfig is what may change per call.
type callConfig struct {
	maxRetries     int
	attemptTimeout time.Duration
	maxRetryWait   time.Duration
	backoffBase    time.Duration
	backoffMax     time.Duration
	gate           *gate // a bulk run's shared limiter, if any
}

// Defaults for retries and timeouts.
const (
	DefaultMaxRetries     = 2
	DefaultAttemptTimeout = 30 * time.Second
	DefaultMaxRetryWait   = 60 * time.Second
	defaultBackoffBase    = 500 * time.Millisecond
	defaultBackoffMax     = 8 * time.Second
)

// DefaultAPIVersion is the MoneyKit-Version header sent on every request.
const DefaultAPIVersion = string(api.MoneyKitVersionN20230218)

// WithBaseURL sets the API's base URL (default DefaultBaseURL). It must be https, or http
// to a loopback host (a local test server): credentials never travel in clear text.
// A path prefix, for a proxy, is kept.
func WithBaseURL(rawURL string) Option {
	return optionFunc(func(c *config) error {
		c.baseURL = rawURL
		return nil
	})
}

// WithHTTPClient makes the Client send requests through hc (its Transport and Jar; its
// Timeout bounds each attempt). hc is copied, not modified; the copy does not follow
// redirects, so credentials cannot be forwarded to another host: a redirect answer
// becomes an *Error.
func WithHTTPClient(hc *http.Client) Option {
	return optionFunc(func(c *config) error {
		if hc == nil {
			return errors.New("moneykit: WithHTTPClient: nil *http.Client")
		}
		c.httpClient = hc
		return nil
	})
}

// WithUserAgent replaces the User-Agent header (default DefaultUserAgent).
func WithUserAgent(ua string) Option {
	return headerOption("WithUserAgent", ua, func(c *config) { c.userAgent = ua })
}

// WithAPIVersion sets the MoneyKit-Version header (default DefaultAPIVersion).
func WithAPIVersion(v string) Option {
	return headerOption("WithAPIVersion", v, func(c *config) { c.apiVersion = v })
}

// headerOption is an option that sets a header value, which must be non-empty and free of
// control characters.
func headerOption(name, v string, set func(*config)) Option {
	return optionFunc(func(c *config) error {
		if v == "" || !validHeaderValue(v) {
			return fmt.Errorf("moneykit: %s: empty or not a valid header value", name)
		}
		set(c)
		return nil
	})
}

// WithMaxResponseBytes caps the size of a response body (default DefaultMaxResponseBytes);
// a larger answer fails with ErrResponseTooLarge without being read into memory.
func WithMaxResponseBytes(n int64) Option {
	return optionFunc(func(c *config) error {
		if n <= 0 {
			return fmt.Errorf("moneykit: WithMaxResponseBytes: %d is not positive", n)
		}
		c.maxBody = n
		return nil
	})
}

// WithRequestEditor adds a function that edits every request before it is sent, for
// example to add a tracing header. Editors run once per call, before credentials are
// attached, so they never see them.
func WithRequestEditor(fn api.RequestEditorFn) Option {
	return optionFunc(func(c *config) error {
		if fn == nil {
			return errors.New("moneykit: WithRequestEditor: nil function")
		}
		c.editors = append(c.editors, fn)
		return nil
	})
}

// WithScopes sets the scopes asked for by NewClientCredentials (default: all of the
// client's).
func WithScopes(scopes ...string) Option {
	return optionFunc(func(c *config) error {
		c.scopes = append([]string(nil), scopes...)
		return nil
	})
}

// retryOption is both an Option and a CallOption.
type retryOption struct {
	set func(*callConfig)
	err error
}

func (o retryOption) applyClient(c *config) error { return o.applyCall(&c.call) }

func (o retryOption) applyCall(c *callConfig) error {
	if o.err != nil {
		return o.err
	}
	o.set(c)
	return nil
}

// applyCallOptions applies opts to cfg in order; the first that fails is the error.
func applyCallOptions(cfg *callConfig, opts []CallOption) error {
	for _, o := range opts {
		if o == nil {
			return errors.New("moneykit: nil CallOption")
		}
		if err := o.applyCall(cfg); err != nil {
			return err
		}
	}
	return nil
}

// SharedOption is an option usable both in New (for every call) and per call. An invalid
// one is an error from New and from the call alike.
type SharedOption interface {
	Option
	CallOption
}

// WithMaxRetries sets how many times a failed attempt is retried (default
// DefaultMaxRetries; 0 turns retries off). Retried: connection errors, 408, 409, 429,
// 500, 502, 503 and 504, unless the server says otherwise with x-should-retry.
func WithMaxRetries(n int) SharedOption {
	if n < 0 {
		return retryOption{err: fmt.Errorf("moneykit: WithMaxRetries: %d is negative", n)}
	}
	return retryOption{set: func(c *callConfig) { c.maxRetries = n }}
}

// WithAttemptTimeout bounds each attempt, from sending the request to reading the whole
// answer (default DefaultAttemptTimeout). The call as a whole is bounded by its context.
func WithAttemptTimeout(d time.Duration) SharedOption {
	if d <= 0 {
		return retryOption{err: fmt.Errorf("moneykit: WithAttemptTimeout: %v is not positive", d)}
	}
	return retryOption{set: func(c *callConfig) { c.attemptTimeout = d }}
}

// WithMaxRetryWait caps how long a Retry-After is honoured (default DefaultMaxRetryWait).
// When the server asks for a longer wait, or one past the context's deadline, the call
// returns ErrRateLimited (with Error.RetryAfter) at once instead of sleeping.
func WithMaxRetryWait(d time.Duration) SharedOption {
	if d < 0 {
		return retryOption{err: fmt.Errorf("moneykit: WithMaxRetryWait: %v is negative", d)}
	}
	return retryOption{set: func(c *callConfig) { c.maxRetryWait = d }}
}

// WithRetryBackoff sets the exponential backoff between retries when the server gives no
// Retry-After: a random wait ("full jitter") up to base·2^retry, capped at max (defaults
// 500ms and 8s).
func WithRetryBackoff(base, max time.Duration) SharedOption {
	if base <= 0 || max < base {
		return retryOption{err: fmt.Errorf("moneykit: WithRetryBackoff: need 0 < base <= max, got %v, %v", base, max)}
	}
	return retryOption{set: func(c *callConfig) { c.backoffBase, c.backoffMax = base, max }}
}
