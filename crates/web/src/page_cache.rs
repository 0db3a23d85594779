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
//! it for changes made by other processes when PostgreSQL announces one, and on a timer
//! (`dateline_newsroom::worker`), dropping exactly the pages that depend on a touched key. A page rendered while a change came in is not kept.
//!
//! Bursts: requests for a page that is being rendered wait for that render instead of
//! rendering it too, and requests that find the cache behind after a write read the log
//! once between them (docs/PERFORMANCE.md has the figures).
//!
//! Every story page answered, kept or fresh, is shown to `crate::page_views`, which counts a
//! reader's view for "Most Read" (an id in a map: the kept page stays as fast).
//!
//! A CDN in front: every page the cache keeps is answered with the change keys it is filed
//! under as surrogate keys, `Surrogate-Key` (space-separated: Fastly, Varnish `xkey`) and
//! `Cache-Tag` (comma-separated: Cloudflare), so that the purge hook
//! (`dateline_newsroom::cdn`) can drop exactly the pages a change touched from the shared
//! cache too. Its `Cache-Control` lets a shared cache serve a page a little past its age
//! while it fetches a fresh one (`stale-while-revalidate`) and for a day while Dateline
//! answers errors or not at all ([`STALE_IF_ERROR`]). A page rendered while a change came
//! in (the one this cache does not keep) is answered `no-store` without keys, so a shared
//! cache cannot keep it past the purge of that change. Everything else a client with a
//! session cookie or an `Authorization` header is answered (the admin, the APIs) is
//! `private, no-store` unless its handler said otherwise, and never carries keys.
//!
//! Bounds: anonymous requests choose the addresses, so an address is not a key as it comes.
//! [`key_of`] knows the public pages the cache keeps and the query parameters each reads
//! (`page` on a list, `v` on an asset); every other parameter is left out of the key, so
//! `?utm_source=...` or 60 KB of random letters is the same page from the same entry. A
//! parameter the page reads in a form it does not take, a path not written canonically or
//! longer than [`MAX_KEY`], and every other address are answered without the cache (a burst
//! on one such address, a search, still waits for one render at a time). Keys
//! are counted with their pages against [`MAX_BYTES`], and at most [`MAX_ENTRIES`] pages and
//! [`MAX_RENDERING`] renders waited on are kept. Errors (a 404 for a random story) are never
//! kept.

use crate::state::AppState;
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
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
/// Pages kept at most, whatever their size: bounds the maps' own memory when many pages are
/// small (robots.txt, feeds of short lists). 16,384 is over five times the story pages
/// [`MAX_BYTES`] holds.
pub const MAX_ENTRIES: usize = 16_384;
/// The longest key kept, in bytes: a story's ninjs address with a 120-character Urdu slug,
/// percent-encoded, is about 750 bytes.
pub const MAX_KEY: usize = 2048;
/// What a kept page costs besides its bodies and its key: the entry, its slots in the maps
/// and its change keys (an estimate, on the high side).
const ENTRY_OVERHEAD: usize = 512;
/// Renders other requests may wait on at once; past this a request renders on its own.
pub const MAX_RENDERING: usize = 1024;

/// How long a shared cache (a CDN) may go on serving a page it holds while Dateline answers
/// errors or cannot be reached, in seconds (`stale-if-error`): a day, so an outage of the
/// origin leaves readers the site as it was rather than an error page.
pub const STALE_IF_ERROR: u32 = 86_400;

