//! The story editor's autosave on the web: its script posts the whole form every few
//! seconds while something changed (and once more as the tab closes) to
//! `…/autosave`; the editor page offers the slot back when it differs from the story
//! ("Restore" fills the form on the server, so it works without scripts too), and a save
//! empties it. The slot's rules are the newsroom's (`dateline_newsroom::autosave`).

use super::Editor;
use super::form::StoryForm;
use crate::error::WebError;
use crate::input::Form;
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use dateline_core::{Story, StoryId};
use dateline_newsroom::autosave;
use serde::Serialize;

/// What the editor page shows when unsaved typing is waiting.
#[derive(Serialize, Clone)]
pub struct AutosaveOffer {
    /// "10:42" in the site's time zone.
    pub saved: String,
    /// The story's version the typing started from, when someone saved a newer one since.
    pub older_than: Option<i64>,
    pub restore_url: String,
    pub discard_url: String,
}

fn story_id(id: Option<i64>) -> Option<StoryId> {
    id.map(StoryId)
}

fn editor_url(story: Option<StoryId>) -> String {
    story.map_or_else(|| "/admin/stories/new".to_owned(), |s| format!("/admin/stories/{s}"))
}

async fn keep(
    state: &AppState,
    editor: &Editor,
    story: Option<StoryId>,
    form: &StoryForm,
) -> Result<Response, WebError> {
    editor.check_csrf(&form.csrf)?;
    let base_version = if story.is_some() { form.version.trim().parse().unwrap_or(0) } else { 0 };
    let fields = serde_json::to_string(form).map_err(WebError::internal)?;
    autosave::keep(state.store.as_ref(), &editor.actor(), story, base_version, fields, state.clock.now())
        .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `POST /admin/stories/new/autosave`: keeps a new story's typing.
pub async fn keep_new(
    State(state): State<AppState>,
    editor: Editor,
    Form(form): Form<StoryForm>,
) -> Result<Response, WebError> {
    keep(&state, &editor, None, &form).await
}

/// `POST /admin/stories/{id}/autosave`: keeps a story's unsaved typing.
pub async fn keep_story(
    State(state): State<AppState>,
    editor: Editor,
    Path(id): Path<i64>,
    Form(form): Form<StoryForm>,
) -> Result<Response, WebError> {
    keep(&state, &editor, story_id(Some(id)), &form).await
}

async fn discard(
    state: &AppState,
    editor: &Editor,
    story: Option<StoryId>,
    csrf: &str,
) -> Result<Response, WebError> {
    editor.check_csrf(csrf)?;
    autosave::discard(state.store.as_ref(), &editor.actor(), story).await?;
    Ok(Redirect::to(&editor_url(story)).into_response())
}

/// `POST /admin/stories/new/autosave/discard`.
pub async fn discard_new(
    State(state): State<AppState>,
    editor: Editor,
    Form(form): Form<StoryForm>,
) -> Result<Response, WebError> {
    discard(&state, &editor, None, &form.csrf).await
}

/// `POST /admin/stories/{id}/autosave/discard`.
pub async fn discard_story(
    State(state): State<AppState>,
    editor: Editor,
    Path(id): Path<i64>,
    Form(form): Form<StoryForm>,
) -> Result<Response, WebError> {
    discard(&state, &editor, story_id(Some(id)), &form.csrf).await
}

/// The words of a form, for telling whether a slot holds anything the page does not.
fn words(form: &StoryForm) -> serde_json::Value {
    let mut value = serde_json::to_value(form).unwrap_or_default();
    if let Some(fields) = value.as_object_mut() {
        fields.remove("version");
        for field in fields.values_mut() {
            if let Some(text) = field.as_str() {
                *field = text.replace("\r\n", "\n").trim().into();
            }
        }
    }
    value
}

/// The editor's slot for `story` (`None`: a new story), read as a form.
async fn slot(
    state: &AppState,
    editor: &Editor,
    story: Option<&Story>,
) -> Result<Option<(StoryForm, dateline_store::Autosave)>, WebError> {
    let found = match autosave::slot(state.store.as_ref(), &editor.actor(), story.map(|s| s.id)).await {
        Ok(found) => found,
        Err(dateline_newsroom::stories::StoryError::Forbidden) => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    Ok(found.and_then(|slot| serde_json::from_str::<StoryForm>(&slot.fields).ok().map(|form| (form, slot))))
}

/// What to offer on the editor page: the slot, when it holds typing the page (`shown`)
/// does not.
///
/// # Errors
/// Store failures.
pub async fn offer(
    state: &AppState,
    editor: &Editor,
    story: Option<&Story>,
    shown: &StoryForm,
) -> Result<Option<AutosaveOffer>, WebError> {
    let Some((form, slot)) = slot(state, editor, story).await? else { return Ok(None) };
    if words(&form) == words(shown) {
        return Ok(None);
    }
    let settings = state.store.settings().await?;
    let url = editor_url(story.map(|s| s.id));
    Ok(Some(AutosaveOffer {
        saved: super::locks::clock_time(&settings, slot.saved_at),
        older_than: story
            .filter(|s| slot.base_version != 0 && s.version != slot.base_version)
            .map(|s| s.version),
        restore_url: format!("{url}?restore=autosave"),
        discard_url: format!("{url}/autosave/discard"),
    }))
}

/// The form as the slot keeps it, for "Restore" (its version the one the typing started
/// from, so a newer save by someone else is caught as a conflict on saving).
///
/// # Errors
/// Store failures.
pub async fn restored(
    state: &AppState,
    editor: &Editor,
    story: Option<&Story>,
) -> Result<Option<StoryForm>, WebError> {
    Ok(slot(state, editor, story).await?.map(|(form, _)| form))
}

/// Empties the slot after a save.
///
/// # Errors
/// Store failures.
pub async fn saved(state: &AppState, editor: &Editor, story: Option<StoryId>) -> Result<(), WebError> {
    autosave::discard(state.store.as_ref(), &editor.actor(), story).await?;
    Ok(())
}
