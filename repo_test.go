package moneykit_test

import (
	"bytes"
	"fmt"
	"go/version"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// maxTrackedFile bounds a tracked file: sources, specs and fixtures are far smaller, so a
// bigger one is a build output, a capture or a dump committed by mistake.
const maxTrackedFile = 1 << 20

// executableMagic are the first bytes of the executable formats a Go build can make.
var executableMagic = []struct {
	name  string
	magic []byte
}{
	{"ELF executable", []byte("\x7fELF")},
	{"Mach-O executable", []byte{0xcf, 0xfa, 0xed, 0xfe}},
	{"Mach-O executable", []byte{0xce, 0xfa, 0xed, 0xfe}},
	{"Mach-O universal binary", []byte{0xca, 0xfe, 0xba, 0xbe}},
	{"Windows PE executable", []byte("MZ")},
	{"WebAssembly module", []byte("\x00asm")},
}

// trackedFileProblem says why a tracked file does not belong in the repository, or "".
// head is the file's first bytes (at least 8 KiB when the file is that long).
func trackedFileProblem(size int64, executable bool, head []byte) string {
	if size > maxTrackedFile {
		return fmt.Sprintf("%d bytes, over the %d-byte limit", size, maxTrackedFile)
	}
	for _, m := range executableMagic {
		if bytes.HasPrefix(head, m.magic) {
			return "a " + m.name
		}
	}
	if executable && !bytes.HasPrefix(head, []byte("#!")) && bytes.IndexByte(head, 0) >= 0 {
		return "an executable binary (mode 755, not a script)"
	}
	return ""
}

func TestTrackedFileProblem(t *testing.T) {
	for _, tc := range []struct {
		name       string
		size       int64
		executable bool
		head       []byte
		bad        bool
	}{
		{"source", 2000, false, []byte("package main\n"), false},
		{"script", 300, true, []byte("#!/usr/bin/env bash\n"), false},
		{"fixture at the limit", maxTrackedFile, false, []byte("{}"), false},
		{"big file", maxTrackedFile + 1, false, []byte("{}"), true},
		{"linux binary", 5000, true, []byte("\x7fELF\x02\x01\x01"), true},
		{"linux binary without x bit", 5000, false, []byte("\x7fELF\x02\x01\x01"), true},
		{"mac binary", 5000, true, []byte{0xcf, 0xfa, 0xed, 0xfe, 7, 0, 0, 1}, true},
		{"windows binary", 5000, false, []byte("MZ\x90\x00"), true},
		{"other binary with x bit", 5000, true, []byte("\x01\x02\x00\x03"), true},
	} {
		if got := trackedFileProblem(tc.size, tc.executable, tc.head); (got != "") != tc.bad {
			t.Errorf("%s: problem %q, want bad=%v", tc.name, got, tc.bad)
		}
	}
}

// No build output, binary or oversized file is committed. CI runs this on a fresh clone.
func TestNoBinariesOrLargeFilesTracked(t *testing.T) {
	out, err := exec.Command("git", "ls-files", "-s", "-z").Output()
	if err != nil {
		t.Skipf("not a git checkout (%v): nothing to check", err)
	}
	n := 0
	for _, entry := range strings.Split(strings.TrimSuffix(string(out), "\x00"), "\x00") {
		// "<mode> <object> <stage>\t<path>"
		meta, path, ok := strings.Cut(entry, "\t")
		if !ok {
			t.Fatalf("unexpected git ls-files line %q", entry)
		}
		if strings.HasPrefix(meta, "160000") { // a submodule: no file here
			continue
		}
		f, err := os.Open(path)
		if os.IsNotExist(err) {
			continue // deleted in the work tree, not yet committed
		}
		if err != nil {
			t.Fatal(err)
		}
		st, err := f.Stat()
		if err != nil {
			f.Close()
			t.Fatal(err)
		}
		head := make([]byte, 8192)
		k, _ := f.Read(head)
		f.Close()
		n++
		if p := trackedFileProblem(st.Size(), strings.HasPrefix(meta, "100755"), head[:k]); p != "" {
			t.Errorf("tracked file %s is %s: remove it from git (build outputs belong in .gitignore)", path, p)
		}
	}
	if n < 20 {
		t.Fatalf("checked only %d tracked files: the check looks at the wrong tree", n)
	}
}

// go.mod's go line is the oldest Go the module supports: exactly the highest that a
// dependency's own go.mod asks for (the code needs less), so no user is forced onto a
// newer patch release than the dependencies already force.
func TestGoDirectiveIsTheOldestSupported(t *testing.T) {
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Path}} {{.GoVersion}}", "all").Output()
	if err != nil {
		t.Fatalf("go list -m all: %v", err)
	}
	mainGo, need, by := "", "", ""
	for i, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		path, v, _ := strings.Cut(line, " ")
		if i == 0 { // the main module comes first
			mainGo = v
			continue
		}
		if v != "" && (need == "" || version.Compare("go"+v, "go"+need) > 0) {
			need, by = v, path
		}
	}
	if mainGo == "" || need == "" {
		t.Fatalf("could not read the go versions from %q", out)
	}
	if mainGo != need {
		t.Errorf("go.mod says go %s; the dependencies need go %s (%s): say exactly that", mainGo, need, by)
	}
	gomod, err := os.ReadFile("go.mod")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(gomod), "\ntoolchain ") {
		t.Error("go.mod has a toolchain line: it would make users' go commands fetch a toolchain")
	}
}

