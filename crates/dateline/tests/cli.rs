//! The binary as an operator uses it: help texts, configuration errors, demo generation on
//! both backends, and `serve --demo` answering real HTTP.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod common;

use dateline_core::{Actor, StatusChange};
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

fn dateline() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_dateline"));
    for var in
        ["DATELINE_DATA", "DATELINE_DATABASE_URL", "DATELINE_LISTEN", "DATELINE_CONFIG", "DATELINE_THEME"]
    {
        cmd.env_remove(var);
    }
    cmd
}

#[test]
fn every_command_has_help() {
    for args in [vec!["--help"], vec!["serve", "--help"], vec!["demo", "--help"]] {
        let out = dateline().args(&args).output().unwrap();
        assert!(out.status.success(), "{args:?}");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains("Usage:"), "{args:?}: {text}");
    }
    let serve =
        String::from_utf8_lossy(&dateline().args(["serve", "--help"]).output().unwrap().stdout).into_owned();
    for flag in [
        "--listen",
        "--data",
        "--database-url",
        "--demo",
        "DATELINE_LISTEN",
        "DATELINE_DATA",
        "DATELINE_DATABASE_URL",
    ] {
        assert!(serve.contains(flag), "serve --help lacks {flag}");
    }
}

#[test]
fn unknown_config_keys_are_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("dateline.toml");
    std::fs::write(&file, "listen = \"127.0.0.1:0\"\ndatabase = \"oops\"\n").unwrap();
    let out = dateline().args(["serve", "--config"]).arg(&file).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("unknown field `database`"), "{err}");
    assert!(err.contains("not a valid Dateline configuration"), "{err}");
}

#[test]
fn a_bad_egress_entry_stops_the_start() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("dateline.toml");
    std::fs::write(&file, "[egress]\nallow = [\"127.0.0.1\", \"10.20.1.0/16\"]\n").unwrap();
    let out = dateline()
        .args(["serve", "--listen", "127.0.0.1:0", "--config"])
        .arg(&file)
        .arg("--data")
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("[egress] allow"), "{err}");
    assert!(err.contains("\"10.20.1.0/16\"") && err.contains("did you mean 10.20.0.0/16"), "{err}");
}

#[test]
fn a_non_postgres_url_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let out = dateline()
        .args(["demo", "--stories", "1", "--database-url", "mysql://x"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("postgres://"));
}

#[test]
fn demo_generates_stories_into_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let out = dateline().args(["demo", "--stories", "2500", "--data"]).arg(dir.path()).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("Generated 2500 demo stories") && text.contains("stories/s"), "{text}");
    assert!(dir.path().join("dateline.db").exists());
    // Everything the command made is its owner's alone: the database, the pictures.
    #[cfg(unix)]
    for entry in walk(dir.path()) {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&entry).unwrap().permissions().mode() & 0o777;
        let private = if entry.is_dir() { 0o700 } else { 0o600 };
        assert_eq!(mode, private, "{} is {mode:o}", entry.display());
    }
    // Running again adds more, with fresh slugs.
    let again = dateline().args(["demo", "--stories", "10", "--data"]).arg(dir.path()).output().unwrap();
    assert!(again.status.success(), "{}", String::from_utf8_lossy(&again.stderr));
}

#[test]
fn demo_generates_stories_into_postgres() {
    let admin = "postgres://postgres@127.0.0.1:5432/postgres";
    let name = format!("dateline_cli_{}", std::process::id());
    let psql = |sql: &str| Command::new("psql").args([admin, "-qAtc", sql]).output();
    match psql(&format!("CREATE DATABASE {name}")) {
        Ok(out) if out.status.success() => {}
        other => {
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "CI=true but PostgreSQL unusable: {other:?}"
            );
            eprintln!("SKIPPED: PostgreSQL unusable: {other:?}");
            return;
        }
    }
    let url = format!("postgres://postgres@127.0.0.1:5432/{name}");
    // Pictures still go to the data folder: a temporary one, not the working directory.
    let data = tempfile::tempdir().unwrap();
    let out = dateline()
        .args(["demo", "--stories", "1200", "--database-url", &url, "--data"])
        .arg(data.path())
        .output()
        .unwrap();
    assert!(!std::path::Path::new("dateline-data").exists(), "nothing written to the working directory");
    let count =
        Command::new("psql").args([url.as_str(), "-qAtc", "SELECT COUNT(*) FROM stories"]).output().unwrap();
    psql(&format!("DROP DATABASE {name} WITH (FORCE)")).unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(String::from_utf8_lossy(&count.stdout).trim(), "1200");
}

#[test]
fn serve_demo_answers_over_http() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = dateline()
        .args(["serve", "--demo", "--listen", "127.0.0.1:0", "--data"])
        .arg(dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let url = server_url(&mut child);
    let data = dir.path().to_owned();
    let result = std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        runtime.block_on(async {
            let client = reqwest::Client::builder().timeout(Duration::from_secs(10)).build().unwrap();
            let home = client.get(format!("{url}/")).send().await.unwrap();
            assert_eq!(home.status(), 200);
            let html = home.text().await.unwrap();
            assert!(html.contains("The Dateline Post"));
            let story =
                html.split("href=\"/story/").nth(1).and_then(|s| s.split('"').next()).expect("a story link");
            let page = client.get(format!("{url}/story/{story}")).send().await.unwrap();
            assert_eq!(page.status(), 200);
            assert!(page.text().await.unwrap().contains("Published "));
            // Demo pictures are drawn locally, kept on the local disk and served in sizes.
            let picture =
                html.split("srcset=\"").nth(1).and_then(|s| s.split(' ').next()).expect("a picture");
            assert!(picture.starts_with("/media/"), "{picture}");
            let file = client.get(format!("{url}{picture}")).send().await.unwrap();
            assert_eq!(file.status(), 200, "{picture}");
            assert!(file.headers()["cache-control"].to_str().unwrap().contains("immutable"));
            let bytes = file.bytes().await.unwrap();
            assert!(bytes.starts_with(b"RIFF") || bytes.starts_with(&[0xff, 0xd8]), "a WebP or JPEG");
            assert!(std::fs::read_dir(data.join("media")).unwrap().next().is_some(), "stored on disk");
            for (path, want) in [("/section/urdu", 200), ("/readyz", 200), ("/no-such-page", 404)] {
                let status = client.get(format!("{url}{path}")).send().await.unwrap().status();
                assert_eq!(status, want, "{path}");
            }
        });
    })
    .join();
    child.kill().unwrap();
    child.wait().unwrap();
    result.unwrap();
}

