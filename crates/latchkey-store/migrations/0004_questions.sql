-- Security questions: the question sets (each kept whole, as JSON, in the order people see
-- them), each person's enrolment (answer hashes only, as JSON) and each person's latest sample
-- of questions. Enrolments and samples carry a version for compare-and-set updates.

CREATE TABLE question_sets (
    id TEXT PRIMARY KEY,
    position BIGINT NOT NULL,
    body TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE question_enrolments (
    profile_id TEXT PRIMARY KEY REFERENCES profiles(id) ON DELETE CASCADE,
    body TEXT NOT NULL,
    version BIGINT NOT NULL,
    enrolled_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE question_samples (
    profile_id TEXT PRIMARY KEY REFERENCES profiles(id) ON DELETE CASCADE,
    body TEXT NOT NULL,
    version BIGINT NOT NULL,
    drawn_at BIGINT NOT NULL
);
