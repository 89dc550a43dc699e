//go:build unix && !solaris && !aix

package main

import (
	"errors"
	"syscall"
	"testing"
)

// flock's answers: held elsewhere refuses the run; a file system that cannot lock lets it
// go on unheld, which the run says (TestCLIBulkJournalUnheld).
func TestLockOutcome(t *testing.T) {
	for _, tc := range []struct {
		flock error
		want  error
	}{
		{nil, nil},
		{syscall.EWOULDBLOCK, errJournalInUse},
		{syscall.ENOLCK, errJournalUnheld},
		{syscall.EOPNOTSUPP, errJournalUnheld},
	} {
		if got := lockOutcome(tc.flock); !errors.Is(got, tc.want) || (tc.want == nil) != (got == nil) {
			t.Errorf("flock %v: %v, want %v", tc.flock, got, tc.want)
		}
	}
}
