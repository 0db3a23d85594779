//! The story editor: new and existing stories, with preview, save, publish, update and
//! schedule in one form, and the story's life actions (correction, unpublish, kill) beside
//! it. A failed save of any kind — invalid field, lost session, stale security token, or a
//! newer save by someone else — shows the form again with exactly what was typed and says
//! what happened; nothing is overwritten silently (the version check).

use super::autosave::{self as web_autosave, AutosaveOffer};
use super::form::{FieldErrors, StoryForm, errors_map};
use super::locks::{self as web_locks, PresenceView};
use super::{Done, Editor, Flash, current_session, done_redirect, load_story, render};
use crate::error::WebError;
use crate::input::Form;
use crate::state::AppState;
use crate::views::story_url;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use dateline_core::account::Session;
use dateline_core::html::markdown_to_html;
use dateline_core::rights::{self, Action, Actor, Target};
use dateline_core::{FieldError, SiteSettings, Story, StoryId, StoryStatus};
use dateline_core::{StatusChange, Transition};
use dateline_newsroom::locks::{self, LockError, Presence};
use dateline_newsroom::stories::{self, StoryError, Then};
use serde::{Deserialize, Serialize};

/// `?restore=autosave`: fill the form from the editor's autosave slot.
#[derive(Deserialize, Default)]
pub struct Restore {
    #[serde(default)]
    restore: String,
}

/// What the page says after a redirect (`?done=...`).
const DONE_MESSAGES: &[(&str, &str)] = &[
    ("saved", "Saved."),
    ("published", "Published: the story is on the site."),
    ("updated", "Updated: the site shows the new version."),
    ("scheduled", "Scheduled."),
    ("corrected", "Correction added."),
    ("unpublished", "Unpublished: the story is off the site."),
    ("killed", "Killed: the story is gone from every public page."),
    ("reinstated", "Reinstated: the kill is undone and the story is unpublished; publish it when ready."),
    ("restored", "Revision restored as the newest version."),
    ("live-on", "Live coverage started: add entries from “Live entries”."),
    ("live-off", "Live coverage ended: the story keeps its entries."),
    ("taken-over", web_locks::TAKEN_OVER),
];

#[derive(Serialize)]
struct StoryInfo {
    id: i64,
    status: &'static str,
    version: i64,
    public_url: Option<String>,
    published: Option<String>,
    updated: Option<String>,
    scheduled: Option<String>,
    /// Under embargo until then.
    embargoed: Option<String>,
    slug: String,
    /// Live coverage: going on now.
    live: bool,
    /// Live coverage: when it started and (once over) ended.
    live_since: Option<String>,
    live_ended: Option<String>,
}

#[derive(Serialize)]
struct Choice {
    slug: String,
    name: String,
}

#[derive(Serialize)]
struct Language {
    code: &'static str,
    name: &'static str,
}

const LANGUAGES: &[Language] = &[
    Language { code: "en", name: "English" },
    Language { code: "ur", name: "Urdu (اردو)" },
    Language { code: "ar", name: "Arabic (العربية)" },
    Language { code: "fr", name: "French" },
    Language { code: "ru", name: "Russian" },
    Language { code: "tr", name: "Turkish" },
    Language { code: "zh", name: "Chinese" },
];

#[derive(Serialize)]
struct Can {
    /// Report live: start or end coverage, add entries.
    live: bool,
    publish: bool,
    kill: bool,
    schedule: bool,
    reinstate: bool,
}

#[derive(Serialize)]
struct Conflict {
    message: String,
    their_version: i64,
}

#[derive(Serialize)]
struct CorrectionLine {
    note: String,
    display: String,
}

/// Everything the editor page may show besides the form.
#[derive(Default)]
struct Extras {
    errors: FieldErrors,
    conflict: Option<Conflict>,
    preview_html: Option<String>,
    flash: Option<Flash>,
    /// Who holds the story's edit lock (`super::locks`).
    presence: Option<PresenceView>,
    /// Unsaved typing waiting in the autosave slot (`super::autosave`).
    autosave: Option<AutosaveOffer>,
}

