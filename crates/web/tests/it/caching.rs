//! HTTP caching and the page cache: strong ETags and Last-Modified with 304s, Cache-Control
//! by kind of page, brotli and gzip made once, hashed assets immutable, and a change that
//! drops exactly the pages it touches, visible at once on every page it touches.

use crate::support::Site;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use dateline_core::{Actor, StatusChange};
use http_body_util::BodyExt;
use std::io::Read;
use tower::ServiceExt;

struct Reply {
    status: StatusCode,
    headers: axum::http::HeaderMap,
    body: Vec<u8>,
}

impl Reply {
    fn header(&self, name: header::HeaderName) -> String {
        self.headers.get(name).map(|v| v.to_str().unwrap().to_owned()).unwrap_or_default()
    }
}

async fn get(site: &Site, uri: &str, headers: &[(header::HeaderName, &str)]) -> Reply {
    let mut request = Request::builder().uri(uri);
    for (name, value) in headers {
        request = request.header(name, *value);
    }
    let response =
        dateline_web::router(site.state.clone()).oneshot(request.body(Body::empty()).unwrap()).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let body = response.into_body().collect().await.unwrap().to_bytes().to_vec();
    Reply { status, headers, body }
}

#[tokio::test]
async fn pages_answer_conditional_requests_and_compress_once() {
    let site = Site::new().await;
    site.publish(&site.draft("Talks resume in Istanbul"), "2025-02-27T08:00:00Z").await;
    for (path, cache_control) in [
        ("/", "public, max-age=30, stale-while-revalidate=60, stale-if-error=86400"),
        ("/section/world", "public, max-age=30, stale-while-revalidate=60, stale-if-error=86400"),
        ("/rss.xml", "public, max-age=30, stale-while-revalidate=60, stale-if-error=86400"),
        ("/sitemap.xml", "public, max-age=300, stale-while-revalidate=60, stale-if-error=86400"),
        ("/sitemaps/news.xml", "public, max-age=300, stale-while-revalidate=60, stale-if-error=86400"),
        ("/robots.txt", "public, max-age=300, stale-while-revalidate=60, stale-if-error=86400"),
    ] {
        let first = get(&site, path, &[]).await;
        assert_eq!(first.status, StatusCode::OK, "{path}");
        let etag = first.header(header::ETAG);
        assert!(
            etag.starts_with('"') && etag.len() > 10 && !etag.starts_with("W/"),
            "{path}: strong ETag {etag}"
        );
        assert_eq!(first.header(header::CACHE_CONTROL), cache_control, "{path}");
        let modified = first.header(header::LAST_MODIFIED);
        assert!(modified.ends_with("GMT"), "{path}: {modified}");

        let again = get(&site, path, &[(header::IF_NONE_MATCH, &etag)]).await;
        assert_eq!(again.status, StatusCode::NOT_MODIFIED, "{path}");
        assert!(again.body.is_empty());
        assert_eq!(again.header(header::ETAG), etag);
        let since = get(&site, path, &[(header::IF_MODIFIED_SINCE, &modified)]).await;
        assert_eq!(since.status, StatusCode::NOT_MODIFIED, "{path}");
        let other = get(&site, path, &[(header::IF_NONE_MATCH, "\"something-else\"")]).await;
        assert_eq!(other.status, StatusCode::OK, "{path}");
        assert_eq!(other.body, first.body, "{path}: the kept copy is the same page");
    }

    // Brotli and gzip, each its own representation with its own tag.
    let plain = get(&site, "/", &[]).await;
    let br = get(&site, "/", &[(header::ACCEPT_ENCODING, "gzip, deflate, br")]).await;
    assert_eq!(br.header(header::CONTENT_ENCODING), "br");
    assert_eq!(br.header(header::VARY), "Accept-Encoding");
    let mut unpacked = Vec::new();
    brotli::Decompressor::new(&br.body[..], 4096).read_to_end(&mut unpacked).unwrap();
    assert_eq!(unpacked, plain.body);
    let gz = get(&site, "/", &[(header::ACCEPT_ENCODING, "gzip")]).await;
    assert_eq!(gz.header(header::CONTENT_ENCODING), "gzip");
    let mut unpacked = Vec::new();
    flate2::read::GzDecoder::new(&gz.body[..]).read_to_end(&mut unpacked).unwrap();
    assert_eq!(unpacked, plain.body);
    assert_ne!(br.header(header::ETAG), plain.header(header::ETAG));
    let refused = get(&site, "/", &[(header::ACCEPT_ENCODING, "br;q=0, gzip")]).await;
    assert_eq!(refused.header(header::CONTENT_ENCODING), "gzip");
    let br_again = get(
        &site,
        "/",
        &[(header::ACCEPT_ENCODING, "br"), (header::IF_NONE_MATCH, &br.header(header::ETAG))],
    )
    .await;
    assert_eq!(br_again.status, StatusCode::NOT_MODIFIED);

    // Admin pages and the API are never kept.
    let admin = get(&site, "/admin/login", &[]).await;
    assert!(admin.header(header::ETAG).is_empty());
    assert!(!site.state.page_cache.contains("/admin/login"));
}

