//! Wire pictures downloaded from an agency server on 127.0.0.1: RSS `media:content` and
//! enclosures (polled), ninjs associations (pushed) and NewsML-G2 remote content (a drop
//! folder) become the story's picture, with the agency's credit, after the story is
//! published; one address is fetched once; HTML, 404s, oversized, endless and silent answers
//! and redirect loops are refused in bounded time, leaving the story published without a
//! picture and nothing stored.

use crate::media::picture;
use crate::support::{Site, text};
use crate::wire::push_source;
use axum::body::{Body, Bytes};
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use dateline_core::Actor;
use dateline_core::{DeskAction, NewSource, SourceId, StoryId, WireConfig};
use dateline_newsroom::{Clock, poller, wire_images};
use futures_util::StreamExt;
use serde_json::json;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The largest picture the test site takes.
const MAX_BYTES: usize = 200_000;
/// How long a download may take in these tests.
const TIMEOUT: Duration = Duration::from_secs(2);

/// An agency's server: a feed, pictures good and bad, and a count of the requests for each.
#[derive(Clone)]
struct Agency {
    feed: Arc<Mutex<String>>,
    hits: Arc<Mutex<HashMap<String, usize>>>,
    jpeg: Bytes,
}

impl Agency {
    fn hits(&self, path: &str) -> usize {
        self.hits.lock().unwrap().get(path).copied().unwrap_or(0)
    }
}

async fn serve_picture(State(agency): State<Agency>, Path(name): Path<String>) -> Response {
    *agency.hits.lock().unwrap().entry(format!("/pic/{name}")).or_default() += 1;
    let jpeg = || ([(header::CONTENT_TYPE, "image/jpeg")], agency.jpeg.clone()).into_response();
    match name.as_str() {
        "photo.jpg" | "other.jpg" | "redirected.jpg" => jpeg(),
        // Named and declared a JPEG, but a web page: sniffing tells.
        "page.jpg" => {
            ([(header::CONTENT_TYPE, "image/jpeg")], "<!doctype html><html><body>Sign in</body></html>")
                .into_response()
        }
        "missing.jpg" => StatusCode::NOT_FOUND.into_response(),
        // A real JPEG with a long tail: its Content-Length is over the limit.
        "huge.jpg" => {
            let mut bytes = agency.jpeg.to_vec();
            bytes.resize(MAX_BYTES * 2, 0);
            ([(header::CONTENT_TYPE, "image/jpeg")], bytes).into_response()
        }
        // A JPEG start, then bytes for ever, with no length given.
        "endless.jpg" => {
            let head = agency.jpeg.slice(..64);
            let tail = futures_util::stream::repeat_with(|| {
                Ok::<_, std::io::Error>(Bytes::from(vec![0u8; 16 * 1024]))
            });
            let stream = futures_util::stream::once(async move { Ok(head) }).chain(tail);
            ([(header::CONTENT_TYPE, "image/jpeg")], Body::from_stream(stream)).into_response()
        }
        "silent.jpg" => {
            tokio::time::sleep(Duration::from_secs(3600)).await;
            jpeg()
        }
        // Slower than a push is answered, quicker than the download timeout.
        "late.jpg" => {
            tokio::time::sleep(Duration::from_millis(1200)).await;
            jpeg()
        }
        _ => StatusCode::NOT_FOUND.into_response(),
    }
}

/// `/r/N` redirects N times, then to a picture.
async fn serve_redirect(State(agency): State<Agency>, Path(n): Path<u32>) -> Redirect {
    *agency.hits.lock().unwrap().entry(format!("/r/{n}")).or_default() += 1;
    if n == 0 {
        Redirect::temporary("/pic/redirected.jpg")
    } else {
        Redirect::temporary(&format!("/r/{}", n - 1))
    }
}

async fn serve_feed(State(agency): State<Agency>) -> Response {
    let body = agency.feed.lock().unwrap().clone();
    ([(header::CONTENT_TYPE, "application/rss+xml")], body).into_response()
}

