-- Stories brought over from another system (WordPress, Ghost, a Dateline export): which
-- post each story came from and a fingerprint of what it said, so a second import changes
-- nothing and a post changed since updates its story.
CREATE TABLE imported_stories (
    origin TEXT NOT NULL,
    external_id TEXT NOT NULL,
    story_id BIGINT NOT NULL REFERENCES stories(id) ON DELETE CASCADE,
    fingerprint TEXT NOT NULL,
    PRIMARY KEY (origin, external_id)
);
CREATE INDEX imported_stories_story ON imported_stories (story_id);

-- Old addresses of imported posts (`/2019/05/03/a-post`, `/?p=123`), answered with a 301
-- to the story. Paths are kept percent-decoded, without a trailing slash.
CREATE TABLE path_redirects (
    path TEXT PRIMARY KEY,
    story_id BIGINT NOT NULL REFERENCES stories(id) ON DELETE CASCADE
);
CREATE INDEX path_redirects_story ON path_redirects (story_id);
