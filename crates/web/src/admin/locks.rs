//! Presence in the story editor, over HTTP: the editor page's heartbeat (JSON, answered
//! whether this session still holds the story's edit lock and, if not, who does) and the
//! "Take over" button (a form, so it works without JavaScript). The rules are
//! `dateline_newsroom::locks`'; the editor page itself (`super::editor`) opens the lock
//! when it is shown and checks it before a save.

use super::{Editor, done_redirect, load_story};
use crate::error::WebError;
use crate::input::Form;
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use dateline_core::account::Session;
use dateline_core::rights::Actor;
use dateline_core::{SiteSettings, Story, StoryId};
use dateline_newsroom::locks::{self, LockError, Presence};
use serde::{Deserialize, Serialize};

/// What the heartbeat and the "Take over" button send: the session's CSRF token.
#[derive(Deserialize)]
pub struct LockForm {
    #[serde(default)]
    csrf: String,
}

/// The name a session holds locks under: derived from its CSRF token (a secret of that
/// session alone), so it is the same on every request and every server process, and says
/// nothing about the session to anyone who reads it.
pub fn holder(session: &Session) -> String {
    dateline_core::secrets::token_hash(&format!("story-lock:{}", session.csrf))
}

/// "10:42" in the site's time zone.
pub fn clock_time(settings: &SiteSettings, t: jiff::Timestamp) -> String {
    settings.house_style.format("%H:%M", t, &settings.time_zone())
}

/// What the editor page shows about its lock.
#[derive(Serialize, Clone)]
pub struct PresenceView {
    /// This page holds the lock: its script beats the heartbeat.
    pub held: bool,
    /// Who holds it otherwise, and since when ("10:42").
    pub holder: Option<String>,
    pub since: String,
    /// The heartbeat's address and how often to beat it, in milliseconds.
    pub url: String,
    pub every_ms: u64,
    /// A save was refused because the holder took the story over.
    pub refused_save: bool,
}

impl PresenceView {
    pub fn new(state: &AppState, settings: &SiteSettings, id: StoryId, presence: &Presence) -> Self {
        let (held, holder, since) = match presence {
            Presence::Held { since } => (true, None, *since),
            Presence::Other { name, since } => (false, Some(name.clone()), *since),
        };
        Self {
            held,
            holder,
            since: clock_time(settings, since),
            url: format!("/admin/stories/{id}/lock"),
            every_ms: u64::try_from(state.lock_heartbeat.as_millis()).unwrap_or(u64::MAX),
            refused_save: false,
        }
    }
}

impl From<LockError> for WebError {
    fn from(e: LockError) -> Self {
        match e {
            LockError::Forbidden => WebError::Forbidden,
            LockError::HeldBy(lock) => {
                WebError::Conflict(format!("{} is editing this story", lock.user_name))
            }
            LockError::Store(e) => e.into(),
        }
    }
}

/// The heartbeat's answer.
#[derive(Serialize)]
struct Beat {
    held: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    holder: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    since: Option<String>,
}

/// What a lock request from `editor`'s session is about, once its form's CSRF token is
/// checked: story `id`, who asks, and the name the session holds locks under.
async fn asked(
    state: &AppState,
    editor: &Editor,
    id: i64,
    form: &LockForm,
) -> Result<(Story, Actor, String), WebError> {
    editor.check_csrf(&form.csrf)?;
    Ok((load_story(state, id).await?, editor.actor(), holder(&editor.0)))
}

/// `POST /admin/stories/{id}/lock`: the open editor page says it is still open. Answers
/// `{"held": true}`, or `{"held": false, "holder": "Omar Two", "since": "10:44"}` once
/// someone else holds the lock.
pub async fn heartbeat(
    State(state): State<AppState>,
    editor: Editor,
    Path(id): Path<i64>,
    Form(form): Form<LockForm>,
) -> Result<Response, WebError> {
    let (story, actor, holder) = asked(&state, &editor, id, &form).await?;
    let now = state.clock.now();
    let answer = match locks::heartbeat(state.store.as_ref(), &actor, &story, &holder, now).await? {
        Presence::Held { .. } => Beat { held: true, holder: None, since: None },
        Presence::Other { name, since } => {
            let settings = state.store.settings().await?;
            Beat { held: false, holder: Some(name), since: Some(clock_time(&settings, since)) }
        }
    };
    let mut response = Json(answer).into_response();
    response
        .headers_mut()
        .insert(axum::http::header::CACHE_CONTROL, "no-store".parse().map_err(WebError::internal)?);
    Ok(response)
}

/// `POST /admin/stories/{id}/lock/take`: "Take over". The editor page again, now held.
pub async fn take_over(
    State(state): State<AppState>,
    editor: Editor,
    Path(id): Path<i64>,
    Form(form): Form<LockForm>,
) -> Result<Response, WebError> {
    let (story, actor, holder) = asked(&state, &editor, id, &form).await?;
    locks::take_over(state.store.as_ref(), &actor, &story, &holder, state.clock.now()).await?;
    Ok(done_redirect(&format!("/admin/stories/{id}"), "taken-over"))
}

/// The message after a take-over (`?done=taken-over` on the editor page).
pub const TAKEN_OVER: &str =
    "You took the story over: the other editor is told within seconds and can no longer save it.";
