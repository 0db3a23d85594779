//! Moving a site in: a WordPress export imported into a real SQLite site (pictures from a
//! copy of its uploads folder), then the site asked over its router: old addresses answer
//! 301, stories read as they did, a second run changes nothing, a changed post gets a
//! revision, and broken files are refused before anything is written.

use crate::media::picture;
use crate::support::Site;
use axum::http::StatusCode;
use dateline_core::{Actor, StoryStatus};
use dateline_newsroom::import::{self, ImportError, MediaFrom, Options, Report};
use std::path::{Path, PathBuf};
use std::sync::Arc;

const WXR: &str = include_str!("../fixtures/import/wordpress.xml");

/// A copy of the old site's `wp-content/uploads` with the two pictures the export has.
fn uploads() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let month = dir.path().join("2019/08");
    std::fs::create_dir_all(&month).unwrap();
    std::fs::write(month.join("barrage.png"), picture(64, 48, image::ImageFormat::Png)).unwrap();
    std::fs::write(month.join("relief.png"), picture(48, 64, image::ImageFormat::Png)).unwrap();
    dir
}

fn options(site: &Site, uploads: &Path) -> Options {
    Options {
        dry_run: false,
        media: MediaFrom::Folder(uploads.to_owned(), dateline_newsroom::egress::Egress::public_only()),
        pictures: site.state.pictures.clone(),
    }
}

/// The report as JSON, as the fixture's expected report: everything but the time taken.
fn expected_report(report: &Report) -> String {
    let mut json = serde_json::to_value(report).unwrap();
    json["seconds"] = 0.into();
    serde_json::to_string_pretty(&json).unwrap()
}

async fn import_text(site: &Site, text: &str, options: &Options) -> Result<Report, ImportError> {
    let dir = tempfile::tempdir().unwrap();
    let file: PathBuf = dir.path().join("export.xml");
    std::fs::write(&file, text).unwrap();
    let actor = Actor::System("test import");
    import::wordpress::import(site.store.as_ref(), &actor, &file, options, Arc::new(|_| {})).await
}

