//! Live blogs: a story's coverage window and its entries. Every change here bumps the
//! story's entry counter (`stories.live_seq`, a row lock on PostgreSQL, the write lock on
//! SQLite, so two changes never share a number) and gives it to the entry it changed; it is
//! refused on a killed story ([`Transition::Live`]). The pages the story is on are logged as
//! changed, which is also how readers' streams in every process learn of the entry.

use super::bulk::AnyQuery;
use super::changes;
use super::stories::{record_history, refusal};
use super::webhooks;
use crate::records::{opt_ts, ts};
use crate::{Result, StoreError};
use dateline_core::html::markdown_to_html;
use dateline_core::{Actor, EntryDraft, LiveEntry, StoryEvent, StoryId, StoryImage, StoryStatus, Transition};
use jiff::Timestamp;
use sqlx::any::AnyArguments;
use sqlx::query::QueryAs;
use sqlx::{Any, AnyPool, AssertSqlSafe, Row, Transaction};

const ENTRY_COLUMNS: &str = "id, story_id, seq, posted_at, edited_at, title, body_source, body_html, author, \
                             image, key_event, deleted";

#[derive(sqlx::FromRow)]
struct EntryRow {
    id: i64,
    story_id: i64,
    seq: i64,
    posted_at: i64,
    edited_at: Option<i64>,
    title: String,
    body_source: String,
    body_html: String,
    author: String,
    image: Option<String>,
    key_event: i64,
    deleted: i64,
}

impl EntryRow {
    fn into_entry(self) -> Result<LiveEntry> {
        let image = match self.image {
            Some(json) => Some(
                serde_json::from_str::<StoryImage>(&json)
                    .map_err(|e| StoreError::Corrupt(format!("live entry {} picture: {e}", self.id)))?,
            ),
            None => None,
        };
        Ok(LiveEntry {
            id: self.id,
            story: StoryId(self.story_id),
            seq: self.seq,
            posted_at: ts(self.posted_at)?,
            edited_at: opt_ts(self.edited_at)?,
            title: self.title,
            body_source: self.body_source,
            body_html: self.body_html,
            author: self.author,
            image,
            key_event: self.key_event != 0,
            deleted: self.deleted != 0,
        })
    }
}

/// Takes the story's next entry number, if the lifecycle lets it report live.
async fn next_seq(tx: &mut Transaction<'static, Any>, story: StoryId, now: Timestamp) -> Result<i64> {
    let sql = format!(
        "UPDATE stories SET live_seq = live_seq + 1, modified_at = $1 WHERE id = $2 AND status IN {} \
         RETURNING live_seq",
        Transition::Live.from_sql()
    );
    let seq: Option<i64> = sqlx::query_scalar(AssertSqlSafe(sql))
        .bind(now.as_second())
        .bind(story.0)
        .fetch_optional(&mut **tx)
        .await?;
    match seq {
        Some(seq) => Ok(seq),
        None => Err(refusal(tx, story, Transition::Live).await),
    }
}

/// After a change: the pages the story is on, and its webhook when it is public.
async fn changed(tx: &mut Transaction<'static, Any>, story: StoryId, now: Timestamp) -> Result<()> {
    let status: Option<String> = sqlx::query_scalar("SELECT status FROM stories WHERE id = $1")
        .bind(story.0)
        .fetch_optional(&mut **tx)
        .await?;
    if status.as_deref() == Some(StoryStatus::Published.as_str()) {
        webhooks::enqueue(tx, StoryEvent::Updated, story, now).await?;
    }
    changes::story_changed(tx, story).await
}

/// Starts (`live`) or ends the story's live coverage. Starting again after an end reopens
/// the same coverage (its start is kept); asking for what already is changes nothing.
pub(crate) async fn set_coverage(
    tx: &mut Transaction<'static, Any>,
    story: StoryId,
    live: bool,
    by: &Actor,
    now: Timestamp,
) -> Result<()> {
    let (from, until): (Option<i64>, Option<i64>) =
        sqlx::query_as("SELECT live_from, live_until FROM stories WHERE id = $1")
            .bind(story.0)
            .fetch_optional(&mut **tx)
            .await?
            .ok_or(StoreError::NotFound)?;
    let is_live = from.is_some() && until.is_none();
    if is_live == live {
        return Ok(());
    }
    next_seq(tx, story, now).await?;
    let (sql, note) = if live {
        (
            "UPDATE stories SET live_from = COALESCE(live_from, $1), live_until = NULL, version = version + 1 WHERE id = $2",
            "live coverage started",
        )
    } else {
        ("UPDATE stories SET live_until = $1, version = version + 1 WHERE id = $2", "live coverage ended")
    };
    sqlx::query(sql).bind(now.as_second()).bind(story.0).execute(&mut **tx).await?;
    record_history(tx, story, Transition::Live, by, note, now).await?;
    changed(tx, story, now).await
}

