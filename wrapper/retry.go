package wrapper

import (
	"context"
	"errors"
	"math/rand/v2"
	"net"
	"net/http"
	"strings"
	"time"
)

// retryable reports whether an attempt's outcome is worth another attempt. A server's
// x-should-retry header overrides the status rule.
func retryable(resp *http.Response, err error) bool {
	if err != nil {
		if errors.Is(err, ErrResponseTooLarge) {
			return false // the same again would fail the same way
		}
		if te := (*TokenError)(nil); errors.As(err, &te) {
			return te.temporary // see ErrTokenSource
		}
		return true // a connection error
	}
	switch strings.ToLower(resp.Header.Get("X-Should-Retry")) {
	case "true":
		return true
	case "false":
		return false
	}
	return retryableStatus(resp.StatusCode)
}

// retryableStatus is the status rule: 408, 409, 429, 500, 502, 503 and 504.
func retryableStatus(code int) bool {
	switch code {
	case http.StatusRequestTimeout, http.StatusConflict, http.StatusTooManyRequests,
		http.StatusInternalServerError, http.StatusBadGateway, http.StatusServiceUnavailable,
		http.StatusGatewayTimeout:
		return true
	}
	return false
}

// mayHaveReachedServer reports whether an attempt may have been carried out even though
// its answer says otherwise or was lost: a DELETE that then answers 410 succeeded.
func mayHaveReachedServer(resp *http.Response, err error) bool {
	if err != nil {
		if errors.Is(err, ErrTokenSource) {
			return false // the request was not sent: it had no token
		}
		var op *net.OpError
		if errors.As(err, &op) && op.Op == "dial" {
			return false // never connected
		}
		return true // lost after the request may have been sent
	}
	switch resp.StatusCode {
	case http.StatusRequestTimeout, http.StatusInternalServerError, http.StatusBadGateway,
		http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true
	}
	return false
}

// backoff returns the wait before retry n (0-based): full jitter up to base·2^n, capped.
func backoff(c *callConfig, n int) time.Duration {
	ceiling := c.backoffMax
	if n < 30 {
		if d := c.backoffBase << n; d > 0 && d < ceiling {
			ceiling = d
		}
	}
	return rand.N(ceiling) + 1
}

// sleep waits d or until ctx is done.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
