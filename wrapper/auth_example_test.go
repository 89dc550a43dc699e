package wrapper_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"time"

	"golang.org/x/oauth2"

	"github.com/halyard-labs/moneykit-go/moneykittest"
	"github.com/halyard-labs/moneykit-go/wrapper"
)

// A service exchanges its client id and secret for access tokens, and renews them when
// MoneyKit says one expired: its calls go on working past a token's hour.
func ExampleNewClientCredentials() {
	srv := exampleServer()
	defer srv.Close()
	ctx := context.Background()

	// In production: os.Getenv("MONEYKIT_CLIENT_ID"), os.Getenv("MONEYKIT_CLIENT_SECRET").
	c, err := wrapper.NewClientCredentials(srv.ClientID(), srv.ClientSecret(), wrapper.WithBaseURL(srv.URL))
	if err != nil {
		log.Fatal(err)
	}
	if err := c.DeleteLink(ctx, moneykittest.SeedLinkID); err != nil {
		log.Fatal(err)
	}
	srv.ExpireTokens() // as if the hour had passed
	if err := c.DeleteLink(ctx, "mk_4NwQa7ZrTb1XyEhK8sJdLc"); err != nil {
		log.Fatal(err)
	}
	for _, r := range srv.Requests() {
		fmt.Println(r.Method, r.Path, r.Status)
	}
	// Output:
	// POST /auth/token 201
	// DELETE /links/mk_eqkWN34UEoa2NxyALG8pcV 200
	// DELETE /links/mk_4NwQa7ZrTb1XyEhK8sJdLc 401
	// POST /auth/token 201
	// DELETE /links/mk_4NwQa7ZrTb1XyEhK8sJdLc 200
}

// Ask for a token that may do only what this job needs.
func ExampleWithScopes() {
	srv := exampleServer()
	defer srv.Close()

	c, err := wrapper.NewClientCredentials(srv.ClientID(), srv.ClientSecret(),
		wrapper.WithBaseURL(srv.URL), wrapper.WithScopes("links"))
	if err != nil {
		log.Fatal(err)
	}
	if err := c.DeleteLink(context.Background(), moneykittest.SeedLinkID); err != nil {
		log.Fatal(err)
	}
	form, err := url.ParseQuery(string(srv.Requests()[0].Body)) // the POST /auth/token form
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(form.Get("grant_type"), form.Get("scope"))
	// Output: client_credentials links
}

// tokenFunc makes an oauth2.TokenSource of a function.
type tokenFunc func() (*oauth2.Token, error)

func (f tokenFunc) Token() (*oauth2.Token, error) { return f() }

// Take tokens from your own token service. When MoneyKit says a token expired, the client
// asks the source for a new one and sends the call again.
func ExampleNewFromTokenSource() {
	srv := exampleServer()
	defer srv.Close()
	ctx := context.Background()

	fetched := 0
	ts := tokenFunc(func() (*oauth2.Token, error) { // called by one call at a time
		fetched++
		tok := fmt.Sprintf("token-%d", fetched)
		srv.AddToken(tok, time.Time{}) // your token service would get it from MoneyKit
		return &oauth2.Token{AccessToken: tok, Expiry: time.Now().Add(time.Hour)}, nil
	})
	c, err := wrapper.NewFromTokenSource(ts, wrapper.WithBaseURL(srv.URL))
	if err != nil {
		log.Fatal(err)
	}
	err1 := c.DeleteLink(ctx, moneykittest.SeedLinkID)
	srv.ExpireTokens() // MoneyKit ends the token early
	err2 := c.DeleteLink(ctx, "mk_4NwQa7ZrTb1XyEhK8sJdLc")
	fmt.Println(err1, err2, "tokens fetched:", fetched)
	// Output: <nil> <nil> tokens fetched: 2
}

