package wrapper_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/halyard-labs/moneykit-go/moneykittest"
	"github.com/halyard-labs/moneykit-go/wrapper"
)

func fakeServer(t *testing.T, opts ...moneykittest.Option) *moneykittest.Server {
	t.Helper()
	opts = append([]moneykittest.Option{moneykittest.WithViolationHandler(func(err error) { t.Errorf("fake: %v", err) })}, opts...)
	srv, err := moneykittest.NewServer(opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	return srv
}

// Client credentials: tokens come from POST /auth/token; an expired token mid-run is
// refreshed once and the call retried once; many concurrent calls share one refresh.
func TestClientCredentials(t *testing.T) {
	srv := fakeServer(t)
	c, err := wrapper.NewClientCredentials(srv.ClientID(), srv.ClientSecret(), wrapper.WithBaseURL(srv.URL), wrapper.WithScopes("links"))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := c.UpdateLink(ctx, moneykittest.SeedLinkID, wrapper.UpdateParams{LinkTags: wrapper.SetLinkTags("a")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.UpdateLink(ctx, moneykittest.SeedLinkID, wrapper.UpdateParams{LinkTags: wrapper.SetLinkTags("b")}); err != nil {
		t.Fatal(err)
	}
	if n := srv.TokensIssued(); n != 1 {
		t.Fatalf("tokens issued = %d, want 1 (the token is cached)", n)
	}
	tokenReq := srv.Requests()[0]
	if tokenReq.Method != "POST" || tokenReq.Path != "/auth/token" || !strings.Contains(string(tokenReq.Body), "grant_type=client_credentials") || !strings.Contains(string(tokenReq.Body), "scope=links") {
		t.Errorf("token request = %s %s %q", tokenReq.Method, tokenReq.Path, tokenReq.Body)
	}

	// The token expires mid-run: 100 concurrent calls, one refresh.
	srv.ExpireTokens()
	srv.ResetRequests()
	var wg sync.WaitGroup
	var failed atomic.Int32
	for i := range 100 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := c.UpdateLink(ctx, "mk_4NwQa7ZrTb1XyEhK8sJdLc", wrapper.UpdateParams{LinkTags: wrapper.SetLinkTags(fmt.Sprint(i))}); err != nil {
				failed.Add(1)
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if n := srv.TokensIssued(); n != 2 {
		t.Errorf("tokens issued = %d, want 2: concurrent calls must share one refresh", n)
	}
	expired := 0
	for _, r := range srv.Requests() {
		if r.Status == 401 {
			expired++
		}
	}
	if expired == 0 || expired > 100 {
		t.Errorf("401 answers = %d; the expiry was not exercised", expired)
	}

	// Wrong secret: a clear error without the secret, and no retry storm.
	bad, err := wrapper.NewClientCredentials(srv.ClientID(), "wrong-secret-value", wrapper.WithBaseURL(srv.URL))
	if err != nil {
		t.Fatal(err)
	}
	err = bad.DeleteLink(ctx, moneykittest.SeedLinkID)
	if !errors.Is(err, wrapper.ErrTokenSource) || strings.Contains(err.Error(), "wrong-secret-value") {
		t.Errorf("bad secret: %v", err)
	}
	for _, v := range []any{bad, *bad, err} {
		for _, verb := range []string{"%v", "%+v", "%#v"} {
			if s := fmt.Sprintf(verb, v); strings.Contains(s, "wrong-secret-value") || strings.Contains(s, srv.ClientSecret()) {
				t.Errorf("%s of %T shows the secret", verb, v)
			}
		}
	}
}

// A static token cannot be refreshed: a 401 expired is returned, once.
func TestStaticTokenExpired(t *testing.T) {
	srv := fakeServer(t)
	srv.AddToken("old", time.Now().Add(-time.Hour))
	c, err := wrapper.New("old", wrapper.WithBaseURL(srv.URL))
	if err != nil {
		t.Fatal(err)
	}
	err = c.DeleteLink(context.Background(), moneykittest.SeedLinkID)
	var e *wrapper.Error
	if !errors.Is(err, wrapper.ErrAccessTokenExpired) || !errors.As(err, &e) || e.Attempts != 1 {
		t.Errorf("err = %v", err)
	}
}

// countingSource hands out tokens from the fake, counting how often it is asked.
type countingSource struct {
	calls atomic.Int32
	next  func() string
}

func (s *countingSource) Token() (*oauth2.Token, error) {
	s.calls.Add(1)
	return &oauth2.Token{AccessToken: s.next(), Expiry: time.Now().Add(time.Hour)}, nil
}

// A token source whose token the API calls expired is asked again once; a second 401
// is returned as the error.
func TestTokenSourceRefreshOnce(t *testing.T) {
	srv := fakeServer(t)
	var n atomic.Int32
	src := &countingSource{next: func() string {
		tok := fmt.Sprintf("tok-%d", n.Add(1))
		srv.AddToken(tok, time.Time{})
		return tok
	}}
	c, err := wrapper.NewFromTokenSource(src, wrapper.WithBaseURL(srv.URL))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := c.DeleteLink(ctx, "mk_4NwQa7ZrTb1XyEhK8sJdLc"); err != nil {
		t.Fatal(err)
	}
	srv.ExpireTokens()
	if err := c.DeleteLink(ctx, "mk_6VbHs2KpQm8CjRwY3tNxAf"); err != nil {
		t.Fatalf("after expiry: %v", err)
	}
	if got := src.calls.Load(); got != 2 {
		t.Errorf("token source asked %d times, want 2", got)
	}
	// A source that keeps handing out expired tokens: refresh once, then the error.
	stale := &countingSource{next: func() string { srv.AddToken("stale", time.Now().Add(-time.Minute)); return "stale" }}
	c2, _ := wrapper.NewFromTokenSource(stale, wrapper.WithBaseURL(srv.URL))
	err = c2.DeleteLink(ctx, moneykittest.SeedLinkID)
	var e *wrapper.Error
	if !errors.Is(err, wrapper.ErrAccessTokenExpired) || !errors.As(err, &e) || e.Attempts != 2 || stale.calls.Load() != 2 {
		t.Errorf("stale source: err %v, source asked %d times", err, stale.calls.Load())
	}
}

func TestClientHeaders(t *testing.T) {
	srv := fakeServer(t)
	c, err := wrapper.NewWithClientHeaders(srv.ClientID(), srv.ClientSecret(), wrapper.WithBaseURL(srv.URL))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.DeleteLink(context.Background(), moneykittest.SeedLinkID); err != nil {
		t.Fatal(err)
	}
	r := srv.Requests()[0]
	if r.Header.Get("X-Client-Id") != srv.ClientID() || r.Header.Get("Authorization") != "" {
		t.Errorf("headers = %v", r.Header)
	}
	bad, _ := wrapper.NewWithClientHeaders(srv.ClientID(), "nope", wrapper.WithBaseURL(srv.URL))
	if err := bad.DeleteLink(context.Background(), moneykittest.SeedLinkID); !errors.Is(err, wrapper.ErrUnauthorized) {
		t.Errorf("bad secret: %v", err)
	}
	for _, bad := range [][2]string{{"", "s"}, {"id", ""}, {"id", "se cret"}, {"i\nd", "s"}} {
		if _, err := wrapper.NewWithClientHeaders(bad[0], bad[1]); err == nil {
			t.Errorf("NewWithClientHeaders(%q, %q) accepted", bad[0], bad[1])
		}
		if _, err := wrapper.NewClientCredentials(bad[0], bad[1]); err == nil {
			t.Errorf("NewClientCredentials(%q, %q) accepted", bad[0], bad[1])
		}
	}
	if _, err := wrapper.NewFromTokenSource(nil); err == nil {
		t.Error("nil token source accepted")
	}
}

func TestAPIVersionHeader(t *testing.T) {
	for _, tc := range []struct {
		opts []wrapper.Option
		want string
	}{{nil, "2023-02-18"}, {[]wrapper.Option{wrapper.WithAPIVersion("2024-01-01")}, "2024-01-01"}} {
		c, s := setupWith(t, false, tc.opts...)
		s.handle(func(w http.ResponseWriter, r *http.Request) {
			if got := r.Header.Get("MoneyKit-Version"); got != tc.want {
				t.Errorf("MoneyKit-Version = %q, want %q", got, tc.want)
			}
			w.WriteHeader(204)
		})
		if err := c.DeleteLink(context.Background(), linkID); err != nil {
			t.Fatal(err)
		}
	}
}
