-- Near-duplicates: each wire item's text fingerprint (SimHash, see dateline_core::fingerprint)
-- and the group it joined (the id of the group's first item; NULL while it stands alone).
ALTER TABLE wire_items ADD COLUMN fingerprint INTEGER;
ALTER TABLE wire_items ADD COLUMN cluster_id INTEGER;
-- Recent items of each other source are compared with a new one.
CREATE INDEX wire_items_source_received ON wire_items (source_id, received_at);
CREATE INDEX wire_items_cluster ON wire_items (cluster_id) WHERE cluster_id IS NOT NULL;
-- A story page asks which other agencies carried its item.
CREATE INDEX wire_items_story ON wire_items (story_id) WHERE story_id IS NOT NULL;
-- The dashboard counts the items waiting on the wire desk.
CREATE INDEX wire_items_state ON wire_items (state);
