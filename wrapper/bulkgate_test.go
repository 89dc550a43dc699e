package wrapper_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"golang.org/x/time/rate"

	"github.com/halyard-labs/moneykit-go/moneykittest"
	"github.com/halyard-labs/moneykit-go/wrapper"
)

// bulkEnv is a fake on a pipeNet (for a synctest bubble) with n plain links
// mk_bulk_0000.. and a token client on it.
func bulkEnv(t *testing.T, n int, copts []wrapper.Option, sopts ...moneykittest.Option) (*pipeFake, *wrapper.Client, []string) {
	t.Helper()
	srv := newPipeFake(t, append([]moneykittest.Option{moneykittest.WithoutSeed()}, sopts...)...)
	return srv, srv.client(t, copts...), addLinks(t, srv.Fake, n)
}

// results collects a run's results in order.
type results struct {
	mu   sync.Mutex
	list []wrapper.BulkResult
}

func (r *results) add(res wrapper.BulkResult) {
	r.mu.Lock()
	r.list = append(r.list, res)
	r.mu.Unlock()
}

func (r *results) get() []wrapper.BulkResult {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]wrapper.BulkResult(nil), r.list...)
}

// A Retry-After of an hour pauses the run no longer than WithMaxRetryWait.
func TestBulkSharedPauseIsCapped(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srv, c, ids := bulkEnv(t, 10, nil)
		srv.InjectFault(moneykittest.Fault{Kind: moneykittest.FaultStatus, Status: 429, Header: withRetryAfter("3600"), Body: rateLimitBody})
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		const maxWait = 150 * time.Millisecond
		start := time.Now()
		sum, err := c.DeleteLinks(ctx, wrapper.IDsFromSlice(ids), wrapper.BulkOptions{Concurrency: 1, Rate: 1000,
			CallOptions: []wrapper.CallOption{wrapper.WithMaxRetryWait(maxWait)}})
		took := time.Since(start)
		// The id that got the 429 fails at once (an hour is over the longest wait it may
		// take); the others go on after the capped pause.
		if err != nil || sum.Done != 9 || sum.Failed != 1 || sum.RateLimited != 1 || took > 2*time.Second {
			t.Fatalf("summary %+v, err %v, took %v", sum, err, took)
		}
		reqs := srv.Requests()
		if gap := reqs[1].Time.Sub(reqs[0].Time); gap != maxWait {
			t.Errorf("next request %v after the 429, want the shared pause of %v", gap, maxWait)
		}
	})
}

// A 429 that comes while a worker waits for the rate or the Limiter pauses that worker
// too: it sends nothing until the pause is over, although it was granted a turn during it.
func TestBulkPauseStartedDuringRateWait(t *testing.T) {
	for _, tc := range []struct {
		name    string
		rate    float64
		limiter bool // a Limiter granting 10 per second
	}{
		{name: "the run's rate", rate: 10},
		{name: "the Limiter", rate: 1000, limiter: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				srv, c, ids := bulkEnv(t, 4, nil)
				// The first id's 429 comes at 50 ms, while the second waits for its turn at
				// 100 ms (10 per second); the Retry-After pauses the run until 1.05 s.
				srv.InjectFault(moneykittest.Fault{Kind: moneykittest.FaultStatus, Status: 429, Latency: 50 * time.Millisecond, Header: withRetryAfter("1"), Body: rateLimitBody})
				opts := wrapper.BulkOptions{Concurrency: 2, Rate: tc.rate, CallOptions: []wrapper.CallOption{wrapper.WithMaxRetries(0)}}
				if tc.limiter {
					lim := rate.NewLimiter(10, 1)
					opts.Limiter = limiterFunc(func(ctx context.Context, _ string) error { return lim.Wait(ctx) })
				}
				start := time.Now()
				sum, err := c.DeleteLinks(context.Background(), wrapper.IDsFromSlice(ids), opts)
				if err != nil || sum.Done != 3 || sum.Failed != 1 || sum.RateLimited != 1 {
					t.Fatalf("summary %+v, err %v; want 3 done, 1 failed (the 429)", sum, err)
				}
				const pauseEnd = 1050 * time.Millisecond
				first := time.Duration(math.MaxInt64)
				for _, r := range srv.Requests() {
					if r.Status == http.StatusTooManyRequests {
						continue
					}
					d := r.Time.Sub(start)
					if d < pauseEnd {
						t.Errorf("%s sent %v after the start, during the shared pause (until %v)", r.LinkID, d, pauseEnd)
					}
					first = min(first, d)
				}
				if first != pauseEnd {
					t.Errorf("first request after the 429 sent at %v, want %v: when the pause ends", first, pauseEnd)
				}
			})
		})
	}
}

