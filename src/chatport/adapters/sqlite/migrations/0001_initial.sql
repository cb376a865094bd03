-- Users, sessions, folders, chats, messages and the audit log.
-- Times are INTEGER epoch milliseconds (UTC); booleans 0/1; JSON as TEXT.
-- STRICT tables make SQLite refuse a value of the wrong type, as Postgres does.

-- AUTOINCREMENT: a deleted user's id is never handed out again, so nothing that
-- still names it (a log line, a stale token) can point at someone else.
CREATE TABLE users (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    username      TEXT    NOT NULL COLLATE NOCASE UNIQUE,
    email         TEXT    UNIQUE,
    name          TEXT,
    password_hash TEXT    NOT NULL,
    role          TEXT    NOT NULL CHECK (role IN ('admin', 'member', 'readonly')),
    disabled_at   INTEGER,
    created_at    INTEGER NOT NULL
) STRICT;

-- WITHOUT ROWID: the per-request lookup by token hash reads one b-tree, not two.
CREATE TABLE sessions (
    token_hash   TEXT    PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL,
    ip           TEXT,
    user_agent   TEXT
) STRICT, WITHOUT ROWID;

CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expires ON sessions (expires_at);

CREATE TABLE folders (
    id           TEXT    PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name         TEXT    NOT NULL,
    color        TEXT,
    position     INTEGER NOT NULL,
    is_collapsed INTEGER NOT NULL DEFAULT 0 CHECK (is_collapsed IN (0, 1)),
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
) STRICT;

CREATE INDEX folders_user_position ON folders (user_id, position, created_at);

CREATE TABLE chats (
    id              TEXT    PRIMARY KEY,
    user_id         INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    folder_id       TEXT    REFERENCES folders (id) ON DELETE SET NULL,
    title           TEXT,
    memory_disabled INTEGER NOT NULL DEFAULT 0 CHECK (memory_disabled IN (0, 1)),
    pinned_at       INTEGER,
    archived_at     INTEGER,
    deleted_at      INTEGER,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
) STRICT;

-- The chat list (live, unarchived: the one every page load asks for) comes out of
-- this index already in order, so LIMIT stops early. A partial index because
-- "deleted_at IS NULL" in a key column would not let the planner skip the sort.
CREATE INDEX chats_live ON chats (user_id, pinned_at DESC, updated_at DESC, id DESC)
    WHERE deleted_at IS NULL AND archived_at IS NULL;
-- The archived list (sorted on the fly: a user has few) and the user delete cascade.
CREATE INDEX chats_user ON chats (user_id, archived_at);
-- Serves list_in_folder and the SET NULL when a folder is deleted.
CREATE INDEX chats_folder ON chats (folder_id);

CREATE TABLE messages (
    id                TEXT    PRIMARY KEY,
    chat_id           TEXT    NOT NULL REFERENCES chats (id) ON DELETE CASCADE,
    role              TEXT    NOT NULL,
    content           TEXT    NOT NULL,
    model             TEXT,
    file_ids          TEXT,
    metadata          TEXT,
    status            TEXT    NOT NULL DEFAULT 'complete'
                      CHECK (status IN ('complete', 'streaming', 'failed', 'cancelled')),
    error             TEXT,
    prompt_tokens     INTEGER,
    completion_tokens INTEGER,
    created_at        INTEGER NOT NULL,
    -- Usage is both counts or neither.
    CHECK ((prompt_tokens IS NULL) = (completion_tokens IS NULL))
) STRICT;

CREATE INDEX messages_chat_order ON messages (chat_id, created_at, id);

-- The integer primary key is the "newest first" order the log is read in.
CREATE TABLE audit_log (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id    INTEGER REFERENCES users (id) ON DELETE SET NULL,
    action     TEXT    NOT NULL,
    target     TEXT,
    ip         TEXT,
    detail     TEXT,
    created_at INTEGER NOT NULL
) STRICT;

-- Without it, deleting a user would scan the whole log for the SET NULL.
CREATE INDEX audit_log_user ON audit_log (user_id);
