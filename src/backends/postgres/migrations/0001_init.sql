-- nenc PostgreSQL schema, version 1. {{s}} is the app's schema (quoted identifier).
-- Times are milliseconds since the epoch by the database's clock ({{s}}.now_ms()), so
-- heartbeats, dead-runner detection and leases never compare two hosts' clocks.

CREATE FUNCTION {{s}}.now_ms() RETURNS bigint LANGUAGE sql VOLATILE AS
$$ SELECT (extract(epoch FROM clock_timestamp()) * 1000)::bigint $$;

-- The app that owns this schema: one app per schema, checked at start-up.
CREATE TABLE {{s}}.meta (
  key   text PRIMARY KEY,
  value text NOT NULL
);

CREATE TABLE {{s}}.invocations (
  id          text PRIMARY KEY,
  task_id     text NOT NULL,
  args        text NOT NULL,
  parent_id   text,
  workflow_id text NOT NULL,
  created_at  bigint NOT NULL
);
CREATE INDEX invocations_workflow ON {{s}}.invocations (workflow_id);
CREATE INDEX invocations_parent ON {{s}}.invocations (parent_id);
CREATE INDEX invocations_created ON {{s}}.invocations (created_at);

CREATE TABLE {{s}}.status (
  id          text PRIMARY KEY,
  task_id     text NOT NULL,
  status      text NOT NULL,
  owner_id    text,
  token       integer NOT NULL DEFAULT 0,
  retries     integer NOT NULL DEFAULT 0,
  updated_at  bigint NOT NULL,
  history_len integer NOT NULL DEFAULT 1
);
CREATE INDEX status_status ON {{s}}.status (status, updated_at);
CREATE INDEX status_owner ON {{s}}.status (owner_id) WHERE owner_id IS NOT NULL;
CREATE INDEX status_updated ON {{s}}.status (updated_at);

CREATE TABLE {{s}}.history (
  invocation_id text NOT NULL,
  seq           integer NOT NULL,
  status        text NOT NULL,
  owner_id      text,
  token         integer NOT NULL,
  actor_id      text,
  at            bigint NOT NULL,
  note          text,
  PRIMARY KEY (invocation_id, seq)
);
CREATE INDEX history_at ON {{s}}.history (at);

CREATE TABLE {{s}}.outcomes (
  id    text PRIMARY KEY,
  kind  text NOT NULL CHECK (kind IN ('result', 'error')),
  value text NOT NULL
);

CREATE TABLE {{s}}.runners (
  id             text PRIMARY KEY,
  kind           text NOT NULL,
  host           text NOT NULL,
  pid            integer NOT NULL,
  thread_id      integer NOT NULL,
  parent_id      text,
  started_at     bigint NOT NULL,
  last_heartbeat bigint NOT NULL,
  stopped_at     bigint
);

CREATE TABLE {{s}}.leases (
  name       text PRIMARY KEY,
  holder     text NOT NULL,
  expires_at bigint NOT NULL
);

CREATE TABLE {{s}}.queue (
  seq          bigserial PRIMARY KEY,
  id           text NOT NULL,
  priority     integer NOT NULL DEFAULT 0,
  available_at bigint NOT NULL DEFAULT 0
);
CREATE INDEX queue_order ON {{s}}.queue (priority DESC, seq);
CREATE INDEX queue_id ON {{s}}.queue (id);
CREATE INDEX queue_available ON {{s}}.queue (available_at);

CREATE TABLE {{s}}.logs (
  seq           bigserial PRIMARY KEY,
  invocation_id text,
  runner_id     text,
  task_id       text,
  level         text NOT NULL,
  message       text NOT NULL,
  at            bigint NOT NULL
);
CREATE INDEX logs_invocation ON {{s}}.logs (invocation_id, seq);

-- Wake-ups: one NOTIFY per writing statement, delivered at commit (identical notifications
-- of one transaction are folded). Runners LISTEN on <schema>_work, result waiters on
-- <schema>_change.
CREATE FUNCTION {{s}}.notify_work() RETURNS trigger LANGUAGE plpgsql AS
$$ BEGIN PERFORM pg_notify(TG_TABLE_SCHEMA || '_work', ''); RETURN NULL; END $$;
CREATE FUNCTION {{s}}.notify_change() RETURNS trigger LANGUAGE plpgsql AS
$$ BEGIN PERFORM pg_notify(TG_TABLE_SCHEMA || '_change', ''); RETURN NULL; END $$;
CREATE TRIGGER queue_notify AFTER INSERT ON {{s}}.queue
  FOR EACH STATEMENT EXECUTE FUNCTION {{s}}.notify_work();
CREATE TRIGGER status_notify AFTER INSERT OR UPDATE ON {{s}}.status
  FOR EACH STATEMENT EXECUTE FUNCTION {{s}}.notify_change();
