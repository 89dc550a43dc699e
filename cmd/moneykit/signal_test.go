//go:build unix

package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/halyard-labs/moneykit-go/api"
	"github.com/halyard-labs/moneykit-go/moneykittest"
)

// A child started with MONEYKIT_TEST_FSIZE may write files only up to that many bytes:
// past it a write fails (EFBIG), as on a full disk.
func init() {
	if v := os.Getenv("MONEYKIT_TEST_FSIZE"); v != "" && os.Getenv("MONEYKIT_TEST_RUN_MAIN") == "1" {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			panic(err)
		}
		if err := syscall.Setrlimit(syscall.RLIMIT_FSIZE, &syscall.Rlimit{Cur: n, Max: n}); err != nil {
			panic(err)
		}
	}
}

// child is the CLI running as its own process (see TestMain).
type child struct {
	cmd            *exec.Cmd
	stdout, stderr bytes.Buffer
	done           chan struct{}
	code           int
}

func startCLI(t *testing.T, env map[string]string, extraEnv []string, args ...string) *child {
	t.Helper()
	c := &child{cmd: exec.Command(os.Args[0], args...), done: make(chan struct{})}
	c.cmd.Env = append(childEnv("MONEYKIT_ACCESS_TOKEN="+env["MONEYKIT_ACCESS_TOKEN"], "MONEYKIT_BASE_URL="+env["MONEYKIT_BASE_URL"]), extraEnv...)
	c.cmd.Stdout, c.cmd.Stderr = &c.stdout, &c.stderr
	return c
}

func (c *child) start(t *testing.T) {
	t.Helper()
	if err := c.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		c.cmd.Wait()
		c.code = c.cmd.ProcessState.ExitCode()
		close(c.done)
	}()
	t.Cleanup(func() {
		c.cmd.Process.Kill()
		<-c.done
	})
}

// exited reports whether the child ends within d.
func (c *child) exited(d time.Duration) bool {
	select {
	case <-c.done:
		return true
	case <-time.After(d):
		return false
	}
}

// SIGINT and SIGTERM stop a bulk run the same way: no new ids are taken, the requests in
// flight finish and are journaled, the summary is printed, and the exit code names the
// signal. A run again with the journal finishes the job.
func TestCLIBulkSignal(t *testing.T) {
	for _, tc := range []struct {
		sig  syscall.Signal
		code int
	}{{syscall.SIGINT, 130}, {syscall.SIGTERM, 143}} {
		t.Run(stopSignal{tc.sig}.Error(), func(t *testing.T) {
			const n, concurrency = 100, 4
			s, env, file, ids := bulkEnv(t, n)
			// Every answer takes a while, so requests are in flight when the signal comes.
			s.InjectFault(moneykittest.Fault{Kind: moneykittest.FaultDelay, Latency: 300 * time.Millisecond, Times: -1})
			journal := filepath.Join(t.TempDir(), "journal")
			args := []string{"bulk", "delete", "--ids", file, "--journal", journal, "--rate", "600000", "--concurrency", fmt.Sprint(concurrency)}
			c := startCLI(t, env, nil, args...)
			c.start(t)
			waitFor(t, "the first ids to be done", func() bool { return len(journalIDs(t, journal)) >= concurrency })
			waitFor(t, "requests in flight", func() bool { return inFlight(s) > 0 })
			signalled := time.Now()
			if err := c.cmd.Process.Signal(tc.sig); err != nil {
				t.Fatal(err)
			}
			if !c.exited(10 * time.Second) {
				t.Fatalf("still running 10 s after %v", tc.sig)
			}
			t.Logf("exited %v after the signal", time.Since(signalled).Round(time.Millisecond))
			if c.code != tc.code || !strings.Contains(c.stderr.String(), stopSignal{tc.sig}.Error()+": stopped taking ids") || !strings.Contains(c.stdout.String(), " done,") {
				t.Errorf("exit %d, want %d\nstdout: %s\nstderr: %s", c.code, tc.code, &c.stdout, &c.stderr)
			}
			if !strings.Contains(c.stdout.String(), "0 cancelled") {
				t.Errorf("requests in flight were cancelled: %s", &c.stdout)
			}
			// Every request sent got its answer, and every id answered is journaled.
			journaled := journalIDs(t, journal)
			reqs := s.Requests()
			for _, r := range reqs {
				if r.Status != 200 {
					t.Errorf("%s: answered %d (0: abandoned in flight)", r.LinkID, r.Status)
				}
				if !journaled[r.LinkID] {
					t.Errorf("%s was sent but is not journaled", r.LinkID)
				}
			}
			if len(reqs) >= n || len(journaled) != len(reqs) {
				t.Errorf("%d requests, %d journaled, of %d ids: the run did not stop, or lost track", len(reqs), len(journaled), n)
			}
			s.ClearFaults()
			r := runCLI(t, env, args...)
			if r.code != exitOK || !strings.Contains(r.stdout, fmt.Sprintf("%d skipped", len(journaled))) {
				t.Errorf("resume: exit %d %q %q", r.code, r.stdout, r.stderr)
			}
			for _, id := range ids {
				if l, _ := s.Link(id); l.State != api.LinkStateDeleted {
					t.Errorf("%s not deleted after the resume", id)
				}
			}
		})
	}
}