/// `Cache-Control` for fronts, lists and feeds: short, stale for a minute while a fresh copy
/// is got, and for a day while the origin fails.
pub const FRONT: &str = "public, max-age=30, stale-while-revalidate=60, stale-if-error=86400";
/// For a story in its first two days, while it may still change.
pub const STORY_RECENT: &str = "public, max-age=60, stale-while-revalidate=300, stale-if-error=86400";
/// For an older story.
pub const STORY_OLD: &str = "public, max-age=600, stale-while-revalidate=3600, stale-if-error=86400";
/// For sitemaps and robots.txt.
pub const SITEMAP: &str = "public, max-age=300, stale-while-revalidate=60, stale-if-error=86400";
/// For a page rendered while a change came in: not kept here, and not to be kept by a
/// shared cache either, which could otherwise hold it past the purge of that change.
const RACED: &str = "no-store";
/// What a response to a signed-in client (a session cookie, an API token) is answered with
/// when its handler set no `Cache-Control`: for that client only, and not stored.
const PRIVATE: &str = "private, no-store";

/// The surrogate-key headers: space-separated keys (Fastly, Varnish `xkey`) and
/// comma-separated ones (Cloudflare's `Cache-Tag`).
pub const SURROGATE_KEY: header::HeaderName = header::HeaderName::from_static("surrogate-key");
pub const CACHE_TAG: header::HeaderName = header::HeaderName::from_static("cache-tag");

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
    /// `keys` as [`SURROGATE_KEY`] and [`CACHE_TAG`] values, written once.
    surrogate_key: HeaderValue,
    cache_tag: HeaderValue,
    identity: Bytes,
    gzip: OnceLock<Bytes>,
    brotli: OnceLock<Bytes>,
}

impl Entry {
    fn bytes(&self) -> usize {
        self.identity.len()
            + self.gzip.get().map_or(0, Bytes::len)
            + self.brotli.get().map_or(0, Bytes::len)
            + self.surrogate_key.len()
            + self.cache_tag.len()
    }
}

/// The keys a page is filed under: those its handler named, each once, and the whole site.
fn filed_keys(named: Vec<ChangeKey>) -> Vec<ChangeKey> {
    let mut keys = Vec::with_capacity(named.len() + 1);
    for key in named.into_iter().chain(std::iter::once(ChangeKey::Site)) {
        if !keys.contains(&key) {
            keys.push(key);
        }
    }
    keys
}

/// `keys` written as one header value, separated by `separator`.
fn key_header(keys: &[ChangeKey], separator: &str) -> HeaderValue {
    let text = keys.iter().map(ToString::to_string).collect::<Vec<_>>().join(separator);
    // Keys are ASCII letters, digits, `-` and `:`; this cannot fail.
    HeaderValue::from_str(&text).unwrap_or(HeaderValue::from_static("site"))
}

/// Puts a cacheable page's shared-cache headers on `headers`.
fn cdn_headers(
    headers: &mut HeaderMap,
    cache_control: &'static str,
    surrogate: &HeaderValue,
    tags: &HeaderValue,
) {
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache_control));
    headers.insert(SURROGATE_KEY, surrogate.clone());
    headers.insert(CACHE_TAG, tags.clone());
}

/// The limits of one cache: [`MAX_ENTRIES`] and [`MAX_BYTES`] unless a test asks smaller.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub entries: usize,
    pub bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self { entries: MAX_ENTRIES, bytes: MAX_BYTES }
    }
}

#[derive(Default)]
struct Pages {
    entries: HashMap<Arc<str>, Arc<Entry>>,
    by_key: HashMap<ChangeKey, HashSet<Arc<str>>>,
    bytes: usize,
}

/// What a kept page counts against [`MAX_BYTES`]: its bodies, its key and the rest.
fn cost(url: &str, entry: &Entry) -> usize {
    entry.bytes() + url.len() + ENTRY_OVERHEAD
}

