//! Outgoing feeds parsed back by a real feed parser (feed-rs): RSS 2.0, Atom 1.0 and JSON
//! Feed 1.1 for the site and each list, well-formed whatever the text holds, and the
//! ninjs of a story read back by our own wire parser. Killed stories leave every feed.

use crate::support::Site;
use axum::http::StatusCode;
use dateline_core::{Actor, StatusChange};
use dateline_core::{StoryImage, StoryStatus};

fn parse(body: &str) -> feed_rs::model::Feed {
    feed_rs::parser::parse(body.as_bytes()).unwrap_or_else(|e| panic!("{e}: {body}"))
}

/// Strict XML check: every tag closed, every entity known.
fn well_formed(xml: &str) {
    let mut reader = quick_xml::Reader::from_str(xml);
    reader.config_mut().check_end_names = true;
    loop {
        match reader.read_event() {
            Ok(quick_xml::events::Event::Eof) => break,
            Ok(_) => {}
            Err(e) => panic!("not well-formed at {}: {e}", reader.buffer_position()),
        }
    }
}

#[tokio::test]
async fn site_and_list_feeds_parse_back_with_every_field() {
    let site = Site::new().await;
    let mut with_image = site.draft("Talks resume in Istanbul");
    with_image.image = Some(StoryImage {
        url: "/media/talks.webp".into(),
        alt: "Delegates at the table".into(),
        caption: "Delegates meet on Tuesday.".into(),
        ..StoryImage::default()
    });
    let first = site.publish(&with_image, "2025-02-27T08:00:00Z").await;
    let mut urdu = site.draft("اسلام آباد میں بارش");
    urdu.section = site.urdu.id;
    urdu.language = "ur".into();
    urdu.tags = vec![];
    site.publish(&urdu, "2025-02-27T09:00:00Z").await;

    let rss = site.get("/rss.xml").await;
    assert_eq!(rss.status, StatusCode::OK);
    assert!(rss.header("content-type").starts_with("application/rss+xml"));
    well_formed(&rss.body);
    let feed = parse(&rss.body);
    assert_eq!(feed.title.unwrap().content, "The Test Times");
    assert_eq!(feed.entries.len(), 2);
    let entry = feed
        .entries
        .iter()
        .find(|e| e.title.as_ref().unwrap().content == "Talks resume in Istanbul")
        .unwrap();
    let url = format!("https://news.example.com/story/{}", first.slug);
    assert_eq!(entry.id, url, "guid is the permalink");
    assert_eq!(entry.links[0].href, url);
    assert_eq!(entry.authors[0].name.as_deref(), Some("Ayesha Malik"));
    let categories: Vec<&str> = entry.categories.iter().map(|c| c.term.as_str()).collect();
    assert_eq!(categories, ["World", "Turkey"]);
    assert!(
        entry.content.as_ref().unwrap().body.as_deref().unwrap().contains("<p>Delegations from both sides")
    );
    let media = &entry.media[0].content[0];
    assert_eq!(media.url.as_ref().unwrap().as_str(), "https://news.example.com/media/talks.webp");
    assert!(rss.body.contains(r#"<guid isPermaLink="true">"#));
    assert!(rss.body.contains(r#"<atom:link href="https://news.example.com/rss.xml" rel="self""#));

    let atom = site.get("/atom.xml").await;
    assert!(atom.header("content-type").starts_with("application/atom+xml"));
    well_formed(&atom.body);
    let feed = parse(&atom.body);
    assert_eq!(feed.entries.len(), 2);
    let entry = feed.entries.iter().find(|e| e.id == url).unwrap();
    assert_eq!(entry.published.unwrap().to_rfc3339(), "2025-02-27T08:00:00+00:00");
    assert_eq!(entry.authors[0].uri.as_deref(), Some("https://news.example.com/author/ayesha-malik"));
    assert_eq!(entry.summary.as_ref().unwrap().content, "Leaders met for a second day of talks.");

    let json = site.get("/feed.json").await;
    assert!(json.header("content-type").starts_with("application/feed+json"));
    let feed = parse(&json.body);
    assert_eq!(feed.entries.len(), 2);
    let raw: serde_json::Value = serde_json::from_str(&json.body).unwrap();
    assert_eq!(raw["version"], "https://jsonfeed.org/version/1.1");
    assert_eq!(raw["feed_url"], "https://news.example.com/feed.json");

    // Each list has its own three feeds, holding only its stories.
    for path in ["/section/world", "/tag/turkey", "/author/ayesha-malik", "/source/app"] {
        for file in ["rss.xml", "atom.xml", "feed.json"] {
            let page = site.get(&format!("{path}/{file}")).await;
            assert_eq!(page.status, StatusCode::OK, "{path}/{file}");
            let feed = parse(&page.body);
            let titles: Vec<String> = feed.entries.iter().map(|e| e.title.clone().unwrap().content).collect();
            let expected = if path == "/author/ayesha-malik" || path == "/source/app" { 2 } else { 1 };
            assert_eq!(titles.len(), expected, "{path}/{file}: {titles:?}");
        }
    }
    let urdu_feed = site.get("/section/urdu/atom.xml").await;
    assert!(urdu_feed.body.contains(r#"xml:lang="ur""#));
    assert_eq!(parse(&urdu_feed.body).entries[0].title.as_ref().unwrap().content, "اسلام آباد میں بارش");
    assert_eq!(site.get("/section/nowhere/rss.xml").await.status, StatusCode::NOT_FOUND);
    assert_eq!(site.get("/section/world/feed.exe").await.status, StatusCode::NOT_FOUND);

    // Pages say where their feeds are.
    let front = site.get("/section/world").await;
    assert!(front.body.contains(
        r#"<link rel="alternate" type="application/rss+xml" title="The Test Times" href="/rss.xml">"#
    ));
    assert!(front.body.contains(
        r#"type="application/atom+xml" title="World - The Test Times" href="/section/world/atom.xml""#
    ));

    // A kill takes the story out of every feed.
    site.store
        .change_status(first.id, &StatusChange::Kill, &Actor::System("test"), site.state.clock.now())
        .await
        .unwrap();
    for path in ["/rss.xml", "/atom.xml", "/feed.json", "/section/world/rss.xml", "/tag/turkey/feed.json"] {
        let body = site.get(path).await.body;
        assert!(!body.contains("Talks resume"), "{path} still has the killed story");
    }
}

#[tokio::test]
async fn hostile_text_keeps_feeds_well_formed() {
    let site = Site::new().await;
    let mut draft = site.draft("Tom & Jerry <script>alert(1)</script> \u{1}\u{b} \"quoted\" ]]> end");
    draft.body = "Text with <b>bold</b> & a stray ]]> and <script>x</script>".into();
    site.publish(&draft, "2025-02-27T08:00:00Z").await;
    for path in ["/rss.xml", "/atom.xml"] {
        let body = site.get(path).await.body;
        well_formed(&body);
        let feed = parse(&body);
        let title = feed.entries[0].title.clone().unwrap().content;
        assert_eq!(title, "Tom & Jerry <script>alert(1)</script>  \"quoted\" ]]> end", "{path}");
        let content = feed.entries[0].content.clone().unwrap().body.unwrap();
        assert!(!content.contains("<script>"), "{path}: bodies are sanitised: {content}");
    }
    let json = parse(&site.get("/feed.json").await.body);
    assert!(json.entries[0].title.clone().unwrap().content.starts_with("Tom & Jerry"));
}

#[tokio::test]
async fn a_story_as_ninjs_reads_back_through_the_wire_parser() {
    let site = Site::new().await;
    let story = site.publish(&site.draft("Talks resume in Istanbul"), "2025-02-27T08:00:00Z").await;
    let page = site.get(&format!("/story/{}/ninjs.json", story.slug)).await;
    assert_eq!(page.status, StatusCode::OK);
    let parsed =
        dateline_ingest::parse(page.body.as_bytes(), Some(dateline_ingest::Format::Ninjs), None).unwrap();
    let item = &parsed.items[0];
    assert_eq!(item.title, "Talks resume in Istanbul");
    assert_eq!(item.guid, format!("https://news.example.com/story/{}", story.slug));
    assert_eq!(item.place.as_deref(), Some("Istanbul"));
    assert_eq!(item.authors, ["Ayesha Malik"]);
    assert!(item.body_html.as_deref().unwrap_or("").contains("Delegations from both sides"));
    let raw: serde_json::Value = serde_json::from_str(&page.body).unwrap();
    assert_eq!((raw["pubstatus"].as_str(), raw["version"].as_str()), (Some("usable"), Some("2")));

    let killed = site
        .store
        .change_status(story.id, &StatusChange::Kill, &Actor::System("test"), site.state.clock.now())
        .await
        .unwrap();
    assert_eq!(killed.status, StoryStatus::Killed);
    assert_eq!(site.get(&format!("/story/{}/ninjs.json", story.slug)).await.status, StatusCode::GONE);
    assert_eq!(site.get("/story/no-such-story/ninjs.json").await.status, StatusCode::NOT_FOUND);
}