#[tokio::test]
async fn a_wordpress_export_comes_in_with_its_addresses() {
    let site = Site::new().await;
    let uploads = uploads();
    let report = import_text(&site, WXR, &options(&site, uploads.path())).await.unwrap();
    insta::assert_snapshot!("wordpress_report", expected_report(&report));

    // The report, point by point.
    assert_eq!(report.origin, "https://old.example.org");
    assert_eq!((report.posts.imported, report.posts.skipped, report.posts.failed), (7, 1, 0), "{report:#?}");
    assert_eq!(report.skipped[0].reason, "in the trash");
    let counted: Vec<(&str, u64)> = report.not_imported.iter().map(|(k, v)| (k.as_str(), *v)).collect();
    assert_eq!(counted, [("attachments", 2), ("comments", 2), ("menu items", 1), ("pages", 1)]);
    let converted: Vec<&str> = report.shortcodes_converted.keys().map(String::as_str).collect();
    assert_eq!(converted, ["caption", "embed", "gallery", "video"]);
    assert_eq!(report.shortcodes_dropped.get("contact-form-7"), Some(&1));
    assert_eq!(report.pictures_missing.len(), 1, "{:?}", report.pictures_missing);
    assert!(report.pictures_missing[0].title.ends_with("missing.png"));
    assert_eq!(report.pictures_missing[0].id, "108");
    assert_eq!(report.authors_created, ["Edith Okafor", "Bilal Ahmed"]);
    assert_eq!(report.redirects, 6);
    let table = report.table();
    assert!(table.contains("imported") && table.contains("in the trash"), "{table}");

    // Stored: statuses as WordPress had them.
    let counts = site.store.status_counts().await.unwrap();
    let count = |s: StoryStatus| counts.iter().find(|(x, _)| *x == s).map_or(0, |(_, n)| *n);
    assert_eq!(
        (count(StoryStatus::Published), count(StoryStatus::Draft), count(StoryStatus::Scheduled)),
        (3, 3, 1)
    );
    let floods = site.store.story_by_slug("floods-reach-sukkur").await.unwrap().unwrap();
    assert_eq!(floods.headline, "Floods reach Sukkur & Larkana as the Indus rises");
    assert_eq!(floods.standfirst, "The Indus is rising fast.");
    assert_eq!(floods.section.slug.as_str(), "sindh");
    let bylines: Vec<&str> = floods.authors.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(bylines, ["Edith Okafor", "Bilal Ahmed"], "Co-Authors Plus order kept");
    let tags: Vec<&str> = floods.tags.iter().map(|t| t.slug.as_str()).collect();
    assert_eq!(tags, ["national", "floods"]);
    assert_eq!(floods.published_at.unwrap().to_string(), "2019-08-14T09:30:00Z");
    let image = floods.image.as_ref().unwrap();
    assert!(image.url.starts_with("/media/"), "featured picture from the library: {}", image.url);
    assert_eq!(image.alt, "The barrage at dawn");
    let scheduled = site.store.story_by_slug("election-results").await.unwrap().unwrap();
    assert_eq!(scheduled.status, StoryStatus::Scheduled);

    // The old addresses answer 301 to the stories; drafts' do not.
    for old in ["/2019/08/14/floods-reach-sukkur/", "/2019/08/14/floods-reach-sukkur", "/?p=101"] {
        let page = site.get(old).await;
        assert_eq!(page.status, StatusCode::MOVED_PERMANENTLY, "{old}");
        assert_eq!(page.header("location"), "/story/floods-reach-sukkur", "{old}");
    }
    let urdu = site.get("/2019/08/15/%D8%B3%DB%8C%D9%84%D8%A7%D8%A8/").await;
    assert_eq!(urdu.status, StatusCode::MOVED_PERMANENTLY);
    assert_eq!(urdu.header("location"), "/story/%D8%B3%DB%8C%D9%84%D8%A7%D8%A8");
    assert_eq!(
        site.get("/?p=103").await.status,
        StatusCode::NOT_FOUND,
        "a draft's address is not redirected"
    );
    assert_eq!(site.get("/?p=999").await.status, StatusCode::NOT_FOUND);
    assert_eq!(site.get("/about").await.status, StatusCode::NOT_FOUND, "pages are not imported");
    assert_eq!(site.get("/").await.status, StatusCode::OK);

    // The story reads as it did, sanitised, its pictures from the library.
    let page = site.get("/story/floods-reach-sukkur").await;
    assert_eq!(page.status, StatusCode::OK);
    let body = &page.body;
    assert!(body.contains("Water reached the outskirts of Sukkur on Wednesday.<br>"), "wpautop line break");
    assert!(body.contains("<figcaption>The Sukkur barrage at dawn.</figcaption>"));
    assert!(body.contains("https://www.youtube.com/watch?v=abc123"));
    assert!(!body.contains("alert(\"stolen\")") && !body.contains("onclick"), "hostile HTML removed");
    assert!(
        !body.contains("contact-form-7")
            && !body.contains("old.example.org/wp-content/uploads/2019/08/barrage.png")
    );
    let markets = site.get("/story/markets-record").await.body;
    assert!(markets.contains("[sic]"), "words in brackets are not shortcodes");
    assert!(
        markets.contains("https://127.0.0.1/wp-content/uploads/2019/08/missing.png"),
        "a missing picture keeps its address"
    );
    let library = site.store.media_list(dateline_core::PageRequest { offset: 0, limit: 10 }).await.unwrap();
    assert_eq!(library.len(), 2, "each picture once");
}

