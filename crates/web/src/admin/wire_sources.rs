//! A source's wire settings in the admin: how its copy arrives (pushed, polled feed or drop
//! folder), where it goes (section, byline, language, auto-publish or hold for the desk),
//! how polling is going (last success, last error, failures in a row), and a new push
//! token, shown once, or none (revoked). Saving also looks at a polled source again at once.

use super::Editor;
use super::manage::{Field, Fields, Item, ItemAction, ListPage, Opt, Secret, check, field, get, show};
use crate::error::WebError;
use crate::input::Form;
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use dateline_core::Action;
use dateline_core::{FieldError, SectionId, SourceId, WireConfig, WireSource};
use dateline_newsroom::AdminError;
use dateline_newsroom::wire;

async fn load(state: &AppState, id: i64) -> Result<WireSource, WebError> {
    state.store.wire_source(SourceId(id)).await?.ok_or(WebError::NotFound)
}

fn path(id: SourceId) -> String {
    format!("/admin/sources/{id}/wire")
}

/// The form's values for the saved settings.
fn saved_fields(w: &WireSource) -> Fields {
    let c = &w.config;
    Fields::from([
        ("kind".into(), c.kind.clone()),
        ("location".into(), c.location.clone().unwrap_or_default()),
        ("poll_seconds".into(), w.poll_seconds.to_string()),
        ("section".into(), c.section.map(|s| s.to_string()).unwrap_or_default()),
        ("byline".into(), c.byline.clone()),
        ("language".into(), c.language.clone().unwrap_or_default()),
        ("auto_publish".into(), if c.auto_publish { "1" } else { "" }.into()),
    ])
}

/// How the source is doing, one row per fact, in the site's time zone.
async fn status_rows(state: &AppState, w: &WireSource) -> Result<Vec<Item>, WebError> {
    let settings = state.store.settings().await?;
    let when = |t: Option<jiff::Timestamp>| {
        t.map_or("never".to_owned(), |t| settings.house_style.byline_moment(t, &settings.time_zone()))
    };
    let row = |label: &str, value: String| Item { cells: vec![label.to_owned(), value], actions: vec![] };
    let kind = &w.config.kind;
    let mut rows = vec![row("Kind", kind.clone())];
    if WireConfig::is_polled(kind) {
        rows.push(row("Looks every", format!("{} s", w.poll_seconds)));
        rows.push(row("Last success", when(w.status.last_success_at)));
        let error = match &w.status.last_error {
            Some(e) => format!("{} — {e}", when(w.status.last_error_at)),
            None => "none".into(),
        };
        rows.push(row("Last error", error));
        rows.push(row("Failures in a row", w.status.failures.to_string()));
    }
    if WireConfig::is_push(kind) {
        let address = format!("{}/api/wire/v1/sources/{}/items", settings.base_url, w.source.id);
        let token = if w.has_push_token { "issued (only its hash is kept)" } else { "none yet" };
        rows.push(row("Push address", address));
        let mut token_row = row("Push token", token.into());
        token_row.actions.push(ItemAction {
            label: "New push token",
            url: format!("{}/token", path(w.source.id)),
            method: "post",
            danger: w.has_push_token,
        });
        if w.has_push_token {
            token_row.actions.push(ItemAction {
                label: "Revoke push token",
                url: format!("{}/token/revoke", path(w.source.id)),
                method: "post",
                danger: true,
            });
        }
        rows.push(token_row);
    }
    Ok(rows)
}

async fn page(state: &AppState, w: &WireSource) -> Result<ListPage, WebError> {
    let mut kind = field("kind", "Kind", "select", true);
    kind.options = WireConfig::KINDS.iter().map(|k| Opt { value: (*k).into(), label: (*k).into() }).collect();
    let mut location = field("location", "Feed address or drop folder", "text", false);
    location.hint = Some(
        "http(s) address for rss, atom and jsonfeed; for drop-newsml, an absolute path to a folder \
         under the server's drop root ([wire] drop_root)",
    );
    let mut every = field("poll_seconds", "Seconds between looks", "text", false);
    every.hint = Some("at least 10 for feeds, 1 for drop folders");
    let mut section = field("section", "Section", "select", false);
    section.options = vec![Opt { value: String::new(), label: "The first section".into() }];
    section.options.extend(
        state.store.sections().await?.into_iter().map(|s| Opt { value: s.id.to_string(), label: s.name }),
    );
    let mut byline = field("byline", "Byline", "text", false);
    byline.hint = Some("put on every story from this source; empty keeps the item's own");
    let mut language = field("language", "Language", "text", false);
    language.hint = Some("e.g. en or ur; empty keeps the item's own, else the site's");
    let mut auto =
        field("auto_publish", "Publish at once (otherwise hold for the wire desk)", "checkbox", false);
    auto.hint = Some("held items wait on the wire desk for an editor");
    let fields: Vec<Field> = vec![kind, location, every, section, byline, language, auto];
    Ok(ListPage {
        path: "/admin/sources",
        heading: format!("Wire settings: {}", w.source.name),
        intro: "How this source's copy arrives and what happens to it.".into(),
        columns: vec!["Status", "Value"],
        items: status_rows(state, w).await?,
        fields,
        submit: "Save wire settings",
        form_action: Some(path(w.source.id)),
    })
}

