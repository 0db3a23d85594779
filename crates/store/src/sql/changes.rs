//! The change log: every change to what the public sees is written, in the same
//! transaction, as the `ChangeKey`s it touched. Page caches in every process
//! (`dateline-web`) and the search index (`dateline-newsroom`) follow the log, and
//! [`local_changes`] tells a follower in this process at once that there is something new.
//! On PostgreSQL every write that adds to the log also sends `NOTIFY` on [`CHANNEL`]
//! (delivered at commit, once a transaction), so followers in other processes are told at
//! once too ([`ChangeNotices`]); the log stays the truth they read and catch up from.

use crate::Result;
use dateline_core::{AuthorId, ChangeKey, SectionId, SourceId, StoryId, TagId};
use sqlx::{Any, Transaction};
use std::sync::atomic::{AtomicU64, Ordering};

/// How many rows of the log are kept; a cache further behind than this starts afresh.
pub const KEPT: i64 = 10_000;

static LOCAL_CHANGES: AtomicU64 = AtomicU64::new(0);

/// Bumped whenever this process commits a write (which may have added to the log).
pub fn local_changes() -> u64 {
    LOCAL_CHANGES.load(Ordering::Acquire)
}

/// The PostgreSQL channel committed changes are announced on.
pub const CHANNEL: &str = "dateline_changes";

/// Writes one change touching `keys` (and, on PostgreSQL, announces it on [`CHANNEL`] when
/// the transaction commits).
pub(crate) async fn record(tx: &mut Transaction<'static, Any>, keys: &[ChangeKey], at: i64) -> Result<()> {
    if tx.backend_name() == <sqlx::Postgres as sqlx::Database>::NAME {
        // Several in one transaction are delivered as one.
        sqlx::query(sqlx::AssertSqlSafe(format!("NOTIFY {CHANNEL}"))).execute(&mut **tx).await?;
    }
    let id: i64 = sqlx::query_scalar("INSERT INTO page_changes (at, keys) VALUES ($1, $2) RETURNING id")
        .bind(at)
        .bind(ChangeKey::join(keys))
        .fetch_one(&mut **tx)
        .await?;
    if id % 1000 == 0 {
        sqlx::query("DELETE FROM page_changes WHERE id <= $1").bind(id - KEPT).execute(&mut **tx).await?;
    }
    Ok(())
}

/// Commits a write and tells this process's caches that the log may have grown (after the
/// commit, so that a cache reading the log at once finds the new rows).
pub(crate) async fn commit(tx: Transaction<'static, Any>) -> Result<()> {
    tx.commit().await?;
    LOCAL_CHANGES.fetch_add(1, Ordering::AcqRel);
    Ok(())
}

/// A change that touches every page (settings, the menu, names shown everywhere).
pub(crate) async fn record_site(tx: &mut Transaction<'static, Any>) -> Result<()> {
    record(tx, &[ChangeKey::Site], jiff::Timestamp::now().as_second()).await
}

/// The pages a public story is on: the front, its own page, its section, source, tags and
/// authors, and `translations:ROOT` (on the page of every language version of the story).
pub(crate) fn public_keys(
    id: StoryId,
    section: SectionId,
    source: Option<SourceId>,
    root: StoryId,
    tags: &[TagId],
    authors: &[AuthorId],
) -> Vec<ChangeKey> {
    let mut keys = vec![
        ChangeKey::Front,
        ChangeKey::Story(id),
        ChangeKey::Section(section),
        ChangeKey::Translations(root),
    ];
    keys.extend(source.map(ChangeKey::Source));
    keys.extend(tags.iter().map(|&t| ChangeKey::Tag(t)));
    keys.extend(authors.iter().map(|&a| ChangeKey::Author(a)));
    keys
}

/// After any change to a story: when it is public, or was, records the pages it is on now
/// and the pages it was on before.
pub(crate) async fn story_changed(tx: &mut Transaction<'static, Any>, id: StoryId) -> Result<()> {
    let public: Option<(i64, Option<i64>, i64)> = sqlx::query_as(
        "SELECT section_id, source_id, COALESCE(translation_of, id) FROM stories WHERE id = $1 AND public_at IS NOT NULL",
    )
    .bind(id.0)
    .fetch_optional(&mut **tx)
    .await?;
    let now = match public {
        // `translations:ROOT` is on the page of every language version of the story.
        Some((section, source, root)) => {
            let linked = |table: &str, column: &str| {
                format!("SELECT {column} FROM {table} WHERE story_id = $1 ORDER BY {column}")
            };
            let tags: Vec<i64> = sqlx::query_scalar(sqlx::AssertSqlSafe(linked("story_tags", "tag_id")))
                .bind(id.0)
                .fetch_all(&mut **tx)
                .await?;
            let authors: Vec<i64> =
                sqlx::query_scalar(sqlx::AssertSqlSafe(linked("story_authors", "author_id")))
                    .bind(id.0)
                    .fetch_all(&mut **tx)
                    .await?;
            let tags: Vec<TagId> = tags.into_iter().map(TagId).collect();
            let authors: Vec<AuthorId> = authors.into_iter().map(AuthorId).collect();
            Some(public_keys(id, SectionId(section), source.map(SourceId), StoryId(root), &tags, &authors))
        }
        None => None,
    };
    let before: Option<String> = sqlx::query_scalar("SELECT keys FROM story_page_keys WHERE story_id = $1")
        .bind(id.0)
        .fetch_optional(&mut **tx)
        .await?;
    if now.is_none() && before.is_none() {
        return Ok(());
    }
    let mut touched: Vec<ChangeKey> =
        now.iter().flatten().copied().chain(before.iter().flat_map(|k| ChangeKey::split(k))).collect();
    touched.sort_unstable();
    touched.dedup();
    record(tx, &touched, jiff::Timestamp::now().as_second()).await?;
    match &now {
        Some(keys) => {
            sqlx::query(
                "INSERT INTO story_page_keys (story_id, keys) VALUES ($1, $2) \
                 ON CONFLICT (story_id) DO UPDATE SET keys = excluded.keys",
            )
            .bind(id.0)
            .bind(ChangeKey::join(keys))
            .execute(&mut **tx)
            .await?;
        }
        None => {
            sqlx::query("DELETE FROM story_page_keys WHERE story_id = $1")
                .bind(id.0)
                .execute(&mut **tx)
                .await?;
        }
    }
    Ok(())
}

/// What a listener on [`CHANNEL`] heard.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Notice {
    /// Some process committed a change: read the log.
    Changed,
    /// The connection was lost and is back: changes made meanwhile were not announced, so
    /// read the log to catch up.
    Reconnected,
}

/// Change announcements pushed by PostgreSQL (`LISTEN` on [`CHANNEL`]) on a connection of
/// their own, made again when it is lost (`Store::change_notices`).
pub struct ChangeNotices(sqlx::postgres::PgListener);

impl ChangeNotices {
    pub(crate) async fn connect(url: &str) -> Result<Self> {
        let mut listener = sqlx::postgres::PgListener::connect(url).await?;
        listener.listen(CHANNEL).await?;
        Ok(Self(listener))
    }

    /// Waits for the next announcement.
    ///
    /// # Errors
    /// When the lost connection cannot be made again (the database is away): call again
    /// later, which tries again.
    pub async fn next(&mut self) -> Result<Notice> {
        Ok(match self.0.try_recv().await? {
            Some(_) => Notice::Changed,
            None => Notice::Reconnected,
        })
    }
}