#[tokio::test]
async fn hashed_assets_are_immutable() {
    let site = Site::new().await;
    let page = String::from_utf8(get(&site, "/", &[]).await.body).unwrap();
    let css = page.split("href=\"/assets/style.css?v=").nth(1).unwrap().split('"').next().unwrap().to_owned();
    let current = get(&site, &format!("/assets/style.css?v={css}"), &[]).await;
    assert_eq!(current.status, StatusCode::OK);
    assert_eq!(current.header(header::CACHE_CONTROL), "public, max-age=31536000, immutable");
    assert!(current.header(header::CONTENT_TYPE).starts_with("text/css"));
    let stale = get(&site, "/assets/style.css?v=0000", &[]).await;
    assert_eq!(stale.header(header::CACHE_CONTROL), "public, max-age=300", "an old version is not immutable");
    let etag = current.header(header::ETAG);
    let again = get(&site, &format!("/assets/style.css?v={css}"), &[(header::IF_NONE_MATCH, &etag)]).await;
    assert_eq!(again.status, StatusCode::NOT_MODIFIED);
}

#[tokio::test]
async fn a_change_drops_exactly_the_pages_it_touches() {
    let site = Site::new().await;
    let world = site.publish(&site.draft("Talks resume in Istanbul"), "2025-02-27T08:00:00Z").await;
    let mut urdu = site.draft("اسلام آباد میں بارش");
    urdu.section = site.urdu.id;
    urdu.tags = vec![];
    site.publish(&urdu, "2025-02-27T09:00:00Z").await;
    let story_page = format!("/story/{}", world.slug);
    let pages = [
        "/",
        "/latest",
        "/section/world",
        "/section/urdu",
        "/tag/turkey",
        &story_page,
        "/rss.xml",
        "/section/urdu/rss.xml",
        "/sitemaps/news.xml",
    ];
    for page in pages {
        assert_eq!(get(&site, page, &[]).await.status, StatusCode::OK, "{page}");
        assert!(site.state.page_cache.contains(page), "{page} is kept");
    }

    // A new World story: the fronts, World, its tag and the story pages change; Urdu does not.
    let mut second = site.draft("Second day of talks");
    second.tags = vec![];
    second.authors = vec![];
    second.source = None;
    let second = site.publish(&second, "2025-02-27T10:00:00Z").await;
    let home = String::from_utf8(get(&site, "/", &[]).await.body).unwrap();
    assert!(home.contains("Second day of talks"), "visible at once");
    for page in ["/latest", "/section/world", "/rss.xml", "/sitemaps/news.xml", story_page.as_str()] {
        assert!(!site.state.page_cache.contains(page), "{page} was dropped");
        let body = String::from_utf8(get(&site, page, &[]).await.body).unwrap();
        assert!(body.contains("Second day of talks"), "{page} shows the new story");
    }
    for page in ["/section/urdu", "/section/urdu/rss.xml", "/tag/turkey"] {
        assert!(site.state.page_cache.contains(page), "{page} is untouched and stays kept");
    }

    // Moving the story to Urdu drops both sections' pages.
    let mut moved = site.store.story(second.id).await.unwrap().unwrap();
    let mut draft = site.draft("Second day of talks");
    draft.section = site.urdu.id;
    draft.tags = vec![];
    draft.authors = vec![];
    draft.source = None;
    draft.slug = Some(moved.slug.clone());
    moved = site.store.update_story(moved.id, &draft, moved.version, site.state.clock.now()).await.unwrap();
    let world_front = String::from_utf8(get(&site, "/section/world", &[]).await.body).unwrap();
    assert!(!world_front.contains("Second day of talks"), "gone from the section it left");
    let urdu_front = String::from_utf8(get(&site, "/section/urdu", &[]).await.body).unwrap();
    assert!(urdu_front.contains("Second day of talks"), "in the section it joined");

    // A kill: gone from every surface at once.
    site.store
        .change_status(moved.id, &StatusChange::Kill, &Actor::System("test"), site.state.clock.now())
        .await
        .unwrap();
    assert_eq!(get(&site, &format!("/story/{}", moved.slug), &[]).await.status, StatusCode::GONE);
    for page in ["/", "/latest", "/section/urdu", "/rss.xml", "/sitemaps/news.xml", "/feed.json"] {
        let body = String::from_utf8(get(&site, page, &[]).await.body).unwrap();
        assert!(!body.contains("Second day of talks"), "{page} still shows the killed story");
    }

    // A renamed section shows everywhere at once (the menu is on every page).
    let mut section = site.urdu.clone();
    section.name = "Urdu News".into();
    let renamed = dateline_core::NewSection {
        slug: section.slug.clone(),
        name: section.name.clone(),
        description: section.description.clone(),
        language: section.language.clone(),
        position: section.position,
    };
    site.store.update_section(section.id, &renamed).await.unwrap();
    let tag_page = String::from_utf8(get(&site, "/tag/turkey", &[]).await.body).unwrap();
    assert!(tag_page.contains("Urdu News"), "the menu on a kept page is current");
}

