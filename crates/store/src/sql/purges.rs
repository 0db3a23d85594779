//! CDN purges: the change log read in batches, each batch queued as one purge of exactly
//! the keys its changes touched (`site` alone when one of them touched everything), then
//! claimed, sent and retried like webhook deliveries (`dateline_newsroom::cdn`), and kept
//! as the log the admin shows.
//!
//! Several nodes follow the same log. Each change-log row a purge covers is written down in
//! `cdn_purged_changes` under its id, in the transaction that queues the purge: a node that
//! read the same rows finds them taken and queues nothing, so a change is purged by one node
//! once. On PostgreSQL the log's rows may commit out of order (a row with a lower id after a
//! higher one), so the rows after the highest covered one minus [`REREAD`] are read again,
//! leaving out those covered already (SQLite commits them in order).

use crate::records::{opt_ts, ts};
use crate::{Backend, Result};
use dateline_core::ChangeKey;
use jiff::Timestamp;
use sqlx::AnyPool;
use std::collections::BTreeSet;

/// How far below the highest covered change-log row the log is read again (the page
/// cache's window too).
pub const REREAD: i64 = 1000;
/// Change-log rows read into one purge at most.
pub const BATCH: i64 = 5000;
/// Purges kept in the log, and covered change-log rows remembered (the change log keeps as
/// many: `changes::KEPT`).
const KEPT: i64 = super::changes::KEPT;

/// Where a purge is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PurgeStatus {
    /// Waiting to be sent, or to be tried again.
    Pending,
    /// The CDN took it.
    Purged,
    /// Every attempt failed; it is not tried again.
    Failed,
}

impl PurgeStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Purged => "purged",
            Self::Failed => "failed",
        }
    }
}

/// One purge: the keys of a batch of changes, and how sending it went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CdnPurge {
    pub id: i64,
    /// The keys to purge, each once, in order; `[ChangeKey::Site]` alone: everything.
    pub keys: Vec<ChangeKey>,
    /// The first and last change-log rows it covers, and how many rows.
    pub first_change: i64,
    pub last_change: i64,
    pub changes: i64,
    pub status: PurgeStatus,
    pub attempts: i64,
    pub next_attempt_at: Timestamp,
    /// The HTTP status of the last answer, if there was one.
    pub last_status_code: Option<i64>,
    /// Why the last failed attempt failed (kept when a later attempt succeeds).
    pub last_error: Option<String>,
    pub created_at: Timestamp,
    pub purged_at: Option<Timestamp>,
}

impl CdnPurge {
    /// Whether this purges everything (a change touched the whole site).
    pub fn everything(&self) -> bool {
        self.keys.contains(&ChangeKey::Site)
    }
}

#[derive(sqlx::FromRow)]
struct PurgeRow {
    id: i64,
    keys: String,
    first_change: i64,
    last_change: i64,
    changes: i64,
    status: String,
    attempts: i64,
    next_attempt_at: i64,
    last_status_code: Option<i64>,
    last_error: Option<String>,
    created_at: i64,
    purged_at: Option<i64>,
}

impl PurgeRow {
    fn into_purge(self) -> Result<CdnPurge> {
        Ok(CdnPurge {
            id: self.id,
            keys: ChangeKey::split(&self.keys).collect(),
            first_change: self.first_change,
            last_change: self.last_change,
            changes: self.changes,
            status: match self.status.as_str() {
                "purged" => PurgeStatus::Purged,
                "failed" => PurgeStatus::Failed,
                _ => PurgeStatus::Pending,
            },
            attempts: self.attempts,
            next_attempt_at: ts(self.next_attempt_at)?,
            last_status_code: self.last_status_code,
            last_error: self.last_error,
            created_at: ts(self.created_at)?,
            purged_at: opt_ts(self.purged_at)?,
        })
    }
}

const COLUMNS: &str = "id, keys, first_change, last_change, changes, status, attempts, next_attempt_at, \
     last_status_code, last_error, created_at, purged_at";

