//! Every route of the site in one place, and the layers around them.

use crate::admin;
use crate::client::ClientInfo;
use crate::error::{WebError, styled_errors};
use crate::public::feeds::{self, FeedFormat};
use crate::public::lists::ListKind;
use crate::public::{assets, health, home, lists, search, sitemaps, story};
use crate::state::AppState;
use axum::Router;
use axum::extract::{Path, Request, State};
use axum::http::{HeaderName, HeaderValue, StatusCode, Uri, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use std::time::Duration;
use tower::ServiceBuilder;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;
use tower_http::compression::predicate::{DefaultPredicate, NotForContentType, Predicate};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

const CSP: &str = "default-src 'self'; img-src 'self' https: data:; script-src 'self'; style-src 'self'; \
                   object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'; \
                   frame-src https://www.youtube-nocookie.com https://player.vimeo.com https://w.soundcloud.com \
                   https://platform.twitter.com https://www.instagram.com https://www.facebook.com https://www.tiktok.com";

/// Headers every response carries unless its handler set its own.
const SECURITY_HEADERS: [(HeaderName, &str); 5] = [
    (header::CONTENT_SECURITY_POLICY, CSP),
    (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
    (header::REFERRER_POLICY, "strict-origin-when-cross-origin"),
    (header::X_FRAME_OPTIONS, "DENY"),
    (HeaderName::from_static("permissions-policy"), "interest-cohort=()"),
];

/// Tells browsers to come back over HTTPS only, for a year; sent only on a request that
/// counts as HTTPS (`crate::client`), as browsers ignore it over plain HTTP anyway.
const HSTS: &str = "max-age=31536000";

async fn security_headers(
    State(state): State<AppState>,
    client: ClientInfo,
    request: Request,
    next: Next,
) -> Response {
    let mut response = next.run(request).await;
    let https = client.https(&state).await;
    let headers = response.headers_mut();
    for (name, value) in SECURITY_HEADERS {
        if !headers.contains_key(&name) {
            headers.insert(name, HeaderValue::from_static(value));
        }
    }
    if https {
        headers.insert(header::STRICT_TRANSPORT_SECURITY, HeaderValue::from_static(HSTS));
    }
    // Every redirect's address as a URI (an Urdu slug percent-encoded), whoever wrote it.
    if let Some(location) = headers.get(header::LOCATION)
        && !location.as_bytes().is_ascii()
        && let Ok(uri) =
            HeaderValue::try_from(crate::views::to_uri(&String::from_utf8_lossy(location.as_bytes())))
    {
        headers.insert(header::LOCATION, uri);
    }
    response
}

/// An address no route has: the old address of an imported post (`/2019/05/03/a-post/`)
/// answers 301 to its story; otherwise `/admin/`, `/latest/` or `/section/world/` is
/// redirected to the address without the slash (308, so a form posted there is posted
/// again), the query kept; anything else is a 404. A path that would start with `//` or `/\`
/// once trimmed (`//evil.com/`) is a 404 too: as a `Location` it would lead to another site.
async fn not_found(State(state): State<AppState>, uri: Uri) -> Result<Response, WebError> {
    let path = uri.path();
    if let Some(moved) = crate::public::story::moved_to(&state, path).await? {
        return Ok(moved);
    }
    let trimmed = path.trim_end_matches('/');
    if trimmed.len() == path.len()
        || trimmed.is_empty()
        || trimmed.starts_with("//")
        || trimmed.starts_with("/\\")
    {
        return Err(WebError::NotFound);
    }
    let target = match uri.query() {
        Some(query) => format!("{trimmed}?{query}"),
        None => trimmed.to_owned(),
    };
    let location = HeaderValue::try_from(crate::views::to_uri(&target)).map_err(|_| WebError::NotFound)?;
    Ok((StatusCode::PERMANENT_REDIRECT, [(header::LOCATION, location)]).into_response())
}

/// The whole application as a router, ready to serve or to drive in memory in tests.
///
/// The layers are one `ServiceBuilder` stack: each `Router::layer` call boxes every route
/// again, and each box is cloned for every request (docs/PERFORMANCE.md).
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/", get(home::home))
        .route("/latest", get(lists::latest))
        .route("/story/{slug}", get(story::story))
        .route("/section/{slug}", get(lists::section))
        .route("/tag/{slug}", get(lists::tag))
        .route("/author/{slug}", get(lists::author))
        .route("/source/{slug}", get(lists::source))
        .route("/rss.xml", get(|s: State<AppState>| feeds::site_feed(s.0, FeedFormat::Rss)))
        .route("/atom.xml", get(|s: State<AppState>| feeds::site_feed(s.0, FeedFormat::Atom)))
        .route("/feed.json", get(|s: State<AppState>| feeds::site_feed(s.0, FeedFormat::Json)))
        .route(
            "/section/{slug}/{file}",
            get(|s: State<AppState>, Path((slug, file))| {
                feeds::list_feed(s.0, ListKind::Section, slug, file)
            }),
        )
        .route(
            "/tag/{slug}/{file}",
            get(|s: State<AppState>, Path((slug, file))| feeds::list_feed(s.0, ListKind::Tag, slug, file)),
        )
        .route(
            "/author/{slug}/{file}",
            get(|s: State<AppState>, Path((slug, file))| feeds::list_feed(s.0, ListKind::Author, slug, file)),
        )
        .route(
            "/source/{slug}/{file}",
            get(|s: State<AppState>, Path((slug, file))| feeds::list_feed(s.0, ListKind::Source, slug, file)),
        )
        .route("/story/{slug}/ninjs.json", get(feeds::ninjs))
        .route("/story/{slug}/live", get(crate::live::stream))
        .route("/search", get(search::page))
        .route("/robots.txt", get(sitemaps::robots))
        .route("/sitemap.xml", get(sitemaps::index))
        .route("/sitemaps/{file}", get(sitemaps::sitemap))
        .route("/assets/{*name}", get(assets::asset))
        .route("/favicon.ico", get(assets::favicon))
        .route("/media/{hash}/{file}", get(crate::media::serve))
        .route("/admin", get(admin::dashboard::dashboard))
        .route(
            "/admin/login",
            get(admin::login::form)
                .post(admin::login::submit)
                .layer(axum::extract::DefaultBodyLimit::max(admin::login::MAX_FORM_BYTES)),
        )
        .route("/admin/logout", post(admin::login::logout))
        .route("/admin/account", get(admin::account::page))
        .route("/admin/banner", post(admin::banner::set))
        .route("/admin/fronts", get(admin::fronts::list))
        .route("/admin/fronts/{front}", get(admin::fronts::page).post(admin::fronts::save))
        .route("/admin/banner/clear", post(admin::banner::clear))
        .route("/admin/account/password", post(admin::account::change_password))
        .route("/admin/account/sessions", post(admin::account::end_sessions))
        .route("/admin/stories", get(admin::stories::list))
        .route("/admin/stories/new", get(admin::editor::new_form).post(admin::editor::create))
        .route("/admin/stories/{id}", get(admin::editor::edit_form).post(admin::editor::update))
        // The editor page's heartbeat (JSON) and the "Take over" button (a form).
        .route("/admin/stories/{id}/lock", post(admin::locks::heartbeat))
        .route("/admin/stories/new/autosave", post(admin::autosave::keep_new))
        .route("/admin/stories/new/autosave/discard", post(admin::autosave::discard_new))
        .route("/admin/stories/{id}/autosave", post(admin::autosave::keep_story))
        .route("/admin/stories/{id}/autosave/discard", post(admin::autosave::discard_story))
        .route("/admin/stories/{id}/lock/take", post(admin::locks::take_over))
        .route("/admin/stories/{id}/correction", post(admin::editor::correction))
        .route("/admin/stories/{id}/unpublish", post(admin::editor::unpublish))
        .route("/admin/stories/{id}/kill", post(admin::editor::kill))
        .route("/admin/stories/{id}/reinstate", post(admin::editor::reinstate))
        .route("/admin/stories/{id}/live", get(admin::live::page).post(admin::live::add))
        .route("/admin/stories/{id}/live/coverage", post(admin::live::coverage))
        .route("/admin/stories/{id}/live/{entry}", get(admin::live::edit_form).post(admin::live::edit))
        .route("/admin/stories/{id}/live/{entry}/delete", post(admin::live::delete))
        .route("/admin/stories/{id}/revisions", get(admin::revisions::list))
        .route("/admin/stories/{id}/revisions/{number}/restore", post(admin::revisions::restore))
        .route("/admin/sections", get(admin::manage::sections).post(admin::manage::create_section))
        .route("/admin/tags", get(admin::manage::tags).post(admin::manage::create_tag))
        .route("/admin/authors", get(admin::manage::authors).post(admin::manage::create_author))
        .route("/admin/sources", get(admin::manage::sources).post(admin::manage::create_source))
        .route("/admin/sources/{id}/wire", get(admin::wire_sources::settings).post(admin::wire_sources::save))
        .route("/admin/sources/{id}/wire/token", post(admin::wire_sources::new_token))
        .route("/admin/sources/{id}/wire/token/revoke", post(admin::wire_sources::revoke_token))
        .route("/admin/users", get(admin::manage::users).post(admin::manage::create_user))
        .route("/admin/users/{id}/{action}", post(admin::manage::user_action))
        .route("/admin/settings", get(admin::manage::settings).post(admin::manage::save_settings))
        .route("/admin/tokens", get(admin::manage::tokens).post(admin::manage::create_token))
        .route("/admin/tokens/{id}/revoke", post(admin::manage::revoke_token))
        .route("/admin/webhooks", get(admin::manage::webhooks).post(admin::manage::create_webhook))
        .route("/admin/webhooks/deliveries", get(admin::manage::deliveries))
        .route("/admin/webhooks/{id}/{action}", post(admin::manage::webhook_action))
        .route("/admin/cdn", get(admin::cdn::purges))
        .route(
            "/admin/media",
            get(admin::media::library).post(admin::media::upload).layer(
                axum::extract::DefaultBodyLimit::max(crate::media::max_upload_request(
                    &dateline_media::Limits::default(),
                )),
            ),
        )
        .route("/admin/media/{id}", get(admin::media::item).post(admin::media::save))
        .route("/admin/media/{id}/delete", post(admin::media::remove))
        .route(
            "/admin/import",
            get(admin::import::form)
                .post(admin::import::start)
                .layer(axum::extract::DefaultBodyLimit::max(admin::import::MAX_UPLOAD_BYTES)),
        )
        .route("/admin/wire", get(admin::wire::desk))
        .route("/admin/wire/{id}", get(admin::wire::preview))
        .route("/admin/wire/{id}/{action}", post(admin::wire::act))
        .route("/admin/{kind}/{id}/edit", get(admin::manage::edit_item))
        .route("/admin/{kind}/{id}", post(admin::manage::save_item))
        .route("/healthz", get(health::alive))
        .route("/readyz", get(health::ready))
        .merge(crate::api::router())
        .fallback(not_found)
        .layer(
            // Outermost first.
            ServiceBuilder::new()
                // Counts every request by route template and status (`crate::metrics`), a
                // panic's 500 and a timeout's 503 included.
                .layer(crate::metrics::TrackLayer(state.metrics.clone()))
                .layer(TraceLayer::new_for_http())
                .layer(CatchPanicLayer::new())
                .layer(TimeoutLayer::with_status_code(
                    axum::http::StatusCode::SERVICE_UNAVAILABLE,
                    Duration::from_secs(30),
                ))
                // Not WOFF fonts (compressed already), as `DefaultPredicate` leaves out pictures.
                .layer(
                    CompressionLayer::new().compress_when(
                        DefaultPredicate::new().and(NotForContentType::const_new("font/woff")),
                    ),
                )
                .layer(middleware::from_fn_with_state(state.clone(), security_headers))
                .layer(middleware::from_fn_with_state(state.clone(), crate::page_cache::serve_cached))
                .layer(middleware::from_fn_with_state(state.clone(), styled_errors))
                .layer(middleware::from_fn_with_state(state.clone(), admin::bound_signed_out_bodies)),
        )
        .with_state(state)
}
