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
