-- nenc SQLite schema, version 3: executions started per invocation (the task context's attempt).
-- attempts: transitions to RUNNING, counted by the transition that makes them.

ALTER TABLE {{p}}status ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