impl Pages {
    fn remove(&mut self, url: &str) {
        if let Some((url, entry)) = self.entries.remove_entry(url) {
            self.bytes = self.bytes.saturating_sub(cost(&url, &entry));
            for key in &entry.keys {
                if let Some(urls) = self.by_key.get_mut(key) {
                    urls.remove(&url);
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
    limits: Limits,
    pages: Mutex<Pages>,
    log: tokio::sync::Mutex<LogPosition>,
    /// The store's local change count when the log was last read.
    seen_local: AtomicU64,
    /// Bumped whenever pages are dropped: a page rendered across a bump is not kept.
    generation: AtomicU64,
    /// Pages being rendered now, by address: a request for one of them waits for that
    /// render instead of rendering the page too (a burst on a cold feed renders it once).
    rendering: Mutex<HashMap<Arc<str>, tokio::sync::watch::Receiver<()>>>,
    /// Cacheable pages rendered since start (misses), for tests and operators.
    rendered: AtomicU64,
    /// Requests answered from a kept page since start (hits), for operators.
    served: AtomicU64,
    /// The newest change-log row applied (0 before any), for operators: how far this node
    /// is behind the database.
    applied: std::sync::atomic::AtomicI64,
    /// When the log was last read, as milliseconds on [`monotonic_ms`] (0: never).
    read_at: AtomicU64,
}

/// Milliseconds since the first call in this process, plus one (so that 0 can mean never).
fn monotonic_ms() -> u64 {
    static BASE: OnceLock<std::time::Instant> = OnceLock::new();
    let elapsed = BASE.get_or_init(std::time::Instant::now).elapsed();
    u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX - 1) + 1
}

/// Held while a page is rendered; waiting requests wake when it is dropped.
struct Rendering {
    cache: PageCache,
    url: Arc<str>,
    _done: tokio::sync::watch::Sender<()>,
}

impl Drop for Rendering {
    fn drop(&mut self) {
        self.cache.0.rendering.lock().unwrap_or_else(|e| e.into_inner()).remove(&self.url);
    }
}

/// Whether a request renders the page (with others waiting on it, or alone when too many
/// renders are waited on already) or waits for another request that is rendering it.
enum Turn {
    Render(Option<Rendering>),
    Wait(tokio::sync::watch::Receiver<()>),
}

impl PageCache {
    /// A cache with other limits than [`MAX_ENTRIES`] and [`MAX_BYTES`] (tests use small ones).
    pub fn with_limits(limits: Limits) -> Self {
        Self(Arc::new(Inner { limits, ..Inner::default() }))
    }

    /// Reads new rows of the change log and drops the pages they touch. Returns what they
    /// touched: some keys, or the whole site (settings, sections), so that other caches and
    /// live blogs' streams can follow.
    /// When `seen` is the local change count a request found the cache behind at, and
    /// another request has read the log since, returns at once: requests that arrive
    /// together after a write read the log once, not once each. `touched` is told the keys
    /// read (and whether everything changed) before any page is dropped.
    async fn sync(
        &self,
        store: &dyn Store,
        seen: Option<u64>,
        touched: impl FnOnce(&HashSet<ChangeKey>, bool),
    ) -> dateline_store::Result<Touched> {
        let local = dateline_store::local_changes();
        let mut log = self.0.log.lock().await;
        if let Some(seen) = seen
            && self.0.seen_local.load(Ordering::Acquire) >= seen
            && log.started
        {
            return Ok(Touched::Nothing);
        }
        let rows = store.page_changes_after(log.read_from()).await?;
        self.0.seen_local.store(local, Ordering::Release);
        self.0.read_at.store(monotonic_ms(), Ordering::Relaxed);
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
            self.0.applied.store(high, Ordering::Relaxed);
        }
        drop(log);
        let site = everything || keys.contains(&ChangeKey::Site);
        if !site && keys.is_empty() {
            return Ok(Touched::Nothing);
        }
        touched(&keys, site);
        self.0.generation.fetch_add(1, Ordering::AcqRel);
        let mut pages = self.0.pages.lock().unwrap_or_else(|e| e.into_inner());
        if site {
            pages.clear();
            return Ok(Touched::Everything);
        }
        for key in &keys {
            for url in pages.by_key.remove(key).unwrap_or_default() {
                pages.remove(&url);
            }
        }
        Ok(Touched::Keys(keys))
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

    /// Keeps `entry` unless pages were dropped since `generation` (returns `false`: the page
    /// may be older than a change) or it is larger than the whole budget.
    fn put(&self, url: Arc<str>, entry: Arc<Entry>, generation: u64) -> bool {
        let limits = self.0.limits;
        let cost = cost(&url, &entry);
        let mut pages = self.0.pages.lock().unwrap_or_else(|e| e.into_inner());
        if self.0.generation.load(Ordering::Acquire) != generation {
            return false;
        }
        if cost > limits.bytes {
            return true;
        }
        pages.remove(&url);
        while !pages.entries.is_empty()
            && (pages.bytes + cost > limits.bytes || pages.entries.len() >= limits.entries)
        {
            evict(&mut pages);
        }
        pages.bytes += cost;
        for key in entry.keys.iter() {
            pages.by_key.entry(*key).or_default().insert(url.clone());
        }
        pages.entries.insert(url, entry);
        true
    }

    /// Renders the page at `url`, or waits for the request already rendering it.
    fn turn(&self, url: &Arc<str>) -> Turn {
        let mut rendering = self.0.rendering.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(done) = rendering.get(url) {
            return Turn::Wait(done.clone());
        }
        if rendering.len() >= MAX_RENDERING {
            return Turn::Render(None);
        }
        let (done, waiting) = tokio::sync::watch::channel(());
        rendering.insert(url.clone(), waiting);
        Turn::Render(Some(Rendering { cache: self.clone(), url: url.clone(), _done: done }))
    }

    /// Counts a compressed copy of `entry` made after the page was stored, if it is still
    /// kept (a dropped page no longer counts), making room when it passes the budget.
    fn grew(&self, url: &str, entry: &Arc<Entry>, by: usize) {
        let mut pages = self.0.pages.lock().unwrap_or_else(|e| e.into_inner());
        if by == 0 || !pages.entries.get(url).is_some_and(|kept| Arc::ptr_eq(kept, entry)) {
            return;
        }
        pages.bytes += by;
        while pages.bytes > self.0.limits.bytes && !pages.entries.is_empty() {
            evict(&mut pages);
        }
    }

    /// Whether the page at `url` (path and query, as a client asks for it) is kept.
    pub fn contains(&self, url: &str) -> bool {
        let Ok(uri) = url.parse::<Uri>() else { return false };
        let Some(key) = key_of(&uri) else { return false };
        self.0.pages.lock().unwrap_or_else(|e| e.into_inner()).entries.contains_key(key.as_str())
    }

    /// The change keys the page at `url` is kept under (the keys a change purges it by), in
    /// the order its surrogate-key headers name them; `None` when it is not kept.
    pub fn keys_of(&self, url: &str) -> Option<Vec<ChangeKey>> {
        let uri = url.parse::<Uri>().ok()?;
        let key = key_of(&uri)?;
        let pages = self.0.pages.lock().unwrap_or_else(|e| e.into_inner());
        pages.entries.get(key.as_str()).map(|entry| entry.keys.clone())
    }

    /// The bytes the kept pages count against their budget: bodies, keys and overhead.
    pub fn bytes(&self) -> usize {
        self.0.pages.lock().unwrap_or_else(|e| e.into_inner()).bytes
    }

    /// How many renders other requests may be waiting on now.
    pub fn rendering(&self) -> usize {
        self.0.rendering.lock().unwrap_or_else(|e| e.into_inner()).len()
    }

    /// How many cacheable pages were rendered since start: each one a miss.
    pub fn rendered(&self) -> u64 {
        self.0.rendered.load(Ordering::Relaxed)
    }

    /// How many requests were answered from a kept page since start: each one a hit.
    pub fn served(&self) -> u64 {
        self.0.served.load(Ordering::Relaxed)
    }

    /// The newest change-log row this cache has applied (0 before any), and how long ago
    /// it last read the log (`None`: never).
    pub fn log_position(&self) -> (i64, Option<std::time::Duration>) {
        let applied = self.0.applied.load(Ordering::Relaxed);
        let read_at = self.0.read_at.load(Ordering::Relaxed);
        let ago =
            (read_at != 0).then(|| std::time::Duration::from_millis(monotonic_ms().saturating_sub(read_at)));
        (applied, ago)
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
    let victims: Vec<Arc<str>> = pages.entries.keys().take(pages.entries.len() / 4 + 1).cloned().collect();
    for url in victims {
        pages.remove(&url);
    }
}

/// The query parameter a kept page reads, by the page's path; `None` for an address the
/// cache does not keep. This mirrors the router's public pages: the list pages read `page`
/// (`crate::public::PageNumber`), assets read `v` (`crate::public::assets`), the others
/// (home, stories, feeds, sitemaps, robots.txt, the favicon) read no parameter.
fn parameter_read(path: &str) -> Option<Option<&'static str>> {
    let segments: Vec<&str> = path.strip_prefix('/')?.split('/').collect();
    let ok = |s: &&str| !s.is_empty();
    match segments.as_slice() {
        // `/?p=123`: an imported WordPress post's short link, redirected.
        [""] => Some(Some("p")),
        ["rss.xml" | "atom.xml" | "feed.json" | "robots.txt" | "sitemap.xml" | "favicon.ico"] => Some(None),
        ["latest"] => Some(Some("page")),
        ["section" | "tag" | "author" | "source", slug] if ok(slug) => Some(Some("page")),
        ["section" | "tag" | "author" | "source", slug, file] if ok(slug) && ok(file) => Some(None),
        ["story", slug] if ok(slug) => Some(None),
        ["story", slug, "ninjs.json"] if ok(slug) => Some(None),
        ["sitemaps", file] if ok(file) => Some(None),
        ["assets", rest @ ..] if !rest.is_empty() && rest.iter().all(ok) => Some(Some("v")),
        _ => None,
    }
}

/// The path written one way only: percent-escapes in upper case, bytes outside ASCII
/// escaped. `None` when it escapes a character that needs none (`%61` for `a`): the router
/// would not read it as the same address, so such a request is answered without the cache.
fn canonical_path(path: &str) -> Option<String> {
    let bytes = path.as_bytes();
    let mut out = String::with_capacity(path.len());
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b == b'%' {
            let hex = bytes.get(i + 1..i + 3)?;
            let decoded = u8::from_str_radix(std::str::from_utf8(hex).ok()?, 16).ok()?;
            if decoded.is_ascii_alphanumeric() || b"-._~".contains(&decoded) {
                return None;
            }
            out.push_str(&format!("%{decoded:02X}"));
            i += 3;
        } else if b.is_ascii() {
            out.push(char::from(b));
            i += 1;
        } else {
            out.push_str(&format!("%{b:02X}"));
            i += 1;
        }
    }
    Some(out)
}

/// The cache key of a request: its canonical path plus the one query parameter its page
/// reads, if given (`page=1` is the first page, as no `page` is). `None` when the request is
/// answered without the cache: not a page the cache keeps, a path not written canonically,
/// a key over [`MAX_KEY`], or the parameter repeated or in a form the page refuses (the page
/// answers those with an error, which is not kept either).
pub fn key_of(uri: &Uri) -> Option<String> {
    let path = canonical_path(uri.path())?;
    let read = parameter_read(&path)?;
    let mut key = path;
    if let Some(name) = read
        && uri.query().is_some()
    {
        let axum::extract::Query(pairs) =
            axum::extract::Query::<Vec<(String, String)>>::try_from_uri(uri).ok()?;
        let mut values = pairs.into_iter().filter(|(k, _)| k == name).map(|(_, v)| v);
        match (values.next(), values.next()) {
            (None, _) => {}
            (Some(_), Some(_)) => return None,
            (Some(value), None) => {
                let value = match name {
                    "page" => match value
                        .parse::<u32>()
                        .ok()
                        .filter(|n| (1..=crate::public::MAX_PAGE).contains(n))?
                    {
                        1 => None,
                        n => Some(n.to_string()),
                    },
                    _ => {
                        Some(value).filter(|v| v.len() <= 64 && v.bytes().all(|b| b.is_ascii_alphanumeric()))
                    }
                };
                if let Some(value) = value {
                    key = format!("{key}?{name}={value}");
                }
            }
        }
    }
    (key.len() <= MAX_KEY).then_some(key)
}

/// The page cache follows the change log (run by the newsroom's workers when a change is
/// announced and on a timer, `dateline_newsroom::worker`), for changes made by other
/// processes.
impl dateline_newsroom::Follower for AppState {
    fn follow<'a>(&'a self, _store: &'a dyn Store) -> futures_util::future::BoxFuture<'a, ()> {
        Box::pin(sync(self, None))
    }
}

/// Reads the change log now, after a write of this process whose readers should not wait
/// for the next follow (a live entry: open streams get it at once).
pub(crate) async fn follow_now(state: &AppState) {
    sync(state, None).await;
}

/// What a read of the change log found.
enum Touched {
    Nothing,
    Keys(HashSet<ChangeKey>),
    /// Every page (a site-wide change, or the first read).
    Everything,
}

/// Reads the change log: drops the pages it touched, and tells live blogs' streams.
async fn sync(state: &AppState, seen: Option<u64>) {
    // "Most Read" learns first when its list may be wrong, so the pages made again after
    // this drop read it again.
    let touched = |keys: &HashSet<ChangeKey>, all: bool| state.most_read.touched(keys, all);
    match state.page_cache.sync(&*state.store, seen, touched).await {
        Ok(Touched::Everything) => {
            state.site_cache.clear();
            state.live.changed(state, None).await;
        }
        Ok(Touched::Keys(keys)) => state.live.changed(state, Some(&keys)).await,
        Ok(Touched::Nothing) => {}
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

/// Whether compressing a body of this type can pay: not pictures (SVG aside) nor WOFF
/// fonts, which are compressed already (the same rule as the `CompressionLayer` in
/// `crate::router`).
fn compressible(content_type: &HeaderValue) -> bool {
    let kind = content_type.as_bytes();
    !(kind.starts_with(b"font/woff") || kind.starts_with(b"image/") && !kind.starts_with(b"image/svg+xml"))
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

/// Answers with a kept page, counting a reader's view of a story page for "Most Read".
fn answer(state: &AppState, url: &str, entry: &Arc<Entry>, headers: &HeaderMap, head_only: bool) -> Response {
    let response = respond(&state.page_cache, url, entry, headers, head_only);
    if !head_only {
        crate::page_views::count(&state.most_read, url, &entry.keys, response.status(), headers);
    }
    response
}

fn respond(
    cache: &PageCache,
    url: &str,
    entry: &Arc<Entry>,
    headers: &HeaderMap,
    head_only: bool,
) -> Response {
    let encoding =
        if compressible(&entry.content_type) { Encoding::choose(headers) } else { Encoding::Identity };
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
                cache.grew(url, entry, made);
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
    cdn_headers(h, entry.cache_control, &entry.surrogate_key, &entry.cache_tag);
    h.insert(header::VARY, HeaderValue::from_static("Accept-Encoding"));
    response
}

/// Whether the request comes from a signed-in client: the admin's session cookie or an API
/// token. What such a client is answered outside the cache is its own.
fn signed_in(headers: &HeaderMap) -> bool {
    headers.contains_key(header::AUTHORIZATION)
        || crate::admin::cookie(headers, crate::admin::SESSION_COOKIE).is_some()
}

/// A response the cache does not keep, to a signed-in client: `private, no-store` unless its
/// handler chose, and never surrogate keys.
fn uncached(mut response: Response, signed_in: bool) -> Response {
    let h = response.headers_mut();
    h.remove(SURROGATE_KEY);
    h.remove(CACHE_TAG);
    if signed_in && !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static(PRIVATE));
    }
    response
}

/// The middleware: serves kept pages, keeps cacheable ones, answers conditional requests.
pub async fn serve_cached(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let head_only = request.method() == Method::HEAD;
    let signed_in = signed_in(request.headers());
    // A live blog's stream is endless and every reader's own (`crate::live`).
    if request.method() != Method::GET && !head_only || request.uri().path().ends_with("/live") {
        return uncached(next.run(request).await, signed_in);
    }
    let cache = &state.page_cache;
    if let Some(seen) = cache.behind() {
        sync(&state, Some(seen)).await;
    }
    let (url, keep): (Arc<str>, bool) = match key_of(request.uri()) {
        Some(key) => (key.into(), true),
        // Not a page the cache keeps (a search, say): a burst on the very same address still
        // waits for one render at a time, so each sees the search index caught up.
        None => match request.uri().path_and_query().map(|p| p.as_str()) {
            Some(address) if address.len() <= MAX_KEY => (address.into(), false),
            _ => return uncached(next.run(request).await, signed_in),
        },
    };
    let headers = request.headers().clone();
    if keep && let Some(entry) = cache.get(&url) {
        cache.0.served.fetch_add(1, Ordering::Relaxed);
        return answer(&state, &url, &entry, &headers, head_only);
    }
    let _rendering = match cache.turn(&url) {
        Turn::Render(rendering) => rendering,
        Turn::Wait(mut done) => {
            // Wakes when the other render ends (its sender is dropped).
            let _ = done.changed().await;
            if keep && let Some(entry) = cache.get(&url) {
                cache.0.served.fetch_add(1, Ordering::Relaxed);
                return answer(&state, &url, &entry, &headers, head_only);
            }
            // That page was not kept (not cacheable, or dropped meanwhile): render it here.
            None
        }
    };
    let generation = cache.0.generation.load(Ordering::Acquire);
    let response = next.run(request).await;
    if !keep {
        return uncached(response, signed_in);
    }
    let Some(deps) = response.extensions().get::<PageDeps>().cloned() else {
        return uncached(response, signed_in);
    };
    cache.0.rendered.fetch_add(1, Ordering::Relaxed);
    if response.status() != StatusCode::OK || response.headers().contains_key(header::CONTENT_ENCODING) {
        return uncached(response, signed_in);
    }
    let (parts, body) = response.into_parts();
    // The handlers render whole pages in memory, so collecting the body costs nothing more.
    let Ok(identity) = axum::body::to_bytes(body, usize::MAX).await else {
        return (StatusCode::INTERNAL_SERVER_ERROR, "The page could not be read.").into_response();
    };
    let keys = filed_keys(deps.keys);
    let surrogate_key = key_header(&keys, " ");
    let cache_tag = key_header(&keys, ",");
    if identity.len() > MAX_PAGE {
        let mut response = Response::from_parts(parts, Body::from(identity));
        cdn_headers(response.headers_mut(), deps.cache_control, &surrogate_key, &cache_tag);
        return response;
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
        keys,
        surrogate_key,
        cache_tag,
        // A copy of exactly the page's length: the rendered String's buffer is up to twice
        // as long, and the cache counts (and keeps) only what it holds.
        identity: Bytes::copy_from_slice(&identity),
        gzip: OnceLock::new(),
        brotli: OnceLock::new(),
    });
    let kept = cache.put(url.clone(), entry.clone(), generation);
    let mut response = answer(&state, &url, &entry, &headers, head_only);
    for (name, value) in &parts.headers {
        if !response.headers().contains_key(name) && name != header::CONTENT_LENGTH {
            response.headers_mut().insert(name.clone(), value.clone());
        }
    }
    if !kept {
        let h = response.headers_mut();
        h.remove(SURROGATE_KEY);
        h.remove(CACHE_TAG);
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static(RACED));
    }
    response
}