// inFlight counts the requests the fake has received and not answered yet.
func inFlight(s *moneykittest.Server) int {
	n := 0
	for _, r := range s.Requests() {
		if r.Status == 0 {
			n++
		}
	}
	return n
}

// A second signal exits at once, without waiting for the requests in flight.
func TestCLIBulkSecondSignal(t *testing.T) {
	s, env, file, _ := bulkEnv(t, 10)
	s.InjectFault(moneykittest.Fault{Kind: moneykittest.FaultDelay, Latency: 20 * time.Second, Times: -1})
	c := startCLI(t, env, nil, "bulk", "delete", "--ids", file, "--concurrency", "2", "--rate", "600000", "--journal", filepath.Join(t.TempDir(), "journal"))
	c.start(t)
	waitFor(t, "requests in flight", func() bool { return inFlight(s) == 2 })
	c.cmd.Process.Signal(syscall.SIGTERM)
	if c.exited(300 * time.Millisecond) {
		t.Fatalf("the first signal did not let the requests in flight finish: exit %d\n%s", c.code, &c.stderr)
	}
	c.cmd.Process.Signal(syscall.SIGINT)
	if !c.exited(3 * time.Second) {
		t.Fatal("still running 3 s after the second signal")
	}
	if c.code != 130 || !strings.Contains(c.stderr.String(), "exiting at once") {
		t.Errorf("exit %d, want 130\n%s", c.code, &c.stderr)
	}
}

// After the first signal the run stops taking ids and only lets the requests in flight
// finish: ids a worker had taken but that still waited on the rate limit are not sent.
func TestCLIBulkSignalSendsNoIDWaitingAtTheGate(t *testing.T) {
	s, env, file, _ := bulkEnv(t, 10)
	journal := filepath.Join(t.TempDir(), "journal")
	ctx, cancel := context.WithCancelCause(context.Background())
	var out, errb bytes.Buffer
	done := make(chan int)
	go func() {
		// 60 per minute: one request a second; 4 workers each take an id.
		done <- run(ctx, []string{"bulk", "delete", "--ids", file, "--journal", journal, "--rate", "60", "--concurrency", "4"},
			func(k string) string { return env[k] }, &out, &errb)
	}()
	waitFor(t, "the first id to be done", func() bool { return len(journalIDs(t, journal)) >= 1 })
	sentBefore := len(s.Requests())
	signalled := time.Now()
	cancel(stopSignal{syscall.SIGINT})
	code := <-done
	sentAfter := len(s.Requests())
	t.Logf("exit %d after %v; stdout: %s", code, time.Since(signalled).Round(time.Millisecond), &out)
	if sentAfter > sentBefore {
		t.Errorf("%d requests were sent after SIGINT (%d before it): the run went on taking ids off the rate limit", sentAfter-sentBefore, sentBefore)
	}
	if code != 130 || strings.Contains(out.String(), " 0 not attempted") {
		t.Errorf("exit %d, want 130, and the ids that waited counted as not attempted: %s", code, &out)
	}
}

