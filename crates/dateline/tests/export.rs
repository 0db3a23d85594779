//! `dateline export` and `dateline import dateline`: a demo site exported while it serves,
//! imported into an empty site, and the public pages compared address by address; the
//! stories as ninjs lines; exports that must be refused.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod common;

use dateline_core::{Actor, PageRequest, Slug, StatusChange, Story, StoryDraft, StoryFilter};
use dateline_store::{Location, SqlStore, Store};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
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

fn run(args: &[&str], paths: &[&Path]) -> Output {
    let mut command = dateline();
    command.args(args);
    for path in paths {
        command.arg(path);
    }
    command.output().unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Starts `dateline serve` on a free port; returns the child and its base URL.
fn start_server(dir: &Path) -> (std::process::Child, String) {
    let mut child = dateline()
        .args(["serve", "--listen", "127.0.0.1:0", "--data"])
        .arg(dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let url = lines
        .by_ref()
        .map_while(Result::ok)
        .find_map(|l| l.strip_prefix("Dateline is serving ").map(|u| u.trim_end_matches('/').to_owned()))
        .expect("the server prints its URL");
    // A closed pipe would make the server's next print fail.
    std::thread::spawn(move || lines.for_each(drop));
    (child, url)
}

/// One answer: address, status, where it redirects, and the body with `<time>` elements
/// removed (they read relative to now) and the server's own address written as `SITE`.
type Page = (String, u16, String, Vec<u8>);

fn public_pages(url: &str, paths: &[String]) -> Vec<Page> {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    runtime.block_on(async {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let mut pages = Vec::new();
        for path in paths {
            let answer = client.get(format!("{url}{path}")).send().await.unwrap();
            let status = answer.status().as_u16();
            let header = |name| {
                answer.headers().get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned()
            };
            let location = header(reqwest::header::LOCATION).replace(url, "SITE");
            let is_text = !header(reqwest::header::CONTENT_TYPE).starts_with("image/");
            let bytes = answer.bytes().await.unwrap().to_vec();
            let body = if is_text {
                let mut body = String::from_utf8(bytes).unwrap();
                while let Some(start) = body.find("<time") {
                    let end = body[start..].find("</time>").map_or(body.len(), |e| start + e + 7);
                    body.replace_range(start..end, "");
                }
                body.replace(url, "SITE").into_bytes()
            } else {
                bytes
            };
            pages.push((path.clone(), status, location, body));
        }
        pages
    })
}

fn draft_of(story: &Story) -> StoryDraft {
    StoryDraft {
        headline: story.headline.clone(),
        standfirst: story.standfirst.clone(),
        body: story.body_source.clone(),
        dateline_place: story.dateline_place.clone(),
        credit: story.credit.clone(),
        section: story.section.id,
        source: story.source.as_ref().map(|s| s.id),
        tags: story.tags.iter().map(|t| t.id).collect(),
        authors: story.authors.iter().map(|a| a.id).collect(),
        language: story.language.clone(),
        slug: Some(story.slug.clone()),
        image: story.image.clone(),
        prominence: story.prominence,
        translation_of: story.translation_of,
        embargo_until: None,
    }
}

/// Slugs of the stories the demo site is given beyond the generator's: (corrected, renamed
/// from, renamed to, killed, unpublished, translated original, translation, scheduled).
struct Special {
    corrected: String,
    old_slug: String,
    new_slug: String,
    killed: String,
    unpublished: String,
    original: String,
    translation: String,
    scheduled: String,
}

/// Gives the demo site a story of each state the generator does not make.
fn vary(dir: &Path) -> Special {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    runtime.block_on(async {
        let store = SqlStore::open(&Location::SqliteDir(dir.to_owned())).await.unwrap();
        let by = Actor::System("test");
        let now = jiff::Timestamp::now();
        let list = store.published(StoryFilter::All, PageRequest { offset: 0, limit: 20 }).await.unwrap();
        let story = |i: usize| {
            let store = &store;
            let id = list[i].id;
            async move { store.story(id).await.unwrap().unwrap() }
        };
        let corrected = story(1).await;
        store.add_correction(corrected.id, "An earlier version misspelt a name.", &by, now).await.unwrap();
        let renamed = story(2).await;
        let mut draft = draft_of(&renamed);
        draft.slug = Some(Slug::parse("a-story-given-a-new-address").unwrap());
        let new = store.update_story(renamed.id, &draft, renamed.version, now).await.unwrap();
        let killed = story(3).await;
        store.change_status(killed.id, &StatusChange::Kill, &by, now).await.unwrap();
        let unpublished = story(4).await;
        store.change_status(unpublished.id, &StatusChange::Unpublish, &by, now).await.unwrap();
        let original = story(5).await;
        let mut draft = draft_of(&original);
        draft.headline = "ترجمہ: ایک اہم خبر".into();
        draft.language = "ur".into();
        draft.slug = Some(Slug::parse("translated-story").unwrap());
        draft.translation_of = Some(original.id);
        let translation = store.create_story(&draft, None, now).await.unwrap();
        store.change_status(translation.id, &StatusChange::Publish, &by, now).await.unwrap();
        let mut draft = draft_of(&original);
        draft.headline = "Tomorrow's story".into();
        draft.slug = None;
        draft.translation_of = None;
        let scheduled = store.create_story(&draft, None, now).await.unwrap();
        let due = now + jiff::SignedDuration::from_hours(24);
        store.change_status(scheduled.id, &StatusChange::Schedule(due), &by, now).await.unwrap();
        Special {
            corrected: corrected.slug.to_string(),
            old_slug: renamed.slug.to_string(),
            new_slug: new.slug.to_string(),
            killed: killed.slug.to_string(),
            unpublished: unpublished.slug.to_string(),
            original: original.slug.to_string(),
            translation: translation.slug.to_string(),
            scheduled: scheduled.slug.to_string(),
        }
    })
}

fn story_count(dir: &Path) -> (u64, usize) {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    runtime.block_on(async {
        let store = SqlStore::open(&Location::SqliteDir(dir.to_owned())).await.unwrap();
        let media = store.media_list(PageRequest { offset: 0, limit: 100 }).await.unwrap();
        (store.story_count().await.unwrap(), media.len())
    })
}

fn report_of(file: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(file).unwrap()).unwrap()
}

/// Every file under `dir`.
fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() { out.extend(files(&path)) } else { out.push(path) }
    }
    out
}

