//go:build !linux

package server

import "os"

// lockData takes no lock off Linux, where flock and SQLite's POSIX locks may meet: one
// serve per data folder is then the admin's to ensure.
func lockData(*Config) (*os.File, error) { return nil, nil }

// unlockData has nothing to release.
func unlockData(*os.File) error { return nil }

// lockFile takes no lock either (see lockData).
func lockFile(string) (*os.File, error) { return nil, nil }
