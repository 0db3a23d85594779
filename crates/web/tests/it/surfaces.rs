//! One rule, every surface: nobody disables or demotes themself in the HTML admin, neither
//! the admin nor the Admin API can leave the site without an enabled administrator, and a
//! menu link is checked the same way whichever surface saves it.

use crate::api::token;
use crate::lifecycle::api;
use crate::support::Site;
use axum::http::{Method, StatusCode};
use dateline_core::Role;
use dateline_core::account::{TokenScope, UserId};

async fn id_of(site: &Site, email: &str) -> UserId {
    site.store.users().await.unwrap().into_iter().find(|u| u.email.as_str() == email).unwrap().id
}

#[tokio::test]
async fn the_site_keeps_an_administrator_and_nobody_locks_themself_out() {
    let site = Site::new().await;
    let mut chief = site.signed_in(Role::Administrator).await;
    let me = id_of(&site, "administrator@news.example").await;

    // The HTML admin: not yourself.
    for action in ["disable", "role-editor"] {
        let page = chief.post(&format!("/admin/users/{}/{action}", me.0), &[]).await;
        assert_eq!(page.status, StatusCode::BAD_REQUEST, "{action}: {}", page.body);
        assert!(page.body.contains("your own"), "{action}: {}", page.body);
    }
    let stored = site.store.user(me).await.unwrap().unwrap();
    assert_eq!((stored.role, stored.disabled), (Role::Administrator, false));

    // The Admin API acts as a token, not a person: the only administrator cannot be
    // demoted or disabled there either.
    let admin = token(&site, TokenScope::Admin).await;
    for action in ["disable", "role-editor", "role-contributor"] {
        let (status, body) = api(
            &site,
            Method::POST,
            &format!("/api/admin/v1/users/{}/{action}", me.0),
            &admin,
            serde_json::json!({}),
        )
        .await;
        assert_eq!(status, StatusCode::CONFLICT, "{action}: {body}");
        assert!(body.contains("at least one enabled administrator"), "{action}: {body}");
    }
    let stored = site.store.user(me).await.unwrap().unwrap();
    assert_eq!((stored.role, stored.disabled), (Role::Administrator, false));

    // With a second administrator, either may go; then the other is the last again.
    site.account("deputy@news.example", Role::Administrator, false).await;
    let deputy = id_of(&site, "deputy@news.example").await;
    let (status, body) = api(
        &site,
        Method::POST,
        &format!("/api/admin/v1/users/{}/role-editor", me.0),
        &admin,
        serde_json::json!({}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = api(
        &site,
        Method::POST,
        &format!("/api/admin/v1/users/{}/disable", deputy.0),
        &admin,
        serde_json::json!({}),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert!(!site.store.user(deputy).await.unwrap().unwrap().disabled);

    // A disabled administrator does not count (disabled here through the HTML admin by a
    // third administrator, who is then the last enabled one).
    let mut deputy_client = crate::support::Client::new(&site);
    let password = site.account("third@news.example", Role::Administrator, false).await;
    let third = id_of(&site, "third@news.example").await;
    deputy_client.sign_in("third@news.example", &password).await;
    deputy_client.get("/admin").await;
    let page = deputy_client.post(&format!("/admin/users/{}/disable", deputy.0), &[]).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let (status, _) = api(
        &site,
        Method::POST,
        &format!("/api/admin/v1/users/{}/role-author", third.0),
        &admin,
        serde_json::json!({}),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "the disabled deputy does not count");
}

#[tokio::test]
async fn menu_links_are_checked_the_same_on_every_surface() {
    let site = Site::new().await;
    let mut chief = site.signed_in(Role::Administrator).await;
    let before = site.store.settings().await.unwrap();
    fn form(menu: &str) -> Vec<(&str, &str)> {
        vec![
            ("name", "The Test Times"),
            ("base_url", "https://news.example.com"),
            ("language", "en"),
            ("direction", "ltr"),
            ("timezone", "Asia/Karachi"),
            ("menu", menu),
            ("logo_url", ""),
        ]
    }
    let admin = token(&site, TokenScope::Admin).await;
    let body = |url: &str| {
        serde_json::json!({
            "name": "The Test Times", "base_url": "https://news.example.com", "language": "en",
            "direction": "ltr", "timezone": "Asia/Karachi", "logo_url": "",
            "menu": [{"label": "World", "url": "/world"}, {"label": "Click", "url": url}],
        })
    };
    for bad in ["javascript:alert(1)", "//evil.example/", "data:text/html,hi"] {
        let menu = format!("World | /world\nClick | {bad}");
        let page = chief.post("/admin/settings", &form(&menu)).await;
        assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY, "HTML {bad}: {}", page.body);
        assert!(page.body.contains("a link must be a site path"), "HTML {bad}");
        let (status, answer) = api(&site, Method::PUT, "/api/admin/v1/settings", &admin, body(bad)).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "API {bad}: {answer}");
        assert!(answer.contains("a link must be a site path"), "API {bad}: {answer}");
    }
    assert_eq!(site.store.settings().await.unwrap().menu, before.menu, "nothing was saved");
    let (status, answer) =
        api(&site, Method::PUT, "/api/admin/v1/settings", &admin, body("https://partner.example/")).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    let page =
        chief.post("/admin/settings", &form("World | /world\nPartner | https://partner.example/")).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
}

/// Sections, tags, authors and sources are checked by the one rule in core, whichever
/// surface makes them: a name too long is refused by both, and nothing is stored.
#[tokio::test]
async fn taxonomy_is_checked_the_same_on_every_surface() {
    let site = Site::new().await;
    let mut chief = site.signed_in(Role::Administrator).await;
    let admin = token(&site, TokenScope::Admin).await;
    let long = "Long ".repeat(30);
    for (page, api_path, extra) in [
        ("/admin/sections", "/api/admin/v1/sections", None),
        ("/admin/tags", "/api/admin/v1/tags", Some(("kind", "topic"))),
        ("/admin/authors", "/api/admin/v1/authors", None),
        ("/admin/sources", "/api/admin/v1/sources", None),
    ] {
        let mut fields = vec![("name", long.as_str()), ("slug", "too-long")];
        fields.extend(extra);
        let html = chief.post(page, &fields).await;
        assert_eq!(html.status, StatusCode::UNPROCESSABLE_ENTITY, "{page}: {}", html.body);
        assert!(html.body.contains("at most 120 characters"), "{page}");
        let mut body = serde_json::json!({"name": long, "slug": "too-long"});
        if let Some((k, v)) = extra {
            body[k] = serde_json::json!(v);
        }
        let (status, answer) = api(&site, Method::POST, api_path, &admin, body).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{api_path}: {answer}");
        assert!(answer.contains("at most 120 characters"), "{api_path}: {answer}");
    }
    assert!(site.store.section_by_slug("too-long").await.unwrap().is_none());
    assert!(site.store.tag_by_slug("too-long").await.unwrap().is_none());
    assert!(site.store.author_by_slug("too-long").await.unwrap().is_none());
    assert!(site.store.source_by_slug("too-long").await.unwrap().is_none());
}

/// A webhook's address and events are checked the same on both surfaces, and only an
/// administrator (or an admin token) adds one.
#[tokio::test]
async fn webhooks_are_checked_the_same_on_every_surface() {
    let site = Site::new().await;
    let mut chief = site.signed_in(Role::Administrator).await;
    let mut editor = site.signed_in(Role::Editor).await;
    let admin = token(&site, TokenScope::Admin).await;
    for (url, events, field) in [
        ("javascript:alert(1)", "published", "http:// or https://"),
        ("https://hooks.example/in", "published, exploded", "unknown event"),
    ] {
        let html = chief.post("/admin/webhooks", &[("url", url), ("events", events)]).await;
        assert_eq!(html.status, StatusCode::UNPROCESSABLE_ENTITY, "{url}: {}", html.body);
        assert!(html.body.contains(field), "{url}");
        let listed: Vec<&str> = events.split(", ").collect();
        let (status, answer) = api(
            &site,
            Method::POST,
            "/api/admin/v1/webhooks",
            &admin,
            serde_json::json!({"url": url, "events": listed}),
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{url}: {answer}");
        assert!(answer.contains(field), "{url}: {answer}");
    }
    let refused =
        editor.post("/admin/webhooks", &[("url", "https://hooks.example/in"), ("events", "")]).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(site.store.webhooks().await.unwrap().is_empty(), "nothing was added");
    let added = chief.post("/admin/webhooks", &[("url", "https://hooks.example/in"), ("events", "")]).await;
    assert_eq!(added.status, StatusCode::CREATED, "{}", added.body);
    assert_eq!(site.store.webhooks().await.unwrap()[0].events.len(), 4, "every event when none is named");
}

/// Only editors and administrators act on the wire desk: an author's decision is refused
/// before anything about the item is read.
#[tokio::test]
async fn only_the_desk_acts_on_wire_items() {
    let site = Site::new().await;
    let mut author = site.signed_in(Role::Author).await;
    for action in ["publish", "draft", "ignore"] {
        let page = author.post(&format!("/admin/wire/1/{action}"), &[]).await;
        assert_eq!(page.status, StatusCode::FORBIDDEN, "{action}: {}", page.body);
    }
    let mut editor = site.signed_in(Role::Editor).await;
    let missing = editor.post("/admin/wire/999999/publish", &[]).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND, "{}", missing.body);
}
