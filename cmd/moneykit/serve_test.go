package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/halyard-labs/moneykit-go/moneykittest"
	"github.com/halyard-labs/moneykit-go/wrapper"
)

// syncBuffer is a bytes.Buffer that the server and the test may use at once.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// served is a 'moneykit serve' running in-process.
type served struct {
	url, token string
	line       string // the first line on stdout
	stderr     *syncBuffer
	stop       func() int // cancels its context and returns its exit code
}

func startServe(t *testing.T, args ...string) *served {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	s := &served{stderr: &syncBuffer{}}
	done := make(chan int, 1)
	go func() {
		code := run(ctx, append([]string{"serve"}, args...), func(string) string { return "" }, pw, s.stderr)
		pw.Close()
		done <- code
	}()
	line, err := bufio.NewReader(pr).ReadString('\n')
	go io.Copy(io.Discard, pr)
	if err != nil {
		cancel()
		t.Fatalf("serve %v printed no line (exit %d): %v\nstderr: %s", args, <-done, err, s.stderr)
	}
	s.line = strings.TrimSpace(line)
	if strings.HasPrefix(s.line, "{") {
		var v struct{ URL, Token string }
		if err := json.Unmarshal([]byte(s.line), &v); err != nil {
			t.Fatalf("--json line %q: %v", s.line, err)
		}
		s.url, s.token = v.URL, v.Token
	} else {
		for _, kv := range strings.Fields(s.line) {
			k, v, _ := strings.Cut(kv, "=")
			switch k {
			case "MONEYKIT_BASE_URL":
				s.url = v
			case "MONEYKIT_ACCESS_TOKEN":
				s.token = v
			}
		}
	}
	var once sync.Once
	code := -1
	s.stop = func() int {
		once.Do(func() {
			cancel()
			select {
			case code = <-done:
			case <-time.After(10 * time.Second):
				t.Error("serve did not stop within 10s of its context ending")
			}
		})
		return code
	}
	t.Cleanup(func() { s.stop() })
	return s
}

