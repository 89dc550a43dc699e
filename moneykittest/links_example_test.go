package moneykittest_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"time"

	"github.com/halyard-labs/moneykit-go/api"
	"github.com/halyard-labs/moneykit-go/moneykittest"
	"github.com/halyard-labs/moneykit-go/wrapper"
)

// Add the link a test needs, here by copying a seeded link and changing what matters.
func ExampleFake_AddLink() {
	srv, c := fakeAPI()
	defer srv.Close()
	link, ok := srv.Link(moneykittest.SeedLinkID)
	if !ok {
		log.Fatal("the fake has no seeded link")
	}
	link.LinkID, link.InstitutionName = "mk_customer42", "Test Bank"
	if err := srv.AddLink(link); err != nil {
		log.Fatal(err)
	}

	got, err := c.UpdateLink(context.Background(), "mk_customer42", wrapper.UpdateParams{LinkTags: wrapper.SetLinkTags("customer:42")})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(got.InstitutionName, *got.LinkTags)
	// Output: Test Bank [customer:42]
}

// Link is the fake's side of a test: what your code left the link as.
func ExampleFake_Link() {
	srv, c := fakeAPI()
	defer srv.Close()

	_, err := c.UpdateLink(context.Background(), moneykittest.SeedLinkID, wrapper.UpdateParams{
		Webhook: wrapper.RemoveWebhook(), LinkTags: wrapper.ClearLinkTags(),
	})
	link, ok := srv.Link(moneykittest.SeedLinkID)
	if !ok {
		log.Fatal("the link is gone")
	}
	fmt.Println(err, link.Webhook.IsNull(), *link.LinkTags)
	_, ok = srv.Link("mk_unknown")
	fmt.Println(ok)
	// Output:
	// <nil> true []
	// false
}

// The seeded links to pick from in tests: every state, and the ids that refuse changes
// (ForbiddenLinkID, BadStateLinkID, DeletedLinkID).
func ExampleFake_LinkIDs() {
	srv, _ := fakeAPI()
	defer srv.Close()

	for _, id := range srv.LinkIDs() {
		link, _ := srv.Link(id)
		fmt.Println(id, link.State, link.InstitutionName)
	}
	// Output:
	// 0b5c6a52-8a4e-4d2e-9d0b-3f1f5a8e7c11 connected USAA
	// mk_1XcVb5NmLk3JhGf7DsAqWe awaiting_token_exchange Capital One
	// mk_3JpYc8UuGv5nKsW0oQeRzT error Citi
	// mk_4NwQa7ZrTb1XyEhK8sJdLc connected Wells Fargo
	// mk_6VbHs2KpQm8CjRwY3tNxAf connecting Bank of America
	// mk_7Hq2RkCw9dXfPzLmA1bVtE connected Charles Schwab
	// mk_8PzEr6TyUi0OlKjHg2FdSa error MoneyKit Sandbox Bank
	// mk_9TfLx4DhMa2BbYcNq6WsUg deleted PNC Bank
	// mk_eqkWN34UEoa2NxyALG8pcV connected Chase
}

// One link per way a change can be refused, and the error the client gives for each.
func ExampleLinkOption() {
	srv, c := fakeAPI()
	defer srv.Close()
	refusals := []moneykittest.LinkOption{
		moneykittest.Restricted(),
		moneykittest.BadState(string(api.LinkErrorCodeUserSetupRequired)),
		moneykittest.DeletedAt(time.Now()),
	}
	for i, opt := range refusals {
		id := fmt.Sprint("mk_refused_", i)
		addLink(srv, id, opt)
		fmt.Println(rotateWebhook(context.Background(), c, id, "https://example.com/hook"))
	}
	// Output:
	// moneykit: PATCH /links/mk_refused_0: 403 link_error.forbidden_action: Accounts access not permitted
	// moneykit: PATCH /links/mk_refused_1: 422 link_error.bad_state: The link is not in a state that allows this change. (link_error_code user_setup_required)
	// moneykit: PATCH /links/mk_refused_2: 410 link_error.deleted: This link was deleted at some earlier time.
}

