//! Theme assets (CSS, JS, images) from the site's theme folder or the built-in theme.
//! Pages link them as `/assets/NAME?v=VERSION` (see `asset_url` in the theme): asked for
//! with the current version they are immutable; otherwise they are kept for a short while.

use crate::error::WebError;
use crate::page_cache::PageDeps;
use crate::state::AppState;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::Response;

#[derive(serde::Deserialize)]
pub struct Version {
    v: Option<String>,
}

pub async fn asset(
    State(state): State<AppState>,
    Path(name): Path<String>,
    Query(version): Query<Version>,
) -> Result<Response, WebError> {
    let (bytes, content_type) = state.theme.asset(&name).ok_or(WebError::NotFound)?;
    let current = version.v.is_some_and(|v| v == crate::theme::version_of(&bytes));
    let cache_control = if current { IMMUTABLE } else { "public, max-age=300" };
    Ok(PageDeps::new(cache_control, []).attach(([(header::CONTENT_TYPE, content_type)], bytes.into_owned())))
}

/// For an asset asked for by its current version.
pub const IMMUTABLE: &str = "public, max-age=31536000, immutable";
