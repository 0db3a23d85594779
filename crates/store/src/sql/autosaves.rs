//! The story editor's autosave slots: one row a person and story, overwritten as they type.

use crate::records::ts;
use crate::{Autosave, Result};
use dateline_core::StoryId;
use dateline_core::account::UserId;
use sqlx::AnyPool;

/// Story 0 is the slot for a story not created yet.
fn key(story: Option<StoryId>) -> i64 {
    story.map_or(0, |s| s.0)
}

pub(crate) async fn put(pool: &AnyPool, user: UserId, story: Option<StoryId>, slot: &Autosave) -> Result<()> {
    sqlx::query(
        "INSERT INTO autosaves (user_id, story_id, base_version, fields, saved_at) VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (user_id, story_id) DO UPDATE SET base_version = excluded.base_version, \
         fields = excluded.fields, saved_at = excluded.saved_at",
    )
    .bind(user.0)
    .bind(key(story))
    .bind(slot.base_version)
    .bind(&slot.fields)
    .bind(slot.saved_at.as_second())
    .execute(pool)
    .await?;
    Ok(())
}

pub(crate) async fn get(pool: &AnyPool, user: UserId, story: Option<StoryId>) -> Result<Option<Autosave>> {
    let row: Option<(i64, String, i64)> = sqlx::query_as(
        "SELECT base_version, fields, saved_at FROM autosaves WHERE user_id = $1 AND story_id = $2",
    )
    .bind(user.0)
    .bind(key(story))
    .fetch_optional(pool)
    .await?;
    row.map(|(base_version, fields, saved_at)| Ok(Autosave { base_version, fields, saved_at: ts(saved_at)? }))
        .transpose()
}

pub(crate) async fn drop(pool: &AnyPool, user: UserId, story: Option<StoryId>) -> Result<()> {
    sqlx::query("DELETE FROM autosaves WHERE user_id = $1 AND story_id = $2")
        .bind(user.0)
        .bind(key(story))
        .execute(pool)
        .await?;
    Ok(())
}