/// `serve --demo` (with its demo wire sped up) brings the demo agencies' copy to the wire
/// desk, as an editor signed in sees it: held items, the same story from both agencies
/// grouped, an item updated to its newer version, one withdrawn, one under embargo; and the
/// public site shows the newer version and not the withdrawn story.
#[test]
fn serve_demo_wire_reaches_the_wire_desk() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = dateline()
        .args(["serve", "--demo", "--demo-wire-speed", "40", "--listen", "127.0.0.1:0", "--data"])
        .arg(dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // What the server says, line by line, read on a thread of its own (a missing line must
    // fail the test, not hang it).
    let (lines, said_lines) = std::sync::mpsc::channel();
    let stdout = child.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = lines.send(line);
        }
    });
    let mut said = Vec::new();
    while !said.iter().any(|l: &String| l.contains("wire desk:")) {
        match said_lines.recv_timeout(Duration::from_secs(120)) {
            Ok(line) => said.push(line),
            Err(e) => panic!("no wire desk line ({e}): {said:?}"),
        }
    }
    let announced = said.last().unwrap();
    assert!(announced.contains("/admin/wire") && announced.contains("12 demo wire items"), "{announced}");
    let url = said
        .iter()
        .find_map(|l| l.strip_prefix("Dateline is serving ").map(|u| u.trim_end_matches('/').to_owned()))
        .expect("the server prints its URL");
    let sign_in = said
        .iter()
        .find_map(|l| l.split_once("(sign in as ").map(|(_, s)| s))
        .unwrap_or_else(|| panic!("no sign-in line: {said:?}"));
    let (email, password) = sign_in.trim_end_matches(')').split_once(", password ").unwrap();
    let (email, password) = (email.to_owned(), password.to_owned());
    let result = std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        runtime.block_on(async {
            let client = reqwest::Client::builder()
                .timeout(Duration::from_secs(10))
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap();
            let form = client.get(format!("{url}/admin/login")).send().await.unwrap();
            let csrf_cookie =
                form.headers()["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_owned();
            let html = form.text().await.unwrap();
            let csrf = html.split("name=\"csrf\" value=\"").nth(1).and_then(|s| s.split('"').next()).unwrap();
            let body = url::form_urlencoded::Serializer::new(String::new())
                .append_pair("email", &email)
                .append_pair("password", &password)
                .append_pair("csrf", csrf)
                .finish();
            let signed_in = client
                .post(format!("{url}/admin/login"))
                .header("cookie", csrf_cookie)
                .header("content-type", "application/x-www-form-urlencoded")
                .body(body)
                .send()
                .await
                .unwrap();
            assert_eq!(signed_in.status(), 303);
            let session = signed_in
                .headers()
                .get_all("set-cookie")
                .iter()
                .filter_map(|v| v.to_str().ok())
                .find(|v| v.starts_with("dateline_session="))
                .and_then(|v| v.split(';').next())
                .expect("a session cookie")
                .to_owned();
            // The timetable's 260 s at 40 times the speed: about 7 s after the start.
            let started = std::time::Instant::now();
            let rows = loop {
                let page =
                    client.get(format!("{url}/admin/wire")).header("cookie", &session).send().await.unwrap();
                assert_eq!(page.status(), 200);
                let rows = desk_rows(&page.text().await.unwrap());
                if rows.len() == 9 && rows.iter().any(|r| r[4] == "killed") {
                    break rows;
                }
                assert!(started.elapsed() < Duration::from_secs(60), "the desk after a minute: {rows:#?}");
                tokio::time::sleep(Duration::from_millis(250)).await;
            };
            // Columns: Changed, Source, Headline, Version, State, Flag, Also carried by.
            let held: Vec<_> = rows.iter().filter(|r| r[4] == "waiting").collect();
            assert_eq!(held.len(), 5, "{rows:#?}");
            assert!(held.iter().all(|r| r[1] == "Demo Wire"), "{held:#?}");
            let grouped =
                |source: &str, other: &str| rows.iter().filter(|r| r[1] == source && r[6] == other).count();
            assert_eq!(
                (grouped("Demo Wire", "Demo Express"), grouped("Demo Express", "Demo Wire")),
                (2, 2),
                "{rows:#?}"
            );
            let updated = rows
                .iter()
                .find(|r| r[1] == "Demo Express" && r[3] == "2" && r[4] == "published")
                .unwrap_or_else(|| panic!("no updated row: {rows:#?}"));
            assert!(updated[5].contains("changed since"), "{updated:?}");
            assert!(
                rows.iter().any(|r| r[1] == "Demo Wire" && r[3] == "2" && r[4] == "waiting"),
                "{rows:#?}"
            );
            let withdrawn = rows.iter().find(|r| r[4] == "killed").unwrap();
            assert!(withdrawn[2].starts_with("Withdrawn: "), "{withdrawn:?}");
            assert!(rows.iter().any(|r| r[5].contains("embargoed until")), "{rows:#?}");

            // Readers see the newer version, and the withdrawn story nowhere.
            let killed_headline = withdrawn[2].trim_start_matches("Withdrawn: ").to_owned();
            let updated_headline = updated[2].clone();
            let started = std::time::Instant::now();
            loop {
                let home = client.get(format!("{url}/")).send().await.unwrap().text().await.unwrap();
                let home = home.replace("&#x27;", "'").replace("&amp;", "&");
                if home.contains(&updated_headline) {
                    assert!(
                        !home.contains(&killed_headline),
                        "the withdrawn story is still on the home page"
                    );
                    break;
                }
                assert!(
                    started.elapsed() < Duration::from_secs(10),
                    "the home page lacks {updated_headline:?}"
                );
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        });
    })
    .join();
    child.kill().unwrap();
    child.wait().unwrap();
    result.unwrap();
}