fn story_info(story: &Story, settings: &SiteSettings) -> StoryInfo {
    let tz = settings.time_zone();
    let moment = |t: jiff::Timestamp| settings.house_style.byline_moment(t, &tz);
    StoryInfo {
        id: story.id.0,
        status: story.status.as_str(),
        version: story.version,
        public_url: story.is_public().then(|| story_url(story.slug.as_str())),
        published: story.published_at.map(moment),
        updated: story.updated_at.map(moment),
        scheduled: story.scheduled_at.map(moment),
        embargoed: story.embargo_until.map(moment),
        slug: story.slug.to_string(),
        live: story.coverage.is_some_and(|c| c.is_live()),
        live_since: story.coverage.map(|c| moment(c.start)),
        live_ended: story.coverage.and_then(|c| c.end).map(moment),
    }
}

#[allow(clippy::too_many_arguments)]
async fn editor_page(
    state: &AppState,
    session: Option<&Session>,
    status: StatusCode,
    story: Option<&Story>,
    form: &StoryForm,
    extras: Extras,
) -> Result<Response, WebError> {
    let store = &state.store;
    let settings = store.settings().await?;
    let actor = session.map_or(Actor::SignedOut, |s| Actor::from(&s.user));
    let target = story.map_or(Target::Site, |s| actor.target(s));
    // A button shows when the rights table and the lifecycle both allow it.
    let may =
        |t: Transition| rights::may(&actor, t, target) && story.is_none_or(|s| t.apply(s.status).is_ok());
    let action =
        story.map_or_else(|| "/admin/stories/new".to_owned(), |s| format!("/admin/stories/{}", s.id));
    let context = minijinja::context! {
        story => crate::theme::to_value(story.map(|s| story_info(s, &settings))),
        form => crate::theme::to_value(form),
        errors => crate::theme::to_value(&extras.errors),
        conflict => crate::theme::to_value(&extras.conflict),
        presence => crate::theme::to_value(&extras.presence),
        autosave => crate::theme::to_value(&extras.autosave),
        autosave_url => format!("{action}/autosave"),
        preview_html => extras.preview_html,
        sections => crate::theme::to_value(store.sections().await?.into_iter().map(|s| Choice { slug: s.slug.to_string(), name: s.name }).collect::<Vec<_>>()),
        sources => crate::theme::to_value(store.sources().await?.into_iter().map(|s| Choice { slug: s.slug.to_string(), name: s.name }).collect::<Vec<_>>()),
        all_tags => crate::theme::to_value(store.tags().await?.into_iter().map(|t| t.name).collect::<Vec<_>>()),
        all_authors => crate::theme::to_value(store.authors().await?.into_iter().map(|a| a.name).collect::<Vec<_>>()),
        languages => crate::theme::to_value(LANGUAGES),
        can => crate::theme::to_value(Can { live: story.is_some() && may(Transition::Live), publish: may(Transition::Publish) || may(Transition::Update), kill: may(Transition::Kill), schedule: may(Transition::Schedule), reinstate: may(Transition::Reinstate) }),
        revisions_url => story.map(|s| format!("/admin/stories/{}/revisions", s.id)),
        corrections => crate::theme::to_value(story.map(|s| s.corrections.iter().map(|c| CorrectionLine { note: c.note.clone(), display: settings.house_style.byline_moment(c.created_at, &settings.time_zone()) }).collect::<Vec<_>>()).unwrap_or_default()),
        action => action,
    };
    let path = story.map_or_else(|| "/admin/stories/new".to_owned(), |s| format!("/admin/stories/{}", s.id));
    render(state, session, status, "editor.html", &path, extras.flash, context).await
}

