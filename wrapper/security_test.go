package wrapper_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/halyard-labs/moneykit-go/wrapper"
)

func TestNewRejectsBadOptions(t *testing.T) {
	for _, tc := range []struct {
		name  string
		token string
		opts  []wrapper.Option
	}{
		{"empty token", "", nil},
		{"token with newline", "tok\nX-Evil: 1", nil},
		{"token with space", "tok en", nil},
		{"plain http to a remote host", testToken, []wrapper.Option{wrapper.WithBaseURL("http://api.moneykit.com")}},
		{"plain http to a private address", testToken, []wrapper.Option{wrapper.WithBaseURL("http://10.0.0.8:8080")}},
		{"no scheme", testToken, []wrapper.Option{wrapper.WithBaseURL("api.moneykit.com")}},
		{"ftp", testToken, []wrapper.Option{wrapper.WithBaseURL("ftp://api.moneykit.com")}},
		{"user info", testToken, []wrapper.Option{wrapper.WithBaseURL("https://user:pw@api.moneykit.com")}},
		{"query", testToken, []wrapper.Option{wrapper.WithBaseURL("https://api.moneykit.com?x=1")}},
		{"nil http client", testToken, []wrapper.Option{wrapper.WithHTTPClient(nil)}},
		{"nil option", testToken, []wrapper.Option{nil}},
		{"empty user agent", testToken, []wrapper.Option{wrapper.WithUserAgent("")}},
		{"user agent with newline", testToken, []wrapper.Option{wrapper.WithUserAgent("a\nb")}},
		{"zero body cap", testToken, []wrapper.Option{wrapper.WithMaxResponseBytes(0)}},
		{"nil editor", testToken, []wrapper.Option{wrapper.WithRequestEditor(nil)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := wrapper.New(tc.token, tc.opts...)
			if err == nil || c != nil {
				t.Fatalf("New = %v, %v; want an error", c, err)
			}
			if strings.Contains(err.Error(), "pw") || (tc.token != "" && tc.token != testToken && strings.Contains(err.Error(), tc.token)) {
				t.Errorf("error leaks a secret: %v", err)
			}
		})
	}
	for _, ok := range []string{"https://api.moneykit.com", "https://proxy.example.com/moneykit/", "http://127.0.0.1:8080", "http://localhost:1", "http://[::1]:8080"} {
		c, err := wrapper.New(testToken, wrapper.WithBaseURL(ok))
		if err != nil {
			t.Errorf("New(base %s) = %v", ok, err)
			continue
		}
		if got := c.BaseURL(); got != strings.TrimSuffix(ok, "/") {
			t.Errorf("BaseURL() = %q", got)
		}
	}
}

// The token shows in no formatted value and no error.
func TestTokenNeverFormatted(t *testing.T) {
	c, s := setupWith(t, false)
	s.handle(func(w http.ResponseWriter, r *http.Request) {
		// A hostile server echoing the request headers back in an error body.
		w.WriteHeader(500)
		fmt.Fprintf(w, "echo: %v", r.Header)
	})
	err := c.DeleteLink(context.Background(), linkID)
	var e *wrapper.Error
	if !errors.As(err, &e) {
		t.Fatalf("err = %v", err)
	}
	p := wrapper.UpdateParams{Webhook: wrapper.SetWebhook("https://x.test")}
	for _, v := range []any{c, *c, err, e, *e, p, wrapper.WithBaseURL("https://x.test"), wrapper.WithMaxRetries(3), wrapper.WithAttemptTimeout(time.Second)} {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
			if got := fmt.Sprintf(verb, v); strings.Contains(got, testToken) {
				t.Errorf("fmt %s of %T shows the token: %s", verb, v, got)
			}
		}
	}
	if !strings.Contains(e.Body, "[REDACTED]") {
		t.Errorf("echoed token was not redacted from the excerpt: %q", e.Body)
	}
}

// The token goes only to the base URL: redirects are not followed, an editor that points
// the request elsewhere gets no token, and request editors never see it.
func TestTokenStaysHome(t *testing.T) {
	var leaked atomic.Int32
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "" {
			leaked.Add(1)
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	defer other.Close()

	for _, status := range []int{301, 302, 307, 308} {
		c, s := setupWith(t, false)
		s.handle(func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, other.URL+"/links/"+linkID+"?token=abc", status)
		})
		err := c.DeleteLink(context.Background(), linkID)
		var e *wrapper.Error
		if !errors.As(err, &e) || e.StatusCode != status {
			t.Fatalf("%d: err = %v, want *Error with the redirect status", status, err)
		}
		if !strings.Contains(e.Message, "not followed") || strings.Contains(err.Error(), "token=abc") {
			t.Errorf("%d: error = %q", status, err)
		}
	}
	if leaked.Load() != 0 {
		t.Fatalf("token sent to the redirect target %d times", leaked.Load())
	}

	sawAuth := false
	c, s := setup(t, wrapper.WithRequestEditor(func(_ context.Context, r *http.Request) error {
		sawAuth = sawAuth || r.Header.Get("Authorization") != ""
		r.Header.Set("X-Trace", "t-1")
		return nil
	}))
	s.handle(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-Trace") != "t-1" {
			t.Error("request editor's header missing")
		}
		w.WriteHeader(204)
	})
	if err := c.DeleteLink(context.Background(), linkID); err != nil {
		t.Fatal(err)
	}
	if sawAuth {
		t.Error("a request editor saw the Authorization header")
	}

	c, _ = setupWith(t, false, wrapper.WithRequestEditor(func(_ context.Context, r *http.Request) error {
		r.URL.Host = strings.TrimPrefix(other.URL, "http://")
		return nil
	}))
	if err := c.DeleteLink(context.Background(), linkID); err == nil {
		t.Error("request re-pointed by an editor succeeded")
	}
	if leaked.Load() != 0 {
		t.Fatal("token sent to the host an editor chose")
	}
}

// Many goroutines share one Client (run with -race).
func TestConcurrentUse(t *testing.T) {
	c, s := setup(t)
	s.handle(answerEach(t))
	concurrently(t, 100, func(i int) error {
		return linkOps[i%len(linkOps)].call(context.Background(), c, fmt.Sprintf("mk_%d", i))
	})
	if s.count() != 100 {
		t.Errorf("requests = %d", s.count())
	}
}
