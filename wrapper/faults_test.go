package wrapper_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/halyard-labs/moneykit-go/moneykittest"
	"github.com/halyard-labs/moneykit-go/wrapper"
)

// outcome names what a fault case must end in.
type outcome struct {
	ok       bool  // success
	sentinel error // else: errors.Is target (nil: any error)
	status   int   // else: *Error status (0: not an *Error)
}

// The fault suite: each case against the fake's fault injection asserts the outcome, the
// attempts the server saw, a time bound, and that no goroutine is left behind. The README's
// fault table lists these cases.
func TestFaultSuite(t *testing.T) {
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "" || r.Header.Get("X-Client-Secret") != "" {
			t.Errorf("credentials reached the redirect target")
		}
		w.WriteHeader(204)
	}))
	defer other.Close()
	soon := func(d time.Duration) string { return time.Now().Add(d).UTC().Format(http.TimeFormat) }

	for _, tc := range []struct {
		name     string
		method   string
		faults   []moneykittest.Fault
		faultsAt func() []moneykittest.Fault // for faults that name a time: made when the case runs
		opts     []wrapper.Option
		want     outcome
		attempts int
		min, max time.Duration
	}{
		{name: "connection reset before the answer", method: "PATCH",
			faults: []moneykittest.Fault{{Kind: moneykittest.FaultDrop}}, want: outcome{ok: true}, attempts: 2, max: time.Second},
		{name: "connection reset during the body", method: "PATCH",
			faults: []moneykittest.Fault{{Kind: moneykittest.FaultDropMidBody}}, want: outcome{ok: true}, attempts: 2, max: time.Second},
		{name: "DELETE whose answer was lost, then 410", method: "DELETE",
			faults: []moneykittest.Fault{{Kind: moneykittest.FaultDropMidBody}}, want: outcome{ok: true}, attempts: 2, max: time.Second},
		{name: "connection reset every time", method: "DELETE",
			faults: []moneykittest.Fault{{Kind: moneykittest.FaultDrop, Times: -1}}, want: outcome{}, attempts: 3, max: time.Second},
		{name: "truncated JSON", method: "PATCH",
			faults: []moneykittest.Fault{{Kind: moneykittest.FaultTruncate}}, want: outcome{sentinel: wrapper.ErrMalformedResponse, status: 200}, attempts: 1, max: time.Second},
		{name: "non-JSON 200", method: "PATCH",
			faults: []moneykittest.Fault{{Kind: moneykittest.FaultNonJSON}}, want: outcome{sentinel: wrapper.ErrMalformedResponse, status: 200}, attempts: 1, max: time.Second},
		{name: "HTML 502 once", method: "PATCH",
			faults: []moneykittest.Fault{{Kind: moneykittest.FaultHTML502}}, want: outcome{ok: true}, attempts: 2, max: time.Second},
		{name: "HTML 502 every time", method: "DELETE",
			faults: []moneykittest.Fault{{Kind: moneykittest.FaultHTML502, Times: -1}}, want: outcome{status: 502}, attempts: 3, max: time.Second},
		{name: "empty 200", method: "PATCH",
			faults: []moneykittest.Fault{{Kind: moneykittest.FaultStatus, Status: 200, Header: http.Header{"Content-Type": {"application/json"}}}}, want: outcome{sentinel: wrapper.ErrMalformedResponse, status: 200}, attempts: 1, max: time.Second},
		{name: "200 that breaks the schema", method: "PATCH",
			faults: []moneykittest.Fault{{Kind: moneykittest.FaultStatus, Status: 200, Header: http.Header{"Content-Type": {"application/json"}}, Body: []byte(`{"link_id":["x"],"state":7}`)}}, want: outcome{sentinel: wrapper.ErrMalformedResponse, status: 200}, attempts: 1, max: time.Second},
		{name: "429 storm without Retry-After", method: "PATCH",
			faults: []moneykittest.Fault{{Kind: moneykittest.FaultStatus, Status: 429, Times: -1, Header: jsonHeader(), Body: rateLimitBody}}, want: outcome{sentinel: wrapper.ErrRateLimited, status: 429}, attempts: 3, max: time.Second},
		{name: "429 with Retry-After seconds, then success", method: "PATCH",
			faults: []moneykittest.Fault{{Kind: moneykittest.FaultStatus, Status: 429, Header: withRetryAfter("1"), Body: rateLimitBody}}, want: outcome{ok: true}, attempts: 2, min: time.Second, max: 3 * time.Second},
		{name: "429 with Retry-After HTTP-date, then success", method: "DELETE",
			faultsAt: func() []moneykittest.Fault {
				return []moneykittest.Fault{{Kind: moneykittest.FaultStatus, Status: 429, Header: withRetryAfter(soon(2 * time.Second)), Body: rateLimitBody}}
			}, want: outcome{ok: true}, attempts: 2, min: time.Second, max: 4 * time.Second},
		{name: "429 with Retry-After over the maximum wait", method: "PATCH",
			faults: []moneykittest.Fault{{Kind: moneykittest.FaultStatus, Status: 429, Header: withRetryAfter("120"), Body: rateLimitBody}}, want: outcome{sentinel: wrapper.ErrRateLimited, status: 429}, attempts: 1, max: 500 * time.Millisecond},
		{name: "503 then success", method: "DELETE",
			faults: []moneykittest.Fault{{Kind: moneykittest.FaultStatus, Status: 503, Header: jsonHeader(), Body: []byte(`{"error_code":"api_error.unavailable","error_message":"Try again."}`)}}, want: outcome{ok: true}, attempts: 2, max: time.Second},
		{name: "x-should-retry: false on a 503", method: "PATCH",
			faults: []moneykittest.Fault{{Kind: moneykittest.FaultStatus, Status: 503, Header: http.Header{"X-Should-Retry": {"false"}}}}, want: outcome{status: 503}, attempts: 1, max: time.Second},
		{name: "x-should-retry: true on a 400", method: "PATCH",
			faults: []moneykittest.Fault{{Kind: moneykittest.FaultStatus, Status: 400, Header: http.Header{"X-Should-Retry": {"true"}}}}, want: outcome{ok: true}, attempts: 2, max: time.Second},
		{name: "slow headers past the attempt timeout", method: "PATCH",
			faults: []moneykittest.Fault{{Kind: moneykittest.FaultDelay, Latency: 2 * time.Second}}, opts: []wrapper.Option{wrapper.WithAttemptTimeout(200 * time.Millisecond)},
			want: outcome{ok: true}, attempts: 2, min: 200 * time.Millisecond, max: 1500 * time.Millisecond},
		{name: "a server that never answers", method: "DELETE",
			faults: []moneykittest.Fault{{Kind: moneykittest.FaultDelay, Latency: time.Hour, Times: -1}}, opts: []wrapper.Option{wrapper.WithAttemptTimeout(100 * time.Millisecond)},
			want: outcome{sentinel: context.DeadlineExceeded}, attempts: 3, min: 300 * time.Millisecond, max: 2 * time.Second},
		{name: "a redirect to another host", method: "DELETE",
			faults: []moneykittest.Fault{{Kind: moneykittest.FaultStatus, Status: 307, Header: http.Header{"Location": {other.URL + "/links/x"}}}}, want: outcome{status: 307}, attempts: 1, max: time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
			srv, err := moneykittest.NewServer()
			if err != nil {
				t.Fatal(err)
			}
			defer srv.Close()
			tr := &http.Transport{}
			defer tr.CloseIdleConnections()
			opts := append([]wrapper.Option{wrapper.WithBaseURL(srv.URL), wrapper.WithHTTPClient(&http.Client{Transport: tr}),
				wrapper.WithRetryBackoff(10*time.Millisecond, 50*time.Millisecond)}, tc.opts...)
			c, err := wrapper.New(srv.Token(), opts...)
			if err != nil {
				t.Fatal(err)
			}
			if tc.faultsAt != nil {
				tc.faults = tc.faultsAt()
			}
			for _, f := range tc.faults {
				srv.InjectFault(f)
			}
			start := time.Now()
			err = call(c, tc.method, moneykittest.SeedLinkID)
			took := time.Since(start)
			srv.ClearFaults()

			switch {
			case tc.want.ok && err != nil:
				t.Errorf("err = %v, want success", err)
			case !tc.want.ok && err == nil:
				t.Errorf("succeeded, want an error")
			case !tc.want.ok:
				if tc.want.sentinel != nil && !errors.Is(err, tc.want.sentinel) {
					t.Errorf("err = %v, want errors.Is %v", err, tc.want.sentinel)
				}
				var e *wrapper.Error
				isErr := errors.As(err, &e)
				if isErr != (tc.want.status != 0) || (isErr && e.StatusCode != tc.want.status) {
					t.Errorf("err = %v (%T), want *Error with status %d", err, err, tc.want.status)
				}
				if isErr && e.Attempts != tc.attempts {
					t.Errorf("Error.Attempts = %d, want %d", e.Attempts, tc.attempts)
				}
			}
			if got := len(srv.Requests()); got != tc.attempts {
				t.Errorf("server saw %d attempts, want %d", got, tc.attempts)
			}
			if took < tc.min || took > tc.max {
				t.Errorf("took %v, want within [%v, %v]", took, tc.min, tc.max)
			}
		})
	}
}

