//! Page views for "Most Read": how many times each story's page was read in each hour, and
//! the public stories read most over a span of hours. The web layer counts views in memory
//! and writes them here in batches; nothing about a reader is stored, only the story, the
//! hour and a number. Rows older than the longest span anyone asks for are pruned.

use super::changes;
use crate::Result;
use crate::records::{SUMMARY_COLUMNS, SummaryRow};
use dateline_core::{ChangeKey, StoryId, StorySummary};
use jiff::Timestamp;
use sqlx::{Any, AnyPool, AssertSqlSafe, Transaction};

/// The start of the hour `t` falls in, in unix seconds: the `hour` of a row.
pub(crate) fn hour_of(t: Timestamp) -> i64 {
    t.as_second().div_euclid(3600) * 3600
}

/// Adds `views` (story, hour, count) in one transaction, each to what its hour already
/// holds. A story deleted meanwhile is left out rather than failing the batch.
pub(crate) async fn add(tx: &mut Transaction<'static, Any>, views: &[(StoryId, i64, u64)]) -> Result<()> {
    for &(story, hour, count) in views {
        sqlx::query(
            "INSERT INTO story_views (story_id, hour, views) \
             SELECT $1, $2, $3 WHERE EXISTS (SELECT 1 FROM stories WHERE id = $1) \
             ON CONFLICT (story_id, hour) DO UPDATE SET views = story_views.views + excluded.views",
        )
        .bind(story.0)
        .bind(hour.div_euclid(3600) * 3600)
        .bind(i64::try_from(count).unwrap_or(i64::MAX))
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// The public stories read most in the hours from the one `since` falls in, most first
/// (equal counts: the newest first). Stories that are not public now are left out, whatever
/// their counts.
pub(crate) async fn most_read(pool: &AnyPool, since: Timestamp, limit: u32) -> Result<Vec<StorySummary>> {
    let rows: Vec<SummaryRow> = sqlx::query_as(AssertSqlSafe(format!(
        "SELECT {SUMMARY_COLUMNS} FROM \
         (SELECT story_id, SUM(views) AS total FROM story_views WHERE hour >= $1 GROUP BY story_id) v \
         JOIN stories s ON s.id = v.story_id JOIN sections sec ON sec.id = s.section_id \
         WHERE s.public_at IS NOT NULL ORDER BY v.total DESC, s.public_at DESC, s.id DESC LIMIT $2"
    )))
    .bind(hour_of(since))
    .bind(i64::from(limit))
    .fetch_all(pool)
    .await?;
    rows.into_iter().map(SummaryRow::into_summary).collect()
}

/// Deletes the views of hours that ended before `before`; answers how many rows went.
pub(crate) async fn prune(pool: &AnyPool, before: Timestamp) -> Result<u64> {
    let done =
        sqlx::query("DELETE FROM story_views WHERE hour < $1").bind(hour_of(before)).execute(pool).await?;
    Ok(done.rows_affected())
}

/// Writes to the change log that the "Most Read" list changed, for the pages showing it.
pub(crate) async fn list_changed(tx: &mut Transaction<'static, Any>, now: Timestamp) -> Result<()> {
    changes::record(tx, &[ChangeKey::MostRead], now.as_second()).await
}
