//! Fronts editors arrange, in the admin: the home page's lead and top stories and each
//! section's top stories. A front is an ordered list (the first is the lead) changed with
//! buttons (move up, move down, remove, add), so the keyboard does all of it, and by
//! dragging (the admin script reorders and saves). Saved through
//! `dateline_newsroom::fronts`: editors and administrators.

use super::{Done, Editor, done_redirect, render};
use crate::error::WebError;
use crate::input::Form;
use crate::state::AppState;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use dateline_core::{Action, FrontPins, PageRequest, StoryFilter, StoryId, Target};
use dateline_newsroom::fronts;
use serde::Serialize;

/// Stories offered to add: the newest published ones.
const OFFERED: u32 = 30;

#[derive(Serialize)]
struct Slot {
    id: i64,
    headline: String,
    /// Not on the site now: kept here, left out of the page.
    off_site: bool,
}

/// The front page of the admin: home and every section, to arrange.
pub async fn list(State(state): State<AppState>, editor: Editor) -> Result<Response, WebError> {
    editor.require(Action::ArrangeFronts, Target::Site)?;
    let sections = state.store.sections().await?;
    let fronts: Vec<_> = std::iter::once(("home".to_owned(), "Home page".to_owned()))
        .chain(sections.into_iter().map(|s| (s.slug.to_string(), format!("Section: {}", s.name))))
        .map(|(slug, name)| minijinja::context! { url => format!("/admin/fronts/{slug}"), name => name })
        .collect();
    render(
        &state,
        Some(&editor.0),
        StatusCode::OK,
        "fronts.html",
        "/admin/fronts",
        None,
        minijinja::context! { fronts => fronts },
    )
    .await
}

pub async fn page(
    State(state): State<AppState>,
    editor: Editor,
    Path(name): Path<String>,
    Query(done): Query<Done>,
) -> Result<Response, WebError> {
    editor.require(Action::ArrangeFronts, Target::Site)?;
    let store = state.store.as_ref();
    let front = fronts::front_named(store, &name).await?.ok_or(WebError::NotFound)?;
    let pins = store.front_pins(front).await?;
    let public = store.public_summaries(&pins.all()).await?;
    let mut slots = Vec::new();
    for id in pins.all() {
        let (headline, off_site) = match public.iter().find(|s| s.id == id) {
            Some(s) => (s.headline.clone(), false),
            None => (store.story(id).await?.map(|s| s.headline).unwrap_or_default(), true),
        };
        slots.push(Slot { id: id.0, headline, off_site });
    }
    let filter = match front {
        dateline_core::Front::Home => StoryFilter::All,
        dateline_core::Front::Section(id) => StoryFilter::Section(id),
    };
    let offered: Vec<_> = store
        .published(filter, PageRequest { offset: 0, limit: OFFERED })
        .await?
        .into_iter()
        .filter(|s| !pins.all().contains(&s.id))
        .map(|s| minijinja::context! { id => s.id.0, headline => s.headline })
        .collect();
    let flash = done.flash(&[("saved", "Saved: the front shows it now.")]);
    let title = if name == "home" { "Home page".to_owned() } else { format!("Section: {name}") };
    let context = minijinja::context! {
        front => name.clone(),
        title => title,
        is_home => name == "home",
        slots => crate::theme::to_value(&slots),
        offered => offered,
    };
    render(
        &state,
        Some(&editor.0),
        StatusCode::OK,
        "front.html",
        &format!("/admin/fronts/{name}"),
        flash,
        context,
    )
    .await
}

/// Applies the button pressed (`move` = `up:N`, `down:N`, `remove:N`; `add`) to the order
/// sent (`order`, the first the lead) and saves it.
pub async fn save(
    State(state): State<AppState>,
    editor: Editor,
    Path(name): Path<String>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let field = |key: &str| fields.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str()).unwrap_or("");
    editor.check_csrf(field("csrf"))?;
    let bad = |what: &str| WebError::BadRequest(format!("The form's {what} is not one this page sends."));
    let mut order: Vec<StoryId> = fields
        .iter()
        .filter(|(k, _)| k == "order")
        .map(|(_, v)| v.parse::<i64>().map(StoryId).map_err(|_| bad("order")))
        .collect::<Result<_, _>>()?;
    if let Some((op, at)) = field("move").split_once(':') {
        let at: usize = at.parse().map_err(|_| bad("button"))?;
        if at >= order.len() {
            return Err(bad("button"));
        }
        match op {
            "up" if at > 0 => order.swap(at, at - 1),
            "down" if at + 1 < order.len() => order.swap(at, at + 1),
            "remove" => {
                order.remove(at);
            }
            "up" | "down" => {}
            _ => return Err(bad("button")),
        }
    }
    if let Some(add) = Some(field("add")).filter(|a| !a.is_empty()) {
        let id = StoryId(add.parse().map_err(|_| bad("story to add"))?);
        if !order.contains(&id) {
            order.push(id);
        }
    }
    let store = state.store.as_ref();
    let front = fronts::front_named(store, &name).await?.ok_or(WebError::NotFound)?;
    let mut order = order.into_iter();
    let pins = FrontPins { lead: order.next(), top: order.collect() };
    match fronts::arrange(store, &editor.actor(), front, &pins).await {
        Ok(()) => Ok(done_redirect(&format!("/admin/fronts/{name}"), "saved")),
        Err(dateline_newsroom::AdminError::Invalid(errors)) => {
            Err(WebError::BadRequest(errors.iter().map(|e| e.message.clone()).collect::<Vec<_>>().join("; ")))
        }
        Err(e) => Err(e.into()),
    }
}
