//! Theme assets (CSS, JS, images) from the site's theme folder or the built-in theme.

use crate::error::WebError;
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};

pub async fn asset(State(state): State<AppState>, Path(name): Path<String>) -> Result<Response, WebError> {
    let (bytes, content_type) = state.theme.asset(&name).ok_or(WebError::NotFound)?;
    Ok((
        [(header::CONTENT_TYPE, content_type), (header::CACHE_CONTROL, "public, max-age=3600")],
        bytes.into_owned(),
    )
        .into_response())
}