var rateLimitBody = []byte(`{"error_code":"api_error.rate_limit_exceeded","error_message":"Rate limit exceeded"}`)

func jsonHeader() http.Header { return http.Header{"Content-Type": {"application/json"}} }

func withRetryAfter(v string) http.Header {
	h := jsonHeader()
	h.Set("Retry-After", v)
	return h
}

// A wait is cut short by the context; a first-attempt 410 stays an error.
func TestRetryEdges(t *testing.T) {
	srv, err := moneykittest.NewServer()
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	c, err := wrapper.New(srv.Token(), wrapper.WithBaseURL(srv.URL))
	if err != nil {
		t.Fatal(err)
	}

	srv.InjectFault(moneykittest.Fault{Kind: moneykittest.FaultStatus, Status: 429, Header: withRetryAfter("30"), Body: rateLimitBody})
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	start := time.Now()
	err = c.DeleteLink(ctx, moneykittest.SeedLinkID)
	if !errors.Is(err, context.Canceled) || time.Since(start) > time.Second {
		t.Errorf("cancelled wait: %v after %v", err, time.Since(start))
	}

	// Past the context's deadline: answer at once with the rate-limit error.
	srv.InjectFault(moneykittest.Fault{Kind: moneykittest.FaultStatus, Status: 429, Header: withRetryAfter("5"), Body: rateLimitBody})
	ctx, cancel2 := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel2()
	start = time.Now()
	err = c.DeleteLink(ctx, moneykittest.SeedLinkID)
	var e *wrapper.Error
	if !errors.As(err, &e) || !errors.Is(err, wrapper.ErrRateLimited) || e.RetryAfter != 5*time.Second || time.Since(start) > 500*time.Millisecond {
		t.Errorf("wait past deadline: %v after %v", err, time.Since(start))
	}

	if err := c.DeleteLink(context.Background(), moneykittest.DeletedLinkID); !errors.Is(err, wrapper.ErrLinkDeleted) {
		t.Errorf("first-attempt 410 = %v, want ErrLinkDeleted", err)
	}

	// Per-call retries override the client's.
	srv.ResetRequests()
	srv.InjectFault(moneykittest.Fault{Kind: moneykittest.FaultHTML502, Times: -1})
	err = c.DeleteLink(context.Background(), moneykittest.SeedLinkID, wrapper.WithMaxRetries(4), wrapper.WithRetryBackoff(time.Millisecond, time.Millisecond))
	srv.ClearFaults()
	if !errors.As(err, &e) || e.Attempts != 5 || len(srv.Requests()) != 5 {
		t.Errorf("WithMaxRetries(4) per call: %v, %d requests", err, len(srv.Requests()))
	}
}
