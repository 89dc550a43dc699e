package main

// Reproductions from the review of issue 10. Each test fails on the code as reviewed.

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/halyard-labs/moneykit-go/moneykittest"
)

// --json given before the command: the user asked for JSON, stdout is empty.
// Observed: exit 2, stdout "", stderr `moneykit: unknown command "--json"`.
func TestReviewJSONBeforeCommand(t *testing.T) {
	for _, args := range [][]string{
		{"--json", "delete", "mk_1"},
		{"help", "--json"},
	} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			r := runCLI(t, nil, args...)
			if r.code != exitUsage {
				t.Errorf("exit %d, want %d", r.code, exitUsage)
			}
			if strings.TrimSpace(r.stdout) == "" {
				t.Errorf("--json failure with an empty stdout; stderr: %s", r.stderr)
			}
		})
	}
}

// bulk --json: a failed run prints only the summary, never the {"error": {...}} object,
// so a script that reads .error.kind / .error.exit_code (as for every other command)
// finds nothing. Observed for each case: stdout is the summary object; no "error" key.
func TestReviewBulkJSONFailureHasErrorObject(t *testing.T) {
	s, env := fake(t)
	ids := writeFile(t, "ids", moneykittest.SeedLinkID+"\n")
	badToken := map[string]string{"MONEYKIT_ACCESS_TOKEN": "not-the-token", "MONEYKIT_BASE_URL": s.URL}
	for _, tc := range []struct {
		name string
		env  map[string]string
		args []string
		code int
	}{
		// A usage error (exit 2) found only after connecting: --rate NaN passes the
		// "must be positive" check (NaN <= 0 is false) and the wrapper refuses it.
		{"rate NaN", env, []string{"bulk", "delete", "--ids", ids, "--rate", "NaN", "--json"}, exitUsage},
		{"rate +Inf", env, []string{"bulk", "delete", "--ids", ids, "--rate", "+Inf", "--json"}, exitUsage},
		// The API refuses the credentials: the run stops, exit 1.
		{"credentials refused", badToken, []string{"bulk", "delete", "--ids", ids, "--json"}, exitAPI},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := runCLI(t, tc.env, tc.args...)
			if r.code != tc.code {
				t.Errorf("exit %d, want %d\nstderr: %s", r.code, tc.code, r.stderr)
			}
			var v map[string]any
			dec := json.NewDecoder(strings.NewReader(r.stdout))
			if err := dec.Decode(&v); err != nil || dec.More() {
				t.Fatalf("stdout is not one JSON object (%v): %q", err, r.stdout)
			}
			e, ok := v["error"].(map[string]any)
			if !ok {
				t.Fatalf("--json failure (exit %d) without an \"error\" object on stdout: %s", r.code, r.stdout)
			}
			if e["exit_code"] != float64(r.code) {
				t.Errorf("error.exit_code %v, want %d", e["exit_code"], r.code)
			}
		})
	}
}

// --rate NaN is a usage error, but it is caught after the journal file is created (and
// after connecting), contrary to "usage error (nothing sent)" being checked up front.
// Observed: the journal file exists after the refused run.
func TestReviewBulkRateNaNCreatesJournal(t *testing.T) {
	_, env := fake(t)
	ids := writeFile(t, "ids", moneykittest.SeedLinkID+"\n")
	j := filepath.Join(t.TempDir(), "journal")
	r := runCLI(t, env, "bulk", "delete", "--ids", ids, "--rate", "NaN", "--journal", j)
	if r.code != exitUsage {
		t.Errorf("exit %d, want %d", r.code, exitUsage)
	}
	if st, err := os.Stat(j); err == nil {
		t.Errorf("a refused run (usage error) created its journal %s (%d bytes)", j, st.Size())
	}
}

