package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/halyard-labs/moneykit-go/api"
	"github.com/halyard-labs/moneykit-go/moneykittest"
	"github.com/halyard-labs/moneykit-go/wrapper"
)

// A journal is bound to the operation and values of the run that wrote it: another
// operation or other values are refused before anything is sent; the same resume.
func TestCLIBulkJournalBoundToRun(t *testing.T) {
	s, env, file, _ := bulkEnv(t, 20)
	journal := filepath.Join(t.TempDir(), "journal")
	args := func(extra ...string) []string {
		return append([]string{"bulk", extra[0], "--ids", file, "--rate", "60000", "--journal", journal}, extra[1:]...)
	}
	if r := runCLI(t, env, args("update", "--webhook", "https://a.example.com/h", "--tags", "x,y")...); r.code != exitOK {
		t.Fatalf("first run: exit %d %s%s", r.code, r.stdout, r.stderr)
	}
	for _, tc := range []struct {
		name string
		args []string
	}{
		{"other webhook", args("update", "--webhook", "https://b.example.com/h", "--tags", "x,y")},
		{"webhook removed", args("update", "--remove-webhook", "--tags", "x,y")},
		{"tags left alone", args("update", "--webhook", "https://a.example.com/h")},
		{"other tags", args("update", "--webhook", "https://a.example.com/h", "--tags", "y,x")},
		{"tags cleared", args("update", "--webhook", "https://a.example.com/h", "--clear-tags")},
		{"delete", args("delete")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			runRefused(t, s, env, journal, want{code: exitUsage, stderr: []string{
				journal, "belongs to another run", "bulk update --webhook https://a.example.com/h --tags x,y", "Nothing was sent"}}, tc.args...)
		})
	}
	// With --json the refusal is also the error object on stdout.
	r := runCLI(t, env, args("delete", "--json")...)
	var e struct {
		Error struct{ Kind, Message string }
	}
	if err := json.Unmarshal([]byte(r.stdout), &e); err != nil || r.code != exitUsage || e.Error.Kind != "usage" || !strings.Contains(e.Error.Message, "belongs to another run") {
		t.Errorf("--json refusal: exit %d %q (%v)", r.code, r.stdout, err)
	}
	// The same values, written differently, resume: nothing is sent again.
	before := len(s.Requests())
	r = runCLI(t, env, args("update", "--tags", " x, y", "--webhook", "https://a.example.com/h")...)
	if r.code != exitOK || !strings.Contains(r.stdout, "20 skipped") || len(s.Requests()) != before {
		t.Errorf("same run again: exit %d %q %q; %d requests", r.code, r.stdout, r.stderr, len(s.Requests())-before)
	}
}

// A journal is bound to where its ids were done too. A trial run on the embedded fake
// (--fake, as the README invites) must not make the real run skip every id, nor a run on
// one API base URL another's: both are refused before anything is sent, naming the
// journal, its target and this run's.
func TestCLIBulkJournalBoundToTarget(t *testing.T) {
	s, env := fake(t)
	other, otherEnv := fake(t)
	ids := writeFile(t, "ids", moneykittest.SeedLinkID+"\n")
	for _, tc := range []struct {
		name   string
		first  []string          // extra args of the first run
		env    map[string]string // of the first run
		target string            // as the refusal names it
	}{
		{"trial run on the fake", []string{"--fake"}, nil, "the embedded fake API (--fake)"},
		{"another base URL", nil, otherEnv, other.URL},
	} {
		t.Run(tc.name, func(t *testing.T) {
			j := filepath.Join(t.TempDir(), "journal")
			first := runCLI(t, tc.env, append([]string{"bulk", "delete", "--ids", ids, "--journal", j}, tc.first...)...)
			if first.code != exitOK {
				t.Fatalf("first run: exit %d\n%s", first.code, first.stderr)
			}
			runRefused(t, s, env, j, want{code: exitUsage, stderr: []string{
				j, "was written on " + tc.target, "this run goes to " + s.URL, "Nothing was sent"}}, "bulk", "delete", "--ids", ids, "--journal", j)
			written, _ := os.ReadFile(j)
			if tok := tc.env["MONEYKIT_ACCESS_TOKEN"]; tok != "" && strings.Contains(string(written), tok) {
				t.Errorf("a credential in the journal:\n%s", written)
			}
		})
	}
	// The target is the API, not the identity: a link done is done whoever did it, so the
	// same API with other credentials (client credentials after an access token) resumes.
	cs, ccEnv := fakeCC(t)
	j := filepath.Join(t.TempDir(), "journal")
	tokenEnv := map[string]string{"MONEYKIT_ACCESS_TOKEN": cs.Token(), "MONEYKIT_BASE_URL": cs.URL}
	if r := runCLI(t, tokenEnv, "bulk", "delete", "--ids", ids, "--journal", j); r.code != exitOK {
		t.Fatalf("run with a token: exit %d\n%s", r.code, r.stderr)
	}
	before := len(cs.Requests())
	r := runCLI(t, ccEnv, "bulk", "delete", "--ids", ids, "--journal", j)
	if r.code != exitOK || !strings.Contains(r.stdout, "1 skipped") || len(cs.Requests()) != before {
		t.Errorf("resume with client credentials: exit %d %q %q; %d requests", r.code, r.stdout, r.stderr, len(cs.Requests())-before)
	}
	if b, _ := os.ReadFile(j); strings.Contains(string(b), ccID) || strings.Contains(string(b), cs.Token()) {
		t.Errorf("a credential in the journal:\n%s", b)
	}
}

