package moneykittest_test

import (
	"context"
	"fmt"
	"io"
	"log"
	"runtime"
	"time"

	"github.com/oapi-codegen/nullable"

	"github.com/halyard-labs/moneykit-go/api"
	"github.com/halyard-labs/moneykit-go/moneykittest"
	"github.com/halyard-labs/moneykit-go/wrapper"
)

// rotateWebhook is the code under test: it would normally live in your application.
func rotateWebhook(ctx context.Context, c *wrapper.Client, linkID, hook string) error {
	_, err := c.UpdateLink(ctx, linkID, wrapper.UpdateParams{Webhook: wrapper.SetWebhook(hook)})
	return err
}

// fakeAPI is the setup the examples share: a fake on loopback and a client of it. The
// client's retries wait a millisecond instead of the default half second or more, so that
// a test of a retried fault takes no time. The caller closes the server.
func fakeAPI(opts ...moneykittest.Option) (*moneykittest.Server, *wrapper.Client) {
	srv, err := moneykittest.NewServer(opts...)
	if err != nil {
		log.Fatal(err)
	}
	c, err := wrapper.New(srv.Token(), wrapper.WithBaseURL(srv.URL),
		wrapper.WithRetryBackoff(time.Millisecond, time.Millisecond))
	if err != nil {
		srv.Close()
		log.Fatal(err)
	}
	return srv, c
}

// addLink adds a copy of the seeded link under another id, with opts: what
// ExampleFake_AddLink shows, for the examples that need a link of their own.
func addLink(srv *moneykittest.Server, id string, opts ...moneykittest.LinkOption) {
	link, ok := srv.Link(moneykittest.SeedLinkID)
	if !ok {
		log.Fatal("the fake has no seeded link")
	}
	link.LinkID = id
	if err := srv.AddLink(link, opts...); err != nil {
		log.Fatal(err)
	}
}

// Test your own code against the fake: no account, no network. In a test, pass
// WithViolationHandler(func(err error) { t.Error(err) }) and register t.Cleanup(srv.Close).
func Example() {
	srv, c := fakeAPI()
	defer srv.Close()

	err := rotateWebhook(context.Background(), c, moneykittest.SeedLinkID, "https://new.example.com/hook")
	fmt.Println("error:", err)

	// Check what the code did: the link's state in the fake, and the request it sent.
	link, ok := srv.Link(moneykittest.SeedLinkID)
	if !ok {
		log.Fatal("the link is gone")
	}
	hook, err := link.Webhook.Get() // an error if the webhook is null or absent
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("webhook:", hook)
	req := srv.Requests()[0]
	fmt.Println(req.Method, req.Path, string(req.Body))
	// Output:
	// error: <nil>
	// webhook: https://new.example.com/hook
	// PATCH /links/mk_eqkWN34UEoa2NxyALG8pcV {"webhook":"https://new.example.com/hook"}
}

// The whole setup: a fake on a loopback port, and the client pointed at it with the
// fake's URL and token.
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

	err = c.DeleteLink(context.Background(), moneykittest.SeedLinkID)
	link, _ := srv.Link(moneykittest.SeedLinkID)
	fmt.Println(err, link.State)
	// Output: <nil> deleted
}

// Each Server has state of its own, so tests can run in parallel, one fake each.
func ExampleServer() {
	a, ca := fakeAPI()
	defer a.Close()
	b, _ := fakeAPI()
	defer b.Close()

	if err := ca.DeleteLink(context.Background(), moneykittest.SeedLinkID); err != nil {
		log.Fatal(err)
	}
	inA, _ := a.Link(moneykittest.SeedLinkID)
	inB, _ := b.Link(moneykittest.SeedLinkID)
	fmt.Println("a:", inA.State, len(a.Requests()))
	fmt.Println("b:", inB.State, len(b.Requests()))
	// Output:
	// a: deleted 1
	// b: connected 0
}

// Close does not wait for an injected delay: a request held by one is answered 503, not
// processed, and the test ends at once.
func ExampleServer_Close() {
	srv, c := fakeAPI()
	srv.InjectFault(moneykittest.Fault{Kind: moneykittest.FaultDelay, Latency: time.Hour})
	done := make(chan error)
	go func() { done <- c.DeleteLink(context.Background(), moneykittest.SeedLinkID, wrapper.WithMaxRetries(0)) }()
	for len(srv.Requests()) == 0 { // wait until the request is held
		runtime.Gosched()
	}

	srv.Close()
	err := <-done
	fmt.Println(err)
	link, _ := srv.Link(moneykittest.SeedLinkID)
	fmt.Println(link.State, srv.Requests()[0].Status)
	// Output:
	// moneykit: DELETE /links/mk_eqkWN34UEoa2NxyALG8pcV: 503 api_error.internal: moneykittest: the fake is shutting down; the request was not processed.
	// connected 503
}

// Client sends requests of your own making, here one built with the generated api package
// that the wrapper would refuse to send: the fake checks every request against
// openapi.yaml and answers a breach as MoneyKit does.
func ExampleServer_Client() {
	srv, _ := fakeAPI()
	defer srv.Close()
	req, err := api.NewUpdateLinkRequest(srv.URL, moneykittest.SeedLinkID, nil,
		api.UpdateLinkRequest{Webhook: nullable.NewNullableWithValue("not a URL")})
	if err != nil {
		log.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+srv.Token())

	resp, err := srv.Client().Do(req)
	if err != nil {
		log.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(resp.StatusCode, string(body))
	// Output:
	// 422 {"documentation_url":"https://docs.moneykit.com/reference/errors","error_code":"api_error.request.validation_failed","error_message":"Request validation failed.","validation_errors":[{"location":["body","webhook"],"message":"string doesn't match the format \"uri\" (must not contain spaces or control characters)","type":"value_error.uri"}]}
}

// Options set up a fake as a test case needs, so one test can run its code against each
// variant. An option that cannot work is an error from NewServer (or New), not a panic.
func ExampleOption() {
	variants := [][]moneykittest.Option{
		nil,                            // DELETE answers 200 {}
		{moneykittest.WithDelete204()}, // DELETE answers 204
		{moneykittest.WithTokenTTL(0)}, // no such lifetime
	}
	for _, opts := range variants {
		srv, err := moneykittest.NewServer(opts...)
		if err != nil {
			fmt.Println(err)
			continue
		}
		c, err := wrapper.New(srv.Token(), wrapper.WithBaseURL(srv.URL))
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(c.DeleteLink(context.Background(), moneykittest.SeedLinkID), srv.Requests()[0].Status)
		srv.Close()
	}
	// Output:
	// <nil> 200
	// <nil> 204
	// moneykittest: WithTokenTTL: not positive
}
