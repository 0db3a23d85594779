//! Operators' metrics as Prometheus scrapes them: `serve --metrics-listen` answers
//! `/metrics` in the text format on its own address, with the requests the site answered
//! counted by route template and status, latency histograms, the page cache's hits, the
//! wire items taken in, the database pool and memory; the public site never answers it.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use std::collections::{BTreeMap, HashMap};
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

fn dateline() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_dateline"));
    for var in [
        "DATELINE_DATA",
        "DATELINE_DATABASE_URL",
        "DATELINE_LISTEN",
        "DATELINE_CONFIG",
        "DATELINE_THEME",
        "DATELINE_METRICS_LISTEN",
    ] {
        cmd.env_remove(var);
    }
    cmd
}

/// One sample: a metric's name, its labels and its value.
#[derive(Debug)]
struct Sample {
    name: String,
    labels: BTreeMap<String, String>,
    value: f64,
}

/// Reads exposition text back: every line is a comment (`# HELP`, `# TYPE`) or
/// `name{label="value",...} value`; panics on anything else, and on a sample whose metric
/// has no `# TYPE` line before it. Answers the samples and each metric's type.
fn parse(text: &str) -> (Vec<Sample>, HashMap<String, String>) {
    let mut samples = Vec::new();
    let mut types = HashMap::new();
    for line in text.lines() {
        if let Some(comment) = line.strip_prefix("# ") {
            let mut words = comment.splitn(3, ' ');
            let (kind, name, rest) = (words.next().unwrap(), words.next().unwrap(), words.next().unwrap());
            assert!(kind == "HELP" || kind == "TYPE", "{line}");
            if kind == "TYPE" {
                assert!(["counter", "gauge", "histogram"].contains(&rest), "{line}");
                types.insert(name.to_owned(), rest.to_owned());
            }
            continue;
        }
        let (series, value) = line.rsplit_once(' ').unwrap_or_else(|| panic!("not a sample: {line:?}"));
        let value: f64 = value.parse().unwrap_or_else(|_| panic!("not a number: {line:?}"));
        let (name, labels) = match series.split_once('{') {
            Some((name, rest)) => {
                let inner = rest.strip_suffix('}').unwrap_or_else(|| panic!("unclosed labels: {line:?}"));
                let labels = inner
                    .split("\",")
                    .map(|pair| {
                        let (key, value) =
                            pair.split_once("=\"").unwrap_or_else(|| panic!("bad label: {line:?}"));
                        (key.to_owned(), value.trim_end_matches('"').to_owned())
                    })
                    .collect();
                (name.to_owned(), labels)
            }
            None => (series.to_owned(), BTreeMap::new()),
        };
        assert!(
            name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') && !name.is_empty(),
            "bad name: {line:?}"
        );
        let family = ["_bucket", "_sum", "_count"]
            .iter()
            .find_map(|suffix| {
                name.strip_suffix(suffix).filter(|f| types.get(*f).is_some_and(|t| t == "histogram"))
            })
            .unwrap_or(&name);
        assert!(types.contains_key(family), "no # TYPE before {line:?}");
        samples.push(Sample { name, labels, value });
    }
    (samples, types)
}

/// The value of the one sample named `name` whose labels include `labels`.
fn value(samples: &[Sample], name: &str, labels: &[(&str, &str)]) -> Option<f64> {
    let found: Vec<&Sample> = samples
        .iter()
        .filter(|s| {
            s.name == name && labels.iter().all(|(k, v)| s.labels.get(*k).map(String::as_str) == Some(*v))
        })
        .collect();
    assert!(found.len() <= 1, "{name} {labels:?} matches {found:?}");
    found.first().map(|s| s.value)
}

