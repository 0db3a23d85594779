//! A CDN in front of the site (issue 19, point 6): every page the page cache keeps carries
//! the change keys it is filed under as surrogate keys (`Surrogate-Key`, `Cache-Tag`) and
//! lets shared caches serve it stale while they revalidate or while the origin fails; the
//! admin and whatever a signed-in client is answered carry no keys and are not stored.
//! Every change is purged by exactly its keys through the configured purge hook, seen here
//! by a receiver on 127.0.0.1 standing in for Fastly, Cloudflare, Varnish or any endpoint:
//! once, retried after a failure, everything for a change to the whole site, logged in the
//! admin.

use crate::support::{Page, Site};
use axum::extract::State;
use axum::http::{Method, StatusCode};
use dateline_core::ChangeKey;
use dateline_core::account::{Role, TokenScope};
use dateline_newsroom::cdn;
use dateline_store::PurgeStatus;
use dateline_web::AppState;
use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

fn surrogate_keys(page: &Page) -> BTreeSet<String> {
    page.header("surrogate-key").split(' ').filter(|k| !k.is_empty()).map(str::to_owned).collect()
}

fn cache_tags(page: &Page) -> BTreeSet<String> {
    page.header("cache-tag").split(',').filter(|k| !k.is_empty()).map(str::to_owned).collect()
}

fn set(keys: &[String]) -> BTreeSet<String> {
    keys.iter().cloned().collect()
}

/// The keys of every change logged after `after`, as the purge hook reads them.
async fn logged_after(site: &Site, after: i64) -> BTreeSet<String> {
    site.store
        .page_changes_after(after)
        .await
        .unwrap()
        .into_iter()
        .flat_map(|(_, keys)| keys)
        .map(|k| k.to_string())
        .collect()
}

#[tokio::test]
async fn kept_pages_carry_exactly_their_cache_keys_as_surrogate_keys() {
    let site = Site::new().await;
    let story = site.publish(&site.draft("Talks resume in Istanbul"), "2025-02-27T08:00:00Z").await;
    let story_page = format!("/story/{}", story.slug);
    let (w, id) = (site.world.id, story.id);
    let expected: [(&str, Vec<String>); 5] = [
        (
            &story_page,
            vec![
                format!("story:{id}"),
                "front".into(),
                format!("section:{w}"),
                format!("translations:{id}"),
                "most-read".into(),
                "site".into(),
            ],
        ),
        ("/", vec!["front".into(), "most-read".into(), "site".into()]),
        ("/section/world", vec![format!("section:{w}"), "site".into()]),
        ("/rss.xml", vec!["front".into(), "site".into()]),
        ("/section/world/feed.json", vec![format!("section:{w}"), "site".into()]),
    ];
    for (path, keys) in &expected {
        let first = site.get(path).await;
        assert_eq!(first.status, StatusCode::OK, "{path}");
        let filed: Vec<String> = site
            .state
            .page_cache
            .keys_of(path)
            .expect("the page is kept")
            .iter()
            .map(|k| k.to_string())
            .collect();
        assert_eq!(set(&filed), set(keys), "{path}: the keys the page cache files it under");
        assert_eq!(first.header("surrogate-key"), filed.join(" "), "{path}: space-separated, each once");
        assert_eq!(first.header("cache-tag"), filed.join(","), "{path}: comma-separated for Cloudflare");
        let cache_control = first.header("cache-control");
        assert!(cache_control.starts_with("public, max-age="), "{path}: {cache_control}");
        assert!(cache_control.contains("stale-while-revalidate="), "{path}: {cache_control}");
        assert!(cache_control.ends_with("stale-if-error=86400"), "{path}: {cache_control}");

        // The kept copy, a compressed copy and a 304 say the same.
        let again = site
            .send(
                axum::http::Request::builder()
                    .uri(*path)
                    .header("accept-encoding", "br")
                    .body(axum::body::Body::empty())
                    .unwrap(),
            )
            .await;
        assert_eq!(again.header("content-encoding"), "br", "{path}");
        assert_eq!(surrogate_keys(&again), set(keys), "{path}");
        assert_eq!(cache_tags(&again), set(keys), "{path}");
        let etag = first.header("etag").to_owned();
        let unchanged = site
            .send(
                axum::http::Request::builder()
                    .uri(*path)
                    .header("if-none-match", etag)
                    .body(axum::body::Body::empty())
                    .unwrap(),
            )
            .await;
        assert_eq!(unchanged.status, StatusCode::NOT_MODIFIED, "{path}");
        assert_eq!(surrogate_keys(&unchanged), set(keys), "{path}");
        assert_eq!(unchanged.header("cache-control"), cache_control, "{path}");
    }

    // The keys are the ones a change is logged under: a story published in Urdu touches the
    // front (so the home page, the site feed and the other story's "latest"), not World's
    // section page or feed.
    let before = site.store.last_page_change().await.unwrap();
    let mut urdu = site.draft("اسلام آباد میں بارش");
    urdu.section = site.urdu.id;
    urdu.tags = vec![];
    site.publish(&urdu, "2025-02-27T09:00:00Z").await;
    let logged = logged_after(&site, before).await;
    assert!(logged.contains("front") && logged.contains(&format!("section:{}", site.urdu.id)), "{logged:?}");
    for (path, keys) in &expected {
        let purged = !set(keys).is_disjoint(&logged);
        let world_only = path.starts_with("/section/world");
        assert_eq!(purged, !world_only, "{path}: {keys:?} against the change's {logged:?}");
    }
}

