-- Dateline schema, SQLite dialect. Times are unix seconds (INTEGER); flags are INTEGER.
CREATE TABLE site_settings (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    json TEXT NOT NULL
);

CREATE TABLE sections (
    id INTEGER PRIMARY KEY,
    slug TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    language TEXT,
    position INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE tags (
    id INTEGER PRIMARY KEY,
    slug TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('topic', 'person', 'place', 'organisation'))
);

CREATE TABLE authors (
    id INTEGER PRIMARY KEY,
    slug TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    bio TEXT NOT NULL DEFAULT ''
);

CREATE TABLE sources (
    id INTEGER PRIMARY KEY,
    slug TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    credit TEXT NOT NULL DEFAULT ''
);

CREATE TABLE stories (
    id INTEGER PRIMARY KEY,
    slug TEXT NOT NULL UNIQUE,
    headline TEXT NOT NULL,
    standfirst TEXT NOT NULL DEFAULT '',
    body_source TEXT NOT NULL DEFAULT '',
    body_html TEXT NOT NULL DEFAULT '',
    dateline_place TEXT NOT NULL DEFAULT '',
    credit TEXT NOT NULL DEFAULT '',
    section_id INTEGER NOT NULL REFERENCES sections(id),
    source_id INTEGER REFERENCES sources(id),
    language TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('draft', 'scheduled', 'published', 'unpublished', 'killed')),
    prominence INTEGER NOT NULL DEFAULT 0,
    image_url TEXT,
    image_alt TEXT NOT NULL DEFAULT '',
    image_caption TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL,
    first_published_at INTEGER,
    published_at INTEGER,
    updated_at INTEGER,
    modified_at INTEGER NOT NULL,
    version INTEGER NOT NULL DEFAULT 1,
    -- published_at while the story is public, NULL otherwise: every public list reads this.
    public_at INTEGER
);
CREATE INDEX stories_public ON stories (public_at DESC, id DESC) WHERE public_at IS NOT NULL;
CREATE INDEX stories_public_by_section ON stories (section_id, public_at DESC, id DESC) WHERE public_at IS NOT NULL;
CREATE INDEX stories_public_by_source ON stories (source_id, public_at DESC, id DESC) WHERE public_at IS NOT NULL;
CREATE INDEX stories_public_by_prominence ON stories (prominence DESC, public_at DESC, id DESC) WHERE public_at IS NOT NULL AND prominence > 0;

CREATE TABLE story_tags (
    story_id INTEGER NOT NULL REFERENCES stories(id) ON DELETE CASCADE,
    tag_id INTEGER NOT NULL REFERENCES tags(id),
    position INTEGER NOT NULL,
    public_at INTEGER,
    PRIMARY KEY (story_id, tag_id)
);
CREATE INDEX story_tags_public ON story_tags (tag_id, public_at DESC, story_id DESC) WHERE public_at IS NOT NULL;

CREATE TABLE story_authors (
    story_id INTEGER NOT NULL REFERENCES stories(id) ON DELETE CASCADE,
    author_id INTEGER NOT NULL REFERENCES authors(id),
    position INTEGER NOT NULL,
    public_at INTEGER,
    PRIMARY KEY (story_id, author_id)
);
CREATE INDEX story_authors_public ON story_authors (author_id, public_at DESC, story_id DESC) WHERE public_at IS NOT NULL;

CREATE TABLE corrections (
    id INTEGER PRIMARY KEY,
    story_id INTEGER NOT NULL REFERENCES stories(id) ON DELETE CASCADE,
    note TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX corrections_story ON corrections (story_id);

CREATE TABLE slug_redirects (
    old_slug TEXT PRIMARY KEY,
    story_id INTEGER NOT NULL REFERENCES stories(id) ON DELETE CASCADE
);

CREATE TABLE revisions (
    story_id INTEGER NOT NULL REFERENCES stories(id) ON DELETE CASCADE,
    number INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    draft_json TEXT NOT NULL,
    PRIMARY KEY (story_id, number)
);
