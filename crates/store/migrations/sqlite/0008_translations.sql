-- A story can be a translation of another (its original). Groups are flat: every
-- translation points at the original, never at another translation.
ALTER TABLE stories ADD COLUMN translation_of INTEGER REFERENCES stories(id) ON DELETE SET NULL;
CREATE INDEX stories_translation_of ON stories(translation_of) WHERE translation_of IS NOT NULL;