/// The change-log rows after `after` that no purge covers yet, oldest first.
const UNCOVERED: &str = "SELECT c.id, c.keys FROM page_changes c WHERE c.id > $1 \
     AND NOT EXISTS (SELECT 1 FROM cdn_purged_changes p WHERE p.change_id = c.id) ORDER BY c.id LIMIT $2";

/// The keys one purge of `rows` sends: each once, in order, or `site` alone when any row
/// touched the whole site.
fn purge_keys(rows: &[(i64, String)]) -> Vec<ChangeKey> {
    let keys: BTreeSet<ChangeKey> = rows.iter().flat_map(|(_, keys)| ChangeKey::split(keys)).collect();
    if keys.contains(&ChangeKey::Site) { vec![ChangeKey::Site] } else { keys.into_iter().collect() }
}

/// Queues one purge for the change-log rows no purge covers yet (at most [`BATCH`]), and
/// returns it; `None` when there are none, or another node queued them first. The first
/// call on a database only notes where the log ends: changes made before purging was
/// configured are not purged.
pub(crate) async fn queue(pool: &AnyPool, backend: Backend, now: Timestamp) -> Result<Option<CdnPurge>> {
    // A read first: an idle site takes no write lock. The row the purger started from
    // (no purge) is a floor: the rows before it are never purged.
    let (high, floor): (Option<i64>, Option<i64>) = sqlx::query_as(
        "SELECT MAX(change_id), MAX(CASE WHEN purge_id IS NULL THEN change_id END) FROM cdn_purged_changes",
    )
    .fetch_one(pool)
    .await?;
    let Some(high) = high else {
        let end: Option<i64> = sqlx::query_scalar("SELECT MAX(id) FROM page_changes").fetch_one(pool).await?;
        sqlx::query(
            "INSERT INTO cdn_purged_changes (change_id, purge_id) VALUES ($1, NULL) ON CONFLICT (change_id) DO NOTHING",
        )
        .bind(end.unwrap_or(0))
        .execute(pool)
        .await?;
        return Ok(None);
    };
    // SQLite has one writer at a time, so its rows commit in the order of their ids.
    let reread = if backend == Backend::Postgres { REREAD } else { 0 };
    let from = (high - reread).max(floor.unwrap_or(0));
    let waiting: Option<(i64, String)> =
        sqlx::query_as(UNCOVERED).bind(from).bind(1i64).fetch_optional(pool).await?;
    if waiting.is_none() {
        return Ok(None);
    }
    let mut tx = super::begin_write(pool, backend).await?;
    let rows: Vec<(i64, String)> =
        sqlx::query_as(UNCOVERED).bind(from).bind(BATCH).fetch_all(&mut *tx).await?;
    let (Some(first), Some(last)) = (rows.first().map(|r| r.0), rows.last().map(|r| r.0)) else {
        return Ok(None);
    };
    let keys = purge_keys(&rows);
    let count = i64::try_from(rows.len()).unwrap_or(i64::MAX);
    let row: PurgeRow = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "INSERT INTO cdn_purges (keys, first_change, last_change, changes, status, attempts, next_attempt_at, created_at) \
         VALUES ($1, $2, $3, $4, 'pending', 0, $5, $5) RETURNING {COLUMNS}"
    )))
    .bind(ChangeKey::join(&keys))
    .bind(first)
    .bind(last)
    .bind(count)
    .bind(now.as_second())
    .fetch_one(&mut *tx)
    .await?;
    // Each row covered once: a node that read the same rows and wrote first keeps them.
    let mut taken = 0u64;
    for chunk in rows.chunks(400) {
        let mut sql = String::from("INSERT INTO cdn_purged_changes (change_id, purge_id) VALUES ");
        for i in 0..chunk.len() {
            if i > 0 {
                sql.push_str(", ");
            }
            sql.push_str(&format!("(${}, ${})", 2 * i + 1, 2 * i + 2));
        }
        sql.push_str(" ON CONFLICT (change_id) DO NOTHING");
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql)).persistent(false);
        for (change, _) in chunk {
            query = query.bind(*change).bind(row.id);
        }
        taken += query.execute(&mut *tx).await?.rows_affected();
    }
    if taken != rows.len() as u64 {
        // Another node queued (some of) these first; what is left is read again next time.
        tx.rollback().await?;
        return Ok(None);
    }
    if row.id % 100 == 0 {
        sqlx::query("DELETE FROM cdn_purges WHERE id <= $1").bind(row.id - KEPT).execute(&mut *tx).await?;
        sqlx::query("DELETE FROM cdn_purged_changes WHERE change_id <= $1")
            .bind(last - KEPT)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    row.into_purge().map(Some)
}

