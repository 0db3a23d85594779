//! Metrics for operators, in the Prometheus text format (version 0.0.4), served by
//! [`serve_metrics`] on an address of their own (`[metrics] listen` in `dateline.toml`),
//! never by the public site.
//!
//! Requests are counted by the router's layer [`TrackLayer`] (the outermost, so a panic's
//! 500 and a timeout's 503 count too): by route *template* (`/story/{slug}`, axum's
//! `MatchedPath`; `unmatched` for the fallback), method and status, with a latency histogram
//! per route. Strangers choose the addresses they ask for, so an address is never a label:
//! the label values are bounded by the routes the code declares. The latency is the time
//! from the request reaching the router to its response's head (a body streamed after that,
//! a live blog's events, is not included).
//!
//! The layer is on the hot path (a kept page is answered in microseconds): each request
//! takes one shared read lock to find its route's counters, then adds to three atomics; no
//! allocation but the boxed future. Everything else (the page cache's counters, the change
//! log's position, the wire picture queue, the database pool, memory) is read when
//! Prometheus scrapes, from what those parts keep anyway.
//!
//! `docs/DEPLOY.md` lists every metric and a dashboard's queries.

use crate::state::AppState;
use axum::extract::{MatchedPath, State};
use axum::http::{Method, Request, StatusCode, header};
use axum::response::{IntoResponse, Response};
use std::collections::HashMap;
use std::fmt::Write as _;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, OnceLock, PoisonError, RwLock};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

/// The exposition format's content type.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// The route label of a request no route matched (the fallback: redirects of old
/// addresses, trailing slashes, 404s).
pub const UNMATCHED: &str = "unmatched";

/// Upper bounds of the latency histogram's buckets, in microseconds (shown in seconds):
/// from a kept page (well under a millisecond) to the 30 s timeout.
const BUCKETS_US: [u64; 14] = [
    500, 1_000, 2_500, 5_000, 10_000, 25_000, 50_000, 100_000, 250_000, 500_000, 1_000_000, 2_500_000,
    5_000_000, 10_000_000,
];

/// Methods counted by name; any other is `other`.
const METHODS: [&str; 8] = ["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "other"];

/// Status codes 100 to 599 each have a slot; anything else (axum allows up to 999) the last.
const STATUSES: usize = 501;

fn method_index(method: &Method) -> usize {
    match *method {
        Method::GET => 0,
        Method::HEAD => 1,
        Method::POST => 2,
        Method::PUT => 3,
        Method::DELETE => 4,
        Method::PATCH => 5,
        Method::OPTIONS => 6,
        _ => 7,
    }
}

fn status_index(status: u16) -> usize {
    match status {
        100..=599 => usize::from(status - 100),
        _ => STATUSES - 1,
    }
}

/// The counters of one route.
struct RouteStats {
    /// Requests by latency bucket, not cumulative; the last is beyond every bound (`+Inf`).
    buckets: [AtomicU64; BUCKETS_US.len() + 1],
    /// Latencies added up, in microseconds.
    sum_us: AtomicU64,
    /// Requests by method, then status: made when a method is first seen on the route.
    statuses: [OnceLock<Box<[AtomicU64; STATUSES]>>; METHODS.len()],
}

impl RouteStats {
    fn new() -> Self {
        Self {
            buckets: std::array::from_fn(|_| AtomicU64::new(0)),
            sum_us: AtomicU64::new(0),
            statuses: std::array::from_fn(|_| OnceLock::new()),
        }
    }

    fn add(&self, method: usize, status: u16, micros: u64) {
        let slots =
            self.statuses[method].get_or_init(|| Box::new(std::array::from_fn(|_| AtomicU64::new(0))));
        slots[status_index(status)].fetch_add(1, Relaxed);
        let bucket = BUCKETS_US.iter().position(|&bound| micros <= bound).unwrap_or(BUCKETS_US.len());
        self.buckets[bucket].fetch_add(1, Relaxed);
        self.sum_us.fetch_add(micros, Relaxed);
    }
}

struct Registry {
    /// When this registry was made: the server's start, as a unix time in seconds.
    started: f64,
    routes: RwLock<HashMap<Box<str>, RouteStats>>,
}

/// The request counters of one server; cheap to clone (clones share them).
#[derive(Clone)]
pub struct Metrics(Arc<Registry>);

impl Default for Metrics {
    fn default() -> Self {
        let started = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0.0, |d| d.as_secs_f64());
        Self(Arc::new(Registry { started, routes: RwLock::new(HashMap::new()) }))
    }
}

