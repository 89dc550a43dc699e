package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/halyard-labs/moneykit-go/moneykittest"
)

// conformingLink is a link as openapi.yaml describes it; the drift rows break it.
func conformingLink() map[string]any {
	return map[string]any{
		"link_id": "mk_drift", "institution_id": "chase", "institution_name": "Chase",
		"institution_avatar": "https://example.com/avatar.png", "state": "connected", "error_code": nil,
		"last_synced_at": "2023-02-16T09:14:11Z", "provider": "mx",
		"link_tags": []any{"a"}, "webhook": "https://example.com/hook",
		"products": map[string]any{
			"accounts": map[string]any{"refreshed_at": "2023-02-16T09:14:11Z", "last_attempted_at": "2023-02-16T09:14:11Z"},
			// An allOf in the spec (ProductState and has_history): its parts' fields are no extra ones.
			"transactions": map[string]any{"refreshed_at": "2023-02-16T09:14:11Z", "has_history": true, "settings": map[string]any{"prefetch": true}},
		},
		"available_products": []any{"identity"},
	}
}

// answer is what the drifting test server sends for one method.
type answer struct {
	status int
	ctype  string // default application/json
	body   any    // marshalled, unless a string (sent as is) or nil (no body)
	header http.Header
}

// driftServer answers PATCH and DELETE as told, below an optional path prefix, and
// records what it received.
func driftServer(t *testing.T, prefix string, patch, del answer) (string, *[]*http.Request) {
	t.Helper()
	var got []*http.Request
	var mu sync.Mutex // the handler runs on the server's goroutines
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		got = append(got, r)
		mu.Unlock()
		if !strings.HasPrefix(r.URL.Path, prefix+"/links/") {
			http.NotFound(w, r)
			return
		}
		a := patch
		if r.Method == http.MethodDelete {
			a = del
		}
		var b []byte
		switch v := a.body.(type) {
		case nil:
		case string:
			b = []byte(v)
		default:
			b, _ = json.Marshal(v)
		}
		ct := a.ctype
		if ct == "" && b != nil {
			ct = "application/json"
		}
		if ct != "" {
			w.Header().Set("Content-Type", ct)
		}
		for k, v := range a.header {
			w.Header()[k] = v
		}
		w.WriteHeader(a.status)
		w.Write(b)
	}))
	t.Cleanup(srv.Close)
	return srv.URL + prefix, &got
}

func with(edit func(m map[string]any)) map[string]any {
	m := conformingLink()
	edit(m)
	return m
}

type checkOutput struct {
	Conforms bool          `json:"conforms"`
	Checks   []checkResult `json:"checks"`
}

