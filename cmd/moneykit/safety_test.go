package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/halyard-labs/moneykit-go/moneykittest"
)

// writeFile writes content to a new file in a temporary directory and returns its path.
func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// Without credentials, the commands that change links refuse to run: they never fall back
// to the embedded fake, which would report a change that did not happen.
func TestCLINoCredentials(t *testing.T) {
	s, env := fake(t)
	ids := writeFile(t, "ids", moneykittest.SeedLinkID+"\n")
	emptyToken := writeFile(t, "token", "\n")
	baseOnly := map[string]string{"MONEYKIT_BASE_URL": env["MONEYKIT_BASE_URL"]}
	noCreds := []string{"no access token or client credentials", "MONEYKIT_ACCESS_TOKEN", "--token-file", "MONEYKIT_CLIENT_ID", "--fake", "moneykit demo"}
	for _, tc := range []struct {
		name   string
		env    map[string]string
		args   []string
		stderr []string // nil for noCreds
	}{
		{"delete", nil, []string{"delete", moneykittest.SeedLinkID}, nil},
		{"update", nil, []string{"update", moneykittest.SeedLinkID, "--clear-tags"}, nil},
		{"bulk delete", nil, []string{"bulk", "delete", "--ids", ids}, nil},
		{"bulk update", nil, []string{"bulk", "update", "--ids", ids, "--clear-tags"}, nil},
		{"empty token file", nil, []string{"delete", moneykittest.SeedLinkID, "--token-file", emptyToken}, []string{"--token-file " + emptyToken + " is empty"}},
		{"base URL, no token", baseOnly, []string{"delete", moneykittest.SeedLinkID}, nil},
		{"base URL, no token, bulk", baseOnly, []string{"bulk", "delete", "--ids", ids}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := runCLI(t, tc.env, tc.args...)
			stderr := tc.stderr
			if stderr == nil {
				stderr = noCreds
			}
			want{code: exitUsage, stderr: stderr}.check(t, r)
			if strings.Contains(r.stdout, "Deleted") || strings.Contains(r.stdout, "Updated") || strings.Contains(r.stdout, "done") {
				t.Errorf("stdout reports a change: %q", r.stdout)
			}
			if strings.Contains(r.stderr, "embedded fake MoneyKit API at") {
				t.Errorf("started the embedded fake:\n%s", r.stderr)
			}
		})
	}
	if n := len(s.Requests()); n != 0 {
		t.Errorf("the server at MONEYKIT_BASE_URL got %d requests", n)
	}
}

// The embedded fake is used when asked for, and says so on stderr.
func TestCLIFake(t *testing.T) {
	ids := writeFile(t, "ids", moneykittest.SeedLinkID+"\n")
	for _, tc := range []struct {
		name   string
		env    map[string]string
		args   []string
		stdout string // "" for any
	}{
		{"--fake", nil, []string{"update", moneykittest.SeedLinkID, "--webhook", "https://example.com/hook", "--fake"}, "webhook:   https://example.com/hook"},
		{"MONEYKIT_BASE_URL=fake", map[string]string{"MONEYKIT_BASE_URL": "fake"}, []string{"delete", moneykittest.SeedLinkID}, "Deleted link " + moneykittest.SeedLinkID},
		{"--fake ignores a token in the environment", map[string]string{"MONEYKIT_ACCESS_TOKEN": "real-token"}, []string{"delete", moneykittest.SeedLinkID, "--fake"}, "Deleted link"},
		{"bulk --fake", nil, []string{"bulk", "delete", "--ids", ids, "--fake"}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := runCLI(t, tc.env, tc.args...)
			if r.code != exitOK || !strings.Contains(r.stdout, tc.stdout) {
				t.Fatalf("exit %d\nstdout: %s\nstderr: %s", r.code, r.stdout, r.stderr)
			}
			if !strings.Contains(r.stderr, "embedded fake MoneyKit API at http://127.0.0.1:") {
				t.Errorf("stderr does not say it used the fake: %q", r.stderr)
			}
		})
	}
	// --fake with a real destination or real credentials on the command line is a contradiction.
	tokenFile := writeFile(t, "token", "tok\n")
	for _, args := range [][]string{
		{"delete", moneykittest.SeedLinkID, "--fake", "--base-url", "https://api.moneykit.com"},
		{"delete", moneykittest.SeedLinkID, "--fake", "--token-file", tokenFile},
		{"delete", moneykittest.SeedLinkID, "--fake", "--client-id", "id"},
	} {
		if r := runCLI(t, nil, args...); r.code != exitUsage || !strings.Contains(r.stderr, "--fake") {
			t.Errorf("%v: exit %d %q", args, r.code, r.stderr)
		}
	}
}

