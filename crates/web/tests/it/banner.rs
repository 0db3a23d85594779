//! The breaking banner (issue 17, point 2): put up from the Admin API or the dashboard, it
//! is on every public page at once (cached pages included), comes down in one click or by
//! itself at its end, and survives a save of the other settings.

use crate::api::{call, token};
use crate::support::Site;
use axum::http::{Method, StatusCode};
use dateline_core::account::TokenScope;
use dateline_newsroom::Clock;
use serde_json::json;

const PAGES: [&str; 4] = ["/", "/latest", "/section/world", "/story/floods-recede"];

async fn shown_on(site: &Site, words: &str) -> Vec<(&'static str, bool)> {
    let mut shown = Vec::new();
    for page in PAGES {
        let body = site.get(page).await;
        assert_eq!(body.status, StatusCode::OK, "{page}");
        shown.push((page, body.body.contains(words)));
    }
    shown
}

#[tokio::test]
async fn the_banner_goes_up_on_every_page_at_once_and_comes_down() {
    let site = Site::new().await;
    site.publish(&site.draft("Floods recede"), "2025-02-27T10:00:00Z").await;
    let admin = token(&site, TokenScope::Admin).await;
    // Every page rendered and cached before the banner goes up.
    assert!(shown_on(&site, "Polls close").await.iter().all(|(_, s)| !s));

    let banner = json!({"text": "Polls close in Karachi: results from 8 pm", "link": "/story/floods-recede"});
    let put = call(&site, Method::PUT, "/api/admin/v1/banner", Some(&admin), Some(banner)).await;
    assert_eq!(put.status, StatusCode::OK, "{}", put.json);
    assert_eq!(put.json["link"], "/story/floods-recede");
    for (page, shown) in shown_on(&site, "Polls close in Karachi").await {
        assert!(shown, "the banner is on {page} at once");
    }
    let home = site.get("/").await.body;
    assert!(home.contains(r#"<aside class="breaking-banner" aria-label="Breaking news">"#), "{home}");
    assert!(home.contains(r#"<a href="/story/floods-recede">Polls close in Karachi"#));

    // Saving the other settings leaves it up.
    let settings = call(&site, Method::GET, "/api/admin/v1/settings", Some(&admin), None).await.json;
    let saved = call(&site, Method::PUT, "/api/admin/v1/settings", Some(&admin), Some(settings)).await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.json);
    assert!(site.get("/").await.body.contains("Polls close in Karachi"));

    let gone = call(&site, Method::DELETE, "/api/admin/v1/banner", Some(&admin), None).await;
    assert_eq!(gone.status, StatusCode::NO_CONTENT);
    for (page, shown) in shown_on(&site, "Polls close").await {
        assert!(!shown, "the banner is off {page} at once");
    }
    assert_eq!(
        call(&site, Method::GET, "/api/admin/v1/banner", Some(&admin), None).await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn a_banner_with_an_end_comes_down_by_itself_and_bad_ones_are_refused() {
    let site = Site::new().await;
    site.publish(&site.draft("Floods recede"), "2025-02-27T10:00:00Z").await;
    let admin = token(&site, TokenScope::Admin).await;
    let now = Clock::Manual(site.now.clone()).now();
    let ends = now + jiff::SignedDuration::from_secs(60);
    let banner = json!({"text": "Storm warning for the coast", "ends_at": ends.to_string()});
    assert_eq!(
        call(&site, Method::PUT, "/api/admin/v1/banner", Some(&admin), Some(banner)).await.status,
        StatusCode::OK
    );
    assert!(shown_on(&site, "Storm warning").await.iter().all(|(_, s)| *s));
    // Its end comes: the scheduler's tick takes it down, cached pages included.
    site.advance(61);
    let later = Clock::Manual(site.now.clone()).now();
    assert!(dateline_newsroom::site::expire_banner(site.store.as_ref(), later).await.unwrap());
    for (page, shown) in shown_on(&site, "Storm warning").await {
        assert!(!shown, "an ended banner is off {page}");
    }

    for (bad, field) in [
        (json!({"text": "   "}), "text"),
        (json!({"text": "x".repeat(201)}), "text"),
        (json!({"text": "Click", "link": "javascript:alert(1)"}), "link"),
        (json!({"text": "Click", "link": "//evil.example/"}), "link"),
        (json!({"text": "Late", "ends_at": "2020-01-01T00:00:00Z"}), "ends_at"),
        (json!({"text": "Late", "ends_at": "soon"}), "ends_at"),
    ] {
        let refused = call(&site, Method::PUT, "/api/admin/v1/banner", Some(&admin), Some(bad.clone())).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
        assert!(refused.json.to_string().contains(field), "{bad}: {}", refused.json);
    }
    assert!(shown_on(&site, "Click").await.iter().all(|(_, s)| !s));
}

#[tokio::test]
async fn editors_put_the_banner_up_from_the_dashboard_in_one_click_and_authors_cannot() {
    let site = Site::new().await;
    let mut author = site.signed_in(dateline_core::Role::Author).await;
    assert!(!author.get("/admin").await.body.contains("Breaking banner"));
    let refused = author.post("/admin/banner", &[("text", "Not mine to say")]).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);

    let mut editor = site.signed_in(dateline_core::Role::Editor).await;
    let dashboard = editor.get("/admin").await;
    assert!(dashboard.body.contains("Put the banner up"));
    let wrong = editor.post("/admin/banner", &[("text", "Bad link"), ("link", "javascript:x")]).await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(wrong.body.contains("value=\"Bad link\""), "what was typed is kept");
    let up = editor.post("/admin/banner", &[("text", "Budget passes"), ("link", ""), ("ends_at", "")]).await;
    assert_eq!(up.status, StatusCode::SEE_OTHER, "{}", up.body);
    assert!(site.get("/").await.body.contains("Budget passes"));
    let dashboard = editor.get("/admin").await;
    assert!(dashboard.body.contains("Take it down"));
    let down = editor.post("/admin/banner/clear", &[]).await;
    assert_eq!(down.status, StatusCode::SEE_OTHER);
    assert!(!site.get("/").await.body.contains("Budget passes"));
}