func TestSpecCheckDrift(t *testing.T) {
	ok := answer{status: 200, body: conformingLink()}
	rateLimited := map[string]any{"error_code": "api_error.rate_limit_exceeded", "error_message": "Rate limit exceeded"}
	for _, tc := range []struct {
		name   string
		patch  answer
		del    answer // used with --delete when status is set
		code   int
		drifts []string // kind where, every one expected (and no other)
		err    string   // substring of the check's error
	}{
		{name: "conforms", patch: ok, code: exitOK},
		{name: "extra field", patch: answer{status: 200, body: with(func(m map[string]any) {
			m["settings"] = map[string]any{"x": 1}
			m["products"].(map[string]any)["accounts"].(map[string]any)["row_count"] = 3
		})}, code: exitAPI, drifts: []string{"extra_field /products/accounts/row_count", "extra_field /settings"}},
		{name: "extra and missing field in an allOf", patch: answer{status: 200, body: with(func(m map[string]any) {
			tx := m["products"].(map[string]any)["transactions"].(map[string]any)
			delete(tx, "has_history")
			tx["history_days"] = 90
			tx["settings"].(map[string]any)["priority"] = "high"
		})}, code: exitAPI, drifts: []string{"extra_field /products/transactions/history_days", "extra_field /products/transactions/settings/priority", "missing_field /products/transactions/has_history"}},
		{name: "missing required field", patch: answer{status: 200, body: with(func(m map[string]any) {
			delete(m, "institution_avatar")
			delete(m, "products")
		})}, code: exitAPI, drifts: []string{"missing_field /institution_avatar", "missing_field /products"}},
		{name: "unknown enum value", patch: answer{status: 200, body: with(func(m map[string]any) {
			m["state"] = "paused"
			m["available_products"] = []any{"identity", "crypto"}
		})}, code: exitAPI, drifts: []string{"unknown_enum /available_products/1", "unknown_enum /state"}},
		{name: "wrong type", patch: answer{status: 200, body: with(func(m map[string]any) {
			m["link_tags"] = "a,b"
			m["institution_name"] = 7
			m["webhook"] = false
			m["error_code"] = 5 // an enum: kin-openapi reports the enum, the check the type
		})}, code: exitAPI, drifts: []string{"wrong_type /error_code", "wrong_type /institution_name", "wrong_type /link_tags", "wrong_type /webhook"}},
		{name: "bad format", patch: answer{status: 200, body: with(func(m map[string]any) {
			m["last_synced_at"] = "yesterday"
			m["products"].(map[string]any)["accounts"].(map[string]any)["refreshed_at"] = "16/02/2023"
		})}, code: exitAPI, drifts: []string{"bad_format /last_synced_at", "bad_format /products/accounts/refreshed_at"}},
		{name: "every kind at once", patch: answer{status: 200, body: with(func(m map[string]any) {
			m["extra"] = true
			delete(m, "institution_id")
			m["provider"] = "newco"
			m["link_tags"] = []any{1}
			m["last_synced_at"] = "soon"
		})}, code: exitAPI, drifts: []string{"bad_format /last_synced_at", "extra_field /extra", "missing_field /institution_id", "unknown_enum /provider", "wrong_type /link_tags/0"}},
		{name: "status the spec does not list", patch: answer{status: 201, body: conformingLink()}, code: exitAPI,
			drifts: []string{"wrong_status status"}, err: "answered 201"},
		{name: "Content-Type the spec does not list", patch: answer{status: 200, ctype: "text/html", body: "<html>ok</html>"}, code: exitAPI,
			drifts: []string{"wrong_content_type Content-Type"}},
		{name: "body not JSON", patch: answer{status: 200, body: `{"link_id": `}, code: exitAPI, drifts: []string{"bad_body body"}},
		{name: "error answer that conforms", patch: answer{status: 404, body: map[string]any{"error_code": "link_error.not_found", "error_message": "Link not found."}},
			code: exitAPI, err: "answered 404 link_error.not_found"},
		{name: "error answer that drifts", patch: answer{status: 401, body: map[string]any{"error_code": "api_error.auth.unauthorized", "error_message": "no", "request_id": "r1"}},
			code: exitAPI, drifts: []string{"extra_field /request_id"}, err: "answered 401"},
		{name: "error answer with an error_code the spec lacks", patch: answer{status: 422, body: map[string]any{"error_code": "api_error.new_kind", "error_message": "x"}},
			code: exitAPI, drifts: []string{"unknown_enum /error_code"}, err: "answered 422"},
		// MoneyKit always sends Retry-After with a 429 (api-notes), and openapi.yaml requires it.
		{name: "429 with Retry-After", patch: answer{status: 429, header: http.Header{"Retry-After": {"0"}}, body: rateLimited},
			code: exitAPI, err: "answered 429 api_error.rate_limit_exceeded"},
		{name: "429 without Retry-After", patch: answer{status: 429, body: rateLimited},
			code: exitAPI, drifts: []string{"bad_header Retry-After"}, err: "answered 429"},
		{name: "delete conforms (204)", patch: ok, del: answer{status: 204}, code: exitOK},
		{name: "delete drifts", patch: ok, del: answer{status: 200, body: map[string]any{"deleted": true}}, code: exitAPI,
			drifts: []string{"extra_field /deleted"}},
		{name: "delete with an unlisted status", patch: ok, del: answer{status: 202}, code: exitAPI, drifts: []string{"wrong_status status"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			base, _ := driftServer(t, "", tc.patch, tc.del)
			args := []string{"spec-check", "mk_drift", "--json"}
			if tc.del.status != 0 {
				args = append(args, "--delete", "mk_disposable")
			}
			r := runCLI(t, map[string]string{"MONEYKIT_ACCESS_TOKEN": "tok_drift", "MONEYKIT_BASE_URL": base}, args...)
			var out checkOutput
			if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
				t.Fatalf("exit %d, stdout not JSON (%v):\n%s\nstderr: %s", r.code, err, r.stdout, r.stderr)
			}
			if r.code != tc.code || out.Conforms != (tc.code == exitOK) {
				t.Errorf("exit %d conforms %v, want exit %d\n%s", r.code, out.Conforms, tc.code, r.stdout)
			}
			var got []string
			errs := ""
			for _, c := range out.Checks {
				for _, d := range c.Drift {
					got = append(got, d.Kind+" "+d.Where)
					if d.Detail == "" {
						t.Errorf("%s %s: no detail", d.Kind, d.Where)
					}
				}
				errs += c.Error
			}
			slices.Sort(got)
			want := slices.Clone(tc.drifts)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Errorf("drift = %q, want %q\n%s", got, want, r.stdout)
			}
			if tc.err != "" && !strings.Contains(errs, tc.err) {
				t.Errorf("errors %q lack %q", errs, tc.err)
			}
			if tc.err == "" && errs != "" && tc.code == exitOK {
				t.Errorf("unexpected error %q", errs)
			}
			if wantChecks := 1 + min(tc.del.status, 1); len(out.Checks) != wantChecks {
				t.Errorf("%d checks, want %d", len(out.Checks), wantChecks)
			}
			// The text report says the same.
			text := runCLI(t, map[string]string{"MONEYKIT_ACCESS_TOKEN": "tok_drift", "MONEYKIT_BASE_URL": base}, args[:2]...)
			if text.code != exitOK && text.code != exitAPI {
				t.Errorf("text: exit %d %s", text.code, text.stderr)
			}
			if tc.del.status == 0 {
				for _, d := range tc.drifts {
					kind, where, _ := strings.Cut(d, " ")
					if !strings.Contains(text.stdout, kind) || !strings.Contains(text.stdout, where) {
						t.Errorf("text report lacks %q:\n%s", d, text.stdout)
					}
				}
			}
		})
	}
}

