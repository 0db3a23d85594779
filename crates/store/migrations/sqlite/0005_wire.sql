-- Wire ingest (SQLite): how each source is fed, and every item received from it.
ALTER TABLE sources ADD COLUMN kind TEXT NOT NULL DEFAULT 'manual';
ALTER TABLE sources ADD COLUMN location TEXT;
ALTER TABLE sources ADD COLUMN section_id INTEGER REFERENCES sections(id);
ALTER TABLE sources ADD COLUMN byline TEXT NOT NULL DEFAULT '';
ALTER TABLE sources ADD COLUMN language TEXT;
ALTER TABLE sources ADD COLUMN auto_publish INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sources ADD COLUMN push_token_hash TEXT;
ALTER TABLE sources ADD COLUMN poll_seconds INTEGER NOT NULL DEFAULT 300;
-- Polling state: conditional GET validators, the next poll, and the last outcome for editors.
ALTER TABLE sources ADD COLUMN etag TEXT;
ALTER TABLE sources ADD COLUMN last_modified TEXT;
ALTER TABLE sources ADD COLUMN next_poll_at INTEGER;
ALTER TABLE sources ADD COLUMN failures INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sources ADD COLUMN last_success_at INTEGER;
ALTER TABLE sources ADD COLUMN last_error TEXT;
ALTER TABLE sources ADD COLUMN last_error_at INTEGER;

-- One row per (source, guid): the newest version seen and the story made from it.
CREATE TABLE wire_items (
    id INTEGER PRIMARY KEY,
    source_id INTEGER NOT NULL REFERENCES sources(id),
    guid TEXT NOT NULL,
    version INTEGER,
    content_hash TEXT NOT NULL,
    title TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('waiting', 'drafted', 'published', 'ignored', 'killed')),
    -- A newer version or a kill arrived after the desk acted on the item.
    flagged INTEGER NOT NULL DEFAULT 0,
    item_json TEXT NOT NULL,
    story_id INTEGER REFERENCES stories(id),
    received_at INTEGER NOT NULL,
    changed_at INTEGER NOT NULL,
    UNIQUE (source_id, guid)
);
CREATE INDEX wire_items_recent ON wire_items (changed_at DESC);

-- Every payload as it arrived, for audit.
CREATE TABLE wire_payloads (
    id INTEGER PRIMARY KEY,
    source_id INTEGER NOT NULL REFERENCES sources(id),
    received_at INTEGER NOT NULL,
    raw BLOB NOT NULL
);
