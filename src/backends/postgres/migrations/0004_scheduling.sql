-- nenc PostgreSQL schema, version 4: queues, user priorities and run-at times.
-- invocations keep the call's queue, priority and run-at time, so every later routing
-- (recovery, hand-back, retry) keeps them; queue rows carry their queue.

ALTER TABLE {{s}}.invocations ADD COLUMN queue text NOT NULL DEFAULT 'default';
ALTER TABLE {{s}}.invocations ADD COLUMN priority integer NOT NULL DEFAULT 0;
ALTER TABLE {{s}}.invocations ADD COLUMN run_at bigint;

ALTER TABLE {{s}}.queue ADD COLUMN queue text NOT NULL DEFAULT 'default';
CREATE INDEX queue_by_queue ON {{s}}.queue (queue, priority DESC, seq);
