package wrapper_test

import (
	"context"
	"sync"
	"time"
)

// runClock is a bulk run's clock for tests (wrapper.SetRunClock): real time plus the
// pauses the run waited on it. A pause returns at once and moves the clock on by its
// length, so that a test records a shared pause rather than spends it.
type runClock struct {
	mu    sync.Mutex
	jumps []jump
}

// jump is one pause: at real time at, the clock moved on by d.
type jump struct {
	at time.Time
	d  time.Duration
}

func (c *runClock) now() time.Time { return c.at(time.Now()) }

// at returns the run's time at real time t: t plus the pauses taken by then. A request
// the fake received at t was sent by the run at about at(t).
func (c *runClock) at(t time.Time) time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	var ahead time.Duration
	for _, j := range c.jumps {
		if !j.at.After(t) {
			ahead += j.d
		}
	}
	return t.Add(ahead)
}

func (c *runClock) sleep(ctx context.Context, d time.Duration) error {
	if dl, ok := ctx.Deadline(); ok && time.Until(dl) < d {
		return context.DeadlineExceeded
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.jumps = append(c.jumps, jump{time.Now(), d})
	return nil
}

// pauses returns the pauses taken, in order.
func (c *runClock) pauses() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	var ds []time.Duration
	for _, j := range c.jumps {
		ds = append(ds, j.d)
	}
	return ds
}
