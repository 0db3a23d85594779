//! Paginated lists of stories: section fronts, tag, author and source pages, and the
//! "latest" river. They differ only in their filter and heading.

use super::{PER_PAGE, PageNumber, SiteContext};
use crate::error::WebError;
use crate::state::AppState;
use crate::views::{Card, PageMeta, Pagination, author_url, section_url, source_url, tag_url};
use axum::extract::{Path, State};
use axum::response::Html;
use dateline_core::{StoryFilter, TextDirection};
use std::sync::Arc;

/// What distinguishes one list page from another.
struct ListSpec {
    path: String,
    heading: String,
    intro: Option<String>,
    language: Option<String>,
    filter: StoryFilter,
}

async fn render(
    state: &AppState,
    ctx: Arc<SiteContext>,
    spec: ListSpec,
    page: PageNumber,
) -> Result<Html<String>, WebError> {
    let mut stories = state.store.published(spec.filter, page.request()).await?;
    if stories.is_empty() && page.0 > 1 {
        return Err(WebError::NotFound);
    }
    let has_more = stories.len() > PER_PAGE as usize;
    stories.truncate(PER_PAGE as usize);
    let settings = &ctx.settings;
    let lang = spec.language.unwrap_or_else(|| settings.language.clone());
    let dir = TextDirection::of_language(&lang).as_str();
    let title = if page.0 > 1 { format!("{} (page {})", spec.heading, page.0) } else { spec.heading.clone() };
    let description = spec.intro.clone().unwrap_or_else(|| format!("{} on {}", spec.heading, settings.name));
    let canonical = if page.0 > 1 { format!("{}?page={}", spec.path, page.0) } else { spec.path.clone() };
    let mut meta = PageMeta::simple(settings, &title, &description, &canonical);
    meta.lang.clone_from(&lang);
    meta.dir = dir;
    let html = state.theme.render(
        "list.html",
        crate::view_context! {
            site => ctx.site(state, &spec.path),
            page => meta,
            heading => spec.heading,
            intro => spec.intro,
            stories => Card::list(&stories, settings),
            pagination => Pagination::new(&spec.path, page.0, has_more),
            lang => lang,
            dir => dir,
        },
    )?;
    Ok(Html(html))
}

pub async fn latest(State(state): State<AppState>, page: PageNumber) -> Result<Html<String>, WebError> {
    let ctx = SiteContext::load(&state).await?;
    let spec = ListSpec {
        path: "/latest".into(),
        heading: "Latest News".into(),
        intro: None,
        language: None,
        filter: StoryFilter::All,
    };
    render(&state, ctx, spec, page).await
}

pub async fn section(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    page: PageNumber,
) -> Result<Html<String>, WebError> {
    let ctx = SiteContext::load(&state).await?;
    let section = ctx.sections.iter().find(|s| s.slug.as_str() == slug).cloned().ok_or(WebError::NotFound)?;
    let spec = ListSpec {
        path: section_url(section.slug.as_str()),
        heading: section.name,
        intro: Some(section.description).filter(|d| !d.is_empty()),
        language: section.language,
        filter: StoryFilter::Section(section.id),
    };
    render(&state, ctx, spec, page).await
}

pub async fn tag(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    page: PageNumber,
) -> Result<Html<String>, WebError> {
    let tag = state.store.tag_by_slug(&slug).await?.ok_or(WebError::NotFound)?;
    let ctx = SiteContext::load(&state).await?;
    let spec = ListSpec {
        path: tag_url(tag.slug.as_str()),
        heading: tag.name,
        intro: None,
        language: None,
        filter: StoryFilter::Tag(tag.id),
    };
    render(&state, ctx, spec, page).await
}

pub async fn author(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    page: PageNumber,
) -> Result<Html<String>, WebError> {
    let author = state.store.author_by_slug(&slug).await?.ok_or(WebError::NotFound)?;
    let ctx = SiteContext::load(&state).await?;
    let spec = ListSpec {
        path: author_url(author.slug.as_str()),
        heading: author.name,
        intro: Some(author.bio).filter(|b| !b.is_empty()),
        language: None,
        filter: StoryFilter::Author(author.id),
    };
    render(&state, ctx, spec, page).await
}

pub async fn source(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    page: PageNumber,
) -> Result<Html<String>, WebError> {
    let source = state.store.source_by_slug(&slug).await?.ok_or(WebError::NotFound)?;
    let ctx = SiteContext::load(&state).await?;
    let spec = ListSpec {
        path: source_url(source.slug.as_str()),
        heading: format!("Stories from {}", source.name),
        intro: None,
        language: None,
        filter: StoryFilter::Source(source.id),
    };
    render(&state, ctx, spec, page).await
}
