//! Fronts editors arrange (issue 17, point 4): the home page's lead and top stories and a
//! section's top stories pinned through the Admin API and the admin's buttons (the keyboard
//! path), shown at once, the rest filled in by time; a pinned story that is killed or
//! unpublished leaves its slot at once; what is wrong is refused.

use crate::api::{call, token};
use crate::support::{Site, text};
use axum::http::{Method, StatusCode};
use dateline_core::account::TokenScope;
use dateline_core::{Role, StatusChange, Story};
use serde_json::json;

/// The headlines of the home page's lead and top stories, in order.
async fn home_top(site: &Site) -> (String, Vec<String>) {
    let html = site.get("/").await.body;
    let section = |class: &str| {
        let start = html.find(&format!("class=\"{class}\"")).map(|at| &html[at..]).unwrap_or("");
        let end = start.find("</section>").unwrap_or(start.len());
        start[..end].to_owned()
    };
    let headlines = |part: String| -> Vec<String> {
        ["A", "B", "C", "D", "E", "F"]
            .iter()
            .map(|l| format!("Story {l}"))
            .filter_map(|h| part.find(&h).map(|at| (at, h)))
            .collect::<std::collections::BTreeMap<_, _>>()
            .into_values()
            .collect()
    };
    (headlines(section("lead-story")).join(""), headlines(section("top-stories")))
}

async fn six(site: &Site) -> Vec<Story> {
    let mut stories = Vec::new();
    for (i, l) in ["A", "B", "C", "D", "E", "F"].iter().enumerate() {
        let at = format!("2025-02-27T1{i}:00:00Z");
        stories.push(site.publish(&site.draft(&format!("Story {l}")), &at).await);
    }
    stories
}

#[tokio::test]
async fn pinned_stories_lead_the_fronts_and_leave_them_when_killed() {
    let site = Site::new().await;
    let s = six(&site).await;
    let admin = token(&site, TokenScope::Admin).await;
    let (lead, top) = home_top(&site).await;
    assert_eq!(lead, "Story F", "by time before anything is pinned");
    assert_eq!(top, ["Story E", "Story D", "Story C", "Story B"]);

    let pins = json!({"lead": s[1].id.0, "top": [s[3].id.0, s[0].id.0]});
    let put = call(&site, Method::PUT, "/api/admin/v1/fronts/home", Some(&admin), Some(pins.clone())).await;
    assert_eq!(put.status, StatusCode::OK, "{}", put.json);
    assert_eq!(put.json, pins);
    assert_eq!(call(&site, Method::GET, "/api/admin/v1/fronts/home", Some(&admin), None).await.json, pins);
    let (lead, top) = home_top(&site).await;
    assert_eq!(lead, "Story B", "the pinned lead, at once (the page was cached)");
    assert_eq!(top, ["Story D", "Story A", "Story F", "Story E"], "pinned first, then by time");

    // Killed and unpublished pins leave their slots at once; the rest fills in.
    let by = dateline_core::Actor::System("test");
    let now = crate::support::at("2025-02-27T18:00:00Z");
    site.store.change_status(s[1].id, &StatusChange::Kill, &by, now).await.unwrap();
    site.store.change_status(s[3].id, &StatusChange::Unpublish, &by, now).await.unwrap();
    let (lead, top) = home_top(&site).await;
    assert_eq!(lead, "Story F", "the killed lead is gone");
    assert_eq!(top, ["Story A", "Story E", "Story C"]);
    assert!(!text(&site.get("/").await.body).contains("Story B"));

    // A section front's top stories.
    let world = json!({"top": [s[2].id.0]});
    let put = call(&site, Method::PUT, "/api/admin/v1/fronts/world", Some(&admin), Some(world)).await;
    assert_eq!(put.status, StatusCode::OK, "{}", put.json);
    let section = text(&site.get("/section/world").await.body);
    let top_at = section.find("Top stories").expect("a Top stories block");
    assert!(section[top_at..].starts_with("Top stories Story C"), "{section}");
    assert_eq!(section.matches("Story C").count(), 1, "not listed twice");
    assert!(!text(&site.get("/section/world?page=2").await.body).contains("Top stories"));
}

