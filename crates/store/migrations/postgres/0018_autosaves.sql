-- Autosave: what an editor typed in the story editor and has not saved, one slot a person
-- and story (story 0: a story not created yet). Not a revision: overwritten every few
-- seconds while they type, removed when they save or discard it. `base_version` is the
-- story's version the typing started from; `fields` the form's fields as JSON.
CREATE TABLE autosaves (
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    story_id BIGINT NOT NULL,
    base_version BIGINT NOT NULL,
    fields TEXT NOT NULL,
    saved_at BIGINT NOT NULL,
    PRIMARY KEY (user_id, story_id)
);
