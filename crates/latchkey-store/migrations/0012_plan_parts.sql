-- Version 12: a new run's plan beyond its first batches is stored as parts, which the runner
-- moves into the journal while it works.
--
-- Storing a plan as journal entries takes about 7 µs per account on SQLite and 14 µs on
-- PostgreSQL (a row and two index entries each): 70–140 ms for 10,000 accounts, a second or
-- more for 100,000, with the directory waiting. A new run now stores its first entries as
-- journal entries and the rest of its plan as parts: a JSON array of entries each, in account
-- order, with how many of them are planned and skipped. Each part moves into the journal in one
-- transaction (the part deleted, its entries inserted), so every confirmed account is either in
-- a part or in the journal, whatever stops the run.

CREATE TABLE mpr_plan_parts (
    job_id TEXT NOT NULL REFERENCES mpr_jobs(id) ON DELETE CASCADE,
    seq BIGINT NOT NULL,
    planned BIGINT NOT NULL,
    skipped BIGINT NOT NULL,
    rows_json TEXT NOT NULL,
    PRIMARY KEY (job_id, seq)
);
-- A part is read once and deleted: PostgreSQL stores it uncompressed (compressing 300 KB of JSON
-- costs more than writing it).
-- postgresql: ALTER TABLE mpr_plan_parts ALTER COLUMN rows_json SET STORAGE EXTERNAL;
