-- Who has a story open in the editor: one row a story, held by one signed-in session
-- (`holder`, a hash that names the session without revealing it) of one account, since when
-- and when its page last said it was still open. A row whose heartbeat is older than a
-- minute has lapsed and is taken by the next editor to open the story. `taken_from` is the
-- session it was taken from (over, or after it lapsed): that session may no longer save.
CREATE TABLE story_locks (
    story_id BIGINT PRIMARY KEY REFERENCES stories(id) ON DELETE CASCADE,
    user_id BIGINT NOT NULL,
    user_name TEXT NOT NULL,
    holder TEXT NOT NULL,
    since BIGINT NOT NULL,
    heartbeat_at BIGINT NOT NULL,
    taken_from TEXT
);
