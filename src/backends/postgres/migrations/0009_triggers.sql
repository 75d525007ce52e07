-- nenc PostgreSQL schema, version 9: triggers.
-- origin: what started a triggered invocation (JSON: trigger id and the tick, event or source
-- invocation that fired it); NULL for calls.
-- trigger_state: the trigger service's small durable records (cron's last tick, outcome
-- cursors, the matches of an `all` trigger), written by compare-and-set on `version`.

ALTER TABLE {{s}}.invocations ADD COLUMN origin text;

CREATE TABLE {{s}}.trigger_state (
  key     text PRIMARY KEY,
  value   text NOT NULL,
  version bigint NOT NULL
);
