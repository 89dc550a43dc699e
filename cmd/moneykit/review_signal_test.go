package main

import (
	"bytes"
	"context"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// After the first signal the run must stop taking ids and only let the requests in
// flight finish. Ids that a worker had already taken but that were still waiting on the
// rate limit are not in flight, yet they are sent after the signal.
func TestReviewBulkSignalSendsIDsWaitingAtTheGate(t *testing.T) {
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
}
