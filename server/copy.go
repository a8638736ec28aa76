package server

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"

	"refuge/storage/sqldb"
)

// CopyDB copies the instance database at from into the empty database at to, and checks
// that both hold the same rows (see sqldb.Copy): how an instance moves from its SQLite file
// to PostgreSQL. Each is a SQLite file (sqlite:PATH, or the path alone) or a PostgreSQL URL
// (postgres://user@host/database). A SQLite file is locked as serve locks it, for the whole
// copy: the copy refuses while a serve runs on it, and no serve starts on it until the copy
// is done. A SQLite source is first brought to this version's schema, as serve would.
func CopyDB(ctx context.Context, from, to string, progress func(table string, rows int)) (*sqldb.CopyReport, error) {
	fromPath, err := copyEnd(from)
	if err != nil {
		return nil, fmt.Errorf("the source: %w", err)
	}
	toPath, err := copyEnd(to)
	if err != nil {
		return nil, fmt.Errorf("the destination: %w", err)
	}
	if fromPath != "" {
		// Opening a missing file would make an empty instance, and copy that.
		src, err := os.Stat(fromPath)
		if err != nil {
			return nil, fmt.Errorf("the source: %w", err)
		}
		if dst, err := os.Stat(toPath); toPath != "" && err == nil && os.SameFile(src, dst) {
			return nil, fmt.Errorf("the source and the destination are the same file, %s", toPath)
		}
	}
	src, closeSrc, err := openCopyEnd(ctx, from, fromPath)
	if err != nil {
		return nil, fmt.Errorf("the source: %w", err)
	}
	defer closeSrc()
	dst, closeDst, err := openCopyEnd(ctx, to, toPath)
	if err != nil {
		return nil, fmt.Errorf("the destination: %w", err)
	}
	defer closeDst()
	return sqldb.Copy(ctx, src, dst, progress)
}

// copyEnd reads one end of a copy: the SQLite file it names, or "" for a PostgreSQL URL.
func copyEnd(where string) (path string, err error) {
	if IsPostgres(where) {
		return "", nil
	}
	path, _ = strings.CutPrefix(where, "sqlite:")
	if path == "" || strings.Contains(path, "://") {
		return "", fmt.Errorf("%q is neither a SQLite file (sqlite:PATH, or the path alone) nor a PostgreSQL URL "+
			"(postgres://user@host/database)", redacted(where))
	}
	return path, nil
}

// openCopyEnd opens the SQLite file at path, locked, or when path is "" the PostgreSQL
// database at dsn, and returns what closes (and unlocks) it.
func openCopyEnd(ctx context.Context, dsn, path string) (*sqldb.DB, func() error, error) {
	if path == "" {
		db, err := sqldb.OpenPostgres(ctx, dsn, sqldb.PostgresOptions{MaxConns: 4})
		if err != nil {
			return nil, nil, err
		}
		return db, db.Close, nil
	}
	// Locked before SQLite opens it, so that the descriptor of a refused lock may be closed
	// (see lockData).
	lock, err := lockFile(path)
	if err != nil {
		return nil, nil, err
	}
	db, err := sqldb.Open(ctx, path)
	if err != nil {
		unlockData(lock)
		return nil, nil, err
	}
	return db, func() error { return errors.Join(db.Close(), unlockData(lock)) }, nil
}

// redacted is where without the password a URL may hold, for a message.
func redacted(where string) string {
	if u, err := url.Parse(where); err == nil && u.User != nil {
		return u.Redacted()
	}
	return where
}
