-- Users, sessions, folders, chats, messages and the audit log.
-- The same tables as the SQLite schema; ids of chats, messages and folders are text
-- (UUIDv7 strings) there and here, so both engines behave the same.

CREATE TABLE users (
    id            bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    username      text        NOT NULL,
    email         text        UNIQUE,
    name          text,
    password_hash text        NOT NULL,
    role          text        NOT NULL CHECK (role IN ('admin', 'member', 'readonly')),
    disabled_at   timestamptz,
    created_at    timestamptz NOT NULL
);

-- Usernames are unique ignoring case; lookups use lower(username) to hit it.
CREATE UNIQUE INDEX users_username_lower ON users (lower(username));

CREATE TABLE sessions (
    token_hash   text        PRIMARY KEY,
    user_id      bigint      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at   timestamptz NOT NULL,
    expires_at   timestamptz NOT NULL,
    last_seen_at timestamptz NOT NULL,
    ip           text,
    user_agent   text
);

CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expires ON sessions (expires_at);

CREATE TABLE folders (
    id           text        PRIMARY KEY,
    user_id      bigint      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name         text        NOT NULL,
    color        text,
    position     integer     NOT NULL,
    is_collapsed boolean     NOT NULL DEFAULT false,
    created_at   timestamptz NOT NULL,
    updated_at   timestamptz NOT NULL
);

CREATE INDEX folders_user_position ON folders (user_id, position, created_at);

CREATE TABLE chats (
    id              text        PRIMARY KEY,
    user_id         bigint      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    folder_id       text        REFERENCES folders (id) ON DELETE SET NULL,
    title           text,
    memory_disabled boolean     NOT NULL DEFAULT false,
    pinned_at       timestamptz,
    archived_at     timestamptz,
    deleted_at      timestamptz,
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL
);

-- The chat list (live, unarchived: the one every page load asks for) comes out of
-- this index already in order, so LIMIT stops early. A partial index because
-- "deleted_at IS NULL" in a key column would not let the planner skip the sort.
CREATE INDEX chats_live ON chats (user_id, pinned_at DESC NULLS LAST, updated_at DESC, id DESC)
    WHERE deleted_at IS NULL AND archived_at IS NULL;
-- The archived list (sorted on the fly: a user has few) and the user delete cascade.
CREATE INDEX chats_user ON chats (user_id, archived_at);
-- Serves list_in_folder and the SET NULL when a folder is deleted.
CREATE INDEX chats_folder ON chats (folder_id);

CREATE TABLE messages (
    id                text        PRIMARY KEY,
    chat_id           text        NOT NULL REFERENCES chats (id) ON DELETE CASCADE,
    role              text        NOT NULL,
    content           text        NOT NULL,
    model             text,
    file_ids          jsonb,
    metadata          jsonb,
    status            text        NOT NULL DEFAULT 'complete'
                      CHECK (status IN ('complete', 'streaming', 'failed', 'cancelled')),
    error             text,
    prompt_tokens     integer,
    completion_tokens integer,
    created_at        timestamptz NOT NULL,
    -- Usage is both counts or neither.
    CHECK ((prompt_tokens IS NULL) = (completion_tokens IS NULL))
);

CREATE INDEX messages_chat_order ON messages (chat_id, created_at, id);

-- The identity primary key is the "newest first" order the log is read in
-- (a backward scan of its index).
CREATE TABLE audit_log (
    id         bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id    bigint      REFERENCES users (id) ON DELETE SET NULL,
    action     text        NOT NULL,
    target     text,
    ip         text,
    detail     text,
    created_at timestamptz NOT NULL
);

-- Without it, deleting a user would scan the whole log for the SET NULL.
CREATE INDEX audit_log_user ON audit_log (user_id);