impl Metrics {
    /// Counts one request to `route` (a route template, or [`UNMATCHED`]) answered `status`
    /// after `elapsed`.
    pub fn record(&self, route: &str, method: &Method, status: StatusCode, elapsed: Duration) {
        let micros = u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX);
        let (method, status) = (method_index(method), status.as_u16());
        {
            let routes = self.0.routes.read().unwrap_or_else(PoisonError::into_inner);
            if let Some(stats) = routes.get(route) {
                stats.add(method, status, micros);
                return;
            }
        }
        // A route's first request: its counters are made once.
        let mut routes = self.0.routes.write().unwrap_or_else(PoisonError::into_inner);
        routes.entry(route.into()).or_insert_with(RouteStats::new).add(method, status, micros);
    }

    /// The request counters and latency histograms, as exposition text.
    fn write_requests(&self, out: &mut String) {
        let routes = self.0.routes.read().unwrap_or_else(PoisonError::into_inner);
        let mut names: Vec<&str> = routes.keys().map(AsRef::as_ref).collect();
        names.sort_unstable();
        header(
            out,
            "dateline_http_requests_total",
            "counter",
            "Requests answered, by route template, method and status code.",
        );
        for name in &names {
            let stats = &routes[*name];
            for (method, slots) in METHODS.iter().zip(&stats.statuses) {
                let Some(slots) = slots.get() else { continue };
                for (i, slot) in slots.iter().enumerate() {
                    let count = slot.load(Relaxed);
                    if count == 0 {
                        continue;
                    }
                    let status = if i == STATUSES - 1 { "other".to_owned() } else { (i + 100).to_string() };
                    let _ = writeln!(
                        out,
                        "dateline_http_requests_total{{route=\"{}\",method=\"{method}\",status=\"{status}\"}} {count}",
                        escape(name)
                    );
                }
            }
        }
        header(
            out,
            "dateline_http_request_duration_seconds",
            "histogram",
            "Time from a request reaching the router to its response's head, by route template.",
        );
        for name in &names {
            let stats = &routes[*name];
            let route = escape(name);
            let mut cumulative = 0u64;
            for (i, bucket) in stats.buckets.iter().enumerate() {
                cumulative += bucket.load(Relaxed);
                let le = BUCKETS_US.get(i).map_or_else(|| "+Inf".to_owned(), |&us| seconds(us));
                let _ = writeln!(
                    out,
                    "dateline_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"{le}\"}} {cumulative}"
                );
            }
            let sum = seconds(stats.sum_us.load(Relaxed));
            let _ = writeln!(out, "dateline_http_request_duration_seconds_sum{{route=\"{route}\"}} {sum}");
            let _ = writeln!(
                out,
                "dateline_http_request_duration_seconds_count{{route=\"{route}\"}} {cumulative}"
            );
        }
    }
}

/// Microseconds as seconds, exactly (`2500` is `0.0025`).
fn seconds(micros: u64) -> String {
    let text = format!("{}.{:06}", micros / 1_000_000, micros % 1_000_000);
    text.trim_end_matches('0').trim_end_matches('.').to_owned()
}

/// A label value escaped as the format wants: backslash, double quote and line feed.
fn escape(value: &str) -> std::borrow::Cow<'_, str> {
    if value.contains(['\\', '"', '\n']) {
        value.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n").into()
    } else {
        value.into()
    }
}

fn header(out: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
}

fn sample(out: &mut String, name: &str, kind: &str, help: &str, value: impl std::fmt::Display) {
    header(out, name, kind, help);
    let _ = writeln!(out, "{name} {value}");
}

/// The process's resident memory in bytes: `VmRSS` in `/proc/self/status` (Linux; the
/// resident pages of `/proc/self/statm` already in kB, whatever the page size), `None`
/// elsewhere.
fn resident_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let kb: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))?
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    Some(kb * 1024)
}

