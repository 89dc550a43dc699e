package wrapper_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net/http"
	"time"

	"github.com/halyard-labs/moneykit-go/moneykittest"
	"github.com/halyard-labs/moneykit-go/wrapper"
)

// Assemble the options from your configuration; New reports the first bad one.
func ExampleOption() {
	cfg := struct{ BaseURL, UserAgent string }{
		BaseURL:   "https://moneykit-egress.acme.example",
		UserAgent: "acme-payouts/1.4\n", // a stray newline from a config file
	}
	opts := []wrapper.Option{wrapper.WithUserAgent(cfg.UserAgent)}
	if cfg.BaseURL != "" {
		opts = append(opts, wrapper.WithBaseURL(cfg.BaseURL))
	}
	_, err := wrapper.New("token", opts...)
	fmt.Println(err)
	// Output: moneykit: WithUserAgent: empty or not a valid header value
}

// Change one call: a request handler of yours that must answer fast sends the DELETE
// once, with a short timeout, whatever the client's defaults.
func ExampleCallOption() {
	srv, c := fakeAPI()
	defer srv.Close()
	fast := []wrapper.CallOption{wrapper.WithMaxRetries(0), wrapper.WithAttemptTimeout(2 * time.Second)}

	srv.InjectFault(moneykittest.Fault{Kind: moneykittest.FaultStatus, Status: http.StatusServiceUnavailable})
	err := c.DeleteLink(context.Background(), moneykittest.SeedLinkID, fast...)
	fmt.Println(err)
	fmt.Println("requests:", len(srv.Requests()))
	// Output:
	// moneykit: DELETE /links/mk_eqkWN34UEoa2NxyALG8pcV: 503 Service Unavailable
	// requests: 1
}

// A SharedOption goes to New, for every call, or to one call. A bad value, from a config
// file say, fails either before anything is sent.
func ExampleSharedOption() {
	srv, c := fakeAPI()
	defer srv.Close()

	retries := wrapper.WithMaxRetries(-1) // say, MONEYKIT_MAX_RETRIES=-1
	_, err := wrapper.New("token", retries)
	fmt.Println(err)
	err = c.DeleteLink(context.Background(), moneykittest.SeedLinkID, retries)
	fmt.Println(err)
	fmt.Println("requests:", len(srv.Requests()))
	// Output:
	// moneykit: WithMaxRetries: -1 is negative
	// moneykit: WithMaxRetries: -1 is negative
	// requests: 0
}

// Point the client at a local fake in tests, or at your egress proxy (a path prefix is
// kept). Plain http is refused except to a loopback host: the token would travel in
// clear text.
func ExampleWithBaseURL() {
	srv := exampleServer()
	defer srv.Close()

	for _, base := range []string{srv.URL, "https://egress.acme.example/moneykit", "http://egress.acme.example/moneykit"} {
		_, err := wrapper.New(srv.Token(), wrapper.WithBaseURL(base))
		fmt.Println(err)
	}
	// Output:
	// <nil>
	// <nil>
	// moneykit: base URL "http://egress.acme.example/moneykit" is plain http to a non-loopback host: the access token would travel in clear text; use https
}

// logTransport logs each request's outcome, as a metrics transport would. It logs no
// header: they carry the credentials.
type logTransport struct{ next http.RoundTripper }

func (t logTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.next.RoundTrip(req)
	if err == nil {
		fmt.Println("sent:", req.Method, req.URL.Path, resp.StatusCode)
	}
	return resp, err
}

// Send through your own http.Client: its transport (metrics, proxy, connection pool) is
// used, but redirects are never followed, so the credentials cannot be sent elsewhere.
func ExampleWithHTTPClient() {
	srv, c := fakeAPI(wrapper.WithHTTPClient(&http.Client{Transport: logTransport{http.DefaultTransport}}))
	defer srv.Close()

	srv.InjectFault(moneykittest.Fault{Kind: moneykittest.FaultStatus, Status: http.StatusTemporaryRedirect,
		Header: http.Header{"Location": {"https://collector.example.net/steal"}}})
	fmt.Println(c.DeleteLink(context.Background(), moneykittest.SeedLinkID))
	// Output:
	// sent: DELETE /links/mk_eqkWN34UEoa2NxyALG8pcV 307
	// moneykit: DELETE /links/mk_eqkWN34UEoa2NxyALG8pcV: 307 Temporary Redirect: redirect to https://collector.example.net/steal not followed
}

// Cap what the client reads of an answer (the default, 1 MiB, is ample: a link is a few
// KiB). A larger answer fails without being read into memory; here the cap is smaller
// than a link, so the change is made but its answer is refused.
func ExampleWithMaxResponseBytes() {
	srv, c := fakeAPI(wrapper.WithMaxResponseBytes(256))
	defer srv.Close()

	_, err := c.UpdateLink(context.Background(), moneykittest.SeedLinkID, wrapper.UpdateParams{LinkTags: wrapper.SetLinkTags("vip")})
	fmt.Println(errors.Is(err, wrapper.ErrResponseTooLarge))
	fmt.Println(err)
	// Output:
	// true
	// moneykit: PATCH /links/mk_eqkWN34UEoa2NxyALG8pcV: 200 response body is over the 256-byte limit
}

type requestIDKey struct{}

