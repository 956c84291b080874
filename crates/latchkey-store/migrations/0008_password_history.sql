-- Version 8: password history of internal-directory profiles.
-- Each row is one previous password as its Argon2id PHC hash (never in clear); `seq` grows per
-- profile, so the newest entry has the highest number. A password change writes the old hash
-- here, the new one on the profile, and drops entries beyond the policy's depth, in one
-- transaction.

CREATE TABLE password_history (
    profile_id TEXT NOT NULL REFERENCES profiles(id) ON DELETE CASCADE,
    seq BIGINT NOT NULL,
    hash TEXT NOT NULL,
    changed_at BIGINT NOT NULL,
    PRIMARY KEY (profile_id, seq)
);
