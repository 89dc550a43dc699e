package wrapper_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"golang.org/x/oauth2"

	"github.com/halyard-labs/moneykit-go/wrapper"
)

// tokenAPI is a server on a pipeNet with a token endpoint a test scripts and links that
// answer 204 to a request with a token from it. It counts what it gets. The test's cleanup
// shuts it down.
type tokenAPI struct {
	URL         string
	tr          *http.Transport // reaches the server
	tokenHits   atomic.Int32
	linkHits    atomic.Int32
	cancelled   chan struct{} // a token request the client gave up (its context ended)
	mu          sync.Mutex
	token       http.HandlerFunc
	linkHandler http.HandlerFunc
}

const (
	ccID     = "client-9"
	ccSecret = "s3cr/t+x=y&z" // URL and form encoding change it
	issued   = "tok/en+1=2&3"
)

func newTokenAPI(t *testing.T, token http.HandlerFunc) *tokenAPI {
	t.Helper()
	s := &tokenAPI{token: token, cancelled: make(chan struct{}, 100)}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /auth/token", func(w http.ResponseWriter, r *http.Request) {
		s.tokenHits.Add(1)
		// Read the form first: the server notices a client that gave up (and cancels
		// r.Context()) only once the request body has been read.
		form, err := io.ReadAll(r.Body)
		if err != nil {
			t.Errorf("reading the token request: %v", err)
		}
		r.Body = io.NopCloser(bytes.NewReader(form))
		s.mu.Lock()
		h := s.token
		s.mu.Unlock()
		h(w, r)
	})
	mux.HandleFunc("/links/", func(w http.ResponseWriter, r *http.Request) {
		s.linkHits.Add(1)
		if r.Header.Get("X-Client-Secret") == "" && r.Header.Get("Authorization") != "Bearer "+issued {
			t.Errorf("links request with Authorization %q", r.Header.Get("Authorization"))
		}
		s.mu.Lock()
		h := s.linkHandler
		s.mu.Unlock()
		if h != nil {
			h(w, r)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
	n := newPipeNet(t)
	s.URL, s.tr = n.serve(t, fakeAddr, mux), n.tr
	return s
}

func (s *tokenAPI) setToken(h http.HandlerFunc) { s.mu.Lock(); s.token = h; s.mu.Unlock() }

func (s *tokenAPI) client(t *testing.T, opts ...wrapper.Option) *wrapper.Client {
	t.Helper()
	all := append([]wrapper.Option{wrapper.WithBaseURL(s.URL), wrapper.WithHTTPClient(&http.Client{Transport: s.tr}),
		wrapper.WithRetryBackoff(time.Millisecond, 5*time.Millisecond)}, opts...)
	c, err := wrapper.NewClientCredentials(ccID, ccSecret, all...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// hang is a token endpoint that answers only once release is closed; a request the
// client gives up is reported on s.cancelled.
func (s *tokenAPI) hang(release <-chan struct{}) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
			grant(w, r)
		case <-r.Context().Done():
			s.cancelled <- struct{}{}
		}
	}
}

// hangingTokenAPI is a tokenAPI whose token endpoint hangs until release is closed.
func hangingTokenAPI(t *testing.T) (s *tokenAPI, release chan struct{}) {
	release = make(chan struct{})
	s = newTokenAPI(t, nil)
	s.setToken(s.hang(release))
	return s, release
}

// grant answers a token request as MoneyKit does.
func grant(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusCreated)
	fmt.Fprintf(w, `{"access_token":%q,"token_type":"bearer","expires_in":3600}`, issued)
}

// blockingSource is a user's token source that returns only once release is closed.
type blockingSource struct{ release chan struct{} }

func (s blockingSource) Token() (*oauth2.Token, error) {
	<-s.release
	return &oauth2.Token{AccessToken: issued}, nil
}

// returnsBy runs fn and fails the test if it has not returned after limit (then the
// call is left to the test's cleanup, which releases what it waits for).
func returnsBy(t *testing.T, limit time.Duration, fn func() error) (time.Duration, error) {
	t.Helper()
	done := make(chan error, 1)
	start := time.Now()
	go func() { done <- fn() }()
	select {
	case err := <-done:
		return time.Since(start), err
	case <-time.After(limit):
		t.Fatalf("the call had not returned after %v", limit)
		return 0, nil
	}
}

