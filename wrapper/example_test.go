package wrapper_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"strings"

	"github.com/halyard-labs/moneykit-go/moneykittest"
	"github.com/halyard-labs/moneykit-go/wrapper"
)

// fakeAPI starts the in-memory MoneyKit API that the examples run against. Against the
// real API, leave out WithBaseURL and pass your access token.
func fakeAPI() (*moneykittest.Server, *wrapper.Client) {
	srv, err := moneykittest.NewServer()
	if err != nil {
		log.Fatal(err)
	}
	c, err := wrapper.New(srv.Token(), wrapper.WithBaseURL(srv.URL))
	if err != nil {
		log.Fatal(err)
	}
	return srv, c
}

func Example() {
	srv, c := fakeAPI()
	defer srv.Close()
	ctx := context.Background()

	link, err := c.UpdateLink(ctx, "mk_eqkWN34UEoa2NxyALG8pcV", wrapper.UpdateParams{
		Webhook: wrapper.SetWebhook("https://example.com/hooks/moneykit"),
	})
	if err != nil {
		log.Fatal(err)
	}
	hook, _ := link.Webhook.Get() // an error when the link has no webhook
	fmt.Println(link.InstitutionName, link.State, hook)

	if err := c.DeleteLink(ctx, "mk_eqkWN34UEoa2NxyALG8pcV"); err != nil {
		log.Fatal(err)
	}
	fmt.Println("deleted")
	// Output:
	// Chase connected https://example.com/hooks/moneykit
	// deleted
}

// Set a webhook; the tags are left as they are.
func ExampleClient_UpdateLink() {
	srv, c := fakeAPI()
	defer srv.Close()

	link, err := c.UpdateLink(context.Background(), moneykittest.SeedLinkID, wrapper.UpdateParams{
		Webhook: wrapper.SetWebhook("https://example.com/hooks/v2"),
	})
	if err != nil {
		log.Fatal(err)
	}
	hook, _ := link.Webhook.Get()
	fmt.Println(hook, *link.LinkTags)
	// Output: https://example.com/hooks/v2 [smoke_test user_type:admin]
}

// Remove the webhook: the request carries "webhook": null.
func ExampleClient_UpdateLink_removeWebhook() {
	srv, c := fakeAPI()
	defer srv.Close()

	link, err := c.UpdateLink(context.Background(), moneykittest.SeedLinkID, wrapper.UpdateParams{
		Webhook: wrapper.RemoveWebhook(),
	})
	if err != nil {
		log.Fatal(err)
	}
	_, err = link.Webhook.Get() // the link says "webhook": null
	fmt.Println("webhook removed:", err != nil)
	reqs := srv.Requests()
	fmt.Println(string(reqs[len(reqs)-1].Body))
	// Output:
	// webhook removed: true
	// {"webhook":null}
}

// Replace the tags, then clear them.
func ExampleClient_UpdateLink_tags() {
	srv, c := fakeAPI()
	defer srv.Close()
	ctx := context.Background()

	link, err := c.UpdateLink(ctx, moneykittest.SeedLinkID, wrapper.UpdateParams{
		LinkTags: wrapper.SetLinkTags("cohort:2026-11", "vip"),
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(*link.LinkTags)

	link, err = c.UpdateLink(ctx, moneykittest.SeedLinkID, wrapper.UpdateParams{LinkTags: wrapper.ClearLinkTags()})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(*link.LinkTags)
	// Output:
	// [cohort:2026-11 vip]
	// []
}

func ExampleClient_DeleteLink() {
	srv, c := fakeAPI()
	defer srv.Close()
	ctx := context.Background()

	fmt.Println(c.DeleteLink(ctx, moneykittest.SeedLinkID))
	// Deleting again: the link is gone.
	err := c.DeleteLink(ctx, moneykittest.SeedLinkID)
	fmt.Println(errors.Is(err, wrapper.ErrLinkDeleted))
	// Output:
	// <nil>
	// true
}

// Tell errors apart with errors.Is, and read their fields with errors.As.
func ExampleError() {
	srv, c := fakeAPI()
	defer srv.Close()

	_, err := c.UpdateLink(context.Background(), moneykittest.BadStateLinkID, wrapper.UpdateParams{
		LinkTags: wrapper.SetLinkTags("retry"),
	})
	switch {
	case errors.Is(err, wrapper.ErrNotFound), errors.Is(err, wrapper.ErrLinkDeleted):
		fmt.Println("the link is gone")
	case errors.Is(err, wrapper.ErrBadState):
		var e *wrapper.Error
		errors.As(err, &e)
		fmt.Println("cannot change it now:", e.StatusCode, e.LinkErrorCode)
	case err != nil:
		fmt.Println("failed:", err)
	}
	// Output: cannot change it now: 422 auth_expired
}

// Bad input is refused before anything is sent.
func ExampleSetWebhook() {
	c, err := wrapper.New("token")
	if err != nil {
		log.Fatal(err)
	}
	_, err = c.UpdateLink(context.Background(), "mk_eqkWN34UEoa2NxyALG8pcV", wrapper.UpdateParams{
		Webhook: wrapper.SetWebhook("javascript:alert(1)"),
	})
	fmt.Println(errors.Is(err, wrapper.ErrInvalidWebhook))
	fmt.Println(err)
	// Output:
	// true
	// moneykit: invalid webhook URL: scheme "javascript": must be an absolute http or https URL
}

// Rotate the webhook of many links at MoneyKit's rate limits; duplicates are done once and
// one failure does not stop the rest.
func ExampleClient_UpdateLinks() {
	srv, c := fakeAPI()
	defer srv.Close()

	ids := strings.NewReader(moneykittest.SeedLinkID + "\n" + "mk_4NwQa7ZrTb1XyEhK8sJdLc\n" + moneykittest.SeedLinkID + "\n" + "mk_unknown\n")
	sum, err := c.UpdateLinks(context.Background(), wrapper.IDsFromReader(ids), wrapper.UpdateParams{
		Webhook: wrapper.SetWebhook("https://new-domain.example.com/hooks/moneykit"),
	}, wrapper.BulkOptions{
		OnResult: func(r wrapper.BulkResult) {
			if r.Status == wrapper.BulkFailed {
				fmt.Println(r.LinkID, errors.Is(r.Err, wrapper.ErrNotFound))
			}
		},
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("done %d, failed %d, duplicate %d\n", sum.Done, sum.Failed, sum.Duplicate)
	// Output:
	// mk_unknown true
	// done 2, failed 1, duplicate 1
}
