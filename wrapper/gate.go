package wrapper

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Limiter grants requests. A bulk run asks it before every attempt (retries included),
// after its own limits, so several processes can share MoneyKit's per-app limit: back it
// with a store they all reach (a Redis counter, a database row). key names the limit:
// "PATCH" or "DELETE", which MoneyKit counts separately per app. Wait blocks until one
// request may go, and returns an error if it cannot grant one before ctx is done; the
// id is then reported as not attempted.
type Limiter interface {
	Wait(ctx context.Context, key string) error
}

// errNoGrant is why an id waited in vain: its deadline would pass before its turn.
var errNoGrant = fmt.Errorf("the rate limit could not grant a request before the deadline: %w", context.DeadlineExceeded)

// runGate is what all workers of a bulk run share: the adaptive rate, the pause that a
// 429 can impose on everyone, the user's Limiter, and the stop of the run.
type runGate struct {
	key    string // "PATCH" or "DELETE"
	lim    *rate.Limiter
	user   Limiter
	linkRL rate.Limit // per-link limit, 0 for none
	burstL int

	mu    sync.Mutex
	ctl   *adaptive
	until time.Time // the shared pause
	n429  int

	turn chan struct{} // held by the one worker waiting on lim

	stopCtx context.Context // done when the run stops sending
	stop    context.CancelCauseFunc
	// quitCtx is done when no new id may be sent: the run stopped, or BulkOptions.Stop
	// was closed. A call already sent waits for its retries on stopCtx alone.
	quitCtx context.Context
	quit    context.CancelCauseFunc
}

func newRunGate(key string, r float64, burst int, user Limiter) *runGate {
	g := &runGate{key: key, lim: rate.NewLimiter(rate.Limit(r), burst), user: user, ctl: newAdaptive(r, burst, time.Now()), turn: make(chan struct{}, 1)}
	g.stopCtx, g.stop = context.WithCancelCause(context.Background())
	g.quitCtx, g.quit = context.WithCancelCause(g.stopCtx)
	return g
}

// call makes the gate of one call of the run.
func (g *runGate) call() *gate {
	c := &gate{run: g}
	if g.linkRL > 0 {
		c.link = rate.NewLimiter(g.linkRL, g.burstL)
	}
	return c
}

// stopped returns why the run stopped sending, or nil.
func (g *runGate) stopped() error { return causeOf(g.stopCtx) }

// quitting returns why the run sends no new id, or nil.
func (g *runGate) quitting() error { return causeOf(g.quitCtx) }

func causeOf(ctx context.Context) error {
	if ctx.Err() == nil {
		return nil
	}
	return context.Cause(ctx)
}

// observe takes note of an answer to a request sent at sent: every 429 is counted and
// lowers the shared rate, and some make every worker wait the Retry-After, never longer
// than maxWait.
func (g *runGate) observe(resp *http.Response, sent time.Time, maxWait time.Duration) {
	if resp == nil {
		return // no answer: nothing about the rate
	}
	now := time.Now()
	g.mu.Lock()
	defer g.mu.Unlock()
	var changed bool
	if resp.StatusCode == http.StatusTooManyRequests {
		g.n429++
		ra := parseRetryAfter(resp.Header.Get("Retry-After"), now)
		var pause bool
		pause, changed = g.ctl.limited(sent, now, ra)
		if pause {
			if t := now.Add(min(ra, maxWait)); t.After(g.until) {
				g.until = t
			}
		}
	} else {
		changed = g.ctl.answered(now)
	}
	if changed {
		g.lim.SetLimit(rate.Limit(g.ctl.r))
		g.lim.SetBurst(g.ctl.b)
	}
}

func (g *runGate) rateLimited() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.n429
}

// gate is one call's view of its run's gate: the doer asks it before each attempt.
type gate struct {
	run  *runGate
	link *rate.Limiter // the link's own limit, nil for none
	// sent: an attempt of the call went out; set by the doer just before sending.
	sent bool
	// waitErr is why the latest wait failed.
	waitErr error
}

// wait blocks until one attempt may go: the shared pause is over, and the link's limit,
// the run's rate and the user's Limiter grant it. It fails at once when the pause or the
// rate would outlast ctx's deadline, and when the run stops; for a call not sent yet,
// also when the run takes no more ids (BulkOptions.Stop).
func (c *gate) wait(ctx context.Context) (err error) {
	defer func() { c.waitErr = err }()
	g := c.run
	stopCtx := g.quitCtx
	if c.sent {
		stopCtx = g.stopCtx // a request sent may retry until the run stops
	}
	if err := causeOf(stopCtx); err != nil {
		return err
	}
	// One context for the waits that also ends when the run stops.
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	defer context.AfterFunc(stopCtx, cancel)()
	why := func(err error) error {
		switch {
		case ctx.Err() != nil:
			return ctx.Err()
		case causeOf(stopCtx) != nil:
			return causeOf(stopCtx)
		case errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded):
			return err
		}
		return errNoGrant // x/time/rate: the wait would exceed the deadline
	}
	if c.link != nil {
		if err := c.link.Wait(wctx); err != nil {
			return why(err)
		}
	}
	for {
		if err := g.waitPause(ctx, wctx); err != nil {
			return why(err)
		}
		if err := g.waitRate(wctx); err != nil {
			return why(err)
		}
		if g.user != nil {
			if err := g.user.Wait(wctx, g.key); err != nil {
				if ctx.Err() != nil || causeOf(stopCtx) != nil {
					return why(err)
				}
				return fmt.Errorf("the Limiter could not grant a request: %w", err)
			}
		}
		// A 429 during the wait started a pause: wait it out, and take a new turn at the
		// rate that came with it (a Limiter is asked again: its grant went unused). A pause
		// that ends now is over, as in waitPause: another turn would waste a grant.
		if !g.pausedUntil().After(time.Now()) {
			return nil
		}
	}
}

func (g *runGate) pausedUntil() time.Time {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.until
}

// waitPause waits until the shared pause is over; it fails at once if the pause outlasts
// ctx's deadline. wctx is ctx, also done when the run stops.
func (g *runGate) waitPause(ctx, wctx context.Context) error {
	for {
		d := time.Until(g.pausedUntil())
		if d <= 0 {
			return nil
		}
		if dl, ok := ctx.Deadline(); ok && time.Until(dl) < d {
			return errNoGrant
		}
		if err := sleep(wctx, d); err != nil {
			return err
		}
	}
}

// waitRate waits for the run's rate to grant one request. One worker waits at a time, so
// a change of rate applies to the next request, not after the turns others hold already.
func (g *runGate) waitRate(ctx context.Context) error {
	select {
	case g.turn <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-g.turn }()
	return g.lim.Wait(ctx)
}

// gateOption attaches a call's gate; the doer consults it per attempt.
type gateOption struct{ g *gate }

func (o gateOption) applyCall(c *callConfig) error { c.gate = o.g; return nil }
