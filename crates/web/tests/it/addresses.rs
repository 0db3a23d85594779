//! Addresses at the edges: trailing-slash forms redirect to the address without the slash
//! (never to another site), the favicon is served from the theme, and every address written
//! into a sitemap, feed or `Location` header is percent-encoded (an Urdu slug included),
//! while pages keep showing it readable.

use crate::support::{Site, uri_of as encoded};
use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use dateline_core::Slug;

#[tokio::test]
async fn trailing_slashes_redirect_to_the_address_without_them() {
    let site = Site::new().await;
    site.publish(&site.draft("Talks resume in Istanbul"), "2025-02-27T08:00:00Z").await;
    for (from, to) in [
        ("/admin/", "/admin"),
        ("/latest/", "/latest"),
        ("/latest/?page=1&utm_source=x", "/latest?page=1&utm_source=x"),
        ("/section/world/", "/section/world"),
        ("/tag/turkey//", "/tag/turkey"),
        ("/rss.xml/", "/rss.xml"),
        ("/no-such-page/", "/no-such-page"),
    ] {
        let reply = site.get(from).await;
        assert_eq!(reply.status, StatusCode::PERMANENT_REDIRECT, "{from}");
        assert_eq!(reply.header("location"), to, "{from}");
    }
    for page in ["/latest", "/section/world", "/tag/turkey", "/rss.xml"] {
        assert_eq!(site.get(&format!("{page}/")).await.status, StatusCode::PERMANENT_REDIRECT);
        assert_eq!(site.get(page).await.status, StatusCode::OK, "{page} is where it leads");
    }
    let admin = site.get("/admin").await;
    assert_ne!(admin.status, StatusCode::NOT_FOUND, "the dashboard is there");

    // A form posted to the slashed address is posted again (308 keeps the method).
    let post = site
        .send(Request::builder().method(Method::POST).uri("/admin/login/").body(Body::empty()).unwrap())
        .await;
    assert_eq!(post.status, StatusCode::PERMANENT_REDIRECT);
    assert_eq!(post.header("location"), "/admin/login");

    // Never to another site, and the home page is not a trailing slash.
    for path in ["//evil.com/", "///evil.com/", "//evil.com//", "/%2F/"] {
        let reply = site.get(path).await;
        assert!(
            reply.header("location").is_empty() || !reply.header("location").starts_with("//"),
            "{path} leads to {}",
            reply.header("location")
        );
    }
    assert_eq!(site.get("//evil.com/").await.status, StatusCode::NOT_FOUND);
    assert_eq!(site.get("/").await.status, StatusCode::OK);
}

#[tokio::test]
async fn the_favicon_comes_from_the_theme_and_every_page_links_it() {
    let site = Site::new().await;
    let story = site.publish(&site.draft("Talks resume in Istanbul"), "2025-02-27T08:00:00Z").await;
    let icon = site.get("/favicon.ico").await;
    assert_eq!(icon.status, StatusCode::OK);
    assert_eq!(icon.header("content-type"), "image/x-icon");
    assert_eq!(icon.header("cache-control"), "public, max-age=604800");
    // An ICO holding one 32x32 PNG.
    assert_eq!(&icon.raw[..6], &[0, 0, 1, 0, 1, 0]);
    let png = image::load_from_memory_with_format(&icon.raw[22..], image::ImageFormat::Png).unwrap();
    assert_eq!((png.width(), png.height()), (32, 32));

    for page in ["/", "/latest", "/section/world", &format!("/story/{}", story.slug), "/no-such-page"] {
        let html = site.get(page).await.body;
        let href = html
            .split("<link rel=\"icon\" href=\"")
            .nth(1)
            .unwrap_or_else(|| panic!("{page} links no icon"))
            .split('"')
            .next()
            .unwrap()
            .to_owned();
        assert!(href.starts_with("/assets/favicon.ico?v="), "{page}: {href}");
        let linked = site.get(&href).await;
        assert_eq!(linked.status, StatusCode::OK, "{page}: {href}");
        assert_eq!(linked.raw, icon.raw);
        assert_eq!(linked.header("cache-control"), "public, max-age=31536000, immutable");
    }

    // A theme folder's favicon replaces the built-in one.
    let theme = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(theme.path().join("assets")).unwrap();
    let own = [0u8, 0, 1, 0, 9, 9, 9];
    std::fs::write(theme.path().join("assets/favicon.ico"), own).unwrap();
    let themed = Site::with_theme(Some(theme.path())).await;
    assert_eq!(themed.get("/favicon.ico").await.raw, own);
    let home = themed.get("/").await.body;
    let href = home.split("<link rel=\"icon\" href=\"").nth(1).unwrap().split('"').next().unwrap().to_owned();
    assert_eq!(themed.get(&href).await.raw, own);
}

