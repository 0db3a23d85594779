-- Further agency addresses of library pictures: the same file fetched from a second address
-- is the picture already kept, and that address is not fetched again. (The first address
-- is media.origin.)
CREATE TABLE media_origins (
    origin TEXT PRIMARY KEY,
    media_id INTEGER NOT NULL REFERENCES media(id) ON DELETE CASCADE
);
