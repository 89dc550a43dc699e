package main

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/halyard-labs/moneykit-go/api"
	"github.com/halyard-labs/moneykit-go/moneykittest"
)

// A client id and secret with characters that URL, form and JSON encodings change.
const (
	ccID     = "client_cli+test"
	ccSecret = "s3cr+t/x=y&z%q<>"
)

// fakeCC starts a fake that takes ccID and ccSecret, and returns the environment that
// points the tool at it with those client credentials.
func fakeCC(t *testing.T, opts ...moneykittest.Option) (*moneykittest.Server, map[string]string) {
	t.Helper()
	s, env := fake(t, append([]moneykittest.Option{moneykittest.WithClientCredentials(ccID, ccSecret)}, opts...)...)
	return s, map[string]string{"MONEYKIT_BASE_URL": env["MONEYKIT_BASE_URL"], "MONEYKIT_CLIENT_ID": ccID, "MONEYKIT_CLIENT_SECRET": ccSecret}
}

// secretForms are the ways a secret can show in output: raw, URL- and form-encoded,
// JSON-escaped, base64 alone and in HTTP Basic credentials.
func secretForms(id, secret string) []string {
	b64 := func(s string) []string {
		return []string{base64.StdEncoding.EncodeToString([]byte(s)), base64.URLEncoding.EncodeToString([]byte(s)), base64.RawStdEncoding.EncodeToString([]byte(s))}
	}
	forms := []string{secret, url.QueryEscape(secret), url.PathEscape(secret), strings.NewReplacer("<", `\u003c`, ">", `\u003e`, "&", `\u0026`).Replace(secret)}
	forms = append(forms, b64(secret)...)
	forms = append(forms, b64(id+":"+secret)...)
	return append(forms, b64(url.QueryEscape(id)+":"+url.QueryEscape(secret))...)
}

// noSecrets fails the test if the output shows the secret in any form, or a token the
// fake issued (they all begin mk_tok_).
func noSecrets(t *testing.T, r result, id, secret string) {
	t.Helper()
	out := r.stdout + r.stderr
	for _, f := range secretForms(id, secret) {
		if strings.Contains(out, f) {
			t.Errorf("output shows the secret as %q:\n%s", f, out)
		}
	}
	if strings.Contains(out, "mk_tok_") {
		t.Errorf("output shows an issued token:\n%s", out)
	}
}

// steppingClock advances by step each time it is read, so that a run of requests
// outlives the fake's tokens without sleeping.
func steppingClock(step time.Duration) func() time.Time {
	var mu sync.Mutex
	t := time.Now()
	return func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		t = t.Add(step)
		return t
	}
}

func TestCLIClientCredentials(t *testing.T) {
	secretFile := writeFile(t, "secret", ccSecret+"\n")
	emptyFile := writeFile(t, "empty", "")
	tokenFile := writeFile(t, "token", "tok\n")
	id := moneykittest.SeedLinkID
	for _, tc := range []struct {
		name   string
		env    func(map[string]string) // edits the client-credentials environment
		args   []string
		code   int
		stderr []string
	}{
		{"environment", nil, []string{"update", id, "--clear-tags"}, exitOK, nil},
		{"flags", func(e map[string]string) { delete(e, "MONEYKIT_CLIENT_ID"); delete(e, "MONEYKIT_CLIENT_SECRET") },
			[]string{"delete", id, "--client-id", ccID, "--client-secret-file", secretFile}, exitOK, nil},
		{"id from the environment, secret from a file", func(e map[string]string) { delete(e, "MONEYKIT_CLIENT_SECRET") },
			[]string{"delete", id, "--client-secret-file", secretFile}, exitOK, nil},
		{"no secret flag", nil, []string{"delete", id, "--client-secret", ccSecret}, exitUsage, []string{"flag provided but not defined: -client-secret"}},
		{"token and client credentials", func(e map[string]string) { e["MONEYKIT_ACCESS_TOKEN"] = "tok" },
			[]string{"delete", id}, exitUsage, []string{"MONEYKIT_ACCESS_TOKEN", "MONEYKIT_CLIENT_ID", "give one"}},
		{"token file and client flags", func(e map[string]string) { delete(e, "MONEYKIT_CLIENT_ID"); delete(e, "MONEYKIT_CLIENT_SECRET") },
			[]string{"delete", id, "--token-file", tokenFile, "--client-id", ccID, "--client-secret-file", secretFile}, exitUsage, []string{"--token-file", "--client-id", "give one"}},
		{"id only", func(e map[string]string) { delete(e, "MONEYKIT_CLIENT_SECRET") },
			[]string{"delete", id}, exitUsage, []string{"MONEYKIT_CLIENT_SECRET", "--client-secret-file"}},
		{"secret only", func(e map[string]string) { delete(e, "MONEYKIT_CLIENT_ID") },
			[]string{"delete", id}, exitUsage, []string{"MONEYKIT_CLIENT_ID", "--client-id"}},
		{"empty secret file", func(e map[string]string) { delete(e, "MONEYKIT_CLIENT_SECRET") },
			[]string{"delete", id, "--client-secret-file", emptyFile}, exitUsage, []string{"--client-secret-file", "empty"}},
		{"wrong secret", func(e map[string]string) { e["MONEYKIT_CLIENT_SECRET"] = "wrong-" + ccSecret },
			[]string{"delete", id}, exitAPI, []string{"api_error.auth.unauthorized", "(HTTP 401)", "MONEYKIT_CLIENT_SECRET"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, env := fakeCC(t)
			if tc.env != nil {
				tc.env(env)
			}
			r := runCLI(t, env, tc.args...)
			want{code: tc.code, stderr: tc.stderr}.check(t, r)
			noSecrets(t, r, ccID, ccSecret)
			noSecrets(t, r, ccID, "wrong-"+ccSecret)
			switch {
			case tc.code == exitOK && s.TokensIssued() != 1:
				t.Errorf("%d tokens issued, want 1", s.TokensIssued())
			case tc.code == exitUsage && len(s.Requests()) != 0:
				t.Errorf("a usage error sent %d requests", len(s.Requests()))
			}
		})
	}
}

