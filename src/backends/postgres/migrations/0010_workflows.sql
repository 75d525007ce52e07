-- nenc PostgreSQL schema, version 10: workflows.
-- workflow_steps: each completed step of a workflow invocation (numbered in the order the
-- workflow asked), written only while the writer holds the invocation (fencing token).
-- workflow_data: the workflow's key/value data (wf.set / wf.get), scoped to the workflow id.

CREATE TABLE {{s}}.workflow_steps (
  invocation_id text NOT NULL,
  step_no       bigint NOT NULL,
  kind          text NOT NULL,
  name          text NOT NULL,
  value         text NOT NULL,
  at            bigint NOT NULL,
  PRIMARY KEY (invocation_id, step_no)
);

CREATE TABLE {{s}}.workflow_data (
  workflow_id text NOT NULL,
  key         text NOT NULL,
  value       text NOT NULL,
  PRIMARY KEY (workflow_id, key)
);
