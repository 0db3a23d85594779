//! Wire pictures: the picture an agency sends with an item (RSS `media:content` or enclosure,
//! a ninjs association, NewsML-G2 remote content; see `WireItem::incoming`) is fetched into
//! the media library after the item is committed — never before a push is answered — and
//! given to the item's story.
//!
//! The poller, the push endpoint and drop folders hand their ingest results to
//! [`WireImages::after_ingest`], which queues each picture address once (items sharing an
//! address wait on one download) and starts at most [`Settings::workers`] tasks; a task
//! ends when the queue is empty. A download is bounded in time (the whole request, body
//! included), in size (Content-Length first, then the bytes as they come, never more than
//! the library's `max_bytes` in memory) and in redirects, and goes through the egress policy
//! (`crate::egress`: http(s) and public addresses only, unless `dateline.toml` allows more). What the bytes are is decided by sniffing them (here for the first bytes,
//! then by [`crate::media::take_in`]), never by the name or the declared type. An address
//! already fetched is not fetched again ([`Store::media_by_origin`]). The store then gives
//! the picture to the story if it has none ([`Store::attach_wire_picture`]); an item still
//! on the desk gets it when published, the store finding it by its address. Failures are
//! logged with the source and address and change nothing else.
//!
//! The queue lives in memory: pictures still waiting when the process stops are not fetched.

use crate::Clock;
use crate::egress::{self, Denied, Egress};
use crate::media::{Pictures, TakeError, take_in};
use dateline_core::{IncomingItem, IngestAction, Media, SourceId, WirePicture};
use dateline_store::Store;
use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

/// How wire pictures are fetched.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The longest a download may take, from connecting to the last byte.
    pub timeout: Duration,
    /// Redirects followed at most.
    pub max_redirects: usize,
    /// Downloads at a time.
    pub workers: usize,
    /// Addresses waiting at most; more are dropped (and logged) until the queue drains.
    pub max_queued: usize,
}

impl Default for Settings {
    fn default() -> Self {
        Self { timeout: Duration::from_secs(15), max_redirects: 3, workers: 2, max_queued: 1000 }
    }
}

