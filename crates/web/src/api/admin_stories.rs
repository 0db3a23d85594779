//! Admin API: stories — list, create, read, update (with version check), publish,
//! unpublish, kill, schedule, corrections, revisions and restore.

use super::types::{ImageIo, StoryOut, StoryPage};
use super::{AdminToken, ApiError, ApiJson, ErrorBody};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use dateline_core::StoryStatus;
use dateline_core::{AdminStoryFilter, FieldError, PageRequest, Prominence, StatusChange, Story, StoryId};
use dateline_newsroom::live;
use dateline_newsroom::stories::{self, StoryFields, StoryRef, Then};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

const PER_PAGE: u32 = 50;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_stories, create_story))
        .routes(routes!(get_story, update_story))
        .routes(routes!(publish_story))
        .routes(routes!(unpublish_story))
        .routes(routes!(kill_story))
        .routes(routes!(reinstate_story))
        .routes(routes!(schedule_story))
        .routes(routes!(add_correction))
        .routes(routes!(list_revisions))
        .routes(routes!(restore_revision))
}

/// A story as sent to the Admin API. Sections and sources by slug, tags and authors by name
/// (new tags are created), authors in byline order.
#[derive(Deserialize, ToSchema, Clone)]
#[serde(deny_unknown_fields)]
pub struct StoryIn {
    pub headline: String,
    #[serde(default)]
    pub standfirst: String,
    /// Markdown.
    #[serde(default)]
    pub body: String,
    #[serde(default)]
    pub dateline_place: String,
    #[serde(default)]
    pub credit: String,
    /// Section slug.
    pub section: String,
    /// Source slug.
    #[serde(default)]
    pub source: Option<String>,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub authors: Vec<String>,
    /// Language tag; the site's language when absent.
    #[serde(default)]
    pub language: Option<String>,
    #[serde(default)]
    pub slug: Option<String>,
    #[serde(default)]
    pub image: Option<ImageIo>,
    /// normal, top or lead.
    #[serde(default)]
    pub prominence: Option<String>,
    /// Id of the story this one translates.
    #[serde(default)]
    pub translation_of: Option<i64>,
    /// Not public before this time (RFC 3339): publishing earlier schedules it for then.
    #[serde(default)]
    pub embargo_until: Option<String>,
    /// A live blog: `true` starts live coverage, `false` ends it (the story keeps its
    /// entries); absent leaves it as it is.
    #[serde(default)]
    pub live: Option<bool>,
    /// Required when updating: the version you read.
    #[serde(default)]
    pub version: Option<i64>,
}

impl StoryIn {
    /// The fields as the newsroom resolves them; the site's language when none is given.
    async fn to_fields(&self, state: &AppState) -> Result<StoryFields, ApiError> {
        let prominence = match self.prominence.as_deref() {
            None | Some("normal") => Prominence::Normal,
            Some("top") => Prominence::Top,
            Some("lead") => Prominence::Lead,
            Some(_) => {
                return Err(ApiError::invalid(vec![FieldError::new("prominence", "normal, top or lead")]));
            }
        };
        let language = match &self.language {
            Some(language) => language.clone(),
            None => state.store.settings().await?.language,
        };
        let embargo_until = match self.embargo_until.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
            None => None,
            Some(text) => Some(text.parse::<jiff::Timestamp>().map_err(|_| {
                ApiError::invalid(vec![FieldError::new(
                    "embargo_until",
                    "a time with its offset, such as 2026-12-07T15:00:00Z",
                )])
            })?),
        };
        Ok(StoryFields {
            headline: self.headline.clone(),
            standfirst: self.standfirst.clone(),
            body: self.body.clone(),
            dateline_place: self.dateline_place.clone(),
            credit: self.credit.clone(),
            section: self.section.clone(),
            source: self.source.clone(),
            tags: self.tags.clone(),
            authors: self.authors.clone(),
            language,
            slug: self.slug.clone(),
            image: self.image.as_ref().map(ImageIo::to_story_image),
            prominence,
            translation_of: self.translation_of.map(|id| StoryRef::Id(StoryId(id))),
            embargo_until,
        })
    }
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StoryQuery {
    /// draft, scheduled, published, unpublished or killed
    status: Option<String>,
    /// Section slug.
    section: Option<String>,
    /// Author slug.
    author: Option<String>,
    /// Words in the headline.
    q: Option<String>,
    /// Page number from 1.
    page: Option<u32>,
}