// A refused token request is the API's answer (exit 1), reported with its status and code.
func TestCLIClientCredentialsRefusedJSON(t *testing.T) {
	_, env := fakeCC(t)
	env["MONEYKIT_CLIENT_SECRET"] = "wrong"
	r := runCLI(t, env, "delete", moneykittest.SeedLinkID, "--json")
	e := jsonError(t, r, "api")
	if r.code != exitAPI || e["status"] != 401.0 || e["error_code"] != "api_error.auth.unauthorized" {
		t.Errorf("exit %d, error %v", r.code, e)
	}
}

// A run longer than a token's life gets new tokens as the old ones expire.
//
// The fake's clock steps a minute at each read: a PATCH reads it three times (arrival,
// token check, change), a token request twice, and a token lives 10 minutes, so each token
// serves three PATCHes and the fourth is refused. One worker makes this exact: a new
// token is used at once, two minutes old. With two workers the other one's requests move
// the clock on while a new token waits for its first use, without bound under a busy
// scheduler; a token could expire before it was ever used, failing the id (the client
// refreshes once per call), which made this test flaky. Concurrent refreshes (one shared
// fetch) are the wrapper's tests: TestTokenFetchShared, TestBulkStopsWhenTheTokenCannotBeRenewed.
func TestCLIClientCredentialsRefresh(t *testing.T) {
	s, env := fakeCC(t, moneykittest.WithoutSeed(), moneykittest.WithTokenTTL(10*time.Minute), moneykittest.WithClock(steppingClock(time.Minute)))
	ids := addLinks(t, s, "mk_cc_", 12)
	file := writeFile(t, "ids", strings.Join(ids, "\n")+"\n")
	r := runCLI(t, env, "bulk", "update", "--ids", file, "--webhook", "https://example.com/new", "--rate", "60000", "--concurrency", "1")
	if r.code != exitOK {
		t.Fatalf("exit %d\nstdout: %s\nstderr: %s", r.code, r.stdout, r.stderr)
	}
	for _, id := range ids {
		if l, _ := s.Link(id); webhookOf(l) != "https://example.com/new" {
			t.Errorf("%s not updated", id)
		}
	}
	expired := 0
	for _, req := range s.Requests() {
		if req.Method == http.MethodPatch && req.Status == http.StatusUnauthorized {
			expired++
		}
	}
	t.Logf("%d tokens issued, %d answers 401", s.TokensIssued(), expired)
	// Every token but the first was fetched after a 401 for the one before it.
	if s.TokensIssued() < 3 || expired != s.TokensIssued()-1 {
		t.Errorf("%d tokens issued, %d answers 401: the run did not outlive its tokens", s.TokensIssued(), expired)
	}
	noSecrets(t, r, ccID, ccSecret)
}

