-- Uploaded files; the same table and indexes as the SQLite schema.
CREATE TABLE files (
    id          text        PRIMARY KEY,
    user_id     bigint      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    filename    text        NOT NULL,
    size        bigint      NOT NULL,
    mime_type   text        NOT NULL,
    sha256      text        NOT NULL,
    storage_key text        NOT NULL,
    created_at  timestamptz NOT NULL
);

CREATE INDEX files_user ON files (user_id, created_at DESC, id DESC);
CREATE INDEX files_blob ON files (storage_key);
