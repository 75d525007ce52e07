-- nenc PostgreSQL schema, version 8: how a runner was declared dead (crash detection).
-- dead_note: "process gone", "session closed" or "heartbeat expired", written by the recovery
-- pass that recovered its work; cleared by the runner's next heartbeat. NULL otherwise.

ALTER TABLE {{s}}.runners ADD COLUMN dead_note text;
