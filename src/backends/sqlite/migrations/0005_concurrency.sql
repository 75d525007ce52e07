-- nenc SQLite schema, version 5: concurrency control. The scopes are computed at registration
-- (core/concurrency.ts) and stored with the status; SQLite's single writer makes the count of
-- a scope's slot holders and the claim one atomic step.
-- run_scope/run_limit/run_reroute: running concurrency (NULL scope: not controlled).
-- reg_scope: registration concurrency (NULL: not controlled).

ALTER TABLE {{p}}status ADD COLUMN run_scope TEXT;
ALTER TABLE {{p}}status ADD COLUMN run_limit INTEGER NOT NULL DEFAULT 0;
ALTER TABLE {{p}}status ADD COLUMN run_reroute INTEGER NOT NULL DEFAULT 0;
ALTER TABLE {{p}}status ADD COLUMN reg_scope TEXT;
-- wait_seq: the order waiters of a scope began waiting (FIFO wake-ups; times can tie).
ALTER TABLE {{p}}status ADD COLUMN wait_seq INTEGER;
CREATE INDEX {{p}}status_run_scope ON {{p}}status (run_scope, status, wait_seq) WHERE run_scope IS NOT NULL;
CREATE INDEX {{p}}status_reg_scope ON {{p}}status (reg_scope, status) WHERE reg_scope IS NOT NULL;
