package wrapper

import (
	"context"
	"time"
)

// SetSleep makes c wait between attempts with sleep instead of a timer, so that a test
// can record a Retry-After wait rather than spend it. Call it before c's first call.
func SetSleep(c *Client, sleep func(ctx context.Context, d time.Duration) error) {
	c.doer.sleep = sleep
}

// SetRunClock makes c's bulk runs keep their shared pause and adaptive rate on now and
// wait out the pause with sleep, so that a test can record the pause rather than spend
// it. sleep must move now on by d. The runs' rate limiter keeps real time. Call it before
// c's first run.
func SetRunClock(c *Client, now func() time.Time, sleep func(ctx context.Context, d time.Duration) error) {
	c.doer.runClock = clock{now: now, sleep: sleep}
}
