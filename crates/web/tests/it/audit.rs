//! Lighthouse and axe over a real port, run by `tools/audit/audit.mjs` (Lighthouse 12 and
//! axe-core in Debian's Chromium). A live blog page (issue 17) must score 100 in every Lighthouse
//! category as a phone and as a desktop; every admin page (issue 18) must work with the keyboard
//! alone, and the story editor score 100 for accessibility. Axe must find nothing serious or
//! critical anywhere. With `CI=true` a missing Node, Chromium or `tools/audit/node_modules` fails
//! the test.

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
    run_audit(tokio::process::Command::new("node").arg(script).arg(url).arg(form_factor)).await
}

/// Runs the audit script as `command` says and returns the JSON it prints.
async fn run_audit(command: &mut tokio::process::Command) -> Value {
    let run = command.output();
    let out = tokio::time::timeout(Duration::from_secs(240), run).await.expect("the audit ends").unwrap();
    assert!(out.status.success(), "the audit could not run: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout)))
}

/// A published live blog with key events and ordinary entries, as a newsroom has one.
async fn live_blog(site: &Site) -> (String, i64) {
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
    (saved.json["slug"].as_str().unwrap().to_owned(), story.id.0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_live_blog_page_scores_100_in_lighthouse_and_axe_finds_nothing_serious() {
    let Some(script) = audit_script() else { return };
    let site = Site::new().await;
    let (slug, _) = live_blog(&site).await;
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

/// A newsroom with something on every admin page: a draft, a published story, a live blog with
/// entries and revisions, wire items waiting, a picture, a pinned front, a token, a webhook.
/// Returns the admin pages to audit (paths, signed in), the editor's two addresses (a new story,
/// a draft) and the published story's id.
async fn busy_newsroom(site: &Site, base: &str) -> (Vec<String>, [String; 2], i64) {
    let draft = site
        .store
        .create_story(&site.draft("Talks resume in Geneva"), None, crate::support::at(crate::support::NOW))
        .await
        .unwrap();
    let published = site.publish(&site.draft("Floodwater recedes in Sindh"), "2025-02-27T09:00:00Z").await;
    let (_, live) = live_blog(site).await;
    let entry = site.store.live_entries(dateline_core::StoryId(live), 0).await.unwrap()[0].id;

    let (source, push_token) = crate::wire::push_source(site, false).await;
    for item in ["ninjs20_text.json", "newsml_message.xml"] {
        let (status, body) = crate::wire::push(base, source, &push_token, crate::wire::fixture(item)).await;
        assert_eq!(status, 200, "{item}: {body}");
    }
    let wire_item = site.store.wire_items(None, Some("waiting"), 1).await.unwrap()[0].id;

    let admin = token(site, TokenScope::Admin).await;
    let jpeg = crate::media::picture(1200, 800, image::ImageFormat::Jpeg);
    let fields =
        [("alt", "Rain over the old city"), ("caption", "Monsoon rain in Lahore"), ("credit", "Photo: APP")];
    let (status, picture) = crate::media::upload(site, &admin, Some(("rain.jpg", &jpeg)), &fields).await;
    assert_eq!(status, StatusCode::CREATED, "{picture}");
    site.store
        .create_webhook(
            "https://hooks.news.example/dateline",
            "s3cret",
            &dateline_core::StoryEvent::ALL,
            crate::support::at(crate::support::NOW),
        )
        .await
        .unwrap();
    site.account("author@news.example", dateline_core::Role::Author, true).await;

    let (d, p, l) = (draft.id.0, published.id.0, live);
    let editors = ["/admin/stories/new".to_owned(), format!("/admin/stories/{d}")];
    let mut pages: Vec<String> = [
        "/admin",
        "/admin/stories",
        "/admin/wire",
        "/admin/media",
        "/admin/fronts",
        "/admin/fronts/home",
        "/admin/sections",
        "/admin/tags",
        "/admin/authors",
        "/admin/sources",
        "/admin/users",
        "/admin/settings",
        "/admin/tokens",
        "/admin/webhooks",
        "/admin/cdn",
        "/admin/webhooks/deliveries",
        "/admin/import",
        "/admin/account",
    ]
    .map(str::to_owned)
    .into();
    pages.extend(editors.iter().cloned());
    pages.extend([
        format!("/admin/stories/{p}"),
        format!("/admin/stories/{l}/revisions"),
        format!("/admin/stories/{l}/live"),
        format!("/admin/stories/{l}/live/{entry}"),
        format!("/admin/wire/{wire_item}"),
        format!("/admin/sources/{source}/wire"),
        format!("/admin/media/{}", picture["id"]),
        format!("/admin/sections/{}/edit", site.world.id.0),
        format!("/admin/tags/{}/edit", site.tag.id.0),
        format!("/admin/authors/{}/edit", site.author.id.0),
        format!("/admin/sources/{source}/edit"),
    ]);
    (pages, editors, p)
}

/// Problems with the keyboard in one page's report from `audit.mjs --axe-only`.
fn keyboard_problems(report: &Value) -> Vec<String> {
    let url = &report["url"];
    let keyboard = &report["keyboard"];
    let mut problems = Vec::new();
    for (key, what) in [
        ("unreached", "Tab never reaches"),
        ("no_focus_indicator", "no visible focus on"),
        ("positive_tabindex", "a positive tabindex on"),
    ] {
        for element in keyboard[key].as_array().unwrap() {
            problems.push(format!("{url}: {what} {element}"));
        }
    }
    for dialog in report["dialogs"].as_array().unwrap() {
        for problem in dialog["problems"].as_array().unwrap() {
            problems.push(format!("{url}: {} {problem}", dialog["selector"]));
        }
    }
    problems
}

/// Runs `audit.mjs --axe-only` over `urls`, with the session `cookie` when given.
async fn axe_only(script: &Path, urls: &[String], cookie: Option<&str>) -> Vec<Value> {
    let mut command = tokio::process::Command::new("node");
    command.arg(script).args(["--axe-only", "--open", PICKER]).args(urls);
    if let Some(cookie) = cookie {
        command.env("AUDIT_COOKIE", cookie);
    }
    let reports = run_audit(&mut command).await;
    let reports = reports.as_array().unwrap().clone();
    assert_eq!(reports.len(), urls.len(), "a report for every page");
    reports
}

/// The editor's button that opens the picture picker, a modal dialog.
const PICKER: &str = "button[data-picker=image]";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_admin_page_works_with_the_keyboard_without_serious_axe_findings_and_the_editor_scores_100() {
    let Some(script) = audit_script() else { return };
    let site = Site::new().await;
    let base = crate::server::spawn(&site).await;
    let (pages, editors, published) = busy_newsroom(&site, &base).await;
    let mut desk = site.signed_in(dateline_core::Role::Administrator).await;
    desk.get("/admin/fronts/home").await;
    let pin = desk.post("/admin/fronts/home", &[("add", &published.to_string())]).await;
    assert_eq!(pin.status, StatusCode::SEE_OTHER, "{}", pin.body);
    let cookie = format!("dateline_session={}", desk.cookies["dateline_session"]);

    // Signed in: every page of the newsroom, and one it does not have (its error page).
    // Signed out: the sign-in form.
    let mut urls: Vec<String> = pages.iter().map(|p| format!("{base}{p}")).collect();
    urls.push(format!("{base}/admin/stories/999999"));
    let mut reports = axe_only(&script, &urls, Some(&cookie)).await;
    reports.extend(axe_only(&script, &[format!("{base}/admin/login")], None).await);

    let mut problems = Vec::new();
    for report in &reports {
        let url = report["url"].as_str().unwrap();
        let reached = report["keyboard"]["reached"].as_array().unwrap();
        eprintln!("{url}: {} ({}), Tab reaches {}", report["title"], report["status"], reached.len());
        let expected = if url.ends_with("/999999") { 404 } else { 200 };
        if report["status"] != expected || report["final_url"] != url {
            problems.push(format!("{url}: answered {} at {}", report["status"], report["final_url"]));
        }
        for found in report["violations"].as_array().unwrap() {
            if matches!(found["impact"].as_str(), Some("serious" | "critical")) {
                problems.push(format!("{url}: axe {}: {found}", found["impact"]));
            } else {
                eprintln!("{url}: axe (minor or moderate): {found}");
            }
        }
        problems.extend(keyboard_problems(report));
    }

    // In the editor, Tab from the top reaches the headline, the body, the toolbar and Publish;
    // Enter opens the picture picker and Escape closes it.
    for editor in &editors {
        let url = format!("{base}{editor}");
        let report = reports.iter().find(|r| r["url"] == url.as_str()).unwrap();
        let reached = report["keyboard"]["reached"].as_array().unwrap();
        for wanted in [
            "input#ed-headline",
            "textarea#ed-body",
            "button \"Bold\"",
            "button[name=action] \"Publish now\"",
        ] {
            if !reached
                .iter()
                .any(|r| r.as_str().unwrap().starts_with(wanted) || r.as_str().unwrap().contains(wanted))
            {
                problems.push(format!("{url}: Tab never reaches {wanted}"));
            }
        }
        if report["dialogs"].as_array().unwrap().is_empty() {
            problems.push(format!("{url}: no picture picker button to open"));
        }
    }

    // Lighthouse's accessibility score for the editor, as a phone and as a desktop.
    for editor in &editors {
        for form_factor in ["mobile", "desktop"] {
            let url = format!("{base}{editor}");
            let report = run_audit(
                tokio::process::Command::new("node")
                    .arg(&script)
                    .args([url.as_str(), form_factor, "accessibility"])
                    .env("AUDIT_COOKIE", &cookie),
            )
            .await;
            eprintln!("{url} {form_factor}: Lighthouse {} {}", report["lighthouse"], report["categories"]);
            if report["final_url"] != url.as_str() || !report["runtime_error"].is_null() {
                problems.push(format!(
                    "{url} {form_factor}: Lighthouse judged {} ({})",
                    report["final_url"], report["runtime_error"]
                ));
            }
            if report["categories"]["accessibility"] != 100 {
                problems.push(format!(
                    "{url} {form_factor}: accessibility scored {}",
                    report["categories"]["accessibility"]
                ));
            }
            for failed in report["failing"].as_array().unwrap() {
                problems.push(format!("{url} {form_factor}: audit did not pass: {failed}"));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
