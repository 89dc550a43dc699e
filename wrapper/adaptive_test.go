package wrapper

import (
	"math"
	"testing"
	"time"

	"golang.org/x/time/rate"
)

// The controller's rules, one step at a time, on a virtual clock.
func TestAdaptiveSteps(t *testing.T) {
	t0 := time.Unix(1_800_000_000, 0)
	at := func(d time.Duration) time.Time { return t0.Add(d) }
	const s = time.Second
	type step struct {
		ok      bool          // an answer other than 429 at `at`
		at      time.Duration // when the answer came
		sent    time.Duration // when its request was sent (429s)
		wait    time.Duration // its Retry-After (429s)
		pause   bool          // want: every worker waits the Retry-After
		rate    float64       // want: the rate after the step
		burst   int           // want: the burst after the step (0: do not check)
		changed bool          // want: the step changed rate or burst
	}
	for _, tc := range []struct {
		name  string
		rate  float64
		burst int
		steps []step
	}{
		{"a 429 with no safe rate halves it and pauses everyone", 200, 5, []step{
			{at: s / 10, sent: s / 10, wait: s, pause: true, rate: 100, burst: 1, changed: true},
		}},
		{"a 429 for a request sent before the change says nothing", 200, 1, []step{
			{at: s / 10, sent: s / 10, wait: s, pause: true, rate: 100, changed: true},
			{at: s/10 + 1, sent: s/10 - 1, wait: s, pause: false, rate: 100},
			{at: s/10 + 2, sent: s/10 - 1, wait: 5 * s, pause: true, rate: 100}, // but a long Retry-After is a stop
		}},
		{"a rate that held steps halfway up to the one that drew a 429", 200, 1, []step{
			{at: 0, sent: 0, wait: s, pause: true, rate: 100, changed: true},
			{ok: true, at: s / 2, rate: 100},
			{ok: true, at: s, rate: 150, changed: true},
		}},
		{"a failed step goes back under the safe rate with no shared pause", 200, 1, []step{
			{at: 0, sent: 0, wait: s, pause: true, rate: 100, changed: true},
			{ok: true, at: s, rate: 150, changed: true},
			{at: 3 * s / 2, sent: 3 * s / 2, wait: s, pause: false, rate: 98, changed: true},
			{ok: true, at: 5 * s / 2, rate: 125, changed: true}, // hi is now 150: halfway from 100
		}},
		{"a failed step with a long Retry-After still pauses everyone", 200, 1, []step{
			{at: 0, sent: 0, wait: s, pause: true, rate: 100, changed: true},
			{ok: true, at: s, rate: 150, changed: true},
			{at: 2 * s, sent: 2 * s, wait: 30 * s, pause: true, rate: 98, changed: true},
		}},
		{"a 429 soon after a decrease halves again", 200, 1, []step{
			{at: 0, sent: 0, wait: s, pause: true, rate: 100, changed: true},
			{at: s / 2, sent: s / 2, wait: s, pause: true, rate: 50, changed: true},
		}},
		{"a safe rate that stops holding comes down a little", 200, 1, []step{
			{at: 0, sent: 0, wait: s, pause: true, rate: 100, changed: true},
			{ok: true, at: s, rate: 150, changed: true},
			{at: 2 * s, sent: 2 * s, wait: s, rate: 98, changed: true},
			{at: 4 * s, sent: 4 * s, wait: s, rate: 98 * 0.96, changed: true},
		}},
		{"429s soon after a decrease cut deeper, then halve with a pause", 200, 1, []step{
			{at: 0, sent: 0, wait: s, pause: true, rate: 100, changed: true},
			{ok: true, at: s, rate: 150, changed: true},
			{ok: true, at: 2 * s, rate: 175, changed: true},
			{at: 3 * s, sent: 3 * s, wait: s, rate: 150 * 0.98, changed: true}, // a failed step
			{at: 3*s + 1, sent: 3*s + 1, wait: s, rate: 150 * 0.98 * 0.92, changed: true},
			{at: 3*s + 2, sent: 3*s + 2, wait: s, rate: 150 * 0.98 * 0.92 * 0.84, changed: true},
			{at: 3*s + 3, sent: 3*s + 3, wait: s, rate: 150 * 0.98 * 0.92 * 0.84 * 0.68, changed: true},
			{at: 3*s + 4, sent: 3*s + 4, wait: s, pause: true, rate: 150 * 0.98 * 0.92 * 0.84 * 0.68 * 0.5, changed: true},
			{at: 3*s + 5, sent: 3*s + 5, wait: s, pause: true, rate: 150 * 0.98 * 0.92 * 0.84 * 0.68 * 0.25, changed: true},
		}},
		{"when 429s stop it climbs back to the configured rate and burst", 200, 10, []step{
			{at: 0, sent: 0, wait: s, pause: true, rate: 100, burst: 1, changed: true},
			{at: s / 2, sent: s / 2, wait: s, pause: true, rate: 50, burst: 1, changed: true},
			{ok: true, at: 3 * s / 2, rate: 75, changed: true},
			{ok: true, at: 5 * s / 2, rate: 87.5, changed: true},
			{ok: true, at: 7 * s / 2, rate: 93.75, changed: true},
			{ok: true, at: 9 * s / 2, rate: 96.875, changed: true},
			{ok: true, at: 11 * s / 2, rate: 96.875}, // closed under the 100 that drew the 429
			{ok: true, at: 30 * s, rate: 96.875 * 1.05, changed: true},
			{ok: true, at: 31 * s, rate: (96.875*1.05 + 96.875*1.1) / 2, changed: true},
			{ok: true, at: 32 * s, rate: 200, burst: 1, changed: true}, // closed under the trial ceiling: the limit rose
			{ok: true, at: 33 * s, rate: 200, burst: 10, changed: true},
			{ok: true, at: 34 * s, rate: 200, burst: 10},
		}},
		{"never below a hundredth of the configured rate", 100, 1, []step{
			{at: 0, sent: 0, wait: s, pause: true, rate: 50, changed: true},
			{at: s / 10, sent: s / 10, wait: s, pause: true, rate: 25, changed: true},
			{at: s / 5, sent: s / 5, wait: s, pause: true, rate: 12.5, changed: true},
			{at: 3 * s / 10, sent: 3 * s / 10, wait: s, pause: true, rate: 6.25, changed: true},
			{at: 2 * s / 5, sent: 2 * s / 5, wait: s, pause: true, rate: 3.125, changed: true},
			{at: s / 2, sent: s / 2, wait: s, pause: true, rate: 1.5625, changed: true},
			{at: 3 * s / 5, sent: 3 * s / 5, wait: s, pause: true, rate: 1, changed: true},
			{at: 7 * s / 10, sent: 7 * s / 10, wait: s, pause: true, rate: 1, changed: true},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := newAdaptive(tc.rate, tc.burst, t0)
			for i, st := range tc.steps {
				var pause, changed bool
				if st.ok {
					changed = a.answered(at(st.at))
				} else {
					pause, changed = a.limited(at(st.sent), at(st.at), st.wait)
				}
				if pause != st.pause || changed != st.changed || math.Abs(a.r-st.rate) > 1e-9 || (st.burst != 0 && a.b != st.burst) {
					t.Fatalf("step %d: pause %v changed %v rate %v burst %d; want pause %v changed %v rate %v burst %d",
						i, pause, changed, a.r, a.b, st.pause, st.changed, st.rate, st.burst)
				}
			}
		})
	}
}

