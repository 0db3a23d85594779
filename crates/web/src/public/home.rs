//! The home page: the lead story, top stories, the latest stories, "Most Read" and a block
//! per section.

use super::SiteContext;
use crate::error::WebError;
use crate::page_cache::{self, PageDeps};
use crate::state::AppState;
use crate::views::{self, Card, PageMeta, section_url};
use axum::extract::State;
use axum::response::Html;
use dateline_core::{
    ChangeKey, Front, FrontPins, PageRequest, Prominence, StoryFilter, StorySummary, TextDirection,
};
use serde::Serialize;

const TOP_STORIES: usize = 4;
const LATEST: u32 = 10;
const PER_SECTION: u32 = 4;

#[derive(Serialize)]
struct SectionBlock {
    name: String,
    url: String,
    lang: String,
    dir: &'static str,
    stories: Vec<Card>,
}

pub async fn home(
    State(state): State<AppState>,
    uri: axum::http::Uri,
) -> Result<axum::response::Response, WebError> {
    // `/?p=123`: WordPress's short link to a post, which an import redirected.
    if let Some(query) = uri.query()
        && query.split('&').any(|pair| pair.starts_with("p="))
    {
        return super::story::moved_to(&state, &format!("/?{query}")).await?.ok_or(WebError::NotFound);
    }
    let ctx = SiteContext::load(&state).await?;
    let store = &state.store;
    let latest_page = PageRequest { offset: 0, limit: LATEST + TOP_STORIES as u32 + 1 };
    let (prominent, latest, pins) = tokio::try_join!(
        store.prominent(TOP_STORIES as u32 + 1),
        store.published(StoryFilter::All, latest_page),
        store.front_pins(Front::Home),
    )?;
    let pinned = store.public_summaries(&pins.all()).await?;
    let (lead, top) = arrange(&pins, &pinned, &prominent, &latest);
    let shown: Vec<_> = lead.iter().chain(&top).map(|s| s.id).collect();
    let latest: Vec<_> =
        latest.iter().filter(|s| !shown.contains(&s.id)).take(LATEST as usize).cloned().collect();

    let ids: Vec<_> = ctx.sections.iter().map(|s| s.id).collect();
    let per_section = store.published_per_section(&ids, PER_SECTION).await?;
    let sections: Vec<SectionBlock> = ctx
        .sections
        .iter()
        .map(|section| {
            let stories: Vec<_> =
                per_section.iter().filter(|s| s.section_slug == section.slug).cloned().collect();
            let lang = section.language.clone().unwrap_or_else(|| ctx.settings.language.clone());
            SectionBlock {
                name: section.name.clone(),
                url: section_url(section.slug.as_str()),
                dir: TextDirection::of_language(&lang).as_str(),
                lang,
                stories: Card::list(&stories, &ctx.settings),
            }
        })
        .collect();
    let s = &ctx.settings;
    let most_read = super::most_read::cards(&state, None, s).await?;
    let mut meta = PageMeta::simple(s, &s.name, &format!("The latest news from {}", s.name), "/");
    meta.json_ld = Some(views::website_json_ld(s, &ctx.publisher));
    let html = state.theme.render(
        "home.html",
        crate::view_context! {
            site => ctx.site(&state, "/"),
            page => meta,
            lead => lead.map(|l| Card::new(&l, s)),
            top => Card::list(&top, s),
            latest => Card::list(&latest, s),
            sections => sections,
            most_read => most_read,
        },
    )?;
    Ok(PageDeps::new(page_cache::FRONT, [ChangeKey::Front, ChangeKey::MostRead]).attach(Html(html)))
}

/// The front as an editor pinned it (`pinned`: the public ones of `pins`), the rest filled
/// in as [`pick_lead_and_top`] does: a pinned lead that is no longer public leaves its
/// place to the newest Lead story, pinned top stories come first in their order.
fn arrange(
    pins: &FrontPins,
    pinned: &[StorySummary],
    prominent: &[StorySummary],
    latest: &[StorySummary],
) -> (Option<StorySummary>, Vec<StorySummary>) {
    let pinned_lead = pins.lead.and_then(|id| pinned.iter().find(|s| s.id == id)).cloned();
    let pinned_top: Vec<StorySummary> = pinned.iter().filter(|s| pins.top.contains(&s.id)).cloned().collect();
    let taken = |s: &&StorySummary| pinned.iter().any(|p| p.id == s.id);
    let rest_prominent: Vec<StorySummary> = prominent.iter().filter(|s| !taken(s)).cloned().collect();
    let rest_latest: Vec<StorySummary> = latest.iter().filter(|s| !taken(s)).cloned().collect();
    let (filled_lead, filled_top) = pick_lead_and_top(&rest_prominent, &rest_latest);
    // With a pinned lead, the story that would have led is the first to fill in.
    let spare = filled_lead.clone().filter(|_| pinned_lead.is_some());
    let lead = pinned_lead.or(filled_lead);
    let mut top = pinned_top;
    for s in spare.into_iter().chain(filled_top).chain(rest_latest) {
        if top.len() >= TOP_STORIES {
            break;
        }
        if lead.as_ref().is_none_or(|l| l.id != s.id) && !top.iter().any(|t| t.id == s.id) {
            top.push(s);
        }
    }
    (lead, top)
}

/// The lead is the newest Lead story, else the newest story; top stories are the newest
/// Top stories, filled up with the newest others.
fn pick_lead_and_top(
    prominent: &[StorySummary],
    latest: &[StorySummary],
) -> (Option<StorySummary>, Vec<StorySummary>) {
    let lead =
        prominent.iter().find(|s| s.prominence == Prominence::Lead).or_else(|| latest.first()).cloned();
    let lead_id = lead.as_ref().map(|l| l.id);
    let mut top: Vec<StorySummary> = Vec::with_capacity(TOP_STORIES);
    for s in prominent.iter().chain(latest) {
        if top.len() == TOP_STORIES {
            break;
        }
        if Some(s.id) != lead_id && !top.iter().any(|t| t.id == s.id) {
            top.push(s.clone());
        }
    }
    (lead, top)
}
