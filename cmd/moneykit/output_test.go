package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/halyard-labs/moneykit-go/api"
	"github.com/halyard-labs/moneykit-go/moneykittest"
	"github.com/halyard-labs/moneykit-go/wrapper"
)

// errorKeys are the keys of every --json error object, always all present.
var errorKeys = []string{
	"documentation_url", "error_code", "error_message", "exit_code", "hint", "kind", "link_error_code",
	"message", "retry_after_seconds", "status", "validation_errors",
}

// jsonError decodes stdout as the one --json error object and checks its keys and kind.
func jsonError(t *testing.T, r result, kind string) map[string]any {
	t.Helper()
	var v map[string]map[string]any
	dec := json.NewDecoder(strings.NewReader(r.stdout))
	if err := dec.Decode(&v); err != nil || dec.More() {
		t.Fatalf("stdout is not one JSON object (%v): %q\nstderr: %s", err, r.stdout, r.stderr)
	}
	e, ok := v["error"]
	if !ok || len(v) != 1 {
		t.Fatalf("stdout is not {\"error\": ...}: %q", r.stdout)
	}
	keys := make([]string, 0, len(e))
	for k := range e {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	if !slices.Equal(keys, errorKeys) {
		t.Errorf("keys %v, want %v", keys, errorKeys)
	}
	if e["kind"] != kind || e["exit_code"] != float64(r.code) {
		t.Errorf("kind %v exit_code %v, want %s %d", e["kind"], e["exit_code"], kind, r.code)
	}
	if _, ok := e["validation_errors"].([]any); !ok {
		t.Errorf("validation_errors = %v, want a list", e["validation_errors"])
	}
	if m, _ := e["message"].(string); m == "" || strings.HasPrefix(m, "moneykit") {
		t.Errorf("message = %q", e["message"])
	}
	return e
}

// htmlPage200 answers 200 with a captive portal's page.
var htmlPage200 = moneykittest.Fault{Kind: moneykittest.FaultStatus, Status: 200, Header: http.Header{"Content-Type": {"text/html"}},
	Body: []byte("<html><body>Please log in to the Wi-Fi</body></html>")}

// Every API error prints its code, message and what to do next, on stderr, and with
// --json the same as one object on stdout.
func TestCLIAPIErrors(t *testing.T) {
	const docs = "https://docs.moneykit.com/reference/errors"
	validation := `{"error_code":"api_error.request.validation_failed","error_message":"Request validation failed.",` +
		`"validation_errors":[{"location":["body","webhook"],"message":"invalid or missing URL scheme","type":"value_error.url.scheme"}]}`
	for _, tc := range []struct {
		name   string
		setup  func(*moneykittest.Server) // before the run
		token  string                     // "" for the fake's
		args   []string
		code   int
		stderr []string
		absent []string       // not on stderr
		json   map[string]any // fields of the --json error
	}{
		{
			name: "bad state", args: []string{"update", moneykittest.BadStateLinkID, "--clear-tags"}, code: exitAPI,
			stderr: []string{"moneykit: link_error.bad_state: ", "(HTTP 422)", "link_error_code: auth_expired", docs, "reconnect"},
			json:   map[string]any{"status": 422.0, "error_code": "link_error.bad_state", "link_error_code": "auth_expired", "documentation_url": docs},
		},
		{
			name: "validation failed",
			setup: func(s *moneykittest.Server) {
				s.InjectFault(moneykittest.Fault{Kind: moneykittest.FaultStatus, Status: 422, Body: []byte(validation), Header: http.Header{"Content-Type": {"application/json"}}})
			},
			args: []string{"update", moneykittest.SeedLinkID, "--webhook", "https://example.com/h"}, code: exitAPI,
			stderr: []string{"api_error.request.validation_failed: Request validation failed. (HTTP 422)", "body.webhook: invalid or missing URL scheme (value_error.url.scheme)"},
			json:   map[string]any{"status": 422.0, "error_code": "api_error.request.validation_failed", "link_error_code": nil, "documentation_url": nil},
		},
		{
			name: "rate limited",
			setup: func(s *moneykittest.Server) {
				s.InjectFault(moneykittest.Fault{Kind: moneykittest.FaultStatus, Status: 429, Header: http.Header{"Retry-After": {"3600"}, "Content-Type": {"application/json"}},
					Body: []byte(`{"error_code":"api_error.rate_limit_exceeded","error_message":"Rate limit exceeded."}`)})
			},
			args: []string{"delete", moneykittest.SeedLinkID}, code: exitAPI,
			stderr: []string{"api_error.rate_limit_exceeded", "(HTTP 429)", "retry after 1h0m0s"},
			json:   map[string]any{"status": 429.0, "retry_after_seconds": 3600.0},
		},
		{
			name:  "expired token",
			setup: func(s *moneykittest.Server) { s.AddToken("mk_old_token", time.Now().Add(-time.Minute)) },
			token: "mk_old_token", args: []string{"delete", moneykittest.SeedLinkID}, code: exitAPI,
			stderr: []string{"api_error.auth.expired_access_token", "(HTTP 401)", "new access token", "MONEYKIT_CLIENT_ID"},
			json:   map[string]any{"status": 401.0, "error_code": "api_error.auth.expired_access_token"},
		},
		{
			// A 200 that is not the API's answer (a proxy's or captive portal's page, a
			// catch-all server at a mistyped base URL): the deletion may not have happened.
			name:  "HTML 200 on delete",
			setup: func(s *moneykittest.Server) { s.InjectFault(htmlPage200) },
			args:  []string{"delete", moneykittest.SeedLinkID}, code: exitAPI,
			stderr: []string{"malformed response body", "(HTTP 200)", "whether the change was made is unknown"},
			absent: []string{"Deleted"},
			json:   map[string]any{"status": 200.0, "error_code": nil},
		},
		{
			name:  "HTML 200 on update",
			setup: func(s *moneykittest.Server) { s.InjectFault(htmlPage200) },
			args:  []string{"update", moneykittest.SeedLinkID, "--clear-tags"}, code: exitAPI,
			stderr: []string{"malformed response body", "(HTTP 200)", "whether the change was made is unknown"},
			json:   map[string]any{"status": 200.0},
		},
		{
			// The server's texts are printed on one line each, without control characters:
			// a newline would let it forge a line ("Deleted link"), an escape sequence drive
			// the terminal. --json keeps them as sent, escaped by the encoding.
			name: "server text with newlines and escapes",
			setup: func(s *moneykittest.Server) {
				s.InjectFault(moneykittest.Fault{Kind: moneykittest.FaultStatus, Status: 404, Header: http.Header{"Content-Type": {"application/json"}},
					Body: []byte(`{"error_code":"link_error.not_found","error_message":"gone\nDeleted link mk_1\u001b[2K",` +
						`"documentation_url":"https://docs.example/e\r\nDeleted link mk_2",` +
						`"validation_errors":[{"location":["body\n"],"message":"bad\u001b]0;title\u0007","type":"t\u009b2J"}]}`)})
			},
			args: []string{"delete", moneykittest.SeedLinkID}, code: exitAPI,
			stderr: []string{"link_error.not_found: gone Deleted link mk_1 [2K (HTTP 404)", "documentation: https://docs.example/e Deleted link mk_2", "body : bad ]0;title (t 2J)"},
			absent: []string{"\nDeleted link", "\x1b", "\x07", "\u009b", "\r"},
			json:   map[string]any{"status": 404.0, "error_message": "gone\nDeleted link mk_1\u001b[2K"},
		},
		{
			name: "not found", args: []string{"delete", "mk_nope"}, code: exitAPI,
			stderr: []string{"link_error.not_found: Link not found. (HTTP 404)", "link id"},
			json:   map[string]any{"status": 404.0, "error_message": "Link not found.", "retry_after_seconds": nil},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, asJSON := range []bool{false, true} {
				t.Run(fmt.Sprintf("json=%v", asJSON), func(t *testing.T) {
					s, env := fake(t)
					if tc.token != "" {
						env["MONEYKIT_ACCESS_TOKEN"] = tc.token
					}
					if tc.setup != nil {
						tc.setup(s)
					}
					args := tc.args
					if asJSON {
						args = append(slices.Clone(args), "--json")
					}
					r := runCLI(t, env, args...)
					want{code: tc.code, stderr: tc.stderr}.check(t, r)
					for _, bad := range tc.absent {
						if strings.Contains(r.stderr, bad) {
							t.Errorf("stderr has %q:\n%q", bad, r.stderr)
						}
					}
					if !asJSON {
						if r.stdout != "" {
							t.Errorf("stdout: %q", r.stdout)
						}
						return
					}
					e := jsonError(t, r, "api")
					for k, want := range tc.json {
						if !reflect.DeepEqual(e[k], want) {
							t.Errorf("%s = %#v, want %#v", k, e[k], want)
						}
					}
					if h, _ := e["hint"].(string); h == "" {
						t.Errorf("no hint: %v", e)
					}
				})
			}
		})
	}
}