// A token endpoint (or source) that never answers holds a call until its deadline or
// attempt timeout, and no longer; the error says both why (ErrTokenSource) and what ended
// (context.DeadlineExceeded). A fetch nobody waits for any more is cancelled at once.
func TestTokenFetchObeysContext(t *testing.T) {
	for _, tc := range []struct {
		name     string
		source   bool // a user's oauth2.TokenSource instead of the token endpoint
		deadline time.Duration
		opts     []wrapper.Option
		bound    time.Duration // the call's deadline or attempt timeout
	}{
		{name: "client credentials, call deadline", deadline: 300 * time.Millisecond, bound: 300 * time.Millisecond},
		{name: "client credentials, attempt timeout", opts: []wrapper.Option{wrapper.WithAttemptTimeout(200 * time.Millisecond), wrapper.WithMaxRetries(0)}, bound: 200 * time.Millisecond},
		{name: "token source, call deadline", source: true, deadline: 300 * time.Millisecond, bound: 300 * time.Millisecond},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				s, release := hangingTokenAPI(t)
				defer close(release) // lets a call the client failed to stop finish
				c := s.client(t, tc.opts...)
				if tc.source {
					var err error
					c, err = wrapper.NewFromTokenSource(blockingSource{release}, append([]wrapper.Option{wrapper.WithBaseURL(s.URL), wrapper.WithHTTPClient(&http.Client{Transport: s.tr})}, tc.opts...)...)
					if err != nil {
						t.Fatal(err)
					}
				}
				ctx := context.Background()
				if tc.deadline > 0 {
					var cancel context.CancelFunc
					ctx, cancel = context.WithTimeout(ctx, tc.deadline)
					defer cancel()
				}
				took, err := returnsBy(t, 3*time.Second, func() error { return c.DeleteLink(ctx, linkID) })
				if took != tc.bound {
					t.Errorf("returned after %v; want %v", took, tc.bound)
				}
				if !errors.Is(err, wrapper.ErrTokenSource) || !errors.Is(err, context.DeadlineExceeded) {
					t.Errorf("err = %v; want ErrTokenSource and context.DeadlineExceeded", err)
				}
				if s.linkHits.Load() != 0 {
					t.Error("a links request was sent without a token")
				}
				synctest.Wait() // for the token request's end, which takes no time
				if !tc.source && len(s.cancelled) == 0 {
					t.Error("the token request was not cancelled when its caller left")
				}
			})
		})
	}
}

// Concurrent callers share one token request. The caller that started it can leave (its
// context cancelled) at once without failing the others; once the endpoint answers they
// all get the token.
func TestTokenFetchShared(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s, release := hangingTokenAPI(t)
		releaseOnce := sync.OnceFunc(func() { close(release) })
		defer releaseOnce()
		c := s.client(t)

		// The first caller starts the fetch, and waits.
		firstCtx, cancelFirst := context.WithCancel(context.Background())
		defer cancelFirst()
		first := make(chan error, 1)
		go func() { first <- c.DeleteLink(firstCtx, linkID) }()
		synctest.Wait()
		if s.tokenHits.Load() != 1 {
			t.Fatal("the first caller did not start the token request")
		}
		const n = 20
		errs := make(chan error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs <- c.DeleteLink(context.Background(), fmt.Sprintf("mk_%d", i))
			}()
		}
		synctest.Wait() // the others are waiting for the same fetch

		cancelled := time.Now()
		cancelFirst()
		select {
		case err := <-first:
			if took := time.Since(cancelled); took != 0 {
				t.Errorf("the cancelled caller left after %v, want at once", took)
			}
			if !errors.Is(err, wrapper.ErrTokenSource) || !errors.Is(err, context.Canceled) {
				t.Errorf("cancelled caller: err = %v", err)
			}
		case <-time.After(2 * time.Second):
			t.Fatal("the cancelled caller is still waiting for the token")
		}

		releaseOnce()
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Errorf("a waiting caller failed: %v", err)
			}
		}
		if got := s.tokenHits.Load(); got != 1 {
			t.Errorf("token requests = %d, want 1 shared by all callers", got)
		}
		if got := s.linkHits.Load(); got != n {
			t.Errorf("links requests = %d, want %d", got, n)
		}
	})
}

