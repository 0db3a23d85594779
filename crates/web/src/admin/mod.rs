//! The newsroom in the browser, under `/admin`: sign-in, dashboard, story list, the story
//! editor and the story's life (publish, schedule, correct, unpublish, kill, revisions).
//!
//! This module holds what every admin page shares: the signed-in [`Editor`] extractor
//! (session cookie -> account), the CSRF check every form post goes through, and rendering
//! in the admin layout. Rights are decided by `dateline_core::rights::may`, the one rights table.

pub mod account;
pub mod autosave;
pub mod banner;
pub mod cdn;
pub mod dashboard;
pub mod editor;
pub mod form;
pub mod fronts;
pub mod import;
pub mod live;
pub mod locks;
pub mod login;
pub mod manage;
pub mod media;
pub mod revisions;
pub mod stories;
pub mod wire;
pub mod wire_sources;

use crate::error::WebError;
use crate::state::AppState;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use dateline_core::account::Session;
use dateline_core::rights::{self, Action, Actor, Target};
use dateline_core::secrets;
use dateline_core::{Story, StoryId};
use serde::{Deserialize, Serialize};

/// Name of the session cookie.
pub const SESSION_COOKIE: &str = "dateline_session";
/// How long a sign-in lasts.
pub const SESSION_HOURS: i64 = 12;

/// The value of cookie `name` in `headers`.
pub fn cookie<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// The session of the request's cookie, if it is live.
///
/// # Errors
/// [`WebError`] when the store fails.
pub async fn current_session(state: &AppState, headers: &HeaderMap) -> Result<Option<Session>, WebError> {
    let Some(token) = cookie(headers, SESSION_COOKIE) else { return Ok(None) };
    Ok(state.store.session(&secrets::token_hash(token), state.clock.now()).await?)
}

/// A signed-in member of the newsroom. Pages that need one redirect to the sign-in page
/// when there is none.
pub struct Editor(pub Session);

impl FromRequestParts<AppState> for Editor {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        match current_session(state, &parts.headers).await {
            Ok(Some(session)) => Ok(Self(session)),
            // Signed out: nothing about the story is read, so an existing and a missing id
            // get the same answer. Pages go to the sign-in page; other methods are refused.
            Ok(None) if !matches!(parts.method, axum::http::Method::GET | axum::http::Method::HEAD) => {
                Err(signed_out())
            }
            Ok(None) => {
                let next = parts.uri.path_and_query().map(|p| p.as_str()).unwrap_or("/admin");
                let target = format!("/admin/login?next={}", urlencode(next));
                Err(Redirect::to(&target).into_response())
            }
            Err(e) => Err(e.into_response()),
        }
    }
}

/// The most a signed-out request may send to the newsroom: a long story typed before the
/// session ended, still shown back as typed (`editor::create`), but no more, so strangers
/// cannot make the server hold large bodies.
pub const SIGNED_OUT_BODY: usize = 256 * 1024;

/// Bounds what a signed-out POST to the newsroom may send, before anything reads it: over
/// [`SIGNED_OUT_BODY`] as declared is answered 401 at once, and an undeclared body is cut
/// at that size while it is read. The sign-in form has its own, smaller limit.
pub async fn bound_signed_out_bodies(
    axum::extract::State(state): axum::extract::State<AppState>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let path = request.uri().path();
    let newsroom_post =
        request.method() == axum::http::Method::POST && path.starts_with("/admin/") && path != "/admin/login";
    if !newsroom_post {
        return next.run(request).await;
    }
    match current_session(&state, request.headers()).await {
        Ok(Some(_)) => return next.run(request).await,
        Ok(None) => {}
        Err(e) => return e.into_response(),
    }
    let declared = request
        .headers()
        .get(axum::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > SIGNED_OUT_BODY as u64) {
        return signed_out();
    }
    let (parts, body) = request.into_parts();
    let body = axum::body::Body::new(http_body_util::Limited::new(body, SIGNED_OUT_BODY));
    next.run(axum::extract::Request::from_parts(parts, body)).await
}

/// The answer to a signed-out request that is not a page view: 401, nothing else said.
pub fn signed_out() -> Response {
    (StatusCode::UNAUTHORIZED, "Sign in first: /admin/login").into_response()
}

impl Editor {
    /// Who the signed-in user acts as.
    pub fn actor(&self) -> Actor {
        Actor::from(&self.0.user)
    }

    /// Whether the one rights table lets the user do `deed` to `target`.
    pub fn may(&self, deed: impl Into<dateline_core::Deed>, target: Target) -> bool {
        rights::may(&self.actor(), deed, target)
    }

    /// Fails with 403 unless the rights table lets the user do `deed` to `target`.
    ///
    /// # Errors
    /// [`WebError::Forbidden`] when it does not.
    pub fn require(&self, deed: impl Into<dateline_core::Deed>, target: Target) -> Result<(), WebError> {
        if self.may(deed, target) { Ok(()) } else { Err(WebError::Forbidden) }
    }

