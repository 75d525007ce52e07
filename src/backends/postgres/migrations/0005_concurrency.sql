-- nenc PostgreSQL schema, version 5: concurrency control. The scopes are computed at
-- registration (core/concurrency.ts) and stored with the status. Every transaction that
-- claims into or releases from a running scope first takes that scope's transaction-scoped
-- advisory lock, so the count of its slot holders and the claim are one atomic step.
-- run_scope/run_limit/run_reroute: running concurrency (NULL scope: not controlled).
-- reg_scope: registration concurrency (NULL: not controlled).

ALTER TABLE {{s}}.status ADD COLUMN run_scope text;
ALTER TABLE {{s}}.status ADD COLUMN run_limit integer NOT NULL DEFAULT 0;
ALTER TABLE {{s}}.status ADD COLUMN run_reroute boolean NOT NULL DEFAULT false;
ALTER TABLE {{s}}.status ADD COLUMN reg_scope text;
-- wait_seq: the order waiters of a scope began waiting (FIFO wake-ups; times can tie).
ALTER TABLE {{s}}.status ADD COLUMN wait_seq bigint;
CREATE INDEX status_run_scope ON {{s}}.status (run_scope, status, wait_seq) WHERE run_scope IS NOT NULL;
CREATE INDEX status_reg_scope ON {{s}}.status (reg_scope, status) WHERE reg_scope IS NOT NULL;