// With --json, every failure prints one error object on stdout: scripts never see an empty
// stdout.
func TestCLIJSONFailures(t *testing.T) {
	_, env := fake(t)
	closed, closedEnv := fake(t)
	closed.Close()
	ids := writeFile(t, "ids", moneykittest.SeedLinkID+"\n")
	for _, tc := range []struct {
		name string
		env  map[string]string
		args []string
		kind string
		code int
	}{
		{"missing id", env, []string{"delete", "--json"}, "usage", exitUsage},
		{"unknown flag after --json", env, []string{"delete", "mk_1", "--json", "--nope"}, "usage", exitUsage},
		{"unknown flag before --json", env, []string{"delete", "mk_1", "--nope", "--json"}, "usage", exitUsage},
		{"bad flag value", env, []string{"update", "mk_1", "--clear-tags", "--timeout", "soon", "--json"}, "usage", exitUsage},
		{"unknown command", env, []string{"frobnicate", "--json"}, "usage", exitUsage},
		{"--json before the command", env, []string{"--json", "delete", "mk_1"}, "usage", exitUsage},
		{"help --json", env, []string{"help", "--json"}, "usage", exitUsage},
		{"empty link id", env, []string{"delete", "", "--json"}, "usage", exitUsage},
		{"bad webhook", env, []string{"update", "mk_1", "--webhook", "ftp://x", "--json"}, "usage", exitUsage},
		{"no credentials", nil, []string{"delete", "mk_1", "--json"}, "usage", exitUsage},
		{"bulk usage", env, []string{"bulk", "delete", "--json"}, "usage", exitUsage},
		{"bulk unknown flag", env, []string{"bulk", "delete", "--json", "--nope"}, "usage", exitUsage},
		{"bulk no credentials", nil, []string{"bulk", "delete", "--ids", "-", "--json"}, "usage", exitUsage},
		{"bulk rate NaN", env, []string{"bulk", "delete", "--ids", ids, "--rate", "NaN", "--json"}, "usage", exitUsage},
		{"bulk rate +Inf", env, []string{"bulk", "delete", "--ids", ids, "--rate", "+Inf", "--json"}, "usage", exitUsage},
		{"version extra", env, []string{"version", "extra", "--json"}, "usage", exitUsage},
		{"network", closedEnv, []string{"delete", "mk_1", "--json"}, "network", exitNetwork},
		{"api", env, []string{"delete", "mk_nope", "--json"}, "api", exitAPI},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := runCLI(t, tc.env, tc.args...)
			if r.code != tc.code {
				t.Errorf("exit %d, want %d\nstderr: %s", r.code, tc.code, r.stderr)
			}
			e := jsonError(t, r, tc.kind)
			if tc.kind != "api" && (e["status"] != nil || e["error_code"] != nil) {
				t.Errorf("status %v error_code %v on a %s error", e["status"], e["error_code"], tc.kind)
			}
			if strings.TrimSpace(r.stderr) == "" {
				t.Error("nothing on stderr")
			}
		})
	}
}

