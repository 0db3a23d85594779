//! Theme assets (CSS, JS, images) from the site's theme folder or the built-in theme.
//! Pages link them as `/assets/NAME?v=VERSION` (see `asset_url` in the theme): asked for
//! with the current version they are immutable; otherwise they are kept for a short while.
//! Only the current version and the bare address are kept in the page cache: any other
//! `v` is answered from the file, so random versions cannot fill the cache.

use crate::error::WebError;
use crate::page_cache::PageDeps;
use crate::state::AppState;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};

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
    let current = version.v.as_ref().map(|v| *v == crate::theme::version_of(&bytes));
    let cache_control = if current == Some(true) { IMMUTABLE } else { SHORT };
    let response =
        ([(header::CONTENT_TYPE, content_type), (header::CACHE_CONTROL, cache_control)], bytes.into_owned());
    Ok(match current {
        Some(false) => response.into_response(),
        _ => PageDeps::new(cache_control, []).attach(response),
    })
}

/// `/favicon.ico`, where browsers look for it unasked: the theme's `favicon.ico` (a theme
/// folder's own replaces the built-in one). Pages link it by version as well.
pub async fn favicon(State(state): State<AppState>) -> Result<Response, WebError> {
    let (bytes, content_type) = state.theme.asset("favicon.ico").ok_or(WebError::NotFound)?;
    let response =
        ([(header::CONTENT_TYPE, content_type), (header::CACHE_CONTROL, FAVICON)], bytes.into_owned());
    Ok(PageDeps::new(FAVICON, []).attach(response))
}

/// For `/favicon.ico`, whose address cannot change with its content: a week.
const FAVICON: &str = "public, max-age=604800";

/// For an asset asked for by its current version.
pub const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// For an asset asked for without its version, or by an old one.
const SHORT: &str = "public, max-age=300";
