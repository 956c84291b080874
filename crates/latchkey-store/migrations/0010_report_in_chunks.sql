-- Version 10: a run's report is stored as one record per batch step, not one per row.
--
-- A batch of 500 accounts writes 1,500 to 3,000 report rows (one per account per phase). As
-- table rows they cost PostgreSQL about 10 µs each (a heap tuple, two index entries, their WAL:
-- 40 % of the WAL a run wrote) and SQLite as much work as the journal itself; nothing ever
-- looks a report row up, the report is only read whole, in order. Each record now holds the
-- rows of one write as a JSON array of [at, account, target, owner, phase, outcome, message],
-- in order; the records of a run are read by (run, id). The rows already stored are moved into
-- records of at most 5,000 rows each, in their order.

CREATE TABLE mpr_report_chunks (
    id {AUTO_ID},
    job_id TEXT NOT NULL REFERENCES mpr_jobs(id) ON DELETE CASCADE,
    rows_json TEXT NOT NULL
);
CREATE INDEX mpr_report_chunks_by_job ON mpr_report_chunks (job_id, id);

-- sqlite: INSERT INTO mpr_report_chunks (job_id, rows_json)
-- sqlite: SELECT job_id, json_group_array(json_array(at, account, target, owner, phase, outcome, message) ORDER BY id)
-- sqlite: FROM (SELECT *, (ROW_NUMBER() OVER (PARTITION BY job_id ORDER BY id) - 1) / 5000 AS part FROM mpr_report) AS r
-- sqlite: GROUP BY job_id, part ORDER BY job_id, part;
-- postgresql: INSERT INTO mpr_report_chunks (job_id, rows_json)
-- postgresql: SELECT job_id, CAST(json_agg(json_build_array(at, account, target, owner, phase, outcome, message) ORDER BY id) AS TEXT)
-- postgresql: FROM (SELECT *, (ROW_NUMBER() OVER (PARTITION BY job_id ORDER BY id) - 1) / 5000 AS part FROM mpr_report) AS r
-- postgresql: GROUP BY job_id, part ORDER BY job_id, part;

DROP TABLE mpr_report;
