-- Stories an editor pinned on a front ('home', or 'section:ID'): position 0 is the lead,
-- 1 and up the top stories in order. A deleted story leaves its slot.
CREATE TABLE front_slots (
    front TEXT NOT NULL,
    position BIGINT NOT NULL,
    story_id BIGINT NOT NULL REFERENCES stories(id) ON DELETE CASCADE,
    PRIMARY KEY (front, position)
);