// A usage error is found with the flags, before any file is touched: a run refused for
// its --rate (NaN passes a "<= 0" check) creates no journal.
func TestCLIBulkBadFlagsCreateNoJournal(t *testing.T) {
	s, env := fake(t)
	ids := writeFile(t, "ids", moneykittest.SeedLinkID+"\n")
	for _, flags := range [][]string{
		{"--rate", "NaN"}, {"--rate", "+Inf"}, {"--rate", "-Inf"}, {"--rate", "0"}, {"--rate", "-1"},
		{"--concurrency", "0"}, {"--timeout", "0"}, {"--timeout", "-1s"},
	} {
		t.Run(strings.Join(flags, " "), func(t *testing.T) {
			j := filepath.Join(t.TempDir(), "journal")
			r := runCLI(t, env, append([]string{"bulk", "delete", "--ids", ids, "--journal", j}, flags...)...)
			if r.code != exitUsage || !strings.Contains(r.stderr, "must be positive") {
				t.Errorf("exit %d, want %d\n%s", r.code, exitUsage, r.stderr)
			}
			if st, err := os.Stat(j); err == nil {
				t.Errorf("a refused run (usage error) created its journal %s (%d bytes)", j, st.Size())
			}
		})
	}
	if n := len(s.Requests()); n != 0 {
		t.Errorf("%d requests sent", n)
	}
}

// runRefused runs the CLI and checks that it ends as w says, sends nothing, and leaves the
// journal as it was.
func runRefused(t *testing.T, s *moneykittest.Server, env map[string]string, journal string, w want, args ...string) {
	t.Helper()
	before := regularFile(journal)
	sent := len(s.Requests())
	w.check(t, runCLI(t, env, args...))
	if n := len(s.Requests()) - sent; n != 0 {
		t.Errorf("%d requests sent", n)
	}
	if !bytes.Equal(regularFile(journal), before) {
		t.Error("the refused journal was changed")
	}
}

// regularFile is what path holds if it is a regular file, else nil (/dev/full is endless).
func regularFile(path string) []byte {
	if st, err := os.Stat(path); err != nil || !st.Mode().IsRegular() {
		return nil
	}
	b, _ := os.ReadFile(path)
	return b
}

// journalHeaderOn is the header of a run of cmd, without values, on env's API.
func journalHeaderOn(env map[string]string, cmd string) journalHeader {
	h := newJournalHeader(cmd, wrapper.UpdateParams{})
	h.Target = env["MONEYKIT_BASE_URL"]
	return h
}