#[tokio::test]
async fn a_second_run_changes_nothing_and_a_changed_post_gets_a_revision() {
    let site = Site::new().await;
    let uploads = uploads();
    let options = options(&site, uploads.path());
    import_text(&site, WXR, &options).await.unwrap();
    let floods = site.store.story_by_slug("floods-reach-sukkur").await.unwrap().unwrap();
    let before = site.store.revisions(floods.id).await.unwrap().len();

    let again = import_text(&site, WXR, &options).await.unwrap();
    assert_eq!((again.posts.imported, again.posts.updated, again.posts.unchanged), (0, 0, 7));
    assert_eq!(site.store.story_count().await.unwrap(), 7);
    assert_eq!(site.store.revisions(floods.id).await.unwrap().len(), before);

    let changed = WXR.replace("the barrage was holding", "the barrage had held overnight").replace(
        "<wp:status><![CDATA[draft]]></wp:status>",
        "<wp:status><![CDATA[publish]]></wp:status><wp:post_date_gmt><![CDATA[2019-08-20 10:00:00]]></wp:post_date_gmt>",
    );
    let third = import_text(&site, &changed, &options).await.unwrap();
    assert_eq!((third.posts.imported, third.posts.updated, third.posts.unchanged), (0, 2, 5), "{third:#?}");
    assert_eq!(site.store.revisions(floods.id).await.unwrap().len(), before + 1);
    assert!(site.get("/story/floods-reach-sukkur").await.body.contains("had held overnight"));
    let budget = site.store.story_by_slug("a-draft-about-the-budget").await.unwrap().unwrap();
    assert_eq!(budget.status, StoryStatus::Published, "a draft published there since is published here");
    assert_eq!(budget.published_at.unwrap().to_string(), "2019-08-20T10:00:00Z");
}

#[tokio::test]
async fn a_dry_run_writes_nothing() {
    let site = Site::new().await;
    let options = Options { dry_run: true, media: MediaFrom::Skip, pictures: site.state.pictures.clone() };
    let report = import_text(&site, WXR, &options).await.unwrap();
    assert_eq!((report.posts.imported, report.posts.skipped), (7, 1));
    assert!(report.dry_run && report.table().contains("dry run"));
    assert_eq!(site.store.story_count().await.unwrap(), 0);
    assert!(site.store.section_by_slug("sindh").await.unwrap().is_none());
}

#[tokio::test]
async fn broken_files_are_refused_before_anything_is_written() {
    let site = Site::new().await;
    let options = Options { dry_run: false, media: MediaFrom::Skip, pictures: site.state.pictures.clone() };
    let cut_between = &WXR[..WXR.find("<item>\n\t\t<title><![CDATA[Markets").unwrap()];
    let cut_inside = &WXR[..WXR.find("Markets: KSE-100").unwrap()];
    let not_wordpress = "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>A feed</title>\
                         <item><title>One</title></item></channel></rss>";
    let newer = WXR.replace("<wp:wxr_version>1.2</wp:wxr_version>", "<wp:wxr_version>2.0</wp:wxr_version>");
    for (text, says) in [
        (cut_between, "cut short"),
        (cut_inside, "CDATA not closed"),
        (not_wordpress, "not a WordPress export"),
        (newer.as_str(), "version 2.0"),
        ("{\"db\": []}", "not a WordPress export"),
        ("", "WordPress"),
    ] {
        match import_text(&site, text, &options).await {
            Err(ImportError::Unreadable(reason)) => assert!(reason.contains(says), "{says}: {reason}"),
            other => panic!("{says}: {other:?}"),
        }
        assert_eq!(site.store.story_count().await.unwrap(), 0, "{says}: nothing written");
    }
    // Only an administrator moves a site.
    let editor = Actor::User(dateline_core::rights::UserActor {
        id: dateline_core::account::UserId(1),
        name: "Ed".into(),
        role: dateline_core::Role::Editor,
        author: None,
    });
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("export.xml");
    std::fs::write(&file, WXR).unwrap();
    let refused =
        import::wordpress::import(site.store.as_ref(), &editor, &file, &options, Arc::new(|_| {})).await;
    assert!(matches!(refused, Err(ImportError::Forbidden)));
}

const GHOST: &str = include_str!("../fixtures/import/ghost.json");

