-- nenc PostgreSQL schema, version 4: queues, user priorities and run-at times; large values.
-- invocations keep the call's queue, priority and run-at time, so every later routing
-- (recovery, hand-back, retry) keeps them; queue rows carry their queue.

ALTER TABLE {{s}}.invocations ADD COLUMN queue text NOT NULL DEFAULT 'default';
ALTER TABLE {{s}}.invocations ADD COLUMN priority integer NOT NULL DEFAULT 0;
ALTER TABLE {{s}}.invocations ADD COLUMN run_at bigint;

ALTER TABLE {{s}}.queue ADD COLUMN queue text NOT NULL DEFAULT 'default';
CREATE INDEX queue_by_queue ON {{s}}.queue (queue, priority DESC, seq);

-- Large values: stored once under their content hash, referenced by invocations; a value no
-- invocation references is deleted with the last reference (retention).
CREATE TABLE {{s}}.large_values (
  hash  text PRIMARY KEY,
  data  text NOT NULL
);
CREATE TABLE {{s}}.value_refs (
  hash          text NOT NULL,
  invocation_id text NOT NULL,
  PRIMARY KEY (invocation_id, hash)
);
CREATE INDEX value_refs_hash ON {{s}}.value_refs (hash);
