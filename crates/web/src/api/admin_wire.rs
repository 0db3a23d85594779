//! Admin API: a source's wire settings and polling status, and push tokens: a new one
//! (the old stops working) or none (revoked).

use super::{AdminToken, ApiError, ApiJson, ErrorBody};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use dateline_core::{FieldError, WireConfig, WireSource};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_wire, put_wire))
        .routes(routes!(new_push_token, revoke_push_token))
}

/// How a source's copy arrives and is handled.
#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WireIn {
    /// manual, push-ninjs, push-newsml, rss, atom, jsonfeed or drop-newsml.
    kind: String,
    /// Feed address (rss, atom, jsonfeed) or drop folder (drop-newsml).
    #[serde(default)]
    location: Option<String>,
    /// Seconds between looks, for feeds (at least 10) and drop folders (at least 1).
    #[serde(default = "default_poll_seconds")]
    poll_seconds: i64,
    /// Slug of the section new stories go to; the first section when absent.
    #[serde(default)]
    section: Option<String>,
    #[serde(default)]
    byline: String,
    #[serde(default)]
    language: Option<String>,
    #[serde(default)]
    auto_publish: bool,
}

fn default_poll_seconds() -> i64 {
    300
}

/// A source's wire settings and how polling is going.
#[derive(Serialize, ToSchema)]
pub struct WireOut {
    #[serde(flatten)]
    settings: WireIn,
    /// Whether a push token was issued.
    has_push_token: bool,
    last_success_at: Option<String>,
    last_error: Option<String>,
    last_error_at: Option<String>,
    /// Failures in a row; the wait before the next look doubles with each.
    failures: i64,
}

#[derive(Serialize, ToSchema)]
pub struct PushTokenOut {
    /// Send as `Authorization: Bearer <token>`; shown only now.
    token: String,
    push_url: String,
}

async fn wire_source(state: &AppState, slug: &str) -> Result<WireSource, ApiError> {
    let source = state.store.source_by_slug(slug).await?.ok_or_else(ApiError::not_found)?;
    state.store.wire_source(source.id).await?.ok_or_else(ApiError::not_found)
}

async fn out(state: &AppState, w: WireSource) -> Result<WireOut, ApiError> {
    let sections = state.store.sections().await?;
    let section =
        w.config.section.and_then(|id| sections.iter().find(|s| s.id == id)).map(|s| s.slug.to_string());
    Ok(WireOut {
        settings: WireIn {
            kind: w.config.kind,
            location: w.config.location,
            poll_seconds: w.poll_seconds,
            section,
            byline: w.config.byline,
            language: w.config.language,
            auto_publish: w.config.auto_publish,
        },
        has_push_token: w.has_push_token,
        last_success_at: w.status.last_success_at.map(|t| t.to_string()),
        last_error: w.status.last_error,
        last_error_at: w.status.last_error_at.map(|t| t.to_string()),
        failures: w.status.failures,
    })
}

#[utoipa::path(get, path = "/api/admin/v1/sources/{slug}/wire", tag = "admin", params(("slug" = String, Path)),
    responses((status = 200, body = WireOut), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn get_wire(
    State(state): State<AppState>,
    _t: AdminToken,
    Path(slug): Path<String>,
) -> Result<Json<WireOut>, ApiError> {
    let w = wire_source(&state, &slug).await?;
    Ok(Json(out(&state, w).await?))
}

/// Saves a source's wire settings; a polled source is looked at again at once.
#[utoipa::path(put, path = "/api/admin/v1/sources/{slug}/wire", tag = "admin", params(("slug" = String, Path)),
    request_body = WireIn,
    responses((status = 200, body = WireOut), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn put_wire(
    State(state): State<AppState>,
    t: AdminToken,
    Path(slug): Path<String>,
    ApiJson(input): ApiJson<WireIn>,
) -> Result<Json<WireOut>, ApiError> {
    let w = wire_source(&state, &slug).await?;
    let section = match &input.section {
        None => None,
        Some(s) => Some(
            state
                .store
                .section_by_slug(s)
                .await?
                .ok_or_else(|| ApiError::invalid(vec![FieldError::new("section", "no such section")]))?
                .id,
        ),
    };
    let config = WireConfig {
        location: input.location.filter(|_| WireConfig::is_polled(&input.kind)),
        kind: input.kind,
        section,
        byline: input.byline,
        language: input.language,
        auto_publish: input.auto_publish,
    };
    let (store, now) = (state.store.as_ref(), state.clock.now());
    let origins = dateline_newsroom::wire::Origins { egress: &state.egress, drop_root: &state.drop_root };
    let seconds = input.poll_seconds;
    dateline_newsroom::wire::configure(store, origins, &t.actor(), w.source.id, &config, seconds, now)
        .await?;
    let saved = state.store.wire_source(w.source.id).await?.ok_or_else(ApiError::not_found)?;
    Ok(Json(out(&state, saved).await?))
}

/// Issues a new push token for a push source; the old one stops working.
#[utoipa::path(post, path = "/api/admin/v1/sources/{slug}/push-token", tag = "admin", params(("slug" = String, Path)),
    responses((status = 200, body = PushTokenOut), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn new_push_token(
    State(state): State<AppState>,
    t: AdminToken,
    Path(slug): Path<String>,
) -> Result<Json<PushTokenOut>, ApiError> {
    let w = wire_source(&state, &slug).await?;
    let token = dateline_newsroom::wire::new_push_token(state.store.as_ref(), &t.actor(), &w).await?;
    let base = state.store.settings().await?.base_url;
    Ok(Json(PushTokenOut { token, push_url: format!("{base}/api/wire/v1/sources/{}/items", w.source.id) }))
}

/// Revokes a source's push token: its pushes are refused until a new token is issued.
#[utoipa::path(delete, path = "/api/admin/v1/sources/{slug}/push-token", tag = "admin", params(("slug" = String, Path)),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn revoke_push_token(
    State(state): State<AppState>,
    t: AdminToken,
    Path(slug): Path<String>,
) -> Result<StatusCode, ApiError> {
    let w = wire_source(&state, &slug).await?;
    dateline_newsroom::wire::revoke_push_token(state.store.as_ref(), &t.actor(), w.source.id).await?;
    Ok(StatusCode::NO_CONTENT)
}
