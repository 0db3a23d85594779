//! The egress policy against real servers on 127.0.0.1 and [::1]: polled feeds, webhook
//! deliveries and wire pictures at loopback, link-local (cloud metadata), private and
//! IPv4-in-IPv6 addresses are refused with "refused: not a public address" and never reach
//! the server; so is a name that resolves to loopback (a test resolver) and a redirect from
//! an allowed server to a private address. The allow-list admits exactly what it lists.

use crate::polling::{polled_source, wait_until};
use crate::support::{NOW, Site, at};
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use dateline_core::{DeliveryStatus, SourceId, StoryEvent};
use dateline_newsroom::egress::{Egress, Lookup, REFUSED};
use dateline_newsroom::{Clock, poller, webhooks};
use futures_util::future::BoxFuture;
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// A server that counts every request it gets: a feed (`/feed`), a webhook receiver
/// (`/hook`), a picture (`/pic.jpg`), and `/moved`, a redirect to `redirect`.
#[derive(Clone, Default)]
struct Target {
    hits: Arc<AtomicUsize>,
    redirect: Arc<Mutex<String>>,
}

impl Target {
    fn hits(&self) -> usize {
        self.hits.load(Ordering::SeqCst)
    }
}

const FEED: &str = r#"<?xml version="1.0"?><rss version="2.0"><channel><title>Agency</title>
<link>https://wire.example.com/</link><item><guid>egress-1</guid><title>Reached the agency</title>
<description>Body.</description></item></channel></rss>"#;

async fn count(State(t): State<Target>, request: axum::extract::Request) -> Response {
    t.hits.fetch_add(1, Ordering::SeqCst);
    match request.uri().path() {
        "/feed" => ([(header::CONTENT_TYPE, "application/rss+xml")], FEED).into_response(),
        "/hook" => StatusCode::NO_CONTENT.into_response(),
        "/pic.jpg" => {
            let jpeg = crate::media::picture(40, 30, image::ImageFormat::Jpeg);
            ([(header::CONTENT_TYPE, "image/jpeg")], jpeg).into_response()
        }
        "/moved" => Redirect::temporary(&t.redirect.lock().unwrap()).into_response(),
        _ => StatusCode::NOT_FOUND.into_response(),
    }
}

/// Starts a [`Target`] listening on `bind` ("127.0.0.1:0", "[::1]:0"); it and its port.
async fn serve(bind: &str) -> (Target, u16) {
    let target = Target::default();
    let app = axum::Router::new().fallback(count).with_state(target.clone());
    let listener = tokio::net::TcpListener::bind(bind).await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (target, port)
}

/// The addresses every kind of request must be refused at: a server on 127.0.0.1 (port
/// `p4`) and on [::1] (port `p6`), cloud metadata, a private network, and the 127.0.0.1
/// server again as IPv4-mapped and NAT64 IPv6.
fn refused_hosts(p4: u16, p6: u16) -> [String; 6] {
    [
        format!("127.0.0.1:{p4}"),
        format!("[::1]:{p6}"),
        "169.254.169.254".into(),
        "10.0.0.1".into(),
        format!("[::ffff:127.0.0.1]:{p4}"),
        format!("[64:ff9b::7f00:1]:{p4}"),
    ]
}

fn poller(site: &Site, egress: Egress, stop: &CancellationToken) -> tokio::task::JoinHandle<()> {
    tokio::spawn(poller::run(
        site.store.clone(),
        Clock::System,
        site.state.wire_images.clone(),
        site.state.drop_root.clone(),
        egress,
        stop.clone(),
    ))
}

fn deliverer(site: &Site, egress: Egress, stop: &CancellationToken) -> tokio::task::JoinHandle<()> {
    tokio::spawn(webhooks::run(site.store.clone(), Clock::System, egress, stop.clone()))
}

/// The error recorded for each source once each has failed at least once.
async fn poll_errors(site: &Site, sources: &[SourceId]) -> Vec<Option<String>> {
    let failed = wait_until(Duration::from_secs(10), async || {
        for source in sources {
            if site.store.poll_status(*source).await.unwrap().failures == 0 {
                return false;
            }
        }
        true
    })
    .await;
    assert!(failed, "every source was polled and failed");
    let mut errors = Vec::new();
    for source in sources {
        errors.push(site.store.poll_status(*source).await.unwrap().last_error);
    }
    errors
}