/// The cells of each row of an admin list's table, as text.
fn desk_rows(html: &str) -> Vec<Vec<String>> {
    let Some(body) = html.split("<tbody>").nth(1).and_then(|b| b.split("</tbody>").next()) else {
        return Vec::new();
    };
    body.split("<tr>")
        .skip(1)
        .map(|row| {
            row.split("<t")
                .skip(1)
                .filter(|cell| cell.starts_with("h scope=\"row\"") || cell.starts_with("d dir=\"auto\""))
                .map(|cell| {
                    let text = cell.split_once('>').map_or("", |(_, rest)| rest);
                    let text = text.split("</t").next().unwrap_or_default();
                    text.replace("&#x27;", "'").replace("&amp;", "&").trim().to_owned()
                })
                .collect()
        })
        .collect()
}

#[test]
fn accounts_and_tokens_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        let out = dateline().args(args).arg("--data").arg(dir.path()).output().unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (code, out, err) = run(&["user", "add", "Chief@News.example", "--role", "administrator"]);
    assert_eq!(code, Some(0), "{err}");
    assert!(out.contains("Created chief@news.example (administrator). Password (shown once): "), "{out}");
    let (code, _, err) = run(&["user", "add", "chief@news.example", "--role", "editor"]);
    assert_eq!(code, Some(1));
    assert!(err.contains("an account already uses that address"), "{err}");
    let (code, _, err) = run(&["user", "add", "x@news.example", "--role", "emperor"]);
    assert_eq!(code, Some(1));
    assert!(err.contains("--role: administrator, editor, author or contributor"), "{err}");
    let (code, out, _) = run(&["user", "reset-password", "chief@news.example"]);
    assert_eq!(code, Some(0));
    assert!(out.contains("New password for chief@news.example"));
    let (code, out, err) = run(&["token", "create", "mobile app", "--scope", "content"]);
    assert_eq!(code, Some(0), "{err}");
    assert!(out.contains("Token (shown once): dl_content_"), "{out}");
    let (code, _, err) = run(&["token", "create", "x", "--scope", "everything"]);
    assert_eq!(code, Some(1));
    assert!(err.contains("--scope: admin or content"), "{err}");
}

#[test]
fn wire_parse_prints_json_or_one_clear_line() {
    let fixtures = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../ingest/tests/fixtures/wire");
    let ok = dateline().args(["wire", "parse"]).arg(fixtures.join("rss2_basic.xml")).output().unwrap();
    assert_eq!(ok.status.code(), Some(0), "{}", String::from_utf8_lossy(&ok.stderr));
    let json: serde_json::Value = serde_json::from_slice(&ok.stdout).unwrap();
    assert_eq!(json["items"].as_array().unwrap().len(), 3);
    for key in [
        "guid",
        "version",
        "title",
        "link",
        "summary",
        "body_html",
        "published",
        "updated",
        "authors",
        "categories",
        "language",
        "media",
        "place",
    ] {
        assert!(json["items"][0].get(key).is_some(), "{key} missing");
    }
    assert!(
        json["feed"].get("title").is_some()
            && json["feed"].get("link").is_some()
            && json["feed"].get("language").is_some()
    );

    let forced = dateline()
        .args(["wire", "parse", "--format", "ninjs"])
        .arg(fixtures.join("ninjs20_text.json"))
        .output()
        .unwrap();
    assert_eq!(forced.status.code(), Some(0));
    for (file, needle) in [
        ("hostile_billion_laughs.xml", "entity"),
        ("hostile_binary.bin", "not a feed"),
        ("broken_empty.xml", "empty"),
    ] {
        let out = dateline().args(["wire", "parse"]).arg(fixtures.join(file)).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{file}");
        assert!(out.stdout.is_empty(), "{file}: nothing on stdout");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(err.lines().count(), 1, "{file}: one line: {err}");
        assert!(err.contains(needle), "{file}: {err}");
    }
    let missing = dateline().args(["wire", "parse", "/nonexistent/feed.xml"]).output().unwrap();
    assert_eq!(missing.status.code(), Some(2));
    let bad_format = dateline()
        .args(["wire", "parse", "--format", "yaml"])
        .arg(fixtures.join("rss2_basic.xml"))
        .output()
        .unwrap();
    assert_eq!(bad_format.status.code(), Some(2));

    // --base: the address the file came from resolves its relative links.
    let based = dateline()
        .args(["wire", "parse", "--base", "https://feeds.example.net/sindh/rss.xml"])
        .arg(fixtures.join("rss2_relative_links.xml"))
        .output()
        .unwrap();
    assert_eq!(based.status.code(), Some(0), "{}", String::from_utf8_lossy(&based.stderr));
    let json: serde_json::Value = serde_json::from_slice(&based.stdout).unwrap();
    assert_eq!(json["items"][0]["link"], "https://feeds.example.net/world/story-1");
    let not_an_address = dateline()
        .args(["wire", "parse", "--base", "feeds/rss.xml"])
        .arg(fixtures.join("rss2_basic.xml"))
        .output()
        .unwrap();
    assert_eq!(not_an_address.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&not_an_address.stderr).contains("not an absolute address"));
}