#[tokio::test]
async fn sitemaps_robots_and_assets_carry_the_site_key() {
    let site = Site::new().await;
    site.publish(&site.draft("Talks resume in Istanbul"), "2025-02-27T08:00:00Z").await;
    for (path, keys) in [
        ("/sitemaps/news.xml", vec!["front", "site"]),
        ("/robots.txt", vec!["site"]),
        ("/assets/style.css", vec!["site"]),
    ] {
        let page = site.get(path).await;
        assert_eq!(page.status, StatusCode::OK, "{path}");
        let keys: BTreeSet<String> = keys.into_iter().map(str::to_owned).collect();
        assert_eq!(surrogate_keys(&page), keys, "{path}");
        assert_eq!(cache_tags(&page), keys, "{path}");
    }
}

#[tokio::test]
async fn admin_pages_and_signed_in_answers_carry_no_keys_and_are_not_stored() {
    let site = Site::new().await;
    let story = site.publish(&site.draft("Talks resume in Istanbul"), "2025-02-27T08:00:00Z").await;

    let signed_out = site.get("/admin/login").await;
    assert_eq!(signed_out.status, StatusCode::OK);
    assert_eq!(signed_out.header("cache-control"), "no-store");
    assert!(signed_out.header("surrogate-key").is_empty() && signed_out.header("cache-tag").is_empty());

    let mut admin = site.signed_in(Role::Administrator).await;
    for path in ["/admin", "/admin/stories", &format!("/admin/stories/{}", story.id), "/admin/webhooks"] {
        let page = admin.get(path).await;
        assert_eq!(page.status, StatusCode::OK, "{path}");
        assert_eq!(page.header("cache-control"), "no-store", "{path}");
        assert!(page.header("surrogate-key").is_empty(), "{path}");
        assert!(page.header("cache-tag").is_empty(), "{path}");
    }
    // A redirect a signed-in editor is answered is theirs alone too.
    let moved = admin.get("/admin/stories/").await;
    assert!(moved.status.is_redirection(), "{}", moved.status);
    assert_eq!(moved.header("cache-control"), "private, no-store");

    for (scope, path) in [
        (TokenScope::Admin, "/api/admin/v1/stories".to_owned()),
        (TokenScope::Admin, format!("/api/admin/v1/stories/{}", story.id)),
        (TokenScope::Content, "/api/content/v1/stories".to_owned()),
        (TokenScope::Content, format!("/api/content/v1/stories/{}", story.slug)),
    ] {
        let token = crate::api::token(&site, scope).await;
        let reply = crate::api::call(&site, Method::GET, &path, Some(&token), None).await;
        assert_eq!(reply.status, StatusCode::OK, "{path}: {}", reply.json);
        let cache_control = reply.headers.get("cache-control").map(|v| v.to_str().unwrap()).unwrap_or("");
        assert_eq!(cache_control, "private, no-store", "{path}");
        assert!(reply.headers.get("surrogate-key").is_none(), "{path}");
        assert!(reply.headers.get("cache-tag").is_none(), "{path}");
    }

    // The public page a signed-in editor reads is everyone's page, keys and all.
    let public = admin.get(&format!("/story/{}", story.slug)).await;
    assert_eq!(public.status, StatusCode::OK);
    assert!(surrogate_keys(&public).contains(&ChangeKey::Story(story.id).to_string()));
    assert!(public.header("cache-control").starts_with("public"));
}

