-- Accounts, sessions, login throttling and story scheduling (SQLite).
CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    email TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('administrator', 'editor', 'author', 'contributor')),
    password_hash TEXT NOT NULL,
    author_id INTEGER REFERENCES authors(id),
    created_at INTEGER NOT NULL,
    disabled INTEGER NOT NULL DEFAULT 0
);

-- Only the SHA-256 of a session token is stored.
CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    csrf TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

-- Failed sign-ins per account and per address, for throttling.
CREATE TABLE login_failures (
    subject TEXT NOT NULL,
    at INTEGER NOT NULL
);
CREATE INDEX login_failures_subject ON login_failures (subject, at);

ALTER TABLE stories ADD COLUMN scheduled_at INTEGER;
ALTER TABLE stories ADD COLUMN created_by INTEGER REFERENCES users(id);
CREATE INDEX stories_scheduled ON stories (scheduled_at) WHERE status = 'scheduled';
CREATE INDEX stories_status_modified ON stories (status, modified_at DESC);
CREATE INDEX stories_modified ON stories (modified_at DESC);