// Send the client id and secret on every request instead of exchanging them for a
// token: there is no token to renew. A wrong secret fails with ErrUnauthorized.
func ExampleNewWithClientHeaders() {
	srv := exampleServer()
	defer srv.Close()

	for _, secret := range []string{srv.ClientSecret(), "a-rotated-out-secret"} {
		c, err := wrapper.NewWithClientHeaders(srv.ClientID(), secret, wrapper.WithBaseURL(srv.URL))
		if err != nil {
			log.Fatal(err)
		}
		err = c.DeleteLink(context.Background(), moneykittest.SeedLinkID)
		fmt.Println(errors.Is(err, wrapper.ErrUnauthorized), err)
	}
	fmt.Println("tokens issued:", srv.TokensIssued())
	// Output:
	// false <nil>
	// true moneykit: DELETE /links/mk_eqkWN34UEoa2NxyALG8pcV: 401 api_error.auth.unauthorized: Invalid or missing credentials.
	// tokens issued: 0
}

// deleteWithWrongSecret deletes a link on srv with a client whose secret is wrong: the
// token endpoint refuses it.
func deleteWithWrongSecret(srv *moneykittest.Server) error {
	c, err := wrapper.NewClientCredentials(srv.ClientID(), "not-the-secret", wrapper.WithBaseURL(srv.URL))
	if err != nil {
		log.Fatal(err)
	}
	return c.DeleteLink(context.Background(), moneykittest.SeedLinkID)
}

// A wrong client secret is refused by the token endpoint, not by the links API: the error
// is a *TokenError that says what the endpoint answered, and never an *Error.
func ExampleTokenError() {
	srv := exampleServer()
	defer srv.Close()
	err := deleteWithWrongSecret(srv)
	var te *wrapper.TokenError
	if !errors.As(err, &te) {
		log.Fatalf("not a token error: %v", err)
	}
	var apiErr *wrapper.Error
	fmt.Println(te.StatusCode, te.Code, errors.As(err, &apiErr))
	fmt.Println("the link is untouched:", len(srv.Requests()) == 1)
	// Output:
	// 401 api_error.auth.unauthorized false
	// the link is untouched: true
}

// Error's text names the token, never the secret: safe to log.
func ExampleTokenError_Error() {
	srv := exampleServer()
	defer srv.Close()
	err := deleteWithWrongSecret(srv)
	fmt.Println(strings.Contains(err.Error(), "getting an access token: "), strings.Contains(err.Error(), "not-the-secret"))
	// Output: true false
}

// Every token failure matches ErrTokenSource, whatever its cause: one check for "we could
// not authenticate" in a handler.
func ExampleTokenError_Is() {
	srv := exampleServer()
	defer srv.Close()
	err := deleteWithWrongSecret(srv)
	fmt.Println(errors.Is(err, wrapper.ErrTokenSource))
	// Output: true
}

// A call whose deadline ends while it waits for a token says both: it could not get a
// token, and why (the context's error, through Unwrap).
func ExampleTokenError_Unwrap() {
	// A token endpoint that never answers (until the request is given up: with its body
	// read, the server sees the client go).
	endpoint := httptest.NewServer(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		<-r.Context().Done()
	}))
	defer endpoint.Close()

	c, err := wrapper.NewClientCredentials("id", "secret", wrapper.WithBaseURL(endpoint.URL))
	if err != nil {
		log.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	err = c.DeleteLink(ctx, moneykittest.SeedLinkID)
	var te *wrapper.TokenError
	fmt.Println(errors.As(err, &te) && errors.Is(te.Unwrap(), context.DeadlineExceeded))
	// Output: true
}

// Temporary tells a failure worth a later try (the endpoint was down or busy) from one
// that needs a person (the credentials are wrong).
func ExampleTokenError_Temporary() {
	srv := exampleServer()
	defer srv.Close()
	err := deleteWithWrongSecret(srv)
	var te *wrapper.TokenError
	if errors.As(err, &te) {
		fmt.Println("try again later:", te.Temporary())
	}
	// Output: try again later: false
}
