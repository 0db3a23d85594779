//! The one error type of the web layer and the styled error pages. A handler returns
//! [`WebError`]; its response carries an [`ErrorPage`] marker that the `styled_errors`
//! middleware turns into the theme's error page. Any other error response without a body of
//! its own (axum's rejections, 405s) is styled the same way, so no visitor sees a bare
//! plain-text error. Causes are logged once and never shown to the client.

use crate::state::AppState;
use crate::views;
use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};
use dateline_store::StoreError;

/// What went wrong while answering a request.
#[derive(Debug, thiserror::Error)]
pub enum WebError {
    #[error("not found")]
    NotFound,
    #[error("gone: {0}")]
    Gone(&'static str),
    #[error("bad request: {0}")]
    BadRequest(String),
    #[error("forbidden")]
    Forbidden,
    #[error("the form's CSRF token did not match")]
    BadCsrf,
    /// The story's lifecycle does not allow the change (killed, already published...).
    #[error("refused: {0}")]
    Refused(#[source] dateline_core::TransitionError),
    /// Someone else changed it meanwhile.
    #[error("conflict: {0}")]
    Conflict(String),
    #[error("too many attempts")]
    TooManyRequests,
    #[error("service unavailable")]
    Unavailable,
    /// Something failed on our side; the cause (with its own causes) is logged, never shown.
    #[error("internal error")]
    Internal(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl WebError {
    /// An internal error keeping `cause`.
    pub fn internal(cause: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        Self::Internal(cause.into())
    }

    /// Logs an internal error with its whole chain of causes, once, where it is answered.
    pub(crate) fn log_internal(cause: &(dyn std::error::Error + 'static), answered: &str) {
        let mut chain = cause.to_string();
        let mut next = cause.source();
        while let Some(inner) = next {
            chain.push_str(": ");
            chain.push_str(&inner.to_string());
            next = inner.source();
        }
        tracing::error!(error = %chain, "{answered}");
    }
}

impl From<StoreError> for WebError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => Self::NotFound,
            StoreError::Unavailable(_) => Self::Unavailable,
            StoreError::Refused(refused) => Self::Refused(refused),
            other => Self::internal(other),
        }
    }
}

impl From<dateline_newsroom::stories::StoryError> for WebError {
    fn from(e: dateline_newsroom::stories::StoryError) -> Self {
        use dateline_newsroom::stories::StoryError;
        match e {
            StoryError::NotFound => Self::NotFound,
            StoryError::Forbidden => Self::Forbidden,
            StoryError::Refused(refused) => Self::Refused(refused),
            StoryError::Invalid(errors) => {
                Self::BadRequest(errors.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))
            }
            StoryError::Conflict { current } => Self::Conflict(format!(
                "Someone else saved this story meanwhile (now version {current}). Reload it and try again."
            )),
            StoryError::Store(e) => e.into(),
        }
    }
}

impl From<dateline_newsroom::accounts::AccountError> for WebError {
    fn from(e: dateline_newsroom::accounts::AccountError) -> Self {
        use dateline_newsroom::accounts::AccountError;
        match e {
            AccountError::NotFound => Self::NotFound,
            AccountError::Forbidden => Self::Forbidden,
            AccountError::NotYourself(why) => Self::BadRequest(why.to_owned()),
            AccountError::LastAdministrator => {
                Self::Conflict("The site must keep at least one enabled administrator.".to_owned())
            }
            AccountError::Invalid(errors) => {
                Self::BadRequest(errors.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))
            }
            AccountError::Busy => Self::TooManyRequests,
            AccountError::Secret(e) => Self::internal(e),
            AccountError::Store(e) => e.into(),
        }
    }
}

impl From<dateline_newsroom::AdminError> for WebError {
    fn from(e: dateline_newsroom::AdminError) -> Self {
        use dateline_newsroom::AdminError;
        match e {
            AdminError::Forbidden => Self::Forbidden,
            AdminError::Invalid(errors) => {
                Self::BadRequest(errors.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))
            }
            AdminError::Store(e) => e.into(),
            AdminError::Secret(e) => Self::internal(e),
        }
    }
}

impl From<crate::theme::ThemeError> for WebError {
    fn from(e: crate::theme::ThemeError) -> Self {
        Self::internal(e)
    }
}

/// Marker telling the middleware which error page to render.
#[derive(Debug, Clone)]
pub struct ErrorPage {
    pub status: StatusCode,
    pub title: &'static str,
    pub message: String,
}