#[test]
fn export_while_serving_and_import_give_the_same_public_pages() {
    let work = tempfile::tempdir().unwrap();
    let a = work.path().join("a");
    let demo = run(&["demo", "--stories", "60", "--data"], &[&a]);
    assert!(demo.status.success(), "{}", text(&demo.stderr));
    let special = vary(&a);
    // Accounts and tokens exist, and must not travel.
    let user = run(&["user", "add", "leak-check@example.com", "--role", "editor", "--data"], &[&a]);
    assert!(user.status.success(), "{}", text(&user.stderr));
    let token = run(&["token", "create", "leak-check", "--scope", "admin", "--data"], &[&a]);
    assert!(token.status.success(), "{}", text(&token.stderr));
    let token = text(&token.stdout).split("(shown once): ").nth(1).unwrap().trim().to_owned();

    // Exported while the site serves.
    let (mut server_a, url_a) = start_server(&a);
    let archive = a.join("exp.tar.zst");
    let folder = work.path().join("exp-dir");
    let started = std::time::Instant::now();
    let exported = run(&["export", "--to"], &[&archive, Path::new("--data"), &a]);
    let took = started.elapsed();
    assert!(exported.status.success(), "{}", text(&exported.stderr));
    let said = text(&exported.stdout);
    assert!(said.contains("Exported 62 stories"), "{said}");
    eprintln!(
        "export of the demo site: {took:?}, {} bytes: {said}",
        std::fs::metadata(&archive).unwrap().len()
    );
    let exported = run(&["export", "--to"], &[&folder, Path::new("--data"), &a]);
    assert!(exported.status.success(), "{}", text(&exported.stderr));
    let again = run(&["export", "--to"], &[&archive, Path::new("--data"), &a]);
    assert_eq!(again.status.code(), Some(2), "an existing file is not overwritten");

    // The stories are ninjs 2.0 lines with Dateline's extension, oldest id first.
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(folder.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["format"], "dateline-export");
    assert_eq!(manifest["ninjs"]["extension_namespace"], "https://dateline.example/ninjs-ext/1");
    let lines = std::fs::read_to_string(folder.join("stories.jsonl")).unwrap();
    let mut last_id = 0;
    let mut statuses = std::collections::BTreeSet::new();
    for line in lines.lines() {
        let story: serde_json::Value = serde_json::from_str(line).unwrap();
        for field in ["uri", "version", "versioncreated", "firstcreated", "language"] {
            assert!(story[field].is_string(), "{field}: {line}");
        }
        assert_eq!(story["type"], "text");
        assert!(["usable", "withheld", "canceled"].contains(&story["pubstatus"].as_str().unwrap()));
        assert!(!story["headlines"][0]["value"].as_str().unwrap().is_empty());
        assert_eq!(story["bodies"][0]["contenttype"], "text/html");
        assert!(story["subjects"][0]["name"].is_string());
        let ext = &story["dateline"];
        let id = ext["id"].as_i64().unwrap();
        assert!(id > last_id, "oldest id first");
        last_id = id;
        assert!(
            ext["slug"].is_string() && ext["section"]["slug"].is_string() && ext["body_source"].is_string()
        );
        assert!(ext["authors"].is_array() && ext["tags"].is_array() && ext["created_at"].is_string());
        statuses.insert(ext["status"].as_str().unwrap().to_owned());
    }
    assert_eq!(lines.lines().count() as u64, manifest["counts"]["stories"].as_u64().unwrap());
    assert_eq!(
        statuses.into_iter().collect::<Vec<_>>(),
        ["draft", "killed", "published", "scheduled", "unpublished"]
    );
    let media = std::fs::read_to_string(folder.join("media.jsonl")).unwrap();
    let first: serde_json::Value = serde_json::from_str(media.lines().next().unwrap()).unwrap();
    assert!(first["alt"].is_string() && first["credit"].is_string() && first["focal_x"].is_u64());
    assert!(folder.join(first["file"].as_str().unwrap()).is_file());
    for file in files(&folder) {
        let bytes = text(&std::fs::read(&file).unwrap());
        for secret in ["leak-check@example.com", "$argon2", token.as_str()] {
            assert!(!bytes.contains(secret), "{} holds {secret:?}", file.display());
        }
    }

    // Imported into empty sites: the archive and the folder.
    let b = work.path().join("b");
    let report = work.path().join("b.report.json");
    let imported =
        run(&["import", "dateline"], &[&archive, Path::new("--data"), &b, Path::new("--report"), &report]);
    assert!(imported.status.success(), "{}{}", text(&imported.stdout), text(&imported.stderr));
    let first_run = report_of(&report);
    assert_eq!(first_run["posts"]["imported"], 62, "{first_run}");
    assert_eq!(first_run["pictures_taken"], 8, "{first_run}");
    assert!(first_run["redirects"].as_u64().unwrap() >= 1, "{first_run}");
    let again =
        run(&["import", "dateline"], &[&archive, Path::new("--data"), &b, Path::new("--report"), &report]);
    assert!(again.status.success(), "{}", text(&again.stderr));
    let second_run = report_of(&report);
    assert_eq!(
        (&second_run["posts"]["imported"], &second_run["posts"]["unchanged"]),
        (&serde_json::json!(0), &serde_json::json!(62)),
        "a second run changes nothing: {second_run}"
    );
    let c = work.path().join("c");
    let from_folder = run(&["import", "dateline"], &[&folder, Path::new("--data"), &c]);
    assert!(from_folder.status.success(), "{}", text(&from_folder.stderr));

    let home = public_pages(&url_a, &["/".to_owned()]).remove(0).3;
    let home = text(&home);
    let mut paths: Vec<String> =
        ["/", "/latest", "/section/urdu", "/rss.xml", "/sitemap.xml"].map(str::to_owned).to_vec();
    let mut stories: Vec<String> = home
        .split("href=\"/story/")
        .skip(1)
        .filter_map(|s| s.split('"').next())
        .map(|s| format!("/story/{s}"))
        .collect();
    stories.dedup();
    paths.extend(stories.into_iter().take(8));
    for slug in [
        &special.corrected,
        &special.old_slug,
        &special.new_slug,
        &special.killed,
        &special.unpublished,
        &special.original,
        &special.translation,
        &special.scheduled,
    ] {
        paths.push(format!("/story/{slug}"));
    }
    paths.push(format!("/story/{}/ninjs.json", special.corrected));
    let picture = home.split("srcset=\"").nth(1).and_then(|s| s.split(' ').next()).map(str::to_owned);
    paths.push(picture.expect("the home page shows a library picture"));
    common::wait_for_search(&url_a);
    let before = public_pages(&url_a, &paths);
    server_a.kill().unwrap();
    server_a.wait().unwrap();
    assert!(paths.len() >= 20, "{paths:?}");
    let statuses: Vec<u16> = before.iter().map(|p| p.1).collect();
    assert!(statuses.contains(&301) && statuses.contains(&410) && statuses.contains(&404), "{statuses:?}");
    for site in [&b, &c] {
        let (mut server, url) = start_server(site);
        common::wait_for_search(&url);
        let after = public_pages(&url, &paths);
        server.kill().unwrap();
        server.wait().unwrap();
        for ((path, status, location, body), (_, status_after, location_after, body_after)) in
            before.iter().zip(&after)
        {
            assert_eq!((status_after, location_after), (status, location), "{path} in {}", site.display());
            assert!(
                body_after == body,
                "{path} differs in {}:\n--- before\n{}\n--- after\n{}",
                site.display(),
                text(body),
                text(body_after)
            );
        }
    }
}

