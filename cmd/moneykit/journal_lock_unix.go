//go:build unix && !solaris && !aix

package main

import (
	"errors"
	"fmt"
	"os"
	"syscall"
)

// journalLocks says whether this system holds a journal for its run (flock).
const journalLocks = true

// lockJournal takes the journal for this run alone (flock). The lock goes with the
// process, kill -9 included, so a resume never finds a dead run's lock.
func lockJournal(f *os.File) error {
	return lockOutcome(syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB))
}

// lockOutcome reads flock's answer: another run holds the journal (errJournalInUse), or
// the file system cannot lock it (some network mounts: errJournalUnheld, and the run goes
// on, saying so).
func lockOutcome(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, syscall.EWOULDBLOCK):
		return errJournalInUse
	}
	return fmt.Errorf("%w (%v)", errJournalUnheld, err)
}
