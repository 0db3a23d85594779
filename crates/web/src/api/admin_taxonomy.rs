//! Admin API: sections, tags, authors, sources, users, API tokens, webhooks with their
//! delivery log, site settings and the breaking-news banner.

use super::types::{AuthorOut, SectionOut, SourceOut, TagOut};
use super::{AdminToken, ApiError, ApiJson, ErrorBody};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use dateline_core::account::Role;
use dateline_core::{
    FieldError, MenuItem, NewAuthor, NewSection, NewSource, NewTag, SiteSettings, Slug, TagKind,
    TextDirection,
};
use dateline_newsroom::accounts::{self, AccountFields};
use dateline_newsroom::site;
use dateline_newsroom::taxonomy;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_sections, create_section))
        .routes(routes!(update_section))
        .routes(routes!(list_tags, create_tag))
        .routes(routes!(update_tag))
        .routes(routes!(list_authors, create_author))
        .routes(routes!(update_author))
        .routes(routes!(list_sources, create_source))
        .routes(routes!(update_source))
        .routes(routes!(set_webhook_state))
        .routes(routes!(list_users, create_user))
        .routes(routes!(user_action))
        .routes(routes!(list_tokens, create_token))
        .routes(routes!(revoke_token))
        .routes(routes!(get_settings, put_settings))
        .routes(routes!(get_banner, put_banner, delete_banner))
        .routes(routes!(list_webhooks, create_webhook))
        .routes(routes!(list_deliveries))
}

fn slug_of(given: &Option<String>, name: &str) -> Result<Slug, ApiError> {
    let result = match given.as_deref() {
        Some(s) if !s.is_empty() => Slug::parse(s).map_err(|e| e.to_string()),
        _ => Slug::from_title(name).ok_or_else(|| "give a slug".to_owned()),
    };
    result.map_err(|m| ApiError::invalid(vec![FieldError::new("slug", m)]))
}

