package wrapper_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"strings"
	"sync"

	"github.com/halyard-labs/moneykit-go/api"
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

// lastRequest returns the last request the fake received, as it was sent (the fake
// redacts credentials), or the zero Request.
func lastRequest(srv *moneykittest.Server) moneykittest.Request {
	reqs := srv.Requests()
	if len(reqs) == 0 {
		return moneykittest.Request{}
	}
	return reqs[len(reqs)-1]
}

// lastBody returns the body of the last request the fake received.
func lastBody(srv *moneykittest.Server) string { return string(lastRequest(srv).Body) }

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

// Make one Client at start-up and share it: it is safe for concurrent use, as by your
// HTTP handlers; here, by one goroutine per link. (For many links, use UpdateLinks.)
func ExampleClient() {
	srv, c := fakeAPI()
	defer srv.Close()

	ids := []string{moneykittest.SeedLinkID, "mk_4NwQa7ZrTb1XyEhK8sJdLc", "mk_6VbHs2KpQm8CjRwY3tNxAf"}
	errs := make([]error, len(ids))
	var wg sync.WaitGroup
	for i, id := range ids {
		wg.Go(func() {
			_, errs[i] = c.UpdateLink(context.Background(), id, wrapper.UpdateParams{LinkTags: wrapper.SetLinkTags("migrated")})
		})
	}
	wg.Wait()
	fmt.Println(errors.Join(errs...), len(srv.Requests()))
	// Output: <nil> 3
}

// A client with a fixed access token, for scripts and short jobs (a token lasts an hour;
// a service should use NewClientCredentials). A missing token is an error at once, not a
// client whose every call fails.
func ExampleNew() {
	srv := exampleServer()
	defer srv.Close()

	_, err := wrapper.New("") // as os.Getenv("MONEYKIT_ACCESS_TOKEN") gives when it is not set
	fmt.Println(err)

	c, err := wrapper.New(srv.Token(), wrapper.WithBaseURL(srv.URL))
	if err != nil {
		log.Fatal(err)
	}
	err = c.DeleteLink(context.Background(), moneykittest.SeedLinkID)
	fmt.Println(err, srv.Requests()[0].Header.Get("Authorization")) // the fake redacts the token
	// Output:
	// moneykit: empty access token
	// <nil> Bearer [REDACTED]
}

// Check at start-up that production talks to MoneyKit, not to a URL left over from
// testing.
func ExampleClient_BaseURL() {
	c, err := wrapper.New("token", wrapper.WithBaseURL("https://moneykit-mock.staging.acme.example/"))
	if err != nil {
		log.Fatal(err)
	}
	if c.BaseURL() != wrapper.DefaultBaseURL {
		fmt.Println("production must use", wrapper.DefaultBaseURL, "not", c.BaseURL())
	}
	// Output: production must use https://api.moneykit.com not https://moneykit-mock.staging.acme.example
}

// Log the client as any other dependency: it prints its base URL, never its credentials.
func ExampleClient_String() {
	token := "example-access-token" // in production, from your secret store
	c, err := wrapper.New(token)
	if err != nil {
		log.Fatal(err)
	}
	line := fmt.Sprintf("moneykit client ready: %v", c)
	fmt.Println(line)
	fmt.Println("token in the log line:", strings.Contains(line, token))
	// Output:
	// moneykit client ready: moneykit.Client(https://api.moneykit.com)
	// token in the log line: false
}

// Dump a struct that holds the client with %#v in a debug log: the client prints as its
// String, without the credentials.
func ExampleClient_GoString() {
	type deps struct {
		MoneyKit *wrapper.Client
		Region   string
	}
	c, err := wrapper.NewWithClientHeaders("client_id_7d2f", "client_secret_9b4e")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%#v\n", deps{MoneyKit: c, Region: "us-east-1"})
	// Output: wrapper_test.deps{MoneyKit:moneykit.Client(https://api.moneykit.com), Region:"us-east-1"}
}

// Read the link an update returns: a link in the error state needs its owner to act.
func ExampleLink() {
	srv, c := fakeAPI()
	defer srv.Close()

	link, err := c.UpdateLink(context.Background(), "mk_8PzEr6TyUi0OlKjHg2FdSa", wrapper.UpdateParams{
		Webhook: wrapper.SetWebhook("https://hooks.acme.example/v2"),
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(link.InstitutionName, link.State)
	if code, err := link.ErrorCode.Get(); err == nil && link.State == api.LinkStateError {
		fmt.Println("ask the customer to act:", code)
	}
	if p := link.Products.Accounts; p != nil && p.ErrorCode != nil && p.ErrorMessage != nil {
		fmt.Println("accounts:", *p.ErrorCode, "-", *p.ErrorMessage)
	}
	// Output:
	// MoneyKit Sandbox Bank error
	// ask the customer to act: user_setup_required
	// accounts: institution_error - The user must finish setup at the institution.
}