pub async fn settings(
    State(state): State<AppState>,
    editor: Editor,
    Path(id): Path<i64>,
) -> Result<Response, WebError> {
    check(&editor, Action::ManageSources, None)?;
    let w = load(&state, id).await?;
    let typed = saved_fields(&w);
    show(&state, &editor, page(&state, &w).await?, StatusCode::OK, Some(&typed), vec![], None).await
}

/// Reads the form; problems come back by field.
fn parse(f: &Fields) -> Result<(WireConfig, i64), Vec<FieldError>> {
    let optional = |name: &str| Some(get(f, name)).filter(|v| !v.is_empty());
    let section = match optional("section").map(|s| s.parse::<i64>()) {
        None => None,
        Some(Ok(id)) => Some(SectionId(id)),
        Some(Err(_)) => return Err(vec![FieldError::new("section", "choose a section from the list")]),
    };
    let kind = get(f, "kind");
    let poll_seconds = match optional("poll_seconds") {
        None => 300,
        Some(v) => v.parse::<i64>().map_err(|_| vec![FieldError::new("poll_seconds", "a whole number")])?,
    };
    let config = WireConfig {
        location: optional("location").filter(|_| WireConfig::is_polled(&kind)),
        kind,
        section,
        byline: get(f, "byline"),
        language: optional("language"),
        auto_publish: optional("auto_publish").is_some_and(|v| v != "0"),
    };
    Ok((config, poll_seconds))
}

pub async fn save(
    State(state): State<AppState>,
    editor: Editor,
    Path(id): Path<i64>,
    Form(f): Form<Fields>,
) -> Result<Response, WebError> {
    check(&editor, Action::ManageSources, Some(&f))?;
    let w = load(&state, id).await?;
    let saved = match parse(&f) {
        Ok((config, seconds)) => {
            let (store, now) = (state.store.as_ref(), state.clock.now());
            let origins = wire::Origins { egress: &state.egress, drop_root: &state.drop_root };
            wire::configure(store, origins, &editor.actor(), w.source.id, &config, seconds, now).await
        }
        Err(errors) => Err(AdminError::Invalid(errors)),
    };
    match saved {
        Ok(()) => Ok(Redirect::to(&path(w.source.id)).into_response()),
        Err(AdminError::Invalid(errors)) => {
            let page = page(&state, &w).await?;
            show(&state, &editor, page, StatusCode::UNPROCESSABLE_ENTITY, Some(&f), errors, None).await
        }
        Err(e) => Err(e.into()),
    }
}

/// Issues a new push token (the old one stops working) and shows it once.
pub async fn new_token(
    State(state): State<AppState>,
    editor: Editor,
    Path(id): Path<i64>,
    Form(f): Form<Fields>,
) -> Result<Response, WebError> {
    check(&editor, Action::ManageSources, Some(&f))?;
    let w = load(&state, id).await?;
    let token = wire::new_push_token(state.store.as_ref(), &editor.actor(), &w).await?;
    let w = load(&state, id).await?;
    let secret = Secret { label: "The new push token".into(), value: token };
    let typed = saved_fields(&w);
    show(&state, &editor, page(&state, &w).await?, StatusCode::OK, Some(&typed), vec![], Some(secret)).await
}

/// Revokes the push token: the source's pushes are refused until a new one is issued.
pub async fn revoke_token(
    State(state): State<AppState>,
    editor: Editor,
    Path(id): Path<i64>,
    Form(f): Form<Fields>,
) -> Result<Response, WebError> {
    check(&editor, Action::ManageSources, Some(&f))?;
    let w = load(&state, id).await?;
    wire::revoke_push_token(state.store.as_ref(), &editor.actor(), w.source.id).await?;
    Ok(Redirect::to(&path(w.source.id)).into_response())
}