// Every 429 counts and pauses the others, also when the call does not retry it.
func TestBulkCountsEvery429(t *testing.T) {
	const pause = 150 * time.Millisecond
	for _, tc := range []struct {
		name   string
		header http.Header
		times  int
		opts   []wrapper.CallOption
	}{
		{"retries off", withRetryAfter("1"), 1, []wrapper.CallOption{wrapper.WithMaxRetries(0)}},
		{"the last attempt", jsonHeader(), 2, []wrapper.CallOption{wrapper.WithMaxRetries(1)}}, // no Retry-After: retried at once
		{"x-should-retry: false", func() http.Header { h := withRetryAfter("1"); h.Set("X-Should-Retry", "false"); return h }(), 1, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				srv, c, ids := bulkEnv(t, 5, nil)
				srv.InjectFault(moneykittest.Fault{Kind: moneykittest.FaultStatus, Status: 429, Times: tc.times, Header: tc.header, Body: rateLimitBody})
				sum, err := c.DeleteLinks(context.Background(), wrapper.IDsFromSlice(ids), wrapper.BulkOptions{Concurrency: 1, Rate: 1000,
					CallOptions: append(tc.opts, wrapper.WithMaxRetryWait(pause))})
				if err != nil || sum.RateLimited != tc.times || sum.Failed != 1 || sum.Done != 4 {
					t.Fatalf("summary %+v, err %v; want %d rate limited, 1 failed", sum, err, tc.times)
				}
				reqs := srv.Requests()
				last := reqs[tc.times-1]
				if gap := reqs[tc.times].Time.Sub(last.Time); tc.header.Get("Retry-After") != "" && gap != pause {
					t.Errorf("the next id went %v after the 429, want the shared pause of %v", gap, pause)
				}
			})
		})
	}
}

// An attempt's timeout runs from when it is sent: a long wait for the rate does not eat it.
func TestBulkAttemptTimeoutStartsAtSend(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srv, c, ids := bulkEnv(t, 4, []wrapper.Option{wrapper.WithAttemptTimeout(300 * time.Millisecond), wrapper.WithMaxRetries(0)})
		srv.InjectFault(moneykittest.Fault{Kind: moneykittest.FaultDelay, Latency: 100 * time.Millisecond, Times: -1})
		// At 4 per second the last id waits 750 ms for its turn, then takes 100 ms.
		sum, err := c.UpdateLinks(context.Background(), wrapper.IDsFromSlice(ids), wrapper.UpdateParams{LinkTags: wrapper.SetLinkTags("a")},
			wrapper.BulkOptions{Concurrency: 4, Rate: 4})
		if err != nil || sum.Done != 4 {
			t.Fatalf("summary %+v, err %v: an attempt timed out while waiting for its turn", sum, err)
		}
	})
}

