-- The store's tables (see matcher/store/base.py for what each holds): the same data as SQLite's profiles.db.

-- One row per counter. 'seq' is the change sequence: every transaction that writes or deletes a
-- profile increments it first (UPDATE ... RETURNING), which also makes such transactions take turns.
CREATE TABLE meta (
    key TEXT PRIMARY KEY,
    value BIGINT NOT NULL
);
INSERT INTO meta (key, value) VALUES ('seq', 0);

-- Row ids are never reused (an identity column: deleted rows leave gaps).
CREATE TABLE profiles (
    row_id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    data JSONB NOT NULL,
    content_hash TEXT NOT NULL,
    text_hash TEXT NOT NULL,
    seq BIGINT NOT NULL,
    updated_at DOUBLE PRECISION NOT NULL
);
CREATE INDEX profiles_seq ON profiles (seq);
CREATE INDEX profiles_manager ON profiles ((data ->> 'manager_id'));

-- float32 vectors, row after row (matcher.store.vector_blob), kept out of line and uncompressed:
-- they do not compress, and trying costs CPU on every write.
CREATE TABLE embeddings (
    row_id BIGINT PRIMARY KEY REFERENCES profiles (row_id) ON DELETE CASCADE,
    model_key TEXT NOT NULL,
    text_hash TEXT NOT NULL,
    offers BYTEA NOT NULL,
    goals BYTEA,
    passages BYTEA NOT NULL
);
ALTER TABLE embeddings ALTER COLUMN offers SET STORAGE EXTERNAL;
ALTER TABLE embeddings ALTER COLUMN goals SET STORAGE EXTERNAL;
ALTER TABLE embeddings ALTER COLUMN passages SET STORAGE EXTERNAL;

-- A deleted profile's row id and change number, no content.
CREATE TABLE tombstones (
    row_id BIGINT PRIMARY KEY,
    seq BIGINT NOT NULL
);
CREATE INDEX tombstones_seq ON tombstones (seq);

-- API keys: the SHA-256 of each secret, never the secret.
CREATE TABLE api_keys (
    key_id TEXT PRIMARY KEY,
    secret_hash TEXT NOT NULL,
    scope TEXT NOT NULL,
    label TEXT,
    created_at DOUBLE PRECISION NOT NULL,
    revoked_at DOUBLE PRECISION
);
