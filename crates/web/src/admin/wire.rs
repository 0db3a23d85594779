//! The wire desk: agency items newest first, filtered by source and state, each with a
//! preview and the desk's three decisions — publish as is, edit then publish (a draft story
//! opens in the editor), or ignore. Items that changed after the desk acted (a newer version,
//! a kill) are flagged.

use super::{Editor, render};
use crate::error::WebError;
use crate::input::Form;
use crate::state::AppState;
use crate::theme::to_value;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use dateline_core::{Action, Target};
use dateline_core::{DeskAction, WireListItem};
use dateline_newsroom::AdminError;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// The states a wire item can be in.
const STATES: [&str; 5] = ["waiting", "drafted", "published", "ignored", "killed"];

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct DeskFilter {
    source: String,
    state: String,
}

#[derive(Serialize)]
struct Row {
    cells: Vec<String>,
    actions: Vec<RowAction>,
}

#[derive(Serialize)]
struct RowAction {
    label: &'static str,
    url: String,
    method: &'static str,
    danger: bool,
}

/// What the desk must notice about an item: changed since the desk acted, under embargo.
fn flags(item: &WireListItem, settings: &dateline_core::SiteSettings) -> String {
    let mut flags = Vec::new();
    if item.flagged {
        flags.push("changed since".to_owned());
    }
    if let Some(until) = item.item.embargoed {
        let when = settings.house_style.byline_moment(until, &settings.time_zone());
        flags.push(format!("embargoed until {when}"));
    }
    flags.join("; ")
}

fn row(item: &WireListItem, settings: &dateline_core::SiteSettings, can_act: bool) -> Row {
    let moment = settings.house_style.byline_moment(item.changed_at, &settings.time_zone());
    let mut actions = vec![RowAction {
        label: "Preview",
        url: format!("/admin/wire/{}", item.id),
        method: "get",
        danger: false,
    }];
    if can_act && matches!(item.state.as_str(), "waiting" | "ignored") {
        actions.push(RowAction {
            label: "Publish as is",
            url: format!("/admin/wire/{}/publish", item.id),
            method: "post",
            danger: false,
        });
        actions.push(RowAction {
            label: "Edit then publish",
            url: format!("/admin/wire/{}/draft", item.id),
            method: "post",
            danger: false,
        });
    }
    if can_act && item.state == "waiting" {
        actions.push(RowAction {
            label: "Ignore",
            url: format!("/admin/wire/{}/ignore", item.id),
            method: "post",
            danger: true,
        });
    }
    if let Some(story) = item.story {
        actions.push(RowAction {
            label: "Story",
            url: format!("/admin/stories/{story}"),
            method: "get",
            danger: false,
        });
    }
    Row {
        cells: vec![
            moment,
            item.source.clone(),
            item.title.clone(),
            item.version.map(|v| v.to_string()).unwrap_or_default(),
            item.state.clone(),
            flags(item, settings),
            item.also.join(", "),
        ],
        actions,
    }
}

