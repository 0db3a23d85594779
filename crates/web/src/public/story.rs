//! The story page: the story, its metadata, "Related", "Most Read", "Recent Stories" and
//! "More Stories From <Section>". An old slug answers 301 to the current one; a killed story 410.

use super::SiteContext;
use crate::error::WebError;
use crate::live::LiveView;
use crate::page_cache::{self, PageDeps};
use crate::state::AppState;
use crate::views::{Card, StoryView, absolute, section_url, story_meta, story_url};
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use dateline_core::{ChangeKey, PageRequest, StoryFilter, StoryStatus, StorySummary};

const RECENT: usize = 6;
const MORE: usize = 5;
const RELATED: usize = 4;

/// The stories related to `story` (`Search::related`): shared tags and distinctive words,
/// from the search index. A failing index leaves the block out rather than the page.
async fn related(
    state: &AppState,
    story: &dateline_core::Story,
    settings: &dateline_core::SiteSettings,
) -> Vec<minijinja::Value> {
    if state.search.behind()
        && let Err(e) = state.search.catch_up_if_free(&*state.store).await
    {
        tracing::warn!(error = %e, "search index behind the store");
    }
    let zone = settings.time_zone();
    match state.search.related(story, RELATED).await {
        Ok(hits) => hits
            .into_iter()
            .map(|h| {
                let at = jiff::Timestamp::from_second(h.published_at).unwrap_or_default();
                minijinja::context! {
                    url => story_url(&h.slug),
                    headline => h.headline,
                    published => settings.house_style.byline_moment(at, &zone),
                    published_iso => at.to_string(),
                }
            })
            .collect(),
        Err(e) => {
            tracing::warn!(error = %e, story = %story.id, "related stories could not be read");
            Vec::new()
        }
    }
}

/// A 301 to the story an imported post became, when `path` (with `?p=ID` for WordPress's
/// short links) is one of its old addresses.
pub async fn moved_to(state: &AppState, path: &str) -> Result<Option<Response>, WebError> {
    Ok(state.store.redirect_for_path(path).await?.map(|slug| {
        (StatusCode::MOVED_PERMANENTLY, [(header::LOCATION, story_url(slug.as_str()))]).into_response()
    }))
}

pub async fn story(State(state): State<AppState>, Path(slug): Path<String>) -> Result<Response, WebError> {
    let store = &state.store;
    let Some(story) = store.story_by_slug(&slug).await? else {
        return match store.redirect_for_slug(&slug).await? {
            Some(current) => {
                Ok((StatusCode::MOVED_PERMANENTLY, [(header::LOCATION, story_url(current.as_str()))])
                    .into_response())
            }
            None => Err(WebError::NotFound),
        };
    };
    match story.status {
        StoryStatus::Published => {}
        StoryStatus::Killed => return Err(WebError::Gone("This story has been removed.")),
        _ => return Err(WebError::NotFound),
    }
    let ctx = SiteContext::load(&state).await?;
    let (recent, more, also, translations, live_rows) = tokio::try_join!(
        store.published(StoryFilter::All, PageRequest { offset: 0, limit: RECENT as u32 + 1 }),
        store.published(
            StoryFilter::Section(story.section.id),
            PageRequest { offset: 0, limit: MORE as u32 + 1 }
        ),
        store.also_carried_by(story.id),
        store.translations(story.id),
        store.live_entries(story.id, 0),
    )?;
    let also: Vec<_> = also
        .into_iter()
        .map(|s| minijinja::context! { name => s.name, url => format!("/source/{}", s.slug) })
        .collect();
    let others = |list: Vec<StorySummary>, n: usize| -> Vec<StorySummary> {
        list.into_iter().filter(|s| s.id != story.id).take(n).collect()
    };
    let settings = &ctx.settings;
    let related = related(&state, &story, settings).await;
    let most_read = super::most_read::cards(&state, Some(story.id), settings).await?;
    let mut view = StoryView::new(&story, settings);
    // Cards first: their thumbnails (library pictures) get the body pictures' sizes too.
    view.body_html = crate::embed::cards(store.as_ref(), &view.body_html).await?;
    view.body_html = crate::media::responsive_body(store.as_ref(), &view.body_html).await?;
    let live = LiveView::new(&story, &live_rows, settings);
    let mut page = story_meta(&story, settings, &ctx.publisher, &translations);
    if let (Some(json_ld), Some(live)) = (page.json_ld.as_mut(), &live) {
        live_blog_json_ld(json_ld, &story, live, settings);
    }
    let section_path = section_url(story.section.slug.as_str());
    let html = state.theme.render(
        "story.html",
        crate::view_context! {
            site => ctx.site(&state, &section_path),
            page => page,
            live => live,
            story => view,
            recent => Card::list(&others(recent, RECENT), settings),
            more => Card::list(&others(more, MORE), settings),
            more_title => format!("More Stories From {}", story.section.name),
            more_url => section_path,
            related => related,
            most_read => most_read,
            also_carried_by => also,
            translations => translations
                .iter()
                .map(|t| minijinja::context! { headline => t.headline.clone(), lang => t.language.clone(), url => story_url(t.slug.as_str()) })
                .collect::<Vec<_>>(),
        },
    )?;
    let last_modified = story.updated_at.or(story.published_at).unwrap_or(story.modified_at);
    let keys = [
        ChangeKey::Story(story.id),
        ChangeKey::Front,
        ChangeKey::Section(story.section.id),
        ChangeKey::Translations(story.translation_of.unwrap_or(story.id)),
        ChangeKey::MostRead,
    ];
    let deps = PageDeps::new(page_cache::story_cache_control(&story, state.clock.now()), keys);
    Ok(deps.attach((
        [(
            header::LAST_MODIFIED,
            jiff::fmt::rfc2822::DateTimePrinter::new()
                .timestamp_to_rfc9110_string(&last_modified)
                .unwrap_or_default(),
        )],
        Html(html),
    )))
}

/// A live blog's structured data: schema.org `LiveBlogPosting` with its coverage times and
/// its entries as `liveBlogUpdate`s (newest first).
fn live_blog_json_ld(
    json_ld: &mut serde_json::Value,
    story: &dateline_core::Story,
    live: &LiveView,
    settings: &dateline_core::SiteSettings,
) {
    let url = absolute(settings, &story_url(story.slug.as_str()));
    json_ld["@type"] = "LiveBlogPosting".into();
    if let Some(coverage) = story.coverage {
        json_ld["coverageStartTime"] = coverage.start.to_string().into();
        if let Some(end) = coverage.end {
            json_ld["coverageEndTime"] = end.to_string().into();
        }
    }
    let updates: Vec<serde_json::Value> = live
        .entries
        .iter()
        .map(|e| {
            let mut update = serde_json::json!({
                "@type": "BlogPosting",
                "url": format!("{url}#{}", e.anchor),
                "datePublished": e.posted_iso,
                "articleBody": dateline_core::html::to_text(&e.body_html),
            });
            update["headline"] = if e.title.is_empty() { e.summary.clone() } else { e.title.clone() }.into();
            if let Some(image) = &e.image {
                update["image"] = absolute(settings, &image.url).into();
            }
            update
        })
        .collect();
    json_ld["liveBlogUpdate"] = updates.into();
    if let Some(newest) = live.entries.first() {
        json_ld["dateModified"] = newest.posted_iso.clone().into();
    }
}
