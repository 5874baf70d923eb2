-- The chat's whole schema, SQLite dialect (migrations/postgres holds the same in Postgres's).
-- Times are Unix milliseconds (UTC) in both dialects so one query text serves both backends.

CREATE TABLE users (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    -- As typed, for display; uniqueness is on the lowercase form below.
    email         TEXT    NOT NULL,
    email_lower   TEXT    NOT NULL,
    nickname      TEXT    NOT NULL,
    -- Nicknames are unique regardless of case, so "Alice" cannot pose as "alice".
    nickname_lower TEXT   NOT NULL,
    password_hash TEXT    NOT NULL,
    created_at    INTEGER NOT NULL,
    CONSTRAINT users_email_key UNIQUE (email_lower),
    CONSTRAINT users_nickname_key UNIQUE (nickname_lower)
);

-- Server-side sessions: the cookie holds a random token, this table its SHA-256, so a copy of
-- the database does not hand out live sessions.
CREATE TABLE sessions (
    token_hash TEXT    PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE rooms (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    title      TEXT    NOT NULL,
    creator_id INTEGER NOT NULL REFERENCES users (id),
    created_at INTEGER NOT NULL,
    -- Removed rooms stay for their history but leave the list and refuse connections.
    active     INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX rooms_active ON rooms (active, id);

CREATE TABLE participants (
    room_id   INTEGER NOT NULL REFERENCES rooms (id),
    user_id   INTEGER NOT NULL REFERENCES users (id),
    joined_at INTEGER NOT NULL,
    PRIMARY KEY (room_id, user_id)
);

CREATE TABLE messages (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    room_id   INTEGER NOT NULL REFERENCES rooms (id),
    -- 1, 2, 3, ... within the room, with no gaps: lets every instance notice a message it has
    -- not seen yet (see server/src/hub.rs) while `id` stays the public cursor.
    seq       INTEGER NOT NULL,
    sender_id INTEGER NOT NULL REFERENCES users (id),
    body      TEXT    NOT NULL,
    sent_at   INTEGER NOT NULL,
    -- The client's idempotency key: a resent line with the same nonce is not stored twice.
    nonce     TEXT,
    CONSTRAINT messages_room_seq_key UNIQUE (room_id, seq),
    CONSTRAINT messages_nonce_key UNIQUE (room_id, sender_id, nonce)
);

-- Values every instance must agree on, such as the key that signs CSRF tokens.
CREATE TABLE server_secrets (
    name  TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
