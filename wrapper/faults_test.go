package wrapper_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/halyard-labs/moneykit-go/moneykittest"
	"github.com/halyard-labs/moneykit-go/wrapper"
)

// outcome names what a fault case must end in.
type outcome struct {
	ok       bool  // success
	sentinel error // else: errors.Is target (nil: any error)
	status   int   // else: *Error status (0: not an *Error)
	// retryAfter, if set: the *Error's RetryAfter.
	retryAfter time.Duration
	// linkOnly: the outcome of an operation that returns a link; one that does not needs
	// only a JSON object, and succeeds.
	linkOnly bool
}

// forOp is the outcome for op.
func (o outcome) forOp(op linkOp) outcome {
	if o.linkOnly && !op.link {
		return outcome{ok: true}
	}
	o.linkOnly = false
	return o
}

// faultCase is one fault of the suite and what every operation must end in: the outcome,
// the attempts the server saw, and bounds on the call's time, its waits between attempts
// included.
type faultCase struct {
	name     string // the README's "fault injected"
	faults   []moneykittest.Fault
	faultsAt func(redirectTo string) []moneykittest.Fault // faults made when the case runs
	opts     []wrapper.Option
	want     outcome
	attempts int
	min, max time.Duration
	note     string // said after the outcome in the README
}

var malformed200 = outcome{sentinel: wrapper.ErrMalformedResponse, status: 200}

// faultCases is the fault suite. The README's fault table is made from it
// (TestFaultTableInREADME).
func faultCases() []faultCase {
	json200 := http.Header{"Content-Type": {"application/json"}}
	return []faultCase{
		{name: "connection reset before the answer, once",
			faults: []moneykittest.Fault{{Kind: moneykittest.FaultDrop}}, want: outcome{ok: true}, attempts: 2, max: time.Second},
		{name: "connection reset during the body, once (after the server acted)",
			faults: []moneykittest.Fault{{Kind: moneykittest.FaultDropMidBody}}, want: outcome{ok: true}, attempts: 2, max: time.Second,
			note: "a DELETE's retry answers 410: the lost attempt deleted the link"},
		{name: "connection reset every time",
			faults: []moneykittest.Fault{{Kind: moneykittest.FaultDrop, Times: -1}}, want: outcome{}, attempts: 3, max: time.Second},
		{name: "truncated JSON (200)",
			faults: []moneykittest.Fault{{Kind: moneykittest.FaultTruncate}}, want: malformed200, attempts: 1, max: time.Second},
		{name: "non-JSON 200",
			faults: []moneykittest.Fault{{Kind: moneykittest.FaultNonJSON}}, want: malformed200, attempts: 1, max: time.Second},
		{name: "empty 200",
			faults: []moneykittest.Fault{{Kind: moneykittest.FaultStatus, Status: 200, Header: json200}}, want: malformed200, attempts: 1, max: time.Second},
		{name: "200 whose body breaks the schema",
			faults: []moneykittest.Fault{{Kind: moneykittest.FaultStatus, Status: 200, Header: json200, Body: []byte(`{"link_id":["x"],"state":7}`)}},
			want:   outcome{sentinel: wrapper.ErrMalformedResponse, status: 200, linkOnly: true}, attempts: 1, max: time.Second},
		{name: "HTML 502 from a proxy, once",
			faults: []moneykittest.Fault{{Kind: moneykittest.FaultHTML502}}, want: outcome{ok: true}, attempts: 2, max: time.Second},
		{name: "HTML 502 every time",
			faults: []moneykittest.Fault{{Kind: moneykittest.FaultHTML502, Times: -1}}, want: outcome{status: 502}, attempts: 3, max: time.Second,
			note: "with a body excerpt"},
		{name: "429 storm, no Retry-After",
			faults: []moneykittest.Fault{{Kind: moneykittest.FaultStatus, Status: 429, Times: -1, Header: jsonHeader(), Body: rateLimitBody}},
			want:   outcome{sentinel: wrapper.ErrRateLimited, status: 429}, attempts: 3, max: time.Second, note: "after backoff"},
		{name: "429 with `Retry-After: 1`, then OK",
			faults: []moneykittest.Fault{{Kind: moneykittest.FaultStatus, Status: 429, Header: withRetryAfter("1"), Body: rateLimitBody}},
			want:   outcome{ok: true}, attempts: 2, min: time.Second, max: 3 * time.Second},
		{name: "429 with an HTTP-date 2 s ahead, then OK",
			faultsAt: func(string) []moneykittest.Fault {
				soon := time.Now().Add(2 * time.Second).UTC().Format(http.TimeFormat)
				return []moneykittest.Fault{{Kind: moneykittest.FaultStatus, Status: 429, Header: withRetryAfter(soon), Body: rateLimitBody}}
			}, want: outcome{ok: true}, attempts: 2, min: time.Second, max: 4 * time.Second},
		{name: "429 with `Retry-After: 120` (over the 60 s maximum)",
			faults: []moneykittest.Fault{{Kind: moneykittest.FaultStatus, Status: 429, Header: withRetryAfter("120"), Body: rateLimitBody}},
			want:   outcome{sentinel: wrapper.ErrRateLimited, status: 429, retryAfter: 2 * time.Minute}, attempts: 1, max: 500 * time.Millisecond, note: "at once"},
		{name: "503 then OK",
			faults: []moneykittest.Fault{{Kind: moneykittest.FaultStatus, Status: 503, Header: jsonHeader(), Body: []byte(`{"error_code":"api_error.unavailable","error_message":"Try again."}`)}},
			want:   outcome{ok: true}, attempts: 2, max: time.Second},
		{name: "503 with `x-should-retry: false`",
			faults: []moneykittest.Fault{{Kind: moneykittest.FaultStatus, Status: 503, Header: http.Header{"X-Should-Retry": {"false"}}}},
			want:   outcome{status: 503}, attempts: 1, max: time.Second, note: "no retry"},
		{name: "400 with `x-should-retry: true`, then OK",
			faults: []moneykittest.Fault{{Kind: moneykittest.FaultStatus, Status: 400, Header: http.Header{"X-Should-Retry": {"true"}}}},
			want:   outcome{ok: true}, attempts: 2, max: time.Second},
		{name: "headers slower than the attempt timeout (200 ms), once",
			faults: []moneykittest.Fault{{Kind: moneykittest.FaultDelay, Latency: 2 * time.Second}}, opts: []wrapper.Option{wrapper.WithAttemptTimeout(200 * time.Millisecond)},
			want: outcome{ok: true}, attempts: 2, min: 200 * time.Millisecond, max: 1500 * time.Millisecond},
		{name: "a server that never answers (attempt timeout 100 ms)",
			faults: []moneykittest.Fault{{Kind: moneykittest.FaultDelay, Latency: time.Hour, Times: -1}}, opts: []wrapper.Option{wrapper.WithAttemptTimeout(100 * time.Millisecond)},
			want: outcome{sentinel: context.DeadlineExceeded}, attempts: 3, min: 300 * time.Millisecond, max: 2 * time.Second},
		{name: "redirect to another host",
			faultsAt: func(to string) []moneykittest.Fault {
				return []moneykittest.Fault{{Kind: moneykittest.FaultStatus, Status: 307, Header: http.Header{"Location": {to + "/links/x"}}}}
			}, want: outcome{status: 307}, attempts: 1, max: time.Second, note: "not followed, no credentials sent"},
	}
}

