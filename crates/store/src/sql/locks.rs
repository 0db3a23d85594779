//! Edit locks: who has a story open in the editor, kept in the database so that every
//! server process sharing it sees the same holder. The rules (who may hold one, how long a
//! heartbeat lasts) are `dateline-newsroom`'s `locks`; here a lock is taken, refreshed,
//! taken over or released in one transaction, so two editors opening a story at the same
//! moment cannot both hold it.

use crate::records::ts;
use crate::{Backend, Result, StoryLock};
use dateline_core::StoryId;
use dateline_core::account::UserId;
use jiff::Timestamp;
use sqlx::{Any, AnyPool, AssertSqlSafe, Transaction};

type LockRow = (i64, i64, String, String, i64, i64, Option<String>);

const COLUMNS: &str = "story_id, user_id, user_name, holder, since, heartbeat_at, taken_from";

fn from_row((story, user, user_name, holder, since, heartbeat_at, taken_from): LockRow) -> Result<StoryLock> {
    Ok(StoryLock {
        story: StoryId(story),
        user: UserId(user),
        user_name,
        holder,
        since: ts(since)?,
        heartbeat_at: ts(heartbeat_at)?,
        taken_from,
    })
}

/// The lock on `story`, lapsed or not.
pub(crate) async fn get(pool: &AnyPool, story: StoryId) -> Result<Option<StoryLock>> {
    let row: Option<LockRow> =
        sqlx::query_as(AssertSqlSafe(format!("SELECT {COLUMNS} FROM story_locks WHERE story_id = $1")))
            .bind(story.0)
            .fetch_optional(pool)
            .await?;
    row.map(from_row).transpose()
}

/// Takes the lock for `want.holder` when the story has none, when its holder is `want`'s
/// (a heartbeat: only the time of the heartbeat changes), when it lapsed (its heartbeat is
/// before `lapsed_before`) or when `force` (taking over). Answers the lock as it is after the
/// call: `want`'s, or the other holder's.
pub(crate) async fn take(
    tx: &mut Transaction<'static, Any>,
    backend: Backend,
    want: &StoryLock,
    lapsed_before: Timestamp,
    force: bool,
) -> Result<StoryLock> {
    let inserted = sqlx::query(AssertSqlSafe(format!(
        "INSERT INTO story_locks ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, NULL) ON CONFLICT (story_id) DO NOTHING"
    )))
    .bind(want.story.0)
    .bind(want.user.0)
    .bind(&want.user_name)
    .bind(&want.holder)
    .bind(want.since.as_second())
    .bind(want.heartbeat_at.as_second())
    .execute(&mut **tx)
    .await?;
    if inserted.rows_affected() == 1 {
        return Ok(StoryLock { taken_from: None, ..want.clone() });
    }
    // SQLite's write transaction already holds the database; PostgreSQL locks the row.
    let lock = if backend == Backend::Postgres { " FOR UPDATE" } else { "" };
    let row: LockRow =
        sqlx::query_as(AssertSqlSafe(format!("SELECT {COLUMNS} FROM story_locks WHERE story_id = $1{lock}")))
            .bind(want.story.0)
            .fetch_one(&mut **tx)
            .await?;
    let held = from_row(row)?;
    let now = want.heartbeat_at.as_second();
    if held.holder == want.holder {
        sqlx::query("UPDATE story_locks SET heartbeat_at = $1, user_name = $2 WHERE story_id = $3")
            .bind(now)
            .bind(&want.user_name)
            .bind(want.story.0)
            .execute(&mut **tx)
            .await?;
        return Ok(StoryLock { heartbeat_at: want.heartbeat_at, user_name: want.user_name.clone(), ..held });
    }
    if !force && held.heartbeat_at >= lapsed_before {
        return Ok(held);
    }
    sqlx::query(
        "UPDATE story_locks SET user_id = $1, user_name = $2, holder = $3, since = $4, heartbeat_at = $5, \
         taken_from = $6 WHERE story_id = $7",
    )
    .bind(want.user.0)
    .bind(&want.user_name)
    .bind(&want.holder)
    .bind(want.since.as_second())
    .bind(now)
    .bind(&held.holder)
    .bind(want.story.0)
    .execute(&mut **tx)
    .await?;
    Ok(StoryLock { taken_from: Some(held.holder), ..want.clone() })
}

/// Lets go of the lock on `story` if `holder` holds it; answers whether it did.
pub(crate) async fn release(pool: &AnyPool, story: StoryId, holder: &str) -> Result<bool> {
    let done = sqlx::query("DELETE FROM story_locks WHERE story_id = $1 AND holder = $2")
        .bind(story.0)
        .bind(holder)
        .execute(pool)
        .await?;
    Ok(done.rows_affected() > 0)
}
