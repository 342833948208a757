-- Each person's last activity in the relationship loop (asking, answering, withdrawing, logging a session,
-- answering the fit question): the ranking sinks mentors inactive for MATCHER_INACTIVE_DAYS below the active
-- (matcher/search/responsiveness.py). Only an id and a time; erasure deletes the row.
CREATE TABLE activity (
    person_id TEXT PRIMARY KEY,
    last_active DOUBLE PRECISION NOT NULL
);
