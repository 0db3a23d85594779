//! The poller against feeds served on 127.0.0.1 (allowed by the egress policy): new items appear on the site, an unchanged
//! feed answers 304 to the conditional GET, a changed item updates its story, and a broken
//! source records its error and backs off without holding up a good one.

use crate::support::Site;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use dateline_core::{NewSource, Slug, WireConfig};
use dateline_newsroom::drop_folder::DropRoot;
use dateline_newsroom::{Clock, poller};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// A request the feed server saw: path, the If-None-Match sent, the status answered.
type Seen = (String, Option<String>, u16);

#[derive(Clone, Default)]
struct Feed {
    body: Arc<Mutex<String>>,
    log: Arc<Mutex<Vec<Seen>>>,
}

fn rss(title: &str) -> String {
    format!(
        "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Test wire</title><link>https://wire.example.com/</link>\
         <item><guid>poll-1</guid><title>{title}</title><link>https://wire.example.com/poll-1</link>\
         <description>&lt;p&gt;Polled body.&lt;/p&gt;</description><pubDate>Tue, 25 Feb 2025 14:30:00 GMT</pubDate></item></channel></rss>"
    )
}

async fn serve_feed(State(feed): State<Feed>, headers: HeaderMap) -> Response {
    let body = feed.body.lock().unwrap().clone();
    let etag = format!("\"{}\"", body.len());
    let sent = headers.get(header::IF_NONE_MATCH).and_then(|v| v.to_str().ok()).map(str::to_owned);
    let (status, response) = if sent.as_deref() == Some(etag.as_str()) {
        (304, StatusCode::NOT_MODIFIED.into_response())
    } else {
        (
            200,
            ([(header::ETAG, etag), (header::CONTENT_TYPE, "application/rss+xml".into())], body)
                .into_response(),
        )
    };
    feed.log.lock().unwrap().push(("/feed".into(), sent, status));
    response
}

async fn serve_broken(State(feed): State<Feed>) -> Response {
    feed.log.lock().unwrap().push(("/broken".into(), None, 200));
    "<rss><channel><item>never closed".into_response()
}

async fn start(feed: Feed) -> String {
    let app = axum::Router::new()
        .route("/feed", axum::routing::get(serve_feed))
        .route(
            "/moved",
            axum::routing::get(|| async { axum::response::Redirect::permanent("/desk/sindh/feed") }),
        )
        .route("/desk/sindh/feed", axum::routing::get(serve_feed))
        .route("/broken", axum::routing::get(serve_broken))
        .with_state(feed);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    url
}

pub(crate) async fn polled_source(site: &Site, name: &str, url: String) -> dateline_core::SourceId {
    let source = site
        .store
        .create_source(&NewSource {
            slug: Slug::from_title(name).unwrap(),
            name: name.into(),
            credit: name.into(),
        })
        .await
        .unwrap();
    let config = WireConfig {
        kind: "rss".into(),
        location: Some(url),
        section: Some(site.world.id),
        byline: String::new(),
        language: None,
        auto_publish: true,
    };
    site.store.configure_source(source.id, &config, None).await.unwrap();
    site.store.set_polling(source.id, 10, jiff::Timestamp::now()).await.unwrap();
    source.id
}

