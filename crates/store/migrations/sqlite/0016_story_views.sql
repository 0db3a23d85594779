-- Page views of public story pages, counted without cookies or anything about the reader:
-- a story, the hour the views fell in (unix seconds of the hour's start) and how many.
-- "Most Read" adds up the last day's hours; rows older than two days are deleted.
CREATE TABLE story_views (
    story_id INTEGER NOT NULL REFERENCES stories(id) ON DELETE CASCADE,
    hour INTEGER NOT NULL,
    views INTEGER NOT NULL,
    PRIMARY KEY (story_id, hour)
);
CREATE INDEX story_views_by_hour ON story_views (hour);
