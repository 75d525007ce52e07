-- nenc PostgreSQL schema, version 11: a runner process's identity independent of clocks.
-- proc_start: when its process started, in kernel clock ticks since boot (/proc/<pid>/stat
-- field 22), NULL where /proc is missing. The same-host liveness check tells a reused pid
-- from the runner's own process by it, not by comparing wall clocks (a clock jump on the host
-- or in one process must not make a live runner look gone).

ALTER TABLE {{s}}.runners ADD COLUMN proc_start bigint;