async fn load(state: &AppState, id: i64) -> Result<Story, ApiError> {
    state.store.story(StoryId(id)).await?.ok_or_else(ApiError::not_found)
}

/// The story after starting or ending its live coverage when `live` asks for a change.
async fn with_live(
    state: &AppState,
    token: &AdminToken,
    story: Story,
    live: Option<bool>,
) -> Result<Story, ApiError> {
    match live {
        Some(live) if live != story.coverage.is_some_and(|c| c.is_live()) => {
            Ok(live::set_live(state.store.as_ref(), &token.actor(), story.id, live, state.clock.now())
                .await?)
        }
        _ => Ok(story),
    }
}

/// A story as the Admin API answers it, with its live entries when it has had coverage.
async fn out(state: &AppState, story: &Story) -> Result<StoryOut, ApiError> {
    let entries = live::entries(state.store.as_ref(), story.id).await?;
    Ok(StoryOut::new(story, true).with_entries(&entries, true))
}

/// Applies a change of status for the token, through the newsroom's one path.
async fn change(
    state: &AppState,
    token: &AdminToken,
    id: i64,
    change: StatusChange,
) -> Result<Json<StoryOut>, ApiError> {
    let story =
        stories::change_status(state.store.as_ref(), &token.actor(), StoryId(id), &change, state.clock.now())
            .await?;
    Ok(Json(StoryOut::new(&story, true)))
}

/// Page `page` (1 when absent) of `per_page` items, asking one more to learn whether a
/// next page exists.
pub(super) fn page_window(page: Option<u32>, per_page: u32) -> Result<(u32, PageRequest), ApiError> {
    let page = page.unwrap_or(1);
    if page == 0 || page > 10_000 {
        return Err(ApiError::new(StatusCode::BAD_REQUEST, "bad_request", "page must be from 1 to 10000"));
    }
    Ok((page, PageRequest { offset: u64::from(page - 1) * u64::from(per_page), limit: per_page + 1 }))
}

/// Lists stories in any status, last saved first.
#[utoipa::path(get, path = "/api/admin/v1/stories", tag = "admin", params(StoryQuery),
    responses((status = 200, body = StoryPage), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
async fn list_stories(
    State(state): State<AppState>,
    _token: AdminToken,
    Query(q): Query<StoryQuery>,
) -> Result<Json<StoryPage>, ApiError> {
    let store = &state.store;
    let status = match q.status.as_deref() {
        None | Some("") => None,
        Some(s) => Some(
            StoryStatus::parse(s)
                .ok_or_else(|| ApiError::new(StatusCode::BAD_REQUEST, "bad_request", "unknown status"))?,
        ),
    };
    let section = match q.section.as_deref() {
        None | Some("") => None,
        Some(slug) => Some(store.section_by_slug(slug).await?.ok_or_else(ApiError::not_found)?.id),
    };
    let author = match q.author.as_deref() {
        None | Some("") => None,
        Some(slug) => Some(store.author_by_slug(slug).await?.ok_or_else(ApiError::not_found)?.id),
    };
    let (page, window) = page_window(q.page, PER_PAGE)?;
    let filter = AdminStoryFilter { status, section, author, query: q.q.filter(|s| !s.trim().is_empty()) };
    let mut items = store.admin_stories(&filter, window).await?;
    let more = items.len() > PER_PAGE as usize;
    items.truncate(PER_PAGE as usize);
    let mut out = Vec::with_capacity(items.len());
    for item in items {
        if let Some(story) = store.story(item.id).await? {
            out.push(StoryOut::new(&story, true));
        }
    }
    Ok(Json(StoryPage { items: out, page, next_page: more.then_some(page + 1) }))
}

/// Creates a draft.
#[utoipa::path(post, path = "/api/admin/v1/stories", tag = "admin", request_body = StoryIn,
    responses((status = 201, body = StoryOut), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 413, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create_story(
    State(state): State<AppState>,
    token: AdminToken,
    ApiJson(input): ApiJson<StoryIn>,
) -> Result<(StatusCode, Json<StoryOut>), ApiError> {
    let save = stories::Save { story: None, fields: input.to_fields(&state).await?, then: Then::Save };
    let story = stories::save(state.store.as_ref(), &token.actor(), save, state.clock.now()).await?;
    state.embeds.after_save(story.id, &story.body_html);
    let story = with_live(&state, &token, story, input.live).await?;
    Ok((StatusCode::CREATED, Json(out(&state, &story).await?)))
}

/// Reads a story in any status.
#[utoipa::path(get, path = "/api/admin/v1/stories/{id}", tag = "admin", params(("id" = i64, Path)),
    responses((status = 200, body = StoryOut), (status = 404, body = ErrorBody)))]