// The fault suite: each case, for every operation, against the fake's fault injection,
// asserts the outcome, the attempts the server saw, a time bound on the bubble's clock
// (waits between attempts included), and that no goroutine is left behind (synctest.Test
// fails on one).
func TestFaultSuite(t *testing.T) {
	for _, tc := range faultCases() {
		for _, op := range linkOps {
			t.Run(tc.name+"/"+op.method, func(t *testing.T) {
				synctest.Test(t, func(t *testing.T) {
					srv := newPipeFake(t)
					other := srv.net.serve(t, "127.0.0.1:2", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
						if r.Header.Get("Authorization") != "" || r.Header.Get("X-Client-Secret") != "" {
							t.Errorf("credentials reached the redirect target")
						}
						w.WriteHeader(204)
					}))
					c := srv.client(t, append([]wrapper.Option{wrapper.WithRetryBackoff(10*time.Millisecond, 50*time.Millisecond)}, tc.opts...)...)
					faults := tc.faults
					if tc.faultsAt != nil {
						faults = tc.faultsAt(other)
					}
					for _, f := range faults {
						srv.InjectFault(f)
					}
					start := time.Now()
					err := op.call(context.Background(), c, moneykittest.SeedLinkID)
					took := time.Since(start)
					srv.ClearFaults()

					want := tc.want.forOp(op)
					switch {
					case want.ok && err != nil:
						t.Errorf("err = %v, want success", err)
					case !want.ok && err == nil:
						t.Errorf("succeeded, want an error")
					case !want.ok:
						if want.sentinel != nil && !errors.Is(err, want.sentinel) {
							t.Errorf("err = %v, want errors.Is %v", err, want.sentinel)
						}
						var e *wrapper.Error
						isErr := errors.As(err, &e)
						if isErr != (want.status != 0) || (isErr && e.StatusCode != want.status) {
							t.Errorf("err = %v (%T), want *Error with status %d", err, err, want.status)
						}
						if isErr && e.Attempts != tc.attempts {
							t.Errorf("Error.Attempts = %d, want %d", e.Attempts, tc.attempts)
						}
						if isErr && want.retryAfter != 0 && e.RetryAfter != want.retryAfter {
							t.Errorf("Error.RetryAfter = %v, want %v", e.RetryAfter, want.retryAfter)
						}
						if n := fmt.Sprintf("after %d attempts", tc.attempts); !isErr && tc.attempts > 1 && !strings.Contains(err.Error(), n) {
							t.Errorf("err = %v, want it to say %q", err, n)
						}
					}
					if got := len(srv.Requests()); got != tc.attempts {
						t.Errorf("server saw %d attempts, want %d", got, tc.attempts)
					}
					if took < tc.min || took > tc.max {
						t.Errorf("took %v, want within [%v, %v]", took, tc.min, tc.max)
					}
				})
			})
		}
	}
}