#[test]
fn metrics_are_served_apart_from_the_site() {
    let dir = tempfile::tempdir().unwrap();
    // A push source, to take a wire item in through the site.
    let added = dateline()
        .args(["source", "add", "Metrics Wire", "--kind", "push-ninjs", "--data"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(added.status.success(), "{}", String::from_utf8_lossy(&added.stderr));
    let said = String::from_utf8_lossy(&added.stdout).into_owned();
    let push_path = said.split("Push to ").nth(1).and_then(|s| s.split(' ').next()).expect("a push address");
    let token = said.split("Bearer ").nth(1).and_then(|s| s.split_whitespace().next()).expect("a token");
    let (push_path, token) = (push_path.to_owned(), token.to_owned());

    let mut child = dateline()
        .args(["serve", "--demo", "--no-demo-wire", "--listen", "127.0.0.1:0"])
        .args(["--metrics-listen", "127.0.0.1:0", "--data"])
        .arg(dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let (lines, said_lines) = std::sync::mpsc::channel();
    let stdout = child.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = lines.send(line);
        }
    });
    let mut said = Vec::new();
    let metrics_url = loop {
        if let Some(url) = said.iter().find_map(|l: &String| l.trim().strip_prefix("metrics: ")) {
            break url.to_owned();
        }
        match said_lines.recv_timeout(Duration::from_secs(120)) {
            Ok(line) => said.push(line),
            Err(e) => panic!("no metrics line ({e}): {said:?}"),
        }
    };
    let site = said
        .iter()
        .find_map(|l| l.strip_prefix("Dateline is serving ").map(|u| u.trim_end_matches('/').to_owned()))
        .expect("the server prints its URL");
    assert!(
        metrics_url.starts_with("http://127.0.0.1:") && metrics_url.ends_with("/metrics"),
        "{metrics_url}"
    );
    assert_ne!(metrics_url.trim_end_matches("/metrics"), site, "an address of its own");

    let result = std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        runtime.block_on(async {
            let client = reqwest::Client::builder().timeout(Duration::from_secs(20)).build().unwrap();
            let get = |url: String| {
                let client = client.clone();
                async move { client.get(url).send().await.unwrap() }
            };
            let home = get(format!("{site}/")).await;
            assert_eq!(home.status(), 200);
            let html = home.text().await.unwrap();
            let story =
                html.split("href=\"/story/").nth(1).and_then(|s| s.split('"').next()).expect("a story link");
            for _ in 0..2 {
                let page = get(format!("{site}/story/{story}")).await;
                assert_eq!(page.status(), 200);
                page.bytes().await.unwrap();
            }
            assert_eq!(get(format!("{site}/no-such-page")).await.status(), 404);
            // The public site does not answer /metrics.
            let public = get(format!("{site}/metrics")).await;
            assert_eq!(public.status(), 404);
            assert!(!public.text().await.unwrap().contains("dateline_http_requests_total"));
            let ninjs = std::fs::read(
                std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                    .join("../ingest/tests/fixtures/wire/ninjs20_text.json"),
            )
            .unwrap();
            let pushed = client
                .post(format!("{site}{push_path}"))
                .header("authorization", format!("Bearer {token}"))
                .header("content-type", "application/json")
                .body(ninjs)
                .send()
                .await
                .unwrap();
            assert_eq!(pushed.status(), 200, "{}", pushed.text().await.unwrap());

            let scraped = get(metrics_url.clone()).await;
            assert_eq!(scraped.status(), 200);
            let kind = scraped.headers()["content-type"].to_str().unwrap().to_owned();
            assert!(kind.starts_with("text/plain; version=0.0.4"), "{kind}");
            let text = scraped.text().await.unwrap();
            let (samples, types) = parse(&text);
            let requests = |route: &str, method: &str, status: &str| {
                value(
                    &samples,
                    "dateline_http_requests_total",
                    &[("route", route), ("method", method), ("status", status)],
                )
            };
            assert_eq!(types["dateline_http_requests_total"], "counter");
            assert_eq!(requests("/", "GET", "200"), Some(1.0), "{text}");
            assert_eq!(requests("/story/{slug}", "GET", "200"), Some(2.0), "{text}");
            // Addresses no route has are one label, whatever they were.
            assert_eq!(requests("unmatched", "GET", "404"), Some(2.0), "{text}");
            assert_eq!(requests("/api/wire/v1/sources/{id}/items", "POST", "200"), Some(1.0), "{text}");
            assert!(
                !text.contains("no-such-page") && !text.contains(story),
                "raw addresses are never labels"
            );
            // Nothing the metrics server answered is counted with the site's requests.
            assert_eq!(
                samples
                    .iter()
                    .filter(|s| s.name == "dateline_http_requests_total")
                    .map(|s| s.value)
                    .sum::<f64>(),
                6.0,
                "{text}"
            );

            // The story page's latency histogram: cumulative buckets, +Inf and _count equal.
            assert_eq!(types["dateline_http_request_duration_seconds"], "histogram");
            let buckets: Vec<(f64, f64)> = samples
                .iter()
                .filter(|s| {
                    s.name == "dateline_http_request_duration_seconds_bucket"
                        && s.labels["route"] == "/story/{slug}"
                })
                .map(|s| {
                    let le = &s.labels["le"];
                    (if le == "+Inf" { f64::INFINITY } else { le.parse().unwrap() }, s.value)
                })
                .collect();
            assert!(buckets.len() >= 10, "{buckets:?}");
            assert!(buckets.windows(2).all(|w| w[0].0 < w[1].0 && w[0].1 <= w[1].1), "{buckets:?}");
            assert_eq!(buckets.last().unwrap(), &(f64::INFINITY, 2.0));
            let histogram = |part: &str| {
                value(
                    &samples,
                    &format!("dateline_http_request_duration_seconds_{part}"),
                    &[("route", "/story/{slug}")],
                )
                .unwrap()
            };
            assert_eq!(histogram("count"), 2.0);
            assert!(histogram("sum") > 0.0 && histogram("sum") < 40.0, "{text}");

            // The second story page came from the page cache.
            let hits = value(&samples, "dateline_page_cache_hits_total", &[]).unwrap();
            let misses = value(&samples, "dateline_page_cache_misses_total", &[]).unwrap();
            assert!(hits >= 1.0, "{text}");
            assert!(misses >= 2.0, "the home and story pages were rendered once: {text}");
            assert!(value(&samples, "dateline_page_cache_entries", &[]).unwrap() >= 2.0, "{text}");
            assert!(value(&samples, "dateline_page_cache_bytes", &[]).unwrap() > 1000.0, "{text}");

            // The pushed item, held for the desk (the source does not publish by itself).
            assert_eq!(
                value(&samples, "dateline_wire_items_total", &[("action", "held")]),
                Some(1.0),
                "{text}"
            );
            assert_eq!(value(&samples, "dateline_wire_items_total", &[("action", "published")]), Some(0.0));
            assert!(value(&samples, "dateline_wire_pictures_waiting", &[]).is_some(), "{text}");

            // The change log, the database and the process.
            assert_eq!(value(&samples, "dateline_database_up", &[]), Some(1.0), "{text}");
            let newest = value(&samples, "dateline_change_log_newest_id", &[]).unwrap();
            let applied = value(&samples, "dateline_change_log_applied_id", &[]).unwrap();
            let lag = value(&samples, "dateline_change_log_lag", &[]).unwrap();
            assert!(newest >= 1.0 && applied >= 1.0 && lag >= 0.0, "{text}");
            assert!(value(&samples, "dateline_change_log_read_age_seconds", &[]).unwrap() < 30.0, "{text}");
            assert_eq!(value(&samples, "dateline_db_pool_max", &[]), Some(8.0), "SQLite's pool: {text}");
            let open = value(&samples, "dateline_db_pool_connections", &[]).unwrap();
            let idle = value(&samples, "dateline_db_pool_idle", &[]).unwrap();
            assert!((1.0..=8.0).contains(&open) && idle <= open, "{text}");
            assert!(value(&samples, "process_resident_memory_bytes", &[]).unwrap() > 1e6, "{text}");

            // The metrics address answers /metrics only.
            let other = get(metrics_url.replace("/metrics", "/")).await;
            assert_eq!(other.status(), 404);
        });
    })
    .join();
    child.kill().unwrap();
    child.wait().unwrap();
    result.unwrap();
}