/// Starts the agency's server on 127.0.0.1; its base URL.
async fn agency() -> (Agency, String) {
    let agency = Agency {
        feed: Arc::default(),
        hits: Arc::default(),
        jpeg: Bytes::from(picture(1200, 800, image::ImageFormat::Jpeg)),
    };
    assert!(agency.jpeg.len() < MAX_BYTES, "the good picture is under the limit");
    let app = axum::Router::new()
        .route("/feed", axum::routing::get(serve_feed))
        .route("/pic/{name}", axum::routing::get(serve_picture))
        .route("/r/{n}", axum::routing::get(serve_redirect))
        .with_state(agency.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (agency, base)
}

/// A site taking pictures up to [`MAX_BYTES`], each download bounded by [`TIMEOUT`].
async fn site() -> Site {
    let mut site = Site::new().await;
    site.state.parts_mut().pictures.limits.max_bytes = MAX_BYTES;
    // The agency's picture server is on 127.0.0.1 here, which the egress policy must allow.
    let settings = wire_images::Settings { timeout: TIMEOUT, ..wire_images::Settings::default() };
    site.state = site.state.clone().with_egress(crate::support::loopback()).with_wire_images(settings);
    site
}

async fn wait_until(limit: Duration, mut check: impl AsyncFnMut() -> bool) -> bool {
    let started = Instant::now();
    while started.elapsed() < limit {
        if check().await {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    false
}

/// Waits until every queued picture was dealt with.
async fn idle(site: &Site) {
    let images = site.state.wire_images.clone();
    assert!(
        wait_until(Duration::from_secs(10), async || images.is_idle()).await,
        "the pictures were dealt with"
    );
}

/// The story made from a wire item.
async fn story_of(site: &Site, guid: &str) -> dateline_core::Story {
    let items = site.store.wire_items(None, None, 100).await.unwrap();
    let item = items.iter().find(|i| i.guid == guid).unwrap_or_else(|| panic!("no wire item {guid}"));
    site.store.story(item.story.unwrap()).await.unwrap().unwrap()
}

async fn has_picture(site: &Site, story: StoryId) -> bool {
    site.store.story(story).await.unwrap().unwrap().image.is_some()
}

/// The responsive `srcset` of a library picture, as a story page shows it.
fn srcset_of(hash: &str) -> String {
    format!(r#"<source type="image/webp" srcset="/media/{hash}/320.webp 320w, /media/{hash}/640.webp 640w"#)
}

/// A ninjs 1.x item with a picture association at `href`.
fn ninjs(guid: &str, headline: &str, href: &str) -> Vec<u8> {
    json!({
        "uri": guid,
        "version": "1",
        "headline": headline,
        "located": "Karachi",
        "body_html": "<p>Relief camps opened on Tuesday.</p>",
        "associations": {
            "featureimage": {
                "type": "picture",
                "description_text": "Families queue for rations near Thatta.",
                "renditions": {
                    "thumbnail": { "href": format!("{href}?thumb"), "mimetype": "image/jpeg", "width": 320 },
                    "original": { "href": href, "mimetype": "image/jpeg", "width": 1200 }
                }
            }
        }
    })
    .to_string()
    .into_bytes()
}

/// Pushes `body` to source `id`, expecting it to be taken.
async fn push(base: &str, id: SourceId, token: &str, body: Vec<u8>) -> serde_json::Value {
    let (status, json) = crate::wire::push(base, id, token, body).await;
    assert_eq!(status, 200, "{json}");
    json
}

/// A new agency source (`slug`, named and credited `name`) that publishes what arrives at
/// once, taking its copy as `kind` from `location`.
async fn auto_publishing_source(
    site: &Site,
    slug: &str,
    name: &str,
    kind: &str,
    location: String,
) -> SourceId {
    let source = site
        .store
        .create_source(&NewSource {
            slug: dateline_core::Slug::parse(slug).unwrap(),
            name: name.into(),
            credit: name.into(),
        })
        .await
        .unwrap();
    let config = WireConfig {
        kind: kind.into(),
        location: Some(location),
        section: Some(site.world.id),
        byline: String::new(),
        language: None,
        auto_publish: true,
    };
    site.store.configure_source(source.id, &config, None).await.unwrap();
    source.id
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rss_pictures_are_fetched_once_and_keep_the_agency_credit() {
    let site = site().await;
    let (agency, base) = agency().await;
    let photo = format!("{base}/pic/photo.jpg");
    *agency.feed.lock().unwrap() = format!(
        r#"<?xml version="1.0"?><rss version="2.0" xmlns:media="http://search.yahoo.com/mrss/"><channel>
        <title>Good Wire</title><link>https://wire.example.com/</link>
        <item><guid>rss-1</guid><title>Port clears its backlog</title><description>Cranes worked all night.</description>
          <media:content url="{photo}" medium="image" type="image/jpeg">
            <media:description>Cranes at the East Wharf, Karachi.</media:description>
            <media:credit>Jane Doe / Good Wire</media:credit>
          </media:content></item>
        <item><guid>rss-2</guid><title>Ships wait outside the harbour</title><description>A queue of ships.</description>
          <enclosure url="{photo}" length="1000" type="image/jpeg"/></item>
        </channel></rss>"#
    );
    let source = auto_publishing_source(&site, "good-wire", "Good Wire", "rss", format!("{base}/feed")).await;
    site.store.set_polling(source, 3600, jiff::Timestamp::now()).await.unwrap();
    let runner = tokio::spawn(poller::run(
        site.store.clone(),
        Clock::System,
        site.state.wire_images.clone(),
        site.state.drop_root.clone(),
        site.state.egress.clone(),
        tokio_util::sync::CancellationToken::new(),
    ));

    let pictured = wait_until(Duration::from_secs(10), async || {
        let items = site.store.wire_items(None, None, 10).await.unwrap();
        let mut stories = items.iter().filter_map(|i| i.story);
        let (Some(a), Some(b)) = (stories.next(), stories.next()) else { return false };
        has_picture(&site, a).await && has_picture(&site, b).await
    })
    .await;
    runner.abort();
    assert!(pictured, "both stories got the picture");
    assert_eq!(agency.hits("/pic/photo.jpg"), 1, "one address, one download");
    let media = site.store.media_by_origin(&photo).await.unwrap().unwrap();
    assert_eq!((media.width, media.height, media.format.as_str()), (1200, 800, "jpg"));
    assert_eq!(media.text.credit, "Jane Doe / Good Wire");

    let first = story_of(&site, "rss-1").await;
    let page = site.get(&format!("/story/{}", first.slug)).await.body;
    assert!(page.contains(&srcset_of(&media.hash)), "{page}");
    assert!(page.contains(r#"<span class="image-credit">Jane Doe / Good Wire</span>"#), "{page}");
    assert!(text(&page).contains("Cranes at the East Wharf, Karachi."), "the agency's caption");
    // The enclosure came without a credit: the source's is kept.
    let second = story_of(&site, "rss-2").await;
    assert_eq!(second.image.unwrap().credit, "Good Wire");
    assert!(
        site.get("/").await.body.contains(&format!("/media/{}/320.jpg 320w", media.hash)),
        "on the cards too"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pushed_pictures_follow_the_published_story() {
    let site = site().await;
    let (agency, pictures) = agency().await;
    let (id, token) = push_source(&site, true).await;
    let base = crate::server::spawn(&site).await;

    // The agency's server is slow with this picture: the push is answered at once anyway.
    let late = format!("{pictures}/pic/late.jpg");
    let started = Instant::now();
    let answer =
        push(&base, id, &token, ninjs("urn:test:camps", "Relief camps open near Thatta", &late)).await;
    assert!(started.elapsed() < Duration::from_secs(1), "acknowledged without waiting for the picture");
    assert_eq!(answer["actions"][0]["action"], "published");
    let story = StoryId(answer["actions"][0]["story_id"].as_i64().unwrap());
    let slug = site.store.story(story).await.unwrap().unwrap().slug;
    let page = reqwest::get(format!("{base}/story/{slug}")).await.unwrap().text().await.unwrap();
    assert!(
        page.contains("Relief camps open near Thatta") && !page.contains("<figure"),
        "published, no picture yet"
    );

    // The cached page is dropped when the picture arrives.
    let pictured = wait_until(Duration::from_secs(10), async || {
        let page = reqwest::get(format!("{base}/story/{slug}")).await.unwrap().text().await.unwrap();
        page.contains("<figure")
    })
    .await;
    assert!(pictured, "the picture reached the published page");
    let media = site.store.media_by_origin(&late).await.unwrap().unwrap();
    let page = reqwest::get(format!("{base}/story/{slug}")).await.unwrap().text().await.unwrap();
    assert!(page.contains(&srcset_of(&media.hash)), "{page}");
    assert!(
        page.contains(r#"Families queue for rations near Thatta. <span class="image-credit">APP</span>"#),
        "{page}"
    );
    assert_eq!(agency.hits("/pic/late.jpg"), 1, "the original, not the thumbnail");
    let updated = site.store.story(story).await.unwrap().unwrap();
    assert_eq!(updated.updated_at, None, "a picture arriving is no \"Updated\"");

    // Another item with the same picture: no second download, the picture at once.
    let again = push(&base, id, &token, ninjs("urn:test:camps-2", "More camps open in Badin", &late)).await;
    let second = StoryId(again["actions"][0]["story_id"].as_i64().unwrap());
    assert_eq!(site.store.story(second).await.unwrap().unwrap().image.unwrap().url, media.url());
    idle(&site).await;
    assert_eq!(agency.hits("/pic/late.jpg"), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_pictures_are_refused_in_bounded_time_and_stories_stay() {
    let site = site().await;
    let (agency, pictures) = agency().await;
    let (id, token) = push_source(&site, true).await;
    let base = crate::server::spawn(&site).await;
    let bad =
        ["/pic/page.jpg", "/pic/missing.jpg", "/pic/huge.jpg", "/pic/endless.jpg", "/pic/silent.jpg", "/r/5"];
    let started = Instant::now();
    for (n, path) in bad.iter().enumerate() {
        let body = ninjs(
            &format!("urn:test:bad-{n}"),
            &format!("Story number {n} stands"),
            &format!("{pictures}{path}"),
        );
        assert_eq!(push(&base, id, &token, body).await["actions"][0]["action"], "published");
    }
    // A redirect or two is fine.
    let good = format!("{pictures}/r/2");
    push(&base, id, &token, ninjs("urn:test:redirected", "Redirected picture", &good)).await;
    idle(&site).await;
    assert!(started.elapsed() < TIMEOUT * 3, "bounded in time: {:?}", started.elapsed());

    for (n, path) in bad.iter().enumerate() {
        let story = story_of(&site, &format!("urn:test:bad-{n}")).await;
        assert_eq!(story.image, None, "{path}");
        let page = site.get(&format!("/story/{}", story.slug)).await;
        assert_eq!(page.status, StatusCode::OK, "{path}");
        assert_eq!(agency.hits(path), 1, "{path} was tried once");
        assert_eq!(site.store.media_by_origin(&format!("{pictures}{path}")).await.unwrap(), None, "{path}");
    }
    assert_eq!(agency.hits("/pic/redirected.jpg"), 1);
    let redirected = story_of(&site, "urn:test:redirected").await;
    assert!(redirected.image.is_some(), "three redirects are followed");
    let library = site.store.media_list(dateline_core::PageRequest { offset: 0, limit: 10 }).await.unwrap();
    assert_eq!(library.len(), 1, "only the good picture is kept");
    let stored = site.state.pictures.storage.object_store().list(None).count().await;
    assert_eq!(stored, 7, "its original and six variants (320-960 in WebP and JPEG), nothing else");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn held_items_get_their_picture_when_published() {
    let site = site().await;
    let (agency, pictures) = agency().await;
    let (id, token) = push_source(&site, false).await;
    let base = crate::server::spawn(&site).await;
    let photo = format!("{pictures}/pic/photo.jpg");
    assert_eq!(
        push(&base, id, &token, ninjs("urn:test:held", "Waits for the desk", &photo)).await["actions"][0]["action"],
        "held"
    );
    idle(&site).await;
    assert_eq!(agency.hits("/pic/photo.jpg"), 1, "fetched while the item waits");
    let item = site.store.wire_items(None, Some("waiting"), 5).await.unwrap().remove(0);
    let story = site
        .store
        .act_on_wire_item(item.id, DeskAction::Publish, &Actor::System("test"), site.state.clock.now())
        .await
        .unwrap()
        .unwrap();
    let image = site.store.story(story).await.unwrap().unwrap().image.unwrap();
    assert_eq!(
        (image.credit.as_str(), image.width),
        ("APP", Some(1200)),
        "published as is, with its picture"
    );

    // Published by the desk before its picture came: the picture follows.
    let late = format!("{pictures}/pic/late.jpg");
    push(&base, id, &token, ninjs("urn:test:quick", "Published in a hurry", &late)).await;
    let item = site.store.wire_items(None, Some("waiting"), 5).await.unwrap().remove(0);
    let story = site
        .store
        .act_on_wire_item(item.id, DeskAction::Publish, &Actor::System("test"), site.state.clock.now())
        .await
        .unwrap()
        .unwrap();
    assert!(!has_picture(&site, story).await);
    assert!(wait_until(Duration::from_secs(10), async || has_picture(&site, story).await).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn newsml_remote_content_from_a_drop_folder_becomes_the_picture() {
    let site = site().await;
    let (agency, pictures) = agency().await;
    let folder = tempfile::tempdir().unwrap();
    let location = folder.path().display().to_string();
    let source = auto_publishing_source(&site, "drop-wire", "Drop Wire", "drop-newsml", location).await;
    let drop_root = dateline_newsroom::drop_folder::DropRoot::new(Some(folder.path().to_owned()));
    site.store.set_polling(source, 1, jiff::Timestamp::now()).await.unwrap();
    let fixture = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../ingest/tests/fixtures/wire/newsml_picture.xml"),
    )
    .unwrap();
    let message = fixture.replace(
        "https://img.wire.example.com/2025/02/solar-park-2048.jpg",
        &format!("{pictures}/pic/other.jpg"),
    );
    std::fs::write(folder.path().join("001-solar.xml"), message).unwrap();
    let runner = tokio::spawn(poller::run(
        site.store.clone(),
        Clock::System,
        site.state.wire_images.clone(),
        drop_root,
        site.state.egress.clone(),
        tokio_util::sync::CancellationToken::new(),
    ));

    let pictured = wait_until(Duration::from_secs(10), async || {
        let items = site.store.wire_items(Some(source), None, 5).await.unwrap();
        match items.first().and_then(|i| i.story) {
            Some(story) => has_picture(&site, story).await,
            None => false,
        }
    })
    .await;
    runner.abort();
    assert!(pictured, "the NewsML picture reached the story");
    assert_eq!(agency.hits("/pic/other.jpg"), 1);
    assert_eq!(site.store.story_count().await.unwrap(), 1, "the picture item is no story of its own");
    let story = story_of(&site, "urn:newsml:dateline.example.com:20250225:pk-solar-park").await;
    let image = story.image.unwrap();
    assert_eq!(image.credit, "Photo: Farah Baig / Dateline Test Wire", "the agency's credit line");
    assert_eq!(image.caption, "Rows of solar panels at the Cholistan park near Bahawalpur on Tuesday.");
}
