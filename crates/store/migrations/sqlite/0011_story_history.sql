-- The story's life as it happened: each transition (publish, schedule, unpublish, kill,
-- reinstate, correct, restore...) with who did it and, where one is asked for, why. Saves
-- of words are the revisions; this is everything else, and the reason a kill was undone.
CREATE TABLE story_history (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    story_id INTEGER NOT NULL REFERENCES stories(id) ON DELETE CASCADE,
    at INTEGER NOT NULL,
    transition TEXT NOT NULL,
    actor TEXT NOT NULL,
    user_id INTEGER REFERENCES users(id) ON DELETE SET NULL,
    note TEXT NOT NULL DEFAULT ''
);
CREATE INDEX story_history_story ON story_history (story_id, id);
