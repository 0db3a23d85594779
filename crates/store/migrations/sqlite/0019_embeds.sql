-- Embeds: what a provider said about a link on its own line in a story (its oEmbed title,
-- author and thumbnail), asked once when a story showing it is saved. `thumbnail_id` is a
-- picture in the media library (none when the provider gave none, or the picture was
-- removed since); `found` is 0 when the provider did not answer (asked again a day later).
CREATE TABLE embeds (
    link TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    author TEXT NOT NULL,
    thumbnail_id INTEGER,
    found INTEGER NOT NULL,
    fetched_at INTEGER NOT NULL
);
