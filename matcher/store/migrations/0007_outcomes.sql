-- The outcome log (matcher/outcomes; store side in matcher/store/postgres_outcomes.py): what happened after
-- matches, the examples `mentor-match learn` learns from. The same table as SQLite's
-- (matcher/store/sqlite_outcomes.py). The need is the mentee's own words: it is the training signal
-- (SECURITY.md "Outcomes"); erasing a person deletes every outcome naming them, as mentor or as mentee.

CREATE TABLE outcomes (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    content_hash TEXT NOT NULL UNIQUE,  -- SHA-256 of the fields: the same outcome imported twice is one row
    need TEXT NOT NULL,
    mentor_id TEXT NOT NULL,
    mentee_id TEXT,
    outcome TEXT NOT NULL CHECK (outcome IN ('accepted', 'declined', 'good_fit', 'not_a_fit', 'completed')),
    style TEXT,
    at TEXT,                            -- ISO date (YYYY-MM-DD), when known
    source TEXT NOT NULL,               -- 'import' or 'service'
    recorded_at DOUBLE PRECISION NOT NULL,
    model_key TEXT,
    need_vector BYTEA                   -- the need's embedding (float32), by model_key's model
);
ALTER TABLE outcomes ALTER COLUMN need_vector SET STORAGE EXTERNAL;
CREATE INDEX outcomes_mentor ON outcomes (mentor_id);
CREATE INDEX outcomes_mentee ON outcomes (mentee_id);

-- Grows with every change of the log: a process serving a learned ranking reads the log again when it moves.
INSERT INTO meta (key, value) VALUES ('outcomes', 0);
