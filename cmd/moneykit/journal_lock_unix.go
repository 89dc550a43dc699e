//go:build unix

package main

import (
	"errors"
	"os"
	"syscall"
)

// lockJournal takes the journal for this run alone (flock). The lock goes with the
// process, kill -9 included, so a resume never finds a dead run's lock. A file system
// that cannot lock (some network mounts) leaves the journal unheld, as on Windows,
// rather than refusing every run.
func lockJournal(f *os.File) error {
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); errors.Is(err, syscall.EWOULDBLOCK) {
		return errJournalInUse
	}
	return nil
}
