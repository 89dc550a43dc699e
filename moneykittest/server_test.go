package moneykittest_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/halyard-labs/moneykit-go/api"
	"github.com/halyard-labs/moneykit-go/moneykittest"
	"github.com/halyard-labs/moneykit-go/wrapper"
)

// clock is a settable clock for the fake.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

func (c *clock) Advance(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// start runs a fake that fails the test on any answer that breaks the spec.
func start(t *testing.T, opts ...moneykittest.Option) *moneykittest.Server {
	t.Helper()
	opts = append([]moneykittest.Option{moneykittest.WithViolationHandler(func(err error) { t.Errorf("spec violation: %v", err) })}, opts...)
	s, err := moneykittest.NewServer(opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

func client(t *testing.T, s *moneykittest.Server) *wrapper.Client {
	t.Helper()
	c, err := wrapper.New(s.Token(), wrapper.WithBaseURL(s.URL))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// raw sends a request with plain net/http and decodes a JSON answer.
func raw(t *testing.T, s *moneykittest.Server, method, path, token, body string) (int, http.Header, map[string]any) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, s.URL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := s.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var m map[string]any
	if len(b) > 0 {
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatalf("answer is not JSON: %q", b)
		}
	}
	return resp.StatusCode, resp.Header, m
}

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestServerIsLoopbackWithSeed(t *testing.T) {
	s := start(t)
	u, err := url.Parse(s.URL)
	if err != nil || u.Hostname() != "127.0.0.1" || strings.HasSuffix(s.URL, "/") {
		t.Fatalf("URL = %q", s.URL)
	}
	states, providers := map[api.LinkState]bool{}, map[api.Provider]bool{}
	withErr, withoutErr, hooks, tags := 0, 0, 0, 0
	for _, id := range s.LinkIDs() {
		l, ok := s.Link(id)
		if !ok {
			t.Fatalf("Link(%s) missing", id)
		}
		states[l.State] = true
		providers[l.Provider] = true
		if _, err := l.Webhook.Get(); err == nil {
			hooks++
		}
		if l.LinkTags != nil && len(*l.LinkTags) > 0 {
			tags++
		}
		for _, p := range []*api.ProductState{l.Products.Accounts, l.Products.AccountNumbers, l.Products.Identity} {
			if p != nil && p.ErrorCode != nil {
				withErr++
			} else if p != nil {
				withoutErr++
			}
		}
	}
	if len(states) != 5 || len(providers) != 6 || withErr == 0 || withoutErr == 0 || hooks == 0 || tags == 0 {
		t.Errorf("seed covers states %v, providers %v, products with/without errors %d/%d, webhooks %d, tags %d", states, providers, withErr, withoutErr, hooks, tags)
	}
}

// PATCH applies the three webhook states and link_tags exactly, and the request log keeps
// the raw bodies (absent vs null).
func TestUpdateAppliesChanges(t *testing.T) {
	s := start(t)
	c := client(t, s)
	ctx := context.Background()
	id := moneykittest.SeedLinkID
	steps := []struct {
		params   wrapper.UpdateParams
		wantHook string // "" = none
		wantTags string
		wireBody string
	}{
		{wrapper.UpdateParams{}, "https://example.com/webhook", "smoke_test,user_type:admin", `{}`},
		{wrapper.UpdateParams{Webhook: wrapper.SetWebhook("https://new.example.com/h")}, "https://new.example.com/h", "smoke_test,user_type:admin", `{"webhook":"https://new.example.com/h"}`},
		{wrapper.UpdateParams{LinkTags: wrapper.SetLinkTags("a", "b")}, "https://new.example.com/h", "a,b", `{"link_tags":["a","b"]}`},
		{wrapper.UpdateParams{Webhook: wrapper.RemoveWebhook()}, "", "a,b", `{"webhook":null}`},
		{wrapper.UpdateParams{LinkTags: wrapper.ClearLinkTags()}, "", "", `{"link_tags":[]}`},
	}
	for i, st := range steps {
		link, err := c.UpdateLink(ctx, id, st.params)
		if err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
		for _, l := range []api.Link{*link, mustLink(t, s, id)} {
			hook, _ := l.Webhook.Get()
			tags := ""
			if l.LinkTags != nil {
				tags = strings.Join(*l.LinkTags, ",")
			}
			if hook != st.wantHook || tags != st.wantTags {
				t.Errorf("step %d: webhook %q tags %q; want %q %q", i, hook, tags, st.wantHook, st.wantTags)
			}
		}
		reqs := s.Requests()
		last := reqs[len(reqs)-1]
		if string(last.Body) != st.wireBody || last.Method != "PATCH" || last.LinkID != id || last.Status != 200 {
			t.Errorf("step %d: recorded %s %s %q %d", i, last.Method, last.LinkID, last.Body, last.Status)
		}
		if a := last.Header.Get("Authorization"); a != "Bearer [REDACTED]" {
			t.Errorf("recorded Authorization = %q", a)
		}
	}
}

func mustLink(t *testing.T, s *moneykittest.Server, id string) api.Link {
	t.Helper()
	l, ok := s.Link(id)
	if !ok {
		t.Fatalf("link %s missing", id)
	}
	return l
}

// DELETE answers 200 {} (or 204), then 410 for 90 days, then 404.
func TestDeleteLifecycle(t *testing.T) {
	for _, opt := range []struct {
		name   string
		opts   []moneykittest.Option
		status int
	}{{"200", nil, 200}, {"204", []moneykittest.Option{moneykittest.WithDelete204()}, 204}} {
		t.Run(opt.name, func(t *testing.T) {
			clk := newClock()
			s := start(t, append(opt.opts, moneykittest.WithClock(clk.Now))...)
			c := client(t, s)
			ctx := context.Background()
			id := moneykittest.SeedLinkID
			if err := c.DeleteLink(ctx, id); err != nil {
				t.Fatal(err)
			}
			reqs := s.Requests()
			if got := reqs[len(reqs)-1].Status; got != opt.status {
				t.Errorf("status = %d, want %d", got, opt.status)
			}
			if l := mustLink(t, s, id); l.State != api.LinkStateDeleted {
				t.Errorf("state after delete = %s", l.State)
			}
			if err := c.DeleteLink(ctx, id); !errors.Is(err, wrapper.ErrLinkDeleted) {
				t.Errorf("second delete = %v, want ErrLinkDeleted", err)
			}
			if _, err := c.UpdateLink(ctx, id, wrapper.UpdateParams{}); !errors.Is(err, wrapper.ErrLinkDeleted) {
				t.Errorf("update after delete = %v", err)
			}
			clk.Advance(moneykittest.DeletedRetention - time.Second)
			if err := c.DeleteLink(ctx, id); !errors.Is(err, wrapper.ErrLinkDeleted) {
				t.Errorf("delete at 90 days less a second = %v", err)
			}
			clk.Advance(time.Second)
			if err := c.DeleteLink(ctx, id); !errors.Is(err, wrapper.ErrNotFound) {
				t.Errorf("delete after 90 days = %v, want ErrNotFound", err)
			}
		})
	}
}

// Every reference status, and the live API's extra shapes, reachable through the fake.
func TestStatuses(t *testing.T) {
	clk := newClock()
	s := start(t, moneykittest.WithClock(clk.Now))
	s.AddToken("expired-token", clk.Now().Add(-time.Minute))
	s.AddToken("soon-expired", clk.Now().Add(time.Minute))
	for _, tc := range []struct {
		name, method, path, token string
		status                    int
		code                      string
	}{
		{"no token", "DELETE", "/links/" + moneykittest.SeedLinkID, "", 401, "api_error.auth.unauthorized"},
		{"wrong token", "PATCH", "/links/" + moneykittest.SeedLinkID, "nope", 401, "api_error.auth.unauthorized"},
		{"expired token", "PATCH", "/links/" + moneykittest.SeedLinkID, "expired-token", 401, "api_error.auth.expired_access_token"},
		{"unknown link", "PATCH", "/links/mk_nope", s.Token(), 404, "link_error.not_found"},
		{"unknown link delete", "DELETE", "/links/mk_nope", s.Token(), 404, "link_error.not_found"},
		{"restricted link", "PATCH", "/links/" + moneykittest.ForbiddenLinkID, s.Token(), 403, "link_error.forbidden_action"},
		{"restricted link delete", "DELETE", "/links/" + moneykittest.ForbiddenLinkID, s.Token(), 403, "link_error.forbidden_action"},
		{"bad state", "PATCH", "/links/" + moneykittest.BadStateLinkID, s.Token(), 422, "link_error.bad_state"},
		{"bad state delete", "DELETE", "/links/" + moneykittest.BadStateLinkID, s.Token(), 422, "link_error.bad_state"},
		{"deleted link", "PATCH", "/links/" + moneykittest.DeletedLinkID, s.Token(), 410, "link_error.deleted"},
		{"ok", "PATCH", "/links/" + moneykittest.SeedLinkID, "soon-expired", 200, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			body := ""
			if tc.method == "PATCH" {
				body = `{"link_tags":["x"]}`
			}
			status, _, m := raw(t, s, tc.method, tc.path, tc.token, body)
			if status != tc.status || (tc.code != "" && m["error_code"] != tc.code) {
				t.Errorf("got %d %v, want %d %s", status, m["error_code"], tc.status, tc.code)
			}
			if tc.code == "link_error.bad_state" && m["link_error_code"] != "auth_expired" {
				t.Errorf("link_error_code = %v", m["link_error_code"])
			}
		})
	}
	clk.Advance(time.Minute)
	if status, _, m := raw(t, s, "PATCH", "/links/"+moneykittest.SeedLinkID, "soon-expired", `{}`); status != 401 || m["error_code"] != "api_error.auth.expired_access_token" {
		t.Errorf("token past expiry: %d %v", status, m)
	}
}

// A request that breaks the spec answers 422 validation_failed naming the bad field.
func TestValidationFailed(t *testing.T) {
	s := start(t)
	path := "/links/" + moneykittest.SeedLinkID
	for _, tc := range []struct {
		name, body, loc, typ string
	}{
		{"bad JSON", `{"webhook":`, "body", "value_error.jsondecode"},
		{"relative webhook", `{"webhook":"/hook"}`, "body.webhook", "value_error.uri"},
		{"javascript webhook", `{"webhook":"javascript:alert(1)"}`, "body.webhook", "value_error.uri"},
		{"webhook with a space", `{"webhook":"https://exa mple.com"}`, "body.webhook", "value_error.uri"},
		{"empty webhook", `{"webhook":""}`, "body.webhook", "value_error.any_str.min_length"},
		{"webhook too long", `{"webhook":"https://example.com/` + strings.Repeat("a", 65536) + `"}`, "body.webhook", "value_error.any_str.max_length"},
		{"numeric webhook", `{"webhook":42}`, "body.webhook", "type_error.string"},
		{"tags not a list", `{"link_tags":"a,b"}`, "body.link_tags", "type_error.array"},
		{"tag not a string", `{"link_tags":["a",7]}`, "body.link_tags.1", "type_error.string"},
		{"null tags", `{"link_tags":null}`, "body.link_tags", "type_error.none.not_allowed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := mustLink(t, s, moneykittest.SeedLinkID)
			status, _, m := raw(t, s, "PATCH", path, s.Token(), tc.body)
			if status != 422 || m["error_code"] != "api_error.request.validation_failed" {
				t.Fatalf("got %d %v", status, m)
			}
			items, _ := m["validation_errors"].([]any)
			found := false
			for _, it := range items {
				it := it.(map[string]any)
				var loc []string
				for _, l := range it["location"].([]any) {
					switch v := l.(type) {
					case string:
						loc = append(loc, v)
					case float64:
						loc = append(loc, strconv.FormatFloat(v, 'f', -1, 64))
					}
				}
				if strings.Join(loc, ".") == tc.loc && strings.HasPrefix(it["type"].(string), tc.typ) && it["message"] != "" {
					found = true
				}
			}
			if !found {
				t.Errorf("validation_errors = %v, want location %s type %s", items, tc.loc, tc.typ)
			}
			after := mustLink(t, s, moneykittest.SeedLinkID)
			if b1, b2 := mustJSON(before), mustJSON(after); b1 != b2 {
				t.Errorf("a rejected request changed the link:\n%s\n%s", b1, b2)
			}
		})
	}
}

