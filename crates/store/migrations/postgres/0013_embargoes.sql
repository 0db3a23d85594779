-- A story not to be public before this time (an agency's embargo): publishing it before
-- then schedules it for then instead, whoever asks.
ALTER TABLE stories ADD COLUMN embargo_until BIGINT;
