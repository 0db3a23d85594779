//! Headless Chromium, driven through chromedriver (WebDriver), against a real server: the
//! relative times are filled in by the page's script, and the section menu opens on a
//! phone-sized screen; the public pages load every resource they name, the favicon
//! included, with nothing logged to the console. Without a browser the test is skipped
//! locally but fails when `CI=true`.

use crate::support::Site;
use fantoccini::{ClientBuilder, Locator};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

pub fn browser_available() -> bool {
    let found = Path::new(CHROMIUM).exists() && Path::new(CHROMEDRIVER).exists();
    if !found {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "CI=true but {CHROMIUM} or {CHROMEDRIVER} is missing (apt-get install chromium chromium-driver)"
        );
        eprintln!(
            "SKIPPED: {CHROMIUM} or {CHROMEDRIVER} missing; install Debian's chromium and chromium-driver"
        );
    }
    found
}

pub fn screenshot_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Starts chromedriver on a free loopback port; it is killed when the child is dropped.
async fn chromedriver() -> (tokio::process::Child, String) {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let child = tokio::process::Command::new(CHROMEDRIVER)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("chromedriver starts");
    for _ in 0..100 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_ok() {
            return (child, format!("http://127.0.0.1:{port}"));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("chromedriver did not start on port {port}");
}

/// A headless Chromium session through a fresh chromedriver, phone-sized (375 px).
pub async fn browser() -> (tokio::process::Child, fantoccini::Client, tempfile::TempDir) {
    let (driver, driver_url) = chromedriver().await;
    let user_data = tempfile::tempdir().unwrap();
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        serde_json::json!({
            "binary": CHROMIUM,
            "mobileEmulation": {"deviceMetrics": {"width": 375, "height": 812, "pixelRatio": 2.0}},
            "args": [
                "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-quic",
                format!("--user-data-dir={}", user_data.path().display()),
            ],
        }),
    );
    // The console kept, for `console_errors`.
    caps.insert("goog:loggingPrefs".into(), serde_json::json!({"browser": "ALL"}));
    let client = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(caps)
        .connect(&driver_url)
        .await
        .expect("a browser session");

    (driver, client, user_data)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn story_page_in_a_phone_sized_browser() {
    if !browser_available() {
        return;
    }
    let site = Site::new().await;
    // Real time here: the script compares against the browser's clock.
    let now = jiff::Timestamp::now();
    let story = site
        .publish(&site.draft("Browser story"), &(now - jiff::SignedDuration::from_mins(30)).to_string())
        .await;
    site.publish(&site.draft("Story seconds old"), &(now - jiff::SignedDuration::from_secs(40)).to_string())
        .await;
    site.publish(&site.draft("Story minutes old"), &(now - jiff::SignedDuration::from_mins(7)).to_string())
        .await;
    let base = crate::server::spawn(&site).await;

    let (_driver, client, _profile) = browser().await;
    client.goto(&format!("{base}/story/{}", story.slug)).await.unwrap();
    let eval = |js: &'static str| {
        let client = client.clone();
        async move { client.execute(js, vec![]).await.unwrap() }
    };
    let mut relative = String::new();
    for _ in 0..50 {
        relative = eval("return Array.from(document.querySelectorAll('time.js-relative')).map(t => t.textContent.trim()).join(' | ')")
            .await
            .as_str()
            .unwrap_or_default()
            .to_owned();
        if relative.contains("ago") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        relative.contains("seconds ago") && relative.contains("minutes ago"),
        "relative times: {relative}"
    );
    assert_eq!(eval("return window.innerWidth").await, 375);
    assert_eq!(
        eval("return getComputedStyle(document.getElementById('site-menu')).display").await,
        "none",
        "menu starts closed"
    );
    client.find(Locator::Css("label.menu-button")).await.unwrap().click().await.unwrap();
    assert_ne!(
        eval("return getComputedStyle(document.getElementById('site-menu')).display").await,
        "none",
        "menu opens"
    );
    assert_eq!(
        eval("return document.getElementById('site-menu').getBoundingClientRect().height > 0").await,
        true
    );
    let png = client.screenshot().await.unwrap();
    std::fs::write(screenshot_dir().join("story-375-menu-open.png"), png).unwrap();
    client.close().await.unwrap();
}

