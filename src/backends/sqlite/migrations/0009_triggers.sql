-- nenc SQLite schema, version 9: triggers.
-- origin: what started a triggered invocation (JSON: trigger id and the tick, event or source
-- invocation that fired it); NULL for calls.
-- trigger_state: the trigger service's small durable records (cron's last tick, outcome
-- cursors, the matches of an `all` trigger), written by compare-and-set on `version`.

ALTER TABLE {{p}}invocations ADD COLUMN origin TEXT;

CREATE TABLE {{p}}trigger_state (
  key     TEXT PRIMARY KEY,
  value   TEXT NOT NULL,
  version INTEGER NOT NULL
) WITHOUT ROWID;