// An id never sent is not attempted, with the reason, never failed; nothing is sent for it.
func TestBulkNotSentIsNotAttempted(t *testing.T) {
	errStore := errors.New("store unreachable")
	for _, tc := range []struct {
		name   string
		opts   wrapper.BulkOptions
		ctx    func() (context.Context, context.CancelFunc)
		stopAt time.Duration // BulkOptions.Stop is closed then, if set
		fault  *moneykittest.Fault
		sent   int    // ids sent
		reason string // in each not-attempted Err
		errIs  error  // nil: the reason alone
		// took is how long the run takes: a wait that would outlast a deadline fails at once.
		took time.Duration
	}{
		{name: "the run's deadline comes before the rate's next turn", opts: wrapper.BulkOptions{Concurrency: 4, Rate: 2},
			ctx: func() (context.Context, context.CancelFunc) {
				return context.WithTimeout(context.Background(), 300*time.Millisecond)
			},
			sent: 1, reason: "could not grant a request before the deadline", errIs: context.DeadlineExceeded},
		{name: "CallTimeout comes before the rate's next turn", opts: wrapper.BulkOptions{Concurrency: 4, Rate: 2, CallTimeout: 200 * time.Millisecond},
			sent: 1, reason: "could not grant a request before the deadline", errIs: context.DeadlineExceeded},
		{name: "CallTimeout comes before the shared pause ends", opts: wrapper.BulkOptions{Concurrency: 1, Rate: 1000, CallTimeout: 500 * time.Millisecond,
			CallOptions: []wrapper.CallOption{wrapper.WithMaxRetries(0)}},
			fault: &moneykittest.Fault{Kind: moneykittest.FaultStatus, Status: 429, Header: withRetryAfter("2"), Body: rateLimitBody},
			sent:  1, reason: "could not grant a request before the deadline", errIs: context.DeadlineExceeded},
		{name: "the run is cancelled during the shared pause", opts: wrapper.BulkOptions{Concurrency: 1, Rate: 1000,
			CallOptions: []wrapper.CallOption{wrapper.WithMaxRetries(0)}},
			ctx: func() (context.Context, context.CancelFunc) {
				ctx, cancel := context.WithCancel(context.Background())
				time.AfterFunc(300*time.Millisecond, cancel)
				return ctx, cancel
			},
			fault: &moneykittest.Fault{Kind: moneykittest.FaultStatus, Status: 429, Header: withRetryAfter("2"), Body: rateLimitBody},
			sent:  1, reason: "run's context ended", errIs: context.Canceled, took: 300 * time.Millisecond},
		{name: "the run is stopped during the shared pause", opts: wrapper.BulkOptions{Concurrency: 1, Rate: 1000,
			CallOptions: []wrapper.CallOption{wrapper.WithMaxRetries(0)}},
			stopAt: 300 * time.Millisecond,
			fault:  &moneykittest.Fault{Kind: moneykittest.FaultStatus, Status: 429, Header: withRetryAfter("2"), Body: rateLimitBody},
			sent:   1, reason: "BulkOptions.Stop was closed", took: 300 * time.Millisecond},
		{name: "the Limiter fails", opts: wrapper.BulkOptions{Concurrency: 2, Rate: 1000, Limiter: failAfter(2, errStore)},
			sent: 2, reason: "Limiter could not grant a request", errIs: errStore, took: 7 * time.Millisecond}, // the 8 ids' turns at 1000/s
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				srv, c, ids := bulkEnv(t, 8, nil)
				if tc.fault != nil {
					srv.InjectFault(*tc.fault)
				}
				ctx, cancel := context.WithCancel(context.Background())
				if tc.ctx != nil {
					ctx, cancel = tc.ctx()
				}
				defer cancel()
				if tc.stopAt > 0 {
					stop := make(chan struct{})
					time.AfterFunc(tc.stopAt, func() { close(stop) })
					tc.opts.Stop = stop
				}
				var res results
				tc.opts.OnResult = res.add
				start := time.Now()
				sum, err := c.DeleteLinks(ctx, wrapper.IDsFromSlice(ids), tc.opts)
				if err != nil {
					t.Fatal(err)
				}
				if took := time.Since(start); took != tc.took {
					t.Errorf("took %v, want %v", took, tc.took)
				}
				received := map[string]bool{}
				for _, r := range srv.Requests() {
					received[r.LinkID] = true
				}
				if len(received) != tc.sent {
					t.Errorf("%d ids sent, want %d", len(received), tc.sent)
				}
				// A run whose context ended or that was stopped stops reading ids: those it
				// read are reported.
				ended := ctx.Err() != nil || tc.stopAt > 0
				if sum.Failed+sum.Cancelled+sum.Done != tc.sent || sum.NotAttempted == 0 || (!ended && sum.NotAttempted != len(ids)-tc.sent) {
					t.Errorf("summary %+v, want %d sent, the others not attempted", sum, tc.sent)
				}
				for _, r := range res.get() {
					if r.Status != wrapper.BulkNotAttempted {
						continue
					}
					if received[r.LinkID] {
						t.Errorf("%s: not attempted, but it was sent", r.LinkID)
					}
					if r.Err == nil || !strings.Contains(r.Err.Error(), tc.reason) || (tc.errIs != nil && !errors.Is(r.Err, tc.errIs)) {
						t.Errorf("%s: Err = %v, want it to say %q and match %v", r.LinkID, r.Err, tc.reason, tc.errIs)
					}
				}
			})
		})
	}
}