/// Opens the story's edit lock for the session (taking it when free) and what the page
/// shows about it; nothing for those who may not save the story.
async fn open_lock(
    state: &AppState,
    session: &Session,
    story: &Story,
    settings: &SiteSettings,
) -> Result<Option<PresenceView>, WebError> {
    let actor = Actor::from(&session.user);
    match locks::open(state.store.as_ref(), &actor, story, &web_locks::holder(session), state.clock.now())
        .await
    {
        Ok(presence) => Ok(Some(PresenceView::new(state, settings, story.id, &presence))),
        Err(LockError::Forbidden) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

pub async fn new_form(
    State(state): State<AppState>,
    editor: Editor,
    Query(restore): Query<Restore>,
) -> Result<Response, WebError> {
    editor.require(Action::CreateStory, Target::Site)?;
    let settings = state.store.settings().await?;
    let byline = match editor.0.user.author {
        Some(id) => state.store.authors().await?.into_iter().find(|a| a.id == id).map(|a| a.name),
        None => None,
    };
    let form = StoryForm::new_story(&settings, byline);
    let (form, extras) = with_autosave(&state, &editor, None, form, &restore, Extras::default()).await?;
    editor_page(&state, Some(&editor.0), StatusCode::OK, None, &form, extras).await
}

/// The form restored from the autosave slot when asked (`?restore=autosave`), or the
/// slot offered when it holds typing the form does not.
async fn with_autosave(
    state: &AppState,
    editor: &Editor,
    story: Option<&Story>,
    form: StoryForm,
    restore: &Restore,
    extras: Extras,
) -> Result<(StoryForm, Extras), WebError> {
    if restore.restore == "autosave"
        && let Some(restored) = web_autosave::restored(state, editor, story).await?
    {
        let flash = Flash::ok("Your unsaved changes are back in the form. Save to keep them.");
        return Ok((restored, Extras { flash: Some(flash), ..extras }));
    }
    let autosave = web_autosave::offer(state, editor, story, &form).await?;
    Ok((form, Extras { autosave, ..extras }))
}

pub async fn edit_form(
    State(state): State<AppState>,
    editor: Editor,
    Path(id): Path<i64>,
    Query(done): Query<Done>,
    Query(restore): Query<Restore>,
) -> Result<Response, WebError> {
    let story = load_story(&state, id).await?;
    editor.require(Action::ViewStories, editor.target(&story))?;
    let settings = state.store.settings().await?;
    let form = StoryForm::from_story(&state, &story, &settings).await?;
    let flash = done.flash(DONE_MESSAGES);
    let presence = open_lock(&state, &editor.0, &story, &settings).await?;
    let extras = Extras { flash, presence, ..Extras::default() };
    let (form, extras) = with_autosave(&state, &editor, Some(&story), form, &restore, extras).await?;
    editor_page(&state, Some(&editor.0), StatusCode::OK, Some(&story), &form, extras).await
}

pub async fn create(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(form): Form<StoryForm>,
) -> Result<Response, WebError> {
    save(state, headers, None, form).await
}

pub async fn update(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Form(form): Form<StoryForm>,
) -> Result<Response, WebError> {
    // Signed out: nothing about the story is read, so an existing and a missing id get the
    // same answer (the form as typed, with no story data).
    if current_session(&state, &headers).await?.is_none() {
        return save(state, headers, None, form).await;
    }
    let story = load_story(&state, id).await?;
    save(state, headers, Some(story), form).await
}

/// One path for every button of the form. The form comes back on any failure.
async fn save(
    state: AppState,
    headers: HeaderMap,
    story: Option<Story>,
    form: StoryForm,
) -> Result<Response, WebError> {
    let mut presence: Option<PresenceView> = None;
    let again = |status,
                 errors: Vec<FieldError>,
                 conflict: Option<Conflict>,
                 session: Option<Session>,
                 presence: Option<PresenceView>| {
        let state = state.clone();
        let story = story.clone();
        let form = form.clone();
        async move {
            let extras = Extras { errors: errors_map(&errors), conflict, presence, ..Extras::default() };
            editor_page(&state, session.as_ref(), status, story.as_ref(), &form, extras).await
        }
    };
    let Some(session) = current_session(&state, &headers).await? else {
        let why = "You were signed out, so nothing was saved. Sign in again in another tab, then come back and save: your text is still here.";
        return again(StatusCode::UNAUTHORIZED, vec![FieldError::new("session", why)], None, None, None)
            .await;
    };
    let editor = Editor(session.clone());
    if editor.check_csrf(&form.csrf).is_err() {
        let why = "This form's security token is out of date (you signed in again?), so nothing was saved. Press the button again.";
        return again(
            StatusCode::FORBIDDEN,
            vec![FieldError::new("session", why)],
            None,
            Some(session),
            None,
        )
        .await;
    }
    let actor = editor.actor();
    // Checked before a preview too: a preview shows what the user could save.
    stories::may_save(&actor, story.as_ref())?;
    let wants = form.action.as_str();
    let settings = state.store.settings().await?;
    if let Some(existing) = &story {
        // Someone who took the story over holds its lock: saving would undo their work.
        let now = state.clock.now();
        let holder = web_locks::holder(&session);
        if wants == "take-over" {
            // "Take over and save my version", from a page whose lock was taken.
            locks::take_over(state.store.as_ref(), &actor, existing, &holder, now).await?;
        }
        match locks::check_save(state.store.as_ref(), &actor, existing, &holder, now).await {
            Ok(()) => presence = open_lock(&state, &session, existing, &settings).await?,
            Err(LockError::HeldBy(lock)) if wants != "preview" => {
                let taken = Presence::Other { name: lock.user_name, since: lock.since };
                let view = PresenceView {
                    refused_save: true,
                    ..PresenceView::new(&state, &settings, existing.id, &taken)
                };
                let extras = Extras { presence: Some(view), ..Extras::default() };
                return editor_page(
                    &state,
                    Some(&session),
                    StatusCode::CONFLICT,
                    story.as_ref(),
                    &form,
                    extras,
                )
                .await;
            }
            Err(LockError::HeldBy(_)) => {}
            Err(e) => return Err(e.into()),
        }
    }
    if wants == "preview" {
        // Nothing is saved or created on preview; the form comes back as typed.
        let extras =
            Extras { preview_html: Some(markdown_to_html(&form.body)), presence, ..Extras::default() };
        return editor_page(&state, Some(&session), StatusCode::OK, story.as_ref(), &form, extras).await;
    }
    let then = match wants {
        "publish" => Then::Publish,
        "schedule" => match form.schedule_time(&settings) {
            Ok(at) => Then::Schedule(at),
            Err(e) => {
                return again(StatusCode::UNPROCESSABLE_ENTITY, vec![e], None, Some(session), presence).await;
            }
        },
        _ => Then::Save,
    };
    let read = match &story {
        Some(existing) => match form.version() {
            Ok(version) => Some((existing.id, version)),
            Err(e) => {
                return again(StatusCode::UNPROCESSABLE_ENTITY, vec![e], None, Some(session), presence).await;
            }
        },
        None => None,
    };
    let embargo = match form.embargo_time(&settings) {
        Ok(embargo) => embargo,
        Err(e) => {
            return again(StatusCode::UNPROCESSABLE_ENTITY, vec![e], None, Some(session), presence).await;
        }
    };
    let save = stories::Save { story: read, fields: form.to_fields(embargo), then };
    let saved = match stories::save(state.store.as_ref(), &actor, save, state.clock.now()).await {
        Ok(saved) => saved,
        Err(StoryError::Invalid(errors)) => {
            return again(StatusCode::UNPROCESSABLE_ENTITY, errors, None, Some(session), presence).await;
        }
        Err(StoryError::Conflict { current }) => {
            let conflict = Conflict {
                message: format!(
                    "Someone else saved this story (now version {current}) after you opened it. Your text is below, unsaved. \
                     Open the story in another tab to compare; pressing Save again will replace their version with yours."
                ),
                their_version: current,
            };
            let mut form = form.clone();
            form.version = current.to_string();
            let extras = Extras { conflict: Some(conflict), presence, ..Extras::default() };
            return editor_page(&state, Some(&session), StatusCode::CONFLICT, story.as_ref(), &form, extras)
                .await;
        }
        Err(e) => return Err(e.into()),
    };
    state.embeds.after_save(saved.id, &saved.body_html);
    // Saved: the autosave slot's typing is in the story now.
    web_autosave::saved(&state, &editor, story.as_ref().map(|s| s.id)).await?;
    let was_public = story.as_ref().is_some_and(|s| s.status == StoryStatus::Published);
    let done = match then {
        Then::Schedule(_) => "scheduled",
        Then::Publish if !was_public => "published",
        _ if saved.status == StoryStatus::Published => "updated",
        _ => "saved",
    };
    Ok(done_redirect(&format!("/admin/stories/{}", saved.id), done))
}

#[derive(Deserialize)]
pub struct ActionForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    note: String,
}

/// The story's editor again, as stored, with what was wrong in a life action's fields.
async fn refused_fields(
    state: &AppState,
    editor: &Editor,
    story: &Story,
    errors: &[FieldError],
) -> Result<Response, WebError> {
    let settings = state.store.settings().await?;
    let extras = Extras { errors: errors_map(errors), ..Extras::default() };
    let form = StoryForm::from_story(state, story, &settings).await?;
    editor_page(state, Some(&editor.0), StatusCode::UNPROCESSABLE_ENTITY, Some(story), &form, extras).await
}

/// Applies a life action (a change of status, or a correction with its note) for the user,
/// and shows the story again: with its fields' problems when the newsroom names some.
async fn life_action(
    state: &AppState,
    editor: &Editor,
    id: i64,
    form: &ActionForm,
    action: LifeAction,
) -> Result<Response, WebError> {
    editor.check_csrf(&form.csrf)?;
    let (store, actor, now, id) = (state.store.as_ref(), editor.actor(), state.clock.now(), StoryId(id));
    let (done, result) = match action {
        LifeAction::Correct => ("corrected", stories::correct(store, &actor, id, &form.note, now).await),
        LifeAction::Change(change) => {
            let done = match change {
                StatusChange::Unpublish => "unpublished",
                StatusChange::Kill => "killed",
                _ => "reinstated",
            };
            (done, stories::change_status(store, &actor, id, &change, now).await)
        }
    };
    match result {
        Ok(_) => Ok(done_redirect(&format!("/admin/stories/{id}"), done)),
        Err(StoryError::Invalid(errors)) => {
            refused_fields(state, editor, &load_story(state, id.0).await?, &errors).await
        }
        Err(e) => Err(e.into()),
    }
}

enum LifeAction {
    Correct,
    Change(StatusChange),
}

pub async fn correction(
    State(state): State<AppState>,
    editor: Editor,
    Path(id): Path<i64>,
    Form(form): Form<ActionForm>,
) -> Result<Response, WebError> {
    life_action(&state, &editor, id, &form, LifeAction::Correct).await
}

pub async fn unpublish(
    State(state): State<AppState>,
    editor: Editor,
    Path(id): Path<i64>,
    Form(form): Form<ActionForm>,
) -> Result<Response, WebError> {
    life_action(&state, &editor, id, &form, LifeAction::Change(StatusChange::Unpublish)).await
}

pub async fn kill(
    State(state): State<AppState>,
    editor: Editor,
    Path(id): Path<i64>,
    Form(form): Form<ActionForm>,
) -> Result<Response, WebError> {
    life_action(&state, &editor, id, &form, LifeAction::Change(StatusChange::Kill)).await
}

/// Undoes a kill (editors and administrators), with the reason kept in the history.
pub async fn reinstate(
    State(state): State<AppState>,
    editor: Editor,
    Path(id): Path<i64>,
    Form(form): Form<ActionForm>,
) -> Result<Response, WebError> {
    let change = StatusChange::Reinstate { reason: form.note.clone() };
    life_action(&state, &editor, id, &form, LifeAction::Change(change)).await
}