#[tokio::test]
async fn a_burst_on_a_cold_page_renders_it_once_and_a_burst_after_a_change_sees_it() {
    let site = Site::new().await;
    site.publish(&site.draft("Talks resume in Istanbul"), "2025-02-27T08:00:00Z").await;
    for path in ["/rss.xml", "/sitemaps/news.xml", "/section/world"] {
        let before = site.state.page_cache.rendered();
        let replies = futures_util::future::join_all((0..24).map(|_| get(&site, path, &[]))).await;
        assert_eq!(site.state.page_cache.rendered() - before, 1, "{path}: rendered once for 24 requests");
        assert!(replies.iter().all(|r| r.status == StatusCode::OK && r.body == replies[0].body), "{path}");
        assert!(String::from_utf8_lossy(&replies[0].body).contains("Talks resume in Istanbul"), "{path}");
    }

    // A change, then a burst: every request sees it, and each page is rendered once again.
    site.publish(&site.draft("Second day of talks"), "2025-02-27T10:00:00Z").await;
    let before = site.state.page_cache.rendered();
    let replies = futures_util::future::join_all((0..24).map(|_| get(&site, "/rss.xml", &[]))).await;
    for reply in &replies {
        assert_eq!(reply.status, StatusCode::OK);
        assert!(
            String::from_utf8_lossy(&reply.body).contains("Second day of talks"),
            "the burst sees the change"
        );
    }
    assert_eq!(site.state.page_cache.rendered() - before, 1);

    // A page that is not kept (a search) is still answered for every request of a burst.
    let replies = futures_util::future::join_all((0..8).map(|_| get(&site, "/search?q=talks", &[]))).await;
    for reply in &replies {
        assert_eq!(reply.status, StatusCode::OK);
        assert!(String::from_utf8_lossy(&reply.body).contains("Second day of talks"));
    }
}

