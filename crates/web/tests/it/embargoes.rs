//! Embargoes (issue 17, point 3): a wire item pushed with an embargo is on no public surface
//! until its time — its page, the lists, feeds, sitemaps, search, the Content API, webhooks,
//! another story's blocks and JSON-LD — then on all of them within a second without anyone
//! acting, also across a restart; an editor publishing it early only schedules it.

use crate::api::token;
use crate::support::Site;
use crate::wire::{fixture, push, push_source};
use dateline_core::account::TokenScope;
use dateline_core::{Actor, StatusChange, StoryId, StoryStatus};
use dateline_newsroom::{Clock, scheduler};
use std::time::Duration;

/// The ninjs fixture as a new item under embargo until `until`.
fn embargoed(guid: &str, headline: &str, until: jiff::Timestamp) -> Vec<u8> {
    let mut item: serde_json::Value = serde_json::from_slice(&fixture("ninjs20_text.json")).unwrap();
    item["uri"] = guid.into();
    item["headlines"] = serde_json::json!([{ "value": headline }]);
    item["embargoed"] = until.to_string().into();
    serde_json::to_vec(&item).unwrap()
}

/// What each public surface shows of `headline` (the story at `slug`): (surface, whether it
/// is there). `other` is another public story's address, whose blocks ("Recent Stories")
/// and JSON-LD list stories too.
async fn surfaces(
    base: &str,
    slug: &str,
    headline: &str,
    content_token: &str,
    other: &str,
) -> Vec<(&'static str, bool)> {
    let client = reqwest::Client::new();
    let text = |path: String| {
        let client = client.clone();
        async move { client.get(path).send().await.unwrap().text().await.unwrap() }
    };
    let page = client.get(format!("{base}/story/{slug}")).send().await.unwrap().status() == 200;
    let word = headline.split_whitespace().next().unwrap_or_default().to_owned();
    let api = client
        .get(format!("{base}/api/content/v1/stories"))
        .bearer_auth(content_token)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    vec![
        ("story page", page),
        ("home", text(format!("{base}/")).await.contains(headline)),
        ("latest", text(format!("{base}/latest")).await.contains(headline)),
        ("section front", text(format!("{base}/section/world")).await.contains(headline)),
        ("site feed", text(format!("{base}/rss.xml")).await.contains(headline)),
        ("JSON feed", text(format!("{base}/feed.json")).await.contains(headline)),
        ("Atom feed", text(format!("{base}/atom.xml")).await.contains(headline)),
        ("section feed", text(format!("{base}/section/world/rss.xml")).await.contains(headline)),
        ("news sitemap", text(format!("{base}/sitemaps/news.xml")).await.contains(slug)),
        ("another story's page", text(format!("{base}/story/{other}")).await.contains(headline)),
        ("search", text(format!("{base}/search?q={word}")).await.contains(headline)),
        ("Content API", api.contains(headline)),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_embargoed_wire_item_is_nowhere_until_its_time_then_everywhere() {
    let site = Site::new().await;
    let (id, push_token) = push_source(&site, true).await;
    let content = token(&site, TokenScope::Content).await;
    let now = Clock::Manual(site.now.clone()).now();
    // Deliveries are queued with the change that causes them (sent or not, they are logged).
    let hook = "http://127.0.0.1:9/hook";
    site.store.create_webhook(hook, "s3cret", &dateline_core::StoryEvent::ALL, now).await.unwrap();
    let other = site.publish(&site.draft("Harbour reopens after the storm"), crate::support::NOW).await;
    let other = other.slug.to_string();
    let base = crate::server::spawn(&site).await;
    let until = now + jiff::SignedDuration::from_secs(5);
    let headline = "Budget figures released under embargo";
    let webhook_events = |story: StoryId| {
        let store = site.store.clone();
        async move {
            let log = store.recent_deliveries(50).await.unwrap();
            log.into_iter().filter(|d| d.story_id == story.0).map(|d| d.event).collect::<Vec<_>>()
        }
    };

    let (status, answer) =
        push(&base, id, &push_token, embargoed("urn:test:embargo:1", headline, until)).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["actions"][0]["action"], "scheduled", "{answer}");
    let story = StoryId(answer["actions"][0]["story_id"].as_i64().unwrap());
    let slug = site.store.story(story).await.unwrap().unwrap().slug.to_string();
    let before = surfaces(&base, &slug, headline, &content, &other).await;
    for (surface, shown) in &before {
        assert!(!shown, "under embargo, yet on the {surface}");
    }
    assert!(webhook_events(story).await.is_empty(), "no webhook is told of it under embargo");
    // An editor publishing it early only schedules it for the embargo's end.
    let early = site.store.change_status(story, &StatusChange::Publish, &Actor::System("editor"), now).await;
    let early = early.unwrap();
    assert_eq!(early.status, StoryStatus::Scheduled, "{early:?}");
    assert_eq!(site.get(&format!("/story/{slug}")).await.status, axum::http::StatusCode::NOT_FOUND);

    // Its time comes: the scheduler (of a process restarted meanwhile) lets it out.
    site.advance(5);
    let restarted = site.reopen().await;
    let runner = tokio::spawn(scheduler::run(
        restarted.clone(),
        Clock::Manual(site.now.clone()),
        tokio_util::sync::CancellationToken::new(),
    ));
    let started = std::time::Instant::now();
    while restarted.story(story).await.unwrap().unwrap().status != StoryStatus::Published {
        assert!(started.elapsed() < Duration::from_secs(1), "out within a second of its time");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    runner.abort();
    let published = restarted.story(story).await.unwrap().unwrap();
    assert_eq!(published.published_at, Some(until), "dated at the embargo's end");
    // Every surface within a second of that.
    let started = std::time::Instant::now();
    loop {
        let shown = surfaces(&base, &slug, headline, &content, &other).await;
        if shown.iter().all(|(_, s)| *s) {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(1), "not yet everywhere: {shown:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(webhook_events(story).await, ["published"], "webhooks are told when it is out");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_held_embargoed_item_published_from_the_desk_waits_for_its_time() {
    let site = Site::new().await;
    let (id, push_token) = push_source(&site, false).await;
    let base = crate::server::spawn(&site).await;
    let now = Clock::Manual(site.now.clone()).now();
    let until = now + jiff::SignedDuration::from_secs(3600);
    let (_, answer) =
        push(&base, id, &push_token, embargoed("urn:test:embargo:2", "Held under embargo", until)).await;
    assert_eq!(answer["actions"][0]["action"], "held", "{answer}");
    let item = site.store.wire_items(None, None, 10).await.unwrap()[0].id;
    // The desk's list and the item's page say so.
    let mut desk = site.signed_in(dateline_core::Role::Editor).await;
    assert!(desk.get("/admin/wire").await.body.contains("embargoed until"), "the desk list marks it");
    assert!(
        desk.get(&format!("/admin/wire/{item}")).await.body.contains("Embargoed until"),
        "the item page too"
    );
    let story = site
        .store
        .act_on_wire_item(item, dateline_core::DeskAction::Publish, &Actor::System("desk"), now)
        .await
        .unwrap()
        .unwrap();
    let story = site.store.story(story).await.unwrap().unwrap();
    assert_eq!(story.status, StoryStatus::Scheduled, "the desk's publish waits for the embargo");
    assert_eq!(site.get(&format!("/story/{}", story.slug)).await.status, axum::http::StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn an_editor_sets_an_embargo_in_the_api_and_the_editor_and_publishing_waits_for_it() {
    use crate::api::{call, story_json};
    use axum::http::{Method, StatusCode};
    let site = Site::new().await;
    let admin = token(&site, TokenScope::Admin).await;
    let now = Clock::Manual(site.now.clone()).now();
    let until = now + jiff::SignedDuration::from_secs(7200);

    // The Admin API: a story with an embargo, published, is only scheduled for its end.
    let mut body = story_json("Exam results under embargo");
    body["embargo_until"] = until.to_string().into();
    let created = call(&site, Method::POST, "/api/admin/v1/stories", Some(&admin), Some(body)).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.json);
    assert_eq!(created.json["embargo_until"], until.to_string());
    let id = created.json["id"].as_i64().unwrap();
    let published =
        call(&site, Method::POST, &format!("/api/admin/v1/stories/{id}/publish"), Some(&admin), None).await;
    assert_eq!(published.json["status"], "scheduled", "{}", published.json);
    assert_eq!(published.json["scheduled_at"], until.to_string());
    let slug = published.json["slug"].as_str().unwrap().to_owned();
    assert_eq!(site.get(&format!("/story/{slug}")).await.status, StatusCode::NOT_FOUND);
    let mut bad = story_json("A bad embargo");
    bad["embargo_until"] = "tomorrow".into();
    let refused = call(&site, Method::POST, "/api/admin/v1/stories", Some(&admin), Some(bad)).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.json.to_string().contains("embargo_until"), "{}", refused.json);

    // The editor shows the embargo clearly, and its field keeps it.
    let mut editor = site.signed_in(dateline_core::Role::Editor).await;
    let page = editor.get(&format!("/admin/stories/{id}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Embargoed until"), "the editor says so");
    let field = page.body.split("name=\"embargo_until\" value=\"").nth(1).and_then(|s| s.split('"').next());
    assert!(field.is_some_and(|v| !v.is_empty()), "the field shows the embargo");
}
