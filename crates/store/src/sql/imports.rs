//! Stories brought over from another system, a batch at a time: each post is new (inserted
//! with its original times, as [`stories::insert_new`] does), unchanged since the last run
//! (left alone), or changed (a new revision of its story). Which story a post became, and
//! a fingerprint of what it said, are kept in `imported_stories`; a published post's old
//! addresses in `path_redirects`.

use super::bulk::{Val, insert_bound_rows};
use super::stories::{self, NewRow};
use crate::{Result, StoreError};
use dateline_core::import::{ImportOutcome, ImportedStatus, ImportedStory};
use dateline_core::{Actor, StatusChange, StoryId, StoryStatus};
use jiff::Timestamp;
use sqlx::{Any, AssertSqlSafe, Transaction};
use std::collections::HashMap;

/// Ids looked up per statement.
const LOOKUP_CHUNK: usize = 500;

pub(crate) async fn import(
    tx: &mut Transaction<'static, Any>,
    origin: &str,
    posts: &[ImportedStory],
    by: &Actor,
    now: Timestamp,
) -> Result<Vec<ImportOutcome>> {
    let known = known(tx, origin, posts).await?;
    let mut outcomes: Vec<Option<ImportOutcome>> = vec![None; posts.len()];
    let mut fresh = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for (i, post) in posts.iter().enumerate() {
        if !seen.insert(post.external_id.as_str()) {
            outcomes[i] =
                Some(ImportOutcome::Skipped(format!("post {} is in the file twice", post.external_id)));
            continue;
        }
        outcomes[i] = match known.get(&post.external_id) {
            None => {
                fresh.push(i);
                None
            }
            Some((id, fingerprint)) if *fingerprint == post.fingerprint => {
                Some(ImportOutcome::Unchanged(*id))
            }
            Some((id, _)) => Some(update(tx, origin, *id, post, by, now).await?),
        };
    }
    let rows: Vec<NewRow<'_>> = fresh
        .iter()
        .map(|&i| {
            let post = &posts[i];
            let (status, at) = match post.status {
                ImportedStatus::Published(at) => (StoryStatus::Published, Some(at)),
                ImportedStatus::Draft => (StoryStatus::Draft, None),
                ImportedStatus::Scheduled(at) => (StoryStatus::Scheduled, Some(at)),
            };
            NewRow { draft: &post.draft, status, created_at: post.created_at, at }
        })
        .collect();
    let ids = stories::insert_new(tx, &rows, by, now).await?;
    let mut origin_rows = Vec::with_capacity(ids.len());
    for (&i, &id) in fresh.iter().zip(&ids) {
        let post = &posts[i];
        origin_rows.push(vec![
            Val::Text(origin.to_owned()),
            Val::Text(post.external_id.clone()),
            Val::Int(id.0),
            Val::Text(post.fingerprint.clone()),
        ]);
        if matches!(post.status, ImportedStatus::Published(_)) {
            add_redirects(tx, id, &post.old_paths).await?;
        }
        outcomes[i] = Some(ImportOutcome::Imported(id));
    }
    insert_bound_rows(
        tx,
        "imported_stories",
        &["origin", "external_id", "story_id", "fingerprint"],
        origin_rows,
    )
    .await?;
    outcomes
        .into_iter()
        .map(|o| o.ok_or_else(|| StoreError::Corrupt("an imported post was left without an outcome".into())))
        .collect()
}

/// The stories the posts of this batch became in earlier runs, with their fingerprints.
async fn known(
    tx: &mut Transaction<'static, Any>,
    origin: &str,
    posts: &[ImportedStory],
) -> Result<HashMap<String, (StoryId, String)>> {
    let mut known = HashMap::new();
    for chunk in posts.chunks(LOOKUP_CHUNK) {
        let list: Vec<String> = (2..=chunk.len() + 1).map(|n| format!("${n}")).collect();
        let sql = format!(
            "SELECT external_id, story_id, fingerprint FROM imported_stories WHERE origin = $1 AND external_id IN ({})",
            list.join(", ")
        );
        let query = sqlx::query_as::<_, (String, i64, String)>(AssertSqlSafe(sql))
            .persistent(chunk.len() == LOOKUP_CHUNK)
            .bind(origin.to_owned());
        let query = chunk.iter().fold(query, |q, post| q.bind(post.external_id.clone()));
        for (external_id, story, fingerprint) in query.fetch_all(&mut **tx).await? {
            known.insert(external_id, (StoryId(story), fingerprint));
        }
    }
    Ok(known)
}

/// A post changed since it was imported: its story gets the new words as a revision, and
/// is published when the post has been since. A story killed here stays killed, and one
/// published here is not taken down by the post's being a draft there.
async fn update(
    tx: &mut Transaction<'static, Any>,
    origin: &str,
    id: StoryId,
    post: &ImportedStory,
    by: &Actor,
    now: Timestamp,
) -> Result<ImportOutcome> {
    let (version, status): (i64, String) =
        sqlx::query_as("SELECT version, status FROM stories WHERE id = $1")
            .bind(id.0)
            .fetch_one(&mut **tx)
            .await?;
    if status == StoryStatus::Killed.as_str() {
        return Ok(ImportOutcome::Skipped(format!(
            "post {} changed, but its story was killed here: left as it is",
            post.external_id
        )));
    }
    stories::update(tx, id, &post.draft, version, now).await?;
    if let ImportedStatus::Published(at) = post.status
        && status != StoryStatus::Published.as_str()
    {
        stories::change_status(tx, id, &StatusChange::Publish, by, now).await?;
        // Dated when the post was published there, not now.
        sqlx::query("UPDATE stories SET published_at = $1, first_published_at = $1 WHERE id = $2")
            .bind(at.as_second())
            .bind(id.0)
            .execute(&mut **tx)
            .await?;
        stories::sync_public_at(tx, id).await?;
    }
    if matches!(post.status, ImportedStatus::Published(_)) {
        add_redirects(tx, id, &post.old_paths).await?;
    }
    sqlx::query("UPDATE imported_stories SET fingerprint = $1 WHERE origin = $2 AND external_id = $3")
        .bind(&post.fingerprint)
        .bind(origin)
        .bind(&post.external_id)
        .execute(&mut **tx)
        .await?;
    Ok(ImportOutcome::Updated(id))
}

/// Points the old addresses at the story; an address another story already has keeps it.
async fn add_redirects(tx: &mut Transaction<'static, Any>, id: StoryId, paths: &[String]) -> Result<()> {
    for path in paths.iter().filter_map(|p| dateline_core::import::redirect_path(p)) {
        if path == "/" {
            continue;
        }
        sqlx::query(
            "INSERT INTO path_redirects (path, story_id) VALUES ($1, $2) ON CONFLICT (path) DO NOTHING",
        )
        .bind(path)
        .bind(id.0)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}
