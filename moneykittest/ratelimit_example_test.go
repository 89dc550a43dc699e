package moneykittest_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"time"

	"github.com/halyard-labs/moneykit-go/moneykittest"
	"github.com/halyard-labs/moneykit-go/wrapper"
)

// An app-wide limit on DELETE: a cleanup that deletes faster is refused with the wait it
// must keep, and goes through once that much time has passed on the fake's clock.
func ExampleWithRateLimits() {
	clk := newClock()
	srv, c := fakeAPI(moneykittest.WithClock(clk.Now), moneykittest.WithRateLimits(moneykittest.RateLimits{DeletePerApp: 2}))
	defer srv.Close()
	ctx := context.Background()
	noWait := wrapper.WithMaxRetryWait(0) // return a 429 at once instead of waiting it out

	for _, id := range []string{moneykittest.SeedLinkID, "mk_4NwQa7ZrTb1XyEhK8sJdLc", "mk_6VbHs2KpQm8CjRwY3tNxAf"} {
		fmt.Println(c.DeleteLink(ctx, id, noWait))
	}
	clk.Advance(30 * time.Second)
	fmt.Println(c.DeleteLink(ctx, "mk_6VbHs2KpQm8CjRwY3tNxAf", noWait))
	// Output:
	// <nil>
	// <nil>
	// moneykit: DELETE /links/mk_6VbHs2KpQm8CjRwY3tNxAf: 429 api_error.rate_limit_exceeded: Rate limit exceeded (retry after 30s)
	// <nil>
}

// Per and AppBurst shape the limit: 10 a second, one at a time. Retry-After counts whole
// seconds, so a wait of 100 ms is asked for as 1 s.
func ExampleRateLimits() {
	clk := newClock()
	limits := moneykittest.RateLimits{PatchPerApp: 10, Per: time.Second, AppBurst: 1}
	srv, c := fakeAPI(moneykittest.WithClock(clk.Now), moneykittest.WithRateLimits(limits))
	defer srv.Close()
	ctx := context.Background()
	tags := wrapper.UpdateParams{LinkTags: wrapper.SetLinkTags("audited")}
	noWait := wrapper.WithMaxRetryWait(0)

	for _, id := range []string{moneykittest.SeedLinkID, "mk_4NwQa7ZrTb1XyEhK8sJdLc"} {
		_, err := c.UpdateLink(ctx, id, tags, noWait)
		fmt.Println(err)
	}
	clk.Advance(100 * time.Millisecond)
	_, err := c.UpdateLink(ctx, "mk_4NwQa7ZrTb1XyEhK8sJdLc", tags, noWait)
	fmt.Println(err)
	// Output:
	// <nil>
	// moneykit: PATCH /links/mk_4NwQa7ZrTb1XyEhK8sJdLc: 429 api_error.rate_limit_exceeded: Rate limit exceeded (retry after 1s)
	// <nil>
}

// MoneyKit's documented limits, the ones the client paces bulk runs to: the fifth PATCH of
// a link within a minute is refused, while other links are not held up.
func ExampleDefaultRateLimits() {
	limits := moneykittest.DefaultRateLimits()
	fmt.Println(limits.PatchPerLink == wrapper.LinkPatchRatePerMinute, limits.PatchPerApp == wrapper.AppRatePerMinute, limits.Per)
	clk := newClock()
	srv, c := fakeAPI(moneykittest.WithClock(clk.Now), moneykittest.WithRateLimits(limits))
	defer srv.Close()
	ctx := context.Background()
	hook := wrapper.UpdateParams{Webhook: wrapper.SetWebhook("https://example.com/hook")}

	for range 5 {
		_, err := c.UpdateLink(ctx, moneykittest.SeedLinkID, hook, wrapper.WithMaxRetryWait(0))
		fmt.Println(err)
	}
	_, err := c.UpdateLink(ctx, "mk_4NwQa7ZrTb1XyEhK8sJdLc", hook)
	fmt.Println(err)
	// Output:
	// true true 1m0s
	// <nil>
	// <nil>
	// <nil>
	// <nil>
	// moneykit: PATCH /links/mk_eqkWN34UEoa2NxyALG8pcV: 429 api_error.rate_limit_exceeded: Rate limit exceeded (retry after 15s)
	// <nil>
}

// Retry-After as an HTTP-date, which MoneyKit may send too: the client reads it as the
// same wait as its delta-seconds form.
func ExampleWithRetryAfterHTTPDate() {
	limits := moneykittest.RateLimits{PatchPerLink: 1}
	srv, c := fakeAPI(moneykittest.WithRateLimits(limits), moneykittest.WithRetryAfterHTTPDate())
	defer srv.Close()
	ctx := context.Background()
	tags := wrapper.UpdateParams{LinkTags: wrapper.SetLinkTags("audited")}

	if _, err := c.UpdateLink(ctx, moneykittest.SeedLinkID, tags); err != nil { // uses the link's one PATCH a minute
		log.Fatal(err)
	}
	_, err := c.UpdateLink(ctx, moneykittest.SeedLinkID, tags, wrapper.WithMaxRetryWait(time.Second))
	var e *wrapper.Error
	if errors.As(err, &e) {
		// The date has whole seconds and the fake's clock is the real one: round.
		fmt.Println(errors.Is(err, wrapper.ErrRateLimited), e.RetryAfter.Round(time.Minute))
	}
	// Output: true 1m0s
}
