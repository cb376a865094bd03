-- Uploaded files. Their bytes are in the blob store under storage_key, shared by
-- a user's files of identical content (deleted when the last of them goes).
CREATE TABLE files (
    id          TEXT    PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    filename    TEXT    NOT NULL,
    size        INTEGER NOT NULL,
    mime_type   TEXT    NOT NULL,
    sha256      TEXT    NOT NULL,
    storage_key TEXT    NOT NULL,
    created_at  INTEGER NOT NULL
);

-- The user's list, newest first.
CREATE INDEX files_user ON files (user_id, created_at DESC, id DESC);
-- Who else refers to a blob, when one file goes.
CREATE INDEX files_blob ON files (storage_key);
