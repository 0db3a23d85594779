//! The JSON APIs: the Admin API (`/api/admin/v1`, bearer token with scope `admin`, covers
//! what the newsroom UI does) and the read-only Content API (`/api/content/v1`, published
//! stories only, token with scope `content` or `admin`). Routes are declared with utoipa,
//! so `/api/openapi.json` is generated from the same code that serves them.
//!
//! Errors are always JSON: `{"error": {"code", "message", "fields"}}` with 400, 401, 403,
//! 404, 409, 413, 415 or 422. Bodies over [`MAX_BODY`] are refused; unknown fields are
//! rejected.

pub mod admin_fronts;
pub mod admin_live;
pub mod admin_media;
pub mod admin_stories;
pub mod admin_taxonomy;
pub mod admin_wire;
pub mod content;
pub mod types;
pub mod wire;

use crate::error::WebError;
use crate::state::AppState;
use axum::extract::{FromRequest, FromRequestParts, Request, rejection::JsonRejection};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::{Json, Router};
use dateline_core::FieldError;
use dateline_core::account::{ApiToken, TokenScope};
use dateline_core::secrets;
use dateline_store::StoreError;
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::collections::BTreeMap;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;

/// Largest request body the APIs accept (wire pushes carry whole stories with markup).
pub const MAX_BODY: usize = 4 * 1024 * 1024;

/// An API failure, answered as JSON.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    pub fields: BTreeMap<String, String>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    error: ErrorDetail,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorDetail {
    /// Machine-readable: unauthorized, forbidden, not_found, conflict, invalid, too_large...
    code: String,
    message: String,
    /// Field name -> problem, for `invalid`.
    fields: BTreeMap<String, String>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self { status, code, message: message.into(), fields: BTreeMap::new() }
    }

    pub fn invalid(errors: Vec<FieldError>) -> Self {
        Self {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            code: "invalid",
            message: "Some fields are invalid.".into(),
            fields: errors.into_iter().map(|e| (e.field.to_owned(), e.message)).collect(),
        }
    }

    pub fn not_found() -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", "No such resource.")
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            error: ErrorDetail { code: self.code.into(), message: self.message, fields: self.fields },
        };
        let mut response = (self.status, Json(body)).into_response();
        if self.status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        if self.status == StatusCode::TOO_MANY_REQUESTS {
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        }
        response
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => Self::not_found(),
            StoreError::Conflict { current } => Self::new(
                StatusCode::CONFLICT,
                "conflict",
                format!("The story was saved by someone else meanwhile; it is now at version {current}."),
            ),
            StoreError::Duplicate(what) => {
                Self::new(StatusCode::CONFLICT, "duplicate", format!("That {what} is already taken."))
            }
            StoreError::Invalid(errors) => Self::invalid(errors),
            StoreError::Refused(refused) => Self::new(StatusCode::CONFLICT, "refused", refused.message()),
            other => WebError::from(other).into(),
        }
    }
}

impl From<dateline_newsroom::stories::StoryError> for ApiError {
    fn from(e: dateline_newsroom::stories::StoryError) -> Self {
        use dateline_newsroom::stories::StoryError;
        match e {
            StoryError::Invalid(errors) => Self::invalid(errors),
            StoryError::Conflict { current } => StoreError::Conflict { current }.into(),
            StoryError::Refused(refused) => StoreError::Refused(refused).into(),
            StoryError::Store(e) => e.into(),
            other => WebError::from(other).into(),
        }
    }
}

impl From<dateline_newsroom::accounts::AccountError> for ApiError {
    fn from(e: dateline_newsroom::accounts::AccountError) -> Self {
        use dateline_newsroom::accounts::AccountError;
        match e {
            AccountError::Invalid(errors) => Self::invalid(errors),
            AccountError::NotYourself(why) => Self::new(StatusCode::CONFLICT, "refused", why),
            AccountError::LastAdministrator => Self::new(
                StatusCode::CONFLICT,
                "refused",
                "The site must keep at least one enabled administrator.",
            ),
            other => WebError::from(other).into(),
        }
    }
}

impl From<dateline_newsroom::AdminError> for ApiError {
    fn from(e: dateline_newsroom::AdminError) -> Self {
        use dateline_newsroom::AdminError;
        match e {
            AdminError::Forbidden => WebError::Forbidden.into(),
            AdminError::Invalid(errors) => Self::invalid(errors),
            AdminError::Store(e) => e.into(),
            AdminError::Secret(e) => WebError::internal(e).into(),
        }
    }
}