/// The delivery log (url, error) once `count` deliveries have been tried.
async fn delivery_errors(site: &Site, count: usize) -> Vec<(String, Option<String>)> {
    let tried = wait_until(Duration::from_secs(10), async || {
        let log = site.store.recent_deliveries(20).await.unwrap();
        log.len() == count && log.iter().all(|d| d.attempts >= 1)
    })
    .await;
    assert!(tried, "every delivery was tried");
    let log = site.store.recent_deliveries(20).await.unwrap();
    for delivery in &log {
        assert_eq!(
            (delivery.status, delivery.last_status_code),
            (DeliveryStatus::Pending, None),
            "{delivery:?}"
        );
    }
    log.into_iter().map(|d| (d.url, d.last_error)).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn feeds_at_non_public_addresses_are_refused_and_never_fetched() {
    let site = Site::new().await;
    let (v4, p4) = serve("127.0.0.1:0").await;
    let (v6, p6) = serve("[::1]:0").await;
    let mut sources = Vec::new();
    for (n, host) in refused_hosts(p4, p6).iter().enumerate() {
        sources.push(polled_source(&site, &format!("Wire {n}"), format!("http://{host}/feed")).await);
    }
    let stop = CancellationToken::new();
    let runner = poller(&site, Egress::public_only(), &stop);
    let errors = poll_errors(&site, &sources).await;
    stop.cancel();
    runner.await.unwrap();
    for (host, error) in refused_hosts(p4, p6).iter().zip(errors) {
        assert_eq!(error.as_deref(), Some(REFUSED), "{host}");
    }
    assert_eq!((v4.hits(), v6.hits()), (0, 0), "no request reached either server");
    assert_eq!(site.store.story_count().await.unwrap(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webhooks_to_non_public_addresses_are_refused_and_never_sent() {
    let site = Site::new().await;
    let (v4, p4) = serve("127.0.0.1:0").await;
    let (v6, p6) = serve("[::1]:0").await;
    for host in refused_hosts(p4, p6) {
        let url = format!("http://{host}/hook");
        site.store.create_webhook(&url, "k", &[StoryEvent::Published], at(NOW)).await.unwrap();
    }
    let stop = CancellationToken::new();
    let worker = deliverer(&site, Egress::public_only(), &stop);
    site.publish(&site.draft("Told to nobody"), NOW).await;
    let log = delivery_errors(&site, 6).await;
    stop.cancel();
    worker.await.unwrap();
    for (url, error) in log {
        assert_eq!(error.as_deref(), Some(REFUSED), "{url}");
    }
    assert_eq!((v4.hits(), v6.hits()), (0, 0), "no request reached either server");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pictures_at_non_public_addresses_are_refused_and_never_fetched() {
    let site = Site::new().await;
    let (v4, p4) = serve("127.0.0.1:0").await;
    let (v6, p6) = serve("[::1]:0").await;
    let source = polled_source(&site, "Picture Wire", "https://wire.example.com/feed".into()).await;
    let items: String = refused_hosts(p4, p6)
        .iter()
        .enumerate()
        .map(|(n, host)| {
            format!(
                "<item><guid>pic-{n}</guid><title>Pictured {n}</title><description>Body.</description>\
                 <enclosure url=\"http://{host}/pic.jpg\" length=\"1000\" type=\"image/jpeg\"/></item>"
            )
        })
        .collect();
    let rss = format!(
        "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Agency</title>\
         <link>https://wire.example.com/</link>{items}</channel></rss>"
    );
    let images = &site.state.wire_images;
    dateline_newsroom::wire::take_in(
        site.store.as_ref(),
        images,
        source,
        rss.as_bytes(),
        None,
        None,
        at(NOW),
    )
    .await
    .unwrap();
    assert!(wait_until(Duration::from_secs(10), async || images.is_idle()).await, "every picture was tried");
    assert_eq!((v4.hits(), v6.hits()), (0, 0), "no request reached either server");
    for host in refused_hosts(p4, p6) {
        let url = format!("http://{host}/pic.jpg");
        assert!(site.store.media_by_origin(&url).await.unwrap().is_none(), "{url}");
    }
    let items = site.store.wire_items(Some(source), None, 10).await.unwrap();
    assert_eq!(items.len(), 6);
    for item in items {
        let story = site.store.story(item.story.unwrap()).await.unwrap().unwrap();
        assert!(story.image.is_none(), "{} has no picture", story.headline);
    }
}

/// Names resolved from a fixed table instead of DNS.
struct Names(HashMap<&'static str, Vec<IpAddr>>);

impl Lookup for Names {
    fn lookup<'a>(&'a self, host: &'a str) -> BoxFuture<'a, std::io::Result<Vec<IpAddr>>> {
        let found = self.0.get(host).cloned().ok_or_else(|| std::io::Error::other("no such name"));
        Box::pin(async move { found })
    }
}

fn names() -> Arc<Names> {
    let loopback: Vec<IpAddr> = vec!["127.0.0.1".parse().unwrap()];
    let private: Vec<IpAddr> = vec!["::1".parse().unwrap(), "10.0.0.1".parse().unwrap()];
    Arc::new(Names(HashMap::from([
        ("feeds.agency.test", loopback.clone()),
        ("hooks.agency.test", loopback),
        ("private.agency.test", private),
    ])))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_name_that_resolves_to_a_private_address_is_refused() {
    let site = Site::new().await;
    let (v4, p4) = serve("127.0.0.1:0").await;
    let feed = polled_source(&site, "Named Wire", format!("http://feeds.agency.test:{p4}/feed")).await;
    let other = polled_source(&site, "Other Wire", format!("http://private.agency.test:{p4}/feed")).await;
    let hook = format!("http://hooks.agency.test:{p4}/hook");
    site.store.create_webhook(&hook, "k", &StoryEvent::ALL, at(NOW)).await.unwrap();
    let strict = Egress::public_only().with_lookup(names());
    let stop = CancellationToken::new();
    let (runner, worker) = (poller(&site, strict.clone(), &stop), deliverer(&site, strict, &stop));
    site.publish(&site.draft("Told to a name"), NOW).await;
    let errors = poll_errors(&site, &[feed, other]).await;
    let log = delivery_errors(&site, 1).await;
    stop.cancel();
    runner.await.unwrap();
    worker.await.unwrap();
    assert_eq!(errors, [Some(REFUSED.to_owned()), Some(REFUSED.to_owned())]);
    assert_eq!(log[0].1.as_deref(), Some(REFUSED));
    assert_eq!(v4.hits(), 0, "nothing reached the server the name points at");

    // The same name listed in the allow-list is fetched: the resolver above is the one used.
    let allowed = Egress::allowing(&["feeds.agency.test"]).unwrap().with_lookup(names());
    site.store.set_polling(feed, 10, jiff::Timestamp::now()).await.unwrap();
    let stop = CancellationToken::new();
    let runner = poller(&site, allowed, &stop);
    let fetched = wait_until(Duration::from_secs(10), async || {
        site.store.poll_status(feed).await.unwrap().last_success_at.is_some()
    })
    .await;
    stop.cancel();
    runner.await.unwrap();
    assert!(fetched, "an allowed name is fetched");
    assert_eq!(v4.hits(), 1);
    assert_eq!(site.store.story_count().await.unwrap(), 2, "the published story and the agency's item");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redirect_from_an_allowed_server_to_a_private_address_is_refused() {
    let site = Site::new().await;
    let (allowed, p4) = serve("127.0.0.1:0").await;
    let (inside, p6) = serve("[::1]:0").await;
    let feed = polled_source(&site, "Moved Wire", format!("http://127.0.0.1:{p4}/moved")).await;
    let hook = format!("http://127.0.0.1:{p4}/moved");
    site.store.create_webhook(&hook, "k", &StoryEvent::ALL, at(NOW)).await.unwrap();
    let stop = CancellationToken::new();
    let egress = crate::support::loopback();
    for to in [format!("http://[::1]:{p6}/feed"), "http://169.254.169.254/latest/meta-data/".into()] {
        *allowed.redirect.lock().unwrap() = to.clone();
        // Due now, its failures counted from 0 again.
        site.store.set_polling(feed, 10, jiff::Timestamp::now()).await.unwrap();
        let runner = poller(&site, egress.clone(), &stop);
        let failed = wait_until(Duration::from_secs(10), async || {
            site.store.poll_status(feed).await.unwrap().failures >= 1
        })
        .await;
        runner.abort();
        assert!(failed, "polled again");
        let error = site.store.poll_status(feed).await.unwrap().last_error;
        assert_eq!(error.as_deref(), Some(REFUSED), "redirected to {to}");
    }
    assert_eq!(allowed.hits(), 2, "the allowed server was asked each time");
    *allowed.redirect.lock().unwrap() = format!("http://[::1]:{p6}/hook");
    let worker = deliverer(&site, egress, &stop);
    site.publish(&site.draft("Told through a redirect"), NOW).await;
    let log = delivery_errors(&site, 1).await;
    stop.cancel();
    worker.await.unwrap();
    assert_eq!(log[0].1.as_deref(), Some(REFUSED));
    assert_eq!(inside.hits(), 0, "nothing reached the address redirected to");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_allow_list_admits_exactly_what_it_lists() {
    let site = Site::new().await;
    let (listed, p4) = serve("127.0.0.1:0").await;
    let (v6, p6) = serve("[::1]:0").await;
    let (neighbour, p2) = serve("127.0.0.2:0").await;
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let fetched = polled_source(&site, "Listed Wire", format!("http://127.0.0.1:{p4}/feed")).await;
    let others = [
        polled_source(&site, "Six Wire", format!("http://[::1]:{p6}/feed")).await,
        polled_source(&site, "Neighbour Wire", format!("http://127.0.0.2:{p2}/feed")).await,
        polled_source(&site, "Closed Wire", format!("http://{closed}/feed")).await,
    ];
    let stop = CancellationToken::new();
    let runner = poller(&site, crate::support::loopback(), &stop);
    let errors = poll_errors(&site, &others).await;
    let ok = wait_until(Duration::from_secs(10), async || {
        site.store.poll_status(fetched).await.unwrap().last_success_at.is_some()
    })
    .await;
    stop.cancel();
    runner.await.unwrap();
    assert!(ok, "127.0.0.1, listed, is fetched");
    assert_eq!(listed.hits(), 1);
    assert!(crate::support::text(&site.get("/").await.body).contains("Reached the agency"));
    assert_eq!(
        errors,
        [Some(REFUSED.to_owned()), Some(REFUSED.to_owned()), Some("could not connect".to_owned())],
        "::1 and 127.0.0.2 are not listed; a closed port on a listed address only says it could not connect"
    );
    assert_eq!((v6.hits(), neighbour.hits()), (0, 0));
}