async fn get_story(
    State(state): State<AppState>,
    _token: AdminToken,
    Path(id): Path<i64>,
) -> Result<Json<StoryOut>, ApiError> {
    Ok(Json(out(&state, &load(&state, id).await?).await?))
}

/// Saves a new state of a story. `version` must be the one read; a newer save by someone
/// else is a 409 and changes nothing. A published story is stamped "Updated".
#[utoipa::path(put, path = "/api/admin/v1/stories/{id}", tag = "admin", params(("id" = i64, Path)), request_body = StoryIn,
    responses((status = 200, body = StoryOut), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn update_story(
    State(state): State<AppState>,
    token: AdminToken,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<StoryIn>,
) -> Result<Json<StoryOut>, ApiError> {
    let story = load(&state, id).await?;
    // What the lifecycle and the rights say comes before what the body lacks.
    stories::may_save(&token.actor(), Some(&story))?;
    let Some(version) = input.version else {
        return Err(ApiError::invalid(vec![FieldError::new("version", "send the version you read")]));
    };
    let save = stories::Save {
        story: Some((story.id, version)),
        fields: input.to_fields(&state).await?,
        then: Then::Save,
    };
    let saved = stories::save(state.store.as_ref(), &token.actor(), save, state.clock.now()).await?;
    state.embeds.after_save(saved.id, &saved.body_html);
    let saved = with_live(&state, &token, saved, input.live).await?;
    Ok(Json(out(&state, &saved).await?))
}

/// Publishes a story now.
#[utoipa::path(post, path = "/api/admin/v1/stories/{id}/publish", tag = "admin", params(("id" = i64, Path)),
    responses((status = 200, body = StoryOut), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn publish_story(
    State(state): State<AppState>,
    token: AdminToken,
    Path(id): Path<i64>,
) -> Result<Json<StoryOut>, ApiError> {
    change(&state, &token, id, StatusChange::Publish).await
}

/// Takes a story off the site.
#[utoipa::path(post, path = "/api/admin/v1/stories/{id}/unpublish", tag = "admin", params(("id" = i64, Path)),
    responses((status = 200, body = StoryOut), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn unpublish_story(
    State(state): State<AppState>,
    token: AdminToken,
    Path(id): Path<i64>,
) -> Result<Json<StoryOut>, ApiError> {
    change(&state, &token, id, StatusChange::Unpublish).await
}

/// Kills a story: gone from every public surface at once; its URL answers 410.
#[utoipa::path(post, path = "/api/admin/v1/stories/{id}/kill", tag = "admin", params(("id" = i64, Path)),
    responses((status = 200, body = StoryOut), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn kill_story(
    State(state): State<AppState>,
    token: AdminToken,
    Path(id): Path<i64>,
) -> Result<Json<StoryOut>, ApiError> {
    change(&state, &token, id, StatusChange::Kill).await
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReinstateIn {
    /// Why the kill is undone; kept in the story's history.
    reason: String,
}

/// Undoes a kill: the story comes back unpublished (not on the site) and the reason is kept
/// in its history. Only a killed story can be reinstated.
#[utoipa::path(post, path = "/api/admin/v1/stories/{id}/reinstate", tag = "admin", params(("id" = i64, Path)), request_body = ReinstateIn,
    responses((status = 200, body = StoryOut), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn reinstate_story(
    State(state): State<AppState>,
    token: AdminToken,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<ReinstateIn>,
) -> Result<Json<StoryOut>, ApiError> {
    change(&state, &token, id, StatusChange::Reinstate { reason: input.reason }).await
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ScheduleIn {
    /// RFC 3339 time, e.g. 2025-02-27T15:00:00Z.
    at: String,
}

/// Schedules a story that is not public.
#[utoipa::path(post, path = "/api/admin/v1/stories/{id}/schedule", tag = "admin", params(("id" = i64, Path)), request_body = ScheduleIn,
    responses((status = 200, body = StoryOut), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn schedule_story(
    State(state): State<AppState>,
    token: AdminToken,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<ScheduleIn>,
) -> Result<Json<StoryOut>, ApiError> {
    let at: jiff::Timestamp = input.at.parse().map_err(|_| {
        ApiError::invalid(vec![dateline_core::FieldError::new(
            "at",
            "an RFC 3339 time such as 2025-02-27T15:00:00Z",
        )])
    })?;
    change(&state, &token, id, StatusChange::Schedule(at)).await
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CorrectionIn {
    note: String,
}

/// Appends a correction note.
#[utoipa::path(post, path = "/api/admin/v1/stories/{id}/corrections", tag = "admin", params(("id" = i64, Path)), request_body = CorrectionIn,
    responses((status = 200, body = StoryOut), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn add_correction(
    State(state): State<AppState>,
    token: AdminToken,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<CorrectionIn>,
) -> Result<Json<StoryOut>, ApiError> {
    let story =
        stories::correct(state.store.as_ref(), &token.actor(), StoryId(id), &input.note, state.clock.now())
            .await?;
    Ok(Json(StoryOut::new(&story, true)))
}

#[derive(Serialize, ToSchema)]
pub struct RevisionOut {
    number: i64,
    created_at: String,
    headline: String,
    body: String,
}

/// Every saved revision, oldest first.
#[utoipa::path(get, path = "/api/admin/v1/stories/{id}/revisions", tag = "admin", params(("id" = i64, Path)),
    responses((status = 200, body = Vec<RevisionOut>), (status = 404, body = ErrorBody)))]
async fn list_revisions(
    State(state): State<AppState>,
    _token: AdminToken,
    Path(id): Path<i64>,
) -> Result<Json<Vec<RevisionOut>>, ApiError> {
    let story = load(&state, id).await?;
    let revisions = state.store.revisions(story.id).await?;
    Ok(Json(
        revisions
            .into_iter()
            .map(|r| RevisionOut {
                number: r.number,
                created_at: r.created_at.to_string(),
                headline: r.draft.headline,
                body: r.draft.body,
            })
            .collect(),
    ))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VersionIn {
    /// The story's current version, as read.
    version: i64,
}

/// Saves an old revision again as the newest.
#[utoipa::path(post, path = "/api/admin/v1/stories/{id}/revisions/{number}/restore", tag = "admin",
    params(("id" = i64, Path), ("number" = i64, Path)), request_body = VersionIn,
    responses((status = 200, body = StoryOut), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn restore_revision(
    State(state): State<AppState>,
    token: AdminToken,
    Path((id, number)): Path<(i64, i64)>,
    ApiJson(input): ApiJson<VersionIn>,
) -> Result<Json<StoryOut>, ApiError> {
    let (store, actor, now) = (state.store.as_ref(), token.actor(), state.clock.now());
    let story = stories::restore(store, &actor, StoryId(id), number, input.version, now).await?;
    Ok(Json(StoryOut::new(&story, true)))
}