#[test]
fn exports_that_cannot_be_imported_are_refused_and_nothing_is_written() {
    let work = tempfile::tempdir().unwrap();
    let site = work.path().join("site");
    assert!(run(&["demo", "--stories", "5", "--data"], &[&site]).status.success());
    let archive = work.path().join("exp.tar.zst");
    let folder = work.path().join("exp");
    assert!(run(&["export", "--to"], &[&archive, Path::new("--data"), &site]).status.success());
    assert!(run(&["export", "--to"], &[&folder, Path::new("--data"), &site]).status.success());
    let whole = std::fs::read(&archive).unwrap();

    // From a newer Dateline: its manifest names a schema this one does not know.
    let newer = work.path().join("newer.tar.zst");
    {
        let manifest = serde_json::json!({"format": "dateline-export", "format_version": 1, "schema": 999,
            "dateline": "9.0.0", "created": "2030-01-01T00:00:00Z", "counts": {"stories": 0}});
        let bytes = serde_json::to_vec(&manifest).unwrap();
        let mut archive =
            tar::Builder::new(zstd::Encoder::new(std::fs::File::create(&newer).unwrap(), 3).unwrap());
        let mut header = tar::Header::new_gnu();
        header.set_size(bytes.len() as u64);
        header.set_mode(0o600);
        header.set_cksum();
        archive.append_data(&mut header, "manifest.json", bytes.as_slice()).unwrap();
        archive.into_inner().unwrap().finish().unwrap();
    }
    let cut = work.path().join("cut.tar.zst");
    std::fs::write(&cut, &whole[..whole.len() / 2]).unwrap();
    let not_zstd = work.path().join("notes.tar.zst");
    std::fs::write(&not_zstd, "not an export").unwrap();
    let no_manifest = work.path().join("no-manifest");
    std::fs::create_dir_all(no_manifest.join("media")).unwrap();
    for file in files(&folder) {
        let inside = file.strip_prefix(&folder).unwrap();
        if inside != Path::new("manifest.json") {
            std::fs::copy(&file, no_manifest.join(inside)).unwrap();
        }
    }
    // A folder whose stories end in half a line.
    let half_line = work.path().join("half-line");
    std::fs::create_dir_all(half_line.join("media")).unwrap();
    for file in files(&folder) {
        std::fs::copy(&file, half_line.join(file.strip_prefix(&folder).unwrap())).unwrap();
    }
    let stories = std::fs::read(folder.join("stories.jsonl")).unwrap();
    std::fs::write(half_line.join("stories.jsonl"), &stories[..stories.len() - 40]).unwrap();

    for (bad, says, touches_database) in [
        (&newer, "newer Dateline", false),
        (&no_manifest, "no manifest.json", false),
        (&not_zstd, "not a readable Dateline export", false),
        (&cut, "not a readable Dateline export", true),
        (&half_line, "not JSON", true),
    ] {
        let target = work.path().join(format!("into-{}", bad.file_name().unwrap().to_string_lossy()));
        let out = run(&["import", "dateline"], &[bad, Path::new("--data"), &target]);
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{says}: {stderr}");
        assert!(stderr.contains(says), "{says}: {stderr}");
        assert!(stderr.contains("nothing was imported"), "{says}: {stderr}");
        if touches_database {
            assert_eq!(story_count(&target), (0, 0), "{says}: nothing imported");
        } else {
            assert!(!target.join("dateline.db").exists(), "{says}: nothing written");
        }
    }

    // A line that is JSON but no Dateline story fails alone; the report says so.
    let odd_line = work.path().join("odd-line");
    std::fs::create_dir_all(odd_line.join("media")).unwrap();
    for file in files(&folder) {
        std::fs::copy(&file, odd_line.join(file.strip_prefix(&folder).unwrap())).unwrap();
    }
    let mut lines: Vec<String> = String::from_utf8(stories).unwrap().lines().map(str::to_owned).collect();
    lines[2] =
        serde_json::json!({"uri": "urn:x", "type": "text", "headlines": [{"value": "Not ours"}]}).to_string();
    std::fs::write(odd_line.join("stories.jsonl"), lines.join("\n") + "\n").unwrap();
    let target = work.path().join("into-odd");
    let report = work.path().join("odd.json");
    let out = run(
        &["import", "dateline"],
        &[&odd_line, Path::new("--data"), &target, Path::new("--report"), &report],
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let report = report_of(&report);
    assert_eq!(
        (&report["posts"]["imported"], &report["posts"]["failed"]),
        (&4.into(), &1.into()),
        "{report}"
    );
    assert!(report["failed"][0]["reason"].as_str().unwrap().contains("dateline"), "{report}");
}
