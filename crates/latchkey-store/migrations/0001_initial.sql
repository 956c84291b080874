-- Latchkey schema, version 1. Written once for SQLite and PostgreSQL: portable types only
-- (TEXT, BIGINT, BOOLEAN); {AUTO_ID} is filled in per database. Times are epoch milliseconds.

CREATE TABLE profiles (
    id TEXT PRIMARY KEY,
    login_id TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    email TEXT,
    enabled BOOLEAN NOT NULL,
    locked BOOLEAN NOT NULL,
    password_hash TEXT,
    password_changed_at BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE profile_attributes (
    profile_id TEXT NOT NULL REFERENCES profiles(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    position BIGINT NOT NULL,
    value TEXT NOT NULL,
    folded TEXT NOT NULL,
    PRIMARY KEY (profile_id, name, position)
);
CREATE INDEX profile_attributes_by_value ON profile_attributes (name, folded);

CREATE TABLE accounts (
    id TEXT PRIMARY KEY,
    target_id TEXT NOT NULL,
    account_name TEXT NOT NULL,
    owner_id TEXT REFERENCES profiles(id) ON DELETE SET NULL,
    attributes TEXT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (target_id, account_name)
);
CREATE INDEX accounts_by_owner ON accounts (owner_id);

CREATE TABLE user_classes (
    id TEXT PRIMARY KEY,
    description TEXT NOT NULL,
    mode TEXT NOT NULL,
    rules TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE user_class_static_members (
    class_id TEXT NOT NULL REFERENCES user_classes(id) ON DELETE CASCADE,
    profile_id TEXT NOT NULL REFERENCES profiles(id) ON DELETE CASCADE,
    PRIMARY KEY (class_id, profile_id)
);

CREATE TABLE user_class_members (
    class_id TEXT NOT NULL REFERENCES user_classes(id) ON DELETE CASCADE,
    profile_id TEXT NOT NULL REFERENCES profiles(id) ON DELETE CASCADE,
    computed_at BIGINT NOT NULL,
    PRIMARY KEY (class_id, profile_id)
);
CREATE INDEX user_class_members_by_profile ON user_class_members (profile_id);

CREATE TABLE userstats (
    profile_id TEXT NOT NULL REFERENCES profiles(id) ON DELETE CASCADE,
    tag TEXT NOT NULL,
    value TEXT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (profile_id, tag)
);

CREATE TABLE settings (
    namespace TEXT NOT NULL,
    setting TEXT NOT NULL,
    position BIGINT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (namespace, setting, position)
);

CREATE TABLE admin_privileges (
    profile_id TEXT NOT NULL REFERENCES profiles(id) ON DELETE CASCADE,
    privilege TEXT NOT NULL,
    granted_at BIGINT NOT NULL,
    PRIMARY KEY (profile_id, privilege)
);

CREATE TABLE counters (
    key TEXT PRIMARY KEY,
    value BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE one_time_tokens (
    hash TEXT PRIMARY KEY,
    purpose TEXT NOT NULL,
    subject TEXT NOT NULL,
    flow_id TEXT,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    consumed_at BIGINT
);
CREATE INDEX one_time_tokens_by_subject ON one_time_tokens (subject);

CREATE TABLE flows (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    version BIGINT NOT NULL,
    state TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);

CREATE TABLE sessions (
    hash TEXT PRIMARY KEY,
    profile_id TEXT NOT NULL REFERENCES profiles(id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    user_agent TEXT NOT NULL
);
CREATE INDEX sessions_by_profile ON sessions (profile_id);

CREATE TABLE audit_log (
    id {AUTO_ID},
    at BIGINT NOT NULL,
    actor TEXT,
    action TEXT NOT NULL,
    subject TEXT,
    detail TEXT NOT NULL
);
CREATE INDEX audit_log_by_time ON audit_log (at);
