package server

import (
	"errors"
	"fmt"
	"os"
	"syscall"

	"refuge/storage"
)

// lockData takes the lock that makes a serve the only one on its data folder: flock on a
// descriptor of the SQLite file, held until unlockData. Two serves on one file would share
// one delivery queue and each run its own writer, checkpoints and caches over it. flock
// locks are apart from the POSIX locks SQLite takes on the same file (on Linux they never
// meet; on the BSDs and macOS they do, hence Linux only), so admin commands, which open the database without this lock, keep working beside
// a running serve. The kernel drops the lock when the process ends, however it ends.
//
// On PostgreSQL there is no lock: any number of serves share the database (and the data
// folder, which then holds only media).
func lockData(cfg *Config) (*os.File, error) {
	if cfg.DB != "" {
		return nil, nil
	}
	if err := os.MkdirAll(cfg.Data, 0o750); err != nil {
		return nil, fmt.Errorf("data folder: %w", err)
	}
	f, err := os.OpenFile(cfg.DBPath(), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", cfg.DBPath(), err)
	}
	err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
	if err == nil {
		return f, nil
	}
	// The descriptor is left open on purpose: closing any descriptor of the file drops every
	// POSIX lock this process holds on it, and SQLite may hold some here (an admin App
	// opened in this process). A refused start ends the process soon anyway.
	if errors.Is(err, syscall.EWOULDBLOCK) {
		return nil, storage.Errorf(storage.Conflict, "the data folder %s is in use by another refuge serve: stop that one, "+
			"or give this one another --data folder (one serve per SQLite file; several serves can share a "+
			"PostgreSQL database: see --db)", cfg.Data)
	}
	return nil, fmt.Errorf("lock %s: %w", cfg.DBPath(), err)
}

// unlockData releases the lock, once the database is closed: the descriptor may only be
// closed when SQLite holds no lock on the file in this process.
func unlockData(f *os.File) error {
	if f == nil {
		return nil
	}
	return f.Close()
}

// lockFile takes lockData's lock on the SQLite file at path (created when missing) for a
// command that must not run beside a serve of that file, nor let one start meanwhile:
// refuge db copy. It is released as lockData's is, with unlockData.
func lockFile(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, err
	}
	err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
	if err == nil {
		return f, nil
	}
	f.Close() // unlike in lockData, SQLite has not opened this file in this process
	if errors.Is(err, syscall.EWOULDBLOCK) {
		return nil, storage.Errorf(storage.Conflict, "%s is in use by a running refuge serve: stop it first", path)
	}
	return nil, fmt.Errorf("lock %s: %w", path, err)
}