// failAfter is a Limiter that grants n requests, then fails with err.
func failAfter(n int32, err error) wrapper.Limiter {
	var granted atomic.Int32
	return limiterFunc(func(ctx context.Context, key string) error {
		if granted.Add(1) > n {
			return err
		}
		return nil
	})
}

type limiterFunc func(ctx context.Context, key string) error

func (f limiterFunc) Wait(ctx context.Context, key string) error { return f(ctx, key) }

// CallTimeout bounds each id's call; one that ran out after it was sent failed.
func TestBulkCallTimeout(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srv, c, ids := bulkEnv(t, 6, nil)
		srv.InjectFault(moneykittest.Fault{Kind: moneykittest.FaultDelay, Latency: time.Second, Times: 2})
		var res results
		start := time.Now()
		sum, err := c.UpdateLinks(context.Background(), wrapper.IDsFromSlice(ids), wrapper.UpdateParams{LinkTags: wrapper.SetLinkTags("a")},
			wrapper.BulkOptions{Concurrency: 1, Rate: 1000, CallTimeout: 150 * time.Millisecond, OnResult: res.add})
		// The two slow calls end at their CallTimeout; the last three ids wait for their
		// turns at 1000/s.
		if want := 2*150*time.Millisecond + 3*time.Millisecond; err != nil || sum.Failed != 2 || sum.Done != 4 || time.Since(start) != want {
			t.Fatalf("summary %+v, err %v, took %v; want %v", sum, err, time.Since(start), want)
		}
		for _, r := range res.get() {
			if r.Status == wrapper.BulkFailed && !errors.Is(r.Err, context.DeadlineExceeded) {
				t.Errorf("%s: Err = %v, want context.DeadlineExceeded", r.LinkID, r.Err)
			}
		}
	})
}

// A token that expires stops the run when the client cannot get another; with client
// credentials the run renews it and goes on.
func TestBulkStopsWhenTheTokenCannotBeRenewed(t *testing.T) {
	for _, tc := range []struct {
		name  string
		creds func(*moneykittest.Fake, ...wrapper.Option) (*wrapper.Client, error)
		fault *moneykittest.Fault // instead of expiring the tokens
		stops error
	}{
		{"a fixed token expires", func(s *moneykittest.Fake, o ...wrapper.Option) (*wrapper.Client, error) {
			return wrapper.New(s.Token(), o...)
		}, nil, wrapper.ErrAccessTokenExpired},
		{"a fixed token is refused", func(s *moneykittest.Fake, o ...wrapper.Option) (*wrapper.Client, error) {
			return wrapper.New(s.Token(), o...)
		},
			&moneykittest.Fault{Kind: moneykittest.FaultStatus, Status: 401, Times: -1, Header: jsonHeader(),
				Body: []byte(`{"error_code":"api_error.auth.unauthorized","error_message":"Invalid or missing credentials."}`)}, wrapper.ErrUnauthorized},
		{"client credentials renew it", func(s *moneykittest.Fake, o ...wrapper.Option) (*wrapper.Client, error) {
			return wrapper.NewClientCredentials(s.ClientID(), s.ClientSecret(), o...)
		}, nil, nil},
	} {
		for _, concurrency := range []int{1, 4} {
			t.Run(fmt.Sprintf("%s, %d workers", tc.name, concurrency), func(t *testing.T) {
				synctest.Test(t, func(t *testing.T) {
					srv, _, ids := bulkEnv(t, 40, nil)
					c, err := tc.creds(srv.Fake, wrapper.WithBaseURL(srv.URL), wrapper.WithHTTPClient(srv.HTTP))
					if err != nil {
						t.Fatal(err)
					}
					var res results
					var read atomic.Int32
					src := countIDs{wrapper.IDsFromSlice(ids), &read}
					sum, err := c.DeleteLinks(context.Background(), src, wrapper.BulkOptions{Concurrency: concurrency, Rate: 1000, OnResult: func(r wrapper.BulkResult) {
						if res.add(r); len(res.get()) == 10 {
							if tc.fault != nil {
								srv.InjectFault(*tc.fault)
							} else {
								srv.ExpireTokens()
							}
						}
					}})
					if tc.stops == nil {
						if err != nil || sum.Done != len(ids) {
							t.Fatalf("summary %+v, err %v; want all done", sum, err)
						}
						return
					}
					if !errors.Is(err, tc.stops) {
						t.Fatalf("err = %v, want errors.Is %v", err, tc.stops)
					}
					if errors.Is(tc.stops, wrapper.ErrAccessTokenExpired) && !strings.Contains(err.Error(), "the access token expired; use client credentials (NewClientCredentials) for runs that outlast a token") {
						t.Errorf("err = %v, want it to say how to avoid this", err)
					}
					sent := map[string]int{}
					for _, r := range srv.Requests() {
						sent[r.LinkID]++
					}
					got := res.get()
					if sum.Done+sum.Failed+sum.NotAttempted != len(got) || sum.Failed == 0 || sum.Failed > concurrency || sum.Cancelled != 0 {
						t.Errorf("summary %+v for %d results; want 1 to %d failed", sum, len(got), concurrency)
					}
					for _, r := range got {
						if (r.Status == wrapper.BulkNotAttempted) == (sent[r.LinkID] > 0) {
							t.Errorf("%s: %v, sent %d times", r.LinkID, r.Status, sent[r.LinkID])
						}
						if r.Status == wrapper.BulkNotAttempted && !errors.Is(r.Err, tc.stops) {
							t.Errorf("%s: Err = %v, want the reason the run stopped", r.LinkID, r.Err)
						}
					}
					// The run stops reading: at most the ids in hand were read past the stop.
					if n := int(read.Load()); n > len(got)+1 || len(got) > 10+2*concurrency {
						t.Errorf("read %d ids, reported %d: the run went on after the stop", n, len(got))
					}
				})
			})
		}
	}
}