// ---- the purge hook ----

/// One request the purge receiver got.
#[derive(Clone, Debug)]
struct Seen {
    method: String,
    path: String,
    headers: axum::http::HeaderMap,
    body: String,
}

impl Seen {
    fn header(&self, name: &str) -> &str {
        self.headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or("")
    }

    fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap()
    }
}

/// A CDN's purge API on 127.0.0.1: answers 500 to the first `fail_first` requests, then 200.
#[derive(Clone, Default)]
struct Receiver {
    seen: Arc<Mutex<Vec<Seen>>>,
    fail_first: Arc<Mutex<u32>>,
}

impl Receiver {
    async fn start(fail_first: u32) -> (String, Self) {
        let receiver = Self { fail_first: Arc::new(Mutex::new(fail_first)), ..Self::default() };
        let app = axum::Router::new().fallback(receive).with_state(receiver.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        (base, receiver)
    }

    fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }

    /// Waits until `count` requests came (or `limit` passed), then returns all of them.
    async fn wait_for(&self, count: usize, limit: Duration) -> Vec<Seen> {
        let started = std::time::Instant::now();
        while self.seen().len() < count && started.elapsed() < limit {
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        self.seen()
    }
}

async fn receive(
    State(r): State<Receiver>,
    method: axum::http::Method,
    uri: axum::http::Uri,
    headers: axum::http::HeaderMap,
    body: String,
) -> StatusCode {
    r.seen.lock().unwrap().push(Seen {
        method: method.to_string(),
        path: uri.path().to_owned(),
        headers,
        body,
    });
    let mut fail = r.fail_first.lock().unwrap();
    if *fail > 0 {
        *fail -= 1;
        StatusCode::INTERNAL_SERVER_ERROR
    } else {
        StatusCode::OK
    }
}

/// Gives the site a purge hook of `settings`, reaching 127.0.0.1; the hook has looked at
/// the log once (where it starts: nothing before is purged).
async fn with_hook(site: &mut Site, settings: cdn::Settings) -> cdn::Purger {
    let state: AppState =
        site.state.clone().with_egress(crate::support::loopback()).with_cdn(Some(settings)).unwrap();
    let purger = state.cdn.clone().expect("a purge hook");
    site.state = state;
    purger.run_once(site.store.as_ref()).await;
    purger
}

fn http_hook(base: &str) -> cdn::Settings {
    cdn::Settings { provider: cdn::Provider::Http, endpoint: format!("{base}/purge"), token: None }
}

fn strings(keys: &[serde_json::Value]) -> BTreeSet<String> {
    keys.iter().map(|k| k.as_str().unwrap().to_owned()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn publishing_a_story_purges_exactly_its_keys_once() {
    let mut site = Site::new().await;
    let (base, receiver) = Receiver::start(0).await;
    with_hook(&mut site, http_hook(&base)).await;
    // The hook follows the change log with the page cache, as in the binary.
    let workers = dateline_newsroom::Workers::start(site.state.background());

    let before = site.store.last_page_change().await.unwrap();
    let story = site.publish(&site.draft("Talks resume in Istanbul"), "2025-02-27T08:00:00Z").await;
    let logged = logged_after(&site, before).await;
    let seen = receiver.wait_for(1, Duration::from_secs(10)).await;
    assert_eq!(seen.len(), 1, "one purge");
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(receiver.seen().len(), 1, "and only one");
    let purge = &seen[0];
    assert_eq!((purge.method.as_str(), purge.path.as_str()), ("POST", "/purge"));
    assert_eq!(purge.header("content-type"), "application/json");
    let keys = strings(purge.json()["keys"].as_array().expect("keys"));
    assert_eq!(keys, logged, "exactly the keys of the change");
    assert!(keys.contains(&format!("story:{}", story.id)) && keys.contains("front"), "{keys:?}");

    // What it purges is what the story's pages are kept under at a CDN.
    for path in [format!("/story/{}", story.slug), "/".into(), "/section/world".into(), "/tag/turkey".into()]
    {
        let page = site.get(&path).await;
        assert!(!surrogate_keys(&page).is_disjoint(&keys), "{path} is purged");
    }
    assert!(surrogate_keys(&site.get("/section/urdu").await).is_disjoint(&keys), "another section is not");

    // The admin's log says so.
    let mut admin = site.signed_in(Role::Administrator).await;
    let page = admin.get("/admin/cdn").await;
    assert_eq!(page.status, StatusCode::OK);
    let text = crate::support::text(&page.body);
    assert!(text.contains("purged"), "{text}");
    assert!(text.contains(&format!("story:{}", story.id)), "{text}");
    workers.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_purge_is_retried_with_backoff_and_the_log_shows_both_attempts() {
    let mut site = Site::new().await;
    let (base, receiver) = Receiver::start(1).await;
    let purger = with_hook(&mut site, http_hook(&base)).await;
    let store = site.store.as_ref();

    let story = site.publish(&site.draft("Talks resume in Istanbul"), "2025-02-27T08:00:00Z").await;
    purger.run_once(store).await;
    assert_eq!(receiver.seen().len(), 1);
    let log = &store.recent_cdn_purges(10).await.unwrap()[0];
    assert_eq!((log.status, log.attempts, log.last_status_code), (PurgeStatus::Pending, 1, Some(500)));
    assert!(log.last_error.as_deref().unwrap().contains("500"), "{:?}", log.last_error);

    // Not again before its wait (1 s after a first failure) is over; then it goes through.
    purger.run_once(store).await;
    assert_eq!(receiver.seen().len(), 1, "the wait is kept");
    site.advance(1);
    purger.run_once(store).await;
    let seen = receiver.seen();
    assert_eq!(seen.len(), 2, "tried again");
    assert_eq!(seen[0].body, seen[1].body, "the same purge");
    assert_eq!(seen[0].header("x-dateline-purge"), seen[1].header("x-dateline-purge"));
    assert!(seen[1].body.contains(&format!("\"story:{}\"", story.id)));
    let log = &store.recent_cdn_purges(10).await.unwrap()[0];
    assert_eq!((log.status, log.attempts, log.last_status_code), (PurgeStatus::Purged, 2, Some(200)));
    site.advance(3600);
    purger.run_once(store).await;
    assert_eq!(receiver.seen().len(), 2, "a purged purge is done");

    // The admin's log: both attempts, the failure kept; administrators only.
    let mut admin = site.signed_in(Role::Administrator).await;
    let page = admin.get("/admin/cdn").await;
    assert_eq!(page.status, StatusCode::OK);
    let text = crate::support::text(&page.body);
    assert!(text.contains(&format!("Purges go to http at {base}/purge")), "{text}");
    let row = text.split(&format!("story:{}", story.id)).nth(1).expect("the purge's row");
    assert!(row.contains("purged 2 200") && row.contains("500 Internal Server Error"), "{row}");
    assert!(admin.get("/admin").await.body.contains("href=\"/admin/cdn\""), "linked from the admin");
    let mut editor = site.signed_in(Role::Editor).await;
    assert_eq!(editor.get("/admin/cdn").await.status, StatusCode::FORBIDDEN);
    assert!(!editor.get("/admin").await.body.contains("href=\"/admin/cdn\""));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_site_settings_change_purges_everything() {
    let mut site = Site::new().await;
    let (base, receiver) = Receiver::start(0).await;
    let purger = with_hook(&mut site, http_hook(&base)).await;
    let store = site.store.as_ref();
    site.publish(&site.draft("Talks resume in Istanbul"), "2025-02-27T08:00:00Z").await;
    let mut settings = store.settings().await.unwrap();
    settings.name = "The Evening Post".into();
    store.save_settings(&settings).await.unwrap();
    purger.run_once(store).await;
    let seen = receiver.seen();
    assert_eq!(seen.len(), 1, "one purge for the batch");
    assert_eq!(seen[0].json(), serde_json::json!({ "all": true }));
    let page = site.get("/").await;
    assert!(surrogate_keys(&page).contains("site"), "every kept page goes with everything");
}

/// Each provider's request, against the receiver standing in for its API.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_provider_is_sent_its_own_request() {
    for provider in ["fastly", "cloudflare", "varnish", "http"] {
        let mut site = Site::new().await;
        let (base, receiver) = Receiver::start(0).await;
        let endpoint = if provider == "varnish" { format!("{base}/") } else { base.clone() };
        let settings = cdn::Settings::from_config(&cdn::Config {
            purge: Some(provider),
            endpoint: Some(&endpoint),
            service_id: Some("SVC123"),
            zone_id: Some("zone9"),
            token: Some("s3cret-token"),
        })
        .unwrap()
        .unwrap();
        // The default egress policy refuses the receiver's address: the hook does not start.
        let refused = site.state.clone().with_cdn(Some(settings.clone()));
        assert!(matches!(refused, Err(cdn::StartError::Refused(_))), "{provider}");

        let purger = with_hook(&mut site, settings).await;
        let store = site.store.as_ref();
        let before = store.last_page_change().await.unwrap();
        site.publish(&site.draft("Talks resume in Istanbul"), "2025-02-27T08:00:00Z").await;
        let logged = logged_after(&site, before).await;
        purger.run_once(store).await;
        let mut settings = store.settings().await.unwrap();
        settings.name = "The Evening Post".into();
        store.save_settings(&settings).await.unwrap();
        purger.run_once(store).await;
        let seen = receiver.seen();
        assert_eq!(seen.len(), 2, "{provider}: the story, then everything");
        let (keys, all) = (&seen[0], &seen[1]);
        let space_separated = |text: &str| text.split(' ').map(str::to_owned).collect::<BTreeSet<_>>();
        match provider {
            "fastly" => {
                assert_eq!((keys.method.as_str(), keys.path.as_str()), ("POST", "/service/SVC123/purge"));
                assert_eq!(keys.header("fastly-key"), "s3cret-token");
                assert_eq!(space_separated(keys.header("surrogate-key")), logged);
                assert_eq!((all.method.as_str(), all.path.as_str()), ("POST", "/service/SVC123/purge_all"));
                assert_eq!(all.header("fastly-key"), "s3cret-token");
                assert_eq!(all.header("surrogate-key"), "");
            }
            "cloudflare" => {
                assert_eq!((keys.method.as_str(), keys.path.as_str()), ("POST", "/zones/zone9/purge_cache"));
                assert_eq!(keys.header("authorization"), "Bearer s3cret-token");
                assert_eq!(keys.header("content-type"), "application/json");
                let body = keys.json();
                assert_eq!(body.as_object().unwrap().len(), 1, "{body}");
                assert_eq!(strings(body["tags"].as_array().unwrap()), logged);
                assert_eq!(all.path, "/zones/zone9/purge_cache");
                assert_eq!(all.json(), serde_json::json!({ "purge_everything": true }));
            }
            "varnish" => {
                assert_eq!((keys.method.as_str(), keys.path.as_str()), ("PURGE", "/"));
                assert_eq!(space_separated(keys.header("xkey-purge")), logged);
                assert!(keys.body.is_empty());
                assert_eq!((all.method.as_str(), all.header("xkey-purge")), ("PURGE", "site"));
            }
            _ => {
                assert_eq!((keys.method.as_str(), keys.path.as_str()), ("POST", "/"));
                assert_eq!(keys.header("authorization"), "Bearer s3cret-token");
                assert_eq!(strings(keys.json()["keys"].as_array().unwrap()), logged);
                assert_eq!(all.json(), serde_json::json!({ "all": true }));
            }
        }
        let log = store.recent_cdn_purges(10).await.unwrap();
        assert!(
            log.iter().all(|p| p.status == PurgeStatus::Purged && p.attempts == 1),
            "{provider}: {log:?}"
        );
    }
}
