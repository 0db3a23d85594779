//! The rendered-page cache and HTTP freshness of the public site.
//!
//! A public handler that can be cached says so by attaching [`PageDeps`] to its response:
//! the change keys the page depends on (`dateline_core::ChangeKey`: the front, a story, a
//! section, tag, author or source; every page also depends on the whole site) and its
//! `Cache-Control`.
//! The middleware [`serve_cached`] keeps such responses in memory with a strong ETag and a
//! Last-Modified, answers `If-None-Match` / `If-Modified-Since` with 304, and compresses
//! each page once per encoding (brotli, gzip) instead of on every request.
//!
//! Freshness: the store writes every public change to a change log as the keys it touched
//! (`dateline_store::local_changes` moves when this process writes one). Before serving, the
//! cache reads the log when this process changed something, and the newsroom's workers read
//! it every `dateline_newsroom::worker::FOLLOW` for changes made by other processes, dropping exactly the pages that
//! depend on a touched key. A page rendered while a change came in is not kept.
//!
//! Bursts: requests for a page that is being rendered wait for that render instead of
//! rendering it too, and requests that find the cache behind after a write read the log
//! once between them (docs/PERFORMANCE.md has the figures).

use crate::state::AppState;
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use dateline_core::ChangeKey;
use dateline_store::Store;
use std::collections::{BTreeSet, HashMap, HashSet};
use std::io::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

/// Memory the cached pages may use, all encodings counted: about 3,000 story pages in
/// every encoding (the recent ones readers load), within the 300 MB the whole process must
/// stay under at 1,000,000 stories (docs/PERFORMANCE.md).
pub const MAX_BYTES: usize = 64 * 1024 * 1024;
/// A page larger than this is served but not kept.
const MAX_PAGE: usize = 8 * 1024 * 1024;

/// `Cache-Control` for fronts, lists and feeds: short, and stale while a fresh copy is got.
pub const FRONT: &str = "public, max-age=30, stale-while-revalidate=60";
/// For a story in its first two days, while it may still change.
pub const STORY_RECENT: &str = "public, max-age=60, stale-while-revalidate=300";
/// For an older story.
pub const STORY_OLD: &str = "public, max-age=600, stale-while-revalidate=3600";
/// For sitemaps and robots.txt.
pub const SITEMAP: &str = "public, max-age=300";

/// `Cache-Control` for a story's page and documents: longer once it is two days old.
pub fn story_cache_control(story: &dateline_core::Story, now: jiff::Timestamp) -> &'static str {
    let published = story.published_at.unwrap_or(story.modified_at);
    let changed = story.updated_at.map_or(published, |u| u.max(published));
    if now.duration_since(changed) < jiff::SignedDuration::from_hours(48) { STORY_RECENT } else { STORY_OLD }
}

/// What a cacheable page depends on, attached to its response by the handler.
#[derive(Debug, Clone)]
pub struct PageDeps {
    pub keys: Vec<ChangeKey>,
    pub cache_control: &'static str,
}

impl PageDeps {
    pub fn new(cache_control: &'static str, keys: impl IntoIterator<Item = ChangeKey>) -> Self {
        Self { keys: keys.into_iter().collect(), cache_control }
    }

    /// Attaches these dependencies to a response, making it cacheable.
    pub fn attach(self, response: impl IntoResponse) -> Response {
        let mut response = response.into_response();
        response.extensions_mut().insert(self);
        response
    }
}

struct Entry {
    content_type: HeaderValue,
    etag: String,
    last_modified: HeaderValue,
    cache_control: &'static str,
    keys: Vec<ChangeKey>,
    identity: Bytes,
    gzip: OnceLock<Bytes>,
    brotli: OnceLock<Bytes>,
}

impl Entry {
    fn bytes(&self) -> usize {
        self.identity.len() + self.gzip.get().map_or(0, Bytes::len) + self.brotli.get().map_or(0, Bytes::len)
    }
}

