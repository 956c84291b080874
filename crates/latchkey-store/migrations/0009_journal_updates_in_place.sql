-- Version 9: journal entries change state without rewriting an index.
-- Runs read their open entries in pages by primary key (job, account), skipping the finished
-- ones as they go, so the index on (job, state, account) only cost: every state change rewrote
-- it, and on PostgreSQL an update that touches an indexed column cannot stay on its page (it
-- writes a new entry into every index of the table). Without it, and with room left on each
-- page for the entry's next versions, PostgreSQL updates the journal in place (HOT updates).

DROP INDEX mpr_entries_by_state;
-- postgresql: ALTER TABLE mpr_entries SET (fillfactor = 70);