// A shared fetch is bounded by the attempt timeout of the call that started it, also
// while a caller with a longer one waits for it and no caller has a deadline: a token
// endpoint that never answers fails them all then, and the retry starts a new fetch.
func TestTokenFetchBoundedByItsStarter(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s, release := hangingTokenAPI(t)
		defer close(release)
		c := s.client(t)
		const timeout = 100 * time.Millisecond
		start := time.Now()
		var starterErr error
		var starterTook time.Duration
		starter := make(chan struct{})
		go func() {
			defer close(starter)
			starterErr = c.DeleteLink(context.Background(), linkID, wrapper.WithAttemptTimeout(timeout), wrapper.WithMaxRetries(1))
			starterTook = time.Since(start)
		}()
		synctest.Wait()
		if s.tokenHits.Load() != 1 {
			t.Fatal("the first call did not start the token request")
		}
		took, err := returnsBy(t, 3*time.Second, func() error {
			return c.DeleteLink(context.Background(), "mk_2", wrapper.WithAttemptTimeout(time.Second), wrapper.WithMaxRetries(0))
		})
		if took != timeout || !errors.Is(err, wrapper.ErrTokenSource) || !errors.Is(err, context.DeadlineExceeded) ||
			!strings.Contains(fmt.Sprint(err), "no answer within the attempt timeout") {
			t.Errorf("the caller that joined the fetch: %v after %v; want ErrTokenSource and context.DeadlineExceeded after %v, the starter's attempt timeout", err, took, timeout)
		}
		// The starter's retry (after a backoff of at most 1 ms) starts a fetch of its own,
		// bounded by its attempt timeout too.
		<-starter
		if took := starterTook; took <= 2*timeout || took > 2*timeout+time.Millisecond || !errors.Is(starterErr, wrapper.ErrTokenSource) {
			t.Errorf("the starter: %v after %v; want ErrTokenSource after its two attempts of %v and a backoff", starterErr, took, timeout)
		}
		if got := s.tokenHits.Load(); got != 2 {
			t.Errorf("token requests = %d, want 2: the retry starts a new fetch", got)
		}
		synctest.Wait() // for the token requests' end, which takes no time
		if len(s.cancelled) != 2 {
			t.Errorf("%d token requests cancelled, want both", len(s.cancelled))
		}
		if s.linkHits.Load() != 0 {
			t.Error("a links request was sent without a token")
		}
	})
}

// A caller that gives up alone cancels the fetch; the next caller starts a new one rather
// than joining the cancelled one.
func TestTokenFetchAbandoned(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s, release := hangingTokenAPI(t)
		defer close(release)
		c := s.client(t)
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		_, err := returnsBy(t, 3*time.Second, func() error { return c.DeleteLink(ctx, linkID) })
		if !errors.Is(err, wrapper.ErrTokenSource) {
			t.Fatalf("err = %v", err)
		}
		synctest.Wait() // for the token request's end, which takes no time
		if len(s.cancelled) == 0 {
			t.Fatal("the abandoned token request was not cancelled")
		}
		s.setToken(grant)
		if err := c.DeleteLink(context.Background(), linkID); err != nil {
			t.Fatalf("next call: %v", err)
		}
		if got := s.tokenHits.Load(); got != 2 {
			t.Errorf("token requests = %d, want 2", got)
		}
	})
}

