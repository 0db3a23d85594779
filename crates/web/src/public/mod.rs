//! The public site: what readers see. One file per page type; this module holds what they
//! share (the page number of a list, the site context of every page).

pub mod assets;
pub mod feeds;
pub mod health;
pub mod home;
pub mod lists;
pub mod most_read;
pub mod search;
pub mod sitemaps;
pub mod story;

use crate::error::WebError;
use crate::state::AppState;
use crate::views::{self, SiteView};
use axum::extract::{FromRequestParts, Query};
use axum::http::request::Parts;
use dateline_core::{PageRequest, Section, SiteSettings};
use std::sync::Arc;

/// Stories on one page of a list.
pub const PER_PAGE: u32 = 20;
/// Deepest page a list offers; older stories are reached through search and sitemaps.
pub const MAX_PAGE: u32 = 500;

/// The `?page=N` of a list: absent means 1; anything but a whole number from 1 up is a 400.
/// Other query parameters (utm_source and friends) are ignored.
#[derive(Debug, Clone, Copy)]
pub struct PageNumber(pub u32);

impl PageNumber {
    /// The window of one page, asking one story more to learn whether a next page exists.
    pub fn request(self) -> PageRequest {
        PageRequest { offset: u64::from(self.0 - 1) * u64::from(PER_PAGE), limit: PER_PAGE + 1 }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for PageNumber {
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let Query(pairs) = Query::<Vec<(String, String)>>::from_request_parts(parts, state)
            .await
            .map_err(|_| WebError::BadRequest("The address has a malformed query string.".into()))?;
        let mut pages = pairs.iter().filter(|(k, _)| k == "page");
        let page = match (pages.next(), pages.next()) {
            (None, _) => 1,
            (Some(_), Some(_)) => {
                return Err(WebError::BadRequest("Give the page number only once.".into()));
            }
            (Some((_, v)), None) => v.parse::<u32>().ok().filter(|n| *n >= 1).ok_or_else(|| {
                WebError::BadRequest(format!("The page number must be a whole number from 1, not {v:?}."))
            })?,
        };
        if page > MAX_PAGE {
            return Err(WebError::NotFound);
        }
        Ok(Self(page))
    }
}

/// Settings and sections: what every page needs for its header.
pub struct SiteContext {
    pub settings: SiteSettings,
    pub sections: Vec<Section>,
    /// The site as a schema.org publisher, for every page's structured data.
    pub publisher: serde_json::Value,
}

impl SiteContext {
    /// The settings and sections, from the state's short-lived cache or the store.
    ///
    /// # Errors
    /// [`WebError`] when the store fails.
    pub async fn load(state: &AppState) -> Result<Arc<Self>, WebError> {
        if let Some(ctx) = state.site_cache.get() {
            return Ok(ctx);
        }
        let (settings, sections) = tokio::try_join!(state.store.settings(), state.store.sections())?;
        let logo = match settings.logo_url.as_str() {
            "" => state.theme.asset_url("logo.png"),
            url => url.to_owned(),
        };
        let publisher = views::publisher(&settings, &logo);
        let ctx = Arc::new(Self { settings, sections, publisher });
        state.site_cache.put(ctx.clone());
        Ok(ctx)
    }

    pub fn site(&self, state: &AppState, current_path: &str) -> SiteView {
        SiteView::new(&self.settings, &self.sections, state.clock.now(), current_path)
    }
}