// simulate runs the controller against a token-bucket server on a virtual clock: one
// request at a time, 1 ms each way, a 429 says Retry-After: 1 (a token bucket's wait,
// rounded up to whole seconds as the header requires). limit gives the server's rate
// over time. It returns when the accepted requests were sent, the number refused, and
// the shared pauses.
func simulate(clientRate float64, clientBurst int, limit func(time.Duration) float64, serverBurst int, dur time.Duration) (ok []time.Duration, refused, pauses int) {
	t0 := time.Unix(1_800_000_000, 0)
	server := rate.NewLimiter(rate.Limit(limit(0)), serverBurst)
	client := rate.NewLimiter(rate.Limit(clientRate), clientBurst)
	a := newAdaptive(clientRate, clientBurst, t0)
	now, until := t0, t0
	for now.Sub(t0) < dur {
		if now.Before(until) {
			now = until
		}
		now = now.Add(client.ReserveN(now, 1).DelayFrom(now))
		sent := now
		server.SetLimitAt(sent, rate.Limit(limit(sent.Sub(t0))))
		allowed := server.AllowN(sent.Add(time.Millisecond), 1)
		now = sent.Add(2 * time.Millisecond)
		var changed bool
		if allowed {
			ok = append(ok, sent.Sub(t0))
			changed = a.answered(now)
		} else {
			refused++
			var pause bool
			pause, changed = a.limited(sent, now, time.Second)
			if pause {
				pauses++
				until = now.Add(time.Second)
			}
		}
		if changed {
			client.SetLimitAt(now, rate.Limit(a.r))
			client.SetBurstAt(now, a.b)
		}
	}
	return ok, refused, pauses
}

