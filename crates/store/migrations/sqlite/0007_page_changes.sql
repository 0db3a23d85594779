-- Public changes, for the page caches of every process: what each change touched, as
-- space-separated cache keys (front, site, story:ID, section:ID, tag:ID, author:ID, source:ID).
CREATE TABLE page_changes (
    id INTEGER PRIMARY KEY,
    at INTEGER NOT NULL,
    keys TEXT NOT NULL
);
-- The keys a public story was last listed under, so that a change also clears the pages
-- it leaves (an old section or tag).
CREATE TABLE story_page_keys (
    story_id INTEGER PRIMARY KEY REFERENCES stories(id),
    keys TEXT NOT NULL
);
