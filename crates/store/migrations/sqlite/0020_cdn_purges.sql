-- CDN purges (SQLite): one row per batch of the change log read together, with the keys
-- its changes touched (space-separated; `site` alone purges everything), retried with
-- backoff like webhook deliveries; the log the admin shows.
CREATE TABLE cdn_purges (
    id INTEGER PRIMARY KEY,
    keys TEXT NOT NULL,
    first_change INTEGER NOT NULL,
    last_change INTEGER NOT NULL,
    changes INTEGER NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'purged', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    last_status_code INTEGER,
    last_error TEXT,
    created_at INTEGER NOT NULL,
    purged_at INTEGER
);
CREATE INDEX cdn_purges_due ON cdn_purges (next_attempt_at) WHERE status = 'pending';

-- Which change-log rows a purge covers, each once whichever node queued it (the key is
-- what makes two nodes reading the same rows queue one purge). `purge_id` is NULL for the
-- row the purger started from, the log's end when it first ran.
CREATE TABLE cdn_purged_changes (
    change_id INTEGER PRIMARY KEY,
    purge_id INTEGER
);
