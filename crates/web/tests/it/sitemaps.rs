//! Sitemaps and robots.txt read back as XML: the index names the fronts, news and each
//! month's stories; month files list URLs with lastmod and images; the news sitemap holds
//! the last 48 hours with the fields Google News needs. A kill removes the story.

use crate::support::Site;
use axum::http::StatusCode;
use dateline_core::StoryImage;
use dateline_core::{Actor, StatusChange};
use quick_xml::events::Event;

/// The text of every element named `name` (local name, any prefix), read by a strict parser.
fn texts(xml: &str, name: &str) -> Vec<String> {
    let mut reader = quick_xml::Reader::from_str(xml);
    reader.config_mut().check_end_names = true;
    let (mut out, mut inside) = (Vec::new(), false);
    loop {
        match reader.read_event().unwrap_or_else(|e| panic!("not well-formed: {e}\n{xml}")) {
            Event::Start(e) if e.name().as_ref() == name => {
                inside = true;
                out.push(String::new());
            }
            Event::Text(t) if inside => {
                out.last_mut().unwrap().push_str(&t.xml_content(quick_xml::XmlVersion::Implicit1_0))
            }
            Event::GeneralRef(r) if inside => {
                let name: &str = &r;
                let text = match name {
                    "amp" => "&",
                    "lt" => "<",
                    "gt" => ">",
                    "quot" => "\"",
                    _ => "'",
                };
                out.last_mut().unwrap().push_str(text);
            }
            Event::End(e) if e.name().as_ref() == name => inside = false,
            Event::Eof => break,
            _ => {}
        }
    }
    out
}

#[tokio::test]
async fn sitemaps_list_every_public_story_by_month_and_the_news_of_two_days() {
    let site = Site::new().await;
    let old = site.publish(&site.draft("January budget vote"), "2025-01-15T10:00:00Z").await;
    let mut pictured = site.draft("Talks & \"deals\" resume");
    pictured.image = Some(StoryImage {
        url: "/media/talks.webp".into(),
        alt: "Delegates".into(),
        caption: String::new(),
        ..StoryImage::default()
    });
    let recent = site.publish(&pictured, "2025-02-26T10:00:00Z").await;
    let mut urdu = site.draft("اسلام آباد میں بارش");
    urdu.language = "ur-PK".into();
    urdu.section = site.urdu.id;
    let rain = site.publish(&urdu, "2025-02-01T10:00:00Z").await;

    let robots = site.get("/robots.txt").await;
    assert_eq!(robots.status, StatusCode::OK);
    assert!(robots.body.contains("Sitemap: https://news.example.com/sitemap.xml"), "{}", robots.body);
    assert!(robots.body.contains("Disallow: /admin"));

    let index = site.get("/sitemap.xml").await;
    assert!(index.header("content-type").starts_with("application/xml"));
    let locs = texts(&index.body, "loc");
    assert_eq!(
        locs,
        [
            "https://news.example.com/sitemaps/pages.xml",
            "https://news.example.com/sitemaps/news.xml",
            "https://news.example.com/sitemaps/stories-2025-01.xml",
            "https://news.example.com/sitemaps/stories-2025-02.xml",
        ]
    );
    assert_eq!(texts(&index.body, "lastmod").len(), 4);

    let pages = texts(&site.get("/sitemaps/pages.xml").await.body, "loc");
    assert!(pages.contains(&"https://news.example.com/section/urdu".to_owned()), "{pages:?}");

    let february = site.get("/sitemaps/stories-2025-02.xml").await;
    let urls = texts(&february.body, "loc");
    assert_eq!(
        urls,
        [
            format!("https://news.example.com/story/{}", recent.slug),
            crate::support::uri_of(&format!("https://news.example.com/story/{}", rain.slug)),
        ]
    );
    assert_eq!(texts(&february.body, "lastmod")[0], "2025-02-26T10:00:00Z");
    assert_eq!(texts(&february.body, "image:loc"), ["https://news.example.com/media/talks.webp"]);
    let january = texts(&site.get("/sitemaps/stories-2025-01.xml").await.body, "loc");
    assert_eq!(january, [format!("https://news.example.com/story/{}", old.slug)]);

    // Google News: the last 48 hours only, with publication, date and title.
    let news = site.get("/sitemaps/news.xml").await;
    assert_eq!(texts(&news.body, "loc"), [format!("https://news.example.com/story/{}", recent.slug)]);
    assert_eq!(texts(&news.body, "news:name"), ["The Test Times"]);
    assert_eq!(texts(&news.body, "news:language"), ["en"]);
    assert_eq!(texts(&news.body, "news:publication_date"), ["2025-02-26T10:00:00Z"]);
    assert_eq!(texts(&news.body, "news:title"), ["Talks & \"deals\" resume"]);
    assert_eq!(texts(&news.body, "image:loc"), ["https://news.example.com/media/talks.webp"]);

    for missing in [
        "/sitemaps/stories-2024-12.xml",
        "/sitemaps/stories-2025-02-2.xml",
        "/sitemaps/stories-x.xml",
        "/sitemaps/other.xml",
    ] {
        assert_eq!(site.get(missing).await.status, StatusCode::NOT_FOUND, "{missing}");
    }

    // A kill takes the story out of the sitemaps at once.
    site.store
        .change_status(recent.id, &StatusChange::Kill, &Actor::System("test"), site.state.clock.now())
        .await
        .unwrap();
    assert!(texts(&site.get("/sitemaps/news.xml").await.body, "loc").is_empty());
    assert_eq!(texts(&site.get("/sitemaps/stories-2025-02.xml").await.body, "loc").len(), 1);
}