#[tokio::test]
async fn wrong_pins_are_refused() {
    let site = Site::new().await;
    let s = six(&site).await;
    let admin = token(&site, TokenScope::Admin).await;
    let put = |front: &'static str, body: serde_json::Value, t: Option<String>| {
        let site = &site;
        async move {
            call(site, Method::PUT, &format!("/api/admin/v1/fronts/{front}"), t.as_deref(), Some(body)).await
        }
    };
    let a = s[0].id.0;
    let twice = put("home", json!({"lead": a, "top": [a]}), Some(admin.clone())).await;
    assert_eq!(twice.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", twice.json);
    let missing = put("home", json!({"top": [987_654]}), Some(admin.clone())).await;
    assert_eq!(missing.status, StatusCode::UNPROCESSABLE_ENTITY);
    let many = put(
        "home",
        json!({"top": s.iter().chain(&s[..3]).map(|x| x.id.0).collect::<Vec<_>>()}),
        Some(admin.clone()),
    )
    .await;
    assert_eq!(many.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(put("no-such-section", json!({}), Some(admin.clone())).await.status, StatusCode::NOT_FOUND);
    assert_eq!(put("home", json!({"top": []}), None).await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        put("home", json!({"lead": "one"}), Some(admin.clone())).await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    let content = token(&site, TokenScope::Content).await;
    assert_eq!(put("home", json!({}), Some(content)).await.status, StatusCode::FORBIDDEN);
    // Nothing was pinned by any of these.
    assert_eq!(
        call(&site, Method::GET, "/api/admin/v1/fronts/home", Some(&admin), None).await.json,
        json!({"lead": null, "top": []})
    );
}

#[tokio::test]
async fn an_editor_arranges_the_home_page_with_buttons() {
    let site = Site::new().await;
    let s = six(&site).await;
    let mut editor = site.signed_in(Role::Editor).await;
    let page = editor.get("/admin/fronts/home").await;
    assert_eq!(page.status, StatusCode::OK);
    let csrf = crate::support::csrf_of(&page.body);
    let (a, b) = (s[0].id.0.to_string(), s[1].id.0.to_string());
    // Add A, then B: A leads; "Move up" on B makes it the lead.
    let added = editor.post("/admin/fronts/home", &[("csrf", &csrf), ("add", &a)]).await;
    assert_eq!(added.status, StatusCode::SEE_OTHER);
    editor.post("/admin/fronts/home", &[("csrf", &csrf), ("order", &a), ("add", &b)]).await;
    assert_eq!(home_top(&site).await.0, "Story A");
    let moved = editor
        .post("/admin/fronts/home", &[("csrf", &csrf), ("order", &a), ("order", &b), ("move", "up:1")])
        .await;
    assert_eq!(moved.status, StatusCode::SEE_OTHER);
    let (lead, top) = home_top(&site).await;
    assert_eq!((lead.as_str(), top[0].as_str()), ("Story B", "Story A"));
    let shown = editor.get("/admin/fronts/home?done=saved").await.body;
    assert!(text(&shown).contains("Lead Story B"), "{}", text(&shown));
    // Remove the lead: the front is B-less.
    editor
        .post("/admin/fronts/home", &[("csrf", &csrf), ("order", &b), ("order", &a), ("move", "remove:0")])
        .await;
    assert_eq!(home_top(&site).await.0, "Story A");
    // A forged button, and someone who may not arrange fronts.
    let forged = editor.post("/admin/fronts/home", &[("csrf", &csrf), ("order", &a), ("move", "up:7")]).await;
    assert_eq!(forged.status, StatusCode::BAD_REQUEST);
    let mut author = site.signed_in(Role::Author).await;
    assert_eq!(author.get("/admin/fronts/home").await.status, StatusCode::FORBIDDEN);
}