/// Why a picture was not taken in.
#[derive(Debug, thiserror::Error)]
pub(crate) enum Failure {
    #[error(transparent)]
    Denied(#[from] Denied),
    #[error("{0}")]
    Request(String),
    #[error("the address answered {0}")]
    Status(reqwest::StatusCode),
    #[error("the picture is larger than {max} bytes")]
    TooLarge { max: usize },
    #[error("the answer is not a JPEG, PNG, WebP, GIF or AVIF picture (it said it was {declared:?})")]
    NotAPicture { declared: String },
    #[error("no answer within {0:?}")]
    TimedOut(Duration),
    #[error("the picture was refused: {0}")]
    Take(#[from] TakeError),
    #[error("the database failed: {0}")]
    Store(#[from] dateline_store::StoreError),
    #[error("the download client could not be made")]
    NoClient,
}

/// One picture address and the items waiting for it.
struct Job {
    /// The words of the first item that sent it (the library keeps those).
    picture: WirePicture,
    items: Vec<(SourceId, String)>,
}

#[derive(Default)]
struct Queue {
    /// Addresses not yet started, oldest first.
    waiting: VecDeque<String>,
    /// Every address waiting or being fetched, with its items.
    jobs: HashMap<String, Job>,
    /// Tasks running.
    workers: usize,
}

struct Inner {
    store: Arc<dyn Store>,
    pictures: Pictures,
    clock: Clock,
    settings: Settings,
    egress: Egress,
    client: OnceLock<Option<egress::Client>>,
    queue: Mutex<Queue>,
    /// Items taken in since start, by what the store did with them ([`INGEST_ACTIONS`]).
    taken_in: [AtomicU64; INGEST_ACTIONS.len()],
}

/// What the store can do with an item taken in, in the order [`WireImages::taken_in`]
/// counts them (`IngestAction`'s variants, as operators' metrics name them).
pub const INGEST_ACTIONS: [&str; 6] = ["published", "scheduled", "held", "updated", "killed", "unchanged"];

fn action_index(action: &IngestAction) -> usize {
    match action {
        IngestAction::Published(_) => 0,
        IngestAction::Scheduled(_) => 1,
        IngestAction::Held => 2,
        IngestAction::Updated(_) => 3,
        IngestAction::Killed(_) => 4,
        IngestAction::Unchanged => 5,
    }
}

/// The wire-picture queue at one moment ([`WireImages::queue`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueueDepth {
    /// Addresses waiting for a download to start.
    pub waiting: usize,
    /// Downloads running now (at most [`Settings::workers`]).
    pub fetching: usize,
}

/// The wire picture fetcher; cheap to clone (clones share the queue).
#[derive(Clone)]
pub struct WireImages {
    inner: Arc<Inner>,
}

impl WireImages {
    /// A fetcher keeping pictures in `pictures` (whose limits bound each download) and
    /// recording them in `store`, reaching only what `egress` admits.
    pub fn new(
        store: Arc<dyn Store>,
        pictures: Pictures,
        clock: Clock,
        egress: Egress,
        settings: Settings,
    ) -> Self {
        let inner = Inner {
            store,
            pictures,
            clock,
            settings,
            egress,
            client: OnceLock::new(),
            queue: Mutex::new(Queue::default()),
            taken_in: Default::default(),
        };
        Self { inner: Arc::new(inner) }
    }

    /// Queues the pictures of items just taken in from `source` (`actions` as the store
    /// returned them, one per item): those of new, updated and held items. Returns at once.
    pub fn after_ingest(&self, source: SourceId, items: &[IncomingItem], actions: &[IngestAction]) {
        // Every take-in (push, poll, drop folder) passes here: the place to count items.
        for action in actions {
            self.inner.taken_in[action_index(action)].fetch_add(1, Ordering::Relaxed);
        }
        let mut queue = self.inner.lock();
        for (item, action) in items.iter().zip(actions) {
            let wanted =
                matches!(action, IngestAction::Published(_) | IngestAction::Updated(_) | IngestAction::Held);
            let Some(picture) = item.picture.as_ref().filter(|_| wanted) else { continue };
            let entry = (source, item.guid.clone());
            if let Some(job) = queue.jobs.get_mut(&picture.url) {
                if !job.items.contains(&entry) {
                    job.items.push(entry);
                }
                continue;
            }
            if queue.waiting.len() >= self.inner.settings.max_queued {
                tracing::warn!(%source, url = %picture.url, "wire picture dropped: too many waiting");
                continue;
            }
            queue.waiting.push_back(picture.url.clone());
            queue.jobs.insert(picture.url.clone(), Job { picture: picture.clone(), items: vec![entry] });
        }
        let Ok(runtime) = tokio::runtime::Handle::try_current() else { return };
        while queue.workers < self.inner.settings.workers.max(1) && queue.workers < queue.waiting.len() {
            queue.workers += 1;
            runtime.spawn(work(Running { inner: self.inner.clone(), counted: true, current: None }));
        }
    }

    /// How pictures are fetched.
    pub fn settings(&self) -> &Settings {
        &self.inner.settings
    }

    /// Whether nothing is waiting or being fetched (for tests).
    pub fn is_idle(&self) -> bool {
        let queue = self.inner.lock();
        queue.jobs.is_empty() && queue.workers == 0
    }

    /// How many addresses wait and how many are being fetched now (for operators' metrics).
    pub fn queue(&self) -> QueueDepth {
        let queue = self.inner.lock();
        QueueDepth {
            waiting: queue.waiting.len(),
            fetching: queue.jobs.len().saturating_sub(queue.waiting.len()),
        }
    }

    /// Items taken in since start, by what the store did with them, in the order of
    /// [`INGEST_ACTIONS`]: every take-in hands its results here.
    pub fn taken_in(&self) -> [u64; INGEST_ACTIONS.len()] {
        std::array::from_fn(|i| self.inner.taken_in[i].load(Ordering::Relaxed))
    }
}

impl Inner {
    fn lock(&self) -> std::sync::MutexGuard<'_, Queue> {
        self.queue.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn client(&self) -> Option<&egress::Client> {
        self.client
            .get_or_init(|| {
                build_client(&self.egress, &self.settings)
                    .inspect_err(|e| tracing::error!(error = %e, "the wire picture client could not be made"))
                    .ok()
            })
            .as_ref()
    }

    /// The library picture for `url`: the one fetched before, or a new download.
    async fn take(&self, url: &str, picture: &WirePicture, source: SourceId) -> Result<Media, Failure> {
        if let Some(known) = self.store.media_by_origin(url).await? {
            return Ok(known);
        }
        let client = self.client().ok_or(Failure::NoClient)?;
        let max = self.pictures.limits.max_bytes;
        let timeout = self.settings.timeout;
        let bytes = tokio::time::timeout(timeout, download(client, url, max))
            .await
            .map_err(|_| Failure::TimedOut(timeout))??;
        let credit = match self.store.wire_source(source).await? {
            Some(s) => s.source.credit,
            None => String::new(),
        };
        let text = picture.media_text(&credit);
        let media = take_in(self.store.as_ref(), &self.pictures, bytes, text, url, self.clock.now()).await?;
        if media.origin != url {
            // The same file as a picture already kept (another address, an upload).
            self.store.add_media_origin(media.id, url).await?;
        }
        Ok(media)
    }
}

/// A running task, counted in [`Queue::workers`] until it finds the queue empty (counted out
/// under the same lock, so a picture queued meanwhile starts a new task) or stops otherwise
/// (a panic: then the address it was on is dropped too, so nothing waits on it for ever).
struct Running {
    inner: Arc<Inner>,
    counted: bool,
    current: Option<String>,
}

impl Drop for Running {
    fn drop(&mut self) {
        if self.counted {
            let mut queue = self.inner.lock();
            queue.workers = queue.workers.saturating_sub(1);
            if let Some(url) = self.current.take() {
                queue.jobs.remove(&url);
            }
        }
    }
}

async fn work(mut running: Running) {
    let inner = running.inner.clone();
    loop {
        let (url, picture, first) = {
            let mut queue = inner.lock();
            let Some(url) = queue.waiting.pop_front() else {
                queue.workers = queue.workers.saturating_sub(1);
                running.counted = false;
                return;
            };
            let Some((picture, first)) =
                queue.jobs.get(&url).and_then(|job| Some((job.picture.clone(), job.items.first()?.0)))
            else {
                queue.jobs.remove(&url);
                continue;
            };
            running.current = Some(url.clone());
            (url, picture, first)
        };
        let outcome = inner.take(&url, &picture, first).await;
        // Items that came for this address while it was fetched are served too.
        let items = inner.lock().jobs.remove(&url).map(|job| job.items).unwrap_or_default();
        running.current = None;
        match outcome {
            Ok(media) => {
                for (source, guid) in items {
                    match inner.store.attach_wire_picture(source, &guid, inner.clock.now()).await {
                        Ok(Some(story)) => {
                            tracing::info!(%source, %guid, %url, story = %story, media = %media.id, "wire picture given to its story");
                        }
                        Ok(None) => {}
                        Err(e) => {
                            tracing::warn!(%source, %guid, %url, error = %e, "wire picture not given to its story")
                        }
                    }
                }
            }
            Err(e) => {
                let sources: Vec<String> = items.iter().map(|(s, _)| s.to_string()).collect();
                tracing::warn!(source = %first, sources = %sources.join(","), %url, error = %e, "wire picture not taken in");
            }
        }
    }
}

/// The HTTP client for pictures, held to `egress`: the whole request bounded by the
/// timeout, at most `max_redirects` redirects.
fn build_client(egress: &Egress, settings: &Settings) -> reqwest::Result<egress::Client> {
    egress.client(&egress::Options {
        timeout: settings.timeout,
        max_redirects: settings.max_redirects,
        user_agent: "Dateline-Pictures/1",
    })
}

/// Fetches `url`, refusing more than `max` bytes (before reading when the length is given),
/// anything whose first bytes are not those of a picture, and what the egress policy refuses.
pub(crate) async fn download(client: &egress::Client, url: &str, max: usize) -> Result<Vec<u8>, Failure> {
    let request = client.request(reqwest::Method::GET, url)?;
    let mut response = request.send().await.map_err(|e| Failure::Request(egress::describe(&e)))?;
    let status = response.status();
    if !status.is_success() {
        return Err(Failure::Status(status));
    }
    if response.content_length().is_some_and(|n| n > max as u64) {
        return Err(Failure::TooLarge { max });
    }
    let declared = response
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let expected = response.content_length().and_then(|n| usize::try_from(n).ok()).unwrap_or(64 * 1024);
    let mut body = Vec::with_capacity(expected.min(max));
    let mut sniffed = false;
    while let Some(chunk) = response.chunk().await.map_err(|e| Failure::Request(egress::describe(&e)))? {
        if body.len() + chunk.len() > max {
            return Err(Failure::TooLarge { max });
        }
        body.extend_from_slice(&chunk);
        if !sniffed && body.len() >= SNIFF_BYTES {
            sniffed = true;
            if dateline_media::sniff(&body).is_none() {
                return Err(Failure::NotAPicture { declared });
            }
        }
    }
    Ok(body)
}

/// Enough of a file to tell every format `dateline_media::sniff` knows.
const SNIFF_BYTES: usize = 32;

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use axum::body::{Body, Bytes};
    use axum::http::header;
    use axum::response::IntoResponse;

    const JPEG: &[u8] =
        b"\xFF\xD8\xFF\xE0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00 and the rest of a picture";

    async fn server() -> String {
        let endless = || async {
            let head =
                futures_util::stream::once(async { Ok::<_, std::io::Error>(Bytes::from_static(JPEG)) });
            let tail = futures_util::stream::repeat_with(|| Ok(Bytes::from(vec![0u8; 8192])));
            Body::from_stream(futures_util::StreamExt::chain(head, tail))
        };
        let app = axum::Router::new()
            .route("/jpeg", axum::routing::get(|| async { JPEG }))
            .route("/long", axum::routing::get(|| async { vec![0xFFu8; 5000] }))
            .route("/endless", axum::routing::get(endless))
            .route(
                "/html",
                axum::routing::get(|| async {
                    (
                        [(header::CONTENT_TYPE, "image/jpeg")],
                        "<html><body>a login page, not a picture</body></html>",
                    )
                        .into_response()
                }),
            )
            .route("/gone", axum::routing::get(|| async { axum::http::StatusCode::GONE }))
            .route("/loop", axum::routing::get(|| async { axum::response::Redirect::temporary("/loop") }))
            .route(
                "/ftp",
                axum::routing::get(|| async { axum::response::Redirect::temporary("ftp://127.0.0.1/a.jpg") }),
            );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        base
    }

    /// A client that may reach the test server on 127.0.0.1.
    fn client() -> egress::Client {
        build_client(&Egress::allowing(&["127.0.0.1"]).unwrap(), &Settings::default()).unwrap()
    }

    #[tokio::test]
    async fn downloads_are_bounded_and_sniffed() {
        let base = server().await;
        let client = client();
        let get = async |path: &str, max: usize| download(&client, &format!("{base}{path}"), max).await;
        assert_eq!(get("/jpeg", 1000).await.unwrap(), JPEG);
        assert!(matches!(get("/long", 1000).await, Err(Failure::TooLarge { max: 1000 })), "by its length");
        assert!(matches!(get("/endless", 100_000).await, Err(Failure::TooLarge { .. })), "by counting");
        match get("/html", 1000).await {
            Err(Failure::NotAPicture { declared }) => assert_eq!(declared, "image/jpeg"),
            other => panic!("{other:?}"),
        }
        assert!(matches!(get("/gone", 1000).await, Err(Failure::Status(s)) if s.as_u16() == 410));
        match get("/loop", 1000).await {
            Err(Failure::Request(reason)) => assert!(reason.contains("more than 3 redirects"), "{reason}"),
            other => panic!("{other:?}"),
        }
        assert!(matches!(get("/ftp", 1000).await, Err(Failure::Request(_))));
        assert!(matches!(
            download(&client, "file:///etc/passwd", 1000).await,
            Err(Failure::Denied(Denied::NotWeb))
        ));
        assert!(matches!(
            download(&client, "not an address", 1000).await,
            Err(Failure::Denied(Denied::NotWeb))
        ));
    }

    #[tokio::test]
    async fn private_networks_are_out_of_reach_by_default() {
        let base = server().await;
        let strict = build_client(&Egress::public_only(), &Settings::default()).unwrap();
        let port = base.rsplit(':').next().unwrap();
        for url in [
            format!("{base}/jpeg"),
            "http://[::1]/x.jpg".into(),
            "http://169.254.169.254/latest/meta-data".into(),
            "http://10.0.0.7/a.jpg".into(),
            format!("http://[::ffff:127.0.0.1]:{port}/jpeg"),
            format!("http://[64:ff9b::7f00:1]:{port}/jpeg"),
        ] {
            let refused = download(&strict, &url, 1000).await.unwrap_err();
            assert_eq!(refused.to_string(), egress::REFUSED, "{url}");
        }
        // A name that resolves to a local address is refused by the resolver, in the same words.
        let named = base.replace("127.0.0.1", "localhost");
        let refused = download(&strict, &format!("{named}/jpeg"), 1000).await.unwrap_err();
        assert_eq!(refused.to_string(), egress::REFUSED);
    }
}
