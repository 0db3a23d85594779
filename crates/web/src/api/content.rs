//! Content API: published stories only, read-only, paginated, filtered by section, tag,
//! author, source and change time; plus the lists of sections, tags and authors.

use super::types::{AuthorOut, SectionOut, StoryOut, StoryPage, TagOut};
use super::{ApiError, ContentToken, ErrorBody};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use dateline_core::{ContentFilter, PageRequest, StoryStatus};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

const PER_PAGE: u32 = 20;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_stories))
        .routes(routes!(get_story))
        .routes(routes!(list_sections))
        .routes(routes!(list_tags))
        .routes(routes!(list_authors))
        .routes(routes!(search))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchIn {
    /// Words (all required), "phrases", -exclusions.
    q: Option<String>,
    /// Section slug.
    section: Option<String>,
    /// Tag slug.
    tag: Option<String>,
    /// Author slug.
    author: Option<String>,
    /// Source slug.
    source: Option<String>,
    /// First day, YYYY-MM-DD, in the site's time zone.
    from: Option<String>,
    /// Last day, YYYY-MM-DD.
    to: Option<String>,
    /// Page number from 1 (20 hits a page).
    page: Option<u32>,
}

#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct SearchHitOut {
    id: i64,
    slug: String,
    url: String,
    headline: String,
    /// HTML-escaped text with the matched words in `<mark>`.
    snippet_html: String,
    published_at: String,
}

#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct SearchOut {
    total: usize,
    page: u32,
    hits: Vec<SearchHitOut>,
}

/// Searches published stories: relevance with a freshness boost, newest first without words.
#[utoipa::path(get, path = "/api/content/v1/search", tag = "content", params(SearchIn),
    responses((status = 200, body = SearchOut), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)))]
async fn search(
    State(state): State<AppState>,
    _t: ContentToken,
    Query(q): Query<SearchIn>,
) -> Result<Json<SearchOut>, ApiError> {
    let params = crate::public::search::SearchParams {
        q: q.q.unwrap_or_default(),
        section: q.section.unwrap_or_default(),
        tag: q.tag.unwrap_or_default(),
        author: q.author.unwrap_or_default(),
        source: q.source.unwrap_or_default(),
        from: q.from.unwrap_or_default(),
        to: q.to.unwrap_or_default(),
        page: q.page,
    };
    let settings = state.store.settings().await?;
    let query = params.to_query(&settings.time_zone())?;
    let results = crate::public::search::run(&state, query).await?;
    let hits = results
        .hits
        .into_iter()
        .map(|h| SearchHitOut {
            url: format!("{}/story/{}", settings.base_url, h.slug),
            id: h.id,
            slug: h.slug,
            headline: h.headline,
            snippet_html: h.snippet_html,
            published_at: jiff::Timestamp::from_second(h.published_at).unwrap_or_default().to_string(),
        })
        .collect();
    Ok(Json(SearchOut { total: results.total, page: params.page.unwrap_or(1), hits }))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ContentQuery {
    /// Section slug.
    section: Option<String>,
    /// Tag slug.
    tag: Option<String>,
    /// Author slug.
    author: Option<String>,
    /// Source slug.
    source: Option<String>,
    /// Only stories changed at or after this RFC 3339 time.
    updated_since: Option<String>,
    /// Page number from 1.
    page: Option<u32>,
}

fn bad(message: &str) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, "bad_request", message)
}

/// Published stories, newest first.
#[utoipa::path(get, path = "/api/content/v1/stories", tag = "content", params(ContentQuery),
    responses((status = 200, body = StoryPage), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn list_stories(
    State(state): State<AppState>,
    _t: ContentToken,
    Query(q): Query<ContentQuery>,
) -> Result<Json<StoryPage>, ApiError> {
    let store = &state.store;
    let mut filter = ContentFilter::default();
    if let Some(slug) = q.section.as_deref().filter(|s| !s.is_empty()) {
        filter.section = Some(store.section_by_slug(slug).await?.ok_or_else(ApiError::not_found)?.id);
    }
    if let Some(slug) = q.tag.as_deref().filter(|s| !s.is_empty()) {
        filter.tag = Some(store.tag_by_slug(slug).await?.ok_or_else(ApiError::not_found)?.id);
    }
    if let Some(slug) = q.author.as_deref().filter(|s| !s.is_empty()) {
        filter.author = Some(store.author_by_slug(slug).await?.ok_or_else(ApiError::not_found)?.id);
    }
    if let Some(slug) = q.source.as_deref().filter(|s| !s.is_empty()) {
        filter.source = Some(store.source_by_slug(slug).await?.ok_or_else(ApiError::not_found)?.id);
    }
    if let Some(since) = q.updated_since.as_deref().filter(|s| !s.is_empty()) {
        filter.changed_since =
            Some(since.parse().map_err(|_| bad("updated_since must be an RFC 3339 time"))?);
    }
    let page = q.page.unwrap_or(1);
    if page == 0 || page > 10_000 {
        return Err(bad("page must be from 1 to 10000"));
    }
    let window = PageRequest { offset: u64::from(page - 1) * u64::from(PER_PAGE), limit: PER_PAGE + 1 };
    let mut ids = store.published_ids(&filter, window).await?;
    let more = ids.len() > PER_PAGE as usize;
    ids.truncate(PER_PAGE as usize);
    let mut items = Vec::with_capacity(ids.len());
    for id in ids {
        if let Some(story) = store.story(id).await?.filter(|s| s.status == StoryStatus::Published) {
            items.push(StoryOut::new(&story, false));
        }
    }
    Ok(Json(StoryPage { items, page, next_page: more.then_some(page + 1) }))
}

/// One published story by slug.
#[utoipa::path(get, path = "/api/content/v1/stories/{slug}", tag = "content", params(("slug" = String, Path)),
    responses((status = 200, body = StoryOut), (status = 404, body = ErrorBody)))]
async fn get_story(
    State(state): State<AppState>,
    _t: ContentToken,
    Path(slug): Path<String>,
) -> Result<Json<StoryOut>, ApiError> {
    let story = state
        .store
        .story_by_slug(&slug)
        .await?
        .filter(|s| s.status == StoryStatus::Published)
        .ok_or_else(ApiError::not_found)?;
    let entries = dateline_newsroom::live::entries(state.store.as_ref(), story.id).await?;
    Ok(Json(StoryOut::new(&story, false).with_entries(&entries, false)))
}

#[utoipa::path(get, path = "/api/content/v1/sections", tag = "content", responses((status = 200, body = Vec<SectionOut>)))]
async fn list_sections(
    State(state): State<AppState>,
    _t: ContentToken,
) -> Result<Json<Vec<SectionOut>>, ApiError> {
    Ok(Json(state.store.sections().await?.iter().map(Into::into).collect()))
}

#[utoipa::path(get, path = "/api/content/v1/tags", tag = "content", responses((status = 200, body = Vec<TagOut>)))]
async fn list_tags(State(state): State<AppState>, _t: ContentToken) -> Result<Json<Vec<TagOut>>, ApiError> {
    Ok(Json(state.store.tags().await?.iter().map(Into::into).collect()))
}

#[utoipa::path(get, path = "/api/content/v1/authors", tag = "content", responses((status = 200, body = Vec<AuthorOut>)))]
async fn list_authors(
    State(state): State<AppState>,
    _t: ContentToken,
) -> Result<Json<Vec<AuthorOut>>, ApiError> {
    Ok(Json(state.store.authors().await?.iter().map(Into::into).collect()))
}
