//go:build !unix || solaris || aix

package main

import "os"

// journalLocks says whether this system holds a journal for its run: not here (no flock
// in package syscall).
const journalLocks = false

// lockJournal cannot hold the journal here: the run goes on unheld, and says so.
func lockJournal(*os.File) error { return errJournalUnheld }
