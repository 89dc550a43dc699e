package moneykittest_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net/url"
	"sync"
	"time"

	"github.com/halyard-labs/moneykit-go/moneykittest"
	"github.com/halyard-labs/moneykit-go/wrapper"
)

// A token fixed in advance, for code under test that reads it from configuration written
// before the fake starts.
func ExampleWithToken() {
	const token = "mk_test_from_config"
	srv, err := moneykittest.NewServer(moneykittest.WithToken(token))
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()

	c, err := wrapper.New(token, wrapper.WithBaseURL(srv.URL))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(c.DeleteLink(context.Background(), moneykittest.SeedLinkID))
	// Output: <nil>
}

// Each fake makes up its own token: a test that hard-codes one is refused, and the token
// is redacted from the requests the fake records.
func ExampleFake_Token() {
	srv, _ := fakeAPI()
	defer srv.Close()
	ctx := context.Background()
	good, err := wrapper.New(srv.Token(), wrapper.WithBaseURL(srv.URL))
	if err != nil {
		log.Fatal(err)
	}
	guessed, err := wrapper.New("mk_test_guessed", wrapper.WithBaseURL(srv.URL))
	if err != nil {
		log.Fatal(err)
	}

	fmt.Println(good.DeleteLink(ctx, moneykittest.SeedLinkID))
	fmt.Println(guessed.DeleteLink(ctx, moneykittest.SeedLinkID))
	fmt.Println(srv.Requests()[0].Header.Get("Authorization"))
	// Output:
	// <nil>
	// moneykit: DELETE /links/mk_eqkWN34UEoa2NxyALG8pcV: 401 api_error.auth.unauthorized: Invalid or missing credentials.
	// Bearer [REDACTED]
}

// Tokens of your own beside the fake's: one per user of your app, or one that has
// expired already.
func ExampleFake_AddToken() {
	srv, _ := fakeAPI()
	defer srv.Close()
	srv.AddToken("mk_test_alice", time.Time{})                // never expires
	srv.AddToken("mk_test_bob", time.Now().Add(-time.Minute)) // expired a minute ago

	for _, token := range []string{"mk_test_alice", "mk_test_bob"} {
		c, err := wrapper.New(token, wrapper.WithBaseURL(srv.URL))
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(c.DeleteLink(context.Background(), moneykittest.SeedLinkID))
	}
	// Output:
	// <nil>
	// moneykit: DELETE /links/mk_eqkWN34UEoa2NxyALG8pcV: 401 api_error.auth.expired_access_token: Access token expired
}

// A fixed token cannot be renewed: once it expires, every call fails with
// ErrAccessTokenExpired, and your code should say that a new token is needed.
func ExampleFake_ExpireTokens() {
	srv, c := fakeAPI()
	defer srv.Close()
	srv.ExpireTokens()

	err := c.DeleteLink(context.Background(), moneykittest.SeedLinkID)
	fmt.Println(errors.Is(err, wrapper.ErrAccessTokenExpired))
	fmt.Println(err)
	// Output:
	// true
	// moneykit: DELETE /links/mk_eqkWN34UEoa2NxyALG8pcV: 401 api_error.auth.expired_access_token: Access token expired
}

// The client id and secret your configuration holds: the client exchanges them at POST
// /auth/token, and a wrong secret is an error that does not repeat it.
func ExampleWithClientCredentials() {
	srv, _ := fakeAPI(moneykittest.WithClientCredentials("my-client-id", "my-client-secret"))
	defer srv.Close()
	ctx := context.Background()

	good, err := wrapper.NewClientCredentials("my-client-id", "my-client-secret", wrapper.WithBaseURL(srv.URL))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(good.DeleteLink(ctx, moneykittest.SeedLinkID))
	wrong, err := wrapper.NewClientCredentials("my-client-id", "not-the-secret", wrapper.WithBaseURL(srv.URL))
	if err != nil {
		log.Fatal(err) // only options are checked here: the secret is tried at the first call
	}
	err = wrong.DeleteLink(ctx, moneykittest.SeedLinkID)
	fmt.Println(errors.Is(err, wrapper.ErrTokenSource))
	fmt.Println(err)
	// Output:
	// <nil>
	// true
	// moneykit: DELETE /links/mk_eqkWN34UEoa2NxyALG8pcV: getting an access token: oauth2: cannot fetch token: 401 Unauthorized Response: {"documentation_url":"https://docs.moneykit.com/reference/errors","error_code":"api_error.auth.unauthorized","error_message":"Invalid or missing …
}

