-- Live coverage of a breaking story: when it started and ended (an ended live blog is a
-- normal story that keeps its entries), and a counter bumped by every change to its
-- entries, which readers' streams resume from (`Last-Event-ID`).
ALTER TABLE stories ADD COLUMN live_from INTEGER;
ALTER TABLE stories ADD COLUMN live_until INTEGER;
ALTER TABLE stories ADD COLUMN live_seq INTEGER NOT NULL DEFAULT 0;

-- A live blog's entries. `seq` is the story's counter at the entry's last change; a
-- deleted entry stays as a row without its words so a stream that resumes learns of it.
CREATE TABLE live_entries (
    id INTEGER PRIMARY KEY,
    story_id INTEGER NOT NULL REFERENCES stories(id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    posted_at INTEGER NOT NULL,
    edited_at INTEGER,
    title TEXT NOT NULL DEFAULT '',
    body_source TEXT NOT NULL DEFAULT '',
    body_html TEXT NOT NULL DEFAULT '',
    author TEXT NOT NULL DEFAULT '',
    image TEXT,
    key_event INTEGER NOT NULL DEFAULT 0,
    deleted INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX live_entries_story_seq ON live_entries (story_id, seq);
