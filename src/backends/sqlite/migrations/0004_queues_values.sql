-- nenc SQLite schema, version 4: queues, user priorities and run-at times; large values.
-- invocations keep the call's queue, priority and run-at time, so every later routing
-- (recovery, hand-back, retry) keeps them; queue rows carry their queue.

ALTER TABLE {{p}}invocations ADD COLUMN queue TEXT NOT NULL DEFAULT 'default';
ALTER TABLE {{p}}invocations ADD COLUMN priority INTEGER NOT NULL DEFAULT 0;
ALTER TABLE {{p}}invocations ADD COLUMN run_at INTEGER;

ALTER TABLE {{p}}queue ADD COLUMN queue TEXT NOT NULL DEFAULT 'default';
CREATE INDEX {{p}}queue_by_queue ON {{p}}queue (queue, priority DESC, seq);

-- Large values: stored once under their content hash, referenced by invocations; a value no
-- invocation references is deleted with the last reference (retention).
CREATE TABLE {{p}}large_values (
  hash  TEXT PRIMARY KEY,
  data  TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE {{p}}value_refs (
  hash          TEXT NOT NULL,
  invocation_id TEXT NOT NULL,
  PRIMARY KEY (invocation_id, hash)
) WITHOUT ROWID;
CREATE INDEX {{p}}value_refs_hash ON {{p}}value_refs (hash);
