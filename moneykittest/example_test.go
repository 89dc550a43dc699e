package moneykittest_test

import (
	"context"
	"errors"
	"fmt"
	"log"

	"github.com/halyard-labs/moneykit-go/moneykittest"
	"github.com/halyard-labs/moneykit-go/wrapper"
)

// rotateWebhook is the code under test: it would normally live in your application.
func rotateWebhook(ctx context.Context, c *wrapper.Client, linkID, hook string) error {
	_, err := c.UpdateLink(ctx, linkID, wrapper.UpdateParams{Webhook: wrapper.SetWebhook(hook)})
	return err
}

// Test your own code against the fake: no account, no network. In a test, use
// WithViolationHandler(func(err error) { t.Error(err) }) and t.Cleanup(srv.Close).
func ExampleNewServer() {
	srv, err := moneykittest.NewServer()
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	c, err := wrapper.New(srv.Token(), wrapper.WithBaseURL(srv.URL))
	if err != nil {
		log.Fatal(err)
	}

	if err := rotateWebhook(context.Background(), c, moneykittest.SeedLinkID, "https://new.example.com/hook"); err != nil {
		log.Fatal(err)
	}
	link, _ := srv.Link(moneykittest.SeedLinkID)
	hook, _ := link.Webhook.Get()
	fmt.Println(hook)
	fmt.Println(string(srv.Requests()[0].Body))

	// A proxy fails once: the client retries and succeeds.
	srv.InjectFault(moneykittest.Fault{Kind: moneykittest.FaultHTML502})
	err = rotateWebhook(context.Background(), c, moneykittest.SeedLinkID, "https://new.example.com/hook")
	fmt.Println(err, len(srv.Requests()))

	// It keeps failing: after the retries, the error says what happened.
	srv.InjectFault(moneykittest.Fault{Kind: moneykittest.FaultHTML502, Times: -1})
	err = rotateWebhook(context.Background(), c, moneykittest.SeedLinkID, "https://new.example.com/hook")
	var e *wrapper.Error
	fmt.Println(errors.As(err, &e), e.StatusCode, e.Attempts)
	// Output:
	// https://new.example.com/hook
	// {"webhook":"https://new.example.com/hook"}
	// <nil> 3
	// true 502 3
}
