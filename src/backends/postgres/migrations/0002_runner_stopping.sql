-- nenc PostgreSQL schema, version 2: a draining runner's deadline (graceful shutdown).
-- stopping_until: ms since the epoch by the database's clock until which a stopping runner
-- lets in-flight work finish; NULL when it is not stopping.

ALTER TABLE {{s}}.runners ADD COLUMN stopping_until bigint;