var rateLimitBody = []byte(`{"error_code":"api_error.rate_limit_exceeded","error_message":"Rate limit exceeded"}`)

func jsonHeader() http.Header { return http.Header{"Content-Type": {"application/json"}} }

func withRetryAfter(v string) http.Header {
	h := jsonHeader()
	h.Set("Retry-After", v)
	return h
}

// A wait is cut short by the context; a first-attempt 410 stays an error; retries wait
// a backoff when the server gives no Retry-After.
func TestRetryEdges(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srv := newPipeFake(t)
		c := srv.client(t)

		srv.InjectFault(moneykittest.Fault{Kind: moneykittest.FaultStatus, Status: 429, Header: withRetryAfter("30"), Body: rateLimitBody})
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(100*time.Millisecond, cancel)
		start := time.Now()
		err := c.DeleteLink(ctx, moneykittest.SeedLinkID)
		if !errors.Is(err, context.Canceled) || time.Since(start) != 100*time.Millisecond {
			t.Errorf("cancelled wait: %v after %v", err, time.Since(start))
		}

		// Past the context's deadline: answer at once with the rate-limit error.
		srv.InjectFault(moneykittest.Fault{Kind: moneykittest.FaultStatus, Status: 429, Header: withRetryAfter("5"), Body: rateLimitBody})
		ctx, cancel2 := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel2()
		start = time.Now()
		err = c.DeleteLink(ctx, moneykittest.SeedLinkID)
		var e *wrapper.Error
		if !errors.As(err, &e) || !errors.Is(err, wrapper.ErrRateLimited) || e.RetryAfter != 5*time.Second || time.Since(start) != 0 {
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

		// Without Retry-After, retry n waits a random time ("full jitter") in
		// (0, min(base·2^n, max)]: base 10ms doubles to the max of 50ms, or is capped at once.
		for _, bo := range []struct{ base, max time.Duration }{{10 * time.Millisecond, 50 * time.Millisecond}, {4 * time.Millisecond, 5 * time.Millisecond}} {
			const retries = 5
			srv.ResetRequests()
			srv.InjectFault(moneykittest.Fault{Kind: moneykittest.FaultStatus, Status: 503, Times: -1})
			err = c.DeleteLink(context.Background(), moneykittest.SeedLinkID, wrapper.WithMaxRetries(retries), wrapper.WithRetryBackoff(bo.base, bo.max))
			srv.ClearFaults()
			reqs := srv.Requests()
			if !errors.As(err, &e) || e.StatusCode != 503 || len(reqs) != retries+1 {
				t.Fatalf("backoff %v, %v: %v, %d requests; want the 503 after %d", bo.base, bo.max, err, len(reqs), retries+1)
			}
			var sum, ceilings time.Duration
			jittered := false
			for n := range retries {
				gap, ceiling := reqs[n+1].Time.Sub(reqs[n].Time), min(bo.base<<n, bo.max)
				if gap <= 0 || gap > ceiling {
					t.Errorf("backoff %v, %v: retry %d waited %v, want within (0, %v]", bo.base, bo.max, n, gap, ceiling)
				}
				jittered = jittered || gap < ceiling
				sum, ceilings = sum+gap, ceilings+ceiling
			}
			if sum <= 0 || sum > ceilings || !jittered {
				t.Errorf("backoff %v, %v: waited %v in all, want within (0, %v] and not every wait its ceiling", bo.base, bo.max, sum, ceilings)
			}
		}
	})
}
