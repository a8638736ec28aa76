package main

import (
	"database/sql"
	"errors"
	"fmt"
	"net/url"

	_ "modernc.org/sqlite" // the driver Refuge itself uses
)

// openReadOnly opens the instance's SQLite file for reading while it runs (WAL lets a
// reader in beside the writer).
func openReadOnly(path string) (*sql.DB, error) {
	db, err := sql.Open("sqlite", "file:"+(&url.URL{Path: path}).EscapedPath()+
		"?mode=ro&_pragma=busy_timeout(10000)&_pragma=query_only(1)")
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	return db, nil
}

// countStored counts the notes whose ids carry prefix, and their home-feed rows: what
// "every accepted activity is stored" is checked against.
func (e *env) countStored(prefix string) (notes, feed int, err error) {
	if e.srv.dbPath() == "" {
		return -1, -1, nil
	}
	if e.db == nil {
		if e.db, err = openReadOnly(e.srv.dbPath()); err != nil {
			return 0, 0, err
		}
	}
	like := "%/statuses/" + prefix + "%"
	if err := e.db.QueryRow(`SELECT count(*) FROM notes WHERE uri LIKE ?`, like).Scan(&notes); err != nil {
		return 0, 0, fmt.Errorf("count notes: %w", err)
	}
	err = e.db.QueryRow(`SELECT count(*) FROM feed f JOIN notes n ON n.id = f.note_id WHERE n.uri LIKE ?`, like).Scan(&feed)
	if err != nil {
		return 0, 0, fmt.Errorf("count feed: %w", err)
	}
	return notes, feed, nil
}

// countQueued counts the deliveries still queued.
func (e *env) countQueued() (int, error) {
	if e.db == nil {
		return 0, errors.New("no database")
	}
	var n int
	err := e.db.QueryRow(`SELECT count(*) FROM deliveries`).Scan(&n)
	return n, err
}