// Arguments that cannot be meant are refused before anything is sent.
func TestCLIRefusesBadArguments(t *testing.T) {
	s, env := fake(t)
	id := moneykittest.SeedLinkID
	ids := writeFile(t, "ids", id+"\n")
	long := strings.Repeat("t", 100)
	for _, tc := range []struct {
		name   string
		args   []string
		stderr string
	}{
		{"empty webhook", []string{"update", id, "--webhook", ""}, "use --remove-webhook"},
		{"empty webhook=", []string{"update", id, "--webhook="}, "use --remove-webhook"},
		{"empty tags", []string{"update", id, "--tags", ""}, "use --clear-tags"},
		{"blank tags", []string{"update", id, "--tags", " , "}, "use --clear-tags"},
		{"tags not UTF-8", []string{"update", id, "--tags", "ok,\xff\xfe"}, "UTF-8"},
		{"tag too long", []string{"update", id, "--tags", "ok," + long}, "100"},
		{"bulk empty webhook", []string{"bulk", "update", "--ids", ids, "--webhook", ""}, "use --remove-webhook"},
		{"bulk tags not UTF-8", []string{"bulk", "update", "--ids", ids, "--tags", "\xff"}, "UTF-8"},
		{"version extra", []string{"version", "extra"}, `unexpected argument "extra"`},
		{"demo extra", []string{"demo", "extra"}, `unexpected argument "extra"`},
		{"timeout 0", []string{"delete", id, "--timeout", "0"}, "--timeout must be positive"},
		{"negative timeout", []string{"update", id, "--clear-tags", "--timeout", "-1s"}, "--timeout must be positive"},
		{"bulk rate NaN", []string{"bulk", "delete", "--ids", ids, "--rate", "NaN"}, "--rate must be positive"},
		{"flag before the command", []string{"-v", "delete", id}, "flags go after it"},
		{"flag with a value before the command", []string{"--token=SECRET", "delete", id}, "the flag --token comes before the command"},
		{"help with a flag", []string{"help", "-v"}, "help takes a command name"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := runCLI(t, env, tc.args...)
			if r.code != exitUsage || !strings.Contains(r.stderr, tc.stderr) {
				t.Errorf("exit %d, want %d; stderr lacks %q:\n%s", r.code, exitUsage, tc.stderr, r.stderr)
			}
			if r.stdout != "" {
				t.Errorf("stdout: %q", r.stdout)
			}
			if strings.Contains(r.stderr, "SECRET") {
				t.Errorf("a flag's value is quoted: %q", r.stderr)
			}
		})
	}
	if n := len(s.Requests()); n != 0 {
		t.Errorf("%d requests sent", n)
	}
	// A tag of 99 characters is fine.
	if r := runCLI(t, env, "update", id, "--tags", long[:99]); r.code != exitOK {
		t.Errorf("99-character tag: exit %d %s", r.code, r.stderr)
	}
}

func TestCLIHelpAndMessages(t *testing.T) {
	_, env := fake(t)
	for _, args := range [][]string{{"bulk", "--help"}, {"help", "bulk"}, {"bulk", "update", "--help"}} {
		r := runCLI(t, env, args...)
		if r.code != exitOK {
			t.Errorf("%v: exit %d", args, r.code)
		}
		for _, want := range []string{"--ids FILE", "--journal FILE", "--concurrency", "--rate N", "--webhook URL", "--json", "--fake"} {
			if !strings.Contains(r.stdout, want) {
				t.Errorf("%v: help lacks %q:\n%s", args, want, r.stdout)
			}
		}
		if strings.Contains(r.stdout, "--rate minute") {
			t.Errorf("%v: help says --rate minute", args)
		}
		if !strings.Contains(r.stdout, "\n  -v ") || strings.Contains(r.stdout, "--v ") {
			t.Errorf("%v: help does not show -v as -v:\n%s", args, r.stdout)
		}
	}
	if r := runCLI(t, env, "help"); strings.Contains(r.stdout, "Say so on stderr") || !strings.Contains(r.stdout, "MONEYKIT_CLIENT_ID") || !strings.Contains(r.stdout, "--fake") {
		t.Errorf("usage text:\n%s", r.stdout)
	}
	for _, tc := range []struct {
		args []string
		want string // the first line of stderr
	}{
		{[]string{"delete", ""}, "moneykit: invalid link id: empty"},
		{[]string{"update", "mk_1", "--nope"}, "moneykit update: flag provided but not defined: -nope"},
		{[]string{"bulk", "delete", "--nope"}, "moneykit bulk delete: flag provided but not defined: -nope"},
		{[]string{"delete", "mk_1", "--timeout", "soon"}, `moneykit delete: invalid value "soon" for flag -timeout: parse error`},
	} {
		r := runCLI(t, env, tc.args...)
		if first, _, _ := strings.Cut(r.stderr, "\n"); r.code != exitUsage || first != tc.want {
			t.Errorf("%q: exit %d, first line %q, want %q", tc.args, r.code, first, tc.want)
		}
		if strings.Contains(r.stderr, "moneykit: moneykit:") {
			t.Errorf("%q: repeated prefix: %q", tc.args, r.stderr)
		}
	}
}
