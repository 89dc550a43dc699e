package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/halyard-labs/moneykit-go/api"
	"github.com/halyard-labs/moneykit-go/moneykittest"
	"github.com/halyard-labs/moneykit-go/wrapper"
)

// TestMain lets a test run this program as a separate process (to kill it).
func TestMain(m *testing.M) {
	// Retries come at once: the backoff between them (random, up to 0.5 s then 1 s) is
	// tested in wrapper/, and here, in process or not, it would only be slept. make soak
	// (MONEYKIT_SOAK_IDS set) keeps it.
	if os.Getenv("MONEYKIT_SOAK_IDS") == "" {
		testHookClientOptions = []wrapper.Option{wrapper.WithRetryBackoff(time.Millisecond, time.Millisecond)}
	}
	if os.Getenv("MONEYKIT_TEST_RUN_MAIN") == "1" {
		main()
		return
	}
	os.Exit(m.Run())
}

// childEnv is the environment of this test binary run as the CLI (see TestMain), with
// extra added. Under -race it does not sleep a second as it exits (GORACE's
// atexit_sleep_ms, 1000 by default): every test waits for its children to exit, and a
// race found while a child runs still fails it (exit 66).
func childEnv(extra ...string) []string {
	gorace := strings.TrimSpace(os.Getenv("GORACE") + " atexit_sleep_ms=0")
	return append(append(os.Environ(), "MONEYKIT_TEST_RUN_MAIN=1", "GORACE="+gorace), extra...)
}

