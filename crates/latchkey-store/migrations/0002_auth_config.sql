-- Authentication configuration: chains (modules kept with their chain, as JSON, so a chain
-- is always read and written whole) and the selector rule table.

CREATE TABLE auth_chains (
    id TEXT PRIMARY KEY,
    description TEXT NOT NULL,
    enabled BOOLEAN NOT NULL,
    builtin BOOLEAN NOT NULL,
    abort_on_failure BOOLEAN NOT NULL,
    cache_results BOOLEAN NOT NULL,
    purpose TEXT NOT NULL,
    modules TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE selector_rules (
    id {AUTO_ID},
    cfg_id TEXT NOT NULL,
    stage BIGINT NOT NULL,
    rule BIGINT NOT NULL,
    skip_remaining TEXT NOT NULL,
    match_type TEXT NOT NULL,
    match_key TEXT NOT NULL,
    match_condition TEXT NOT NULL,
    match_value TEXT NOT NULL,
    action TEXT NOT NULL,
    chain_id TEXT,
    error_msg TEXT NOT NULL,
    comment TEXT NOT NULL,
    owner TEXT NOT NULL,
    UNIQUE (cfg_id, stage, rule)
);

-- Security policies attached to user classes (organization or archetype), merged over the
-- global chains for their members. Kept whole, as JSON.
CREATE TABLE security_policies (
    id TEXT PRIMARY KEY,
    body TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);
