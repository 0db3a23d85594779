//! The wire push endpoint: an agency POSTs its copy (ninjs, NewsML-G2, or a feed document)
//! to `/api/wire/v1/sources/{id}/items` with the source's own token. The items go through
//! the newsroom's one wire take-in (`dateline_newsroom::wire`): parsed, stored and published
//! (or held) in one transaction that is committed before the answer, so an acknowledged
//! item is never lost. Their pictures are fetched after the answer
//! (`wire_images`), so a picture never delays a story.
//!
//! The token and the source's kind are checked by [`Pusher`], from the request's head, before
//! a byte of the body is read: a stranger's push is refused without being received.

use super::{ApiError, ErrorBody};
use crate::state::AppState;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{FromRequestParts, Path, State};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use dateline_core::{IngestAction, SourceId};
use dateline_newsroom::wire::{PushRefused, TakeInError};
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

/// A push source whose own token came with the request: checked from the request's head
/// alone (`dateline_newsroom::wire::check_push`), so it goes before the body argument.
pub struct Pusher(SourceId);

impl FromRequestParts<AppState> for Pusher {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let Path(id) =
            Path::<i64>::from_request_parts(parts, state).await.map_err(|_| ApiError::not_found())?;
        let token = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map_or("", str::trim);
        match dateline_newsroom::wire::check_push(state.store.as_ref(), SourceId(id), token).await {
            Ok(()) => Ok(Self(SourceId(id))),
            Err(PushRefused::Unauthorized) => {
                Err(ApiError::new(StatusCode::UNAUTHORIZED, "unauthorized", "Send this source's push token."))
            }
            Err(PushRefused::NotPushSource) => Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "forbidden",
                "This source does not take pushes; an administrator sets it up as a push source.",
            )),
            Err(PushRefused::Store(e)) => Err(e.into()),
        }
    }
}

/// Receives ninjs or NewsML-G2 from a push source.
#[utoipa::path(post, path = "/api/wire/v1/sources/{id}/items", tag = "wire", params(("id" = i64, Path)),
    request_body(content = String, description = "A ninjs JSON document or a NewsML-G2 newsItem/newsMessage", content_type = "application/json"),
    responses((status = 200, body = PushResult), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 413, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn push_items(
    State(state): State<AppState>,
    Pusher(source): Pusher,
    body: Bytes,
) -> Result<Json<PushResult>, ApiError> {
    let taken = dateline_newsroom::wire::take_in(
        state.store.as_ref(),
        &state.wire_images,
        source,
        &body,
        None,
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
                IngestAction::Scheduled(s) => ("scheduled", Some(s.0)),
                IngestAction::Held => ("held", None),
                IngestAction::Updated(s) => ("updated", Some(s.0)),
                IngestAction::Killed(s) => ("killed", s.map(|s| s.0)),
                IngestAction::Unchanged => ("unchanged", None),
            };
            tracing::info!(%source, guid = %item.guid, action = name, "wire item received");
            ActionOut { guid: item.guid.clone(), action: name.into(), story_id: story }
        })
        .collect();
    Ok(Json(PushResult { actions }))
}