// MoneyKit's mode without a token exchange: the id and secret go in headers on every
// request. The fake records the id and redacts the secret.
func ExampleFake_ClientID() {
	srv, _ := fakeAPI()
	defer srv.Close()
	c, err := wrapper.NewWithClientHeaders(srv.ClientID(), srv.ClientSecret(), wrapper.WithBaseURL(srv.URL))
	if err != nil {
		log.Fatal(err)
	}

	err = c.DeleteLink(context.Background(), moneykittest.SeedLinkID)
	h := srv.Requests()[0].Header
	fmt.Println(err, h.Get("X-Client-Id") == srv.ClientID(), h.Get("X-Client-Secret"))
	// Output: <nil> true [REDACTED]
}

// The secret the client exchanges for a token: the recorded token request shows it
// redacted.
func ExampleFake_ClientSecret() {
	srv, _ := fakeAPI()
	defer srv.Close()
	c, err := wrapper.NewClientCredentials(srv.ClientID(), srv.ClientSecret(), wrapper.WithBaseURL(srv.URL))
	if err != nil {
		log.Fatal(err)
	}

	if err := c.DeleteLink(context.Background(), moneykittest.SeedLinkID); err != nil {
		log.Fatal(err)
	}
	token := srv.Requests()[0]
	form, err := url.ParseQuery(string(token.Body))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(token.Method, token.Path, token.Status)
	fmt.Println(form.Get("grant_type"), form.Get("client_secret"))
	// Output:
	// POST /auth/token 201
	// client_credentials [REDACTED]
}

// Concurrent calls share one token: the client does not ask for a token per call.
func ExampleFake_TokensIssued() {
	srv, _ := fakeAPI()
	defer srv.Close()
	c, err := wrapper.NewClientCredentials(srv.ClientID(), srv.ClientSecret(), wrapper.WithBaseURL(srv.URL))
	if err != nil {
		log.Fatal(err)
	}

	errs := make([]error, 5)
	var wg sync.WaitGroup
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = rotateWebhook(context.Background(), c, moneykittest.SeedLinkID, "https://example.com/hook")
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		log.Fatal(err)
	}
	fmt.Println("tokens:", srv.TokensIssued(), "requests:", len(srv.Requests()))
	// Output: tokens: 1 requests: 6
}

// Tokens from POST /auth/token expire after the TTL, on the fake's clock: the client
// notices the 401 expired_access_token, gets a new token and retries, and the call
// succeeds.
func ExampleWithTokenTTL() {
	clk := newClock()
	srv, _ := fakeAPI(moneykittest.WithTokenTTL(time.Minute), moneykittest.WithClock(clk.Now))
	defer srv.Close()
	c, err := wrapper.NewClientCredentials(srv.ClientID(), srv.ClientSecret(), wrapper.WithBaseURL(srv.URL))
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()

	fmt.Println(rotateWebhook(ctx, c, moneykittest.SeedLinkID, "https://example.com/a"))
	clk.Advance(time.Minute)
	fmt.Println(rotateWebhook(ctx, c, moneykittest.SeedLinkID, "https://example.com/b"))
	var statuses []int
	for _, r := range srv.Requests() {
		statuses = append(statuses, r.Status)
	}
	fmt.Println(srv.TokensIssued(), statuses)
	// Output:
	// <nil>
	// <nil>
	// 2 [201 200 401 201 200]
}
