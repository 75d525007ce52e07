-- nenc SQLite schema, version 10: workflows.
-- workflow_steps: each completed step of a workflow invocation (numbered in the order the
-- workflow asked), written only while the writer holds the invocation (fencing token).
-- workflow_data: the workflow's key/value data (wf.set / wf.get), scoped to the workflow id.

CREATE TABLE {{p}}workflow_steps (
  invocation_id TEXT NOT NULL,
  step_no       INTEGER NOT NULL,
  kind          TEXT NOT NULL,
  name          TEXT NOT NULL,
  value         TEXT NOT NULL,
  at            INTEGER NOT NULL,
  PRIMARY KEY (invocation_id, step_no)
) WITHOUT ROWID;

CREATE TABLE {{p}}workflow_data (
  workflow_id TEXT NOT NULL,
  key         TEXT NOT NULL,
  value       TEXT NOT NULL,
  PRIMARY KEY (workflow_id, key)
) WITHOUT ROWID;