pub(crate) async fn wait_until(limit: Duration, mut check: impl AsyncFnMut() -> bool) -> bool {
    let started = std::time::Instant::now();
    while started.elapsed() < limit {
        if check().await {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    false
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn feeds_are_polled_with_conditional_get_and_failures_back_off() {
    let site = Site::new().await;
    let feed = Feed::default();
    *feed.body.lock().unwrap() = rss("Polled story appears");
    let base = start(feed.clone()).await;
    let good = polled_source(&site, "Good Wire", format!("{base}/feed")).await;
    let bad = polled_source(&site, "Bad Wire", format!("{base}/broken")).await;
    let runner = tokio::spawn(poller::run(
        site.store.clone(),
        Clock::System,
        site.state.wire_images.clone(),
        site.state.drop_root.clone(),
        crate::support::loopback(),
        tokio_util::sync::CancellationToken::new(),
    ));

    let seen = wait_until(Duration::from_secs(5), async || {
        crate::support::text(&site.get("/").await.body).contains("Polled story appears")
    })
    .await;
    assert!(seen, "the polled item is on the home page");
    let bad_failed =
        wait_until(Duration::from_secs(3), async || site.store.poll_status(bad).await.unwrap().failures >= 1)
            .await;
    assert!(bad_failed, "the broken source's failure is recorded");
    let status = site.store.poll_status(bad).await.unwrap();
    assert!(status.last_error.unwrap_or_default().contains("malformed"), "the error is recorded for editors");
    assert!(
        site.store.poll_status(good).await.unwrap().last_success_at.is_some(),
        "the good source is unaffected"
    );

    // Poll again soon: the unchanged feed answers 304; then a changed title updates the story.
    site.store.set_polling(good, 10, jiff::Timestamp::now()).await.unwrap();
    assert!(
        wait_until(Duration::from_secs(3), async || feed
            .log
            .lock()
            .unwrap()
            .iter()
            .any(|(p, _, s)| p == "/feed" && *s == 304))
        .await
    );
    let conditional = feed.log.lock().unwrap().iter().find(|(_, _, s)| *s == 304).cloned().unwrap();
    assert!(conditional.1.is_some(), "If-None-Match was sent");

    *feed.body.lock().unwrap() = rss("Polled story changes its headline");
    site.store.set_polling(good, 10, jiff::Timestamp::now()).await.unwrap();
    let updated = wait_until(Duration::from_secs(5), async || {
        crate::support::text(&site.get("/").await.body).contains("Polled story changes its headline")
    })
    .await;
    runner.abort();
    assert!(updated, "the changed item updated its story");
    assert_eq!(site.store.story_count().await.unwrap(), 1, "one story, updated in place");
    let broken_fetches = feed.log.lock().unwrap().iter().filter(|(p, _, _)| p == "/broken").count();
    assert_eq!(broken_fetches, 1, "the failing source backs off instead of being hammered");
}

fn fixture(name: &str) -> Vec<u8> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../ingest/tests/fixtures/wire");
    std::fs::read(root.join(name)).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn newsml_dropped_into_a_folder_is_taken_in_and_moved() {
    let mut site = Site::new().await;
    let folder = tempfile::tempdir().unwrap();
    let dir = folder.path();
    site.state.parts_mut().drop_root = DropRoot::new(Some(dir.to_owned()));
    let source = site
        .store
        .create_source(&NewSource {
            slug: Slug::parse("drop-wire").unwrap(),
            name: "Drop Wire".into(),
            credit: "DW".into(),
        })
        .await
        .unwrap();
    let config = WireConfig {
        kind: "drop-newsml".into(),
        location: Some(dir.display().to_string()),
        section: Some(site.world.id),
        byline: String::new(),
        language: None,
        auto_publish: true,
    };
    site.store.save_wire_settings(source.id, &config, 1, None, jiff::Timestamp::now()).await.unwrap();
    // A half-written file under a temporary name is left alone.
    std::fs::write(dir.join("incoming.xml.tmp"), b"<newsItem").unwrap();
    std::fs::write(dir.join("001-budget.xml"), fixture("newsml_item.xml")).unwrap();
    std::fs::write(dir.join("002-junk.xml"), b"\x00\x01 not xml at all").unwrap();
    let runner = tokio::spawn(poller::run(
        site.store.clone(),
        Clock::System,
        site.state.wire_images.clone(),
        site.state.drop_root.clone(),
        crate::support::loopback(),
        tokio_util::sync::CancellationToken::new(),
    ));

    let seen = wait_until(Duration::from_secs(5), async || {
        crate::support::text(&site.get("/").await.body).contains("Pakistan, lenders resume budget talks")
    })
    .await;
    assert!(seen, "the dropped item is on the home page");
    assert!(
        wait_until(Duration::from_secs(3), async || dir.join("failed/002-junk.xml").exists()).await,
        "the unreadable file is moved aside"
    );
    assert!(dir.join("processed/001-budget.xml").exists(), "the file is moved once taken in");
    assert!(!dir.join("001-budget.xml").exists());
    let reason = std::fs::read_to_string(dir.join("failed/002-junk.xml.error.txt")).unwrap();
    assert!(!reason.trim().is_empty());
    assert!(dir.join("incoming.xml.tmp").exists(), "unfinished files are not touched");
    let status = site.store.poll_status(source.id).await.unwrap();
    assert!(status.last_error.unwrap_or_default().contains("002-junk.xml"), "editors see which file failed");

    // The same file again changes nothing; the kill removes the story.
    std::fs::write(dir.join("003-again.xml"), fixture("newsml_item.xml")).unwrap();
    assert!(wait_until(Duration::from_secs(5), async || dir.join("processed/003-again.xml").exists()).await);
    assert_eq!(site.store.story_count().await.unwrap(), 1, "no duplicate");
    let slug = site.store.wire_items(Some(source.id), None, 5).await.unwrap()[0].story.unwrap();
    let slug = site.store.story(slug).await.unwrap().unwrap().slug;
    std::fs::write(dir.join("004-kill.xml"), fixture("newsml_withdrawn.xml")).unwrap();
    let gone = wait_until(Duration::from_secs(5), async || {
        site.get(&format!("/story/{slug}")).await.status == StatusCode::GONE
    })
    .await;
    runner.abort();
    assert!(gone, "the withdrawal killed the story");
    let status = site.store.poll_status(source.id).await.unwrap();
    assert_eq!(status.failures, 0, "good files since the bad one: the folder is healthy again");
}

/// Twelve slow feeds due at once: at most `MAX_POLLS` are fetched at a time, and every one
/// is polled in the end; a stop asked for ends the poller within the grace time.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn polls_run_a_bounded_number_at_a_time() {
    #[derive(Clone, Default)]
    struct Slow {
        now: Arc<std::sync::atomic::AtomicUsize>,
        most: Arc<std::sync::atomic::AtomicUsize>,
        done: Arc<std::sync::atomic::AtomicUsize>,
    }
    async fn slow_feed(State(s): State<Slow>) -> Response {
        use std::sync::atomic::Ordering::SeqCst;
        let running = s.now.fetch_add(1, SeqCst) + 1;
        s.most.fetch_max(running, SeqCst);
        tokio::time::sleep(Duration::from_millis(400)).await;
        s.now.fetch_sub(1, SeqCst);
        s.done.fetch_add(1, SeqCst);
        ([(header::CONTENT_TYPE, "application/rss+xml")], rss("Slow item")).into_response()
    }
    let site = Site::new().await;
    let slow = Slow::default();
    let app = axum::Router::new().route("/slow/{n}", axum::routing::get(slow_feed)).with_state(slow.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    for n in 0..12 {
        polled_source(&site, &format!("Slow Wire {n}"), format!("{base}/slow/{n}")).await;
    }
    let stop = tokio_util::sync::CancellationToken::new();
    let runner = tokio::spawn(poller::run(
        site.store.clone(),
        Clock::System,
        site.state.wire_images.clone(),
        site.state.drop_root.clone(),
        crate::support::loopback(),
        stop.clone(),
    ));
    let all = wait_until(Duration::from_secs(10), async || {
        slow.done.load(std::sync::atomic::Ordering::SeqCst) >= 12
    })
    .await;
    assert!(all, "every source was polled");
    assert_eq!(
        slow.most.load(std::sync::atomic::Ordering::SeqCst),
        poller::MAX_POLLS,
        "at most MAX_POLLS at once"
    );
    stop.cancel();
    tokio::time::timeout(dateline_newsroom::worker::GRACE, runner).await.unwrap().unwrap();
}

/// A JSON Feed of items (id, title); ids may carry control characters.
fn json_feed(items: &[(&str, &str)]) -> String {
    let items: Vec<_> = items
        .iter()
        .map(|(id, title)| serde_json::json!({"id": id, "title": title, "content_text": "Polled body."}))
        .collect();
    serde_json::json!({"version": "https://jsonfeed.org/version/1.1", "title": "Nul wire", "items": items})
        .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_feed_item_with_a_nul_in_its_id_is_polled_like_any_other() {
    let site = Site::new().await;
    let feed = Feed::default();
    *feed.body.lock().unwrap() = json_feed(&[("poll\u{0}-nul", "Nul item polled")]);
    let base = start(feed.clone()).await;
    let source = polled_source(&site, "Nul Wire", format!("{base}/feed")).await;
    let runner = tokio::spawn(poller::run(
        site.store.clone(),
        Clock::System,
        site.state.wire_images.clone(),
        site.state.drop_root.clone(),
        crate::support::loopback(),
        tokio_util::sync::CancellationToken::new(),
    ));
    let home_has = async |words: &str| crate::support::text(&site.get("/").await.body).contains(words);
    assert!(wait_until(Duration::from_secs(5), async || home_has("Nul item polled").await).await);

    // The feed changes: the same item comes again with a new one, and is a repeat.
    *feed.body.lock().unwrap() =
        json_feed(&[("poll\u{0}-nul", "Nul item polled"), ("poll-2", "Second polled item")]);
    site.store.set_polling(source, 10, jiff::Timestamp::now()).await.unwrap();
    assert!(wait_until(Duration::from_secs(5), async || home_has("Second polled item").await).await);
    runner.abort();
    let status = site.store.poll_status(source).await.unwrap();
    assert_eq!((status.failures, status.last_error), (0, None), "every poll succeeded");
    let items = site.store.wire_items(Some(source), None, 10).await.unwrap();
    let mut guids: Vec<_> = items.iter().map(|i| i.guid.clone()).collect();
    guids.sort();
    assert_eq!(guids, ["poll-2", "poll-nul"]);
    assert_eq!(site.store.story_count().await.unwrap(), 2, "no duplicate story");
}

/// Relative links in a polled feed are resolved against where it was fetched from, after
/// redirects (no `xml:base`, no site link in the feed).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn relative_links_resolve_against_the_address_after_redirects() {
    let site = Site::new().await;
    let feed = Feed::default();
    *feed.body.lock().unwrap() = "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Relative</title>\
        <item><guid>rel-1</guid><title>Relative polled item</title><link>stories/rel-1</link>\
        <description>&lt;p&gt;&lt;a href=\"../maps/karachi\"&gt;Map&lt;/a&gt;&lt;/p&gt;</description></item></channel></rss>"
        .to_owned();
    let base = start(feed.clone()).await;
    let source = polled_source(&site, "Relative Wire", format!("{base}/moved")).await;
    let runner = tokio::spawn(poller::run(
        site.store.clone(),
        Clock::System,
        site.state.wire_images.clone(),
        site.state.drop_root.clone(),
        crate::support::loopback(),
        tokio_util::sync::CancellationToken::new(),
    ));
    let taken = async || !site.store.wire_items(Some(source), None, 10).await.unwrap().is_empty();
    assert!(wait_until(Duration::from_secs(5), taken).await);
    runner.abort();
    let items = site.store.wire_items(Some(source), None, 10).await.unwrap();
    let item: serde_json::Value = serde_json::from_str(&items[0].item.json).unwrap();
    assert_eq!(item["link"], format!("{base}/desk/sindh/stories/rel-1"));
    assert!(
        item["body_html"].as_str().unwrap().contains(&format!("href=\"{base}/desk/maps/karachi\"")),
        "{item}"
    );
}