/// A story with only a headline and a body, in `section`.
/// Every file and folder under `dir`, itself excluded.
fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            found.extend(walk(&path));
        }
        found.push(path);
    }
    found
}

fn plain_draft(headline: &str, section: dateline_core::SectionId) -> dateline_core::StoryDraft {
    dateline_core::StoryDraft {
        headline: headline.into(),
        standfirst: String::new(),
        body: "Body.".into(),
        dateline_place: String::new(),
        credit: String::new(),
        section,
        source: None,
        tags: vec![],
        authors: vec![],
        language: "en".into(),
        slug: None,
        image: None,
        prominence: dateline_core::Prominence::Normal,
        translation_of: None,
        embargo_until: None,
    }
}

/// Starts `dateline serve` on a free port; returns the child and its base URL.
fn start_server(dir: &std::path::Path) -> (std::process::Child, String) {
    start_configured_server(dir, None)
}

/// [`start_server`] with a `dateline.toml`.
fn start_configured_server(
    dir: &std::path::Path,
    config: Option<&std::path::Path>,
) -> (std::process::Child, String) {
    let mut command = dateline();
    command.args(["serve", "--listen", "127.0.0.1:0", "--data"]).arg(dir);
    if let Some(config) = config {
        command.arg("--config").arg(config);
    }
    let mut child = command.stdout(Stdio::piped()).stderr(Stdio::null()).spawn().unwrap();
    let url = server_url(&mut child);
    (child, url)
}

/// Reads the server's URL from its output, and keeps draining the output afterwards (a
/// closed pipe would make the server's next print fail).
fn server_url(child: &mut std::process::Child) -> String {
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let url = lines
        .by_ref()
        .map_while(Result::ok)
        .find_map(|l| l.strip_prefix("Dateline is serving ").map(|u| u.trim_end_matches('/').to_owned()))
        .expect("the server prints its URL");
    std::thread::spawn(move || lines.for_each(drop));
    url
}

fn ninjs(n: usize) -> String {
    serde_json::json!({
        "uri": format!("urn:test:durability:{n}"),
        "version": "1",
        "pubstatus": "usable",
        "headline": format!("Durability story {n}"),
        "body_html": "<p>Body.</p>",
    })
    .to_string()
}