// The targets, on the virtual clock: configured at 2x the server's limit, goodput
// >= 95% of the limit and <= 2% of requests answered 429; at the server's rate and burst,
// the time for the work <= 1.2x the ideal. And the other ratios converge too.
func TestAdaptiveConvergence(t *testing.T) {
	const limit, burst = 100.0, 10
	const dur = 40 * time.Second
	fixed := func(time.Duration) float64 { return limit }
	for _, tc := range []struct {
		name       string
		rate       float64
		burst      int
		minGoodput float64 // share of limit·dur accepted
		max429     float64 // share of requests refused
		maxPauses  int
	}{
		{"2x the limit", 2 * limit, 1, 0.95, 0.02, 1},
		{"the limit, with the server's burst", limit, burst, 1 / 1.2, 0.02, 1},
		{"1.5x", 1.5 * limit, 1, 0.95, 0.02, 1},
		{"3x", 3 * limit, 1, 0.95, 0.02, 2},
		{"10x", 10 * limit, 1, 0.93, 0.02, 3},
		{"2x with a burst", 2 * limit, burst, 0.95, 0.02, 1},
		{"under the limit: nothing to adapt", limit / 2, 1, 0.5, 0, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ok, refused, pauses := simulate(tc.rate, tc.burst, fixed, burst, dur)
			goodput := float64(len(ok)) / (limit * dur.Seconds())
			share429 := float64(refused) / float64(len(ok)+refused)
			t.Logf("goodput %.1f%% of the limit, %.2f%% answered 429, %d shared pauses", 100*goodput, 100*share429, pauses)
			if goodput < tc.minGoodput || share429 > tc.max429 || pauses > tc.maxPauses {
				t.Errorf("want goodput >= %.0f%%, 429s <= %.0f%%, pauses <= %d", 100*tc.minGoodput, 100*tc.max429, tc.maxPauses)
			}
		})
	}
	t.Run("the limit halves for a while, then comes back", func(t *testing.T) {
		limitAt := func(d time.Duration) float64 {
			if d >= 20*time.Second && d < 40*time.Second {
				return limit / 2
			}
			return limit
		}
		ok, refused, _ := simulate(2*limit, 1, limitAt, burst, 80*time.Second)
		in := func(from, to time.Duration) float64 { // accepted per second in [from, to)
			n := 0
			for _, d := range ok {
				if d >= from && d < to {
					n++
				}
			}
			return float64(n) / (to - from).Seconds()
		}
		low, back := in(25*time.Second, 40*time.Second), in(60*time.Second, 80*time.Second)
		t.Logf("%.1f/s while the limit is %v, %.1f/s 20 s after it is back to %v; %d answered 429", low, limit/2, back, limit, refused)
		if low < 0.9*limit/2 || back < 0.95*limit {
			t.Errorf("the rate did not follow the limit down and back up")
		}
	})
}