// Every token failure matches ErrTokenSource, is never taken for a connection error of the
// links request (which was not sent), and is retried only when the endpoint answered
// 408/429/5xx or did not answer in time.
func TestTokenFailures(t *testing.T) {
	jsonAnswer := func(status int, body string) http.HandlerFunc {
		return func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(status)
			w.Write([]byte(body))
		}
	}
	for _, tc := range []struct {
		name  string
		token http.HandlerFunc
		hits  int32 // token requests with WithMaxRetries(2)
		opts  []wrapper.Option
		// want: the refusal as TokenError tells it (zero: no refusal came)
		want wrapper.TokenError
		took time.Duration // if set: the call's time (retries wait out a Retry-After)
	}{
		{name: "500", token: jsonAnswer(500, `{"error":"server_error"}`), hits: 3, want: wrapper.TokenError{StatusCode: 500, Body: `{"error":"server_error"}`}},
		{name: "503 HTML", token: func(w http.ResponseWriter, _ *http.Request) {
			http.Error(w, "<html>down</html>", http.StatusServiceUnavailable)
		}, hits: 3, want: wrapper.TokenError{StatusCode: 503, Body: "<html>down</html>"}},
		{name: "429", token: jsonAnswer(429, `{"error_code":"api_error.rate_limit_exceeded","error_message":"Rate limit exceeded"}`), hits: 3,
			want: wrapper.TokenError{StatusCode: 429, Code: "api_error.rate_limit_exceeded", Message: "Rate limit exceeded"}},
		{name: "429 with Retry-After", token: func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Retry-After", "2")
			jsonAnswer(429, `{"error_code":"api_error.rate_limit_exceeded","error_message":"Rate limit exceeded"}`)(w, nil)
		}, hits: 3, took: 4 * time.Second, // two retries, each after the 2 s asked for
			want: wrapper.TokenError{StatusCode: 429, Code: "api_error.rate_limit_exceeded", Message: "Rate limit exceeded", RetryAfter: 2 * time.Second}},
		{name: "429 with a Retry-After over WithMaxRetryWait", token: func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Retry-After", "3600")
			jsonAnswer(429, `{}`)(w, nil)
		}, hits: 1, want: wrapper.TokenError{StatusCode: 429, Body: "{}", RetryAfter: time.Hour}},
		{name: "no answer within the attempt timeout", token: func(w http.ResponseWriter, r *http.Request) {
			select { // until the client gives up (bounded, for a client that never does)
			case <-r.Context().Done():
			case <-time.After(5 * time.Second):
			}
		},
			hits: 3, opts: []wrapper.Option{wrapper.WithAttemptTimeout(50 * time.Millisecond)}},
		{name: "401 bad credentials", token: jsonAnswer(401, `{"error_code":"api_error.auth.unauthorized","error_message":"Invalid client credentials.","documentation_url":"https://docs.moneykit.com/auth"}`), hits: 1,
			want: wrapper.TokenError{StatusCode: 401, Code: "api_error.auth.unauthorized", Message: "Invalid client credentials.", DocumentationURL: "https://docs.moneykit.com/auth"}},
		{name: "401 OAuth body", token: jsonAnswer(401, `{"error":"invalid_client"}`), hits: 1, want: wrapper.TokenError{StatusCode: 401, Body: `{"error":"invalid_client"}`}},
		{name: "400", token: jsonAnswer(400, `{"error_code":"api_error.auth.unauthorized","error_message":"Unsupported grant type."}`), hits: 1,
			want: wrapper.TokenError{StatusCode: 400, Code: "api_error.auth.unauthorized", Message: "Unsupported grant type."}},
		{name: "empty token", token: jsonAnswer(201, `{"access_token":"","token_type":"bearer","expires_in":3600}`), hits: 1},
		{name: "token with a space", token: jsonAnswer(201, `{"access_token":"a b","token_type":"bearer","expires_in":3600}`), hits: 1},
		{name: "token with a newline", token: jsonAnswer(201, `{"access_token":"a\nX-Evil: 1","token_type":"bearer","expires_in":3600}`), hits: 1},
		{name: "200 that is not a token", token: jsonAnswer(200, `{"error":"invalid_client"}`), hits: 1}, // no refusal: fields zero
		{name: "not JSON", token: func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(201); w.Write([]byte("<html>")) }, hits: 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				s := newTokenAPI(t, tc.token)
				c := s.client(t, append([]wrapper.Option{wrapper.WithMaxRetries(2)}, tc.opts...)...)
				took, err := returnsBy(t, 5*time.Second, func() error { return c.DeleteLink(context.Background(), linkID) })
				if tc.took != 0 && took != tc.took {
					t.Errorf("took %v, want %v", took, tc.took)
				}
				if !errors.Is(err, wrapper.ErrTokenSource) {
					t.Fatalf("err = %v; want ErrTokenSource", err)
				}
				var urlErr *url.Error
				var opErr *net.OpError
				var apiErr *wrapper.Error
				if errors.As(err, &urlErr) || errors.As(err, &opErr) || errors.As(err, &apiErr) || strings.Contains(err.Error(), "connection") {
					t.Errorf("err = %v (%T); a token failure reported as a connection or API error", err, err)
				}
				var te *wrapper.TokenError
				if !errors.As(err, &te) {
					t.Fatalf("err = %v (%T); want a *TokenError", err, err)
				}
				got := wrapper.TokenError{StatusCode: te.StatusCode, Code: te.Code, Message: te.Message, DocumentationURL: te.DocumentationURL, Body: te.Body, RetryAfter: te.RetryAfter}
				if got != tc.want {
					t.Errorf("TokenError fields %+v, want %+v", got, tc.want)
				}
				if got := s.tokenHits.Load(); got != tc.hits {
					t.Errorf("token requests = %d, want %d", got, tc.hits)
				}
				if s.linkHits.Load() != 0 {
					t.Error("a links request was sent without a token")
				}
			})
		})
	}
}