/// Every `<loc>` of a sitemap, read by a strict XML parser.
fn locs(xml: &str) -> Vec<String> {
    let mut reader = quick_xml::Reader::from_str(xml);
    reader.config_mut().check_end_names = true;
    let (mut out, mut inside) = (Vec::new(), false);
    loop {
        match reader.read_event().unwrap_or_else(|e| panic!("not well-formed: {e}\n{xml}")) {
            quick_xml::events::Event::Start(e) if e.name().as_ref() == "loc" => inside = true,
            quick_xml::events::Event::Text(t) if inside => {
                out.push(t.xml_content(quick_xml::XmlVersion::Implicit1_0).into_owned());
            }
            quick_xml::events::Event::End(e) if e.name().as_ref() == "loc" => inside = false,
            quick_xml::events::Event::Eof => break,
            _ => {}
        }
    }
    out
}

#[tokio::test]
async fn urdu_addresses_are_percent_encoded_in_sitemaps_feeds_and_redirects() {
    let site = Site::new().await;
    let mut draft = site.draft("کراچی میں بارش");
    draft.section = site.urdu.id;
    draft.language = "ur".into();
    draft.tags = vec![];
    let story = site.publish(&draft, "2025-02-27T08:00:00Z").await;
    let readable = format!("https://news.example.com/story/{}", story.slug);
    assert!(!story.slug.as_str().is_ascii(), "an Urdu slug: {}", story.slug);
    let uri = encoded(&readable);
    assert!(uri.is_ascii() && uri.contains("%DA%A9"), "{uri}");

    for sitemap in ["/sitemaps/stories-2025-02.xml", "/sitemaps/news.xml"] {
        let reply = site.get(sitemap).await;
        assert_eq!(reply.status, StatusCode::OK, "{sitemap}");
        let locs = locs(&reply.body);
        assert!(locs.contains(&uri), "{sitemap}: {locs:?}");
        assert!(locs.iter().all(|l| l.is_ascii()), "{sitemap}: {locs:?}");
    }
    let robots = site.get("/robots.txt").await.body;
    assert!(robots.is_ascii());

    for feed in ["/rss.xml", "/atom.xml", "/feed.json", "/section/urdu/rss.xml", "/section/urdu/atom.xml"] {
        let reply = site.get(feed).await;
        assert_eq!(reply.status, StatusCode::OK, "{feed}");
        let parsed = feed_rs::parser::parse(reply.body.as_bytes()).unwrap_or_else(|e| panic!("{feed}: {e}"));
        let entry = &parsed.entries[0];
        assert_eq!(entry.links[0].href, uri, "{feed}");
        assert!(entry.id == uri || !entry.id.contains("story"), "{feed}: {}", entry.id);
        for link in parsed.links.iter().chain(&entry.links) {
            assert!(link.href.is_ascii(), "{feed}: {}", link.href);
        }
    }
    let ninjs: serde_json::Value = serde_json::from_str(
        &site.get(&format!("{}/ninjs.json", encoded(&format!("/story/{}", story.slug)))).await.body,
    )
    .unwrap();
    assert_eq!(ninjs["uri"], uri.as_str());

    // The page itself keeps the readable address.
    let page = site.get(&encoded(&format!("/story/{}", story.slug))).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains(&readable), "the page shows the readable address");

    // A renamed story's old address redirects with an ASCII Location; so does a trailing slash.
    let mut renamed = draft.clone();
    renamed.slug = Some(Slug::parse("کراچی-میں-تیز-بارش").unwrap());
    let current = site.store.story(story.id).await.unwrap().unwrap();
    site.store.update_story(story.id, &renamed, current.version, site.state.clock.now()).await.unwrap();
    let old = site.get(&encoded(&format!("/story/{}", story.slug))).await;
    assert_eq!(old.status, StatusCode::MOVED_PERMANENTLY);
    assert_eq!(old.header("location"), encoded("/story/کراچی-میں-تیز-بارش"));
    let slashed = site.get(&format!("{}/", encoded("/story/کراچی-میں-تیز-بارش"))).await;
    assert_eq!(slashed.status, StatusCode::PERMANENT_REDIRECT);
    assert_eq!(slashed.header("location"), encoded("/story/کراچی-میں-تیز-بارش"));
}