    /// The facts about `story` the user's rights depend on.
    pub fn target(&self, story: &Story) -> Target {
        self.actor().target(story)
    }

    /// Checks the CSRF token a form carried against the session's.
    ///
    /// # Errors
    /// [`WebError::Forbidden`] when it is missing or wrong.
    pub fn check_csrf(&self, sent: &str) -> Result<(), WebError> {
        if secrets::constant_time_eq(sent, &self.0.csrf) { Ok(()) } else { Err(WebError::BadCsrf) }
    }
}

/// Percent-encodes a string for a query parameter.
pub fn urlencode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~' | b'/') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[derive(Serialize)]
struct NavEntry {
    label: &'static str,
    url: &'static str,
    active: bool,
}

#[derive(Serialize)]
struct UserView {
    email: String,
    name: String,
    role: &'static str,
}

#[derive(Serialize)]
struct SiteName {
    name: String,
}

/// A message shown once at the top of an admin page.
#[derive(Serialize, Clone)]
pub struct Flash {
    pub kind: &'static str,
    pub message: String,
}

impl Flash {
    /// A message that what was asked for is done.
    pub fn ok(message: impl Into<String>) -> Self {
        Self { kind: "ok", message: message.into() }
    }
}

/// What a page says after a redirect (`?done=...`, see [`done_redirect`]).
#[derive(Deserialize, Default)]
pub struct Done {
    #[serde(default)]
    pub done: String,
}

impl Done {
    /// The message for `?done=...` in the page's `(done, message)` list, if it has one.
    pub fn flash(&self, messages: &[(&str, &str)]) -> Option<Flash> {
        messages.iter().find(|(done, _)| *done == self.done).map(|(_, message)| Flash::ok(*message))
    }
}

/// The answer to a form post that did what it was asked: the page at `path`, told what was
/// `done` (its [`Done`]).
pub fn done_redirect(path: &str, done: &str) -> Response {
    Redirect::to(&format!("{path}?done={done}")).into_response()
}

/// Story `id`, or 404.
///
/// # Errors
/// [`WebError::NotFound`] when there is none; store failures.
pub async fn load_story(state: &AppState, id: i64) -> Result<Story, WebError> {
    state.store.story(StoryId(id)).await?.ok_or(WebError::NotFound)
}

/// Renders admin template `name` in the admin layout for `session` (none on the sign-in
/// page), adding site, user, csrf and navigation to `context`.
///
/// # Errors
/// [`WebError`] when the store or the template fails.
pub async fn render(
    state: &AppState,
    session: Option<&Session>,
    status: StatusCode,
    name: &str,
    path: &str,
    flash: Option<Flash>,
    context: minijinja::Value,
) -> Result<Response, WebError> {
    let settings = state.store.settings().await?;
    let mut nav = Vec::new();
    if let Some(s) = session {
        let actor = Actor::from(&s.user);
        let entries: [(&str, &str, Action); 16] = [
            ("Dashboard", "/admin", Action::ViewStories),
            ("Stories", "/admin/stories", Action::ViewStories),
            ("Wire desk", "/admin/wire", Action::ViewStories),
            ("New story", "/admin/stories/new", Action::CreateStory),
            ("Media", "/admin/media", Action::ViewStories),
            ("Fronts", "/admin/fronts", Action::ArrangeFronts),
            ("Sections", "/admin/sections", Action::ManageTaxonomy),
            ("Tags", "/admin/tags", Action::ManageTaxonomy),
            ("Authors", "/admin/authors", Action::ManageTaxonomy),
            ("Sources", "/admin/sources", Action::ManageSources),
            ("Users", "/admin/users", Action::ManageUsers),
            ("Settings", "/admin/settings", Action::ManageSettings),
            ("API tokens", "/admin/tokens", Action::ManageTokens),
            ("Webhooks", "/admin/webhooks", Action::ManageWebhooks),
            ("CDN purges", "/admin/cdn", Action::ViewCdnPurges),
            ("Import", "/admin/import", Action::MoveSite),
        ];
        for (label, url, action) in entries {
            if rights::may(&actor, action, Target::Site) {
                let active = path == url
                    || (url == "/admin/stories"
                        && path.starts_with("/admin/stories/")
                        && path != "/admin/stories/new");
                nav.push(NavEntry { label, url, active });
            }
        }
    }
    let user = session.map(|s| UserView {
        email: s.user.email.to_string(),
        name: s.user.name.clone(),
        role: s.user.role.as_str(),
    });
    let common = crate::view_context! {
        site => SiteName { name: settings.name },
        user => user,
        csrf => session.map(|s| s.csrf.clone()).unwrap_or_default(),
        nav => nav,
        flash => flash,
    };
    // The page's own values win: the sign-in page brings its own CSRF token.
    let merged = minijinja::context! { ..context, ..common };
    let html = state.theme.render(&format!("admin/{name}"), merged)?;
    let mut response = (status, Html(html)).into_response();
    response.headers_mut().insert(header::CACHE_CONTROL, header::HeaderValue::from_static("no-store"));
    Ok(response)
}
