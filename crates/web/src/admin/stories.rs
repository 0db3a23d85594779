//! The story list: every story in any status, filtered by status, section, author and
//! headline words, last saved first.

use super::dashboard::Row;
use super::{Editor, render};
use crate::error::WebError;
use crate::public::PageNumber;
use crate::state::AppState;
use crate::theme::to_value;
use crate::views::Pagination;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use dateline_core::{Action, Target};
use dateline_core::{AdminStoryFilter, PageRequest, StoryStatus};
use serde::{Deserialize, Serialize};

const PER_PAGE: u32 = 50;

#[derive(Deserialize, Serialize, Default)]
#[serde(default)]
pub struct Filters {
    q: String,
    status: String,
    section: String,
    author: String,
}

#[derive(Serialize)]
struct Choice {
    slug: String,
    name: String,
}

pub async fn list(
    State(state): State<AppState>,
    editor: Editor,
    page: PageNumber,
    Query(filters): Query<Filters>,
) -> Result<Response, WebError> {
    editor.require(Action::ViewStories, Target::Site)?;
    let store = &state.store;
    let settings = store.settings().await?;
    let sections = store.sections().await?;
    let authors = store.authors().await?;
    let status = match filters.status.as_str() {
        "" => None,
        s => Some(
            StoryStatus::parse(s).ok_or_else(|| WebError::BadRequest(format!("Unknown status {s:?}.")))?,
        ),
    };
    let filter = AdminStoryFilter {
        status,
        section: sections.iter().find(|s| s.slug.as_str() == filters.section).map(|s| s.id),
        author: authors.iter().find(|a| a.slug.as_str() == filters.author).map(|a| a.id),
        query: Some(filters.q.trim().to_owned()).filter(|q| !q.is_empty()),
    };
    let window = PageRequest { offset: u64::from(page.0 - 1) * u64::from(PER_PAGE), limit: PER_PAGE + 1 };
    let mut items = store.admin_stories(&filter, window).await?;
    let has_more = items.len() > PER_PAGE as usize;
    items.truncate(PER_PAGE as usize);
    let rows: Vec<Row> = items.iter().map(|i| Row::new(i, &settings)).collect();
    let query = format!(
        "/admin/stories?q={}&status={}&section={}&author={}",
        super::urlencode(&filters.q),
        super::urlencode(&filters.status),
        super::urlencode(&filters.section),
        super::urlencode(&filters.author)
    );
    let mut pagination = Pagination::new(&query, page.0, has_more);
    pagination.prev_url = pagination.prev_url.map(|u| u.replacen("?page=", "&page=", 1));
    pagination.next_url = pagination.next_url.map(|u| u.replacen("?page=", "&page=", 1));
    let context = minijinja::context! {
        rows => to_value(rows),
        filters => to_value(&filters),
        statuses => to_value(StoryStatus::ALL.iter().map(|s| s.as_str()).collect::<Vec<_>>()),
        sections => to_value(sections.iter().map(|s| Choice { slug: s.slug.to_string(), name: s.name.clone() }).collect::<Vec<_>>()),
        authors => to_value(authors.iter().map(|a| Choice { slug: a.slug.to_string(), name: a.name.clone() }).collect::<Vec<_>>()),
        pagination => to_value(pagination),
    };
    render(&state, Some(&editor.0), StatusCode::OK, "stories.html", "/admin/stories", None, context).await
}