// POST /auth/token declares 201, 400, 401 and 429 (openapi.yaml; api-notes: "Errors: 400
// and 401 api_error.auth.unauthorized"). A bad token request answers 400 with the spec's
// body, naming no secret. (It used to answer 422 validation_failed, a status the spec does
// not list there, and the fake's own response check let it through.)
func TestTokenBadRequestStatus(t *testing.T) {
	s, err := moneykittest.NewServer(moneykittest.WithClientCredentials("cid", "csecret"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, tc := range []struct{ ctype, body string }{
		{"application/x-www-form-urlencoded", url.Values{"client_id": {"cid"}, "client_secret": {"csecret"}}.Encode()},                             // no grant_type
		{"application/x-www-form-urlencoded", url.Values{"grant_type": {"password"}, "client_id": {"cid"}, "client_secret": {"csecret"}}.Encode()}, // unsupported grant
		{"application/json", `{"grant_type":"client_credentials","client_id":"cid","client_secret":"csecret"}`},                                    // not a form
	} {
		resp, err := http.Post(s.URL+"/auth/token", tc.ctype, strings.NewReader(tc.body))
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest && resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("POST /auth/token %s: %d, want 400 (or 401) as openapi.yaml declares", tc.body, resp.StatusCode)
		}
		var m map[string]any
		if json.Unmarshal(b, &m) != nil || m["error_code"] != "api_error.auth.unauthorized" || strings.Contains(string(b), "csecret") {
			t.Errorf("POST /auth/token %s: body %s", tc.body, b)
		}
	}
	if v := s.Violations(); len(v) > 0 {
		t.Errorf("violations: %v", v)
	}
	if s.TokensIssued() != 0 {
		t.Errorf("a bad request got a token")
	}
}

func mustJSON(v any) string { b, _ := json.Marshal(v); return string(b) }

// The fake checks its own answers: a link that breaks the spec is caught, not sent.
func TestResponseValidationCatchesAWrongAnswer(t *testing.T) {
	var caught []error
	s, err := moneykittest.NewServer(moneykittest.WithViolationHandler(func(err error) { caught = append(caught, err) }))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	// available_products is required and may not be null; this link omits it.
	if err := s.AddLink(api.Link{LinkID: "mk_broken", InstitutionID: "x", InstitutionName: "X", State: api.LinkStateConnected}); err != nil {
		t.Fatal(err)
	}
	status, _, m := raw(t, s, "PATCH", "/links/mk_broken", s.Token(), `{}`)
	if status != 500 || m["error_code"] != "api_error.internal" {
		t.Errorf("got %d %v, want 500", status, m)
	}
	if len(caught) != 1 || len(s.Violations()) != 1 || !strings.Contains(caught[0].Error(), "available_products") {
		t.Errorf("violations = %v", caught)
	}
}

func TestRateLimits(t *testing.T) {
	for _, httpDate := range []bool{false, true} {
		clk := newClock()
		opts := []moneykittest.Option{moneykittest.WithClock(clk.Now), moneykittest.WithRateLimits(moneykittest.DefaultRateLimits())}
		if httpDate {
			opts = append(opts, moneykittest.WithRetryAfterHTTPDate())
		}
		s := start(t, opts...)
		path := "/links/" + moneykittest.SeedLinkID
		for i := range 4 {
			if status, _, _ := raw(t, s, "PATCH", path, s.Token(), `{}`); status != 200 {
				t.Fatalf("PATCH %d = %d", i+1, status)
			}
		}
		status, h, m := raw(t, s, "PATCH", path, s.Token(), `{}`)
		if status != 429 || m["error_code"] != "api_error.rate_limit_exceeded" {
			t.Fatalf("5th PATCH in a minute = %d %v", status, m)
		}
		want := "15"
		if httpDate {
			want = clk.Now().Add(15 * time.Second).Format(http.TimeFormat)
		}
		if got := h.Get("Retry-After"); got != want {
			t.Errorf("Retry-After = %q, want %q", got, want)
		}
		// Another link is not limited by this one's budget.
		if status, _, _ := raw(t, s, "PATCH", "/links/mk_4NwQa7ZrTb1XyEhK8sJdLc", s.Token(), `{}`); status != 200 {
			t.Errorf("other link = %d", status)
		}
		clk.Advance(15 * time.Second)
		if status, _, _ := raw(t, s, "PATCH", path, s.Token(), `{}`); status != 200 {
			t.Errorf("after Retry-After = %d", status)
		}
	}
	// App-wide DELETE limit.
	clk := newClock()
	s := start(t, moneykittest.WithClock(clk.Now), moneykittest.WithRateLimits(moneykittest.RateLimits{DeletePerApp: 2, Per: time.Minute}))
	codes := []int{}
	for _, id := range []string{"mk_4NwQa7ZrTb1XyEhK8sJdLc", "mk_6VbHs2KpQm8CjRwY3tNxAf", "mk_1XcVb5NmLk3JhGf7DsAqWe"} {
		status, _, _ := raw(t, s, "DELETE", "/links/"+id, s.Token(), "")
		codes = append(codes, status)
	}
	if codes[0] != 200 || codes[1] != 200 || codes[2] != 429 {
		t.Errorf("DELETE statuses = %v, want 200 200 429", codes)
	}
	if _, ok := s.Link("mk_1XcVb5NmLk3JhGf7DsAqWe"); !ok || mustLink(t, s, "mk_1XcVb5NmLk3JhGf7DsAqWe").State == api.LinkStateDeleted {
		t.Error("a rate-limited DELETE deleted the link")
	}
}