// Reading ids from a pipe that stays open stops at the signal, as in
// (echo id; sleep 30) | moneykit bulk delete --ids -
func TestCLIBulkStdinSignal(t *testing.T) {
	_, env, _, ids := bulkEnv(t, 2)
	journal := filepath.Join(t.TempDir(), "journal")
	c := startCLI(t, env, nil, "bulk", "delete", "--ids", "-", "--journal", journal)
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	c.cmd.Stdin = r
	c.start(t)
	r.Close()
	fmt.Fprintln(w, ids[0])
	waitFor(t, "the first id to be done", func() bool { return journalIDs(t, journal)[ids[0]] })
	c.cmd.Process.Signal(syscall.SIGINT)
	if !c.exited(3 * time.Second) {
		t.Fatal("still reading stdin 3 s after SIGINT")
	}
	if c.code != 130 || !strings.Contains(c.stdout.String(), "1 done") {
		t.Errorf("exit %d\nstdout: %s\nstderr: %s", c.code, &c.stdout, &c.stderr)
	}
}

// A journal that fails mid-run (here: the file size limit, as a full disk would) stops the
// run: it exits non-zero, sends nothing more than the requests in flight, the journal
// lists only ids the server carried out, and the message counts the done ids it could not
// record, the one whose record failed included.
func TestCLIBulkJournalWriteFails(t *testing.T) {
	for _, tc := range []struct{ concurrency, fit int }{{4, 40}, {1, 5}} {
		t.Run(fmt.Sprintf("%d workers", tc.concurrency), func(t *testing.T) {
			const n = 300
			s, env, file, _ := bulkEnv(t, n)
			journal := filepath.Join(t.TempDir(), "journal")
			header := journalHeaderOn(env, "delete").line() + "\n"
			limit := len(header) + tc.fit*len("done\tmk_cli_000000\n") + 5 // the next line is cut short
			c := startCLI(t, env, []string{"MONEYKIT_TEST_FSIZE=" + strconv.Itoa(limit)},
				"bulk", "delete", "--ids", file, "--journal", journal, "--rate", "6000", "--concurrency", fmt.Sprint(tc.concurrency))
			c.start(t)
			if !c.exited(20 * time.Second) {
				t.Fatal("still running")
			}
			if c.code != exitInternal || !strings.Contains(c.stderr.String(), "must not do work it cannot record") || !strings.Contains(c.stderr.String(), journal) {
				t.Errorf("exit %d, want %d\n%s", c.code, exitInternal, &c.stderr)
			}
			journaled := journalIDs(t, journal)
			sent, deleted := len(s.Requests()), 0
			for _, r := range s.Requests() {
				if r.Status == 200 || r.Status == 204 {
					deleted++
				}
			}
			t.Logf("%d requests, %d deleted, %d journaled; stderr:\n%s", sent, deleted, len(journaled), &c.stderr)
			if len(journaled) != tc.fit || sent > tc.fit+tc.concurrency {
				t.Errorf("%d requests after %d journaled ids: the run went on after the journal failed", sent, len(journaled))
			}
			if deleted > len(journaled) && !strings.Contains(c.stderr.String(), "not recorded") {
				t.Errorf("%d ids were carried out but %d journaled, and the message does not say any done id is unrecorded", deleted, len(journaled))
			}
			for id := range journaled {
				if l, _ := s.Link(id); l.State != api.LinkStateDeleted {
					t.Errorf("%s journaled but not deleted", id)
				}
			}
			// The resume cuts off the torn line and finishes the job.
			r := runCLI(t, env, "bulk", "delete", "--ids", file, "--journal", journal, "--rate", "6000000")
			if r.code != exitOK || !strings.Contains(r.stderr, "cut off line") {
				t.Errorf("resume: exit %d %q %q", r.code, r.stdout, r.stderr)
			}
		})
	}
}
