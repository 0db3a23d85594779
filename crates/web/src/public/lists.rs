//! Paginated lists of stories: section fronts, tag, author and source pages, and the
//! "latest" river. They differ only in their filter and heading (a [`ListSpec`], which the
//! feeds of each list share).

use super::{PER_PAGE, PageNumber, SiteContext};
use crate::error::WebError;
use crate::page_cache::{self, PageDeps};
use crate::state::AppState;
use crate::views::{self, Card, PageMeta, Pagination, author_url, section_url, source_url, tag_url};
use axum::extract::{Path, State};
use axum::response::{Html, Response};
use dateline_core::{ChangeKey, Front, StoryFilter, TextDirection};
use std::sync::Arc;

/// What distinguishes one list page from another (and one feed from another).
pub(super) struct ListSpec {
    pub path: String,
    pub heading: String,
    pub intro: Option<String>,
    pub language: Option<String>,
    pub filter: StoryFilter,
}

async fn render(
    state: &AppState,
    ctx: Arc<SiteContext>,
    spec: ListSpec,
    page: PageNumber,
) -> Result<Response, WebError> {
    let key = spec.cache_key();
    let mut stories = state.store.published(spec.filter, page.request()).await?;
    if stories.is_empty() && page.0 > 1 {
        return Err(WebError::NotFound);
    }
    let has_more = stories.len() > PER_PAGE as usize;
    stories.truncate(PER_PAGE as usize);
    // A section front's first page: the top stories its editors pinned, then the others.
    let top = match spec.filter {
        StoryFilter::Section(id) if page.0 == 1 => {
            let pins = state.store.front_pins(Front::Section(id)).await?;
            let top = state.store.public_summaries(&pins.all()).await?;
            stories.retain(|s| !top.iter().any(|t| t.id == s.id));
            top
        }
        _ => Vec::new(),
    };
    let settings = &ctx.settings;
    let lang = spec.language.unwrap_or_else(|| settings.language.clone());
    let dir = TextDirection::of_language(&lang).as_str();
    let title = if page.0 > 1 { format!("{} (page {})", spec.heading, page.0) } else { spec.heading.clone() };
    let description = spec.intro.clone().unwrap_or_else(|| format!("{} on {}", spec.heading, settings.name));
    let canonical = if page.0 > 1 { format!("{}?page={}", spec.path, page.0) } else { spec.path.clone() };
    let mut meta = PageMeta::simple(settings, &title, &description, &canonical);
    meta.feed_path = Some(spec.path.clone()).filter(|p| p != "/latest");
    meta.lang.clone_from(&lang);
    meta.dir = dir;
    meta.json_ld = Some(views::collection_json_ld(&meta, &spec.heading, settings));
    let html = state.theme.render(
        "list.html",
        crate::view_context! {
            site => ctx.site(state, &spec.path),
            page => meta,
            heading => spec.heading,
            intro => spec.intro,
            top => Card::list(&top, settings),
            stories => Card::list(&stories, settings),
            pagination => Pagination::new(&spec.path, page.0, has_more),
            lang => lang,
            dir => dir,
        },
    )?;
    Ok(PageDeps::new(page_cache::FRONT, [key]).attach(Html(html)))
}

impl ListSpec {
    /// The page-cache key of the list: its pages and feeds change when one of its stories does.
    pub fn cache_key(&self) -> ChangeKey {
        ChangeKey::of_list(&self.filter)
    }
}

/// The lists with their own pages and feeds, besides the whole site's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListKind {
    Section,
    Tag,
    Author,
    Source,
}

/// The whole site's river of stories.
pub(super) fn latest_spec() -> ListSpec {
    ListSpec {
        path: "/latest".into(),
        heading: "Latest News".into(),
        intro: None,
        language: None,
        filter: StoryFilter::All,
    }
}

/// The list of `kind` named `slug`; 404 when there is none.
pub(super) async fn spec_for(
    state: &AppState,
    ctx: &SiteContext,
    kind: ListKind,
    slug: &str,
) -> Result<ListSpec, WebError> {
    let store = &state.store;
    Ok(match kind {
        ListKind::Section => {
            let section =
                ctx.sections.iter().find(|s| s.slug.as_str() == slug).cloned().ok_or(WebError::NotFound)?;
            ListSpec {
                path: section_url(section.slug.as_str()),
                heading: section.name,
                intro: Some(section.description).filter(|d| !d.is_empty()),
                language: section.language,
                filter: StoryFilter::Section(section.id),
            }
        }
        ListKind::Tag => {
            let tag = store.tag_by_slug(slug).await?.ok_or(WebError::NotFound)?;
            ListSpec {
                path: tag_url(tag.slug.as_str()),
                heading: tag.name,
                intro: None,
                language: None,
                filter: StoryFilter::Tag(tag.id),
            }
        }
        ListKind::Author => {
            let author = store.author_by_slug(slug).await?.ok_or(WebError::NotFound)?;
            ListSpec {
                path: author_url(author.slug.as_str()),
                heading: author.name,
                intro: Some(author.bio).filter(|b| !b.is_empty()),
                language: None,
                filter: StoryFilter::Author(author.id),
            }
        }
        ListKind::Source => {
            let source = store.source_by_slug(slug).await?.ok_or(WebError::NotFound)?;
            ListSpec {
                path: source_url(source.slug.as_str()),
                heading: format!("Stories from {}", source.name),
                intro: None,
                language: None,
                filter: StoryFilter::Source(source.id),
            }
        }
    })
}

pub async fn latest(State(state): State<AppState>, page: PageNumber) -> Result<Response, WebError> {
    let ctx = SiteContext::load(&state).await?;
    render(&state, ctx, latest_spec(), page).await
}

async fn list_page(
    state: AppState,
    kind: ListKind,
    slug: &str,
    page: PageNumber,
) -> Result<Response, WebError> {
    let ctx = SiteContext::load(&state).await?;
    let spec = spec_for(&state, &ctx, kind, slug).await?;
    render(&state, ctx, spec, page).await
}

pub async fn section(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    page: PageNumber,
) -> Result<Response, WebError> {
    list_page(state, ListKind::Section, &slug, page).await
}

pub async fn tag(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    page: PageNumber,
) -> Result<Response, WebError> {
    list_page(state, ListKind::Tag, &slug, page).await
}

pub async fn author(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    page: PageNumber,
) -> Result<Response, WebError> {
    list_page(state, ListKind::Author, &slug, page).await
}

pub async fn source(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    page: PageNumber,
) -> Result<Response, WebError> {
    list_page(state, ListKind::Source, &slug, page).await
}
