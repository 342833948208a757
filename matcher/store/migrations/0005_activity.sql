-- What the ranking learns from the loop (matcher/search/responsiveness.py), one row per person, written in the
-- same transaction as each action: their last activity (asking, withdrawing, answering a request, logging a
-- session, answering the fit question, ending a relationship), and as a mentor the requests they answered,
-- the requests they let expire and when they first received one. Only an id, times and counts; erasure
-- deletes the row. A match reads the rows of its candidates only (by primary key).
CREATE TABLE activity (
    person_id TEXT PRIMARY KEY,
    last_active DOUBLE PRECISION,
    answered INTEGER NOT NULL DEFAULT 0,
    expired INTEGER NOT NULL DEFAULT 0,
    first_asked DOUBLE PRECISION
);
