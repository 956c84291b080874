-- The credential vault and mass password runs (version 7). Sealed values are stored in their
-- text form (`v1.<key id>.<nonce>.<ciphertext>`); nothing here is a password in clear.

-- Vault items: one per account at most (`account_id` UNIQUE; NULLs do not collide), templates
-- with `is_template`. `key_id` repeats the key id of `wrapped_key` so rotation finds the items
-- still wrapped by an old key; `version` is compared by every write.
CREATE TABLE vault_items (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    owner_id TEXT,
    collection TEXT,
    is_template BOOLEAN NOT NULL,
    template_id TEXT,
    account_id TEXT UNIQUE,
    fields TEXT NOT NULL,
    wrapped_key TEXT,
    key_id TEXT,
    secret TEXT,
    secret_changed_at BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    version BIGINT NOT NULL
);
CREATE INDEX vault_items_by_owner ON vault_items (owner_id, name);
CREATE INDEX vault_items_by_key ON vault_items (key_id);

-- Earlier secrets of an item (the newest few), sealed with the item's data key.
CREATE TABLE vault_item_history (
    item_id TEXT NOT NULL REFERENCES vault_items(id) ON DELETE CASCADE,
    seq BIGINT NOT NULL,
    secret TEXT NOT NULL,
    changed_at BIGINT NOT NULL,
    PRIMARY KEY (item_id, seq)
);

-- Mass password runs: the confirmed request (JSON), status, and the runner's lease.
CREATE TABLE mpr_jobs (
    id TEXT PRIMARY KEY,
    status TEXT NOT NULL,
    requested_by TEXT NOT NULL,
    request TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    finished_at BIGINT,
    runner TEXT,
    lease_until BIGINT
);
CREATE INDEX mpr_jobs_by_created ON mpr_jobs (created_at);

-- The journal: one durable state machine per account of a run, with the sealed pending
-- password until the vault holds it.
CREATE TABLE mpr_entries (
    job_id TEXT NOT NULL REFERENCES mpr_jobs(id) ON DELETE CASCADE,
    account_id TEXT NOT NULL,
    target_id TEXT NOT NULL,
    account_name TEXT NOT NULL,
    owner_id TEXT,
    vault_item_id TEXT,
    state TEXT NOT NULL,
    pending TEXT,
    sends BIGINT NOT NULL,
    attempts BIGINT NOT NULL,
    refusals BIGINT NOT NULL,
    message TEXT,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (job_id, account_id)
);
CREATE INDEX mpr_entries_by_state ON mpr_entries (job_id, state, account_id);

-- Per-account locks: the run that works on an account; no two runs hold one account.
CREATE TABLE mpr_account_locks (
    account_id TEXT PRIMARY KEY,
    job_id TEXT NOT NULL REFERENCES mpr_jobs(id) ON DELETE CASCADE
);
CREATE INDEX mpr_account_locks_by_job ON mpr_account_locks (job_id);

-- The report: one row per account per phase, in the order written. Never a password.
CREATE TABLE mpr_report (
    id {AUTO_ID},
    job_id TEXT NOT NULL REFERENCES mpr_jobs(id) ON DELETE CASCADE,
    at BIGINT NOT NULL,
    account TEXT NOT NULL,
    target TEXT NOT NULL,
    owner TEXT,
    phase TEXT NOT NULL,
    outcome TEXT NOT NULL,
    message TEXT NOT NULL
);
CREATE INDEX mpr_report_by_job ON mpr_report (job_id, id);