#[derive(Default)]
struct Pages {
    entries: HashMap<String, Arc<Entry>>,
    by_key: HashMap<ChangeKey, HashSet<String>>,
    bytes: usize,
}

impl Pages {
    fn remove(&mut self, url: &str) {
        if let Some(entry) = self.entries.remove(url) {
            self.bytes = self.bytes.saturating_sub(entry.bytes());
            for key in &entry.keys {
                if let Some(urls) = self.by_key.get_mut(key) {
                    urls.remove(url);
                }
            }
        }
    }

    fn clear(&mut self) {
        self.entries.clear();
        self.by_key.clear();
        self.bytes = 0;
    }
}

/// The log rows applied so far: the highest, and recent ones (PostgreSQL may commit rows
/// out of order, so a window below the highest is read again and de-duplicated).
#[derive(Default)]
struct LogPosition {
    started: bool,
    applied: BTreeSet<i64>,
}

const REREAD: i64 = 1000;

impl LogPosition {
    fn read_from(&self) -> i64 {
        self.applied.last().map_or(0, |high| high - REREAD)
    }
}

/// The cache; cheap to clone.
#[derive(Clone, Default)]
pub struct PageCache(Arc<Inner>);

#[derive(Default)]
struct Inner {
    pages: Mutex<Pages>,
    log: tokio::sync::Mutex<LogPosition>,
    /// The store's local change count when the log was last read.
    seen_local: AtomicU64,
    /// Bumped whenever pages are dropped: a page rendered across a bump is not kept.
    generation: AtomicU64,
    /// Pages being rendered now, by address: a request for one of them waits for that
    /// render instead of rendering the page too (a burst on a cold feed renders it once).
    rendering: Mutex<HashMap<String, tokio::sync::watch::Receiver<()>>>,
    /// Cacheable pages rendered since start (misses), for tests and operators.
    rendered: AtomicU64,
}

/// Held while a page is rendered; waiting requests wake when it is dropped.
struct Rendering {
    cache: PageCache,
    url: String,
    _done: tokio::sync::watch::Sender<()>,
}

impl Drop for Rendering {
    fn drop(&mut self) {
        self.cache.0.rendering.lock().unwrap_or_else(|e| e.into_inner()).remove(&self.url);
    }
}

/// Whether a request renders the page or waits for another request that is rendering it.
enum Turn {
    Render(Rendering),
    Wait(tokio::sync::watch::Receiver<()>),
}

impl PageCache {
    /// Reads new rows of the change log and drops the pages they touch. Returns whether the
    /// whole site changed (settings, sections), so that other caches can be cleared too.
    /// When `seen` is the local change count a request found the cache behind at, and
    /// another request has read the log since, returns at once: requests that arrive
    /// together after a write read the log once, not once each.
    async fn sync(&self, store: &dyn Store, seen: Option<u64>) -> dateline_store::Result<bool> {
        let local = dateline_store::local_changes();
        let mut log = self.0.log.lock().await;
        if let Some(seen) = seen
            && self.0.seen_local.load(Ordering::Acquire) >= seen
            && log.started
        {
            return Ok(false);
        }
        let rows = store.page_changes_after(log.read_from()).await?;
        self.0.seen_local.store(local, Ordering::Release);
        let mut keys: HashSet<ChangeKey> = HashSet::new();
        let mut everything = false;
        if !log.started {
            // Pages cached before the first read cannot be trusted.
            log.started = true;
            everything = true;
        }
        for (id, row_keys) in &rows {
            if log.applied.insert(*id) {
                keys.extend(row_keys.iter().copied());
            }
        }
        if let Some(&high) = log.applied.last() {
            log.applied = log.applied.split_off(&(high - REREAD));
        }
        drop(log);
        let site = everything || keys.contains(&ChangeKey::Site);
        if !site && keys.is_empty() {
            return Ok(false);
        }
        self.0.generation.fetch_add(1, Ordering::AcqRel);
        let mut pages = self.0.pages.lock().unwrap_or_else(|e| e.into_inner());
        if site {
            pages.clear();
        } else {
            for key in keys {
                for url in pages.by_key.remove(&key).unwrap_or_default() {
                    pages.remove(&url);
                }
            }
        }
        Ok(site)
    }