// Closing BulkOptions.Stop ends a run gracefully: no id is read or sent after it, the ids
// waiting for the rate limit are not attempted, and a request sent before it finishes,
// its retry included (sent after the stop).
func TestBulkStopIsGraceful(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srv, c, ids := bulkEnv(t, 40, nil)
		// The first request answers 503 late, so that it is in flight at the stop and retried
		// after it.
		srv.InjectFault(moneykittest.Fault{Kind: moneykittest.FaultStatus, Status: 503, Latency: 400 * time.Millisecond})
		stop := make(chan struct{})
		var stopAt time.Time
		var res results
		var read atomic.Int32
		sum, err := c.DeleteLinks(context.Background(), countIDs{wrapper.IDsFromSlice(ids), &read}, wrapper.BulkOptions{
			Concurrency: 4, Rate: 10, Stop: stop,
			OnResult: func(r wrapper.BulkResult) {
				if res.add(r); len(res.get()) == 1 {
					stopAt = time.Now()
					close(stop)
				}
			}})
		got := res.get()
		if err != nil || sum.Done < 2 || sum.NotAttempted < 1 || sum.Failed+sum.Cancelled != 0 || int(read.Load()) != len(got) || len(got) > 2+4+1 {
			t.Fatalf("summary %+v for %d results, %d ids read, err %v; want done and not attempted only, no id read after the stop", sum, len(got), read.Load(), err)
		}
		sent := map[string]int{}
		faulted, retried := "", ""
		for _, r := range srv.Requests() {
			if r.Time.After(stopAt) && sent[r.LinkID] == 0 {
				t.Errorf("%s first sent %v after the stop", r.LinkID, r.Time.Sub(stopAt))
			}
			if r.Time.After(stopAt) {
				retried = r.LinkID
			}
			if r.Status == 503 {
				faulted = r.LinkID
			}
			sent[r.LinkID]++
		}
		if faulted == "" {
			t.Error("no request got the 503")
		}
		for _, r := range got {
			if (r.Status == wrapper.BulkNotAttempted) == (sent[r.LinkID] > 0) {
				t.Errorf("%s: %v, sent %d times", r.LinkID, r.Status, sent[r.LinkID])
			}
			if r.Status == wrapper.BulkNotAttempted && !strings.Contains(fmt.Sprint(r.Err), "BulkOptions.Stop") {
				t.Errorf("%s: Err = %v, want the reason: the run was stopped", r.LinkID, r.Err)
			}
			if r.LinkID == faulted && (r.Status != wrapper.BulkDone || retried != faulted) {
				t.Errorf("%s (503 after the stop): %v, retried after the stop: %q; want its retry sent, and done", r.LinkID, r.Status, retried)
			}
		}
	})
}

