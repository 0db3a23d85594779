//! Lighthouse and axe on a live blog page (issue 17): served over a real port, audited by
//! `tools/audit/audit.mjs` (Lighthouse 12 and axe-core in Debian's Chromium) as a phone and as
//! a desktop. Every Lighthouse category must score 100 and axe must find nothing serious or
//! critical. With `CI=true` a missing Node, Chromium or `tools/audit/node_modules` fails the test.

use crate::api::{call, token};
use crate::support::Site;
use axum::http::{Method, StatusCode};
use dateline_core::account::TokenScope;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::time::Duration;

const CHROMIUM: &str = "/usr/bin/chromium";

/// The audit script, when Node, Chromium and the script's packages are all here.
fn audit_script() -> Option<PathBuf> {
    let tools = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tools/audit");
    let node = std::process::Command::new("node").arg("--version").output().is_ok_and(|o| o.status.success());
    let missing = [
        (!node, "node"),
        (!Path::new(CHROMIUM).exists(), CHROMIUM),
        (
            !tools.join("node_modules/lighthouse").exists(),
            "tools/audit/node_modules (npm ci --prefix tools/audit)",
        ),
    ]
    .into_iter()
    .filter_map(|(gone, what)| gone.then_some(what))
    .collect::<Vec<_>>();
    if missing.is_empty() {
        return Some(tools.join("audit.mjs"));
    }
    assert!(std::env::var("CI").as_deref() != Ok("true"), "CI=true but missing: {}", missing.join(", "));
    eprintln!("SKIPPED: missing {}", missing.join(", "));
    None
}

/// Runs the audit of `url` as `form_factor` and returns its report.
async fn audit(script: &Path, url: &str, form_factor: &str) -> Value {
    let run = tokio::process::Command::new("node").arg(script).arg(url).arg(form_factor).output();
    let out = tokio::time::timeout(Duration::from_secs(240), run).await.expect("the audit ends").unwrap();
    assert!(out.status.success(), "the audit could not run: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout)))
}

/// A published live blog with key events and ordinary entries, as a newsroom has one.
async fn live_blog(site: &Site) -> String {
    let admin = token(site, TokenScope::Admin).await;
    let story =
        site.publish(&site.draft("Election night: results as they come in"), "2025-02-27T10:00:00Z").await;
    let put = json!({
        "headline": "Election night: results as they come in", "section": "world",
        "standfirst": "Polls have closed across the country and the count has begun.",
        "body": "Polling stations closed at 8pm.\n\nThe first results are expected **before midnight**.",
        "version": story.version, "live": true,
    });
    let saved =
        call(site, Method::PUT, &format!("/api/admin/v1/stories/{}", story.id), Some(&admin), Some(put))
            .await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.json);
    let entries = format!("/api/admin/v1/stories/{}/entries", story.id);
    for entry in [
        json!({"title": "Polls close", "body": "Voting has ended in all **42** districts.", "key_event": true, "author": "Desk"}),
        json!({"body": "Turnout was 52%, the election commission says, up from 47% last time."}),
        json!({"title": "First result declared", "body": "The [commission](https://news.example/results) has declared the first seat.", "key_event": true}),
        json!({"body": "Queues were still outside two stations in the capital when the doors shut."}),
    ] {
        let added = call(site, Method::POST, &entries, Some(&admin), Some(entry)).await;
        assert_eq!(added.status, StatusCode::CREATED, "{}", added.json);
    }
    saved.json["slug"].as_str().unwrap().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_live_blog_page_scores_100_in_lighthouse_and_axe_finds_nothing_serious() {
    let Some(script) = audit_script() else { return };
    let site = Site::new().await;
    let slug = live_blog(&site).await;
    let base = crate::server::spawn(&site).await;
    let url = format!("{base}/story/{slug}");
    let page = reqwest::get(&url).await.unwrap().text().await.unwrap();
    assert!(page.contains("live-marker") && page.contains("First result declared"), "a live blog: {page}");

    let mut problems = Vec::new();
    for form_factor in ["mobile", "desktop"] {
        let report = audit(&script, &url, form_factor).await;
        eprintln!("{form_factor}: Lighthouse {} {}", report["lighthouse"], report["categories"]);
        if !report["runtime_error"].is_null() {
            problems.push(format!(
                "{form_factor}: Lighthouse could not judge the page: {}",
                report["runtime_error"]
            ));
        }
        for (category, score) in report["categories"].as_object().unwrap() {
            if score != 100 {
                problems.push(format!("{form_factor}: {category} scored {score}"));
            }
        }
        for failed in report["failing"].as_array().unwrap() {
            problems.push(format!("{form_factor}: audit did not pass: {failed}"));
        }
        for found in report["violations"].as_array().unwrap() {
            if matches!(found["impact"].as_str(), Some("serious" | "critical")) {
                problems.push(format!("{form_factor}: axe {}: {found}", found["impact"]));
            } else {
                eprintln!("{form_factor}: axe (minor or moderate): {found}");
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
