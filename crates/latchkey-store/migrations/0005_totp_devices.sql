-- Version 5: authenticator-app (TOTP) enrolments and their recovery codes.
-- The shared secret is stored only sealed (AES-256-GCM under a key derived from the master key,
-- bound to the profile); recovery codes only as SHA-256 hashes. `last_used_step` moves forward
-- by compare-and-set, so one code is accepted once across every node.

CREATE TABLE totp_devices (
    profile_id TEXT PRIMARY KEY REFERENCES profiles(id) ON DELETE CASCADE,
    sealed_secret TEXT NOT NULL,
    params TEXT NOT NULL,
    last_used_step BIGINT,
    enrolled_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE totp_recovery_codes (
    profile_id TEXT NOT NULL REFERENCES totp_devices(profile_id) ON DELETE CASCADE,
    hash TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (profile_id, hash)
);