/// A copy of the Ghost site's `content/images` with the two pictures its export has.
fn ghost_images() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let month = dir.path().join("2024/03");
    std::fs::create_dir_all(&month).unwrap();
    std::fs::write(month.join("harbour.png"), picture(64, 48, image::ImageFormat::Png)).unwrap();
    std::fs::write(month.join("crane.png"), picture(48, 64, image::ImageFormat::Png)).unwrap();
    dir
}

async fn import_ghost(site: &Site, text: &str, options: &Options) -> Result<Report, ImportError> {
    let dir = tempfile::tempdir().unwrap();
    let file: PathBuf = dir.path().join("export.json");
    std::fs::write(&file, text).unwrap();
    let actor = Actor::System("test import");
    import::ghost::import(site.store.as_ref(), &actor, &file, options, Arc::new(|_| {})).await
}

/// A path as a browser sends it: bytes outside ASCII letters, digits and `-/` escaped.
fn escaped(path: &str) -> String {
    path.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b == b'-' || b == b'/' {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

#[tokio::test]
async fn a_ghost_export_comes_in_with_its_addresses() {
    let site = Site::new().await;
    let images = ghost_images();
    let report = import_ghost(&site, GHOST, &options(&site, images.path())).await.unwrap();
    insta::assert_snapshot!("ghost_report", expected_report(&report));

    // The report, point by point.
    assert_eq!(report.kind, "ghost");
    assert_eq!(report.origin, "https://ghost.example.org");
    assert_eq!((report.posts.imported, report.posts.skipped, report.posts.failed), (5, 0, 1), "{report:#?}");
    assert_eq!(report.failed[0].id, "65f2a1c0e4b0a1000100a007");
    assert_eq!(report.failed[0].reason, "it has no title");
    let counted: Vec<(&str, u64)> = report.not_imported.iter().map(|(k, v)| (k.as_str(), *v)).collect();
    assert_eq!(counted, [("internal tags", 2), ("pages", 1)]);
    assert_eq!(report.sections_created, ["Karachi", "News"], "the urdu section was there already");
    assert_eq!(report.tags_created, 2);
    assert_eq!(report.authors_created, ["Zainab Qureshi", "Tom Hale"], "Ayesha Malik was there already");
    assert_eq!(report.pictures_taken, 2, "{:?}", report.pictures_missing);
    assert_eq!(report.pictures_missing.len(), 1, "{:?}", report.pictures_missing);
    assert_eq!(report.pictures_missing[0].id, "65f2a1c0e4b0a1000100a003");
    assert!(report.pictures_missing[0].title.ends_with("gone.png"));
    assert_eq!(report.redirects, 3);
    assert!(report.table().contains("it has no title"));

    // Stored: statuses as Ghost had them (a newsletter-only post is published).
    let counts = site.store.status_counts().await.unwrap();
    let count = |s: StoryStatus| counts.iter().find(|(x, _)| *x == s).map_or(0, |(_, n)| *n);
    assert_eq!(
        (count(StoryStatus::Published), count(StoryStatus::Draft), count(StoryStatus::Scheduled)),
        (3, 1, 1)
    );
    let harbour = site.store.story_by_slug("harbour-reopens").await.unwrap().unwrap();
    assert_eq!(harbour.headline, "Harbour reopens after the storm");
    assert_eq!(harbour.standfirst, "The port is open again, two days after the storm.");
    assert_eq!(harbour.section.slug.as_str(), "karachi", "the first public tag, not the internal #featured");
    let bylines: Vec<&str> = harbour.authors.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(bylines, ["Zainab Qureshi", "Tom Hale"], "posts_authors sort order kept");
    let tags: Vec<&str> = harbour.tags.iter().map(|t| t.slug.as_str()).collect();
    assert_eq!(tags, ["shipping", "weather"], "sort order kept, no internal tag");
    assert!(site.store.tags().await.unwrap().iter().all(|t| !t.name.starts_with('#')));
    assert_eq!(harbour.published_at.unwrap().to_string(), "2024-03-14T09:30:00Z");
    let image = harbour.image.as_ref().unwrap();
    assert!(image.url.starts_with("/media/"), "feature picture from content/images: {}", image.url);
    assert_eq!(image.alt, "Cranes at the harbour at dawn", "from posts_meta");
    assert_eq!(image.caption, "The harbour on Thursday.");

    let urdu = site.store.story_by_slug("کراچی-میں-بارش").await.unwrap().unwrap();
    assert_eq!(urdu.headline, "کراچی میں بارش کے بعد سیلاب");
    assert_eq!(urdu.section.slug.as_str(), "urdu");
    let scheduled = site.store.story_by_slug("election-day").await.unwrap().unwrap();
    assert_eq!(scheduled.status, StoryStatus::Scheduled);
    let draft = site.store.story_by_slug("budget-talks").await.unwrap().unwrap();
    assert_eq!(draft.status, StoryStatus::Draft);
    let sent = site.store.story_by_slug("this-week-at-the-port").await.unwrap().unwrap();
    assert_eq!(sent.status, StoryStatus::Published);
    assert_eq!(sent.published_at.unwrap().to_string(), "2024-03-15T10:00:00Z", "milliseconds read");
    assert_eq!(sent.section.slug.as_str(), "news", "only an internal tag: the default section");
    let bylines: Vec<&str> = sent.authors.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(bylines, ["Ayesha Malik"], "a post's author_id without posts_authors");
    assert!(sent.body_html.contains("Ships in: 14 &amp; ships out: 9.<br>Cranes working: &lt;all&gt;."));
    assert!(sent.body_html.contains("<p>See you next week.</p>"), "plain text as paragraphs");

    // The old addresses answer 301 to the stories; a draft's, a scheduled post's, a
    // page's and the failed post's do not.
    for old in ["/harbour-reopens/", "/harbour-reopens"] {
        let page = site.get(old).await;
        assert_eq!(page.status, StatusCode::MOVED_PERMANENTLY, "{old}");
        assert_eq!(page.header("location"), "/story/harbour-reopens", "{old}");
    }
    let moved = site.get(&escaped("/کراچی-میں-بارش/")).await;
    assert_eq!(moved.status, StatusCode::MOVED_PERMANENTLY);
    assert_eq!(moved.header("location"), escaped("/story/کراچی-میں-بارش"));
    assert_eq!(site.get("/this-week-at-the-port/").await.header("location"), "/story/this-week-at-the-port");
    for not_moved in ["/budget-talks", "/election-day", "/about", "/untitled"] {
        assert_eq!(site.get(not_moved).await.status, StatusCode::NOT_FOUND, "{not_moved}");
        let slashed = site.get(&format!("{not_moved}/")).await;
        assert_ne!(slashed.status, StatusCode::MOVED_PERMANENTLY, "{not_moved}/");
        assert!(!slashed.header("location").starts_with("/story/"), "{not_moved}/");
    }
    assert_eq!(site.store.story_count().await.unwrap(), 5, "the page is not imported");

    // The story reads as it did, sanitised, its pictures from the library, its links whole.
    let page = site.get("/story/harbour-reopens").await;
    assert_eq!(page.status, StatusCode::OK);
    let body = &page.body;
    assert!(body.contains("The port of Karachi reopened on Thursday after the storm."));
    assert!(body.contains("Cranes were back at work."));
    assert!(body.contains("href=\"https://ghost.example.org/fish-prices/\""), "__GHOST_URL__ made whole");
    assert!(!body.contains("alert(\"stolen\")") && !body.contains("onclick"), "hostile HTML removed");
    assert!(!body.contains("__GHOST_URL__") && !body.contains("/content/images/2024/03/crane.png"));
    let crane = harbour.body_html.split("<img ").nth(1).unwrap();
    assert!(crane.contains("src=\"/media/"), "inline picture from the library: {crane}");
    let budget = &draft.body_html;
    assert!(
        budget.contains("https://127.0.0.1/content/images/2024/03/gone.png"),
        "a missing picture keeps its address"
    );
    let library = site.store.media_list(dateline_core::PageRequest { offset: 0, limit: 10 }).await.unwrap();
    assert_eq!(library.len(), 2, "each picture once");
}

#[tokio::test]
async fn a_second_ghost_run_changes_nothing() {
    let site = Site::new().await;
    let images = ghost_images();
    let options = options(&site, images.path());
    import_ghost(&site, GHOST, &options).await.unwrap();
    let harbour = site.store.story_by_slug("harbour-reopens").await.unwrap().unwrap();
    let before = site.store.revisions(harbour.id).await.unwrap().len();

    let again = import_ghost(&site, GHOST, &options).await.unwrap();
    assert_eq!((again.posts.imported, again.posts.updated, again.posts.unchanged), (0, 0, 5), "{again:#?}");
    assert_eq!(again.posts.failed, 1, "the untitled post fails again");
    assert_eq!(site.store.story_count().await.unwrap(), 5);
    assert_eq!(site.store.revisions(harbour.id).await.unwrap().len(), before);
    assert_eq!(
        site.store.media_list(dateline_core::PageRequest { offset: 0, limit: 10 }).await.unwrap().len(),
        2,
        "pictures are not taken in twice"
    );

    let edited = "reopened on Thursday after the storm.</p>";
    assert_eq!(GHOST.matches(edited).count(), 1);
    let changed = GHOST.replace(edited, "reopened on Thursday morning after the storm.</p>");
    let third = import_ghost(&site, &changed, &options).await.unwrap();
    assert_eq!((third.posts.imported, third.posts.updated, third.posts.unchanged), (0, 1, 4), "{third:#?}");
    assert_eq!(site.store.revisions(harbour.id).await.unwrap().len(), before + 1);
    assert!(site.get("/story/harbour-reopens").await.body.contains("Thursday morning"));
    assert_eq!(site.store.story_count().await.unwrap(), 5);
}

#[tokio::test]
async fn bad_ghost_files_are_refused() {
    let site = Site::new().await;
    let options = Options { dry_run: false, media: MediaFrom::Skip, pictures: site.state.pictures.clone() };
    let version_6 = GHOST.replace("\"version\": \"5.82.0\"", "\"version\": \"6.0.0\"");
    assert_ne!(version_6, GHOST);
    let no_version = GHOST.replace("\"version\": \"5.82.0\"", "\"app\": \"ghost\"");
    for (text, says) in [
        ("", "not JSON"),
        (WXR, "not JSON"),
        (&GHOST[..GHOST.len() / 2], "not JSON"),
        ("{}", "not a Ghost export: no db[0].data.posts"),
        ("[]", "not a Ghost export"),
        ("{\"db\": []}", "not a Ghost export: no db[0].data.posts"),
        ("{\"db\": [{\"meta\": {\"version\": \"5.0.0\"}, \"data\": {}}]}", "no db[0].data.posts"),
        (
            "{\"posts\": [{\"id\": 1, \"title\": {\"rendered\": \"A WordPress API post\"}}]}",
            "not a Ghost export",
        ),
        (version_6.as_str(), "a Ghost export of version 6.0.0; Dateline reads versions 4 and 5"),
        (no_version.as_str(), "without a version"),
    ] {
        match import_ghost(&site, text, &options).await {
            Err(ImportError::Unreadable(reason)) => assert!(reason.contains(says), "{says}: {reason}"),
            other => panic!("{says}: {other:?}"),
        }
        assert_eq!(site.store.story_count().await.unwrap(), 0, "{says}: nothing written");
        assert!(site.store.section_by_slug("karachi").await.unwrap().is_none(), "{says}: nothing written");
    }
    let actor = Actor::System("test import");
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("no-such-export.json");
    match import::ghost::import(site.store.as_ref(), &actor, &missing, &options, Arc::new(|_| {})).await {
        Err(ImportError::Unreadable(reason)) => assert!(reason.contains("no such file"), "{reason}"),
        other => panic!("a missing file: {other:?}"),
    }
    // Only an administrator moves a site.
    let editor = Actor::User(dateline_core::rights::UserActor {
        id: dateline_core::account::UserId(1),
        name: "Ed".into(),
        role: dateline_core::Role::Editor,
        author: None,
    });
    let file = dir.path().join("export.json");
    std::fs::write(&file, GHOST).unwrap();
    let refused =
        import::ghost::import(site.store.as_ref(), &editor, &file, &options, Arc::new(|_| {})).await;
    assert!(matches!(refused, Err(ImportError::Forbidden)));
    assert_eq!(site.store.story_count().await.unwrap(), 0);
}

#[tokio::test]
async fn a_ghost_4_export_with_db_as_an_object_comes_in() {
    let site = Site::new().await;
    let options = Options { dry_run: false, media: MediaFrom::Skip, pictures: site.state.pictures.clone() };
    let v4 = r#"{"db": {"meta": {"exported_on": 1620000000000, "version": "4.48.9"}, "data": {
        "posts": [
            {"id": "60a1", "title": "Old news", "slug": "old-news", "html": "<p>Old.</p>",
             "feature_image": "__GHOST_URL__/content/images/2021/05/old.png",
             "status": "published", "published_at": "2021-05-01 10:00:00", "author_id": "1"},
            {"id": "60a2", "title": "Half written", "slug": "half-written", "html": null,
             "mobiledoc": "{\"version\":\"0.3.1\",\"atoms\":[],\"cards\":[],\"markups\":[],\"sections\":[[1,\"p\",[[0,[],0,\"Words\"]]]]}",
             "status": "draft"},
            {"id": "60a3", "title": "Gone", "slug": "gone", "html": "<p>x</p>", "status": "archived"},
            "not a post"
        ],
        "users": [{"id": "1", "name": "Edith Okafor"}]}}}"#;
    let report = import_ghost(&site, v4, &options).await.unwrap();
    assert_eq!(report.origin, "unknown", "no url setting");
    assert_eq!((report.posts.imported, report.posts.skipped, report.posts.failed), (1, 1, 2), "{report:#?}");
    assert_eq!(report.skipped[0].reason, "status \"archived\" is not one Dateline imports");
    assert!(report.failed.iter().any(|n| n.id == "60a2" && n.reason.contains("mobiledoc")), "{report:#?}");
    assert!(report.failed.iter().any(|n| n.reason.contains("cannot be read")), "{report:#?}");
    assert_eq!(report.pictures_missing.len(), 1, "a relative feature picture with nowhere to come from");
    let old = site.store.story_by_slug("old-news").await.unwrap().unwrap();
    assert_eq!(old.published_at.unwrap().to_string(), "2021-05-01T10:00:00Z");
    assert_eq!(old.authors[0].name, "Edith Okafor");
    assert!(old.image.is_none(), "no broken relative picture");
    assert_eq!(site.get("/old-news/").await.header("location"), "/story/old-news");
}