// countIDs counts the ids read from src.
type countIDs struct {
	src wrapper.IDSource
	n   *atomic.Int32
}

func (c countIDs) Next(ctx context.Context) (string, bool, error) {
	id, ok, err := c.src.Next(ctx)
	if ok {
		c.n.Add(1)
	}
	return id, ok, err
}

// The summary always counts the per-id results, whatever happens: random answers (429,
// 500, slow, not found), duplicates, skips, timeouts, cancellation. And the status is
// true: an id not attempted was never sent; one done or failed was.
func TestBulkSummaryMatchesResults(t *testing.T) {
	for seed := range uint64(16) {
		rng := rand.New(rand.NewPCG(seed, 42))
		t.Run(fmt.Sprint("seed=", seed), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				n := 10 + rng.IntN(30)
				srv, c, ids := bulkEnv(t, n, nil)
				input := append([]string{}, ids...)
				for range rng.IntN(5) {
					input = append(input, ids[rng.IntN(n)], "mk_missing_"+string(rune('a'+rng.IntN(26))))
				}
				rng.Shuffle(len(input), func(i, j int) { input[i], input[j] = input[j], input[i] })
				for _, f := range []moneykittest.Fault{
					{Kind: moneykittest.FaultStatus, Status: 429, Header: withRetryAfter("1"), Body: rateLimitBody},
					{Kind: moneykittest.FaultStatus, Status: 500},
					{Kind: moneykittest.FaultDelay, Latency: time.Duration(rng.IntN(100)) * time.Millisecond},
				} {
					if rng.IntN(2) == 0 {
						f.Times, f.Probability = -1, 0.05+0.25*rng.Float64()
						srv.InjectFault(f)
					}
				}
				skip := map[string]bool{}
				for range rng.IntN(4) {
					skip[ids[rng.IntN(n)]] = true
				}
				opts := wrapper.BulkOptions{Concurrency: 1 + rng.IntN(8), Rate: 20 + 500*rng.Float64(), Burst: 1 + rng.IntN(4),
					Skip: func(id string) bool { return skip[id] },
					CallOptions: []wrapper.CallOption{wrapper.WithMaxRetryWait(20 * time.Millisecond), wrapper.WithMaxRetries(rng.IntN(3)),
						wrapper.WithAttemptTimeout(time.Duration(20+rng.IntN(100)) * time.Millisecond)}}
				if rng.IntN(2) == 0 {
					opts.CallTimeout = time.Duration(20+rng.IntN(200)) * time.Millisecond
				}
				ctx, cancel := context.WithTimeout(context.Background(), time.Duration(50+rng.IntN(300))*time.Millisecond)
				defer cancel()
				if rng.IntN(2) == 0 {
					time.AfterFunc(time.Duration(rng.IntN(300))*time.Millisecond, cancel)
				}
				var res results
				opts.OnResult = res.add
				var sum wrapper.BulkSummary
				var err error
				if rng.IntN(2) == 0 {
					sum, err = c.DeleteLinks(ctx, wrapper.IDsFromSlice(input), opts)
				} else {
					sum, err = c.UpdateLinks(ctx, wrapper.IDsFromSlice(input), wrapper.UpdateParams{LinkTags: wrapper.SetLinkTags("x")}, opts)
				}
				if err != nil {
					t.Fatal(err)
				}
				got := res.get()
				count := map[wrapper.BulkStatus]int{}
				for _, r := range got {
					count[r.Status]++
				}
				want := wrapper.BulkSummary{Done: count[wrapper.BulkDone], Failed: count[wrapper.BulkFailed], Duplicate: count[wrapper.BulkDuplicate],
					Skipped: count[wrapper.BulkSkipped], NotAttempted: count[wrapper.BulkNotAttempted], Cancelled: count[wrapper.BulkCancelled]}
				sum.RateLimited, sum.Elapsed = 0, 0
				if sum != want || len(got) > len(input) || (ctx.Err() == nil && len(got) != len(input)) {
					t.Errorf("summary %+v, results %+v, %d ids in", sum, want, len(input))
				}
				sent := map[string]bool{}
				for _, r := range srv.Requests() {
					sent[r.LinkID] = true
				}
				for _, r := range got {
					switch r.Status {
					case wrapper.BulkNotAttempted:
						if sent[r.LinkID] || r.Err == nil {
							t.Errorf("%s: not attempted, but sent %v, Err %v", r.LinkID, sent[r.LinkID], r.Err)
						}
					case wrapper.BulkDone:
						if !sent[r.LinkID] {
							t.Errorf("%s: done, never sent", r.LinkID)
						}
					case wrapper.BulkFailed:
						// Sent, unless lost on the way when its time ran out.
						if !sent[r.LinkID] && !errors.Is(r.Err, context.DeadlineExceeded) {
							t.Errorf("%s: failed, never sent: %v", r.LinkID, r.Err)
						}
					}
				}
			})
		})
	}
}