// Journals this run cannot trust, or cannot write, are refused before anything is sent,
// and left as they were.
func TestCLIBulkJournalRefused(t *testing.T) {
	s, env, file, ids := bulkEnv(t, 5)
	header := journalHeaderOn(env, "delete").line() + "\n"
	dir := t.TempDir()
	for _, tc := range []struct {
		name    string
		content string // written to the journal file first; "" leaves path as it is
		path    string // default: a new file in dir
		code    int
		want    []string
	}{
		{name: "no header (older format)", content: "done\t" + ids[0] + "\n", code: exitUsage, want: []string{"has no header line", "older moneykit"}},
		{name: "unknown version", content: "moneykit-bulk-journal v9 {}\n", code: exitUsage, want: []string{`"v9"`}},
		{name: "damaged header", content: "moneykit-bulk-journal v1 {\"operation\":\n", code: exitUsage, want: []string{"damaged header"}},
		{name: "unknown field in header", content: "moneykit-bulk-journal v1 {\"operation\":\"delete\",\"api_version\":\"2023-02-18\",\"x\":1}\n", code: exitUsage, want: []string{"damaged header"}},
		{name: "not a record", content: header + "done\t" + ids[0] + "\nfinished\t" + ids[1] + "\n", code: exitUsage, want: []string{"line 3", "not a journal record"}},
		{name: "record without id", content: header + "done\n", code: exitUsage, want: []string{"line 2", "not a journal record"}},
		{name: "over-long line", content: header + "\n\ndone\t" + strings.Repeat("k", maxJournalLine) + "\n", code: exitUsage, want: []string{"line 4", "over 1048576 bytes"}},
		{name: "directory", path: dir, code: exitUsage, want: []string{"not a regular file"}},
		{name: "full disk device", path: "/dev/full", code: exitUsage, want: []string{"not a regular file"}},
		{name: "missing directory", path: filepath.Join(dir, "nope", "journal"), code: exitInternal, want: []string{"no such file", "Nothing was sent"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := tc.path
			if path == "" {
				path = filepath.Join(t.TempDir(), "journal")
				if err := os.WriteFile(path, []byte(tc.content), 0o600); err != nil {
					t.Fatal(err)
				}
			} else if _, err := os.Stat(path); err != nil && tc.code != exitInternal {
				t.Skip(err) // no /dev/full here
			}
			runRefused(t, s, env, path, want{code: tc.code, stderr: append(tc.want, path)}, "bulk", "delete", "--ids", file, "--journal", path)
		})
	}
}

// Two runs on one journal would send the same ids twice and interleave their records:
// a journal another run holds is refused, unchanged and with nothing sent; once that run
// ends (or dies: the lock goes with the process), the journal resumes.
func TestCLIBulkJournalInUse(t *testing.T) {
	if !journalLocks {
		t.Skip("no journal lock on " + runtime.GOOS + " (README)")
	}
	s, env, file, ids := bulkEnv(t, 5)
	path := filepath.Join(t.TempDir(), "journal")
	other, err := openJournal(path, journalHeaderOn(env, "delete")) // the other run
	if err != nil {
		t.Fatal(err)
	}
	if err := other.record(wrapper.BulkResult{LinkID: ids[0], Status: wrapper.BulkDone}); err != nil {
		t.Fatal(err)
	}
	runRefused(t, s, env, path, want{code: exitUsage, stderr: []string{path, "in use by another run"}}, "bulk", "delete", "--ids", file, "--journal", path)
	if err := other.close(); err != nil {
		t.Fatal(err)
	}
	want{code: exitOK, stdout: []string{"4 done", "1 skipped (journal)"}}.check(t, runCLI(t, env, "bulk", "delete", "--ids", file, "--journal", path))
}

// A journal that cannot be opened for writing stops the run before anything is sent.
func TestCLIBulkJournalReadOnly(t *testing.T) {
	s, env, file, _ := bulkEnv(t, 5)
	path := filepath.Join(t.TempDir(), "journal")
	header := journalHeaderOn(env, "delete").line() + "\n"
	if err := os.WriteFile(path, []byte(header), 0o400); err != nil {
		t.Fatal(err)
	}
	if os.Geteuid() == 0 { // root writes to read-only files: make it immutable instead
		if out, err := runCmd("chattr", "+i", path); err != nil {
			t.Skipf("running as root without chattr +i: %v %s", err, out)
		}
		t.Cleanup(func() { runCmd("chattr", "-i", path) })
	}
	r := runCLI(t, env, "bulk", "delete", "--ids", file, "--journal", path)
	if r.code == exitOK || !strings.Contains(r.stderr, path) || !strings.Contains(r.stderr, "Nothing was sent") {
		t.Errorf("exit %d\n%s", r.code, r.stderr)
	}
	if n := len(s.Requests()); n != 0 {
		t.Errorf("%d requests sent", n)
	}
}