/// Every metric, as exposition text: reads the store's newest change-log row (one small
/// query); everything else is in memory.
pub async fn render(state: &AppState) -> String {
    let mut out = String::with_capacity(16 * 1024);
    header(&mut out, "dateline_build_info", "gauge", "Always 1; the running binary's version is its label.");
    let _ = writeln!(out, "dateline_build_info{{version=\"{}\"}} 1", env!("CARGO_PKG_VERSION"));
    sample(
        &mut out,
        "process_start_time_seconds",
        "gauge",
        "When the server started, in unix seconds.",
        format_args!("{:.3}", state.metrics.0.started),
    );
    if let Some(bytes) = resident_bytes() {
        sample(&mut out, "process_resident_memory_bytes", "gauge", "Resident memory of the process.", bytes);
    }
    state.metrics.write_requests(&mut out);

    let cache = &state.page_cache;
    sample(
        &mut out,
        "dateline_page_cache_hits_total",
        "counter",
        "Requests answered from a kept page.",
        cache.served(),
    );
    sample(
        &mut out,
        "dateline_page_cache_misses_total",
        "counter",
        "Cacheable pages rendered because they were not kept.",
        cache.rendered(),
    );
    sample(&mut out, "dateline_page_cache_entries", "gauge", "Pages kept.", cache.len());
    sample(
        &mut out,
        "dateline_page_cache_bytes",
        "gauge",
        "What the kept pages count against the cache's budget (bodies in every encoding, keys, overhead).",
        cache.bytes(),
    );
    sample(
        &mut out,
        "dateline_page_cache_limit_bytes",
        "gauge",
        "The cache's budget.",
        crate::page_cache::MAX_BYTES,
    );
    sample(
        &mut out,
        "dateline_page_cache_renders_waited_on",
        "gauge",
        "Pages being rendered now that other requests may wait on.",
        cache.rendering(),
    );

    let (applied, read_ago) = cache.log_position();
    sample(
        &mut out,
        "dateline_change_log_applied_id",
        "gauge",
        "The newest change-log row this node's page cache has applied.",
        applied,
    );
    if let Some(ago) = read_ago {
        sample(
            &mut out,
            "dateline_change_log_read_age_seconds",
            "gauge",
            "Seconds since this node last read the change log (it reads every 250 ms, or 5 s with PostgreSQL announcements).",
            format_args!("{:.3}", ago.as_secs_f64()),
        );
    }
    let newest = state.store.last_page_change().await;
    sample(
        &mut out,
        "dateline_database_up",
        "gauge",
        "1 when the database answered this scrape's query, else 0.",
        u8::from(newest.is_ok()),
    );
    if let Ok(newest) = newest {
        sample(
            &mut out,
            "dateline_change_log_newest_id",
            "gauge",
            "The newest change-log row in the database.",
            newest,
        );
        sample(
            &mut out,
            "dateline_change_log_lag",
            "gauge",
            "Change-log rows in the database this node has not applied yet.",
            (newest - applied).max(0),
        );
    }
    let pool = state.store.pool_use();
    sample(&mut out, "dateline_db_pool_connections", "gauge", "Database connections open.", pool.open);
    sample(&mut out, "dateline_db_pool_idle", "gauge", "Open database connections not in use.", pool.idle);
    sample(
        &mut out,
        "dateline_db_pool_max",
        "gauge",
        "The most connections the pool opens; requests wait when all are in use.",
        pool.max,
    );

    let queue = state.wire_images.queue();
    sample(
        &mut out,
        "dateline_wire_pictures_waiting",
        "gauge",
        "Wire picture addresses waiting for a download.",
        queue.waiting,
    );
    sample(
        &mut out,
        "dateline_wire_pictures_fetching",
        "gauge",
        "Wire pictures being downloaded now.",
        queue.fetching,
    );
    header(
        &mut out,
        "dateline_wire_items_total",
        "counter",
        "Wire items taken in (pushed, polled, dropped), by what was done with them.",
    );
    let taken = state.wire_images.taken_in();
    for (action, count) in dateline_newsroom::wire_images::INGEST_ACTIONS.iter().zip(taken) {
        let _ = writeln!(out, "dateline_wire_items_total{{action=\"{action}\"}} {count}");
    }
    sample(
        &mut out,
        "dateline_live_readers",
        "gauge",
        "Readers with a live blog's stream open.",
        state.live.readers(),
    );
    out
}

async fn exposition(State(state): State<AppState>) -> Response {
    ([(header::CONTENT_TYPE, CONTENT_TYPE)], render(&state).await).into_response()
}

/// The metrics server's routes: `/metrics` only, everything else 404.
pub fn metrics_router(state: AppState) -> axum::Router {
    axum::Router::new().route("/metrics", axum::routing::get(exposition)).with_state(state)
}

