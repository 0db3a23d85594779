//! `/search?q=`: the reader's search page, over the search index (see `crate::search`),
//! with section and date filters and pages of results. Not kept by the page cache (every
//! query is its own page) and not for search engines to index.

use super::SiteContext;
use crate::error::WebError;
use crate::state::AppState;
use crate::views::{PageMeta, Pagination, story_url};
use axum::extract::{Query, State};
use axum::response::{Html, IntoResponse, Response};
use dateline_search::{SearchQuery, SearchResults};
use serde::{Deserialize, Serialize};

/// Results on one page.
pub const PER_PAGE: usize = 20;

/// What a reader (or an API client) may ask.
#[derive(Debug, Default, Clone, Deserialize, Serialize)]
#[serde(default)]
pub struct SearchParams {
    pub q: String,
    pub section: String,
    pub tag: String,
    pub author: String,
    pub source: String,
    /// A day, YYYY-MM-DD, in the site's time zone: from its start.
    pub from: String,
    /// A day, YYYY-MM-DD: to its end.
    pub to: String,
    pub page: Option<u32>,
}

impl SearchParams {
    /// The index query, with days turned into times in `zone`; a bad date or page is a 400.
    pub fn to_query(&self, zone: &jiff::tz::TimeZone) -> Result<SearchQuery, WebError> {
        let day = |name: &str, text: &str, next: bool| -> Result<Option<i64>, WebError> {
            if text.trim().is_empty() {
                return Ok(None);
            }
            let date: jiff::civil::Date = text.trim().parse().map_err(|_| {
                WebError::BadRequest(format!("The {name} date must look like 2025-02-27, not {text:?}."))
            })?;
            let date = if next {
                date.tomorrow().map_err(|_| WebError::BadRequest("Date out of range.".into()))?
            } else {
                date
            };
            let at = date
                .to_zoned_datetime(zone.clone())
                .map_err(|_| WebError::BadRequest("Date out of range.".into()))?;
            Ok(Some(at.timestamp().as_second()))
        };
        let page = self.page.unwrap_or(1);
        if page == 0 || page > 500 {
            return Err(WebError::BadRequest("The page number must be from 1 to 500.".into()));
        }
        let slug = |s: &str| Some(s.trim().to_owned()).filter(|s| !s.is_empty());
        Ok(SearchQuery {
            text: self.q.chars().take(500).collect(),
            section: slug(&self.section),
            tag: slug(&self.tag),
            author: slug(&self.author),
            source: slug(&self.source),
            from: day("from", &self.from, false)?,
            to: day("to", &self.to, true)?,
            offset: (page as usize - 1) * PER_PAGE,
            limit: PER_PAGE,
        })
    }
}

/// Runs a query against an index that has caught up with this process's changes.
pub async fn run(state: &AppState, query: SearchQuery) -> Result<SearchResults, WebError> {
    if state.search.behind()
        && let Err(e) = state.search.catch_up_if_free(&*state.store).await
    {
        tracing::warn!(error = %e, "search index behind the store");
    }
    state.search.search(query).await.map_err(WebError::internal)
}

#[derive(Serialize)]
struct HitView {
    url: String,
    headline: String,
    snippet_html: String,
    published: String,
    published_iso: String,
}

pub async fn page(
    State(state): State<AppState>,
    Query(params): Query<SearchParams>,
) -> Result<Response, WebError> {
    let ctx = SiteContext::load(&state).await?;
    let settings = &ctx.settings;
    let zone = settings.time_zone();
    let query = params.to_query(&zone)?;
    let searched = !(query.text.trim().is_empty()
        && query.section.is_none()
        && query.from.is_none()
        && query.to.is_none());
    let results = if searched { run(&state, query).await? } else { SearchResults::default() };
    let page = params.page.unwrap_or(1);
    let hits: Vec<HitView> = results
        .hits
        .iter()
        .map(|h| {
            let at = jiff::Timestamp::from_second(h.published_at).unwrap_or_default();
            HitView {
                url: story_url(&h.slug),
                headline: h.headline.clone(),
                snippet_html: h.snippet_html.clone(),
                published: settings.house_style.byline_moment(at, &zone),
                published_iso: at.to_string(),
            }
        })
        .collect();
    let base = url_of(&params).trim_end_matches('&').to_owned();
    let has_more = results.total > page as usize * PER_PAGE;
    let pagination = paginate(&base, page, has_more);
    let title =
        if params.q.trim().is_empty() { "Search".to_owned() } else { format!("Search: {}", params.q.trim()) };
    let mut meta = PageMeta::simple(settings, &title, &format!("Search {}", settings.name), "/search");
    meta.robots = Some("noindex, follow");
    let sections: Vec<_> = ctx
        .sections
        .iter()
        .map(|s| minijinja::context! { slug => s.slug.as_str(), name => s.name.clone() })
        .collect();
    let html = state.theme.render(
        "search.html",
        crate::view_context! {
            site => ctx.site(&state, "/search"),
            page => meta,
            query => minijinja::context! { q => params.q, section => params.section, from => params.from, to => params.to },
            sections => sections,
            searched => searched,
            total => results.total,
            hits => hits,
            pagination => pagination,
        },
    )?;
    Ok(([(axum::http::header::CACHE_CONTROL, "no-cache")], Html(html)).into_response())
}

/// `/search?…` with the non-empty parameters.
fn url_of(p: &SearchParams) -> String {
    let mut out = String::from("/search?");
    for (name, value) in [("q", &p.q), ("section", &p.section), ("from", &p.from), ("to", &p.to)] {
        if !value.is_empty() {
            out.push_str(name);
            out.push('=');
            out.push_str(&urlencode(value));
            out.push('&');
        }
    }
    out
}

fn paginate(base: &str, page: u32, has_more: bool) -> Pagination {
    let sep = if base.ends_with('?') { "" } else { "&" };
    let url = |p: u32| format!("{base}{sep}page={p}");
    Pagination {
        page,
        prev_url: (page > 1).then(|| url(page - 1)),
        next_url: has_more.then(|| url(page + 1)),
    }
}

fn urlencode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => out.push(b as char),
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}
