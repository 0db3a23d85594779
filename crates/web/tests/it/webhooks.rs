//! Webhooks against a real receiver on 127.0.0.1: signed JSON, retries with backoff after a
//! failure, the delivery log, and events for publish, update and kill.

use crate::support::Site;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use dateline_core::{Actor, StatusChange};
use dateline_core::{DeliveryStatus, Role, StoryEvent};
use dateline_newsroom::{Clock, webhooks};
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[derive(Clone, Default)]
struct Receiver {
    seen: Arc<Mutex<Vec<(HeaderMap, String)>>>,
    /// How many requests to fail before answering 200.
    fail_first: Arc<Mutex<u32>>,
}

async fn receive(State(r): State<Receiver>, headers: HeaderMap, body: String) -> StatusCode {
    r.seen.lock().unwrap().push((headers, body));
    let mut fail = r.fail_first.lock().unwrap();
    if *fail > 0 {
        *fail -= 1;
        StatusCode::INTERNAL_SERVER_ERROR
    } else {
        StatusCode::NO_CONTENT
    }
}

async fn start_receiver(fail_first: u32) -> (String, Receiver) {
    let receiver = Receiver { fail_first: Arc::new(Mutex::new(fail_first)), ..Receiver::default() };
    let app = axum::Router::new().route("/hook", axum::routing::post(receive)).with_state(receiver.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, receiver)
}