/// Items acknowledged before a kill -9 are all there after a restart, and pushing them
/// again duplicates nothing.
#[test]
fn acknowledged_wire_items_survive_kill_9() {
    let dir = tempfile::tempdir().unwrap();
    let demo = dateline().args(["demo", "--stories", "5", "--data"]).arg(dir.path()).output().unwrap();
    assert!(demo.status.success());
    let added = dateline()
        .args(["source", "add", "Durable Wire", "--kind", "push-ninjs", "--auto-publish", "--data"])
        .arg(dir.path())
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&added.stdout).into_owned();
    assert!(added.status.success(), "{}", String::from_utf8_lossy(&added.stderr));
    let token = out.split("Bearer ").nth(1).unwrap().split_whitespace().next().unwrap().to_owned();
    let source: i64 =
        out.split("Created source ").nth(1).unwrap().split_whitespace().next().unwrap().parse().unwrap();

    let (mut server, url) = start_server(dir.path());
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .pool_max_idle_per_host(0)
        .build()
        .unwrap();
    let push = |n: usize, url: String| {
        let client = client.clone();
        let token = token.clone();
        async move {
            client
                .post(format!("{url}/api/wire/v1/sources/{source}/items"))
                .header("authorization", format!("Bearer {token}"))
                .header("content-type", "application/json")
                .body(ninjs(n))
                .send()
                .await
                .ok()
                .filter(|r| r.status() == 200)
                .is_some()
        }
    };
    // Push in a stream; kill -9 the server part-way, while pushes are in flight.
    let acknowledged: Vec<usize> = runtime.block_on(async {
        let mut acked = Vec::new();
        for n in 0..100 {
            if push(n, url.clone()).await {
                acked.push(n);
            }
        }
        let pending: Vec<_> = (100..400).map(|n| (n, tokio::spawn(push(n, url.clone())))).collect();
        tokio::time::sleep(Duration::from_millis(30)).await;
        server.kill().unwrap(); // SIGKILL, with pushes in flight
        for (n, task) in pending {
            if task.await.unwrap() {
                acked.push(n);
            }
        }
        acked
    });
    server.wait().unwrap();
    assert!(acknowledged.len() >= 100, "the first pushes were acknowledged: {}", acknowledged.len());
    assert!(
        acknowledged.len() < 400,
        "the kill interrupted the stream ({} acknowledged)",
        acknowledged.len()
    );

    let (mut restarted, url) = start_server(dir.path());
    let results = runtime.block_on(async {
        let mut unchanged = 0;
        for n in &acknowledged {
            let mut response = None;
            for _ in 0..5 {
                let sent = client
                    .post(format!("{url}/api/wire/v1/sources/{source}/items"))
                    .header("authorization", format!("Bearer {token}"))
                    .header("content-type", "application/json")
                    .body(ninjs(*n))
                    .send()
                    .await;
                if let Ok(r) = sent {
                    response = Some(r);
                    break;
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            let body: serde_json::Value =
                serde_json::from_str(&response.unwrap().text().await.unwrap()).unwrap();
            if body["actions"][0]["action"] == "unchanged" {
                unchanged += 1;
            }
        }
        unchanged
    });
    restarted.kill().unwrap();
    restarted.wait().unwrap();
    assert_eq!(results, acknowledged.len(), "every acknowledged item was stored, and is not stored twice");
}

/// A change made by another process (here: this test, writing to the server's database)
/// reaches the server's page cache within a second: published, then killed.
#[test]
fn changes_from_another_process_reach_the_page_cache_within_a_second() {
    use dateline_store::{Location, SqlStore, Store};
    let dir = tempfile::tempdir().unwrap();
    let demo = dateline().args(["demo", "--stories", "5", "--data"]).arg(dir.path()).output().unwrap();
    assert!(demo.status.success());
    let (mut server, url) = start_server(dir.path());
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let client = reqwest::Client::builder().timeout(Duration::from_secs(10)).build().unwrap();
    let home = || async { client.get(format!("{url}/")).send().await.unwrap().text().await.unwrap() };
    let within_a_second = |want: bool| async move {
        let started = std::time::Instant::now();
        while started.elapsed() < Duration::from_secs(1) {
            if home().await.contains("Published by another process") == want {
                return started.elapsed();
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        panic!("the home page did not change within a second");
    };
    runtime.block_on(async {
        let first = home().await;
        assert_eq!(first, home().await, "kept and served again");
        let store = SqlStore::open(&Location::SqliteDir(dir.path().to_owned())).await.unwrap();
        let section = store.sections().await.unwrap()[0].id;
        let draft = plain_draft("Published by another process", section);
        let now = jiff::Timestamp::now();
        let story = store.create_story(&draft, None, now).await.unwrap();
        store.change_status(story.id, &StatusChange::Publish, &Actor::System("test"), now).await.unwrap();
        let shown = within_a_second(true).await;
        store
            .change_status(story.id, &StatusChange::Kill, &Actor::System("test"), jiff::Timestamp::now())
            .await
            .unwrap();
        let gone = within_a_second(false).await;
        eprintln!("visible after {shown:?}, gone after {gone:?}");
    });
    server.kill().unwrap();
    server.wait().unwrap();
}

/// `dateline reindex` rebuilds the index with its count; a corrupt index is rebuilt by the
/// server on its own, and search answers.
#[test]
fn reindex_and_a_corrupt_index_rebuilt_at_start() {
    let dir = tempfile::tempdir().unwrap();
    let demo = dateline().args(["demo", "--stories", "60", "--data"]).arg(dir.path()).output().unwrap();
    assert!(demo.status.success());
    let out = dateline().args(["reindex", "--data"]).arg(dir.path()).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    // The demo keeps a few stories unpublished (drafts, scheduled): only published ones count.
    let count: u32 =
        text.split("Indexed ").nth(1).unwrap().split_whitespace().next().unwrap().parse().unwrap();
    assert!((50..=60).contains(&count) && text.contains("published stories"), "{text}");

    // Garbage in the index: the server notices, rebuilds, and search works.
    std::fs::write(dir.path().join("search/meta.json"), b"{ not json").unwrap();
    let (mut server, url) = start_server(dir.path());
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let found = runtime.block_on(async {
        let client = reqwest::Client::new();
        let home = client.get(format!("{url}/")).send().await.unwrap().text().await.unwrap();
        let slug = home.split("href=\"/story/").nth(1).unwrap().split('"').next().unwrap().to_owned();
        let story = client.get(format!("{url}/story/{slug}")).send().await.unwrap().text().await.unwrap();
        let headline =
            story.split("<h1").nth(1).unwrap().split('>').nth(1).unwrap().split('<').next().unwrap();
        let word = headline.split_whitespace().max_by_key(|w| w.len()).unwrap().to_owned();
        let started = std::time::Instant::now();
        while started.elapsed() < Duration::from_secs(10) {
            let page =
                client.get(format!("{url}/search?q={word}")).send().await.unwrap().text().await.unwrap();
            if page.contains(&format!("href=\"/story/{slug}\"")) {
                return true;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        false
    });
    server.kill().unwrap();
    server.wait().unwrap();
    assert!(found, "the rebuilt index finds a story by a word of its headline");
}

/// What the test's agency and webhook endpoints saw: per path, the delivery ids (or polls)
/// that arrived and those answered.
#[derive(Clone, Default)]
struct Endpoints {
    arrived: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
    answered: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
}

impl Endpoints {
    fn count(list: &std::sync::Mutex<Vec<String>>, what: &str) -> usize {
        list.lock().unwrap().iter().filter(|w| *w == what).count()
    }
    fn arrived(&self, what: &str) -> usize {
        Self::count(&self.arrived, what)
    }
    fn answered(&self, what: &str) -> usize {
        Self::count(&self.answered, what)
    }
}

/// Serves a feed (`/feed.xml`) and two webhook endpoints (`/hook/slow`, `/hook/quick`) on
/// 127.0.0.1. The first request to the feed and to the slow hook hangs for a minute; the
/// quick hook takes 3 s; later requests answer at once.
async fn serve_endpoints(endpoints: Endpoints) -> String {
    use axum::extract::{Path, State};
    use axum::http::HeaderMap;
    async fn feed(State(e): State<Endpoints>) -> ([(&'static str, &'static str); 1], String) {
        let first = e.arrived("feed") == 0;
        e.arrived.lock().unwrap().push("feed".into());
        if first {
            tokio::time::sleep(Duration::from_secs(60)).await;
        }
        e.answered.lock().unwrap().push("feed".into());
        let items: String = (1..=2)
            .map(|n| {
                format!(
                    "<item><title>Slow feed item {n}</title><link>http://127.0.0.1/{n}</link>\
                     <guid>urn:slow-feed:{n}</guid><pubDate>Sat, 05 Dec 2026 10:00:00 GMT</pubDate>\
                     <description>Body {n}.</description></item>"
                )
            })
            .collect();
        let body = format!(
            "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Slow</title>\
             <link>http://127.0.0.1/</link><description>Slow agency</description>{items}</channel></rss>"
        );
        ([("content-type", "application/rss+xml")], body)
    }
    async fn hook(State(e): State<Endpoints>, Path(which): Path<String>, headers: HeaderMap) {
        let id = headers["x-dateline-delivery"].to_str().unwrap().to_owned();
        let key = format!("{which}:{id}");
        let first = e.arrived(&key) == 0;
        e.arrived.lock().unwrap().push(key.clone());
        match (which.as_str(), first) {
            ("slow", true) => tokio::time::sleep(Duration::from_secs(60)).await,
            ("quick", true) => tokio::time::sleep(Duration::from_secs(3)).await,
            _ => {}
        }
        e.answered.lock().unwrap().push(key);
    }
    let app = axum::Router::new()
        .route("/feed.xml", axum::routing::get(feed))
        .route("/hook/{which}", axum::routing::post(hook))
        .with_state(endpoints);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    url
}

/// SIGTERM while a feed poll and two webhook deliveries are running: the server exits
/// within 10 s; the delivery that finished in the grace time is not sent again, the one cut
/// off is sent again after the restart (same delivery id), the poll cut off is taken up at
/// once, and every item is stored once.
#[test]
fn sigterm_finishes_or_releases_work_and_a_restart_does_it_once() {
    use dateline_core::{DeliveryStatus, StoryEvent};
    use dateline_store::{Location, SqlStore, Store};
    let dir = tempfile::tempdir().unwrap();
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let endpoints = Endpoints::default();
    let base = runtime.block_on(serve_endpoints(endpoints.clone()));
    let demo = dateline().args(["demo", "--stories", "3", "--data"]).arg(dir.path()).output().unwrap();
    assert!(demo.status.success());
    let added = dateline()
        .args(["source", "add", "Slow Agency", "--kind", "rss", "--every", "600", "--auto-publish", "--url"])
        .arg(format!("{base}/feed.xml"))
        .arg("--data")
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(added.status.success(), "{}", String::from_utf8_lossy(&added.stderr));

    // Two endpoints told of kills; one story killed: two deliveries queued.
    let (slow, quick, stories_before) = runtime.block_on(async {
        let store = SqlStore::open(&Location::SqliteDir(dir.path().to_owned())).await.unwrap();
        let now = jiff::Timestamp::now();
        let slow = store.create_webhook(&format!("{base}/hook/slow"), "s1", &[StoryEvent::Killed], now).await;
        let quick =
            store.create_webhook(&format!("{base}/hook/quick"), "s2", &[StoryEvent::Killed], now).await;
        let section = store.sections().await.unwrap()[0].id;
        let draft = plain_draft("Killed while the server stops", section);
        let story = store.create_story(&draft, None, now).await.unwrap();
        store.change_status(story.id, &StatusChange::Publish, &Actor::System("test"), now).await.unwrap();
        store.change_status(story.id, &StatusChange::Kill, &Actor::System("test"), now).await.unwrap();
        (slow.unwrap().id, quick.unwrap().id, store.story_count().await.unwrap())
    });
    let deliveries = || {
        runtime.block_on(async {
            let store = SqlStore::open(&Location::SqliteDir(dir.path().to_owned())).await.unwrap();
            store.recent_deliveries(10).await.unwrap()
        })
    };
    let queued = deliveries();
    assert_eq!(queued.len(), 2, "one delivery per endpoint");
    let id_of = |webhook: i64| queued.iter().find(|d| d.webhook_id == webhook).unwrap().id;
    let (slow_key, quick_key) = (format!("slow:{}", id_of(slow)), format!("quick:{}", id_of(quick)));

    // The feed and the hooks are on 127.0.0.1, which the egress policy must allow.
    let config = dir.path().join("dateline.toml");
    std::fs::write(&config, "[egress]\nallow = [\"127.0.0.1\"]\n").unwrap();
    let (mut server, _url) = start_configured_server(dir.path(), Some(&config));
    let wait_for = |what: &dyn Fn() -> bool, limit: Duration, failure: &str| {
        let started = std::time::Instant::now();
        while !what() {
            assert!(started.elapsed() < limit, "{failure}");
            std::thread::sleep(Duration::from_millis(20));
        }
    };
    wait_for(
        &|| {
            endpoints.arrived("feed") == 1
                && endpoints.arrived(&slow_key) == 1
                && endpoints.arrived(&quick_key) == 1
        },
        Duration::from_secs(20),
        "the poll and both deliveries started",
    );
    let asked = std::time::Instant::now();
    let term = Command::new("kill").args(["-TERM", &server.id().to_string()]).status().unwrap();
    assert!(term.success());
    let status = server.wait().unwrap();
    let took = asked.elapsed();
    eprintln!("stopped {took:?} after SIGTERM");
    assert!(took < Duration::from_secs(10), "the server stopped within 10 s (took {took:?})");
    assert!(status.success(), "a stop asked for is a clean exit: {status:?}");
    assert_eq!(endpoints.answered(&quick_key), 1, "the quick delivery finished in the grace time");
    let after_stop = deliveries();
    let by_id = |list: &[dateline_core::Delivery], webhook: i64| {
        list.iter().find(|d| d.webhook_id == webhook).unwrap().clone()
    };
    assert_eq!(by_id(&after_stop, quick).status, DeliveryStatus::Delivered);
    let cut = by_id(&after_stop, slow);
    assert_eq!(
        (cut.status, cut.attempts),
        (DeliveryStatus::Pending, 0),
        "the cut-off delivery is still queued"
    );

    // The restart takes up what was cut off at once (the feed's next poll would be 10
    // minutes away, the delivery's lease 30 s), and does it once.
    let (mut restarted, _url) = start_configured_server(dir.path(), Some(&config));
    wait_for(
        &|| endpoints.answered(&slow_key) == 1 && endpoints.answered("feed") == 1,
        Duration::from_secs(5),
        "the cut-off delivery and poll were done again soon after the restart",
    );
    let stories_after = runtime.block_on(async {
        let store = SqlStore::open(&Location::SqliteDir(dir.path().to_owned())).await.unwrap();
        let started = std::time::Instant::now();
        loop {
            let count = store.story_count().await.unwrap();
            if count >= stories_before + 2 || started.elapsed() > Duration::from_secs(5) {
                break count;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    });
    // Time for any wrong second delivery or poll to show.
    std::thread::sleep(Duration::from_millis(1500));
    restarted.kill().unwrap();
    restarted.wait().unwrap();
    assert_eq!(stories_after, stories_before + 2, "both feed items stored once");
    assert_eq!(endpoints.arrived(&quick_key), 1, "a finished delivery is not sent again");
    assert_eq!(endpoints.arrived(&slow_key), 2, "the cut-off delivery was sent again, with the same id");
    assert_eq!(endpoints.arrived("feed"), 2, "one poll cut off, one done");
    let done = deliveries();
    assert_eq!(by_id(&done, slow).status, DeliveryStatus::Delivered);
    assert_eq!(by_id(&done, slow).attempts, 1, "the cut-off send is not counted as an attempt");
}

/// The public pages of a site, each with the times in it removed (they read relative to now).
fn public_pages(url: &str, paths: &[String]) -> Vec<(String, u16, String)> {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    runtime.block_on(async {
        let client = reqwest::Client::builder().timeout(Duration::from_secs(10)).build().unwrap();
        let mut pages = Vec::new();
        for path in paths {
            let answer = client.get(format!("{url}{path}")).send().await.unwrap();
            let status = answer.status().as_u16();
            let mut body = answer.text().await.unwrap();
            while let Some(start) = body.find("<time") {
                let end = body[start..].find("</time>").map_or(body.len(), |e| start + e + 7);
                body.replace_range(start..end, "");
            }
            pages.push((path.clone(), status, body));
        }
        pages
    })
}

#[test]
fn backup_while_serving_and_restore_give_the_same_site() {
    let live = tempfile::tempdir().unwrap();
    // No demo wire: its copy would change the live site between the backup and the comparison.
    let mut server = dateline()
        .args(["serve", "--demo", "--no-demo-wire", "--listen", "127.0.0.1:0", "--data"])
        .arg(live.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let url = server_url(&mut server);
    // Readers keep loading pages while the backup is taken.
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let load = {
        let (url, stop) = (url.clone(), stop.clone());
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            runtime.block_on(async {
                let client = reqwest::Client::new();
                let (mut served, mut failed) = (0u32, 0u32);
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    for path in ["/", "/latest", "/section/urdu", "/rss.xml"] {
                        match client.get(format!("{url}{path}")).send().await {
                            Ok(r) if r.status() == 200 => served += 1,
                            _ => failed += 1,
                        }
                    }
                }
                (served, failed)
            })
        })
    };
    let file = live.path().join("site.tar.zst");
    let backup =
        dateline().args(["backup", "--to"]).arg(&file).arg("--data").arg(live.path()).output().unwrap();
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let (served, failed) = load.join().unwrap();
    assert!(backup.status.success(), "{}", String::from_utf8_lossy(&backup.stderr));
    assert!(String::from_utf8_lossy(&backup.stdout).contains("Backed up "));
    assert!(served > 0 && failed == 0, "readers were served throughout: {served} served, {failed} failed");
    let again =
        dateline().args(["backup", "--to"]).arg(&file).arg("--data").arg(live.path()).output().unwrap();
    assert_eq!(again.status.code(), Some(2), "an existing file is not overwritten");

    // Restored into an empty folder and served, the site is the same.
    let restored = tempfile::tempdir().unwrap();
    let target = restored.path().join("data");
    let restore = dateline().arg("restore").arg(&file).arg("--data").arg(&target).output().unwrap();
    assert!(restore.status.success(), "{}", String::from_utf8_lossy(&restore.stderr));
    let refused = dateline().arg("restore").arg(&file).arg("--data").arg(&target).output().unwrap();
    assert_eq!(refused.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("--force"));
    let forced =
        dateline().arg("restore").arg(&file).arg("--data").arg(&target).arg("--force").output().unwrap();
    assert!(forced.status.success(), "{}", String::from_utf8_lossy(&forced.stderr));

    let home = public_pages(&url, &["/".to_owned()]).remove(0).2;
    let mut paths: Vec<String> =
        ["/", "/latest", "/section/urdu", "/rss.xml", "/sitemap.xml"].map(str::to_owned).to_vec();
    paths.extend(
        home.split("href=\"/story/")
            .skip(1)
            .take(5)
            .filter_map(|s| s.split('"').next())
            .map(|s| format!("/story/{s}")),
    );
    paths.extend(home.split("srcset=\"").nth(1).and_then(|s| s.split(' ').next()).map(str::to_owned));
    common::wait_for_search(&url);
    let before = public_pages(&url, &paths);
    server.kill().unwrap();
    server.wait().unwrap();
    let (mut copy, copy_url) = start_server(&target);
    common::wait_for_search(&copy_url);
    let after = public_pages(&copy_url, &paths);
    copy.kill().unwrap();
    copy.wait().unwrap();
    assert!(paths.len() >= 10, "{paths:?}");
    for ((path, status, body), (_, status_after, body_after)) in before.iter().zip(&after) {
        assert_eq!(*status, 200, "{path}");
        assert_eq!(status_after, status, "{path}");
        let body_after = body_after.replace(&copy_url, &url);
        assert!(body_after == *body, "{path} differs after the restore");
    }
}

#[test]
fn broken_backups_are_refused_and_leave_the_folder_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let status = dateline().args(["demo", "--stories", "20", "--data"]).arg(dir.path()).status().unwrap();
    assert!(status.success());
    let file = dir.path().join("b.tar.zst");
    assert!(
        dateline()
            .args(["backup", "--to"])
            .arg(&file)
            .arg("--data")
            .arg(dir.path())
            .status()
            .unwrap()
            .success()
    );
    let whole = std::fs::read(&file).unwrap();

    let cut = dir.path().join("cut.tar.zst");
    std::fs::write(&cut, &whole[..whole.len() / 2]).unwrap();
    let text = dir.path().join("notes.tar.zst");
    std::fs::write(&text, "not a backup").unwrap();
    // A backup made by a newer Dateline: its manifest names a schema this one does not know.
    let newer = dir.path().join("newer.tar.zst");
    {
        let manifest = serde_json::json!({"format": "dateline-backup", "schema": 999, "dateline": "9.0.0",
            "created": "2030-01-01T00:00:00Z", "stories": 0, "media_files": 0});
        let bytes = serde_json::to_vec(&manifest).unwrap();
        let mut archive =
            tar::Builder::new(zstd::Encoder::new(std::fs::File::create(&newer).unwrap(), 3).unwrap());
        let mut header = tar::Header::new_gnu();
        header.set_size(bytes.len() as u64);
        header.set_cksum();
        archive.append_data(&mut header, "dateline-backup.json", bytes.as_slice()).unwrap();
        archive.into_inner().unwrap().finish().unwrap();
    }
    for (bad, says) in
        [(&cut, "not a readable Dateline backup"), (&text, "not a readable"), (&newer, "newer Dateline")]
    {
        let target = dir.path().join(format!("restore-{}", bad.file_name().unwrap().to_string_lossy()));
        let out = dateline().arg("restore").arg(bad).arg("--data").arg(&target).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{says}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(says), "{says}: {stderr}");
        assert!(!target.join("dateline.db").exists(), "{says}: nothing restored");
    }
    // A cut backup over an existing site (forced) leaves that site whole.
    let out =
        dateline().arg("restore").arg(&cut).arg("--data").arg(dir.path()).arg("--force").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let list = dateline()
        .args(["backup", "--to"])
        .arg(dir.path().join("c.tar.zst"))
        .arg("--data")
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&list.stdout).contains("Backed up 20 stories"),
        "{}",
        String::from_utf8_lossy(&list.stdout)
    );
}

#[test]
fn import_prints_a_table_writes_a_report_and_says_why_it_refuses() {
    let dir = tempfile::tempdir().unwrap();
    let wxr = include_str!("../../web/tests/fixtures/import/wordpress.xml");
    let file = dir.path().join("export.xml");
    std::fs::write(&file, wxr).unwrap();
    let data = dir.path().join("data");
    let run = |extra: &[&str]| {
        dateline()
            .args(["import", "wordpress"])
            .arg(&file)
            .args(extra)
            .arg("--data")
            .arg(&data)
            .output()
            .unwrap()
    };
    let dry = run(&["--dry-run", "--no-media"]);
    assert_eq!(dry.status.code(), Some(0), "{}", String::from_utf8_lossy(&dry.stderr));
    assert!(String::from_utf8_lossy(&dry.stdout).contains("dry run"));

    let first = run(&["--no-media"]);
    assert_eq!(first.status.code(), Some(0), "{}", String::from_utf8_lossy(&first.stderr));
    let table = String::from_utf8_lossy(&first.stdout);
    let row = |name: &str| {
        table
            .lines()
            .find(|l| l.trim_start().starts_with(name))
            .map(|l| l.split_whitespace().last().unwrap().to_owned())
    };
    assert_eq!(row("imported").as_deref(), Some("7"), "{table}");
    assert_eq!(row("skipped").as_deref(), Some("1"));
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("export.xml.report.json")).unwrap()).unwrap();
    assert_eq!(report["posts"]["imported"], 7);
    assert_eq!(report["skipped"][0]["reason"], "in the trash");

    let second = run(&["--no-media"]);
    assert_eq!(second.status.code(), Some(0));
    let table = String::from_utf8_lossy(&second.stdout);
    assert!(
        table.lines().any(|l| l.trim_start().starts_with("unchanged") && l.trim_end().ends_with(" 7")),
        "{table}"
    );

    std::fs::write(&file, &wxr[..wxr.len() / 2]).unwrap();
    let cut = run(&["--no-media"]);
    assert_eq!(cut.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&cut.stderr);
    assert!(stderr.contains("nothing was imported"), "{stderr}");

    let ghost = dir.path().join("ghost.json");
    std::fs::write(&ghost, include_str!("../../web/tests/fixtures/import/ghost.json")).unwrap();
    let out = dateline()
        .args(["import", "ghost"])
        .arg(&ghost)
        .args(["--no-media", "--data"])
        .arg(dir.path().join("g"))
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "a post failed (no title): {}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("it has no title"));
}