/// Letters from a small xorshift generator: enough randomness to make every address new.
fn random_letters(seed: &mut u64, n: usize) -> String {
    (0..n)
        .map(|_| {
            *seed ^= *seed << 13;
            *seed ^= *seed >> 7;
            *seed ^= *seed << 17;
            char::from(b'a' + (*seed % 26) as u8)
        })
        .collect()
}

#[tokio::test]
async fn random_queries_on_every_kept_page_are_answered_from_one_entry() {
    let site = Site::new().await;
    let story = site.publish(&site.draft("Talks resume in Istanbul"), "2025-02-27T08:00:00Z").await;
    let story_page = format!("/story/{}", story.slug);
    let ninjs = format!("{story_page}/ninjs.json");
    let pages = [
        "/",
        "/latest",
        "/section/world",
        "/tag/turkey",
        "/author/ayesha-malik",
        "/source/app",
        story_page.as_str(),
        ninjs.as_str(),
        "/rss.xml",
        "/atom.xml",
        "/feed.json",
        "/section/world/rss.xml",
        "/tag/turkey/atom.xml",
        "/robots.txt",
        "/sitemap.xml",
        "/sitemaps/pages.xml",
        "/sitemaps/news.xml",
        "/sitemaps/stories-2025-02.xml",
        "/assets/style.css",
    ];
    let mut first = Vec::new();
    for page in pages {
        let reply = get(&site, page, &[]).await;
        assert_eq!(reply.status, StatusCode::OK, "{page}");
        first.push(reply.body);
    }
    assert_eq!(site.state.page_cache.len(), pages.len());
    let kept_bytes = site.state.page_cache.bytes();
    let rendered = site.state.page_cache.rendered();

    let mut seed = 0x9E37_79B9_7F4A_7C15;
    for (page, body) in pages.iter().zip(&first) {
        for round in 0..20 {
            // 60 KB of random letters as one name, other names, repeated, in any order;
            // `page=1` is the first page.
            let query = match round % 4 {
                0 => random_letters(&mut seed, 60 * 1024),
                1 => format!("utm_source={}&b=1&b=2", random_letters(&mut seed, 40)),
                2 => format!("{}=x&page=1", random_letters(&mut seed, 12)),
                _ => format!("v={}&q={}", random_letters(&mut seed, 300), random_letters(&mut seed, 8)),
            };
            let reply = get(&site, &format!("{page}?{query}"), &[]).await;
            assert_eq!(reply.status, StatusCode::OK, "{page}?{}", &query[..query.len().min(40)]);
            assert_eq!(&reply.body, body, "{page}: the same page");
        }
    }
    assert_eq!(site.state.page_cache.len(), pages.len(), "no entry was added");
    assert_eq!(site.state.page_cache.bytes(), kept_bytes, "no byte was added");
    assert_eq!(site.state.page_cache.rendered(), rendered, "every one was answered from the cache");
    assert_eq!(site.state.page_cache.rendering(), 0);
}

#[tokio::test]
async fn the_page_parameter_is_its_own_page_whatever_the_order() {
    let site = Site::new().await;
    for n in 0..21 {
        let published = format!("2025-02-{:02}T08:00:00Z", n + 1);
        site.publish(&site.draft(&format!("Story number {n} of the month")), &published).await;
    }
    let one = get(&site, "/latest", &[]).await;
    let two = get(&site, "/latest?page=2", &[]).await;
    assert_eq!(two.status, StatusCode::OK);
    let two_text = String::from_utf8(two.body.clone()).unwrap();
    assert!(two_text.contains("Story number 0 of the month"), "the oldest story is on page 2");
    assert!(!String::from_utf8(one.body.clone()).unwrap().contains("Story number 0 of the month"));
    assert!(site.state.page_cache.contains("/latest?page=2"));
    assert_eq!(site.state.page_cache.len(), 2);

    let rendered = site.state.page_cache.rendered();
    for (uri, expected) in [
        ("/latest?utm_source=x&page=2", &two.body),
        ("/latest?page=2&utm_source=y&a=b", &two.body),
        ("/latest?a=1&page=02", &two.body),
        ("/latest?page=1", &one.body),
        ("/latest?utm_medium=email&page=1", &one.body),
    ] {
        let reply = get(&site, uri, &[]).await;
        assert_eq!(reply.status, StatusCode::OK, "{uri}");
        assert_eq!(&reply.body, expected, "{uri}");
    }
    assert_eq!(site.state.page_cache.rendered(), rendered, "each answered from its page's entry");
    assert_eq!(site.state.page_cache.len(), 2);

    // A page number the list refuses is a 400 and never kept; a page past the end a 404.
    for (uri, status) in [
        ("/latest?page=abc", StatusCode::BAD_REQUEST),
        ("/latest?page=2&page=3", StatusCode::BAD_REQUEST),
        ("/latest?page=0", StatusCode::BAD_REQUEST),
        ("/latest?page=3", StatusCode::NOT_FOUND),
        ("/section/world?page=9999", StatusCode::NOT_FOUND),
    ] {
        assert_eq!(get(&site, uri, &[]).await.status, status, "{uri}");
    }
    assert_eq!(site.state.page_cache.len(), 2);
}