/// Posts the import form as a signed-in browser would (the token first, then the file).
async fn post_import(
    client: &crate::support::Client<'_>,
    file: &[u8],
    fields: &[(&str, &str)],
) -> crate::support::Page {
    let csrf = client.csrf.clone();
    let all = [vec![("csrf", csrf.as_str())], fields.to_vec()].concat();
    let (content_type, body) = crate::media::multipart(Some(("export.xml", file)), &all);
    let cookies = client.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ");
    let request = axum::http::Request::post("/admin/import")
        .header("content-type", content_type)
        .header("cookie", cookies)
        .body(axum::body::Body::from(body))
        .unwrap();
    client.site.send(request).await
}

#[tokio::test]
async fn administrators_import_from_the_admin_in_the_background() {
    let site = Site::new().await;
    let mut editor = site.signed_in(dateline_core::Role::Editor).await;
    assert_eq!(
        editor.get("/admin/import").await.status,
        StatusCode::FORBIDDEN,
        "an editor may not move a site"
    );
    assert!(!editor.get("/admin").await.body.contains("/admin/import"), "nor sees the way there");

    let mut admin = site.signed_in(dateline_core::Role::Administrator).await;
    let form = admin.get("/admin/import").await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.body.contains("Upload an export"));
    // No token, a wrong token: refused before the file is read.
    let wrong = {
        let (content_type, body) = crate::media::multipart(
            Some(("export.xml", WXR.as_bytes())),
            &[("csrf", "wrong"), ("kind", "wordpress")],
        );
        let cookies = admin.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ");
        let request = axum::http::Request::post("/admin/import")
            .header("content-type", content_type)
            .header("cookie", cookies)
            .body(axum::body::Body::from(body))
            .unwrap();
        site.send(request).await
    };
    assert_eq!(wrong.status, StatusCode::FORBIDDEN, "{}", wrong.body);
    assert_eq!(
        post_import(&admin, b"", &[("kind", "wordpress")]).await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );

    let started = post_import(&admin, WXR.as_bytes(), &[("kind", "wordpress")]).await;
    assert_eq!(started.status, StatusCode::SEE_OTHER, "{}", started.body);
    assert_eq!(started.header("location"), "/admin/import");
    let mut page = admin.get("/admin/import").await;
    for _ in 0..100 {
        if !page.body.contains("reloads by itself") {
            break;
        }
        assert!(page.body.contains("http-equiv=\"refresh\""), "the page follows the import");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        page = admin.get("/admin/import").await;
    }
    assert!(page.body.contains("Last import: export.xml"), "{}", page.body);
    let imported = page.body.lines().find(|l| l.trim_start().starts_with("imported")).unwrap_or_default();
    assert!(imported.trim_end().ends_with(" 7"), "the report's table: {imported:?}");
    assert_eq!(site.store.story_count().await.unwrap(), 7);
    assert_eq!(site.get("/?p=101").await.status, StatusCode::MOVED_PERMANENTLY);

    // A file that is not an export: the page says why, nothing is written.
    let bad = post_import(&admin, b"<html><body>hello</body></html>", &[("kind", "wordpress")]).await;
    assert_eq!(bad.status, StatusCode::SEE_OTHER);
    let mut page = admin.get("/admin/import").await;
    for _ in 0..100 {
        if !page.body.contains("reloads by itself") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        page = admin.get("/admin/import").await;
    }
    assert!(page.body.contains("The import stopped"), "{}", page.body);
    assert!(page.body.contains("not a WordPress export"));
    assert_eq!(site.store.story_count().await.unwrap(), 7);
}

