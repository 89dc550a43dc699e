package wrapper_test

import (
	"context"
	"errors"
	"fmt"
	"log"

	"github.com/halyard-labs/moneykit-go/moneykittest"
	"github.com/halyard-labs/moneykit-go/wrapper"
)

// exampleServer starts the in-memory MoneyKit API that the examples run against.
func exampleServer(opts ...moneykittest.Option) *moneykittest.Server {
	srv, err := moneykittest.NewServer(opts...)
	if err != nil {
		log.Fatal(err)
	}
	return srv
}

// fakeAPI starts the in-memory MoneyKit API and a client for it, made with opts. Against
// the real API, leave out WithBaseURL and pass your access token.
func fakeAPI(opts ...wrapper.Option) (*moneykittest.Server, *wrapper.Client) {
	srv := exampleServer()
	c, err := wrapper.New(srv.Token(), append([]wrapper.Option{wrapper.WithBaseURL(srv.URL)}, opts...)...)
	if err != nil {
		log.Fatal(err)
	}
	return srv, c
}

// lastBody returns the body of the last request the fake received, as it was sent.
func lastBody(srv *moneykittest.Server) string {
	reqs := srv.Requests()
	if len(reqs) == 0 {
		return "(no request)"
	}
	return string(reqs[len(reqs)-1].Body)
}

// fakeAPIRate is the BulkOptions.Rate of the examples' bulk runs, so that they run fast:
// the fake has no rate limit. Against MoneyKit, leave Rate at 0 (600 requests a minute).
const fakeAPIRate = 500

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
