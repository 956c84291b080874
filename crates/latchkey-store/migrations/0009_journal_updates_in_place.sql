-- Version 9: a run's batches write its journal and its locks by key.
--
-- Runs read their open entries in pages by primary key (job, account), skipping the finished
-- ones as they go; the index on (job, state, account) serves only the count of a run's entries
-- by state. On PostgreSQL an update that touches an indexed column cannot stay on its page (it
-- writes a new entry into every index of the table), and counting there reads the table
-- anyway; without the index, and with room left on each page for an entry's next versions,
-- PostgreSQL updates the journal in place (HOT updates). SQLite keeps the index: it updates rows
-- in place either way, and counting a run of 100,000 entries takes 8 ms with it, 170 ms
-- without.
--
-- The account locks are taken, read and given back by account (the primary key). The index by
-- run let PostgreSQL answer "the run's locks among these accounts" by reading every lock the run
-- ever held and not yet vacuumed (26 ms a batch in a 100,000-account run); the few locks left
-- when a run ends are found without it.

-- postgresql: DROP INDEX mpr_entries_by_state;
-- postgresql: ALTER TABLE mpr_entries SET (fillfactor = 70);
DROP INDEX mpr_account_locks_by_job;
