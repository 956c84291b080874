-- Target systems (version 6): their definitions (JSON), the service account's password sealed
-- with the master key, a discovery lease so only one node discovers a target at a time, and the
-- record of discovery runs. Accounts stay in `accounts` (version 1).

CREATE TABLE targets (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    definition TEXT NOT NULL,
    sealed_secret TEXT,
    discovery_lease_until BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE target_discoveries (
    id {AUTO_ID},
    target_id TEXT NOT NULL REFERENCES targets(id) ON DELETE CASCADE,
    started_at BIGINT NOT NULL,
    finished_at BIGINT NOT NULL,
    ok BOOLEAN NOT NULL,
    high_water TEXT,
    report TEXT NOT NULL
);
CREATE INDEX target_discoveries_by_target ON target_discoveries (target_id, finished_at);
