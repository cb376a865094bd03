-- Personal access tokens of the v1 API, and each user's preferences.
-- Same forms as 0001: INTEGER epoch milliseconds, booleans 0/1, JSON as TEXT.

-- AUTOINCREMENT: the id is the public half of a token ("<id>|<secret>"), so a
-- revoked token's id is never handed out again.
CREATE TABLE access_tokens (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name         TEXT    NOT NULL,
    token_hash   TEXT    NOT NULL UNIQUE,
    -- A JSON array of ability names.
    abilities    TEXT    NOT NULL,
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER,
    last_used_at INTEGER
) STRICT;

-- The user's list, revocation of all of them, and the cascade when a user goes.
CREATE INDEX access_tokens_user ON access_tokens (user_id);

-- One row per user who saved preferences. theme has no CHECK: the domain's enum
-- may grow, and each new value would cost a table rebuild here.
CREATE TABLE preferences (
    user_id            INTEGER PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    default_model      TEXT,
    system_prompt      TEXT,
    theme              TEXT    NOT NULL,
    language           TEXT,
    dictation_language TEXT    NOT NULL,
    send_on_enter      INTEGER NOT NULL CHECK (send_on_enter IN (0, 1)),
    updated_at         INTEGER NOT NULL
) STRICT;
