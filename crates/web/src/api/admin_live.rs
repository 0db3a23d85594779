//! Admin API: a live blog's entries — list, add, edit and delete. Starting and ending the
//! coverage is the story's `live` field (`admin_stories`).

use super::types::{EntryOut, ImageIo};
use super::{AdminToken, ApiError, ApiJson, ErrorBody};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use dateline_core::{EntryDraft, FieldError, StoryId};
use dateline_newsroom::live;
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_entries, add_entry)).routes(routes!(edit_entry, delete_entry))
}

/// An entry as sent to the Admin API.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EntryIn {
    #[serde(default)]
    pub title: String,
    /// Markdown.
    #[serde(default)]
    pub body: String,
    /// Shown as the writer; the token's name is not used, so give one.
    #[serde(default)]
    pub author: String,
    #[serde(default)]
    pub image: Option<ImageIo>,
    /// Also listed among the key events at the top.
    #[serde(default)]
    pub key_event: bool,
    /// The time shown (RFC 3339); now for a new entry, kept for an edit, when absent.
    #[serde(default)]
    pub posted_at: Option<String>,
}

impl EntryIn {
    fn to_draft(&self) -> Result<EntryDraft, ApiError> {
        let posted_at = match self.posted_at.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
            None => None,
            Some(text) => Some(text.parse::<jiff::Timestamp>().map_err(|_| {
                ApiError::invalid(vec![FieldError::new(
                    "posted_at",
                    "a time with its offset, such as 2026-12-07T15:00:00Z",
                )])
            })?),
        };
        Ok(EntryDraft {
            title: self.title.clone(),
            body: self.body.clone(),
            author: self.author.clone(),
            image: self.image.as_ref().map(ImageIo::to_story_image),
            key_event: self.key_event,
            posted_at,
        })
    }
}

/// The story's entries, newest first.
#[utoipa::path(get, path = "/api/admin/v1/stories/{id}/entries", tag = "admin", params(("id" = i64, Path)),
    responses((status = 200, body = Vec<EntryOut>), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn list_entries(
    State(state): State<AppState>,
    _token: AdminToken,
    Path(id): Path<i64>,
) -> Result<Json<Vec<EntryOut>>, ApiError> {
    let story = state.store.story(StoryId(id)).await?.ok_or_else(ApiError::not_found)?;
    let entries = live::entries(state.store.as_ref(), story.id).await?;
    Ok(Json(entries.iter().map(|e| EntryOut::new(e, true)).collect()))
}

/// Adds an entry: readers with the page open see it within a second.
#[utoipa::path(post, path = "/api/admin/v1/stories/{id}/entries", tag = "admin", params(("id" = i64, Path)),
    request_body = EntryIn,
    responses((status = 201, body = EntryOut), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn add_entry(
    State(state): State<AppState>,
    token: AdminToken,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<EntryIn>,
) -> Result<(StatusCode, Json<EntryOut>), ApiError> {
    let draft = input.to_draft()?;
    let entry =
        live::save_entry(state.store.as_ref(), &token.actor(), StoryId(id), None, &draft, state.clock.now())
            .await?;
    crate::page_cache::follow_now(&state).await;
    Ok((StatusCode::CREATED, Json(EntryOut::new(&entry, true))))
}

/// Saves a new state of an entry.
#[utoipa::path(put, path = "/api/admin/v1/stories/{id}/entries/{entry}", tag = "admin",
    params(("id" = i64, Path), ("entry" = i64, Path)), request_body = EntryIn,
    responses((status = 200, body = EntryOut), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn edit_entry(
    State(state): State<AppState>,
    token: AdminToken,
    Path((id, entry)): Path<(i64, i64)>,
    ApiJson(input): ApiJson<EntryIn>,
) -> Result<Json<EntryOut>, ApiError> {
    let draft = input.to_draft()?;
    let entry = live::save_entry(
        state.store.as_ref(),
        &token.actor(),
        StoryId(id),
        Some(entry),
        &draft,
        state.clock.now(),
    )
    .await?;
    crate::page_cache::follow_now(&state).await;
    Ok(Json(EntryOut::new(&entry, true)))
}

/// Deletes an entry: it leaves open pages at once.
#[utoipa::path(delete, path = "/api/admin/v1/stories/{id}/entries/{entry}", tag = "admin",
    params(("id" = i64, Path), ("entry" = i64, Path)),
    responses((status = 204), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn delete_entry(
    State(state): State<AppState>,
    token: AdminToken,
    Path((id, entry)): Path<(i64, i64)>,
) -> Result<StatusCode, ApiError> {
    live::delete_entry(state.store.as_ref(), &token.actor(), StoryId(id), entry, state.clock.now()).await?;
    crate::page_cache::follow_now(&state).await;
    Ok(StatusCode::NO_CONTENT)
}