fn required(value: &str, field: &'static str) -> Result<String, ApiError> {
    let v = value.trim();
    if v.is_empty() {
        Err(ApiError::invalid(vec![FieldError::new(field, "required")]))
    } else {
        Ok(v.to_owned())
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SectionIn {
    name: String,
    #[serde(default)]
    slug: Option<String>,
    #[serde(default)]
    description: String,
    #[serde(default)]
    language: Option<String>,
    #[serde(default)]
    position: i64,
}

#[utoipa::path(get, path = "/api/admin/v1/sections", tag = "admin", responses((status = 200, body = Vec<SectionOut>), (status = 401, body = ErrorBody)))]
async fn list_sections(
    State(state): State<AppState>,
    _t: AdminToken,
) -> Result<Json<Vec<SectionOut>>, ApiError> {
    Ok(Json(state.store.sections().await?.iter().map(Into::into).collect()))
}

#[utoipa::path(post, path = "/api/admin/v1/sections", tag = "admin", request_body = SectionIn,
    responses((status = 201, body = SectionOut), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create_section(
    State(state): State<AppState>,
    t: AdminToken,
    ApiJson(input): ApiJson<SectionIn>,
) -> Result<(StatusCode, Json<SectionOut>), ApiError> {
    let new = new_section(input)?;
    let section = taxonomy::create_section(state.store.as_ref(), &t.actor(), &new).await?;
    state.site_cache.clear();
    Ok((StatusCode::CREATED, Json((&section).into())))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TagIn {
    name: String,
    #[serde(default)]
    slug: Option<String>,
    /// topic, person, place or organisation
    kind: String,
}

#[utoipa::path(get, path = "/api/admin/v1/tags", tag = "admin", responses((status = 200, body = Vec<TagOut>), (status = 401, body = ErrorBody)))]
async fn list_tags(State(state): State<AppState>, _t: AdminToken) -> Result<Json<Vec<TagOut>>, ApiError> {
    Ok(Json(state.store.tags().await?.iter().map(Into::into).collect()))
}

#[utoipa::path(post, path = "/api/admin/v1/tags", tag = "admin", request_body = TagIn,
    responses((status = 201, body = TagOut), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create_tag(
    State(state): State<AppState>,
    t: AdminToken,
    ApiJson(input): ApiJson<TagIn>,
) -> Result<(StatusCode, Json<TagOut>), ApiError> {
    let name = required(&input.name, "name")?;
    let kind = TagKind::parse(&input.kind).ok_or_else(|| {
        ApiError::invalid(vec![FieldError::new("kind", "topic, person, place or organisation")])
    })?;
    let new = NewTag { slug: slug_of(&input.slug, &name)?, name, kind };
    let tag = taxonomy::create_tag(state.store.as_ref(), &t.actor(), &new).await?;
    Ok((StatusCode::CREATED, Json((&tag).into())))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AuthorIn {
    name: String,
    #[serde(default)]
    slug: Option<String>,
    #[serde(default)]
    bio: String,
}

#[utoipa::path(get, path = "/api/admin/v1/authors", tag = "admin", responses((status = 200, body = Vec<AuthorOut>), (status = 401, body = ErrorBody)))]
async fn list_authors(
    State(state): State<AppState>,
    _t: AdminToken,
) -> Result<Json<Vec<AuthorOut>>, ApiError> {
    Ok(Json(state.store.authors().await?.iter().map(Into::into).collect()))
}

#[utoipa::path(post, path = "/api/admin/v1/authors", tag = "admin", request_body = AuthorIn,
    responses((status = 201, body = AuthorOut), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create_author(
    State(state): State<AppState>,
    t: AdminToken,
    ApiJson(input): ApiJson<AuthorIn>,
) -> Result<(StatusCode, Json<AuthorOut>), ApiError> {
    let name = required(&input.name, "name")?;
    let new = NewAuthor { slug: slug_of(&input.slug, &name)?, name, bio: input.bio };
    let author = taxonomy::create_author(state.store.as_ref(), &t.actor(), &new).await?;
    Ok((StatusCode::CREATED, Json((&author).into())))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SourceIn {
    name: String,
    #[serde(default)]
    slug: Option<String>,
    #[serde(default)]
    credit: Option<String>,
}

#[utoipa::path(get, path = "/api/admin/v1/sources", tag = "admin", responses((status = 200, body = Vec<SourceOut>), (status = 401, body = ErrorBody)))]
async fn list_sources(
    State(state): State<AppState>,
    _t: AdminToken,
) -> Result<Json<Vec<SourceOut>>, ApiError> {
    Ok(Json(state.store.sources().await?.iter().map(Into::into).collect()))
}

#[utoipa::path(post, path = "/api/admin/v1/sources", tag = "admin", request_body = SourceIn,
    responses((status = 201, body = SourceOut), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create_source(
    State(state): State<AppState>,
    t: AdminToken,
    ApiJson(input): ApiJson<SourceIn>,
) -> Result<(StatusCode, Json<SourceOut>), ApiError> {
    let name = required(&input.name, "name")?;
    let credit = input.credit.filter(|c| !c.trim().is_empty()).unwrap_or_else(|| name.clone());
    let new = NewSource { slug: slug_of(&input.slug, &name)?, name, credit };
    let source = taxonomy::create_source(state.store.as_ref(), &t.actor(), &new).await?;
    Ok((StatusCode::CREATED, Json((&source).into())))
}

#[derive(Serialize, ToSchema)]
pub struct UserOut {
    id: i64,
    email: String,
    name: String,
    role: String,
    disabled: bool,
    /// Only in the answer to a creation: the generated password, shown once.
    #[serde(skip_serializing_if = "Option::is_none")]
    password: Option<String>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserIn {
    email: String,
    name: String,
    /// administrator, editor, author or contributor
    role: String,
    /// Author slug this account writes as.
    #[serde(default)]
    author: Option<String>,
}

#[utoipa::path(get, path = "/api/admin/v1/users", tag = "admin", responses((status = 200, body = Vec<UserOut>), (status = 401, body = ErrorBody)))]
async fn list_users(State(state): State<AppState>, _t: AdminToken) -> Result<Json<Vec<UserOut>>, ApiError> {
    Ok(Json(state.store.users().await?.into_iter().map(UserOut::from).collect()))
}

#[utoipa::path(post, path = "/api/admin/v1/users", tag = "admin", request_body = UserIn,
    responses((status = 201, body = UserOut), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create_user(
    State(state): State<AppState>,
    token: AdminToken,
    ApiJson(input): ApiJson<UserIn>,
) -> Result<(StatusCode, Json<UserOut>), ApiError> {
    let fields =
        AccountFields { email: input.email, name: Some(input.name), role: input.role, author: input.author };
    let (user, password) =
        accounts::create(state.store.as_ref(), &state.passwords, &token.actor(), &fields, state.clock.now())
            .await?;
    Ok((StatusCode::CREATED, Json(UserOut { password: Some(password), ..UserOut::from(user) })))
}

impl From<dateline_core::account::User> for UserOut {
    fn from(u: dateline_core::account::User) -> Self {
        Self {
            id: u.id.0,
            email: u.email.to_string(),
            name: u.name,
            role: u.role.to_string(),
            disabled: u.disabled,
            password: None,
        }
    }
}

/// Disables or re-enables an account (disabling signs it out everywhere), changes its role,
/// or gives it a new generated password, returned once. The site keeps at least one enabled
/// administrator: a change that would leave none is a 409.
#[utoipa::path(post, path = "/api/admin/v1/users/{id}/{action}", tag = "admin",
    params(("id" = i64, Path), ("action" = String, Path, description = "disable, enable, reset-password or role-<role>")),
    responses((status = 200, body = UserOut), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn user_action(
    State(state): State<AppState>,
    token: AdminToken,
    Path((id, action)): Path<(i64, String)>,
) -> Result<Json<UserOut>, ApiError> {
    let (store, actor, id) = (state.store.as_ref(), token.actor(), dateline_core::account::UserId(id));
    let user = match action.as_str() {
        "disable" | "enable" => accounts::set_disabled(store, &actor, id, action == "disable").await?.into(),
        role if role.starts_with("role-") => {
            let role = Role::parse(&role["role-".len()..]).ok_or_else(ApiError::not_found)?;
            accounts::set_role(store, &actor, id, role).await?.into()
        }
        "reset-password" => {
            let (user, password) = accounts::reset_password(store, &state.passwords, &actor, id).await?;
            UserOut { password: Some(password), ..UserOut::from(user) }
        }
        _ => return Err(ApiError::not_found()),
    };
    Ok(Json(user))
}

#[derive(Serialize, ToSchema)]
pub struct TokenOut {
    id: i64,
    name: String,
    scope: String,
    created_at: String,
    last_used_at: Option<String>,
    revoked: bool,
    /// Only in the answer to a creation: the token itself, shown once.
    #[serde(skip_serializing_if = "Option::is_none")]
    token: Option<String>,
}

impl From<dateline_core::account::ApiToken> for TokenOut {
    fn from(t: dateline_core::account::ApiToken) -> Self {
        Self {
            id: t.id,
            name: t.name,
            scope: t.scope.as_str().into(),
            created_at: t.created_at.to_string(),
            last_used_at: t.last_used_at.map(|t| t.to_string()),
            revoked: t.revoked,
            token: None,
        }
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TokenIn {
    name: String,
    /// admin or content
    scope: String,
}

#[utoipa::path(get, path = "/api/admin/v1/tokens", tag = "admin", responses((status = 200, body = Vec<TokenOut>), (status = 401, body = ErrorBody)))]
async fn list_tokens(State(state): State<AppState>, _t: AdminToken) -> Result<Json<Vec<TokenOut>>, ApiError> {
    Ok(Json(state.store.tokens().await?.into_iter().map(Into::into).collect()))
}

#[utoipa::path(post, path = "/api/admin/v1/tokens", tag = "admin", request_body = TokenIn,
    responses((status = 201, body = TokenOut), (status = 422, body = ErrorBody)))]
async fn create_token(
    State(state): State<AppState>,
    token: AdminToken,
    ApiJson(input): ApiJson<TokenIn>,
) -> Result<(StatusCode, Json<TokenOut>), ApiError> {
    let (store, now) = (state.store.as_ref(), state.clock.now());
    let (stored, secret) =
        accounts::create_token(store, &token.actor(), &input.name, &input.scope, now).await?;
    Ok((StatusCode::CREATED, Json(TokenOut { token: Some(secret), ..stored.into() })))
}

#[utoipa::path(delete, path = "/api/admin/v1/tokens/{id}", tag = "admin", params(("id" = i64, Path)),
    responses((status = 204), (status = 404, body = ErrorBody)))]
async fn revoke_token(
    State(state): State<AppState>,
    token: AdminToken,
    Path(id): Path<i64>,
) -> Result<StatusCode, ApiError> {
    accounts::revoke_token(state.store.as_ref(), &token.actor(), id, state.clock.now()).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The breaking-news banner across every public page.
#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BannerIo {
    /// The line shown (at most 200 characters).
    text: String,
    /// Where it leads: an http(s) address or a path on the site.
    #[serde(default)]
    link: String,
    /// When it comes down by itself (RFC 3339); none to stay until cleared.
    #[serde(default)]
    ends_at: Option<String>,
}

#[utoipa::path(get, path = "/api/admin/v1/banner", tag = "admin",
    responses((status = 200, body = BannerIo), (status = 404, body = ErrorBody), (status = 401, body = ErrorBody)))]
async fn get_banner(State(state): State<AppState>, _t: AdminToken) -> Result<Json<BannerIo>, ApiError> {
    let settings = state.store.settings().await?;
    let banner =
        settings.banner.filter(|b| b.is_showing(state.clock.now())).ok_or_else(ApiError::not_found)?;
    Ok(Json(BannerIo {
        text: banner.text,
        link: banner.link,
        ends_at: banner.ends_at.map(|t| t.to_string()),
    }))
}

#[utoipa::path(put, path = "/api/admin/v1/banner", tag = "admin", request_body = BannerIo,
    responses((status = 200, body = BannerIo), (status = 422, body = ErrorBody), (status = 401, body = ErrorBody)))]
async fn put_banner(
    State(state): State<AppState>,
    t: AdminToken,
    ApiJson(input): ApiJson<BannerIo>,
) -> Result<Json<BannerIo>, ApiError> {
    let ends_at = match input.ends_at.as_deref().map(str::trim).filter(|e| !e.is_empty()) {
        None => None,
        Some(text) => Some(text.parse::<jiff::Timestamp>().map_err(|_| {
            ApiError::invalid(vec![FieldError::new(
                "ends_at",
                "a time with its offset, such as 2026-12-07T18:00:00Z",
            )])
        })?),
    };
    let banner = dateline_core::Banner { text: input.text, link: input.link, ends_at };
    site::set_banner(state.store.as_ref(), &t.actor(), &banner, state.clock.now()).await?;
    state.site_cache.clear();
    get_banner(State(state), t).await
}

#[utoipa::path(delete, path = "/api/admin/v1/banner", tag = "admin",
    responses((status = 204), (status = 401, body = ErrorBody)))]
async fn delete_banner(State(state): State<AppState>, t: AdminToken) -> Result<StatusCode, ApiError> {
    site::clear_banner(state.store.as_ref(), &t.actor()).await?;
    state.site_cache.clear();
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SettingsIo {
    name: String,
    base_url: String,
    language: String,
    /// ltr or rtl
    direction: String,
    /// IANA zone, e.g. Asia/Karachi
    timezone: String,
    menu: Vec<MenuIo>,
    /// The publisher's logo (PNG or JPEG) for search engines; empty for the theme's own
    #[serde(default)]
    logo_url: String,
}

#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MenuIo {
    label: String,
    url: String,
}

#[utoipa::path(get, path = "/api/admin/v1/settings", tag = "admin", responses((status = 200, body = SettingsIo), (status = 401, body = ErrorBody)))]
async fn get_settings(State(state): State<AppState>, _t: AdminToken) -> Result<Json<SettingsIo>, ApiError> {
    let s = state.store.settings().await?;
    Ok(Json(SettingsIo {
        name: s.name,
        base_url: s.base_url,
        language: s.language,
        direction: s.direction.as_str().into(),
        timezone: s.timezone,
        menu: s.menu.into_iter().map(|m| MenuIo { label: m.label, url: m.url }).collect(),
        logo_url: s.logo_url,
    }))
}

#[utoipa::path(put, path = "/api/admin/v1/settings", tag = "admin", request_body = SettingsIo,
    responses((status = 200, body = SettingsIo), (status = 422, body = ErrorBody)))]
async fn put_settings(
    State(state): State<AppState>,
    t: AdminToken,
    ApiJson(input): ApiJson<SettingsIo>,
) -> Result<Json<SettingsIo>, ApiError> {
    let direction = match input.direction.as_str() {
        "ltr" => TextDirection::Ltr,
        "rtl" => TextDirection::Rtl,
        _ => return Err(ApiError::invalid(vec![FieldError::new("direction", "ltr or rtl")])),
    };
    let current = state.store.settings().await?;
    let new = SiteSettings {
        name: input.name,
        base_url: input.base_url,
        language: input.language,
        direction,
        timezone: input.timezone,
        menu: input.menu.into_iter().map(|m| MenuItem { label: m.label, url: m.url }).collect(),
        house_style: current.house_style,
        logo_url: input.logo_url,
        banner: None,
    };
    site::save_settings(state.store.as_ref(), &t.actor(), &new).await?;
    state.site_cache.clear();
    get_settings(State(state), t).await
}

#[derive(Serialize, ToSchema)]
pub struct WebhookOut {
    id: i64,
    url: String,
    events: Vec<String>,
    active: bool,
    /// Only in the answer to a creation: the signing secret, shown once.
    #[serde(skip_serializing_if = "Option::is_none")]
    secret: Option<String>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WebhookIn {
    url: String,
    /// Any of published, updated, unpublished, killed; all when empty.
    #[serde(default)]
    events: Vec<String>,
}

fn webhook_out(w: dateline_core::Webhook) -> WebhookOut {
    WebhookOut {
        id: w.id,
        url: w.url,
        events: w.events.iter().map(|e| e.as_str().to_owned()).collect(),
        active: w.active,
        secret: None,
    }
}

#[utoipa::path(get, path = "/api/admin/v1/webhooks", tag = "admin", responses((status = 200, body = Vec<WebhookOut>), (status = 401, body = ErrorBody)))]
async fn list_webhooks(
    State(state): State<AppState>,
    _t: AdminToken,
) -> Result<Json<Vec<WebhookOut>>, ApiError> {
    Ok(Json(state.store.webhooks().await?.into_iter().map(webhook_out).collect()))
}

#[utoipa::path(post, path = "/api/admin/v1/webhooks", tag = "admin", request_body = WebhookIn,
    responses((status = 201, body = WebhookOut), (status = 422, body = ErrorBody)))]
async fn create_webhook(
    State(state): State<AppState>,
    t: AdminToken,
    ApiJson(input): ApiJson<WebhookIn>,
) -> Result<(StatusCode, Json<WebhookOut>), ApiError> {
    let (store, now) = (state.store.as_ref(), state.clock.now());
    let (hook, secret) =
        dateline_newsroom::webhooks::create(store, &state.egress, &t.actor(), &input.url, &input.events, now)
            .await?;
    Ok((StatusCode::CREATED, Json(WebhookOut { secret: Some(secret), ..webhook_out(hook) })))
}

#[derive(Serialize, ToSchema)]
pub struct DeliveryOut {
    id: i64,
    webhook_id: i64,
    event: String,
    story_id: i64,
    /// pending, delivered or failed
    status: String,
    attempts: i64,
    last_status_code: Option<i64>,
    last_error: Option<String>,
    created_at: String,
    delivered_at: Option<String>,
}

/// The delivery log, newest first (200 at most).
#[utoipa::path(get, path = "/api/admin/v1/webhooks/deliveries", tag = "admin", responses((status = 200, body = Vec<DeliveryOut>), (status = 401, body = ErrorBody)))]
async fn list_deliveries(
    State(state): State<AppState>,
    _t: AdminToken,
) -> Result<Json<Vec<DeliveryOut>>, ApiError> {
    let log = state.store.recent_deliveries(200).await?;
    Ok(Json(
        log.into_iter()
            .map(|d| DeliveryOut {
                id: d.id,
                webhook_id: d.webhook_id,
                event: d.event,
                story_id: d.story_id,
                status: format!("{:?}", d.status).to_lowercase(),
                attempts: d.attempts,
                last_status_code: d.last_status_code,
                last_error: d.last_error,
                created_at: d.created_at.to_string(),
                delivered_at: d.delivered_at.map(|t| t.to_string()),
            })
            .collect(),
    ))
}

fn new_section(input: SectionIn) -> Result<NewSection, ApiError> {
    let name = required(&input.name, "name")?;
    if input.language.as_deref().is_some_and(|l| !dateline_core::language::is_language_tag(l)) {
        return Err(ApiError::invalid(vec![FieldError::new("language", "a language tag such as ur")]));
    }
    Ok(NewSection {
        slug: slug_of(&input.slug, &name)?,
        name,
        description: input.description,
        language: input.language,
        position: input.position,
    })
}

/// Saves a section over section `slug` (the body may change the slug).
#[utoipa::path(put, path = "/api/admin/v1/sections/{slug}", tag = "admin", params(("slug" = String, Path)), request_body = SectionIn,
    responses((status = 200, body = SectionOut), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn update_section(
    State(state): State<AppState>,
    t: AdminToken,
    Path(slug): Path<String>,
    ApiJson(input): ApiJson<SectionIn>,
) -> Result<Json<SectionOut>, ApiError> {
    let current = state.store.section_by_slug(&slug).await?.ok_or_else(ApiError::not_found)?;
    let new = new_section(input)?;
    taxonomy::update_section(state.store.as_ref(), &t.actor(), current.id, &new).await?;
    state.site_cache.clear();
    let saved = state.store.section_by_slug(new.slug.as_str()).await?.ok_or_else(ApiError::not_found)?;
    Ok(Json((&saved).into()))
}

/// Saves a tag over tag `slug`.
#[utoipa::path(put, path = "/api/admin/v1/tags/{slug}", tag = "admin", params(("slug" = String, Path)), request_body = TagIn,
    responses((status = 200, body = TagOut), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn update_tag(
    State(state): State<AppState>,
    t: AdminToken,
    Path(slug): Path<String>,
    ApiJson(input): ApiJson<TagIn>,
) -> Result<Json<TagOut>, ApiError> {
    let current = state.store.tag_by_slug(&slug).await?.ok_or_else(ApiError::not_found)?;
    let name = required(&input.name, "name")?;
    let kind = TagKind::parse(&input.kind).ok_or_else(|| {
        ApiError::invalid(vec![FieldError::new("kind", "topic, person, place or organisation")])
    })?;
    let new = NewTag { slug: slug_of(&input.slug, &name)?, name, kind };
    taxonomy::update_tag(state.store.as_ref(), &t.actor(), current.id, &new).await?;
    let saved = state.store.tag_by_slug(new.slug.as_str()).await?.ok_or_else(ApiError::not_found)?;
    Ok(Json((&saved).into()))
}

/// Saves an author over author `slug`.
#[utoipa::path(put, path = "/api/admin/v1/authors/{slug}", tag = "admin", params(("slug" = String, Path)), request_body = AuthorIn,
    responses((status = 200, body = AuthorOut), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn update_author(
    State(state): State<AppState>,
    t: AdminToken,
    Path(slug): Path<String>,
    ApiJson(input): ApiJson<AuthorIn>,
) -> Result<Json<AuthorOut>, ApiError> {
    let current = state.store.author_by_slug(&slug).await?.ok_or_else(ApiError::not_found)?;
    let name = required(&input.name, "name")?;
    let new = NewAuthor { slug: slug_of(&input.slug, &name)?, name, bio: input.bio };
    taxonomy::update_author(state.store.as_ref(), &t.actor(), current.id, &new).await?;
    let saved = state.store.author_by_slug(new.slug.as_str()).await?.ok_or_else(ApiError::not_found)?;
    Ok(Json((&saved).into()))
}

/// Saves a source over source `slug`.
#[utoipa::path(put, path = "/api/admin/v1/sources/{slug}", tag = "admin", params(("slug" = String, Path)), request_body = SourceIn,
    responses((status = 200, body = SourceOut), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn update_source(
    State(state): State<AppState>,
    t: AdminToken,
    Path(slug): Path<String>,
    ApiJson(input): ApiJson<SourceIn>,
) -> Result<Json<SourceOut>, ApiError> {
    let current = state.store.source_by_slug(&slug).await?.ok_or_else(ApiError::not_found)?;
    let name = required(&input.name, "name")?;
    let credit = input.credit.filter(|c| !c.trim().is_empty()).unwrap_or_else(|| name.clone());
    let new = NewSource { slug: slug_of(&input.slug, &name)?, name, credit };
    taxonomy::update_source(state.store.as_ref(), &t.actor(), current.id, &new).await?;
    let saved = state.store.source_by_slug(new.slug.as_str()).await?.ok_or_else(ApiError::not_found)?;
    Ok(Json((&saved).into()))
}

/// Pauses or resumes a webhook.
#[utoipa::path(post, path = "/api/admin/v1/webhooks/{id}/{action}", tag = "admin",
    params(("id" = i64, Path), ("action" = String, Path, description = "pause or resume")),
    responses((status = 204), (status = 404, body = ErrorBody)))]
async fn set_webhook_state(
    State(state): State<AppState>,
    t: AdminToken,
    Path((id, action)): Path<(i64, String)>,
) -> Result<StatusCode, ApiError> {
    let active = match action.as_str() {
        "pause" => false,
        "resume" => true,
        _ => return Err(ApiError::not_found()),
    };
    dateline_newsroom::webhooks::set_active(state.store.as_ref(), &t.actor(), id, active).await?;
    Ok(StatusCode::NO_CONTENT)
}
