-- After the match (matcher/relationships; statements in matcher/store/ledger.py and relationships.py, shared
-- with SQLite, whose tables are matcher/store/sqlite_relationships.py): introductions (requests),
-- relationships with their sessions and fit answers, "never again" pairs, and the outbox of events.
-- Only structured values: ids, states, reason codes, dates, fit labels, plan items; the one text is the
-- mentee's need. Plans and event payloads are JSON kept as text (read whole; a payload is signed as is).

CREATE TABLE requests (
    id TEXT PRIMARY KEY,
    mentee_id TEXT NOT NULL,
    mentor_id TEXT NOT NULL,
    style TEXT NOT NULL,
    long_term BOOLEAN NOT NULL,          -- holds one of the mentor's places while pending
    need TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('pending', 'accepted', 'declined', 'expired', 'withdrawn')),
    created_at DOUBLE PRECISION NOT NULL,
    expires_at DOUBLE PRECISION NOT NULL,
    reason TEXT,                         -- decline reason code
    answered_at DOUBLE PRECISION,
    relationship_id TEXT,
    created_by TEXT                      -- the API key's id
);
CREATE INDEX requests_mentee ON requests (mentee_id, state);
CREATE INDEX requests_mentor ON requests (mentor_id, state);
CREATE INDEX requests_due ON requests (expires_at) WHERE state = 'pending';
CREATE INDEX requests_places ON requests (mentor_id, expires_at) WHERE state = 'pending' AND long_term;

CREATE TABLE relationships (
    id TEXT PRIMARY KEY,
    origin TEXT NOT NULL CHECK (origin IN ('request', 'programme')),
    mentee_id TEXT,                      -- NULL for an inline programme member (mentee_key names them)
    mentor_id TEXT NOT NULL,
    style TEXT NOT NULL,
    long_term BOOLEAN NOT NULL,          -- takes one of the mentor's places while active
    need TEXT NOT NULL,
    plan TEXT NOT NULL DEFAULT '[]',
    sessions_planned INTEGER NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('active', 'completed', 'ended')),
    started_at DOUBLE PRECISION NOT NULL,
    request_id TEXT,
    programme_id TEXT,
    mentee_key TEXT,
    end_reason TEXT,
    ended_by TEXT,
    ended_at DOUBLE PRECISION
);
CREATE INDEX relationships_mentee ON relationships (mentee_id, state);
CREATE INDEX relationships_mentor ON relationships (mentor_id, state);
CREATE INDEX relationships_programme ON relationships (programme_id);
-- The places a mentor's active long-term relationships take (read with every profile: StoredProfile.committed).
CREATE INDEX relationships_places ON relationships (mentor_id) WHERE state = 'active' AND long_term;

CREATE TABLE relationship_sessions (
    id BIGSERIAL PRIMARY KEY,
    relationship_id TEXT NOT NULL,
    date TEXT NOT NULL,                  -- ISO 8601 day
    status TEXT NOT NULL CHECK (status IN ('done', 'missed')),
    plan_item INTEGER,
    logged_by TEXT NOT NULL,
    logged_at DOUBLE PRECISION NOT NULL
);
CREATE INDEX relationship_sessions_of ON relationship_sessions (relationship_id);

CREATE TABLE relationship_fits (
    relationship_id TEXT NOT NULL,
    side TEXT NOT NULL CHECK (side IN ('mentee', 'mentor')),
    fit TEXT NOT NULL CHECK (fit IN ('good', 'still_deciding', 'not_a_fit')),
    answered_at DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (relationship_id, side)
);

CREATE TABLE never_again (
    mentee_id TEXT NOT NULL,
    mentor_id TEXT NOT NULL,
    reason TEXT NOT NULL CHECK (reason IN ('declined', 'not_a_fit')),
    source_id TEXT,
    created_at DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (mentee_id, mentor_id)
);
CREATE INDEX never_again_mentor ON never_again (mentor_id);

CREATE TABLE outbox (
    id BIGSERIAL PRIMARY KEY,
    event_id TEXT NOT NULL UNIQUE,
    type TEXT NOT NULL,
    payload TEXT NOT NULL,
    mentee_id TEXT,                      -- who the event names, so that erasure finds it
    mentor_id TEXT,
    created_at DOUBLE PRECISION NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at DOUBLE PRECISION,    -- NULL: delivered or given up
    delivered_at DOUBLE PRECISION,
    last_error TEXT
);
CREATE INDEX outbox_due ON outbox (next_attempt_at) WHERE delivered_at IS NULL;
CREATE INDEX outbox_mentee ON outbox (mentee_id);
CREATE INDEX outbox_mentor ON outbox (mentor_id);

-- One ledger of places: every programme pair published before carries forward as an active relationship.
INSERT INTO relationships (id, origin, mentee_id, mentor_id, style, long_term, need, plan, sessions_planned, state,
                           started_at, programme_id, mentee_key)
SELECT 'rel-' || substr(md5(random()::text || clock_timestamp()::text || pp.programme_id || pp.mentee_key), 1, 16),
       'programme', pp.mentee_profile_id, pp.mentor_id, COALESCE(p.spec ->> 'style', 'any'), pp.long_term,
       COALESCE(c.need, ''), pp.plan::text,
       GREATEST(1, COALESCE(NULLIF(json_array_length(pp.plan), 0), (p.spec ->> 'sessions')::integer, 1)), 'active',
       COALESCE(p.published_at, p.updated_at), pp.programme_id, pp.mentee_key
FROM programme_pairs pp JOIN programmes p ON p.id = pp.programme_id
LEFT JOIN programme_cohort c ON c.programme_id = pp.programme_id AND c.key = pp.mentee_key
WHERE pp.status = 'published' AND pp.mentor_id IS NOT NULL;

-- The places are now counted from relationships (and pending requests), no longer from programme pairs.
DROP INDEX programme_pairs_committed;