    /// The local change count when this process changed something since the log was last
    /// read.
    fn behind(&self) -> Option<u64> {
        let local = dateline_store::local_changes();
        (local != self.0.seen_local.load(Ordering::Acquire)).then_some(local)
    }

    fn get(&self, url: &str) -> Option<Arc<Entry>> {
        self.0.pages.lock().unwrap_or_else(|e| e.into_inner()).entries.get(url).cloned()
    }

    fn put(&self, url: String, entry: Arc<Entry>, generation: u64) {
        let mut pages = self.0.pages.lock().unwrap_or_else(|e| e.into_inner());
        if self.0.generation.load(Ordering::Acquire) != generation {
            return;
        }
        pages.remove(&url);
        if pages.bytes + entry.bytes() > MAX_BYTES {
            evict(&mut pages);
        }
        pages.bytes += entry.bytes();
        for key in entry.keys.iter() {
            pages.by_key.entry(*key).or_default().insert(url.clone());
        }
        pages.entries.insert(url, entry);
    }

    /// Renders the page at `url`, or waits for the request already rendering it.
    fn turn(&self, url: &str) -> Turn {
        let mut rendering = self.0.rendering.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(done) = rendering.get(url) {
            return Turn::Wait(done.clone());
        }
        let (done, waiting) = tokio::sync::watch::channel(());
        rendering.insert(url.to_owned(), waiting);
        Turn::Render(Rendering { cache: self.clone(), url: url.to_owned(), _done: done })
    }

    /// Counts a compressed copy made after the page was stored.
    fn grew(&self, by: usize) {
        self.0.pages.lock().unwrap_or_else(|e| e.into_inner()).bytes += by;
    }

    /// Whether the page at `url` (path and query) is kept.
    pub fn contains(&self, url: &str) -> bool {
        self.0.pages.lock().unwrap_or_else(|e| e.into_inner()).entries.contains_key(url)
    }

    /// How many cacheable pages were rendered since start: each one a miss.
    pub fn rendered(&self) -> u64 {
        self.0.rendered.load(Ordering::Relaxed)
    }