/// Serves `/metrics` for `state` on `listener` until `shutdown` completes. Meant for an
/// address only operators reach (loopback, a private network): it has none of the public
/// server's limits.
///
/// # Errors
/// The I/O error that stopped the server.
pub async fn serve_metrics(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, metrics_router(state)).with_graceful_shutdown(shutdown).await
}

/// The router's layer that counts every request ([`Metrics::record`]).
#[derive(Clone)]
pub struct TrackLayer(pub Metrics);

impl<S> tower::Layer<S> for TrackLayer {
    type Service = Track<S>;
    fn layer(&self, inner: S) -> Track<S> {
        Track { inner, metrics: self.0.clone() }
    }
}

/// The service of [`TrackLayer`].
#[derive(Clone)]
pub struct Track<S> {
    inner: S,
    metrics: Metrics,
}

impl<S, B, R> tower::Service<Request<B>> for Track<S>
where
    S: tower::Service<Request<B>, Response = axum::http::Response<R>>,
    S::Future: Send + 'static,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = Pin<Box<dyn Future<Output = Result<S::Response, S::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<B>) -> Self::Future {
        let started = Instant::now();
        let route = request.extensions().get::<MatchedPath>().cloned();
        let method = request.method().clone();
        let metrics = self.metrics.clone();
        let answer = self.inner.call(request);
        Box::pin(async move {
            let response = answer.await?;
            let route = route.as_ref().map_or(UNMATCHED, MatchedPath::as_str);
            metrics.record(route, &method, response.status(), started.elapsed());
            Ok(response)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seconds_are_written_exactly() {
        assert_eq!(seconds(500), "0.0005");
        assert_eq!(seconds(2_500), "0.0025");
        assert_eq!(seconds(1_000_000), "1");
        assert_eq!(seconds(10_000_000), "10");
        assert_eq!(seconds(0), "0");
        assert_eq!(seconds(1_234_567), "1.234567");
    }

    #[test]
    fn histogram_buckets_are_cumulative_and_count_matches() {
        let metrics = Metrics::default();
        for (ms, status) in [(0, 200), (3, 200), (3, 404), (40, 500), (20_000, 200)] {
            metrics.record(
                "/story/{slug}",
                &Method::GET,
                StatusCode::from_u16(status).unwrap_or_default(),
                Duration::from_millis(ms),
            );
        }
        metrics.record("/admin/{kind}/{id}", &Method::POST, StatusCode::SEE_OTHER, Duration::from_micros(1));
        let mut out = String::new();
        metrics.write_requests(&mut out);
        let line = |l: &str| out.lines().any(|x| x == l);
        assert!(
            line(r#"dateline_http_requests_total{route="/story/{slug}",method="GET",status="200"} 3"#),
            "{out}"
        );
        assert!(
            line(r#"dateline_http_requests_total{route="/story/{slug}",method="GET",status="404"} 1"#),
            "{out}"
        );
        assert!(
            line(r#"dateline_http_requests_total{route="/admin/{kind}/{id}",method="POST",status="303"} 1"#),
            "{out}"
        );
        assert!(
            line(r#"dateline_http_request_duration_seconds_bucket{route="/story/{slug}",le="0.0005"} 1"#),
            "{out}"
        );
        assert!(
            line(r#"dateline_http_request_duration_seconds_bucket{route="/story/{slug}",le="0.005"} 3"#),
            "{out}"
        );
        assert!(
            line(r#"dateline_http_request_duration_seconds_bucket{route="/story/{slug}",le="0.05"} 4"#),
            "{out}"
        );
        assert!(
            line(r#"dateline_http_request_duration_seconds_bucket{route="/story/{slug}",le="10"} 4"#),
            "{out}"
        );
        assert!(
            line(r#"dateline_http_request_duration_seconds_bucket{route="/story/{slug}",le="+Inf"} 5"#),
            "{out}"
        );
        assert!(line(r#"dateline_http_request_duration_seconds_count{route="/story/{slug}"} 5"#), "{out}");
        assert!(line(r#"dateline_http_request_duration_seconds_sum{route="/story/{slug}"} 20.046"#), "{out}");
    }

    #[test]
    fn label_values_are_escaped() {
        assert_eq!(escape(r#"a"b\c"#), r#"a\"b\\c"#);
        assert_eq!(escape("a\nb"), "a\\nb");
        assert_eq!(escape("/story/{slug}"), "/story/{slug}");
    }
}