/// Chromium's console since the last call, read through chromedriver's log endpoint.
#[derive(Debug)]
struct BrowserLog;

impl fantoccini::wd::WebDriverCompatibleCommand for BrowserLog {
    fn endpoint(&self, base: &url::Url, session: Option<&str>) -> Result<url::Url, url::ParseError> {
        base.join(&format!("session/{}/se/log", session.unwrap_or_default()))
    }

    fn method_and_body(&self, _: &url::Url) -> (axum::http::Method, Option<String>) {
        (axum::http::Method::POST, Some(r#"{"type":"browser"}"#.into()))
    }
}

/// The errors the page logged to the console (a resource that failed to load is one).
pub async fn console_errors(client: &fantoccini::Client) -> Vec<String> {
    let log = client.issue_cmd(BrowserLog).await.expect("the browser's log");
    log.as_array()
        .into_iter()
        .flatten()
        .filter(|entry| entry["level"] == "SEVERE")
        .map(|entry| entry["message"].as_str().unwrap_or_default().to_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn public_pages_load_every_resource_and_the_favicon() {
    if !browser_available() {
        return;
    }
    let site = Site::new().await;
    let story = site.publish(&site.draft("Browser story"), "2025-02-27T08:00:00Z").await;
    let base = crate::server::spawn(&site).await;
    let (_driver, client, _profile) = browser().await;
    for page in ["/".to_owned(), format!("/story/{}", story.slug), "/section/world".to_owned()] {
        client.goto(&format!("{base}{page}")).await.unwrap();
        let icon = client
            .execute(
                "return new Promise(done => { const link = document.querySelector('link[rel=icon]'); \
                 if (!link) return done('no icon link'); const img = new Image(); \
                 img.onload = () => done(img.naturalWidth + 'x' + img.naturalHeight); \
                 img.onerror = () => done('failed: ' + link.href); img.src = link.href; })",
                vec![],
            )
            .await
            .unwrap();
        assert_eq!(icon, "32x32", "{page}: the favicon loads");
        let root = client
            .execute(
                "return fetch('/favicon.ico').then(r => r.status + ' ' + r.headers.get('content-type'))",
                vec![],
            )
            .await
            .unwrap();
        assert_eq!(root, "200 image/x-icon", "{page}: /favicon.ico, where browsers look unasked");
        let failed = client
            .execute(
                "return performance.getEntriesByType('resource').filter(e => e.responseStatus >= 400).map(e => e.name)",
                vec![],
            )
            .await
            .unwrap();
        assert_eq!(failed, serde_json::json!([]), "{page}: resources that failed");
        // The browser asks for the tab's icon on its own; give it the time to.
        tokio::time::sleep(Duration::from_millis(500)).await;
        let errors = console_errors(&client).await;
        assert!(errors.is_empty(), "{page}: console errors {errors:?}");
    }
    client.close().await.unwrap();
}

/// Types `text` into the element `css` names, after what it holds.
pub async fn type_in(client: &fantoccini::Client, css: &str, text: &str) {
    client.find(Locator::Css(css)).await.unwrap().send_keys(text).await.unwrap();
}

/// Signs `client` in through the form.
pub async fn sign_in(client: &fantoccini::Client, base: &str, email: &str, password: &str) {
    client.goto(&format!("{base}/admin/login")).await.unwrap();
    type_in(client, "input[name=email]", email).await;
    type_in(client, "input[name=password]", password).await;
    client
        .find(Locator::Css("form[action='/admin/login'] button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    client.wait().for_element(Locator::Css("nav a[href='/admin/stories/new']")).await.expect("signed in");
}

/// A server for `site` and a browser signed in to it as a new account `email` with `role`:
/// the server's address, then what `browser` answers.
pub async fn signed_in_browser(
    site: &Site,
    email: &str,
    role: dateline_core::Role,
) -> (String, tokio::process::Child, fantoccini::Client, tempfile::TempDir) {
    let password = site.account(email, role, true).await;
    let base = crate::server::spawn(site).await;
    let (driver, client, profile) = browser().await;
    sign_in(&client, &base, email, &password).await;
    (base, driver, client, profile)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_editor_writes_and_publishes_a_story_in_the_browser() {
    if !browser_available() {
        return;
    }
    let site = Site::new().await;
    let (base, _driver, client, _profile) =
        signed_in_browser(&site, "editor@news.example", dateline_core::Role::Editor).await;

    client.goto(&format!("{base}/admin/stories/new")).await.unwrap();
    type_in(&client, "[name=headline]", "Written in a real browser").await;
    type_in(&client, "[name=standfirst]", "Typed by a headless Chromium.").await;
    type_in(&client, "[name=body]", "The first paragraph.\n\nThe second paragraph.").await;
    type_in(&client, "[name=tags]", "Browser Testing").await;
    client.find(Locator::Css("[name=section]")).await.unwrap().select_by_value("world").await.unwrap();
    client.find(Locator::Css("button[name=action][value=publish]")).await.unwrap().click().await.unwrap();
    client.wait().for_element(Locator::Css("[role=status]")).await.expect("a confirmation");
    let status_text = client.find(Locator::Css("[role=status]")).await.unwrap().text().await.unwrap();
    assert!(status_text.contains("Published"), "{status_text}");
    std::fs::write(screenshot_dir().join("admin-editor-375.png"), client.screenshot().await.unwrap())
        .unwrap();

    client.goto(&format!("{base}/")).await.unwrap();
    let home = client.source().await.unwrap();
    assert!(home.contains("Written in a real browser"), "the story is on the home page");
    client.goto(&format!("{base}/tag/browser-testing")).await.unwrap();
    assert!(client.source().await.unwrap().contains("Written in a real browser"), "under its new tag");
    client.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_contributor_cannot_publish_in_the_browser() {
    if !browser_available() {
        return;
    }
    let site = Site::new().await;
    let (base, _driver, client, _profile) =
        signed_in_browser(&site, "contributor@news.example", dateline_core::Role::Contributor).await;
    client.goto(&format!("{base}/admin/stories/new")).await.unwrap();
    assert!(client.find(Locator::Css("button[name=action][value=save]")).await.is_ok(), "can save a draft");
    assert!(
        client.find(Locator::Css("button[name=action][value=publish]")).await.is_err(),
        "no Publish button for a contributor"
    );
    type_in(&client, "[name=headline]", "A contributor's draft").await;
    client.find(Locator::Css("[name=section]")).await.unwrap().select_by_value("world").await.unwrap();
    client.find(Locator::Css("button[name=action][value=save]")).await.unwrap().click().await.unwrap();
    client.wait().for_element(Locator::Css("[role=status]")).await.expect("saved");
    client.goto(&format!("{base}/")).await.unwrap();
    assert!(!client.source().await.unwrap().contains("A contributor"), "drafts stay off the site");
    client.close().await.unwrap();
}

/// Polls `js` (a script returning a boolean) until it is true or `limit` passes; the time it
/// took.
pub async fn until_true(client: &fantoccini::Client, js: &str, limit: Duration) -> Option<Duration> {
    let started = std::time::Instant::now();
    while started.elapsed() < limit {
        if client.execute(js, vec![]).await.unwrap() == serde_json::Value::Bool(true) {
            return Some(started.elapsed());
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    None
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_live_entry_reaches_an_open_page_without_a_reload() {
    if !browser_available() {
        return;
    }
    let site = Site::new().await;
    let story = site.publish(&site.draft("Election night live"), "2025-02-27T08:00:00Z").await;
    let by = dateline_core::Actor::System("test");
    site.store.set_coverage(story.id, true, &by, crate::support::at("2025-02-27T08:00:00Z")).await.unwrap();
    let base = crate::server::spawn(&site).await;
    let (_driver, client, _profile) = browser().await;
    client.goto(&format!("{base}/story/{}", story.slug)).await.unwrap();
    // The page's stream is open once the server counts a reader.
    for _ in 0..100 {
        if site.state.live.readers() > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(site.state.live.readers(), 1, "the page opened its stream");
    client.execute("document.body.setAttribute('data-not-reloaded', 'yes')", vec![]).await.unwrap();

    // The editor adds an entry on the live desk.
    let mut editor = site.signed_in(dateline_core::Role::Editor).await;
    let desk = format!("/admin/stories/{}/live", story.id);
    let csrf = crate::support::csrf_of(&editor.get(&desk).await.body);
    let added = editor
        .post(
            &desk,
            &[
                ("csrf", &csrf),
                ("title", "Polls close"),
                ("body", "Counting starts now."),
                ("key_event", "on"),
            ],
        )
        .await;
    assert_eq!(added.status, axum::http::StatusCode::SEE_OTHER);
    let shown = "return !!document.querySelector('.live-entries .live-entry') && \
                 document.querySelector('.live-entries').textContent.includes('Counting starts now.') && \
                 document.body.getAttribute('data-not-reloaded') === 'yes'";
    let took = until_true(&client, shown, Duration::from_secs(5)).await.expect("the entry appears");
    eprintln!("the entry appeared on the open page {took:?} after the editor's save");
    assert!(took < Duration::from_secs(1), "within a second: {took:?}");
    let key = "return document.querySelector('.live-key-list').textContent.includes('Polls close')";
    assert!(until_true(&client, key, Duration::from_secs(1)).await.is_some(), "listed among key events");
    assert!(console_errors(&client).await.is_empty(), "{:?}", console_errors(&client).await);
    client.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_banner_goes_up_and_comes_down_in_the_browser() {
    if !browser_available() {
        return;
    }
    let site = Site::new().await;
    site.publish(&site.draft("Floods recede"), "2025-02-27T08:00:00Z").await;
    let (base, _driver, client, _profile) =
        signed_in_browser(&site, "editor@news.example", dateline_core::Role::Editor).await;
    client.goto(&format!("{base}/admin")).await.unwrap();
    type_in(&client, "form[action='/admin/banner'] [name=text]", "Storm warning for the coast").await;
    client
        .find(Locator::Css("form[action='/admin/banner'] button.btn--primary"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let up = "return document.body.textContent.includes('Take it down')";
    assert!(until_true(&client, up, Duration::from_secs(5)).await.is_some(), "the dashboard says it is up");
    client.goto(&format!("{base}/")).await.unwrap();
    let banner = client.find(Locator::Css(".breaking-banner")).await.expect("the banner is up");
    assert!(banner.text().await.unwrap().contains("Storm warning for the coast"));
    client.goto(&format!("{base}/admin")).await.unwrap();
    client
        .find(Locator::Css("button[formaction='/admin/banner/clear']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let down = "return document.body.textContent.includes('Put the banner up')";
    assert!(
        until_true(&client, down, Duration::from_secs(5)).await.is_some(),
        "the dashboard says it is down"
    );
    // Another address of the same page: the browser keeps "/" for its max-age.
    client.goto(&format!("{base}/?banner=down")).await.unwrap();
    assert!(client.find(Locator::Css(".breaking-banner")).await.is_err(), "the banner is down");
    client.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_front_is_rearranged_with_the_keyboard() {
    if !browser_available() {
        return;
    }
    let site = Site::new().await;
    let a = site.publish(&site.draft("First pinned"), "2025-02-27T08:00:00Z").await;
    let b = site.publish(&site.draft("Second pinned"), "2025-02-27T09:00:00Z").await;
    let pins = dateline_core::FrontPins { lead: Some(a.id), top: vec![b.id] };
    site.store.set_front_pins(dateline_core::Front::Home, &pins).await.unwrap();
    let (base, _driver, client, _profile) =
        signed_in_browser(&site, "editor@news.example", dateline_core::Role::Editor).await;
    client.goto(&format!("{base}/admin/fronts/home")).await.unwrap();
    // Tab to the second story's "Move up" and press Enter, as a keyboard user does.
    let up = client.find(Locator::Css("button[name=move][value='up:1']")).await.unwrap();
    client.execute("arguments[0].focus()", vec![serde_json::to_value(&up).unwrap()]).await.unwrap();
    up.send_keys("\u{E007}").await.unwrap();
    client.wait().for_element(Locator::Css("[role=status]")).await.expect("saved");
    let first =
        client.find(Locator::Css(".front-slot .front-slot-headline")).await.unwrap().text().await.unwrap();
    assert_eq!(first, "Second pinned");
    client.goto(&format!("{base}/")).await.unwrap();
    let lead = client.find(Locator::Css(".lead-story")).await.unwrap().text().await.unwrap();
    assert!(lead.contains("Second pinned"), "{lead}");
    client.close().await.unwrap();
}