// The run's rate comes down to what the server allows, and 429s stay few.
func TestBulkAdaptsToTheServersLimit(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const limit = 100
		srv, c, ids := bulkEnv(t, 400, nil, moneykittest.WithRateLimits(moneykittest.RateLimits{DeletePerApp: limit * 60, AppBurst: 10}))
		sum, err := c.DeleteLinks(context.Background(), wrapper.IDsFromSlice(ids), wrapper.BulkOptions{Concurrency: 8, Rate: 2 * limit})
		if err != nil || sum.Done != len(ids) {
			t.Fatalf("summary %+v, err %v", sum, err)
		}
		ideal := time.Duration(len(ids)-10) * time.Second / limit
		share := float64(sum.RateLimited) / float64(len(srv.Requests()))
		t.Logf("%v for %v ideal, %.1f%% answered 429", sum.Elapsed, ideal, 100*share)
		// Before the adaptive rate: ~4x the ideal, a quarter of the requests answered 429.
		if sum.Elapsed > 2*ideal || share > 0.05 {
			t.Errorf("took %v (ideal %v), %.1f%% answered 429", sum.Elapsed, ideal, 100*share)
		}
	})
}

// Options that make no sense are refused before anything is sent: none silently becomes
// a default.
func TestBulkRefusesBadOptions(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srv, c, ids := bulkEnv(t, 2, nil)
		for _, tc := range []struct {
			opts   wrapper.BulkOptions
			update bool // LinkRatePerMinute is UpdateLinks' only
		}{
			{opts: wrapper.BulkOptions{Rate: math.NaN()}},
			{opts: wrapper.BulkOptions{Rate: math.Inf(1)}},
			{opts: wrapper.BulkOptions{CallTimeout: -time.Second}},
			{opts: wrapper.BulkOptions{Concurrency: -1}},
			{opts: wrapper.BulkOptions{Rate: -5}},
			{opts: wrapper.BulkOptions{Burst: -3}},
			{opts: wrapper.BulkOptions{LinkRatePerMinute: -1}, update: true},
			{opts: wrapper.BulkOptions{LinkRatePerMinute: math.NaN()}, update: true},
			{opts: wrapper.BulkOptions{CallOptions: []wrapper.CallOption{wrapper.WithMaxRetries(-1)}}},
			{opts: wrapper.BulkOptions{CallOptions: []wrapper.CallOption{nil}}},
		} {
			var sum wrapper.BulkSummary
			var err error
			if tc.update {
				sum, err = c.UpdateLinks(context.Background(), wrapper.IDsFromSlice(ids), wrapper.UpdateParams{LinkTags: wrapper.SetLinkTags("a")}, tc.opts)
			} else {
				sum, err = c.DeleteLinks(context.Background(), wrapper.IDsFromSlice(ids), tc.opts)
			}
			if err == nil || sum != (wrapper.BulkSummary{}) {
				t.Errorf("%+v: summary %+v, err %v; want an error", tc.opts, sum, err)
			}
		}
		if n := len(srv.Requests()); n != 0 {
			t.Errorf("%d requests sent", n)
		}
	})
}