impl ErrorPage {
    fn for_status(status: StatusCode) -> Self {
        let (title, message) = match status {
            StatusCode::NOT_FOUND => {
                ("Page not found", "We could not find the page you asked for. It may have moved.")
            }
            StatusCode::GONE => ("Story removed", "This story has been removed."),
            StatusCode::BAD_REQUEST => ("Bad request", "The address has a part we cannot read."),
            StatusCode::METHOD_NOT_ALLOWED => ("Method not allowed", "This page cannot be used that way."),
            StatusCode::FORBIDDEN => ("Not allowed", "Your account is not allowed to do that."),
            StatusCode::TOO_MANY_REQUESTS => {
                ("Too many attempts", "Too many attempts. Please wait a few minutes.")
            }
            StatusCode::SERVICE_UNAVAILABLE => {
                ("Temporarily unavailable", "The site is busy. Please try again shortly.")
            }
            s if s.is_client_error() => ("Request refused", "The request could not be answered."),
            _ => ("Something went wrong", "An error occurred on our side. Please try again shortly."),
        };
        Self { status, title, message: message.to_owned() }
    }
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        let page = match self {
            Self::NotFound => ErrorPage::for_status(StatusCode::NOT_FOUND),
            Self::Gone(why) => {
                ErrorPage { message: why.to_owned(), ..ErrorPage::for_status(StatusCode::GONE) }
            }
            Self::BadRequest(why) => {
                ErrorPage { message: why, ..ErrorPage::for_status(StatusCode::BAD_REQUEST) }
            }
            Self::Forbidden => ErrorPage::for_status(StatusCode::FORBIDDEN),
            Self::BadCsrf => ErrorPage {
                message: "The form's security token did not match. Go back, reload the page and try again."
                    .into(),
                ..ErrorPage::for_status(StatusCode::FORBIDDEN)
            },
            Self::Refused(refused) => ErrorPage {
                title: "Not possible now",
                message: refused.message(),
                ..ErrorPage::for_status(StatusCode::CONFLICT)
            },
            Self::Conflict(why) => ErrorPage {
                title: "Changed meanwhile",
                message: why,
                ..ErrorPage::for_status(StatusCode::CONFLICT)
            },
            Self::TooManyRequests => ErrorPage::for_status(StatusCode::TOO_MANY_REQUESTS),
            Self::Unavailable => {
                tracing::warn!("database pool exhausted or closed");
                ErrorPage::for_status(StatusCode::SERVICE_UNAVAILABLE)
            }
            Self::Internal(cause) => {
                Self::log_internal(cause.as_ref(), "request failed");
                ErrorPage::for_status(StatusCode::INTERNAL_SERVER_ERROR)
            }
        };
        let mut response = (page.status, page.message.clone()).into_response();
        if page.status == StatusCode::TOO_MANY_REQUESTS {
            // Only the password permits answer 429 this way; one is free again in a moment.
            response.headers_mut().insert(header::RETRY_AFTER, header::HeaderValue::from_static("1"));
        }
        response.extensions_mut().insert(page);
        response
    }
}

/// Middleware: replaces error responses that are not already HTML or JSON with the
/// theme's error page, keeping their status.
pub async fn styled_errors(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return response;
    }
    let page = match response.extensions().get::<ErrorPage>() {
        Some(page) => page.clone(),
        None => {
            let content_type =
                response.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
            if content_type.starts_with("text/html") || content_type.starts_with("application/json") {
                return response;
            }
            ErrorPage::for_status(status)
        }
    };
    let mut styled = match render_error_page(&state, &page).await {
        Ok(html) => (page.status, Html(html)).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "error page could not be rendered");
            (page.status, Html(format!("<!doctype html><title>{0}</title><h1>{0}</h1>", page.status)))
                .into_response()
        }
    };
    for name in [header::ALLOW, header::RETRY_AFTER] {
        if let Some(value) = response.headers().get(&name) {
            styled.headers_mut().insert(name, value.clone());
        }
    }
    styled.headers_mut().insert(header::CACHE_CONTROL, header::HeaderValue::from_static("no-store"));
    styled
}

async fn render_error_page(state: &AppState, page: &ErrorPage) -> Result<String, WebError> {
    let settings = state.store.settings().await.unwrap_or_default();
    let sections = state.store.sections().await.unwrap_or_default();
    let site = views::SiteView::new(&settings, &sections, state.clock.now(), "");
    let meta = views::PageMeta::simple(&settings, page.title, &page.message, "/");
    Ok(state.theme.render(
        "error.html",
        crate::view_context! { site => site, page => meta, status => page.status.as_u16(), title => page.title, message => page.message },
    )?)
}