// An internal failure has the same shape (it cannot be provoked from outside).
func TestPrinterInternalFailure(t *testing.T) {
	var out, errb bytes.Buffer
	p := &printer{stdout: &out, stderr: &errb, json: true}
	code := p.fail(internalFailure(errors.New("moneykit: something broke")))
	r := result{code, out.String(), errb.String()}
	if code != exitInternal || r.stderr != "moneykit: something broke\n" {
		t.Errorf("exit %d stderr %q", code, r.stderr)
	}
	jsonError(t, r, "internal")
}

// Redacting the JSON text must leave JSON: a secret that matches the encoding's own
// punctuation is redacted value by value instead.
func TestPrinterRedactedJSONStaysJSON(t *testing.T) {
	red := &redactor{}
	red.add(`": "s3`)
	var out bytes.Buffer
	p := &printer{stdout: &out, json: true, red: red}
	if err := p.writeJSON(map[string]any{"a": "s3cret", "b": `x": "s3y`, "n": 1}); err != nil {
		t.Fatal(err)
	}
	var v map[string]any
	if err := json.Unmarshal(out.Bytes(), &v); err != nil {
		t.Fatalf("not JSON (%v): %s", err, &out)
	}
	if v["a"] != "s3cret" || v["b"] != "x[REDACTED]y" || v["n"] != 1.0 {
		t.Errorf("got %v", v)
	}
}

// The link's heading is the caller's, so a read prints "Link ..." with the same helper.
func TestPrinterLinkHeading(t *testing.T) {
	l := &wrapper.Link{LinkID: "mk_1", InstitutionName: "Bank", State: api.LinkStateConnected}
	for _, heading := range []string{"Updated link", "Link"} {
		var out bytes.Buffer
		p := &printer{stdout: &out}
		if err := p.link(heading, l); err != nil {
			t.Fatal(err)
		}
		want := heading + " mk_1 (Bank, connected)\n  webhook:   (none)\n  link_tags: (none)\n"
		if out.String() != want {
			t.Errorf("got %q, want %q", out.String(), want)
		}
	}
}
