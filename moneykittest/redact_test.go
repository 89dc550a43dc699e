package moneykittest_test

import (
	"context"
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/halyard-labs/moneykit-go/moneykittest"
	"github.com/halyard-labs/moneykit-go/wrapper"
)

// The recorded requests hold no client secret, in no encoding: not in X-Client-Secret,
// not in the form body of POST /auth/token, not in Basic credentials.
func TestRecordedRequestsHideSecrets(t *testing.T) {
	const id, secret = "client-1", "s3cr/t+x=y&z"
	s := start(t, moneykittest.WithClientCredentials(id, secret))
	ctx := context.Background()

	cc, err := wrapper.NewClientCredentials(id, secret, wrapper.WithBaseURL(s.URL))
	if err != nil {
		t.Fatal(err)
	}
	if err := cc.DeleteLink(ctx, moneykittest.SeedLinkID); err != nil {
		t.Fatal(err)
	}
	ch, err := wrapper.NewWithClientHeaders(id, secret, wrapper.WithBaseURL(s.URL))
	if err != nil {
		t.Fatal(err)
	}
	if err := ch.DeleteLink(ctx, "mk_4NwQa7ZrTb1XyEhK8sJdLc"); err != nil {
		t.Fatal(err)
	}
	// By hand: Basic credentials, and the field name escaped in the form.
	req, err := http.NewRequest(http.MethodPost, s.URL+"/auth/token", strings.NewReader("grant_type=client_credentials&client%5Fsecret="+url.QueryEscape(secret)))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(id, secret)
	rsp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	rsp.Body.Close()
	if rsp.StatusCode != http.StatusCreated {
		t.Errorf("POST /auth/token by hand = %d; redaction must not change what the fake checks", rsp.StatusCode)
	}

	forms := []string{secret, url.QueryEscape(secret), url.PathEscape(secret), base64.StdEncoding.EncodeToString([]byte(id + ":" + secret))}
	reqs := s.Requests()
	if len(reqs) != 4 {
		t.Fatalf("recorded %d requests, want 4", len(reqs))
	}
	tokenPosts := 0
	for i, r := range reqs {
		all := string(r.Body)
		for k, vs := range r.Header {
			all += "\n" + k + ": " + strings.Join(vs, ",")
		}
		for _, f := range forms {
			if strings.Contains(all, f) {
				t.Errorf("request %d (%s %s) records the secret as %q:\n%s", i, r.Method, r.Path, f, all)
			}
		}
		if r.Path == "/auth/token" {
			tokenPosts++
			v, err := url.ParseQuery(string(r.Body))
			if err != nil || v.Get("client_secret") != "[REDACTED]" || v.Get("grant_type") != "client_credentials" {
				t.Errorf("recorded token body = %q", r.Body)
			}
		}
	}
	if tokenPosts != 2 {
		t.Errorf("token requests recorded = %d, want 2", tokenPosts)
	}
	if got := reqs[2].Header.Get("X-Client-Secret"); got != "[REDACTED]" {
		t.Errorf("recorded X-Client-Secret = %q", got)
	}
	if got := reqs[2].Header.Get("X-Client-Id"); got != id {
		t.Errorf("recorded X-Client-Id = %q; only the secret is redacted", got)
	}
}
