package moneykittest_test

import (
	"context"
	"errors"
	"fmt"
	"log"

	"github.com/halyard-labs/moneykit-go/moneykittest"
	"github.com/halyard-labs/moneykit-go/wrapper"
)

// A request as it arrived: the path as escaped on the wire, the id decoded, and the body
// as sent, where a null webhook (remove it) and an absent one (leave it) differ.
func ExampleRequest() {
	srv, c := fakeAPI()
	defer srv.Close()
	addLink(srv, "legacy/42") // an id with a slash, as an older system made them

	_, err := c.UpdateLink(context.Background(), "legacy/42", wrapper.UpdateParams{Webhook: wrapper.RemoveWebhook()})
	r := srv.Requests()[0]
	fmt.Println(err, r.Method, r.Status)
	fmt.Println(r.Path, r.LinkID)
	fmt.Println(string(r.Body))
	// Output:
	// <nil> PATCH 200
	// /links/legacy%2F42 legacy/42
	// {"webhook":null}
}

// Check what your code sent, and what the fake answered.
func ExampleFake_Requests() {
	srv, c := fakeAPI()
	defer srv.Close()
	ctx := context.Background()

	if _, err := c.UpdateLink(ctx, moneykittest.SeedLinkID, wrapper.UpdateParams{LinkTags: wrapper.SetLinkTags("churned")}); err != nil {
		log.Fatal(err)
	}
	if err := c.DeleteLink(ctx, moneykittest.SeedLinkID); err != nil {
		log.Fatal(err)
	}
	if err := c.DeleteLink(ctx, moneykittest.SeedLinkID); !errors.Is(err, wrapper.ErrLinkDeleted) { // the fake answers 410
		log.Fatal(err)
	}
	for _, r := range srv.Requests() {
		fmt.Printf("%s %d %s %q\n", r.Method, r.Status, r.Header.Get("MoneyKit-Version"), r.Body)
	}
	// Output:
	// PATCH 200 2023-02-18 "{\"link_tags\":[\"churned\"]}"
	// DELETE 200 2023-02-18 ""
	// DELETE 410 2023-02-18 ""
}

// Forget the requests of a test's setup, so that only those of the code under test are
// checked.
func ExampleFake_ResetRequests() {
	srv, c := fakeAPI()
	defer srv.Close()
	ctx := context.Background()
	if err := rotateWebhook(ctx, c, moneykittest.SeedLinkID, "https://old.example.com/hook"); err != nil {
		log.Fatal(err)
	}
	srv.ResetRequests()

	if err := rotateWebhook(ctx, c, moneykittest.SeedLinkID, "https://new.example.com/hook"); err != nil {
		log.Fatal(err)
	}
	reqs := srv.Requests()
	fmt.Println(len(reqs), string(reqs[0].Body))
	// Output: 1 {"webhook":"https://new.example.com/hook"}
}