// A 200 that is not the API's answer (an HTML page from a proxy, captive portal or a
// catch-all web server at a mistyped MONEYKIT_BASE_URL) is reported as "Deleted link",
// exit 0, and bulk counts it done. update refuses the same answer as malformed ("whether
// the change was made is unknown"). The spec's DELETE answers are 200 application/json {}
// or 204. Observed: exit 0, stdout "Deleted link mk_1".
func TestReviewDeleteHTML200IsNotSuccess(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprint(w, "<html><body>Please log in to the Wi-Fi</body></html>")
	}))
	defer srv.Close()
	env := map[string]string{"MONEYKIT_ACCESS_TOKEN": "tok", "MONEYKIT_BASE_URL": srv.URL}

	up := runCLI(t, env, "update", "mk_1", "--clear-tags")
	if up.code == exitOK {
		t.Fatalf("update took the HTML page as success: %s", up.stdout)
	}
	del := runCLI(t, env, "delete", "mk_1")
	if del.code == exitOK || strings.Contains(del.stdout, "Deleted") {
		t.Errorf("delete on an HTML 200 page: exit %d, stdout %q; update on the same answer: exit %d (%s)",
			del.code, del.stdout, up.code, strings.TrimSpace(up.stderr))
	}
}

// The demo's --help says -v prints "on stderr", and -v defaults to true there, but the
// demo writes the exchanges on stdout. Observed: "> PATCH" lines on stdout, none on stderr.
func TestReviewDemoVerboseGoesWhereHelpSays(t *testing.T) {
	help := runCLI(t, nil, "demo", "--help")
	r := runCLI(t, nil, "demo")
	if r.code != exitOK {
		t.Fatalf("demo: exit %d\n%s", r.code, r.stderr)
	}
	if strings.Contains(help.stdout, "on stderr") && !strings.Contains(r.stderr, "> PATCH") {
		t.Errorf("demo --help says -v prints on stderr, but the exchanges are on stdout (stdout has \"> PATCH\": %v)",
			strings.Contains(r.stdout, "> PATCH"))
	}
}

// An API error message is printed raw: a newline or a terminal escape sequence in
// error_message is written to the terminal as is, so the server can forge lines (here a
// fake "Deleted link" line) or send escape sequences. The token body is cleaned by
// oneLine; error_message, documentation_url and validation errors are not.
func TestReviewAPIErrorMessageIsOneLine(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusNotFound)
		fmt.Fprint(w, `{"error_code":"link_error.not_found","error_message":"gone\nDeleted link mk_1\u001b[2K"}`)
	}))
	defer srv.Close()
	r := runCLI(t, map[string]string{"MONEYKIT_ACCESS_TOKEN": "tok", "MONEYKIT_BASE_URL": srv.URL}, "delete", "mk_1")
	if r.code != exitAPI {
		t.Errorf("exit %d, want %d", r.code, exitAPI)
	}
	if strings.Contains(r.stderr, "\nDeleted link") || strings.Contains(r.stderr, "\x1b") {
		t.Errorf("the API's error_message reached the terminal raw:\n%q", r.stderr)
	}
}

// A journal does not record where its run went. A trial run on the embedded fake
// (--fake, as the README invites) with --journal, then the real run with the same
// --journal: every id is skipped as already done, nothing is sent to the real API, and the
// run exits 0. Observed: exit 0, "0 done ... 1 skipped (journal)", 0 requests to the API.
func TestReviewJournalFromFakeRunSkipsRealRun(t *testing.T) {
	s, env := fake(t)
	ids := writeFile(t, "ids", moneykittest.SeedLinkID+"\n")
	j := filepath.Join(t.TempDir(), "journal")

	trial := runCLI(t, nil, "bulk", "delete", "--ids", ids, "--journal", j, "--fake")
	if trial.code != exitOK {
		t.Fatalf("trial run on the fake: exit %d\n%s", trial.code, trial.stderr)
	}
	real := runCLI(t, env, "bulk", "delete", "--ids", ids, "--journal", j)
	sent := len(s.Requests())
	if real.code == exitOK && sent == 0 {
		t.Errorf("the real run sent nothing and exited 0: the fake run's journal counted as done on the real API\nstdout: %sstderr: %s",
			real.stdout, real.stderr)
	}
}

// A server that repeats the access token inside a successful answer (here in the link's
// institution_name and tags) gets it printed on stdout, human and --json: the redactor
// covers errors and -v, not results. BRIEF: secrets appear in no output "even when a
// server repeats them back". Observed: the token is on stdout.
func TestReviewTokenEchoedInSuccessfulAnswer(t *testing.T) {
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
		l["institution_name"] = "Bank " + echo
		l["link_tags"] = []string{echo}
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
	}
}
