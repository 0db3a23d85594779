//! Admin API: fronts editors arrange — the home page's lead and top stories, a section
//! front's top stories (`{"lead": id, "top": [ids]}`), through `dateline_newsroom::fronts`.

use super::{AdminToken, ApiError, ApiJson, ErrorBody};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use dateline_core::{FrontPins, StoryId};
use dateline_newsroom::fronts;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(get_front, put_front))
}

/// The stories pinned on a front: its lead and its top stories in order (at most 8). Those
/// not public (yet, or any more) keep their place here and are left out of the page.
#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FrontIo {
    #[serde(default)]
    pub lead: Option<i64>,
    #[serde(default)]
    pub top: Vec<i64>,
}

impl From<FrontPins> for FrontIo {
    fn from(p: FrontPins) -> Self {
        Self { lead: p.lead.map(|id| id.0), top: p.top.iter().map(|id| id.0).collect() }
    }
}

async fn front(state: &AppState, name: &str) -> Result<dateline_core::Front, ApiError> {
    fronts::front_named(state.store.as_ref(), name).await?.ok_or_else(ApiError::not_found)
}

/// What is pinned on `home` or a section front (by its slug).
#[utoipa::path(get, path = "/api/admin/v1/fronts/{front}", tag = "admin", params(("front" = String, Path)),
    responses((status = 200, body = FrontIo), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn get_front(
    State(state): State<AppState>,
    _t: AdminToken,
    Path(name): Path<String>,
) -> Result<Json<FrontIo>, ApiError> {
    let front = front(&state, &name).await?;
    Ok(Json(state.store.front_pins(front).await?.into()))
}

/// Pins stories on `home` or a section front, replacing what was pinned; the pages show it
/// at once.
#[utoipa::path(put, path = "/api/admin/v1/fronts/{front}", tag = "admin", params(("front" = String, Path)),
    request_body = FrontIo,
    responses((status = 200, body = FrontIo), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn put_front(
    State(state): State<AppState>,
    t: AdminToken,
    Path(name): Path<String>,
    ApiJson(input): ApiJson<FrontIo>,
) -> Result<Json<FrontIo>, ApiError> {
    let front = front(&state, &name).await?;
    let pins = FrontPins { lead: input.lead.map(StoryId), top: input.top.into_iter().map(StoryId).collect() };
    fronts::arrange(state.store.as_ref(), &t.actor(), front, &pins).await?;
    Ok(Json(state.store.front_pins(front).await?.into()))
}
