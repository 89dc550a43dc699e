//go:build unix

package main

import (
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/halyard-labs/moneykit-go/wrapper"
)

// When the journal fails, the id whose record failed was done (the server carried it
// out) and is not recorded. The message counts only ids done after that one
// (unrecorded++ runs only once runCtx is already cancelled), so it says nothing of it.
func TestReviewJournalFailureCountsTheUnrecordedDoneID(t *testing.T) {
	const n, fit = 50, 5
	s, env, file, _ := bulkEnv(t, n)
	journal := filepath.Join(t.TempDir(), "journal")
	header := newJournalHeader("delete", wrapper.UpdateParams{}).line() + "\n"
	limit := len(header) + fit*len("done\tmk_cli_000000\n") + 5
	c := startCLI(t, env, []string{"MONEYKIT_TEST_FSIZE=" + strconv.Itoa(limit)},
		"bulk", "delete", "--ids", file, "--journal", journal, "--rate", "6000", "--concurrency", "1")
	c.start(t)
	if !c.exited(20 * time.Second) {
		t.Fatal("still running")
	}
	journaled := journalIDs(t, journal)
	deleted := 0
	for _, r := range s.Requests() {
		if r.Status == 200 || r.Status == 204 {
			deleted++
		}
	}
	t.Logf("%d deleted by the server, %d journaled; stderr:\n%s", deleted, len(journaled), &c.stderr)
	if deleted > len(journaled) && !strings.Contains(c.stderr.String(), "not recorded") {
		t.Errorf("%d ids were carried out but %d journaled, and the message does not say any done id is unrecorded", deleted, len(journaled))
	}
}