    /// How many pages are kept, for tests and the health page.
    pub fn len(&self) -> usize {
        self.0.pages.lock().unwrap_or_else(|e| e.into_inner()).entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Drops about a quarter of the pages (the map's order is as good as random).
fn evict(pages: &mut Pages) {
    let victims: Vec<String> = pages.entries.keys().take(pages.entries.len() / 4 + 1).cloned().collect();
    for url in victims {
        pages.remove(&url);
    }
}

/// The page cache follows the change log (run by the newsroom's workers every
/// `dateline_newsroom::worker::FOLLOW`), for changes made by other processes.
impl dateline_newsroom::Follower for AppState {
    fn follow<'a>(&'a self, _store: &'a dyn Store) -> futures_util::future::BoxFuture<'a, ()> {
        Box::pin(sync(self, None))
    }
}

async fn sync(state: &AppState, seen: Option<u64>) {
    match state.page_cache.sync(&*state.store, seen).await {
        Ok(true) => state.site_cache.clear(),
        Ok(false) => {}
        Err(e) => tracing::warn!(error = %e, "could not read the page change log"),
    }
}

fn strong_etag(body: &[u8]) -> String {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(body);
    format!("\"{}\"", hex::encode(&digest[..12]))
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Encoding {
    Identity,
    Gzip,
    Brotli,
}

impl Encoding {
    /// The best encoding the client accepts (q=0 refuses one).
    fn choose(headers: &HeaderMap) -> Self {
        let accepted = headers.get(header::ACCEPT_ENCODING).and_then(|v| v.to_str().ok()).unwrap_or("");
        let takes = |name: &str| {
            accepted.split(',').any(|part| {
                let mut bits = part.split(';');
                let coding = bits.next().unwrap_or("").trim();
                let refused = bits.any(|b| matches!(b.trim(), "q=0" | "q=0.0" | "q=0.00" | "q=0.000"));
                coding.eq_ignore_ascii_case(name) && !refused
            })
        };
        if takes("br") {
            Self::Brotli
        } else if takes("gzip") {
            Self::Gzip
        } else {
            Self::Identity
        }
    }

    /// Each encoding is its own representation, with its own strong ETag.
    fn etag(self, base: &str) -> String {
        let inner = base.trim_matches('"');
        match self {
            Self::Identity => base.to_owned(),
            Self::Gzip => format!("\"{inner}-gz\""),
            Self::Brotli => format!("\"{inner}-br\""),
        }
    }
}

fn compress(encoding: Encoding, body: &[u8]) -> Bytes {
    let out = match encoding {
        Encoding::Identity => return Bytes::copy_from_slice(body),
        Encoding::Gzip => {
            let mut w = flate2::write::GzEncoder::new(
                Vec::with_capacity(body.len() / 3),
                flate2::Compression::new(6),
            );
            let _ = w.write_all(body);
            w.finish().unwrap_or_default()
        }
        Encoding::Brotli => {
            let mut out = Vec::with_capacity(body.len() / 3);
            {
                let mut w = brotli::CompressorWriter::new(&mut out, 16 * 1024, 6, 22);
                let _ = w.write_all(body);
            }
            out
        }
    };
    // Exactly as long as the page: a kept copy must not hold a larger buffer's spare room.
    Bytes::from(out.into_boxed_slice())
}

/// Whether the client's copy is current: If-None-Match first (any encoding's tag of this
/// page), else If-Modified-Since.
fn not_modified(headers: &HeaderMap, entry: &Entry) -> bool {
    if let Some(tags) = headers.get(header::IF_NONE_MATCH).and_then(|v| v.to_str().ok()) {
        let base = entry.etag.trim_matches('"');
        return tags.split(',').map(str::trim).any(|t| {
            let t = t.trim_start_matches("W/").trim_matches('"');
            t == "*" || t == base || t.strip_prefix(base).is_some_and(|rest| rest == "-gz" || rest == "-br")
        });
    }
    let since =
        headers.get(header::IF_MODIFIED_SINCE).and_then(|v| v.to_str().ok()).and_then(parse_http_date);
    let modified = entry.last_modified.to_str().ok().and_then(parse_http_date);
    matches!((since, modified), (Some(since), Some(modified)) if modified <= since)
}

fn parse_http_date(s: &str) -> Option<jiff::Timestamp> {
    jiff::fmt::rfc2822::DateTimeParser::new().parse_timestamp(s).ok()
}

fn http_date(t: jiff::Timestamp) -> HeaderValue {
    let text = jiff::fmt::rfc2822::DateTimePrinter::new().timestamp_to_rfc9110_string(&t).unwrap_or_default();
    HeaderValue::from_str(&text).unwrap_or(HeaderValue::from_static("Thu, 01 Jan 1970 00:00:00 GMT"))
}

fn respond(cache: &PageCache, entry: &Entry, headers: &HeaderMap, head_only: bool) -> Response {
    let encoding = Encoding::choose(headers);
    let mut response = if not_modified(headers, entry) {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        let body = match encoding {
            Encoding::Identity => entry.identity.clone(),
            Encoding::Gzip | Encoding::Brotli => {
                let slot = if encoding == Encoding::Gzip { &entry.gzip } else { &entry.brotli };
                let mut made = 0;
                let body = slot
                    .get_or_init(|| {
                        let body = compress(encoding, &entry.identity);
                        made = body.len();
                        body
                    })
                    .clone();
                cache.grew(made);
                body
            }
        };
        let mut response =
            if head_only { Response::new(Body::empty()) } else { Response::new(Body::from(body.clone())) };
        let h = response.headers_mut();
        h.insert(header::CONTENT_TYPE, entry.content_type.clone());
        h.insert(header::CONTENT_LENGTH, HeaderValue::from(body.len()));
        match encoding {
            Encoding::Identity => {}
            Encoding::Gzip => {
                h.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
            }
            Encoding::Brotli => {
                h.insert(header::CONTENT_ENCODING, HeaderValue::from_static("br"));
            }
        }
        response
    };
    let h = response.headers_mut();
    if let Ok(etag) = HeaderValue::from_str(&encoding.etag(&entry.etag)) {
        h.insert(header::ETAG, etag);
    }
    h.insert(header::LAST_MODIFIED, entry.last_modified.clone());
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static(entry.cache_control));
    h.insert(header::VARY, HeaderValue::from_static("Accept-Encoding"));
    response
}

/// The middleware: serves kept pages, keeps cacheable ones, answers conditional requests.
pub async fn serve_cached(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let head_only = request.method() == Method::HEAD;
    if request.method() != Method::GET && !head_only {
        return next.run(request).await;
    }
    let cache = &state.page_cache;
    if let Some(seen) = cache.behind() {
        sync(&state, Some(seen)).await;
    }
    let url = request
        .uri()
        .path_and_query()
        .map_or_else(|| request.uri().path().to_owned(), |p| p.as_str().to_owned());
    let headers = request.headers().clone();
    if let Some(entry) = cache.get(&url) {
        return respond(cache, &entry, &headers, head_only);
    }
    let _rendering = match cache.turn(&url) {
        Turn::Render(rendering) => Some(rendering),
        Turn::Wait(mut done) => {
            // Wakes when the other render ends (its sender is dropped).
            let _ = done.changed().await;
            if let Some(entry) = cache.get(&url) {
                return respond(cache, &entry, &headers, head_only);
            }
            // That page was not kept (not cacheable, or dropped meanwhile): render it here.
            None
        }
    };
    let generation = cache.0.generation.load(Ordering::Acquire);
    let response = next.run(request).await;
    let Some(deps) = response.extensions().get::<PageDeps>().cloned() else { return response };
    cache.0.rendered.fetch_add(1, Ordering::Relaxed);
    if response.status() != StatusCode::OK || response.headers().contains_key(header::CONTENT_ENCODING) {
        return response;
    }
    let (parts, body) = response.into_parts();
    // The handlers render whole pages in memory, so collecting the body costs nothing more.
    let Ok(identity) = axum::body::to_bytes(body, usize::MAX).await else {
        return (StatusCode::INTERNAL_SERVER_ERROR, "The page could not be read.").into_response();
    };
    if identity.len() > MAX_PAGE {
        return Response::from_parts(parts, Body::from(identity));
    }
    let entry = Arc::new(Entry {
        content_type: parts
            .headers
            .get(header::CONTENT_TYPE)
            .cloned()
            .unwrap_or(HeaderValue::from_static("text/html; charset=utf-8")),
        etag: strong_etag(&identity),
        last_modified: parts
            .headers
            .get(header::LAST_MODIFIED)
            .cloned()
            .unwrap_or_else(|| http_date(state.clock.now())),
        cache_control: deps.cache_control,
        keys: deps.keys.into_iter().chain(std::iter::once(ChangeKey::Site)).collect(),
        // A copy of exactly the page's length: the rendered String's buffer is up to twice
        // as long, and the cache counts (and keeps) only what it holds.
        identity: Bytes::copy_from_slice(&identity),
        gzip: OnceLock::new(),
        brotli: OnceLock::new(),
    });
    cache.put(url, entry.clone(), generation);
    let mut response = respond(cache, &entry, &headers, head_only);
    for (name, value) in &parts.headers {
        if !response.headers().contains_key(name) && name != header::CONTENT_LENGTH {
            response.headers_mut().insert(name.clone(), value.clone());
        }
    }
    response
}