#[tokio::test]
async fn an_import_stopped_part_way_says_what_came_in() {
    let dir = tempfile::tempdir().unwrap();
    let store: Arc<dyn dateline_store::Store> =
        dateline_store::open(&dateline_store::Location::SqliteDir(dir.path().to_owned())).await.unwrap();
    // The database refuses one story, as a full disk would: its batch is not written.
    let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}", dir.path().join("dateline.db").display()))
        .await
        .unwrap();
    sqlx::query(
        "CREATE TRIGGER refuse BEFORE INSERT ON stories WHEN NEW.headline LIKE 'Markets%' \
         BEGIN SELECT RAISE(ABORT, 'the disk is full'); END",
    )
    .execute(&pool)
    .await
    .unwrap();
    let file = dir.path().join("export.xml");
    std::fs::write(&file, WXR).unwrap();
    let pictures = dateline_newsroom::media::Pictures::new(dateline_media::MediaStorage::memory());
    let options = Options { dry_run: false, media: MediaFrom::Skip, pictures };
    let report =
        import::wordpress::import(store.as_ref(), &Actor::System("test"), &file, &options, Arc::new(|_| {}))
            .await
            .unwrap();
    let stopped = report.stopped.as_deref().unwrap_or_default();
    assert!(stopped.contains("the disk is full"), "{report:#?}");
    assert!(report.table().contains("STOPPED"));
    assert_eq!(report.posts.imported, store.story_count().await.unwrap(), "the report counts what came in");
    assert_eq!(store.story_count().await.unwrap(), 0, "the batch with the refused story was not written");
}
