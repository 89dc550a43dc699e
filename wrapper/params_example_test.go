package wrapper_test

import (
	"context"
	"errors"
	"fmt"
	"log"

	"github.com/halyard-labs/moneykit-go/moneykittest"
	"github.com/halyard-labs/moneykit-go/wrapper"
)

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

// Remove the webhook: the request carries "webhook": null.
func ExampleRemoveWebhook() {
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
func ExampleSetLinkTags() {
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
