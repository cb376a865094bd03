-- Personal access tokens of the v1 API, and each user's preferences.
-- The same tables and indexes as the SQLite schema.

CREATE TABLE access_tokens (
    id           bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id      bigint      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name         text        NOT NULL,
    token_hash   text        NOT NULL UNIQUE,
    -- A JSON array of ability names.
    abilities    jsonb       NOT NULL,
    created_at   timestamptz NOT NULL,
    expires_at   timestamptz,
    last_used_at timestamptz
);

-- The user's list, revocation of all of them, and the cascade when a user goes.
CREATE INDEX access_tokens_user ON access_tokens (user_id);

-- One row per user who saved preferences. theme has no CHECK: the domain's enum
-- may grow, and the SQLite twin could not add a value without a table rebuild.
CREATE TABLE preferences (
    user_id            bigint      PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    default_model      text,
    system_prompt      text,
    theme              text        NOT NULL,
    language           text,
    dictation_language text        NOT NULL,
    send_on_enter      boolean     NOT NULL,
    updated_at         timestamptz NOT NULL
);