#[tokio::test]
async fn a_flood_of_pages_and_misses_stays_within_the_caps() {
    let mut site = Site::new().await;
    let limits = dateline_web::page_cache::Limits { entries: 8, bytes: 200 * 1024 };
    site.state.parts_mut().page_cache = dateline_web::page_cache::PageCache::with_limits(limits);
    let mut stories = Vec::new();
    for n in 0..30 {
        stories.push(site.publish(&site.draft(&format!("Flood story {n}")), "2025-02-27T08:00:00Z").await);
    }
    for story in &stories {
        let reply = get(&site, &format!("/story/{}", story.slug), &[(header::ACCEPT_ENCODING, "br")]).await;
        assert_eq!(reply.status, StatusCode::OK);
        let cache = &site.state.page_cache;
        assert!(cache.len() <= limits.entries, "{} entries", cache.len());
        assert!(cache.bytes() <= limits.bytes, "{} bytes", cache.bytes());
    }
    assert!(!site.state.page_cache.is_empty());
    // Still the right page after evictions.
    let last = get(&site, &format!("/story/{}", stories[3].slug), &[]).await;
    assert!(String::from_utf8(last.body).unwrap().contains("Flood story 3"));

    // Stories that do not exist, written in every way, and addresses too long: never kept.
    let before = site.state.page_cache.len();
    let mut seed = 7;
    for n in 0..200 {
        let slug = random_letters(&mut seed, if n % 10 == 0 { 3000 } else { 20 });
        assert_eq!(get(&site, &format!("/story/{slug}"), &[]).await.status, StatusCode::NOT_FOUND);
        assert_eq!(get(&site, &format!("/{slug}"), &[]).await.status, StatusCode::NOT_FOUND);
    }
    assert!(site.state.page_cache.len() <= before);
    assert_eq!(site.state.page_cache.rendering(), 0);
}

#[tokio::test]
async fn an_address_is_one_key_however_it_is_escaped() {
    let site = Site::new().await;
    let mut urdu = site.draft("کراچی میں بارش");
    urdu.section = site.urdu.id;
    let story = site.publish(&urdu, "2025-02-27T08:00:00Z").await;
    let upper = format!("/story/{}", crate::support::urlencode(story.slug.as_str()).replace("%2D", "-"));
    let lower = upper.to_lowercase();
    assert_ne!(upper, lower);
    let first = get(&site, &upper, &[]).await;
    assert_eq!(first.status, StatusCode::OK);
    let rendered = site.state.page_cache.rendered();
    let again = get(&site, &lower, &[]).await;
    assert_eq!(again.body, first.body);
    assert_eq!(site.state.page_cache.rendered(), rendered, "lower-case escapes are the same entry");
    assert_eq!(site.state.page_cache.len(), 1);
    // Escaping a letter that needs none is answered, but without the cache.
    let odd = get(&site, "/st%6Fry/anything", &[]).await;
    assert_eq!(odd.status, StatusCode::NOT_FOUND);
    assert_eq!(site.state.page_cache.len(), 1);
}