async fn wait_for(receiver: &Receiver, count: usize, limit: Duration) -> Vec<(HeaderMap, String)> {
    let started = std::time::Instant::now();
    loop {
        let seen = receiver.seen.lock().unwrap().clone();
        if seen.len() >= count || started.elapsed() > limit {
            return seen;
        }
        drop(seen);
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_are_signed_delivered_and_retried() {
    let site = Site::new().await;
    let (url, receiver) = start_receiver(1).await;
    site.store
        .create_webhook(&url, "s3cret", &StoryEvent::ALL, crate::support::at(crate::support::NOW))
        .await
        .unwrap();
    let worker = tokio::spawn(webhooks::run(
        site.store.clone(),
        Clock::System,
        crate::support::loopback(),
        tokio_util::sync::CancellationToken::new(),
    ));

    let story = site.publish(&site.draft("Hooked story"), crate::support::NOW).await;
    let seen = wait_for(&receiver, 2, Duration::from_secs(10)).await;
    assert_eq!(seen.len(), 2, "one failure, then a retry that succeeds");
    let (headers, body) = &seen[1];
    assert_eq!(headers["x-dateline-event"], "story.published");
    assert_eq!(headers["content-type"], "application/json");
    assert_eq!(
        headers["x-dateline-signature"].to_str().unwrap(),
        webhooks::signature("s3cret", body.as_bytes())
    );
    assert_eq!(seen[0].1, *body, "the retry sends the same body");
    let json: serde_json::Value = serde_json::from_str(body).unwrap();
    assert_eq!(json["event"], "story.published");
    assert_eq!(json["story"]["headline"], "Hooked story");
    assert_eq!(json["story"]["url"], "https://news.example.com/story/hooked-story");

    // The receiver answers before the sender records the attempt: give it a moment.
    let mut log = site.store.recent_deliveries(10).await.unwrap();
    for _ in 0..100 {
        if log.first().is_some_and(|d| d.status == DeliveryStatus::Delivered) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
        log = site.store.recent_deliveries(10).await.unwrap();
    }
    assert_eq!(log.len(), 1);
    assert_eq!(
        (log[0].status, log[0].attempts, log[0].last_status_code),
        (DeliveryStatus::Delivered, 2, Some(204))
    );

    site.store
        .change_status(
            story.id,
            &StatusChange::Kill,
            &Actor::System("test"),
            crate::support::at(crate::support::NOW),
        )
        .await
        .unwrap();
    let seen = wait_for(&receiver, 3, Duration::from_secs(8)).await;
    assert_eq!(seen.len(), 3);
    assert_eq!(seen[2].0["x-dateline-event"], "story.killed");
    worker.abort();

    // The log is on the admin page.
    let mut admin = site.signed_in(Role::Administrator).await;
    let page = admin.get("/admin/webhooks/deliveries").await;
    assert_eq!(page.status, StatusCode::OK);
    let text = crate::support::text(&page.body);
    assert!(
        text.contains("story.published") && text.contains("story.killed") && text.contains("delivered"),
        "{text}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_endpoint_is_retried_and_logged() {
    let site = Site::new().await;
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    site.store
        .create_webhook(
            &format!("http://{closed}/gone"),
            "k",
            &[StoryEvent::Published],
            crate::support::at(crate::support::NOW),
        )
        .await
        .unwrap();
    let worker = tokio::spawn(webhooks::run(
        site.store.clone(),
        Clock::System,
        crate::support::loopback(),
        tokio_util::sync::CancellationToken::new(),
    ));
    site.publish(&site.draft("Nobody listens"), crate::support::NOW).await;
    let started = std::time::Instant::now();
    let mut log = Vec::new();
    while started.elapsed() < Duration::from_secs(5) {
        log = site.store.recent_deliveries(10).await.unwrap();
        if log.first().is_some_and(|d| d.attempts >= 2) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    worker.abort();
    assert_eq!(log[0].status, DeliveryStatus::Pending, "still being retried");
    assert!(log[0].attempts >= 2, "retried: {:?}", log[0]);
    assert!(log[0].last_error.as_deref().unwrap_or("").contains("could not connect"));
    assert!(log[0].next_attempt_at > jiff::Timestamp::now(), "the next try waits (backoff)");
}

#[tokio::test]
async fn updates_and_unpublish_are_events_only_for_public_stories() {
    let site = Site::new().await;
    site.store
        .create_webhook(
            "http://127.0.0.1:9/never",
            "k",
            &StoryEvent::ALL,
            crate::support::at(crate::support::NOW),
        )
        .await
        .unwrap();
    let draft = site
        .store
        .create_story(&site.draft("Quiet draft"), None, crate::support::at(crate::support::NOW))
        .await
        .unwrap();
    site.store
        .update_story(
            draft.id,
            &site.draft("Quiet draft 2"),
            draft.version,
            crate::support::at(crate::support::NOW),
        )
        .await
        .unwrap();
    site.store
        .change_status(
            draft.id,
            &StatusChange::Unpublish,
            &Actor::System("test"),
            crate::support::at(crate::support::NOW),
        )
        .await
        .expect_err("a draft is not on the site: nothing to unpublish");
    assert!(site.store.recent_deliveries(10).await.unwrap().is_empty(), "nothing public happened");
    let story = site.publish(&site.draft("Loud story"), crate::support::NOW).await;
    site.store
        .update_story(
            story.id,
            &site.draft("Loud story 2"),
            story.version,
            crate::support::at(crate::support::NOW),
        )
        .await
        .unwrap();
    site.store
        .add_correction(story.id, "Fixed.", &Actor::System("test"), crate::support::at(crate::support::NOW))
        .await
        .unwrap();
    site.store
        .change_status(
            story.id,
            &StatusChange::Unpublish,
            &Actor::System("test"),
            crate::support::at(crate::support::NOW),
        )
        .await
        .unwrap();
    let events: Vec<_> =
        site.store.recent_deliveries(10).await.unwrap().into_iter().rev().map(|d| d.event).collect();
    assert_eq!(events, ["published", "updated", "updated", "unpublished"]);

    // Webhooks are managed in the admin; the secret is shown once.
    let mut admin = site.signed_in(Role::Administrator).await;
    admin.get("/admin/webhooks").await;
    let bad = admin.post("/admin/webhooks", &[("url", "ftp://x"), ("events", "")]).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    let made = admin
        .post("/admin/webhooks", &[("url", "https://hooks.example/in"), ("events", "published, killed")])
        .await;
    assert_eq!(made.status, StatusCode::CREATED);
    assert!(crate::support::text(&made.body).contains("shown only once"));
    let hooks = site.store.webhooks().await.unwrap();
    assert_eq!(hooks[1].events, [StoryEvent::Published, StoryEvent::Killed]);
    let mut editor = site.signed_in(Role::Editor).await;
    assert_eq!(editor.get("/admin/webhooks").await.status, StatusCode::FORBIDDEN);
}
