-- What the admin API shows of a report besides its resolution, as Mastodon's Admin::Report:
-- the admin who took it on (assigned_to, 0 for none, so no foreign key, as resolved_by) and
-- when it last changed (updated: made, assigned, re-categorised, resolved or reopened).
ALTER TABLE reports ADD COLUMN assigned_to bigint NOT NULL DEFAULT 0;
ALTER TABLE reports ADD COLUMN updated timestamptz NOT NULL DEFAULT '-infinity';
UPDATE reports SET updated = greatest(created, resolved_at);
-- The admin API lists reports by who made them and whom they are about.
CREATE INDEX reports_reporter ON reports (reporter_id);

-- The instance's rules a report cites (Mastodon's rule_ids), set by an admin; a rule's
-- citations go with it.
CREATE TABLE report_rules (
    report_id bigint NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
    rule_id   bigint NOT NULL REFERENCES rules (id) ON DELETE CASCADE,
    PRIMARY KEY (report_id, rule_id)
);