impl From<WebError> for ApiError {
    fn from(e: WebError) -> Self {
        match e {
            WebError::NotFound => Self::not_found(),
            WebError::BadRequest(m) => Self::new(StatusCode::BAD_REQUEST, "bad_request", m),
            WebError::Forbidden | WebError::BadCsrf => {
                Self::new(StatusCode::FORBIDDEN, "forbidden", "Not allowed.")
            }
            WebError::Gone(m) => Self::new(StatusCode::GONE, "gone", m),
            WebError::Refused(refused) => Self::new(StatusCode::CONFLICT, "refused", refused.message()),
            WebError::Conflict(m) => Self::new(StatusCode::CONFLICT, "conflict", m),
            WebError::TooManyRequests => {
                Self::new(StatusCode::TOO_MANY_REQUESTS, "too_many_requests", "Slow down.")
            }
            WebError::Unavailable => {
                Self::new(StatusCode::SERVICE_UNAVAILABLE, "unavailable", "Try again shortly.")
            }
            WebError::Internal(cause) => {
                WebError::log_internal(cause.as_ref(), "API request failed");
                Self::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", "An error occurred on our side.")
            }
        }
    }
}

/// A JSON body whose every failure (syntax, unknown field, wrong type, too large, wrong
/// content type) is an [`ApiError`]; its strings are cleaned first (`crate::input`).
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        // A body declared too large is refused before any of it is read; one not declared
        // is cut at the limit as it is read.
        let declared = req.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok());
        if declared.and_then(|v| v.parse::<u64>().ok()).is_some_and(|n| n > MAX_BODY as u64) {
            let message = format!("The body is larger than {MAX_BODY} bytes.");
            return Err(ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "too_large", message));
        }
        let read = match Json::<serde_json::Value>::from_request(req, state).await {
            Ok(Json(mut value)) => {
                crate::input::clean_json(&mut value);
                // Read as `T` from the cleaned text, so type errors come out as before.
                let cleaned = serde_json::to_vec(&value).unwrap_or_default();
                Json::<T>::from_bytes(&cleaned)
            }
            Err(rejection) => Err(rejection),
        };
        match read {
            Ok(Json(v)) => Ok(Self(v)),
            Err(rejection) => {
                let status = rejection.status();
                let code = match &rejection {
                    JsonRejection::JsonDataError(_) => "invalid",
                    JsonRejection::JsonSyntaxError(_) => "malformed_json",
                    JsonRejection::MissingJsonContentType(_) => "unsupported_media_type",
                    _ if status == StatusCode::PAYLOAD_TOO_LARGE => "too_large",
                    _ => "bad_request",
                };
                let message = match code {
                    "too_large" => format!("The body is larger than {MAX_BODY} bytes."),
                    _ => rejection.body_text(),
                };
                Err(ApiError::new(status, code, message))
            }
        }
    }
}

/// The caller's token, checked against `scope`.
async fn token(parts: &Parts, state: &AppState, scope: TokenScope) -> Result<ApiToken, ApiError> {
    let header = parts.headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).unwrap_or("");
    let Some(secret) = header.strip_prefix("Bearer ").map(str::trim).filter(|s| !s.is_empty()) else {
        return Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "Send a token: Authorization: Bearer <token>.",
        ));
    };
    let found = state.store.token_by_hash(&secrets::token_hash(secret), state.clock.now()).await?;
    let Some(token) = found else {
        return Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "The token is unknown or revoked.",
        ));
    };
    let allowed = token.scope == TokenScope::Admin || token.scope == scope;
    if allowed {
        Ok(token)
    } else {
        Err(ApiError::new(StatusCode::FORBIDDEN, "forbidden", "This token's scope does not allow this API."))
    }
}

/// A caller holding a token with scope `admin`.
pub struct AdminToken(pub ApiToken);

impl AdminToken {
    /// Who the token acts as, for rights and history.
    pub fn actor(&self) -> dateline_core::Actor {
        dateline_core::Actor::AdminToken { id: self.0.id, name: self.0.name.clone() }
    }
}

impl FromRequestParts<AppState> for AdminToken {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        token(parts, state, TokenScope::Admin).await.map(Self)
    }
}

/// A caller holding a token with scope `content` (or `admin`).
pub struct ContentToken(pub ApiToken);

impl FromRequestParts<AppState> for ContentToken {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        token(parts, state, TokenScope::Content).await.map(Self)
    }
}

#[derive(OpenApi)]
#[openapi(
    info(title = "Dateline API", description = "Admin API (scope admin) and Content API (scope content)."),
    modifiers(&BearerAuth),
)]
struct ApiDoc;

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
        openapi.security = Some(vec![SecurityRequirement::new("bearer", Vec::<String>::new())]);
    }
}

/// Every API route, and the OpenAPI document generated from them.
pub fn router() -> Router<AppState> {
    let (routes, doc) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(admin_fronts::routes())
        .merge(admin_live::routes())
        .merge(admin_media::routes())
        .merge(admin_stories::routes())
        .merge(admin_taxonomy::routes())
        .merge(admin_wire::routes())
        .merge(content::routes())
        .merge(wire::routes())
        .split_for_parts();
    let doc_json = doc.to_pretty_json().unwrap_or_else(|_| "{}".into());
    routes
        .route(
            "/api/openapi.json",
            axum::routing::get(move || {
                let body = doc_json.clone();
                async move { ([(header::CONTENT_TYPE, "application/json")], body) }
            }),
        )
        .route("/api/{*rest}", axum::routing::any(|| async { ApiError::not_found() }))
        .layer(axum::extract::DefaultBodyLimit::max(MAX_BODY))
}