/// Claims up to `limit` due purges for `lease_secs` (another node skips them meanwhile).
pub(crate) async fn claim_due(
    pool: &AnyPool,
    now: Timestamp,
    limit: u32,
    lease_secs: i64,
) -> Result<Vec<CdnPurge>> {
    let rows: Vec<PurgeRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM cdn_purges WHERE status = 'pending' AND next_attempt_at <= $1 \
         ORDER BY next_attempt_at, id LIMIT $2"
    )))
    .bind(now.as_second())
    .bind(i64::from(limit))
    .fetch_all(pool)
    .await?;
    let mut claimed = Vec::new();
    for row in rows {
        let done = sqlx::query(
            "UPDATE cdn_purges SET next_attempt_at = $1 WHERE id = $2 AND status = 'pending' AND next_attempt_at = $3",
        )
        .bind(now.as_second() + lease_secs)
        .bind(row.id)
        .bind(row.next_attempt_at)
        .execute(pool)
        .await?;
        if done.rows_affected() == 1 {
            claimed.push(row.into_purge()?);
        }
    }
    Ok(claimed)
}

/// Makes a claimed, still pending purge due again at `now` (it was cut off unrecorded).
pub(crate) async fn release(pool: &AnyPool, id: i64, now: Timestamp) -> Result<()> {
    sqlx::query(
        "UPDATE cdn_purges SET next_attempt_at = $1 WHERE id = $2 AND status = 'pending' AND next_attempt_at > $1",
    )
    .bind(now.as_second())
    .bind(id)
    .execute(pool)
    .await?;
    Ok(())
}

/// Records an attempt: purged, tried again at `retry_at`, or failed for good (no
/// `retry_at`). A success keeps the error of the attempt that failed before it.
pub(crate) async fn record_attempt(
    pool: &AnyPool,
    id: i64,
    now: Timestamp,
    purged: bool,
    status_code: Option<i64>,
    error: Option<&str>,
    retry_at: Option<Timestamp>,
) -> Result<()> {
    let status = match (purged, retry_at) {
        (true, _) => PurgeStatus::Purged,
        (false, Some(_)) => PurgeStatus::Pending,
        (false, None) => PurgeStatus::Failed,
    };
    sqlx::query(
        "UPDATE cdn_purges SET status = $1, attempts = attempts + 1, last_status_code = $2, \
         last_error = COALESCE($3, last_error), next_attempt_at = $4, purged_at = $5 WHERE id = $6",
    )
    .bind(status.as_str())
    .bind(status_code)
    .bind(error.map(str::to_owned))
    .bind(retry_at.unwrap_or(now).as_second())
    .bind(purged.then_some(now.as_second()))
    .bind(id)
    .execute(pool)
    .await?;
    Ok(())
}

/// The newest `limit` purges, newest first.
pub(crate) async fn recent(pool: &AnyPool, limit: u32) -> Result<Vec<CdnPurge>> {
    let rows: Vec<PurgeRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM cdn_purges ORDER BY id DESC LIMIT $1"
    )))
    .bind(i64::from(limit))
    .fetch_all(pool)
    .await?;
    rows.into_iter().map(PurgeRow::into_purge).collect()
}
