-- nenc PostgreSQL schema, version 12: a change notification names the statuses it wrote.
-- <schema>_change carried no payload, so a result waiter woke, and read, for every claim and
-- start of the app. Its payload is now the distinct statuses the statement left rows in
-- (comma-separated; empty when it changed none): a waiter for final statuses skips a
-- notification that names none (which statuses are final is decided by the code's status
-- table, not here). Transition tables need one trigger per event.

CREATE FUNCTION {{s}}.notify_change_statuses() RETURNS trigger LANGUAGE plpgsql AS
$$ BEGIN
  PERFORM pg_notify(TG_TABLE_SCHEMA || '_change',
    coalesce((SELECT string_agg(DISTINCT status, ',') FROM changed_rows), ''));
  RETURN NULL;
END $$;
DROP TRIGGER status_notify ON {{s}}.status;
DROP FUNCTION {{s}}.notify_change();
CREATE TRIGGER status_notify_insert AFTER INSERT ON {{s}}.status
  REFERENCING NEW TABLE AS changed_rows
  FOR EACH STATEMENT EXECUTE FUNCTION {{s}}.notify_change_statuses();
CREATE TRIGGER status_notify_update AFTER UPDATE ON {{s}}.status
  REFERENCING NEW TABLE AS changed_rows
  FOR EACH STATEMENT EXECUTE FUNCTION {{s}}.notify_change_statuses();
