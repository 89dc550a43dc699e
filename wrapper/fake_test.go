package wrapper_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/halyard-labs/moneykit-go/moneykittest"
	"github.com/halyard-labs/moneykit-go/wrapper"
)

// Every status of the reference, produced by the spec-checked fake and read by the wrapper.
func TestAgainstFake(t *testing.T) {
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	srv, err := moneykittest.NewServer(
		moneykittest.WithClock(func() time.Time { return now }),
		moneykittest.WithRateLimits(moneykittest.DefaultRateLimits()),
		moneykittest.WithViolationHandler(func(err error) { t.Errorf("fake: %v", err) }),
	)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	srv.AddToken("expired", now.Add(-time.Second))
	newClient := func(token string) *wrapper.Client {
		c, err := wrapper.New(token, wrapper.WithBaseURL(srv.URL))
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	c := newClient(srv.Token())
	ctx := context.Background()
	patch := wrapper.UpdateParams{LinkTags: wrapper.SetLinkTags("x")}

	for _, tc := range []struct {
		name     string
		do       func() error
		sentinel error
		status   int
	}{
		{"401 expired", func() error {
			_, err := newClient("expired").UpdateLink(ctx, moneykittest.SeedLinkID, patch)
			return err
		}, wrapper.ErrAccessTokenExpired, 401},
		{"401 unauthorized", func() error { return newClient("wrong").DeleteLink(ctx, moneykittest.SeedLinkID) }, wrapper.ErrUnauthorized, 401},
		{"403", func() error { _, err := c.UpdateLink(ctx, moneykittest.ForbiddenLinkID, patch); return err }, wrapper.ErrForbiddenAction, 403},
		{"404", func() error { return c.DeleteLink(ctx, "mk_missing") }, wrapper.ErrNotFound, 404},
		{"410", func() error { _, err := c.UpdateLink(ctx, moneykittest.DeletedLinkID, patch); return err }, wrapper.ErrLinkDeleted, 410},
		{"422", func() error { return c.DeleteLink(ctx, moneykittest.BadStateLinkID) }, wrapper.ErrBadState, 422},
	} {
		err := tc.do()
		var e *wrapper.Error
		if !errors.Is(err, tc.sentinel) || !errors.As(err, &e) || e.StatusCode != tc.status {
			t.Errorf("%s: err = %v", tc.name, err)
		}
	}
	// 200 four times, then 429 with Retry-After: MoneyKit's 4 PATCH per minute per link.
	for i := range 4 {
		if _, err := c.UpdateLink(ctx, moneykittest.SeedLinkID, patch); err != nil {
			t.Fatalf("PATCH %d: %v", i+1, err)
		}
	}
	// The 15 s wait is over this call's budget: the error comes back at once, not after
	// sleeping.
	start := time.Now()
	_, err = c.UpdateLink(ctx, moneykittest.SeedLinkID, patch, wrapper.WithMaxRetryWait(time.Second))
	var e *wrapper.Error
	if !errors.Is(err, wrapper.ErrRateLimited) || !errors.As(err, &e) || e.RetryAfter != 15*time.Second || e.Attempts != 1 {
		t.Errorf("5th PATCH: %v", err)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("5th PATCH took %v: it slept", d)
	}
}