// A restricted link can be read but not changed: PATCH and DELETE both answer 403, which
// the client does not retry.
func ExampleRestricted() {
	srv, c := fakeAPI()
	defer srv.Close()
	addLink(srv, "mk_locked", moneykittest.Restricted())

	err := c.DeleteLink(context.Background(), "mk_locked")
	var e *wrapper.Error
	if errors.As(err, &e) {
		fmt.Println(errors.Is(err, wrapper.ErrForbiddenAction), e.StatusCode, e.Attempts)
	}
	stored, _ := srv.Link("mk_locked")
	fmt.Println(stored.State)
	// Output:
	// true 403 1
	// connected
}

// A link in a bad state says why in the error's LinkErrorCode: your code can ask the user
// to reconnect.
func ExampleBadState() {
	srv, c := fakeAPI()
	defer srv.Close()
	addLink(srv, "mk_needs_relink", moneykittest.BadState(string(api.LinkErrorCodeAuthExpired)))

	err := rotateWebhook(context.Background(), c, "mk_needs_relink", "https://example.com/hook")
	var e *wrapper.Error
	if errors.Is(err, wrapper.ErrBadState) && errors.As(err, &e) {
		fmt.Println("reconnect needed:", e.LinkErrorCode)
	}
	// Output: reconnect needed: auth_expired
}

// A link deleted in an earlier run answers 410: DeleteLink reports it, and a bulk run
// counts it done, so a resumed run does not fail on it.
func ExampleDeletedAt() {
	srv, c := fakeAPI()
	defer srv.Close()
	addLink(srv, "mk_gone", moneykittest.DeletedAt(time.Now().Add(-time.Hour)))
	ctx := context.Background()

	err := c.DeleteLink(ctx, "mk_gone")
	fmt.Println(errors.Is(err, wrapper.ErrLinkDeleted))
	sum, err := c.DeleteLinks(ctx, wrapper.IDsFromSlice([]string{"mk_gone"}), wrapper.BulkOptions{})
	fmt.Println(sum.Done, sum.Failed, err)
	// Output:
	// true
	// 1 0 <nil>
}

// A fake with only the links the test adds: the seeded ones are not there.
func ExampleWithoutSeed() {
	srv, c := fakeAPI(moneykittest.WithoutSeed())
	defer srv.Close()
	err := srv.AddLink(api.Link{
		LinkID: "mk_only", InstitutionID: "chase", InstitutionName: "Chase",
		InstitutionAvatar: "https://example.com/avatar.png", State: api.LinkStateConnected,
		Provider: api.ProviderMx, AvailableProducts: []api.Product{},
	})
	if err != nil {
		log.Fatal(err)
	}

	fmt.Println(srv.LinkIDs())
	err = c.DeleteLink(context.Background(), moneykittest.SeedLinkID)
	fmt.Println(errors.Is(err, wrapper.ErrNotFound))
	// Output:
	// [mk_only]
	// true
}

// DELETE answers 204 No Content, as MoneyKit's SDKs declare, instead of 200 {}: the client
// takes either as success.
func ExampleWithDelete204() {
	srv, c := fakeAPI(moneykittest.WithDelete204())
	defer srv.Close()

	err := c.DeleteLink(context.Background(), moneykittest.SeedLinkID)
	link, _ := srv.Link(moneykittest.SeedLinkID)
	fmt.Println(err, srv.Requests()[0].Status, link.State)
	// Output: <nil> 204 deleted
}

// The clock moves the 90 days a deleted link is kept, without waiting for them: 410 until
// DeletedRetention has passed, 404 after.
func ExampleWithClock() {
	clk := newClock()
	srv, c := fakeAPI(moneykittest.WithClock(clk.Now))
	defer srv.Close()
	ctx := context.Background()

	fmt.Println(c.DeleteLink(ctx, moneykittest.SeedLinkID))
	clk.Advance(moneykittest.DeletedRetention - time.Second)
	fmt.Println(errors.Is(c.DeleteLink(ctx, moneykittest.SeedLinkID), wrapper.ErrLinkDeleted))
	clk.Advance(time.Second)
	fmt.Println(errors.Is(c.DeleteLink(ctx, moneykittest.SeedLinkID), wrapper.ErrNotFound))
	// Output:
	// <nil>
	// true
	// true
}