// `make help` lists every target that the Makefile defines, from its ## comments.
func TestMakeHelpListsEveryTarget(t *testing.T) {
	if _, err := exec.LookPath("make"); err != nil {
		t.Skip("make is not installed")
	}
	out, err := exec.Command("make", "--no-print-directory", "help").Output()
	if err != nil {
		t.Fatalf("make help: %v", err)
	}
	mk, err := os.ReadFile("Makefile")
	if err != nil {
		t.Fatal(err)
	}
	listed := map[string]bool{}
	for _, line := range strings.Split(string(out), "\n") {
		if f := strings.Fields(line); len(f) > 1 && strings.HasPrefix(line, "  ") && !strings.HasPrefix(line, "   ") {
			listed[f[0]] = true
		}
	}
	defined := map[string]bool{}
	for _, line := range strings.Split(string(mk), "\n") {
		target, _, ok := strings.Cut(line, ":")
		if !ok || target == "" || strings.ContainsAny(target, " \t.$#=") || target == "all" {
			continue
		}
		defined[target] = true
		if !listed[target] {
			t.Errorf("make help does not list %q: give it a ## %s: comment", target, target)
		}
	}
	if len(defined) < 5 {
		t.Fatalf("found %d targets in the Makefile: the check reads it wrong", len(defined))
	}
	// And it lists nothing else: a comment line that happens to read "## word: ..." is
	// printed as a target.
	for name := range listed {
		if !defined[name] {
			t.Errorf("make help lists %q, which the Makefile does not define (a ## comment line read as a target?)", name)
		}
	}
}

// Build outputs are ignored wherever a newcomer builds: `go build` at the root, or inside
// cmd/moneykit, so `git add -A` cannot stage a binary.
func TestBuildOutputsIgnored(t *testing.T) {
	if err := exec.Command("git", "rev-parse", "--git-dir").Run(); err != nil {
		t.Skipf("not a git checkout (%v): nothing to check", err)
	}
	for _, path := range []string{"moneykit", "cmd/moneykit/moneykit", "moneykit.exe", "cmd/moneykit/moneykit.exe", "wrapper.test"} {
		if err := exec.Command("git", "check-ignore", "-q", "--no-index", path).Run(); err != nil {
			t.Errorf("%s (a build output) is not ignored by .gitignore: %v", path, err)
		}
	}
}
