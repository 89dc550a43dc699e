package moneykittest

import (
	"sync"
	"time"

	"golang.org/x/time/rate"
)

const (
	opPatch  = "PATCH"
	opDelete = "DELETE"
)

// RateLimits are request limits per window (Per), as token buckets on the fake's clock.
// A zero count means no limit of that kind.
type RateLimits struct {
	// PatchPerLink limits PATCH /links/{id} per link (MoneyKit: 4 per minute).
	PatchPerLink int
	// PatchPerApp limits PATCH /links/{id} across links (MoneyKit: 600 per minute).
	PatchPerApp int
	// DeletePerApp limits DELETE /links/{id} (MoneyKit: 600 per minute).
	DeletePerApp int
	// Per is the window the counts are for (default one minute).
	Per time.Duration
	// AppBurst is how many app-wide requests may come at once (default: the per-window
	// count, so a full window's worth).
	AppBurst int
}

// DefaultRateLimits returns MoneyKit's documented limits.
func DefaultRateLimits() RateLimits {
	return RateLimits{PatchPerLink: 4, PatchPerApp: 600, DeletePerApp: 600, Per: time.Minute}
}

// limiter enforces RateLimits. A nil *limiter allows everything.
type limiter struct {
	cfg       RateLimits
	mu        sync.Mutex
	patchApp  *rate.Limiter
	deleteApp *rate.Limiter
	perLink   map[string]*rate.Limiter
}

func newLimiter(cfg RateLimits) *limiter {
	if cfg.Per == 0 {
		cfg.Per = time.Minute
	}
	app := func(n int) *rate.Limiter {
		if n == 0 {
			return nil
		}
		burst := cfg.AppBurst
		if burst == 0 {
			burst = n
		}
		return rate.NewLimiter(rate.Every(cfg.Per/time.Duration(n)), burst)
	}
	return &limiter{cfg: cfg, patchApp: app(cfg.PatchPerApp), deleteApp: app(cfg.DeletePerApp), perLink: map[string]*rate.Limiter{}}
}

// take spends one request of op on link id at now, or returns how long to wait for one.
func (l *limiter) take(op, id string, now time.Time) time.Duration {
	if l == nil {
		return 0
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	var buckets []*rate.Limiter
	switch op {
	case opPatch:
		if n := l.cfg.PatchPerLink; n > 0 {
			b, ok := l.perLink[id]
			if !ok {
				b = rate.NewLimiter(rate.Every(l.cfg.Per/time.Duration(n)), n)
				l.perLink[id] = b
			}
			buckets = append(buckets, b)
		}
		buckets = append(buckets, l.patchApp)
	case opDelete:
		buckets = append(buckets, l.deleteApp)
	}
	var taken []*rate.Reservation
	var wait time.Duration
	for _, b := range buckets {
		if b == nil {
			continue
		}
		r := b.ReserveN(now, 1)
		if !r.OK() {
			wait = max(wait, l.cfg.Per)
			continue
		}
		if d := r.DelayFrom(now); d > 0 {
			r.CancelAt(now)
			wait = max(wait, d)
			continue
		}
		taken = append(taken, r)
	}
	if wait > 0 {
		for _, r := range taken { // the request is refused: give back what it took
			r.CancelAt(now)
		}
	}
	return wait
}