pub async fn desk(
    State(state): State<AppState>,
    editor: Editor,
    Query(filter): Query<DeskFilter>,
) -> Result<Response, WebError> {
    editor.require(Action::ViewStories, Target::Site)?;
    let store = &state.store;
    let settings = store.settings().await?;
    let source = match filter.source.as_str() {
        "" => None,
        slug => Some(store.source_by_slug(slug).await?.ok_or(WebError::NotFound)?.id),
    };
    let wanted_state = Some(filter.state.as_str()).filter(|s| !s.is_empty());
    if wanted_state.is_some_and(|s| !STATES.contains(&s)) {
        return Err(WebError::BadRequest("Unknown state.".into()));
    }
    let items = store.wire_items(source, wanted_state, 200).await?;
    let can_act = editor.may(Action::ActOnWire, Target::Site);
    let rows: Vec<Row> = items.iter().map(|i| row(i, &settings, can_act)).collect();
    let option = |value: &str, label: &str| minijinja::context! { value => value, label => label };
    let mut source_options = vec![option("", "Any source")];
    source_options.extend(store.sources().await?.iter().map(|s| option(s.slug.as_str(), &s.name)));
    let mut state_options = vec![option("", "Any state")];
    state_options.extend(STATES.iter().map(|s| option(s, s)));
    let filters = minijinja::context! {
        action => "/admin/wire",
        fields => vec![
            minijinja::context! { name => "source", label => "Source", value => filter.source, options => source_options },
            minijinja::context! { name => "state", label => "State", value => filter.state, options => state_options },
        ],
    };
    let context = minijinja::context! {
        heading => "Wire desk",
        intro => "Agency items, last changed first. \"Also carried by\" names other agencies that sent the same story.",
        filters => filters,
        columns => to_value(["Changed", "Source", "Headline", "Version", "State", "Flag", "Also carried by"]),
        items => to_value(rows),
        create => minijinja::Value::from(()),
        errors => to_value(HashMap::<String, String>::new()),
    };
    render(&state, Some(&editor.0), StatusCode::OK, "simple_list.html", "/admin/wire", None, context).await
}

#[derive(Serialize)]
struct ItemAction {
    action: &'static str,
    label: &'static str,
    primary: bool,
}

pub async fn preview(
    State(state): State<AppState>,
    editor: Editor,
    Path(id): Path<i64>,
) -> Result<Response, WebError> {
    editor.require(Action::ViewStories, Target::Site)?;
    let item = state.store.wire_item(id).await?.ok_or(WebError::NotFound)?;
    let can_act = editor.may(Action::ActOnWire, Target::Site) && item.story.is_none();
    let actions = [
        ItemAction { action: "publish", label: "Publish as is", primary: true },
        ItemAction { action: "draft", label: "Edit then publish", primary: false },
        ItemAction { action: "ignore", label: "Ignore", primary: false },
    ];
    let view = minijinja::context! {
        id => item.id,
        title => item.title.clone(),
        source => item.source.clone(),
        guid => item.guid.clone(),
        version => item.version,
        state => item.state.clone(),
        flagged => item.flagged,
        place => item.item.place.clone(),
        summary => item.item.summary.clone(),
        body_html => item.item.body_html.clone(),
        authors => to_value(&item.item.authors),
        categories => to_value(&item.item.categories),
        language => item.item.language.clone(),
        also => to_value(&item.also),
        embargoed => match item.item.embargoed {
            Some(until) => {
                let settings = state.store.settings().await?;
                Some(settings.house_style.byline_moment(until, &settings.time_zone()))
            }
            None => None,
        },
    };
    let context = minijinja::context! { item => view, can_act => can_act, actions => to_value(actions) };
    render(&state, Some(&editor.0), StatusCode::OK, "wire_item.html", "/admin/wire", None, context).await
}

pub async fn act(
    State(state): State<AppState>,
    editor: Editor,
    Path((id, action)): Path<(i64, String)>,
    Form(f): Form<HashMap<String, String>>,
) -> Result<Response, WebError> {
    editor.check_csrf(f.get("csrf").map(String::as_str).unwrap_or(""))?;
    let action = match action.as_str() {
        "publish" => DeskAction::Publish,
        "draft" => DeskAction::Draft,
        "ignore" => DeskAction::Ignore,
        _ => return Err(WebError::NotFound),
    };
    let (store, now) = (state.store.as_ref(), state.clock.now());
    match dateline_newsroom::wire::act_on_item(store, &editor.actor(), id, action, now).await {
        Ok(Some(story)) if action == DeskAction::Draft => {
            Ok(Redirect::to(&format!("/admin/stories/{story}")).into_response())
        }
        Ok(_) => Ok(Redirect::to("/admin/wire").into_response()),
        Err(AdminError::Invalid(errors)) => {
            Err(WebError::BadRequest(errors.into_iter().map(|e| e.message).collect::<Vec<_>>().join("; ")))
        }
        Err(e) => Err(e.into()),
    }
}
