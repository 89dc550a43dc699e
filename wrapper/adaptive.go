package wrapper

import (
	"math"
	"time"
)

// adaptive is the rate controller of a bulk run: AIMD with a memory. It starts at the
// configured rate and only ever goes below it:
//
//   - A 429 at a rate not yet known to be safe halves the rate (multiplicative decrease),
//     and every worker waits the Retry-After.
//   - A rate that has held for hold (no 429 for a request sent at it) is known safe (lo).
//     The rate then steps up halfway to the lowest rate that drew a 429 (hi), so it
//     closes in on the server's limit in a few steps (a binary search); with no such
//     rate it doubles, up to the configured rate (it climbs back when 429s stop).
//   - A 429 on a step above a safe rate goes back just under the safe rate (margin), so
//     the server's bucket refills; this needs no shared pause unless the server asked for
//     more than a second. A 429 at or under the safe rate, or soon after a decrease,
//     means the limit came down: each such 429 cuts deeper (4%, 8%, 16%, 32%), then
//     halves with a shared pause.
//   - Once the search has closed (hi within tol of lo), the rate stays at lo; after
//     requiet without a 429 it searches again up to 10% higher, and on from there if
//     that holds.
//
// A 429 for a request sent before the latest change of rate says nothing about the new
// rate and changes nothing. adaptive is not safe for concurrent use: the gate holds it
// under its lock. Times come from the caller, so tests need no clock.
type adaptive struct {
	max     float64 // the configured rate, the ceiling
	burst   int     // the configured burst, used only at the ceiling before any 429
	r       float64 // the current rate
	b       int     // the current burst
	lo, hi  float64 // highest rate known safe (0: none), the ceiling of the search (+Inf: none)
	refused bool    // hi drew a 429 (else it is a trial ceiling)
	changed time.Time
	cut     time.Time // latest decrease
	streak  int       // decreases each soon after the one before
	last429 time.Time
}

const (
	adaptHold    = time.Second      // how long a rate must hold to be known safe
	adaptTol     = 0.04             // the search stops when hi is within 4% of lo
	adaptMargin  = 0.02             // after a failed step, run this much under the safe rate
	adaptRequiet = 10 * time.Second // quiet time before trying above a closed search
	adaptReprobe = 1.1              // ... that much above it
	adaptBeta    = 0.5              // the multiplicative decrease
	adaptFloor   = 100              // the rate never goes below max/adaptFloor
	// A 429 asking for longer than this always pauses every worker: the server wants a
	// stop, not a slower rate.
	adaptShortWait = time.Second
)

func newAdaptive(rate float64, burst int, now time.Time) *adaptive {
	return &adaptive{max: rate, burst: burst, r: rate, b: burst, hi: math.Inf(1), changed: now, cut: now.Add(-adaptHold), last429: now}
}

// set changes the rate to r, within the floor and the ceiling.
func (a *adaptive) set(r float64, now time.Time) {
	if r = min(a.max, max(a.max/adaptFloor, r)); r != a.r {
		a.r, a.changed = r, now
	}
}

// answered notes an answer that was not a 429 at now, and reports whether the rate or
// burst changed.
func (a *adaptive) answered(now time.Time) bool {
	if now.Sub(a.changed) < adaptHold {
		return false
	}
	// The current rate has held.
	a.lo = max(a.lo, a.r)
	if a.r >= a.max {
		changed := a.b != a.burst
		a.b = a.burst
		return changed
	}
	if a.hi <= a.lo*(1+adaptTol) { // the search has closed
		switch {
		case !a.refused:
			a.hi = math.Inf(1) // closed under a trial ceiling with no 429: the limit rose
		case now.Sub(a.last429) >= adaptRequiet:
			a.hi, a.refused = a.lo*adaptReprobe, false
		}
	}
	old := a.r
	switch {
	case math.IsInf(a.hi, 1):
		a.set(a.lo*2, now)
	case a.hi > a.lo*(1+adaptTol):
		a.set((a.lo+a.hi)/2, now)
	default:
		a.set(a.lo, now)
	}
	return a.r != old
}

// limited notes a 429 at now for a request sent at sent, whose Retry-After was wait. It
// reports whether every worker should wait out the Retry-After, and whether the rate or
// burst changed.
func (a *adaptive) limited(sent, now time.Time, wait time.Duration) (pause, changed bool) {
	long := wait > adaptShortWait
	if sent.Before(a.changed) {
		return long, false // sent at an earlier rate: no news about this one
	}
	re := a.r
	a.last429, a.hi, a.refused, a.b = now, re, true, 1
	if now.Sub(a.cut) < adaptHold {
		a.streak++ // the latest decrease was not enough
	} else {
		a.streak = 0
	}
	a.cut = now
	switch {
	case a.lo == 0:
		// No rate is known to hold: halve, and every worker waits.
		a.set(re*adaptBeta, now)
		return true, true
	case re > a.lo && a.streak == 0:
		// A step above the safe rate failed: back under it.
		a.set(a.lo*(1-adaptMargin), now)
	default:
		// The safe rate no longer holds: the limit came down. Each 429 soon after the
		// last decrease cuts deeper: 4%, 8%, 16%, 32%, then by half, when every worker
		// also waits.
		f := max(adaptBeta, 1-2*adaptMargin*float64(int(1)<<min(a.streak, 4)))
		a.lo = min(a.lo, re) * f
		a.set(a.lo, now)
		if f == adaptBeta {
			a.lo = 0
			return true, true
		}
	}
	return long, true
}