// The check sends PATCH {} (which changes nothing) with the credentials, and DELETE only to
// the link named with --delete.
func TestSpecCheckRequests(t *testing.T) {
	base, got := driftServer(t, "/v1", answer{status: 200, body: conformingLink()}, answer{status: 200, body: map[string]any{}})
	env := map[string]string{"MONEYKIT_ACCESS_TOKEN": "tok_req", "MONEYKIT_BASE_URL": base}
	if r := runCLI(t, env, "spec-check", "mk_drift"); r.code != exitOK {
		t.Fatalf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if len(*got) != 1 {
		t.Fatalf("%d requests, want 1", len(*got))
	}
	req := (*got)[0]
	if req.Method != http.MethodPatch || req.URL.Path != "/v1/links/mk_drift" || req.Header.Get("Authorization") != "Bearer tok_req" {
		t.Errorf("sent %s %s auth %q", req.Method, req.URL.Path, req.Header.Get("Authorization"))
	}
	if r := runCLI(t, env, "spec-check", "mk_drift", "--delete", "mk_gone"); r.code != exitOK {
		t.Fatalf("--delete: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if len(*got) != 3 || (*got)[2].Method != http.MethodDelete || (*got)[2].URL.Path != "/v1/links/mk_gone" {
		t.Errorf("--delete sent %d requests; last %s %s", len(*got), (*got)[len(*got)-1].Method, (*got)[len(*got)-1].URL.Path)
	}
}

// A server that repeats the token back does not get any of it printed, even a long token
// (a JWT, as MoneyKit issues) in a value that is shown cut short: it is redacted before it
// is cut (it used to be cut at 77 bytes first, and its start printed).
func TestSpecCheckScrubsSecrets(t *testing.T) {
	jwt := "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9." + strings.Repeat("eyJzdWIiOiJhcHBfMSJ9", 4) + ".c2lnbmF0dXJl"
	for _, token := range []string{"tok_SECRET_echo", jwt} {
		base, _ := driftServer(t, "", answer{status: 200, body: with(func(m map[string]any) {
			m["state"] = token
			m[token] = token
		})}, answer{})
		for _, asJSON := range []bool{false, true} {
			args := []string{"spec-check", "mk_drift"}
			if asJSON {
				args = append(args, "--json")
			}
			r := runCLI(t, map[string]string{"MONEYKIT_ACCESS_TOKEN": token, "MONEYKIT_BASE_URL": base}, args...)
			if r.code != exitAPI || !strings.Contains(r.stdout, "unknown_enum") {
				t.Fatalf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
			}
			if strings.Contains(r.stdout+r.stderr, token[:min(len(token), 40)]) {
				t.Errorf("%v: the token (or its start) was printed:\n%s%s", args, r.stdout, r.stderr)
			}
		}
	}
}

// Against 'moneykit serve', the fake held to openapi.yaml, every check conforms: PATCH,
// and DELETE answering 200 {} or 204.
func TestSpecCheckAgainstServe(t *testing.T) {
	for _, args := range [][]string{{"--rate-limits", "off"}, {"--delete-204", "--client-id", "cid", "--client-secret", "csecret"}} {
		s := startServe(t, args...)
		env := map[string]string{"MONEYKIT_ACCESS_TOKEN": s.token, "MONEYKIT_BASE_URL": s.url}
		r := runCLI(t, env, "spec-check", moneykittest.SeedLinkID, "--delete", "mk_4NwQa7ZrTb1XyEhK8sJdLc")
		if r.code != exitOK || strings.Count(r.stdout, "conforms to openapi.yaml") != 2 {
			t.Errorf("serve %v: exit %d\n%s%s", args, r.code, r.stdout, r.stderr)
		}
		if slices.Contains(args, "--client-id") {
			// Client credentials, exchanged at POST /auth/token.
			env := map[string]string{"MONEYKIT_CLIENT_ID": "cid", "MONEYKIT_CLIENT_SECRET": "csecret", "MONEYKIT_BASE_URL": s.url}
			r := runCLI(t, env, "spec-check", moneykittest.SeedLinkID, "--json")
			if r.code != exitOK || strings.Contains(r.stdout+r.stderr, "csecret") {
				t.Errorf("client credentials: exit %d\n%s%s", r.code, r.stdout, r.stderr)
			}
			env["MONEYKIT_CLIENT_SECRET"] = "wrong-secret"
			r = runCLI(t, env, "spec-check", moneykittest.SeedLinkID)
			if r.code != exitAPI || !strings.Contains(r.stderr, "access token") || strings.Contains(r.stdout+r.stderr, "wrong-secret") {
				t.Errorf("refused client credentials: exit %d\n%s%s", r.code, r.stdout, r.stderr)
			}
		}
	}
}

func TestSpecCheckUsage(t *testing.T) {
	tokenFile := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(tokenFile, []byte("tok\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		env  map[string]string
		args []string
		code int
		msg  string
	}{
		{"no credentials at all", nil, []string{"mk_1"}, exitUsage, "no access token or client credentials"},
		{"base URL but no token", map[string]string{"MONEYKIT_BASE_URL": "http://127.0.0.1:1"}, []string{"mk_1"}, exitUsage, "no access token or client credentials"},
		{"the embedded fake", map[string]string{"MONEYKIT_BASE_URL": "fake"}, []string{"mk_1"}, exitUsage, "never the embedded fake"},
		{"--fake", nil, []string{"mk_1", "--fake"}, exitUsage, "flag provided but not defined: -fake"},
		{"client id without secret", map[string]string{"MONEYKIT_CLIENT_ID": "c"}, []string{"mk_1"}, exitUsage, "no client secret"},
		{"token and client credentials", map[string]string{"MONEYKIT_ACCESS_TOKEN": "t", "MONEYKIT_CLIENT_ID": "c", "MONEYKIT_CLIENT_SECRET": "s"}, []string{"mk_1"}, exitUsage, "give one"},
		{"missing token file", nil, []string{"mk_1", "--token-file", tokenFile + ".nope"}, exitUsage, "--token-file"},
		{"no link id", map[string]string{"MONEYKIT_ACCESS_TOKEN": "t"}, nil, exitUsage, "missing <link-id>"},
		{"two link ids", map[string]string{"MONEYKIT_ACCESS_TOKEN": "t"}, []string{"a", "b"}, exitUsage, "unexpected argument"},
		{"delete the checked link", map[string]string{"MONEYKIT_ACCESS_TOKEN": "t"}, []string{"a", "--delete", "a"}, exitUsage, "disposable"},
		{"bad link id", map[string]string{"MONEYKIT_ACCESS_TOKEN": "t", "MONEYKIT_BASE_URL": "http://127.0.0.1:1"}, []string{".."}, exitUsage, "invalid link id"},
		{"plain http to a remote host", map[string]string{"MONEYKIT_ACCESS_TOKEN": "t", "MONEYKIT_BASE_URL": "http://example.com"}, []string{"a"}, exitUsage, "plain http"},
		{"unknown flag", map[string]string{"MONEYKIT_ACCESS_TOKEN": "t"}, []string{"a", "--frob"}, exitUsage, "flag provided but not defined"},
		{"network error", map[string]string{"MONEYKIT_BASE_URL": "http://127.0.0.1:1"}, []string{"mk_1", "--token-file", tokenFile, "--timeout", "5s"}, exitNetwork, "network error"},
		{"help", nil, []string{"--help"}, exitOK, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := runCLI(t, tc.env, append([]string{"spec-check"}, tc.args...)...)
			if r.code != tc.code || !strings.Contains(r.stderr, tc.msg) {
				t.Errorf("exit %d, want %d; stderr %q", r.code, tc.code, r.stderr)
			}
			if strings.Contains(r.stderr, "using the embedded fake") {
				t.Error("it started the embedded fake")
			}
		})
	}
	// Without credentials, the hint names a way to try each command that it accepts:
	// spec-check has no --fake (it used to be told to add one), delete has.
	for _, tc := range []struct{ cmd, want, not string }{
		{"spec-check", "moneykit serve", "--fake"},
		{"delete", "--fake", ""},
	} {
		r := runCLI(t, map[string]string{}, tc.cmd, "mk_x")
		if r.code != exitUsage || !strings.Contains(r.stderr, tc.want) || tc.not != "" && strings.Contains(r.stderr, tc.not) {
			t.Errorf("%s without credentials: exit %d, want %d, a hint with %q and without %q:\n%s", tc.cmd, r.code, exitUsage, tc.want, tc.not, r.stderr)
		}
	}
	if r := runCLI(t, nil, "help", "spec-check"); r.code != exitOK || !strings.Contains(r.stdout, "--delete") || !strings.Contains(r.stdout, "openapi.yaml") {
		t.Errorf("help spec-check: %d %q", r.code, r.stdout)
	}
}

// closeSchemas closes objects, merges an allOf of objects into one closed object (its
// parts may be used alone elsewhere, and closed there), and leaves other allOfs open, so
// that the strict pass reports the fields the spec does not declare.
func TestCloseSchemas(t *testing.T) {
	doc, err := openapi3.NewLoader().LoadFromData([]byte(`
openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /x:
    get:
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema:
                type: object
                properties:
                  inline: {type: object, properties: {a: {type: string}}}
components:
  schemas:
    Plain:
      type: object
      properties: {a: {type: string}, kind: {$ref: "#/components/schemas/Kind"}, part: {$ref: "#/components/schemas/Part"}}
    Open:
      type: object
      properties: {a: {type: string}}
      additionalProperties: true
    Both:
      allOf:
        - $ref: "#/components/schemas/Part"
        - type: object
          required: [b]
          properties: {b: {type: boolean}}
    Part:
      type: object
      properties: {a: {type: string}}
    Named:
      description: a string enum under another name
      allOf:
        - $ref: "#/components/schemas/Kind"
    Kind:
      type: string
      enum: [one, two]
`))
	if err != nil {
		t.Fatal(err)
	}
	closeSchemas(doc)
	schemas := doc.Components.Schemas
	inline := doc.Paths.Value("/x").Get.Responses.Status(200).Value.Content.Get("application/json").Schema.Value
	for _, tc := range []struct {
		schema *openapi3.Schema
		value  any
		ok     bool
	}{
		{schemas["Plain"].Value, map[string]any{"a": "x", "kind": "two", "part": map[string]any{"a": "y"}}, true},
		{schemas["Plain"].Value, map[string]any{"a": "x", "z": 1}, false},
		{schemas["Plain"].Value, map[string]any{"part": map[string]any{"a": "y", "z": 1}}, false},
		{schemas["Open"].Value, map[string]any{"a": "x", "z": 1}, true},
		{schemas["Both"].Value, map[string]any{"a": "x", "b": true}, true}, // a part's field is no extra one
		{schemas["Both"].Value, map[string]any{"a": "x", "b": true, "z": 1}, false},
		{schemas["Both"].Value, map[string]any{"a": "x"}, false}, // a part's required field
		{schemas["Part"].Value, map[string]any{"a": "x", "b": true}, false},
		{schemas["Named"].Value, "one", true}, // a string part is not made an object
		{schemas["Named"].Value, "three", false},
		{inline, map[string]any{"inline": map[string]any{"a": "x"}}, true},
		{inline, map[string]any{"inline": map[string]any{"a": "x", "z": 1}}, false},
	} {
		err := tc.schema.VisitJSON(tc.value)
		if (err == nil) != tc.ok {
			t.Errorf("%v against %v: %v, want ok=%v", tc.value, tc.schema.Description, err, tc.ok)
		}
	}
}
