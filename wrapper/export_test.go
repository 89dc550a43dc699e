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