// -v prints every exchange, token requests included, with the client secret and every
// token redacted, even where a server repeats them.
func TestCLIWireRedactsClientCredentials(t *testing.T) {
	echo := strings.Join(secretForms(ccID, ccSecret), " ")
	for _, tc := range []struct {
		name  string
		setup func(*moneykittest.Server)
		args  []string
		code  int
	}{
		{"refreshing run", nil, []string{"bulk", "update", "--ids", "IDS", "--clear-tags", "--rate", "60000", "--concurrency", "1", "-v"}, exitOK},
		{"refused, secret repeated", func(s *moneykittest.Server) {
			s.InjectFault(moneykittest.Fault{Kind: moneykittest.FaultStatus, Method: http.MethodPost, Status: 401, Header: http.Header{"Content-Type": {"application/json"}},
				Body: []byte(`{"error_code":"api_error.auth.unauthorized","error_message":"bad secret ` + strings.ReplaceAll(echo, `\`, `\\`) + `"}`)})
		}, []string{"delete", moneykittest.SeedLinkID, "-v", "--json"}, exitAPI},
		{"token and secret repeated in the token answer", func(s *moneykittest.Server) {
			s.InjectFault(moneykittest.Fault{Kind: moneykittest.FaultStatus, Method: http.MethodPost, Status: 201, Header: http.Header{"Content-Type": {"application/json"}},
				Body: []byte(`{"access_token":"mk_tok_echoed","token_type":"bearer","expires_in":3600,"note":"mk_tok_echoed ` + strings.ReplaceAll(echo, `\`, `\\`) + `"}`)})
		}, []string{"delete", moneykittest.SeedLinkID, "-v"}, exitAPI},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, env := fakeCC(t, moneykittest.WithTokenTTL(10*time.Minute), moneykittest.WithClock(steppingClock(2*time.Minute)))
			if tc.setup != nil {
				tc.setup(s)
			}
			args := tc.args
			if args[0] == "bulk" {
				ids := moneykittest.SeedLinkID + "\nmk_4NwQa7ZrTb1XyEhK8sJdLc\nmk_6VbHs2KpQm8CjRwY3tNxAf\n"
				args[3] = writeFile(t, "ids", ids)
			}
			r := runCLI(t, env, args...)
			want{code: tc.code, stderr: []string{"> POST /auth/token", "client_secret=[REDACTED]", "< HTTP/1.1 "}}.check(t, r) // the -v log
			noSecrets(t, r, ccID, ccSecret)
			if tc.code == exitOK && s.TokensIssued() < 2 {
				t.Errorf("%d tokens issued: no refresh was logged", s.TokensIssued())
			}
		})
	}
}

// When even a fresh token is called expired, the hint does not tell a user of client
// credentials to use client credentials.
func TestCLIClientCredentialsFreshTokenExpired(t *testing.T) {
	s, env := fakeCC(t, moneykittest.WithTokenTTL(time.Minute), moneykittest.WithClock(steppingClock(time.Hour)))
	r := runCLI(t, env, "delete", moneykittest.SeedLinkID)
	if r.code != exitAPI || !strings.Contains(r.stderr, "api_error.auth.expired_access_token") || !strings.Contains(r.stderr, "freshly fetched token") ||
		strings.Contains(r.stderr, "give client credentials") {
		t.Errorf("exit %d\n%s", r.code, r.stderr)
	}
	if s.TokensIssued() != 2 {
		t.Errorf("%d tokens issued, want 2 (one refresh)", s.TokensIssued())
	}
	noSecrets(t, r, ccID, ccSecret)
}

// webhookOf is a link's webhook, or "" when it has none.
func webhookOf(l api.Link) string {
	w, _ := l.Webhook.Get()
	return w
}

// A server that repeats the access token inside a successful answer (here in the link's
// institution_name and tags) must not get it printed, human or --json: the redactor covers
// results as well as errors and -v. Its texts are printed one line each, without control
// characters (the JSON escapes them).
func TestCLITokenEchoedInSuccessfulAnswer(t *testing.T) {
	const token = "tok_REVIEW_secret_123"
	link, err := os.ReadFile("../../testdata/responses/link.json")
	if err != nil {
		t.Fatal(err)
	}
	var l map[string]any
	if err := json.Unmarshal(link, &l); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		echo := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
		l["institution_name"] = "Bank " + echo + "\nDeleted link mk_2\x1b[2K"
		l["link_tags"] = []string{echo, url.QueryEscape("a " + echo)}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(l)
	}))
	defer srv.Close()
	env := map[string]string{"MONEYKIT_ACCESS_TOKEN": token, "MONEYKIT_BASE_URL": srv.URL}
	for _, args := range [][]string{
		{"update", "mk_1", "--tags", "a"},
		{"update", "mk_1", "--tags", "a", "--json"},
	} {
		r := runCLI(t, env, args...)
		if r.code != exitOK {
			t.Fatalf("%v: exit %d\n%s", args, r.code, r.stderr)
		}
		if strings.Contains(r.stdout+r.stderr, token) {
			t.Errorf("%v: the access token is in the output:\n%s", args, r.stdout)
		}
		if !strings.Contains(r.stdout, "Bank [REDACTED]") {
			t.Errorf("%v: the institution name is not there, redacted:\n%s", args, r.stdout)
		}
		if strings.Contains(r.stdout, "\x1b") || strings.Contains(r.stdout, "\nDeleted link") {
			t.Errorf("%v: the server's text reached the terminal raw:\n%q", args, r.stdout)
		}
	}
}
