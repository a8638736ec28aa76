package sqldb

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"refuge/storage"
)

const importColumns = `id, actor_id, kind, mode, state, file, total, done, failed, report, lease_until, created, finished`

// importRows reads the import jobs a query returns (with its error) and closes the rows.
func importRows(rows *sql.Rows, err error) ([]*storage.ImportJob, error) {
	if err != nil {
		return nil, fmt.Errorf("list import jobs: %w", err)
	}
	defer rows.Close()
	var out []*storage.ImportJob
	for rows.Next() {
		j := &storage.ImportJob{}
		var kind, mode, state, report, lease, created, finished string
		if err := rows.Scan(&j.ID, &j.ActorID, &kind, &mode, &state, &j.File, &j.Total, &j.Done, &j.Failed,
			&report, &lease, &created, &finished); err != nil {
			return nil, fmt.Errorf("scan import job: %w", err)
		}
		j.Kind, j.Mode, j.State = storage.ImportKind(kind), storage.ImportMode(mode), storage.ImportState(state)
		j.LeaseUntil, j.Created, j.Finished = parseTS(lease), parseTS(created), parseTS(finished)
		if report != "" {
			if err := json.Unmarshal([]byte(report), &j.Report); err != nil {
				return nil, fmt.Errorf("import job %d's report: %w", j.ID, err)
			}
		}
		out = append(out, j)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list import jobs: %w", err)
	}
	return out, nil
}

// GetImportJob returns actorID's import job id.
func (r reader) GetImportJob(ctx context.Context, actorID, id int64) (*storage.ImportJob, error) {
	js, err := importRows(r.q.QueryContext(ctx, `SELECT `+importColumns+` FROM import_jobs WHERE id = ? AND actor_id = ?`, id, actorID))
	if err != nil {
		return nil, err
	}
	if len(js) == 0 {
		return nil, storage.Errorf(storage.NotFound, "no such import")
	}
	return js[0], nil
}

// ListImportJobs returns actorID's newest import jobs, newest first.
func (r reader) ListImportJobs(ctx context.Context, actorID int64, limit int) ([]*storage.ImportJob, error) {
	return importRows(r.q.QueryContext(ctx, `SELECT `+importColumns+` FROM import_jobs WHERE actor_id = ?
		ORDER BY id DESC LIMIT ?`, actorID, limit))
}

// PutImportJob stores a new job.
func (tx *Tx) PutImportJob(ctx context.Context, j *storage.ImportJob) error {
	if j.Created.IsZero() {
		j.Created = time.Now()
	}
	report, err := reportJSON(j.Report)
	if err != nil {
		return err
	}
	err = tx.tx.QueryRowContext(ctx, `INSERT INTO import_jobs (actor_id, kind, mode, state, file, total, done, failed,
		report, lease_until, created, finished) VALUES (?,?,?,?,?,?,?,?,?,?,?,?) RETURNING id`,
		j.ActorID, string(j.Kind), string(j.Mode), string(j.State), j.File, j.Total, j.Done, j.Failed,
		report, ts(j.LeaseUntil), ts(j.Created), ts(j.Finished)).Scan(&j.ID)
	if err != nil {
		return fmt.Errorf("put import job: %w", err)
	}
	return nil
}

// reportJSON is how a report is kept: JSON, "" for an empty one.
func reportJSON(r storage.ImportReport) (string, error) {
	if r.Rows == nil && r.MoreRows == 0 && r.Ignored == nil && r.Counts == nil && r.Error == "" {
		return "", nil
	}
	b, err := json.Marshal(r)
	if err != nil {
		return "", fmt.Errorf("import report: %w", err)
	}
	return string(b), nil
}

// ClaimImportJob leases the oldest queued job, or a running one whose lease ran out.
func (db *DB) ClaimImportJob(ctx context.Context, now time.Time, lease time.Duration) (*storage.ImportJob, error) {
	const due = `state = 'queued' OR state = 'running' AND lease_until < ?`
	// Most polls find nothing: they ask with a read, so that an idle runner commits nothing
	// (a commit makes every kept answer stale).
	var waiting int
	if err := db.rcache.QueryRowContext(ctx, `SELECT count(*) FROM import_jobs WHERE `+due, ts(now)).Scan(&waiting); err != nil {
		return nil, fmt.Errorf("claim import job: %w", err)
	}
	if waiting == 0 {
		return nil, nil
	}
	if db.pg != nil {
		// One statement: a row another process locked meanwhile is skipped, not waited for,
		// so that each job is run by one runner.
		js, err := importRows(db.rcache.QueryContext(ctx, `UPDATE import_jobs SET state = 'running', lease_until = ?
			WHERE id = (SELECT id FROM import_jobs WHERE `+due+` ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED)
			RETURNING `+importColumns, ts(now.Add(lease)), ts(now)))
		if err != nil || len(js) == 0 {
			return nil, err
		}
		return js[0], nil
	}
	var j *storage.ImportJob
	err := db.update(ctx, func(tx *Tx) error {
		j = nil
		js, err := importRows(tx.tx.QueryContext(ctx, `SELECT `+importColumns+` FROM import_jobs WHERE `+due+`
			ORDER BY id LIMIT 1`, ts(now)))
		if err != nil || len(js) == 0 {
			return err
		}
		j = js[0]
		j.State, j.LeaseUntil = storage.ImportRunning, now.Add(lease)
		if _, err := tx.tx.ExecContext(ctx, `UPDATE import_jobs SET state = 'running', lease_until = ? WHERE id = ?`,
			ts(j.LeaseUntil), j.ID); err != nil {
			return fmt.Errorf("claim import job: %w", err)
		}
		return nil
	})
	return j, err
}

// SaveImportProgress records a running job's counts and extends its lease.
func (db *DB) SaveImportProgress(ctx context.Context, id int64, total, done, failed int, until time.Time) error {
	return db.update(ctx, func(tx *Tx) error {
		_, err := tx.tx.ExecContext(ctx, `UPDATE import_jobs SET total = ?, done = ?, failed = ?, lease_until = ?
			WHERE id = ? AND state = 'running'`, total, done, failed, ts(until), id)
		if err != nil {
			return fmt.Errorf("import progress: %w", err)
		}
		return nil
	})
}

// FinishImportJob records that j ended.
func (db *DB) FinishImportJob(ctx context.Context, j *storage.ImportJob) error {
	report, err := reportJSON(j.Report)
	if err != nil {
		return err
	}
	return db.update(ctx, func(tx *Tx) error {
		_, err := tx.tx.ExecContext(ctx, `UPDATE import_jobs SET state = ?, total = ?, done = ?, failed = ?, report = ?,
			finished = ?, file = '' WHERE id = ?`, string(j.State), j.Total, j.Done, j.Failed, report, ts(j.Finished), j.ID)
		if err != nil {
			return fmt.Errorf("finish import job: %w", err)
		}
		return nil
	})
}
