-- The media library: one row a picture, found by the hash of its uploaded bytes (the same
-- file twice is one picture) or by the agency address it was fetched from.
CREATE TABLE media (
    id INTEGER PRIMARY KEY,
    hash TEXT NOT NULL UNIQUE,
    format TEXT NOT NULL,
    width INTEGER NOT NULL,
    height INTEGER NOT NULL,
    bytes BIGINT NOT NULL,
    alt TEXT NOT NULL DEFAULT '',
    caption TEXT NOT NULL DEFAULT '',
    credit TEXT NOT NULL DEFAULT '',
    focal_x INTEGER NOT NULL DEFAULT 50,
    focal_y INTEGER NOT NULL DEFAULT 50,
    origin TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL
);
CREATE INDEX media_newest ON media(created_at, id);
CREATE INDEX media_origin ON media(origin) WHERE origin <> '';
-- How a story uses its picture, besides url, alt and caption.
ALTER TABLE stories ADD COLUMN image_credit TEXT NOT NULL DEFAULT '';
ALTER TABLE stories ADD COLUMN image_width INTEGER;
ALTER TABLE stories ADD COLUMN image_height INTEGER;
ALTER TABLE stories ADD COLUMN image_focal_x INTEGER;
ALTER TABLE stories ADD COLUMN image_focal_y INTEGER;
