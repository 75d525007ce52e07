-- nenc SQLite schema, version 8: how a runner was declared dead (crash detection).
-- dead_note: "process gone", "session closed" or "heartbeat expired", written by the recovery
-- pass that recovered its work; cleared by the runner's next heartbeat. NULL otherwise.

ALTER TABLE {{p}}runners ADD COLUMN dead_note TEXT;
