-- Programmes (matcher/programmes; store side in matcher/store/postgres_programmes.py): the same tables as
-- SQLite's (matcher/store/sqlite_programmes.py). Definitions, plans, evidence and inline mentees are
-- JSON documents the service only ever reads whole: `json` keeps them as sent (key order included,
-- so both backends answer alike), and still refuses text that is not JSON.

CREATE TABLE programmes (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    spec JSON NOT NULL,                -- ProgrammeRules, without the cohort
    status TEXT NOT NULL CHECK (status IN ('draft', 'published')),
    runs INTEGER NOT NULL DEFAULT 0,
    created_at DOUBLE PRECISION NOT NULL,
    updated_at DOUBLE PRECISION NOT NULL,
    published_at DOUBLE PRECISION
);

-- Each member with their need in their own words; a stored profile's row goes when they are erased.
CREATE TABLE programme_cohort (
    programme_id TEXT NOT NULL REFERENCES programmes (id) ON DELETE CASCADE,
    key TEXT NOT NULL,
    position INTEGER NOT NULL,
    profile_id TEXT,
    need TEXT NOT NULL,
    mentee JSON,                       -- an inline member's description (profile_id is then NULL)
    PRIMARY KEY (programme_id, key)
);
CREATE INDEX programme_cohort_profile ON programme_cohort (profile_id);

-- One row per cohort member with a draft: proposed, approved, pinned, published or unmatched.
-- long_term: a published pair that uses a place of its mentor's capacity (every style but flash).
CREATE TABLE programme_pairs (
    programme_id TEXT NOT NULL REFERENCES programmes (id) ON DELETE CASCADE,
    mentee_key TEXT NOT NULL,
    mentee_profile_id TEXT,
    mentor_id TEXT,
    score DOUBLE PRECISION,
    status TEXT NOT NULL CHECK (status IN ('proposed', 'approved', 'pinned', 'published', 'unmatched')),
    reason TEXT,
    evidence JSON NOT NULL DEFAULT '[]',
    plan JSON NOT NULL DEFAULT '[]',
    run INTEGER NOT NULL DEFAULT 0,
    long_term BOOLEAN NOT NULL DEFAULT false,
    PRIMARY KEY (programme_id, mentee_key)
);
CREATE INDEX programme_pairs_mentor ON programme_pairs (mentor_id);
CREATE INDEX programme_pairs_mentee ON programme_pairs (mentee_profile_id);
-- The places a mentor's published long-term pairs take (read with every profile: StoredProfile.committed).
CREATE INDEX programme_pairs_committed ON programme_pairs (mentor_id) WHERE status = 'published' AND long_term;

CREATE TABLE programme_bans (
    programme_id TEXT NOT NULL REFERENCES programmes (id) ON DELETE CASCADE,
    mentee_key TEXT NOT NULL,
    mentor_id TEXT NOT NULL,
    PRIMARY KEY (programme_id, mentee_key, mentor_id)
);
CREATE INDEX programme_bans_mentor ON programme_bans (mentor_id);
