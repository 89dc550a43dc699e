package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/halyard-labs/moneykit-go/moneykittest"
)

type result struct {
	code           int
	stdout, stderr string
}

func runCLI(t *testing.T, env map[string]string, args ...string) result {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), args, func(k string) string { return env[k] }, &out, &errb)
	return result{code, out.String(), errb.String()}
}

// want is how a run of the CLI should end: its exit code, and what its stdout and stderr
// must contain.
type want struct {
	code           int
	stdout, stderr []string // substrings
}

// check reports each way r is not as w says.
func (w want) check(t *testing.T, r result) {
	t.Helper()
	if r.code != w.code {
		t.Errorf("exit %d, want %d\nstdout: %s\nstderr: %s", r.code, w.code, r.stdout, r.stderr)
	}
	for _, s := range w.stdout {
		if !strings.Contains(r.stdout, s) {
			t.Errorf("stdout lacks %q:\n%s", s, r.stdout)
		}
	}
	for _, s := range w.stderr {
		if !strings.Contains(r.stderr, s) {
			t.Errorf("stderr lacks %q:\n%s", s, r.stderr)
		}
	}
}

// fake starts a fake API and returns the environment that points the tool at it.
func fake(t *testing.T, opts ...moneykittest.Option) (*moneykittest.Server, map[string]string) {
	t.Helper()
	s, err := moneykittest.NewServer(opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s, map[string]string{"MONEYKIT_ACCESS_TOKEN": s.Token(), "MONEYKIT_BASE_URL": s.URL}
}

func TestCLI(t *testing.T) {
	s, env := fake(t)
	id := moneykittest.SeedLinkID
	for _, tc := range []struct {
		name   string
		args   []string
		code   int
		stdout []string // substrings
		stderr []string
	}{
		{"no args", nil, exitUsage, nil, []string{"Usage:"}},
		{"help", []string{"help"}, exitOK, []string{"moneykit update <link-id>", "MONEYKIT_ACCESS_TOKEN", "Exit codes"}, nil},
		{"help update", []string{"help", "update"}, exitOK, []string{"--webhook", "--remove-webhook", "--clear-tags", "--json"}, nil},
		{"delete --help", []string{"delete", "--help"}, exitOK, []string{"410 for 90 days", "--token-file"}, nil},
		{"version", []string{"version"}, exitOK, []string{"moneykit 0.1.0"}, nil},
		{"unknown command", []string{"frobnicate"}, exitUsage, nil, []string{`unknown command "frobnicate"`}},
		{"unknown flag", []string{"update", id, "--nope"}, exitUsage, nil, []string{"flag provided but not defined"}},
		{"missing id", []string{"delete"}, exitUsage, nil, []string{"missing <link-id>"}},
		{"two ids", []string{"delete", "a", "b"}, exitUsage, nil, []string{`unexpected argument "b"`}},
		{"nothing to change", []string{"update", id}, exitUsage, nil, []string{"nothing to change"}},
		{"contradiction", []string{"update", id, "--webhook", "https://x.test", "--remove-webhook"}, exitUsage, nil, []string{"contradict"}},
		{"bad webhook", []string{"update", id, "--webhook", "javascript:alert(1)"}, exitUsage, nil, []string{"invalid webhook URL"}},
		{"bad id", []string{"delete", ".."}, exitUsage, nil, []string{"invalid link id"}},
		{"update", []string{"update", id, "--webhook", "https://example.com/h2", "--tags", "a, b"}, exitOK,
			[]string{"Updated link " + id, "webhook:   https://example.com/h2", "link_tags: a, b"}, nil},
		{"flags before id", []string{"update", "--remove-webhook", "--clear-tags", id}, exitOK, []string{"webhook:   (none)", "link_tags: (none)"}, nil},
		{"not found", []string{"delete", "mk_nope"}, exitAPI, nil, []string{"link_error.not_found: Link not found. (HTTP 404)"}},
		{"bad state", []string{"update", moneykittest.BadStateLinkID, "--clear-tags"}, exitAPI, nil, []string{"link_error.bad_state", "HTTP 422"}},
		{"delete", []string{"delete", id}, exitOK, []string{"Deleted link " + id}, nil},
		{"delete again", []string{"delete", id}, exitAPI, nil, []string{"link_error.deleted", "HTTP 410"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := runCLI(t, env, tc.args...)
			want{tc.code, tc.stdout, tc.stderr}.check(t, r)
			if strings.Contains(r.stdout+r.stderr, s.Token()) || strings.Contains(r.stdout+r.stderr, "goroutine ") {
				t.Errorf("output shows the token or a stack trace:\n%s%s", r.stdout, r.stderr)
			}
		})
	}
}

func TestCLIJSON(t *testing.T) {
	_, env := fake(t)
	r := runCLI(t, env, "update", moneykittest.SeedLinkID, "--tags", "x,y", "--json")
	var link map[string]any
	if r.code != exitOK || json.Unmarshal([]byte(r.stdout), &link) != nil {
		t.Fatalf("exit %d, stdout %q", r.code, r.stdout)
	}
	if link["link_id"] != moneykittest.SeedLinkID || link["state"] != "connected" || len(link["link_tags"].([]any)) != 2 {
		t.Errorf("link JSON = %v", link)
	}
	r = runCLI(t, env, "delete", moneykittest.SeedLinkID, "--json")
	if r.code != exitOK || strings.TrimSpace(r.stdout) != "{\n  \"deleted\": true,\n  \"link_id\": \""+moneykittest.SeedLinkID+"\"\n}" {
		t.Errorf("delete JSON: exit %d %q", r.code, r.stdout)
	}
	r = runCLI(t, env, "delete", moneykittest.SeedLinkID, "--json")
	var e struct {
		Error struct {
			Status int    `json:"status"`
			Code   string `json:"error_code"`
		} `json:"error"`
	}
	if r.code != exitAPI || json.Unmarshal([]byte(r.stdout), &e) != nil || e.Error.Status != 410 || e.Error.Code != "link_error.deleted" {
		t.Errorf("error JSON: exit %d %q", r.code, r.stdout)
	}
}

func TestCLIDemo(t *testing.T) {
	r := runCLI(t, nil, "demo")
	if r.code != exitOK {
		t.Fatalf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	for _, want := range []string{
		`"webhook": "https://example.com/hooks/moneykit"`, `"webhook": null`, `"link_tags": []`,
		"DELETE /links/" + moneykittest.SeedLinkID, "< HTTP/1.1 410 Gone", "Got 410 link_error.deleted",
		"Authorization: Bearer [REDACTED]",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("demo output lacks %q", want)
		}
	}
	// The exchanges are on stdout, and the help says so (not "on stderr").
	help := runCLI(t, nil, "demo", "--help")
	if strings.Contains(help.stdout, "on stderr") || !strings.Contains(help.stdout, "on stdout") || strings.Contains(r.stderr, "> PATCH") || !strings.Contains(r.stdout, "> PATCH") {
		t.Errorf("demo --help says where -v prints (%q), the demo prints \"> PATCH\" on stdout: %v, on stderr: %v",
			help.stdout, strings.Contains(r.stdout, "> PATCH"), strings.Contains(r.stderr, "> PATCH"))
	}
	if quiet := runCLI(t, nil, "demo", "-v=false"); quiet.code != exitOK || strings.Contains(quiet.stdout, "> PATCH") {
		t.Errorf("demo -v=false: exit %d, exchanges printed: %v", quiet.code, strings.Contains(quiet.stdout, "> PATCH"))
	}
}

func TestCLIToken(t *testing.T) {
	s, env := fake(t)
	dir := t.TempDir()
	file := filepath.Join(dir, "token")
	if err := os.WriteFile(file, []byte(s.Token()+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	fileEnv := map[string]string{"MONEYKIT_BASE_URL": env["MONEYKIT_BASE_URL"]}
	if r := runCLI(t, fileEnv, "delete", moneykittest.SeedLinkID, "--token-file", file); r.code != exitOK {
		t.Errorf("--token-file: exit %d %s", r.code, r.stderr)
	}
	r := runCLI(t, fileEnv, "update", "mk_4NwQa7ZrTb1XyEhK8sJdLc", "--clear-tags", "--token", s.Token())
	if r.code != exitOK || !strings.Contains(r.stderr, "warning: --token puts the token in your shell history") {
		t.Errorf("--token: exit %d %q", r.code, r.stderr)
	}
	if strings.Contains(r.stdout+r.stderr, s.Token()) {
		t.Error("the token was printed")
	}
	if r := runCLI(t, fileEnv, "delete", "mk_1", "--token-file", filepath.Join(dir, "missing")); r.code != exitUsage {
		t.Errorf("missing token file: exit %d", r.code)
	}
	if r := runCLI(t, map[string]string{"MONEYKIT_ACCESS_TOKEN": "wrong", "MONEYKIT_BASE_URL": env["MONEYKIT_BASE_URL"]}, "delete", "mk_1"); r.code != exitAPI || !strings.Contains(r.stderr, "api_error.auth.unauthorized") {
		t.Errorf("wrong token: exit %d %q", r.code, r.stderr)
	}
}

func TestCLINetworkError(t *testing.T) {
	s, env := fake(t)
	s.Close()
	r := runCLI(t, env, "delete", "mk_1")
	if r.code != exitNetwork || !strings.Contains(r.stderr, "network error") {
		t.Errorf("exit %d %q", r.code, r.stderr)
	}
}

// waitFor polls cond until it holds, or fails the test after 20 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); !cond(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}
