package sqldb

import (
	"context"
	"time"
)

// Other processes' commits, on SQLite. The admin commands (refuge user suspend, block add,
// ...) write the file from processes of their own while a serve runs. The serve learns of
// them from PRAGMA data_version, which changes for a connection whenever another connection
// committed: polled every othersEvery on the checkpointer's connection, a change counts as
// a commit (Commits, so kept answers built before it are not given again) and wakes the
// workers (OnQueued, so that the deliveries such a command queued go out now, not at their
// next poll). The serve's own commits change it too; they cost one more rebuild of what
// was kept, at most once each othersEvery. On PostgreSQL, LISTEN/NOTIFY does this.
const othersEvery = 250 * time.Millisecond

// watchOthers polls data_version from the one it was at when the DB was opened, so that a
// commit made between the open and the first poll counts too.
func (db *DB) watchOthers(last int64) {
	defer db.othersDone.Done()
	t := time.NewTicker(othersEvery)
	defer t.Stop()
	for {
		select {
		case <-db.othersStop:
			return
		case <-t.C:
		}
		v, err := db.dataVersion()
		if err != nil || v == last {
			continue
		}
		last = v
		db.others.Add(1)
		if fn := db.queued.Load(); fn != nil {
			(*fn)()
		}
	}
}

func (db *DB) dataVersion() (int64, error) {
	ctx, cancel := context.WithTimeout(context.Background(), othersEvery)
	defer cancel()
	var v int64
	err := db.ckpt.conn.QueryRowContext(ctx, `PRAGMA data_version`).Scan(&v)
	return v, err
}
