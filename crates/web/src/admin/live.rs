//! The live desk of one story: start and end its live coverage, add an entry in seconds
//! (the form is at the top, the cursor in its text), edit or delete entries, through
//! `dateline_newsroom::live`. A refused entry shows the form again with what was typed.

use super::{Done, Editor, Flash, done_redirect, load_story, render};
use crate::error::WebError;
use crate::input::Form;
use crate::state::AppState;
use crate::views::story_url;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use dateline_core::{Action, EntryDraft, LiveEntry, Story, StoryId, StoryImage, Transition};
use dateline_newsroom::live;
use dateline_newsroom::stories::StoryError;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The entry form as typed.
#[derive(Debug, Default, Clone, Deserialize, Serialize)]
pub struct EntryForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    body: String,
    #[serde(default)]
    author: String,
    #[serde(default)]
    image_url: String,
    #[serde(default)]
    image_alt: String,
    #[serde(default)]
    key_event: Option<String>,
}

impl EntryForm {
    fn from_entry(entry: &LiveEntry) -> Self {
        Self {
            csrf: String::new(),
            title: entry.title.clone(),
            body: entry.body_source.clone(),
            author: entry.author.clone(),
            image_url: entry.image.as_ref().map(|i| i.url.clone()).unwrap_or_default(),
            image_alt: entry.image.as_ref().map(|i| i.alt.clone()).unwrap_or_default(),
            key_event: entry.key_event.then(|| "on".to_owned()),
        }
    }

    fn to_draft(&self) -> EntryDraft {
        EntryDraft {
            title: self.title.clone(),
            body: self.body.clone(),
            author: self.author.clone(),
            image: (!self.image_url.trim().is_empty()).then(|| StoryImage {
                url: self.image_url.clone(),
                alt: self.image_alt.clone(),
                ..StoryImage::default()
            }),
            key_event: self.key_event.is_some(),
            posted_at: None,
        }
    }
}

#[derive(Serialize)]
struct EntryLine {
    id: i64,
    title: String,
    text: String,
    author: String,
    posted: String,
    key_event: bool,
}

/// What the desk says after a redirect (`?done=...`).
const DONE_MESSAGES: &[(&str, &str)] = &[
    ("added", "Entry added: it is on the page now."),
    ("saved", "Entry saved."),
    ("deleted", "Entry deleted."),
    ("on", "Live coverage started."),
    ("off", "Live coverage ended: the story keeps its entries."),
];

/// After a change to the entries: the pages readers see follow it now, and the desk says
/// what was `done`.
async fn entries_changed(state: &AppState, id: i64, done: &str) -> Response {
    crate::page_cache::follow_now(state).await;
    done_redirect(&format!("/admin/stories/{id}/live"), done)
}

/// What the desk shows besides the story: the entry form as typed (a new entry, or the
/// one being edited) with its problems, and a message.
#[derive(Default)]
struct Shown {
    form: EntryForm,
    editing: Option<i64>,
    errors: BTreeMap<String, String>,
    flash: Option<Flash>,
}

/// The desk page: the entry form, the switch and the entries.
async fn desk(
    state: &AppState,
    editor: &Editor,
    story: &Story,
    status: StatusCode,
    shown: Shown,
) -> Result<Response, WebError> {
    let settings = state.store.settings().await?;
    let tz = settings.time_zone();
    let entries: Vec<EntryLine> = live::entries(state.store.as_ref(), story.id)
        .await?
        .iter()
        .map(|e| EntryLine {
            id: e.id,
            title: e.title.clone(),
            text: crate::live::first_words(&dateline_core::html::to_text(&e.body_html), 300),
            author: e.author.clone(),
            posted: settings.house_style.byline_moment(e.posted_at, &tz),
            key_event: e.key_event,
        })
        .collect();
    let may_report =
        editor.may(Transition::Live, editor.target(story)) && Transition::Live.apply(story.status).is_ok();
    let path = format!("/admin/stories/{}/live", story.id);
    let context = minijinja::context! {
        story => minijinja::context! {
            id => story.id.0,
            headline => story.headline.clone(),
            status => story.status.as_str(),
            public_url => story.is_public().then(|| story_url(story.slug.as_str())),
            live => story.coverage.is_some_and(|c| c.is_live()),
            live_since => story.coverage.map(|c| settings.house_style.byline_moment(c.start, &tz)),
        },
        may_report => may_report,
        form => crate::theme::to_value(&shown.form),
        editing => shown.editing,
        errors => shown.errors,
        entries => crate::theme::to_value(&entries),
    };
    render(state, Some(&editor.0), status, "live.html", &path, shown.flash, context).await
}