func (s *served) client(t *testing.T, opts ...wrapper.Option) *wrapper.Client {
	t.Helper()
	c, err := wrapper.New(s.token, append([]wrapper.Option{wrapper.WithBaseURL(s.url), wrapper.WithMaxRetries(0)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// do sends a raw request and returns the status and body.
func do(t *testing.T, method, u, auth, ctype, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, u, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestServe(t *testing.T) {
	s := startServe(t)
	if !strings.HasPrefix(s.url, "http://127.0.0.1:") || !strings.HasPrefix(s.token, "mk_test_") {
		t.Fatalf("line %q", s.line)
	}
	ctx := context.Background()
	c := s.client(t)
	link, err := c.UpdateLink(ctx, moneykittest.SeedLinkID, wrapper.UpdateParams{Webhook: wrapper.SetWebhook("https://example.com/served")})
	if w, _ := link.Webhook.Get(); err != nil || w != "https://example.com/served" {
		t.Fatalf("update: %v %v", link, err)
	}
	// A request that breaks the spec answers 422 validation_failed, as MoneyKit does.
	status, body := do(t, http.MethodPatch, s.url+"/links/"+moneykittest.SeedLinkID, "Bearer "+s.token, "application/json", `{"webhook": 42}`)
	if status != http.StatusUnprocessableEntity || !strings.Contains(body, "api_error.request.validation_failed") {
		t.Errorf("bad request: %d %s", status, body)
	}
	if status, _ := do(t, http.MethodDelete, s.url+"/links/"+moneykittest.SeedLinkID, "Bearer wrong", "", ""); status != http.StatusUnauthorized {
		t.Errorf("wrong token: %d", status)
	}
	if err := c.DeleteLink(ctx, moneykittest.SeedLinkID); err != nil {
		t.Errorf("delete: %v", err)
	}
	if err := c.DeleteLink(ctx, moneykittest.SeedLinkID); !errors.Is(err, wrapper.ErrLinkDeleted) {
		t.Errorf("delete again: %v", err)
	}
	// MoneyKit's rate limits are on by default: 4 PATCH per minute per link.
	var rl error
	for range 5 {
		_, rl = c.UpdateLink(ctx, "mk_4NwQa7ZrTb1XyEhK8sJdLc", wrapper.UpdateParams{LinkTags: wrapper.ClearLinkTags()})
	}
	if !errors.Is(rl, wrapper.ErrRateLimited) {
		t.Errorf("5th PATCH in a minute: %v, want rate limited", rl)
	}
	if code := s.stop(); code != exitOK {
		t.Errorf("exit %d after its context ended", code)
	}
	log := s.stderr.String()
	for _, want := range []string{
		"listening at " + s.url,
		"PATCH /links/" + moneykittest.SeedLinkID + " -> 200",
		`-> 422`, `answer=api_error.request.validation_failed [body.webhook:`,
		"DELETE /links/" + moneykittest.SeedLinkID + " -> 401",
		"-> 410", "-> 429", "auth=bearer", `body={"webhook":"https://example.com/served"}`,
		"shutting down",
	} {
		if !strings.Contains(log, want) {
			t.Errorf("log lacks %q:\n%s", want, log)
		}
	}
	if strings.Contains(log, s.token) {
		t.Errorf("the log shows the token:\n%s", log)
	}
}

// Credentials never reach the log, in any encoding a client can send them in.
func TestServeRedactsCredentials(t *testing.T) {
	const id, secret, token = "cid", "s3cr/et+x y", "Zx9SERVEDtok1"
	s := startServe(t, "--token", token, "--client-id", id, "--client-secret", secret, "--json")
	if s.token != token {
		t.Fatalf("token %q", s.token)
	}
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {id}, "client_secret": {secret}}.Encode()
	status, body := do(t, http.MethodPost, s.url+"/auth/token", "", "application/x-www-form-urlencoded", form)
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if status != http.StatusCreated || json.Unmarshal([]byte(body), &tok) != nil || tok.AccessToken == "" {
		t.Fatalf("POST /auth/token (form): %d %s", status, body)
	}
	basic := "Basic " + base64.StdEncoding.EncodeToString([]byte(id+":"+secret))
	if status, body := do(t, http.MethodPost, s.url+"/auth/token", basic, "application/x-www-form-urlencoded", "grant_type=client_credentials"); status != http.StatusCreated {
		t.Errorf("POST /auth/token (Basic): %d %s", status, body)
	}
	// The issued token works, and a client that pastes credentials into bodies and paths
	// does not get them logged either.
	c, err := wrapper.New(tok.AccessToken, wrapper.WithBaseURL(s.url))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.UpdateLink(context.Background(), moneykittest.SeedLinkID, wrapper.UpdateParams{LinkTags: wrapper.SetLinkTags(tok.AccessToken, token, secret)}); err != nil {
		t.Errorf("update with the issued token: %v", err)
	}
	do(t, http.MethodDelete, s.url+"/links/"+url.PathEscape(secret)+"?t="+url.QueryEscape(token), "Bearer "+token, "", "")
	do(t, http.MethodPatch, s.url+"/links/x", "Bearer "+token, "application/json", `{"webhook":"https://x.test/?s=`+base64.StdEncoding.EncodeToString([]byte(secret))+`"}`)
	// A token that straddles the point where the logged body is cut, and a body that tries
	// to forge a log line.
	do(t, http.MethodPatch, s.url+"/links/x", "Bearer "+token, "application/json", `{"link_tags":["`+strings.Repeat("a", 491)+token+`"]}`)
	do(t, http.MethodPatch, s.url+"/links/y", "Bearer "+token, "application/json", "{\"link_tags\":[\"a\n00:00:00.000 FORGED\x1b[2J\"]}")
	s.stop()
	log := s.stderr.String()
	if strings.Contains(log, token[:4]) {
		t.Errorf("the log shows the start of the token:\n%s", log)
	}
	for _, l := range strings.Split(log, "\n") {
		if strings.Contains(l, "FORGED") && !strings.Contains(l, "PATCH /links/y") || strings.Contains(l, "\x1b") {
			t.Errorf("a body broke the log line: %q", l)
		}
	}
	if !strings.Contains(log, "POST /auth/token -> 201") || !strings.Contains(log, "auth=basic") || !strings.Contains(log, "[REDACTED]") {
		t.Errorf("log:\n%s", log)
	}
	for _, leak := range []string{
		token, secret, tok.AccessToken, url.QueryEscape(secret), url.PathEscape(secret),
		base64.StdEncoding.EncodeToString([]byte(secret)), base64.StdEncoding.EncodeToString([]byte(id + ":" + secret)),
	} {
		if strings.Contains(log, leak) {
			t.Errorf("the log shows %q:\n%s", leak, log)
		}
	}
}

func TestServeOptions(t *testing.T) {
	dir := t.TempDir()
	seed := filepath.Join(dir, "links.json")
	links := `[
	  {"link_id": "mk_seed_1", "institution_id": "chase", "institution_name": "Chase", "institution_avatar": "https://example.com/a.png",
	   "state": "connected", "provider": "mx", "products": {}, "available_products": []},
	  {"link_id": "mk_seed_gone", "institution_id": "chase", "institution_name": "Chase", "institution_avatar": "https://example.com/a.png",
	   "state": "deleted", "provider": "mx", "products": {}, "available_products": []}
	]`
	if err := os.WriteFile(seed, []byte(links), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()

	t.Run("seed file, delete 204, no rate limits", func(t *testing.T) {
		s := startServe(t, "--seed-file", seed, "--delete-204", "--rate-limits", "off")
		c := s.client(t)
		for range 6 {
			if _, err := c.UpdateLink(ctx, "mk_seed_1", wrapper.UpdateParams{LinkTags: wrapper.SetLinkTags("x")}); err != nil {
				t.Fatalf("update (rate limits off): %v", err)
			}
		}
		if _, err := c.UpdateLink(ctx, "mk_seed_gone", wrapper.UpdateParams{}); !errors.Is(err, wrapper.ErrLinkDeleted) {
			t.Errorf("deleted seed link: %v", err)
		}
		if _, err := c.UpdateLink(ctx, moneykittest.SeedLinkID, wrapper.UpdateParams{}); !errors.Is(err, wrapper.ErrNotFound) {
			t.Errorf("the built-in seed is still there: %v", err)
		}
		if status, _ := do(t, http.MethodDelete, s.url+"/links/mk_seed_1", "Bearer "+s.token, "", ""); status != http.StatusNoContent {
			t.Errorf("DELETE with --delete-204: %d", status)
		}
		if !strings.Contains(s.stderr.String(), "(2 links") {
			t.Errorf("stderr: %s", s.stderr)
		}
	})

	t.Run("faults", func(t *testing.T) {
		s := startServe(t, "--fault", "503:1:DELETE", "--fault", "drop:1:POST", "--fault", "html-502:0")
		c := s.client(t)
		if _, err := c.UpdateLink(ctx, moneykittest.SeedLinkID, wrapper.UpdateParams{}); err != nil {
			t.Errorf("PATCH is not faulted: %v", err)
		}
		for range 2 { // every DELETE, not only the first
			status, body := do(t, http.MethodDelete, s.url+"/links/"+moneykittest.SeedLinkID, "Bearer "+s.token, "", "")
			if status != http.StatusServiceUnavailable || !strings.Contains(body, "fault_injected") {
				t.Errorf("DELETE: %d %s", status, body)
			}
		}
		if status, _ := do(t, http.MethodPost, s.url+"/auth/token", "", "application/x-www-form-urlencoded", "grant_type=client_credentials"); status != 0 {
			t.Errorf("POST was answered %d; want a dropped connection", status)
		}
		s.stop()
		if log := s.stderr.String(); !strings.Contains(log, "-> 503") || !strings.Contains(log, "POST /auth/token -> connection dropped") {
			t.Errorf("log:\n%s", log)
		}
	})

	t.Run("shutdown ends a delayed request", func(t *testing.T) {
		s := startServe(t, "--fault", "delay=1h")
		got := make(chan int, 1)
		go func() {
			status, _ := do(t, http.MethodDelete, s.url+"/links/"+moneykittest.SeedLinkID, "Bearer "+s.token, "", "")
			got <- status
		}()
		deadline := time.Now().Add(5 * time.Second)
		for !strings.Contains(s.stderr.String(), "listening") && time.Now().Before(deadline) {
			time.Sleep(time.Millisecond)
		}
		time.Sleep(50 * time.Millisecond) // let the request reach the delay
		start := time.Now()
		if code := s.stop(); code != exitOK {
			t.Errorf("exit %d", code)
		}
		if d := time.Since(start); d > 3*time.Second {
			t.Errorf("shutdown took %v with a request in an hour-long delay", d)
		}
		<-got
	})
}

func TestServeUsageErrors(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	link := func(extra string) string {
		return `{"link_id": "mk_1", "institution_id": "c", "institution_name": "C", "institution_avatar": "https://example.com/a.png",
		  "provider": "mx", "products": {}, "available_products": []` + extra + `}`
	}
	for _, tc := range []struct {
		name string
		args []string
		msg  string
	}{
		{"unknown fault kind", []string{"--fault", "explode"}, `unknown fault kind "explode"`},
		{"fault status not an error", []string{"--fault", "200"}, "unknown fault kind"},
		{"probability over 1", []string{"--fault", "503:1.5"}, "must be a number from 0 to 1"},
		{"negative probability", []string{"--fault", "503:-0.1"}, "must be a number from 0 to 1"},
		{"probability not a number", []string{"--fault", "503:often"}, "must be a number from 0 to 1"},
		{"probability NaN", []string{"--fault", "503:NaN"}, "must be a number from 0 to 1"},
		{"fault method", []string{"--fault", "503:0.5:GET"}, "want PATCH, DELETE or POST"},
		{"fault too many parts", []string{"--fault", "503:0.5:PATCH:x"}, "KIND[:PROBABILITY][:METHOD]"},
		{"bad delay", []string{"--fault", "delay=soon"}, "delay wants a duration"},
		{"seed file missing", []string{"--seed-file", filepath.Join(dir, "nope.json")}, "no such file"},
		{"seed file not JSON", []string{"--seed-file", write("bad.json", "links: yes")}, "want a JSON array of links"},
		{"seed file not an array", []string{"--seed-file", write("obj.json", link(`, "state": "connected"`))}, "want a JSON array of links"},
		{"seed link breaks the schema", []string{"--seed-file", write("enum.json", "["+link(`, "state": "paused"`)+"]")}, "link 0 (mk_1) breaks openapi.yaml's Link schema: /state"},
		{"seed link lacks a required field", []string{"--seed-file", write("req.json", "["+link("")+"]")}, `property "state" is missing`},
		{"seed link with an unknown field", []string{"--seed-file", write("typo.json", "["+link(`, "state": "connected", "webhok": "https://x.test"`)+"]")}, `unknown field "webhok"`},
		{"seed links with one id", []string{"--seed-file", write("dup.json", "["+link(`, "state": "connected"`)+","+link(`, "state": "error"`)+"]")}, "link_id used twice"},
		{"client id without secret", []string{"--client-id", "c"}, "go together"},
		{"token with a space", []string{"--token", "a b"}, "--token must not contain spaces"},
		{"rate limits", []string{"--rate-limits", "fast"}, `--rate-limits "fast": want moneykit or off`},
		{"all interfaces", []string{"--addr", ":0"}, "not a loopback address"},
		{"a public address", []string{"--addr", "0.0.0.0:0"}, "add --public"},
		{"a host name", []string{"--addr", "example.com:8080"}, "not a loopback address"},
		{"bad addr", []string{"--addr", "nope"}, "not a loopback address"},
		{"port in use or invalid", []string{"--addr", "127.0.0.1:99999"}, "--addr"},
		{"argument", []string{"now"}, `unexpected argument "now"`},
		{"unknown flag", []string{"--port", "1"}, "flag provided but not defined"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			cancel() // a server that starts anyway returns at once instead of hanging the test
			var out, errb bytes.Buffer
			code := run(ctx, append([]string{"serve"}, tc.args...), func(string) string { return "" }, &out, &errb)
			if code != exitUsage || !strings.Contains(errb.String(), tc.msg) {
				t.Errorf("exit %d, want %d; stderr %q lacks %q", code, exitUsage, errb.String(), tc.msg)
			}
			if out.Len() > 0 || strings.Contains(errb.String(), "listening") {
				t.Errorf("it started: stdout %q", out.String())
			}
		})
	}
	if r := runCLI(t, nil, "serve", "--help"); r.code != exitOK || !strings.Contains(r.stdout, "--fault") || !strings.Contains(r.stdout, "--seed-file") {
		t.Errorf("serve --help: %d %q", r.code, r.stdout)
	}
}

func TestParseFault(t *testing.T) {
	for _, tc := range []struct {
		spec  string
		want  moneykittest.Fault
		never bool
	}{
		{"503", moneykittest.Fault{Kind: moneykittest.FaultStatus, Status: 503, Times: -1}, false},
		{"503:0.02", moneykittest.Fault{Kind: moneykittest.FaultStatus, Status: 503, Times: -1, Probability: 0.02}, false},
		{"429:1:patch", moneykittest.Fault{Kind: moneykittest.FaultStatus, Status: 429, Times: -1, Method: "PATCH"}, false},
		{"drop:0.5:DELETE", moneykittest.Fault{Kind: moneykittest.FaultDrop, Times: -1, Probability: 0.5, Method: "DELETE"}, false},
		{"drop-mid-body", moneykittest.Fault{Kind: moneykittest.FaultDropMidBody, Times: -1}, false},
		{"truncate", moneykittest.Fault{Kind: moneykittest.FaultTruncate, Times: -1}, false},
		{"non-json", moneykittest.Fault{Kind: moneykittest.FaultNonJSON, Times: -1}, false},
		{"html-502", moneykittest.Fault{Kind: moneykittest.FaultHTML502, Times: -1}, false},
		{"delay=250ms:0.1", moneykittest.Fault{Kind: moneykittest.FaultDelay, Latency: 250 * time.Millisecond, Times: -1, Probability: 0.1}, false},
		{"truncate:0", moneykittest.Fault{Kind: moneykittest.FaultTruncate, Times: -1}, true},
	} {
		got, never, err := parseFault(tc.spec)
		if err != nil || never != tc.never || got.Kind != tc.want.Kind || got.Status != tc.want.Status || got.Times != tc.want.Times ||
			got.Probability != tc.want.Probability || got.Method != tc.want.Method || got.Latency != tc.want.Latency {
			t.Errorf("%s: %+v never=%v err=%v, want %+v never=%v", tc.spec, got, never, err, tc.want, tc.never)
		}
	}
	f, _, _ := parseFault("429")
	if f.Header.Get("Retry-After") != "1" || !json.Valid(f.Body) || f.Header.Get("Content-Type") != "application/json" {
		t.Errorf("429 fault: %v %s", f.Header, f.Body)
	}
}

// The real binary: it prints its line, serves, and exits 0 on SIGTERM.
func TestServeProcess(t *testing.T) {
	cmd := exec.Command(os.Args[0], "serve", "--rate-limits", "off")
	cmd.Env = childEnv()
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr syncBuffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	lines := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(stdout).ReadString('\n')
		lines <- line
		io.Copy(io.Discard, stdout)
	}()
	var line string
	select {
	case line = <-lines:
	case <-time.After(20 * time.Second):
		t.Fatalf("no line within 20s; stderr: %s", stderr.String())
	}
	vars := map[string]string{}
	for _, kv := range strings.Fields(line) {
		k, v, _ := strings.Cut(kv, "=")
		vars[k] = v
	}
	s := &served{url: vars["MONEYKIT_BASE_URL"], token: vars["MONEYKIT_ACCESS_TOKEN"]}
	if _, err := s.client(t).UpdateLink(context.Background(), moneykittest.SeedLinkID, wrapper.UpdateParams{Webhook: wrapper.RemoveWebhook()}); err != nil {
		t.Fatalf("update against the process (line %q): %v", line, err)
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	waited := make(chan error, 1)
	go func() { waited <- cmd.Wait() }()
	select {
	case err := <-waited:
		if err != nil {
			t.Errorf("exit after SIGTERM: %v\nstderr: %s", err, stderr.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("still running 10s after SIGTERM; stderr: %s", stderr.String())
	}
	if log := stderr.String(); !strings.Contains(log, "PATCH /links/"+moneykittest.SeedLinkID+" -> 200") || !strings.Contains(log, "shutting down") {
		t.Errorf("stderr: %s", log)
	}
}

// A long-running server does not keep every request it has served.
func TestServeForgetsRequests(t *testing.T) {
	fake, err := moneykittest.New()
	if err != nil {
		t.Fatal(err)
	}
	var log bytes.Buffer
	l := &requestLog{next: fake, fake: fake, w: &log, forget: 3}
	for i := range 5 {
		req := httptest.NewRequest(http.MethodDelete, "/links/mk_nope", nil)
		req.Header.Set("Authorization", "Bearer "+fake.Token())
		l.ServeHTTP(httptest.NewRecorder(), req)
		if want := (i + 1) % 3; len(fake.Requests()) != want {
			t.Errorf("after %d requests the fake keeps %d, want %d", i+1, len(fake.Requests()), want)
		}
	}
	if n := strings.Count(log.String(), "DELETE /links/mk_nope -> 404"); n != 5 {
		t.Errorf("%d log lines, want 5:\n%s", n, log.String())
	}
}

// A client secret sent to POST /auth/token must not be logged, even when the secret is
// not the server's (a real one sent to the fake by mistake) and the form is malformed.
func TestServeLogsClientSecretOfMalformedForm(t *testing.T) {
	s := startServe(t, "--client-id", "cid", "--client-secret", "right-secret")
	for _, body := range []string{
		"grant_type=client_credentials&client_id=cid&client_secret=PRODsecretAAA111&a=%zz",
		"grant_type=client_credentials&client_id=cid&client_secret=PRODsecretBBB222;x",
	} {
		do(t, http.MethodPost, s.url+"/auth/token", "", "application/x-www-form-urlencoded", body)
	}
	s.stop()
	log := s.stderr.String()
	for _, leak := range []string{"PRODsecretAAA111", "PRODsecretBBB222"} {
		if strings.Contains(log, leak) {
			t.Errorf("the log shows the client secret %q:\n%s", leak, log)
		}
	}
}
