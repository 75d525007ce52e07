-- nenc PostgreSQL schema, version 3: executions started per invocation (the task context's attempt).
-- attempts: transitions to RUNNING, counted by the transition that makes them.

ALTER TABLE {{s}}.status ADD COLUMN attempts integer NOT NULL DEFAULT 0;