/// Adds an entry (`entry: None`) or saves a new state of one; answers its id.
/// `draft.author` must be filled in (the newsroom names the person adding it).
pub(crate) async fn save_entry(
    tx: &mut Transaction<'static, Any>,
    story: StoryId,
    entry: Option<i64>,
    draft: &EntryDraft,
    now: Timestamp,
) -> Result<i64> {
    draft.validate().map_err(StoreError::Invalid)?;
    let seq = next_seq(tx, story, now).await?;
    let image = draft
        .image
        .as_ref()
        .map(serde_json::to_string)
        .transpose()
        .map_err(|e| StoreError::Corrupt(format!("picture: {e}")))?;
    // What the entry says: title, words (as typed and as HTML), author, picture and
    // key-event mark, the same six parameters ($4 to $9) in both statements.
    let body_html = markdown_to_html(&draft.body);
    let said = |query: AnyQuery<'static>| {
        query
            .bind(draft.title.trim().to_owned())
            .bind(draft.body.clone())
            .bind(body_html)
            .bind(draft.author.trim().to_owned())
            .bind(image)
            .bind(i64::from(draft.key_event))
    };
    let id = match entry {
        None => {
            let insert = sqlx::query(
                "INSERT INTO live_entries (story_id, seq, posted_at, title, body_source, body_html, author, image, key_event) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
            )
            .bind(story.0)
            .bind(seq)
            .bind(draft.posted_at.unwrap_or(now).as_second());
            said(insert).fetch_one(&mut **tx).await?.try_get(0)?
        }
        Some(id) => {
            let update = sqlx::query(
                "UPDATE live_entries SET seq = $1, edited_at = $2, posted_at = COALESCE($3, posted_at), title = $4, \
                 body_source = $5, body_html = $6, author = $7, image = $8, key_event = $9 \
                 WHERE id = $10 AND story_id = $11 AND deleted = 0",
            )
            .bind(seq)
            .bind(now.as_second())
            .bind(draft.posted_at.map(Timestamp::as_second));
            let done = said(update).bind(id).bind(story.0).execute(&mut **tx).await?;
            if done.rows_affected() == 0 {
                return Err(StoreError::NotFound);
            }
            id
        }
    };
    changed(tx, story, now).await?;
    Ok(id)
}

/// Deletes an entry: its words go, its row stays (deleted, with the new number) so that a
/// resuming stream learns of it.
pub(crate) async fn delete_entry(
    tx: &mut Transaction<'static, Any>,
    story: StoryId,
    entry: i64,
    now: Timestamp,
) -> Result<()> {
    let seq = next_seq(tx, story, now).await?;
    let done = sqlx::query(
        "UPDATE live_entries SET seq = $1, edited_at = $2, deleted = 1, title = '', body_source = '', \
         body_html = '', author = '', image = NULL, key_event = 0 WHERE id = $3 AND story_id = $4 AND deleted = 0",
    )
    .bind(seq)
    .bind(now.as_second())
    .bind(entry)
    .bind(story.0)
    .execute(&mut **tx)
    .await?;
    if done.rows_affected() == 0 {
        return Err(StoreError::NotFound);
    }
    changed(tx, story, now).await
}

/// The story's entries that also meet `filter`, a condition on `$2`, which is `value`.
fn select_entries(story: StoryId, filter: &str, value: i64) -> QueryAs<'static, Any, EntryRow, AnyArguments> {
    sqlx::query_as(AssertSqlSafe(format!(
        "SELECT {ENTRY_COLUMNS} FROM live_entries WHERE story_id = $1 AND {filter}"
    )))
    .bind(story.0)
    .bind(value)
}

/// The story's entries changed after number `after` (0: all), deleted ones included, in the
/// order of their changes.
pub(crate) async fn entries(pool: &AnyPool, story: StoryId, after: i64) -> Result<Vec<LiveEntry>> {
    let rows = select_entries(story, "seq > $2 ORDER BY seq", after).fetch_all(pool).await?;
    rows.into_iter().map(EntryRow::into_entry).collect()
}

/// One entry of the story.
pub(crate) async fn entry(pool: &AnyPool, story: StoryId, id: i64) -> Result<Option<LiveEntry>> {
    let row = select_entries(story, "id = $2", id).fetch_optional(pool).await?;
    row.map(EntryRow::into_entry).transpose()
}
