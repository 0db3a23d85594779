//! The wire push endpoint: an agency POSTs its copy (ninjs, NewsML-G2, or a feed document)
//! to `/api/wire/v1/sources/{id}/items` with the source's own token. The items go through
//! the newsroom's one wire take-in (`dateline_newsroom::wire`): parsed, stored and published
//! (or held) in one transaction that is committed before the answer, so an acknowledged
//! item is never lost. Their pictures are fetched after the answer
//! (`wire_images`), so a picture never delays a story.

use super::{ApiError, ErrorBody};
use crate::state::AppState;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use dateline_core::{IngestAction, SourceId, secrets};
use dateline_newsroom::wire::TakeInError;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(push_items))
}

#[derive(Serialize, ToSchema)]
pub struct PushResult {
    /// One entry per item, in order: published, held, updated, killed or unchanged.
    actions: Vec<ActionOut>,
}

#[derive(Serialize, ToSchema)]
pub struct ActionOut {
    guid: String,
    action: String,
    story_id: Option<i64>,
}

/// Receives ninjs or NewsML-G2 from a push source.
#[utoipa::path(post, path = "/api/wire/v1/sources/{id}/items", tag = "wire", params(("id" = i64, Path)),
    request_body(content = String, description = "A ninjs JSON document or a NewsML-G2 newsItem/newsMessage", content_type = "application/json"),
    responses((status = 200, body = PushResult), (status = 401, body = ErrorBody), (status = 413, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn push_items(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<PushResult>, ApiError> {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .unwrap_or("");
    let unauthorized =
        || ApiError::new(StatusCode::UNAUTHORIZED, "unauthorized", "Send this source's push token.");
    if token.is_empty() {
        return Err(unauthorized());
    }
    let source = state.store.source_by_push_token(&secrets::token_hash(token)).await?;
    if source != Some(SourceId(id)) {
        return Err(unauthorized());
    }
    let taken = dateline_newsroom::wire::take_in(
        state.store.as_ref(),
        &state.wire_images,
        SourceId(id),
        &body,
        None,
        state.clock.now(),
    )
    .await
    .map_err(|e| match e {
        TakeInError::Unreadable(e) => {
            ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "unreadable", e.to_string())
        }
        TakeInError::Store(e) => e.into(),
    })?;
    let actions = taken
        .items
        .iter()
        .zip(taken.actions)
        .map(|(item, action)| {
            let (name, story) = match action {
                IngestAction::Published(s) => ("published", Some(s.0)),
                IngestAction::Held => ("held", None),
                IngestAction::Updated(s) => ("updated", Some(s.0)),
                IngestAction::Killed(s) => ("killed", s.map(|s| s.0)),
                IngestAction::Unchanged => ("unchanged", None),
            };
            tracing::info!(source = id, guid = %item.guid, action = name, "wire item received");
            ActionOut { guid: item.guid.clone(), action: name.into(), story_id: story }
        })
        .collect();
    Ok(Json(PushResult { actions }))
}
