-- nenc SQLite schema, version 2: a draining runner's deadline (graceful shutdown).
-- stopping_until: epoch ms until which a stopping runner lets in-flight work finish; NULL when not stopping.

ALTER TABLE {{p}}runners ADD COLUMN stopping_until INTEGER;