pub async fn page(
    State(state): State<AppState>,
    editor: Editor,
    Path(id): Path<i64>,
    Query(done): Query<Done>,
) -> Result<Response, WebError> {
    let story = load_story(&state, id).await?;
    editor.require(Action::ViewStories, editor.target(&story))?;
    let shown = Shown { flash: done.flash(DONE_MESSAGES), ..Shown::default() };
    desk(&state, &editor, &story, StatusCode::OK, shown).await
}

pub async fn edit_form(
    State(state): State<AppState>,
    editor: Editor,
    Path((id, entry)): Path<(i64, i64)>,
) -> Result<Response, WebError> {
    let story = load_story(&state, id).await?;
    editor.require(Action::ViewStories, editor.target(&story))?;
    let found =
        state.store.live_entries(story.id, 0).await?.into_iter().find(|e| e.id == entry && !e.deleted);
    let found = found.ok_or(WebError::NotFound)?;
    let shown = Shown { form: EntryForm::from_entry(&found), editing: Some(entry), ..Shown::default() };
    desk(&state, &editor, &story, StatusCode::OK, shown).await
}

/// Adds (`entry: None`) or saves an entry; the form again with its problems when refused.
async fn save(
    state: &AppState,
    editor: &Editor,
    id: i64,
    entry: Option<i64>,
    form: EntryForm,
) -> Result<Response, WebError> {
    editor.check_csrf(&form.csrf)?;
    let draft = form.to_draft();
    match live::save_entry(
        state.store.as_ref(),
        &editor.actor(),
        StoryId(id),
        entry,
        &draft,
        state.clock.now(),
    )
    .await
    {
        Ok(_) => Ok(entries_changed(state, id, if entry.is_some() { "saved" } else { "added" }).await),
        Err(StoryError::Invalid(errors)) => {
            let story = load_story(state, id).await?;
            let errors = errors.into_iter().map(|e| (e.field.to_owned(), e.message)).collect();
            let shown = Shown { form, editing: entry, errors, flash: None };
            desk(state, editor, &story, StatusCode::UNPROCESSABLE_ENTITY, shown).await
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn add(
    State(state): State<AppState>,
    editor: Editor,
    Path(id): Path<i64>,
    Form(form): Form<EntryForm>,
) -> Result<Response, WebError> {
    save(&state, &editor, id, None, form).await
}

pub async fn edit(
    State(state): State<AppState>,
    editor: Editor,
    Path((id, entry)): Path<(i64, i64)>,
    Form(form): Form<EntryForm>,
) -> Result<Response, WebError> {
    save(&state, &editor, id, Some(entry), form).await
}

#[derive(Deserialize)]
pub struct SimpleForm {
    #[serde(default)]
    csrf: String,
    /// `on` or `off` (coverage).
    #[serde(default)]
    live: String,
    /// `editor` to go back to the story's editor.
    #[serde(default)]
    back: String,
}

pub async fn delete(
    State(state): State<AppState>,
    editor: Editor,
    Path((id, entry)): Path<(i64, i64)>,
    Form(form): Form<SimpleForm>,
) -> Result<Response, WebError> {
    editor.check_csrf(&form.csrf)?;
    live::delete_entry(state.store.as_ref(), &editor.actor(), StoryId(id), entry, state.clock.now()).await?;
    Ok(entries_changed(&state, id, "deleted").await)
}

/// Starts or ends the story's live coverage.
pub async fn coverage(
    State(state): State<AppState>,
    editor: Editor,
    Path(id): Path<i64>,
    Form(form): Form<SimpleForm>,
) -> Result<Response, WebError> {
    editor.check_csrf(&form.csrf)?;
    let live = match form.live.as_str() {
        "on" => true,
        "off" => false,
        _ => return Err(WebError::BadRequest("Say whether coverage starts (on) or ends (off).".into())),
    };
    live::set_live(state.store.as_ref(), &editor.actor(), StoryId(id), live, state.clock.now()).await?;
    Ok(if form.back == "editor" {
        done_redirect(&format!("/admin/stories/{id}"), &format!("live-{}", form.live))
    } else {
        done_redirect(&format!("/admin/stories/{id}/live"), &form.live)
    })
}