// Add a header to every request, here your request id for tracing, taken from the
// call's context. Editors run before the credentials are set: they never see them.
func ExampleWithRequestEditor() {
	srv, c := fakeAPI(wrapper.WithRequestEditor(func(ctx context.Context, req *http.Request) error {
		if id, ok := ctx.Value(requestIDKey{}).(string); ok {
			req.Header.Set("X-Request-Id", id)
		}
		fmt.Println("credentials seen:", req.Header.Get("Authorization") != "")
		return nil
	}))
	defer srv.Close()

	ctx := context.WithValue(context.Background(), requestIDKey{}, "req_7f3a9c")
	if err := c.DeleteLink(ctx, moneykittest.SeedLinkID); err != nil {
		log.Fatal(err)
	}
	fmt.Println(lastRequest(srv).Header.Get("X-Request-Id"))
	// Output:
	// credentials seen: false
	// req_7f3a9c
}

// Name your service in the User-Agent, so that MoneyKit's support can find your requests.
func ExampleWithUserAgent() {
	srv, c := fakeAPI(wrapper.WithUserAgent("acme-payouts/1.4 (+https://acme.example/ops)"))
	defer srv.Close()

	err := c.DeleteLink(context.Background(), moneykittest.SeedLinkID)
	fmt.Println(err, lastRequest(srv).Header.Get("User-Agent"))
	// Output: <nil> acme-payouts/1.4 (+https://acme.example/ops)
}

// Pin the API version your code was written against. A version MoneyKit does not have
// (a typo in a config file) is refused by the API as a validation error.
func ExampleWithAPIVersion() {
	srv := exampleServer()
	defer srv.Close()

	for _, v := range []string{"2023-02-18", "2023-02-81"} {
		c, err := wrapper.New(srv.Token(), wrapper.WithBaseURL(srv.URL), wrapper.WithAPIVersion(v))
		if err != nil {
			log.Fatal(err)
		}
		err = c.DeleteLink(context.Background(), moneykittest.SeedLinkID)
		fmt.Println(lastRequest(srv).Header.Get("MoneyKit-Version"), errors.Is(err, wrapper.ErrValidationFailed))
	}
	// Output:
	// 2023-02-18 false
	// 2023-02-81 true
}

// Bound each attempt: an attempt that has no answer in time is given up (and retried, as
// the retry options say). The call as a whole is bounded by its context.
func ExampleWithAttemptTimeout() {
	srv, c := fakeAPI(wrapper.WithAttemptTimeout(25*time.Millisecond), wrapper.WithMaxRetries(0))
	defer srv.Close()

	srv.InjectFault(moneykittest.Fault{Kind: moneykittest.FaultDelay, Latency: 10 * time.Second}) // a hung answer
	err := c.DeleteLink(context.Background(), moneykittest.SeedLinkID)
	fmt.Println(errors.Is(err, context.DeadlineExceeded))
	// Output: true
}

// Retry more for a batch job behind a flaky egress proxy. (The backoff is cut short here so
// that the example runs fast; keep the default in production.)
func ExampleWithMaxRetries() {
	srv, c := fakeAPI(wrapper.WithRetryBackoff(time.Millisecond, time.Millisecond))
	defer srv.Close()
	ctx := context.Background()

	srv.InjectFault(moneykittest.Fault{Kind: moneykittest.FaultHTML502, Times: 3})
	err := c.DeleteLink(ctx, moneykittest.SeedLinkID) // the default: 2 retries
	var e *wrapper.Error
	if errors.As(err, &e) {
		fmt.Println(e.StatusCode, "after", e.Attempts, "attempts")
	} else {
		fmt.Println("not an answer from the API:", err)
	}

	srv.InjectFault(moneykittest.Fault{Kind: moneykittest.FaultHTML502, Times: 3})
	fmt.Println(c.DeleteLink(ctx, moneykittest.SeedLinkID, wrapper.WithMaxRetries(5)))
	// Output:
	// 502 after 3 attempts
	// <nil>
}

// Never sleep long for a Retry-After: past the cap, the call fails at once with
// ErrRateLimited and the wait asked for, and your scheduler can run it later.
func ExampleWithMaxRetryWait() {
	srv, c := fakeAPI(wrapper.WithMaxRetryWait(30 * time.Second))
	defer srv.Close()

	srv.InjectFault(moneykittest.Fault{Kind: moneykittest.FaultStatus, Status: http.StatusTooManyRequests,
		Header: http.Header{"Retry-After": {"120"}}})
	err := c.DeleteLink(context.Background(), moneykittest.SeedLinkID)
	var e *wrapper.Error
	if errors.Is(err, wrapper.ErrRateLimited) && errors.As(err, &e) {
		fmt.Println("run again in", e.RetryAfter, "- requests:", len(srv.Requests()))
	}
	// Output: run again in 2m0s - requests: 1
}

// Wait less between retries where a person waits for the answer. Each wait is random
// ("full jitter") up to base·2^retry, never over max; here 2 to 20 ms. A base over the
// max is refused.
func ExampleWithRetryBackoff() {
	srv, c := fakeAPI(wrapper.WithRetryBackoff(2*time.Millisecond, 20*time.Millisecond))
	defer srv.Close()

	srv.InjectFault(moneykittest.Fault{Kind: moneykittest.FaultDrop}) // the connection drops
	err := c.DeleteLink(context.Background(), moneykittest.SeedLinkID)
	fmt.Println(err, "requests:", len(srv.Requests()))

	_, err = wrapper.New("token", wrapper.WithRetryBackoff(time.Second, 100*time.Millisecond))
	fmt.Println(err)
	// Output:
	// <nil> requests: 2
	// moneykit: WithRetryBackoff: need 0 < base <= max, got 1s, 100ms
}