// A DELETE whose token could not be had was never sent: when a retry gets the token and
// the link answers 410, the link was deleted by someone else, and that is reported.
func TestTokenFailureIsNotALostDelete(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newTokenAPI(t, nil)
		var calls atomic.Int32
		s.setToken(func(w http.ResponseWriter, r *http.Request) {
			if calls.Add(1) == 1 {
				http.Error(w, "busy", http.StatusServiceUnavailable)
				return
			}
			grant(w, r)
		})
		s.mu.Lock()
		s.linkHandler = reply(http.StatusGone, fixture(t, "responses/error-410-deleted.json"))
		s.mu.Unlock()
		c := s.client(t, wrapper.WithMaxRetries(2))
		err := c.DeleteLink(context.Background(), linkID)
		if !errors.Is(err, wrapper.ErrLinkDeleted) {
			t.Errorf("err = %v; want ErrLinkDeleted: the first attempt sent nothing", err)
		}
		if got := s.tokenHits.Load(); got != 2 {
			t.Errorf("token requests = %d, want 2 (the 503 is retried)", got)
		}
	})
}

type panickingSource struct{}

func (panickingSource) Token() (*oauth2.Token, error) { panic("source bug") }

// A token source that panics does so in the client's fetch goroutine, where the caller
// could not recover it: the call gets an error instead, and the program goes on.
func TestTokenSourcePanics(t *testing.T) {
	c, err := wrapper.NewFromTokenSource(panickingSource{}, wrapper.WithBaseURL("http://127.0.0.1:1"))
	if err != nil {
		t.Fatal(err)
	}
	err = c.DeleteLink(context.Background(), linkID)
	if !errors.Is(err, wrapper.ErrTokenSource) || !strings.Contains(err.Error(), "source bug") {
		t.Errorf("err = %v", err)
	}
}

// Callers that shared one failed fetch each get their own *TokenError: its fields are
// exported, and one caller changing its error must not change another's.
func TestTokenErrorIsEachCallersOwn(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newTokenAPI(t, func(w http.ResponseWriter, _ *http.Request) {
			time.Sleep(10 * time.Millisecond) // both callers join the one fetch
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusUnauthorized)
			w.Write([]byte(`{"error_code":"api_error.auth.unauthorized","error_message":"Invalid client credentials."}`))
		})
		c := s.client(t)
		var errs [2]error
		var wg sync.WaitGroup
		for i := range errs {
			wg.Go(func() { errs[i] = c.DeleteLink(context.Background(), linkID) })
		}
		wg.Wait()
		var a, b *wrapper.TokenError
		if !errors.As(errs[0], &a) || !errors.As(errs[1], &b) || s.tokenHits.Load() != 1 {
			t.Fatalf("errs %v, %v; %d token requests; want two TokenErrors from one", errs[0], errs[1], s.tokenHits.Load())
		}
		a.Message = "changed by the first caller"
		if a == b || b.Message != "Invalid client credentials." {
			t.Errorf("the callers share one error: the second reads %q", b.Message)
		}
	})
}

// A TokenSource of the user's own is not the MoneyKit token endpoint: its refusal is not
// reported as the endpoint's answer (and this client cannot redact secrets it never saw).
func TestTokenErrorFromYourTokenSource(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newTokenAPI(t, nil)
		src := tokenFunc(func() (*oauth2.Token, error) {
			return nil, &oauth2.RetrieveError{Response: &http.Response{StatusCode: 401, Header: http.Header{}},
				Body: []byte(`{"error_code":"api_error.auth.unauthorized","error_message":"bad secret s3cr3t"}`)}
		})
		c, err := wrapper.NewFromTokenSource(src, wrapper.WithBaseURL(s.URL), wrapper.WithHTTPClient(&http.Client{Transport: s.tr}))
		if err != nil {
			t.Fatal(err)
		}
		err = c.DeleteLink(context.Background(), linkID)
		var te *wrapper.TokenError
		if !errors.As(err, &te) {
			t.Fatalf("err = %v; want a *TokenError", err)
		}
		if te.StatusCode != 0 || te.Code != "" || te.Message != "" {
			t.Errorf("a source's refusal reported as the endpoint's: %d %q %q", te.StatusCode, te.Code, te.Message)
		}
	})
}
