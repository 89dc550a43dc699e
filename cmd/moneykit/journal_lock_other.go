//go:build !unix

package main

import "os"

// lockJournal does nothing where flock is not available: two runs on one journal are
// the user's to avoid there (the README says so).
func lockJournal(*os.File) error { return nil }
