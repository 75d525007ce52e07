-- nenc SQLite schema, version 4: queues, user priorities and run-at times.
-- invocations keep the call's queue, priority and run-at time, so every later routing
-- (recovery, hand-back, retry) keeps them; queue rows carry their queue.

ALTER TABLE {{p}}invocations ADD COLUMN queue TEXT NOT NULL DEFAULT 'default';
ALTER TABLE {{p}}invocations ADD COLUMN priority INTEGER NOT NULL DEFAULT 0;
ALTER TABLE {{p}}invocations ADD COLUMN run_at INTEGER;

ALTER TABLE {{p}}queue ADD COLUMN queue TEXT NOT NULL DEFAULT 'default';
CREATE INDEX {{p}}queue_by_queue ON {{p}}queue (queue, priority DESC, seq);
