//! Signing in and out. The sign-in form is protected against cross-site posting by a
//! double-submit token (cookie + hidden field); the sign-in itself, with its throttle per
//! account and per client address (the rule is in `dateline_newsroom::sign_in`), is the
//! newsroom's; this page answers a throttled or busy attempt 429 with `Retry-After`. A
//! successful sign-in gets a fresh random session token (only its hash is stored) in an
//! HttpOnly, SameSite=Lax cookie, Secure when the request counts as HTTPS
//! (`crate::client`).

use super::{SESSION_COOKIE, SESSION_HOURS, cookie, render};
use crate::client::ClientInfo;
use crate::error::WebError;
use crate::input::Form;
use crate::state::AppState;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use dateline_core::secrets;
use dateline_newsroom::sign_in::{self, Attempt, SignInError};
use jiff::SignedDuration;
use serde::Deserialize;

const LOGIN_CSRF_COOKIE: &str = "dateline_login_csrf";
/// The largest sign-in form read: an e-mail address, a password and two short fields.
pub const MAX_FORM_BYTES: usize = 16 * 1024;

#[derive(Deserialize)]
pub struct NextQuery {
    #[serde(default)]
    next: String,
}

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    next: String,
}

/// Only local paths are followed after sign-in, so the form cannot send people elsewhere.
fn safe_next(next: &str) -> &str {
    if next.starts_with("/admin") && !next.starts_with("//") && !next.contains('\\') {
        next
    } else {
        "/admin"
    }
}

pub(super) fn cookie_header(state_secure: bool, name: &str, value: &str, max_age: i64) -> HeaderValue {
    let secure = if state_secure { "; Secure" } else { "" };
    let text = format!("{name}={value}; Path=/admin; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}");
    HeaderValue::from_str(&text).unwrap_or_else(|_| HeaderValue::from_static(""))
}

async fn login_page(
    state: &AppState,
    client: &ClientInfo,
    status: StatusCode,
    email: &str,
    next: &str,
    error: Option<String>,
) -> Result<Response, WebError> {
    let token = secrets::random_hex(16).map_err(WebError::internal)?;
    // The form carries the token in a field and the browser sends it back as a cookie.
    let context = minijinja::context! { error => error, email => email, next => next, csrf => token.clone() };
    let mut response = render(state, None, status, "login.html", "/admin/login", None, context).await?;
    let secure = client.https(state).await;
    response.headers_mut().append(header::SET_COOKIE, cookie_header(secure, LOGIN_CSRF_COOKIE, &token, 3600));
    Ok(response)
}

pub async fn form(
    State(state): State<AppState>,
    headers: HeaderMap,
    client: ClientInfo,
    Query(q): Query<NextQuery>,
) -> Result<Response, WebError> {
    if super::current_session(&state, &headers).await?.is_some() {
        return Ok(Redirect::to(safe_next(&q.next)).into_response());
    }
    login_page(&state, &client, StatusCode::OK, "", safe_next(&q.next), None).await
}

pub async fn submit(
    State(state): State<AppState>,
    headers: HeaderMap,
    client: ClientInfo,
    Form(form): Form<LoginForm>,
) -> Result<Response, WebError> {
    let next = safe_next(&form.next).to_owned();
    let cookie_token = cookie(&headers, LOGIN_CSRF_COOKIE).unwrap_or("");
    if cookie_token.is_empty() || !secrets::constant_time_eq(cookie_token, &form.csrf) {
        let why = "The sign-in form expired. Please try again.".to_owned();
        return login_page(&state, &client, StatusCode::FORBIDDEN, &form.email, &next, Some(why)).await;
    }
    let address = client.address_text();
    let attempt = Attempt {
        email: &form.email,
        password: &form.password,
        address: &address,
        now: state.clock.now(),
        lasts: SignedDuration::from_hours(SESSION_HOURS),
    };
    let (status, why, retry_after) =
        match sign_in::sign_in(state.store.as_ref(), &state.passwords, &attempt).await {
            Ok(signed_in) => {
                let secure = client.https(&state).await;
                let mut response = Redirect::to(&next).into_response();
                let headers = response.headers_mut();
                let session = cookie_header(secure, SESSION_COOKIE, &signed_in.token, SESSION_HOURS * 3600);
                headers.append(header::SET_COOKIE, session);
                headers.append(header::SET_COOKIE, cookie_header(secure, LOGIN_CSRF_COOKIE, "", 0));
                return Ok(response);
            }
            Err(SignInError::Mismatch) => (
                StatusCode::UNAUTHORIZED,
                "That e-mail address and password do not match an account.".to_owned(),
                None,
            ),
            Err(SignInError::Wait(left)) => {
                // Whole seconds, rounded up, so that coming back then is never too early.
                let secs = (left.as_millis() + 999) / 1000;
                let why = format!(
                    "Too many failed sign-ins for this account or from this address. Try again in {}.",
                    if secs == 1 { "1 second".to_owned() } else { format!("{secs} seconds") }
                );
                (StatusCode::TOO_MANY_REQUESTS, why, Some(secs))
            }
            Err(SignInError::Busy) => {
                let why = "Too many sign-ins at this moment. Try again in a second.".to_owned();
                (StatusCode::TOO_MANY_REQUESTS, why, Some(1))
            }
            Err(SignInError::Store(e)) => return Err(e.into()),
            Err(e) => return Err(WebError::internal(e)),
        };
    let mut response = login_page(&state, &client, status, &form.email, &next, Some(why)).await?;
    if let Some(secs) = retry_after.and_then(|s| HeaderValue::from_str(&s.to_string()).ok()) {
        response.headers_mut().insert(header::RETRY_AFTER, secs);
    }
    Ok(response)
}

#[derive(Deserialize)]
pub struct LogoutForm {
    #[serde(default)]
    csrf: String,
}

pub async fn logout(
    State(state): State<AppState>,
    editor: super::Editor,
    client: ClientInfo,
    headers: HeaderMap,
    Form(form): Form<LogoutForm>,
) -> Result<Response, WebError> {
    editor.check_csrf(&form.csrf)?;
    if let Some(token) = cookie(&headers, SESSION_COOKIE) {
        state.store.delete_session(&secrets::token_hash(token)).await?;
    }
    let secure = client.https(&state).await;
    let mut response = Redirect::to("/admin/login").into_response();
    response.headers_mut().append(header::SET_COOKIE, cookie_header(secure, SESSION_COOKIE, "", 0));
    Ok(response)
}
