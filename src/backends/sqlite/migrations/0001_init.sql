-- nenc SQLite schema, version 1. {{p}} is the app's table prefix (appId + "_").

CREATE TABLE {{p}}invocations (
  id          TEXT PRIMARY KEY,
  task_id     TEXT NOT NULL,
  args        TEXT NOT NULL,
  parent_id   TEXT,
  workflow_id TEXT NOT NULL,
  created_at  INTEGER NOT NULL
);
CREATE INDEX {{p}}invocations_workflow ON {{p}}invocations (workflow_id);
CREATE INDEX {{p}}invocations_parent ON {{p}}invocations (parent_id);
CREATE INDEX {{p}}invocations_created ON {{p}}invocations (created_at);

CREATE TABLE {{p}}status (
  id          TEXT PRIMARY KEY,
  task_id     TEXT NOT NULL,
  status      TEXT NOT NULL,
  owner_id    TEXT,
  token       INTEGER NOT NULL DEFAULT 0,
  retries     INTEGER NOT NULL DEFAULT 0,
  updated_at  INTEGER NOT NULL,
  history_len INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX {{p}}status_status ON {{p}}status (status, updated_at);
CREATE INDEX {{p}}status_owner ON {{p}}status (owner_id) WHERE owner_id IS NOT NULL;

CREATE TABLE {{p}}history (
  invocation_id TEXT NOT NULL,
  seq           INTEGER NOT NULL,
  status        TEXT NOT NULL,
  owner_id      TEXT,
  token         INTEGER NOT NULL,
  actor_id      TEXT,
  at            INTEGER NOT NULL,
  note          TEXT,
  PRIMARY KEY (invocation_id, seq)
) WITHOUT ROWID;
CREATE INDEX {{p}}history_at ON {{p}}history (at);

CREATE TABLE {{p}}outcomes (
  id    TEXT PRIMARY KEY,
  kind  TEXT NOT NULL CHECK (kind IN ('result', 'error')),
  value TEXT NOT NULL
);

CREATE TABLE {{p}}runners (
  id             TEXT PRIMARY KEY,
  kind           TEXT NOT NULL,
  host           TEXT NOT NULL,
  pid            INTEGER NOT NULL,
  thread_id      INTEGER NOT NULL,
  parent_id      TEXT,
  started_at     INTEGER NOT NULL,
  last_heartbeat INTEGER NOT NULL,
  stopped_at     INTEGER
);

CREATE TABLE {{p}}leases (
  name       TEXT PRIMARY KEY,
  holder     TEXT NOT NULL,
  expires_at INTEGER NOT NULL
);

CREATE TABLE {{p}}queue (
  seq          INTEGER PRIMARY KEY AUTOINCREMENT,
  id           TEXT NOT NULL,
  priority     INTEGER NOT NULL DEFAULT 0,
  available_at INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX {{p}}queue_order ON {{p}}queue (priority DESC, seq);
CREATE INDEX {{p}}queue_id ON {{p}}queue (id);
CREATE INDEX {{p}}queue_available ON {{p}}queue (available_at);

CREATE TABLE {{p}}logs (
  seq           INTEGER PRIMARY KEY AUTOINCREMENT,
  invocation_id TEXT,
  runner_id     TEXT,
  task_id       TEXT,
  level         TEXT NOT NULL,
  message       TEXT NOT NULL,
  at            INTEGER NOT NULL
);
CREATE INDEX {{p}}logs_invocation ON {{p}}logs (invocation_id, seq);