// bulkEnv starts a fake with n links and writes their ids to a file.
func bulkEnv(t *testing.T, n int) (*moneykittest.Server, map[string]string, string, []string) {
	t.Helper()
	s, env := fake(t, moneykittest.WithoutSeed())
	ids := addLinks(t, s, "mk_cli_", n)
	file := filepath.Join(t.TempDir(), "ids.txt")
	if err := os.WriteFile(file, []byte("# ids\n"+strings.Join(ids, "\n")+"\n"+ids[0]+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return s, env, file, ids
}

func TestCLIBulk(t *testing.T) {
	s, env, file, ids := bulkEnv(t, 30)
	journal := filepath.Join(t.TempDir(), "journal")
	r := runCLI(t, env, "bulk", "update", "--ids", file, "--webhook", "https://new.example.com/h", "--rate", "60000", "--journal", journal, "--json")
	var sum map[string]float64
	if r.code != exitOK || json.Unmarshal([]byte(r.stdout), &sum) != nil || sum["done"] != 30 || sum["duplicate"] != 1 {
		t.Fatalf("exit %d stdout %q stderr %q", r.code, r.stdout, r.stderr)
	}
	for _, id := range ids {
		l, _ := s.Link(id)
		if v, err := l.Webhook.Get(); err != nil || v != "https://new.example.com/h" {
			t.Errorf("%s not updated", id)
		}
	}
	// A second run with the journal sends nothing.
	before := len(s.Requests())
	r = runCLI(t, env, "bulk", "update", "--ids", file, "--webhook", "https://new.example.com/h", "--rate", "60000", "--journal", journal)
	if r.code != exitOK || !strings.Contains(r.stdout, "0 done") || !strings.Contains(r.stdout, "30 skipped") || len(s.Requests()) != before {
		t.Errorf("re-run: exit %d %q; %d new requests", r.code, r.stdout, len(s.Requests())-before)
	}
	for _, bad := range [][]string{
		{"bulk"}, {"bulk", "frob"}, {"bulk", "delete"}, {"bulk", "update", "--ids", file},
		{"bulk", "update", "--ids", file, "--webhook", "https://x.test", "--remove-webhook"},
		{"bulk", "delete", "--ids", file, "--rate", "0"}, {"bulk", "delete", "--ids", file, "extra"},
	} {
		if r := runCLI(t, env, bad...); r.code != exitUsage {
			t.Errorf("%v: exit %d, want usage error", bad, r.code)
		}
	}
	if r := runCLI(t, env, "bulk", "--help"); r.code != exitOK || !strings.Contains(r.stdout, "--journal") {
		t.Errorf("bulk --help: %d %q", r.code, r.stdout)
	}
}

// kill -9 in the middle of a run, then resume with the same journal: every id ends done,
// ids the journal lists are not sent again, and only requests in flight at the kill repeat.
func TestCLIBulkResumeAfterKill(t *testing.T) {
	const n, concurrency = 300, 4
	s, env, file, ids := bulkEnv(t, n)
	journal := filepath.Join(t.TempDir(), "journal")
	// The first run goes at 100 ids a second, so that the kill lands mid-run; the resume at
	// full speed.
	start := func(rate string) *exec.Cmd {
		cmd := exec.Command(os.Args[0], "bulk", "delete", "--ids", file, "--journal", journal, "--rate", rate, "--concurrency", fmt.Sprint(concurrency))
		cmd.Env = childEnv("MONEYKIT_ACCESS_TOKEN="+env["MONEYKIT_ACCESS_TOKEN"], "MONEYKIT_BASE_URL="+env["MONEYKIT_BASE_URL"])
		return cmd
	}
	cmd := start("6000")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for journalLines(t, journal) < 80 {
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatal("the first run did not get going")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	firstRun := len(s.Requests())
	journaled := journalIDs(t, journal)
	if len(journaled) >= n {
		t.Fatalf("the run finished before the kill (%d journaled); slow it down", len(journaled))
	}
	t.Logf("killed after %d requests, %d ids journaled", firstRun, len(journaled))

	out, err := start("6000000").CombinedOutput()
	if err != nil {
		t.Fatalf("resume: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "resuming") {
		t.Errorf("resume did not say so: %s", out)
	}
	for _, id := range ids {
		if l, _ := s.Link(id); l.State != api.LinkStateDeleted {
			t.Errorf("%s lost: not deleted", id)
		}
	}
	sent := map[string]int{}
	for i, r := range s.Requests() {
		sent[r.LinkID]++
		if i >= firstRun && journaled[r.LinkID] {
			t.Errorf("%s was journaled as done but sent again", r.LinkID)
		}
	}
	repeated := 0
	for _, id := range ids {
		switch sent[id] {
		case 1:
		case 2:
			repeated++
		default:
			t.Errorf("%s sent %d times", id, sent[id])
		}
	}
	if repeated > concurrency {
		t.Errorf("%d ids sent twice; only the %d in flight at the kill may be", repeated, concurrency)
	}
	final := journalIDs(t, journal)
	if len(final) != n {
		t.Errorf("journal lists %d ids as done, want %d", len(final), n)
	}
}

// A fixed token that expires mid-run stops the run: nothing more is sent, the rest is
// reported not attempted with advice to use client credentials, the exit is non-zero, and
// the journal lists exactly what was done, so a run with a new token resumes.
func TestCLIBulkTokenExpires(t *testing.T) {
	const n, concurrency = 300, 4
	s, env, file, _ := bulkEnv(t, n)
	journal := filepath.Join(t.TempDir(), "journal")
	args := []string{"bulk", "update", "--ids", file, "--webhook", "https://new.example.com/h", "--journal", journal, "--concurrency", fmt.Sprint(concurrency)}
	res := make(chan result, 1)
	go func() { res <- runCLI(t, env, append(args, "--rate", "6000", "--json")...) }()
	waitFor(t, "20 ids done", func() bool { return len(journalIDs(t, journal)) >= 20 })
	s.ExpireTokens()
	var r result
	select {
	case r = <-res:
	case <-time.After(20 * time.Second):
		t.Fatal("the run did not stop")
	}
	// --json: the summary, and the error object since the run failed.
	var sum struct {
		NotAttempted float64 `json:"not_attempted"`
		Error        struct {
			Kind      string
			ExitCode  int    `json:"exit_code"`
			ErrorCode string `json:"error_code"`
		}
	}
	want{code: exitAPI, stderr: []string{"access token expired", "MONEYKIT_CLIENT_ID", "were not read", "--journal " + journal}}.check(t, r)
	if json.Unmarshal([]byte(r.stdout), &sum) != nil || sum.NotAttempted < 1 ||
		sum.Error.Kind != "api" || sum.Error.ExitCode != exitAPI || sum.Error.ErrorCode != "api_error.auth.expired_access_token" {
		t.Errorf("stdout: %s", r.stdout)
	}
	expired := 0
	for _, req := range s.Requests() {
		if req.Status == 401 {
			expired++
		}
	}
	if expired == 0 || expired > concurrency || len(s.Requests()) >= n {
		t.Errorf("%d requests, %d answered 401: the run went on sending with an expired token", len(s.Requests()), expired)
	}
	journaled := journalIDs(t, journal)
	updated := 0
	for _, id := range addLinksIDs("mk_cli_", n) {
		l, _ := s.Link(id)
		v, err := l.Webhook.Get()
		done := err == nil && v == "https://new.example.com/h"
		if done {
			updated++
		}
		if done != journaled[id] {
			t.Errorf("%s: updated %v, journaled %v", id, done, journaled[id])
		}
	}
	// With a token that works, the same journal resumes where the run stopped.
	s.AddToken("mk_fresh_token", time.Time{})
	r = runCLI(t, map[string]string{"MONEYKIT_ACCESS_TOKEN": "mk_fresh_token", "MONEYKIT_BASE_URL": env["MONEYKIT_BASE_URL"]}, append(args, "--rate", "600000")...)
	if r.code != exitOK || !strings.Contains(r.stdout, fmt.Sprintf("%d done", n-updated)) {
		t.Errorf("resume: exit %d %q %q", r.code, r.stdout, r.stderr)
	}
}

// --timeout bounds each id's call in bulk, as it bounds the call elsewhere.
func TestCLIBulkTimeout(t *testing.T) {
	s, env, file, _ := bulkEnv(t, 3)
	s.InjectFault(moneykittest.Fault{Kind: moneykittest.FaultDelay, Latency: 10 * time.Second, Times: -1})
	start := time.Now()
	r := runCLI(t, env, "bulk", "delete", "--ids", file, "--timeout", "300ms", "--concurrency", "3", "--rate", "600000")
	if took := time.Since(start); r.code != exitAPI || !strings.Contains(r.stdout, "3 failed") || took > 5*time.Second {
		t.Errorf("exit %d after %v\nstdout: %s\nstderr: %s", r.code, took, r.stdout, r.stderr)
	}
}

// addLinksIDs returns the ids addLinks makes.
func addLinksIDs(prefix string, n int) []string {
	ids := make([]string, n)
	for i := range ids {
		ids[i] = fmt.Sprintf("%s%06d", prefix, i)
	}
	return ids
}

// addLinks adds n plain connected links, prefix000000.., to the fake.
func addLinks(tb testing.TB, s *moneykittest.Server, prefix string, n int) []string {
	tb.Helper()
	ids := addLinksIDs(prefix, n)
	for i := range ids {
		if err := s.AddLink(api.Link{LinkID: ids[i], InstitutionID: "chase", InstitutionName: "Chase",
			InstitutionAvatar: "https://example.com/a.png", State: api.LinkStateConnected, Provider: api.ProviderMx, AvailableProducts: []api.Product{}}); err != nil {
			tb.Fatal(err)
		}
	}
	return ids
}

func journalLines(t *testing.T, path string) int {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	return strings.Count(string(b), "\n")
}

// journalIDs returns the ids a journal lists as done, from its whole lines (a torn last
// line is not a record); none if there is no journal yet.
func journalIDs(t *testing.T, path string) map[string]bool {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	lines := strings.Split(string(b), "\n")
	done := map[string]bool{}
	for _, line := range lines[:len(lines)-1] {
		if st, id, ok := strings.Cut(line, "\t"); ok && st == "done" {
			done[id] = true
		}
	}
	return done
}

// BenchmarkBulkMemory runs 'moneykit bulk delete' as its own process over 2,000 and
// 100,000 ids and reports its peak resident memory: ids stream from the file, so the peak
// should barely move with the count (make bench-bulk).
func BenchmarkBulkMemory(b *testing.B) {
	for _, n := range []int{2000, 100000} {
		b.Run(fmt.Sprintf("ids=%d", n), func(b *testing.B) {
			for b.Loop() {
				b.StopTimer()
				s, err := moneykittest.NewServer(moneykittest.WithoutSeed())
				if err != nil {
					b.Fatal(err)
				}
				ids := addLinks(b, s, "mk_mem_", n)
				file := filepath.Join(b.TempDir(), "ids.txt")
				if err := os.WriteFile(file, []byte(strings.Join(ids, "\n")+"\n"), 0o600); err != nil {
					b.Fatal(err)
				}
				cmd := exec.Command(os.Args[0], "bulk", "delete", "--ids", file, "--rate", "100000000", "--concurrency", "16")
				cmd.Env = childEnv("MONEYKIT_ACCESS_TOKEN="+s.Token(), "MONEYKIT_BASE_URL="+s.URL)
				var out strings.Builder
				cmd.Stdout, cmd.Stderr = &out, &out
				b.StartTimer()
				if err := cmd.Start(); err != nil {
					b.Fatal(err)
				}
				// The child's own high-water mark, VmHWM, read while it runs: the rusage
				// maxrss of a child started this way also counts the parent's memory.
				peak := make(chan int64)
				go func() { peak <- watchHWM(cmd.Process.Pid) }()
				err = cmd.Wait()
				b.StopTimer()
				s.Close()
				if err != nil || !strings.Contains(out.String(), fmt.Sprintf("%d done", n)) {
					b.Fatalf("%v: %s", err, out.String())
				}
				b.ReportMetric(float64(<-peak)/1024, "peak-RSS-MiB")
				b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "ids/s")
				b.StartTimer()
			}
		})
	}
}

// watchHWM polls /proc/pid/status until the process is gone and returns the last VmHWM
// seen, in KiB.
func watchHWM(pid int) int64 {
	var last int64
	for {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
		if err != nil {
			return last
		}
		for _, line := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
				var kb int64
				if _, err := fmt.Sscanf(strings.TrimSpace(v), "%d kB", &kb); err == nil && kb > 0 {
					last = kb
				}
			}
			if v, ok := strings.CutPrefix(line, "State:"); ok && strings.Contains(v, "zombie") {
				return last
			}
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// bulk --json: a run that failed prints its summary with the error object, as every other
// command prints its error object, so a script reads .error.kind and .error.exit_code.
// (Failures before the run, usage errors say, print the error object alone: TestCLIJSONFailures.)
func TestCLIBulkJSONFailureHasErrorObject(t *testing.T) {
	s, env := fake(t)
	ids := writeFile(t, "ids", moneykittest.SeedLinkID+"\n")
	unknown := writeFile(t, "unknown", "mk_nope\n")
	badToken := map[string]string{"MONEYKIT_ACCESS_TOKEN": "not-the-token", "MONEYKIT_BASE_URL": s.URL}
	for _, tc := range []struct {
		name    string
		env     map[string]string
		args    []string
		code    int
		kind    string
		message string
	}{
		// The API refuses the credentials: the run stops.
		{"credentials refused", badToken, []string{"bulk", "delete", "--ids", ids, "--json"}, exitAPI, "api", "api_error.auth.unauthorized"},
		{"an id failed", env, []string{"bulk", "delete", "--ids", unknown, "--json"}, exitAPI, "api", "1 ids failed"},
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
			if e["exit_code"] != float64(r.code) || e["kind"] != tc.kind {
				t.Errorf("error.exit_code %v kind %v, want %d %s", e["exit_code"], e["kind"], r.code, tc.kind)
			}
			if m, _ := e["message"].(string); !strings.Contains(m, tc.message) || strings.HasPrefix(m, "moneykit") {
				t.Errorf("error.message %q, want one with %q", m, tc.message)
			}
			if _, ok := v["not_attempted"].(float64); !ok {
				t.Errorf("no summary with the error: %s", r.stdout)
			}
		})
	}
	// A run that succeeds prints the summary alone.
	r := runCLI(t, env, "bulk", "delete", "--ids", ids, "--json")
	var v map[string]any
	if r.code != exitOK || json.Unmarshal([]byte(r.stdout), &v) != nil || v["done"] != 1.0 || v["error"] != nil {
		t.Errorf("success: exit %d %s", r.code, r.stdout)
	}
}