// A last line cut short by a crash is cut off, never completed into a record: the id it
// was about to name is sent again, and the journal holds only whole lines.
func TestCLIBulkJournalTornLine(t *testing.T) {
	s, env, file, ids := bulkEnv(t, 4)
	path := filepath.Join(t.TempDir(), "journal")
	header := journalHeaderOn(env, "delete").line() + "\n"
	torn := "done\t" + ids[1][:len(ids[1])-1] // the crash came mid-id
	if err := os.WriteFile(path, []byte(header+"done\t"+ids[0]+"\n"+torn), 0o600); err != nil {
		t.Fatal(err)
	}
	r := runCLI(t, env, "bulk", "delete", "--ids", file, "--journal", path, "--rate", "60000")
	if r.code != exitOK || !strings.Contains(r.stdout, "3 done") || !strings.Contains(r.stdout, "1 skipped") || !strings.Contains(r.stderr, "cut off line 3") {
		t.Fatalf("exit %d %q %q", r.code, r.stdout, r.stderr)
	}
	b, _ := os.ReadFile(path)
	lines := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
	if lines[0]+"\n" != header || slices.Contains(lines, torn) || len(lines) != 5 {
		t.Errorf("journal after resume:\n%s", b)
	}
	for _, id := range ids[1:] { // ids[0] is listed as done: not sent
		if l, _ := s.Link(id); l.State != api.LinkStateDeleted {
			t.Errorf("%s not deleted", id)
		}
	}
	// A journal that is only a torn header starts over.
	onlyTorn := filepath.Join(t.TempDir(), "journal")
	if err := os.WriteFile(onlyTorn, []byte(header[:20]), 0o600); err != nil {
		t.Fatal(err)
	}
	if r := runCLI(t, env, "bulk", "delete", "--ids", file, "--journal", onlyTorn, "--rate", "60000"); r.code != exitOK {
		t.Errorf("torn header: exit %d %s", r.code, r.stderr)
	}
	if b, _ := os.ReadFile(onlyTorn); !strings.HasPrefix(string(b), header) {
		t.Errorf("torn header not replaced:\n%s", b)
	}
}

// Ids files and journals follow one line rule (internal/lines): a byte order mark, CRLF,
// surrounding spaces, blank and # lines are handled the same in both.
func TestLineRule(t *testing.T) {
	const body = "\uFEFF  mk_a \r\n\r\n# note\r\n\tmk_b\t\r\n   \nmk_c"
	if n, err := countIDs(strings.NewReader(body)); n != 3 || err != nil {
		t.Errorf("countIDs = %d, %v", n, err)
	}

	h := journalHeaderOn(map[string]string{"MONEYKIT_BASE_URL": wrapper.DefaultBaseURL}, "delete")
	path := filepath.Join(t.TempDir(), "journal")
	content := "\uFEFF" + h.line() + "\r\n\r\n  done\tmk_a \r\n# note\r\n\tdone\tmk_b\r\n\n"
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	j, err := openJournal(path, h)
	if err != nil {
		t.Fatal(err)
	}
	defer j.close()
	if j.doneCount() != 2 || !j.isDone("mk_a") || !j.isDone("mk_b") || j.torn != 0 {
		t.Errorf("journal: %d done, torn %d", j.doneCount(), j.torn)
	}
}

// The CLI reads ids under the line rule: a BOM and CRLF do not become part of an id, and
// an over-long line is reported with its number before anything is sent.
func TestCLIBulkIDsLineRule(t *testing.T) {
	s, env := fake(t, moneykittest.WithoutSeed())
	ids := addLinks(t, s, "mk_rule_", 3)
	file := filepath.Join(t.TempDir(), "ids.txt")
	if err := os.WriteFile(file, []byte("\uFEFF"+ids[0]+"\r\n  "+ids[1]+"  \r\n\r\n"+ids[2]+"\r\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	r := runCLI(t, env, "bulk", "delete", "--ids", file, "--rate", "60000")
	if r.code != exitOK || !strings.Contains(r.stdout, "3 done") {
		t.Errorf("exit %d %q %q", r.code, r.stdout, r.stderr)
	}
	var sent []string
	for _, req := range s.Requests() {
		sent = append(sent, req.LinkID)
	}
	slices.Sort(sent)
	if !slices.Equal(sent, ids) {
		t.Errorf("sent %q, want %q", sent, ids)
	}

	long := filepath.Join(t.TempDir(), "long.txt")
	if err := os.WriteFile(long, []byte(ids[0]+"\n\n"+strings.Repeat("k", wrapper.MaxLinkIDLen+2000)+"\n"+ids[1]+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	before := len(s.Requests())
	r = runCLI(t, env, "bulk", "delete", "--ids", long)
	if r.code != exitUsage || !strings.Contains(r.stderr, "line 3") || len(s.Requests()) != before {
		t.Errorf("over-long id line: exit %d %q, %d requests", r.code, r.stderr, len(s.Requests())-before)
	}
}

func runCmd(name string, args ...string) ([]byte, error) {
	return exec.Command(name, args...).CombinedOutput()
}
