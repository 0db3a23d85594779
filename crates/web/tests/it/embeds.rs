//! Embeds: a provider link on its own line is a card on the story page (a plain link
//! without JavaScript), the provider's player framed only on a click, the CSP allowing those
//! players' frames and no others; feeds and ninjs keep the plain link. What the provider
//! says (oEmbed title, author, thumbnail) is asked once, after the save, through the egress
//! policy; the thumbnail is kept in the media library and the card shows it from there.

use crate::browser::{browser, browser_available, until_true};
use crate::support::{Site, story_fields};
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const LINK: &str = "https://www.youtube.com/watch?v=dQw4w9WgXcQ";
const PLAYER: &str = "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ";

async fn story_with_embed(site: &Site) -> dateline_core::Story {
    let mut draft = site.draft("Minister's briefing on video");
    draft.body = format!(
        "Watch the briefing.\n\n{LINK}\n\nSee also https://vimeo.com/76979871 in a sentence.\n\nhttps://vimeo.com/76979871"
    );
    site.publish(&draft, "2025-02-27T08:00:00Z").await
}

#[tokio::test]
async fn a_lone_provider_link_is_a_card_on_the_page_and_a_link_in_feeds() {
    let site = Site::new().await;
    let story = story_with_embed(&site).await;
    let page = site.get(&format!("/story/{}", story.slug)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains(&format!(
            "<figure class=\"embed embed-youtube\" data-embed-src=\"{PLAYER}\" data-embed-title=\"YouTube\"><a class=\"embed-link\" href=\"{LINK}\""
        )),
        "{}",
        page.body
    );
    assert!(page.body.contains("data-embed-src=\"https://player.vimeo.com/video/76979871\""));
    assert_eq!(
        page.body.matches("<figure class=\"embed ").count(),
        2,
        "the link inside a sentence stays a sentence"
    );
    assert!(page.body.contains("See also https://vimeo.com/76979871 in a sentence."));
    assert!(
        page.body.contains("<button type=\"button\" class=\"embed-play\" hidden>Play on YouTube</button>")
    );
    assert!(!page.body.contains("<iframe"), "no frame before a click");
    let csp = page.header("content-security-policy");
    let frame_src = csp.split(';').map(str::trim).find(|d| d.starts_with("frame-src ")).expect(csp);
    let allowed: Vec<&str> = frame_src.split_whitespace().skip(1).collect();
    assert_eq!(allowed, dateline_core::embed::FRAME_ORIGINS.to_vec(), "only the players' frames");
    assert!(csp.contains("frame-ancestors 'none'"));
    for feed in ["/rss.xml".to_owned(), "/feed.json".to_owned(), format!("/story/{}/ninjs.json", story.slug)]
    {
        let body = site.get(&feed).await.body;
        assert!(body.contains("dQw4w9WgXcQ"), "{feed} carries the link: {body}");
        assert!(!body.contains("youtube-nocookie") && !body.contains("embed-"), "{feed} has no card: {body}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_embed_asks_nothing_of_the_provider_until_the_click() {
    if !browser_available() {
        return;
    }
    let site = Site::new().await;
    let story = story_with_embed(&site).await;
    // The provider answered at save time: the card shows the title and our copy of the
    // thumbnail, which must not count as a request to the provider either.
    let thumbnail = dateline_newsroom::media::take_in(
        site.store.as_ref(),
        &site.state.pictures,
        crate::media::picture(480, 360, image::ImageFormat::Jpeg),
        dateline_core::MediaText { alt: "Briefing".into(), ..Default::default() },
        "https://i.ytimg.com/vi/dQw4w9WgXcQ/hqdefault.jpg",
        jiff::Timestamp::now(),
    )
    .await
    .unwrap();
    let facts = dateline_core::embed::Facts {
        link: LINK.into(),
        title: "The minister's briefing".into(),
        author: "Ministry TV".into(),
        thumbnail: Some(thumbnail.id),
        found: true,
        fetched_at: jiff::Timestamp::now(),
    };
    site.store.put_embed_facts(&facts, story.id).await.unwrap();
    let base = crate::server::spawn(&site).await;
    let (_driver, client, _profile) = browser().await;
    client.goto(&format!("{base}/story/{}", story.slug)).await.unwrap();
    until_true(
        &client,
        "return !!document.querySelector('figure.embed-youtube button.embed-play:not([hidden])')",
        Duration::from_secs(5),
    )
    .await
    .expect("the script shows the Play button");
    until_true(
        &client,
        "const i = document.querySelector('figure.embed-youtube img'); if (!i) return false; \
         i.scrollIntoView(); return i.complete && i.naturalWidth > 0",
        Duration::from_secs(5),
    )
    .await
    .expect("the thumbnail is drawn (from the site)");
    let elsewhere = client
        .execute(
            "return performance.getEntriesByType('resource').map(e => e.name).filter(n => !n.startsWith(arguments[0]))",
            vec![serde_json::json!(base)],
        )
        .await
        .unwrap();
    assert_eq!(elsewhere, serde_json::json!([]), "requests that left the site before the click");
    let frames = client.execute("return document.querySelectorAll('iframe').length", vec![]).await.unwrap();
    assert_eq!(frames, 0);
    client
        .execute("document.querySelector('figure.embed-youtube button.embed-play').click()", vec![])
        .await
        .unwrap();
    until_true(
        &client,
        "return !!document.querySelector('figure.embed-youtube iframe')",
        Duration::from_secs(5),
    )
    .await
    .expect("the player is framed after the click");
    let src = client
        .execute("return document.querySelector('figure.embed-youtube iframe').src", vec![])
        .await
        .unwrap();
    assert_eq!(src, serde_json::json!(PLAYER));
    let vimeo = client.execute("return document.querySelectorAll('iframe').length", vec![]).await.unwrap();
    assert_eq!(vimeo, 1, "the other card is still a card");
    client.close().await.unwrap();
}

/// A provider's oEmbed endpoint and picture server on 127.0.0.1: YouTube's link answered
/// with a title, an author and a thumbnail; X's with a thumbnail that is a web page; Vimeo's
/// not found. Answers wait for `gate`, so a test can look at the page before they come.
#[derive(Clone)]
struct Provider {
    base: String,
    hits: Arc<Mutex<HashMap<String, usize>>>,
    gate: Arc<tokio::sync::Semaphore>,
}

impl Provider {
    async fn start() -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let provider = Provider {
            base: format!("http://{}", listener.local_addr().unwrap()),
            hits: Arc::default(),
            gate: Arc::new(tokio::sync::Semaphore::new(0)),
        };
        let app = axum::Router::new()
            .route("/oembed", axum::routing::get(oembed))
            .route("/thumb.jpg", axum::routing::get(thumbnail))
            .route(
                "/login",
                axum::routing::get(|| async {
                    ([(header::CONTENT_TYPE, "image/jpeg")], "<html>sign in</html>")
                }),
            )
            .with_state(provider.clone());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        provider
    }

    fn hits(&self, what: &str) -> usize {
        self.hits.lock().unwrap().get(what).copied().unwrap_or(0)
    }

    fn count(&self, what: &str) {
        *self.hits.lock().unwrap().entry(what.to_owned()).or_default() += 1;
    }
}

async fn oembed(
    State(p): State<Provider>,
    Query(q): Query<HashMap<String, String>>,
) -> axum::response::Response {
    p.gate.acquire().await.unwrap().forget();
    let url = q.get("url").cloned().unwrap_or_default();
    p.count(&url);
    assert_eq!(q.get("format").map(String::as_str), Some("json"));
    if url == LINK {
        axum::Json(serde_json::json!({
            "type": "video", "version": "1.0", "provider_name": "YouTube",
            "title": "Minister's briefing <live>", "author_name": "Ministry   TV",
            "thumbnail_url": format!("{}/thumb.jpg", p.base), "thumbnail_width": 480, "thumbnail_height": 360,
        }))
        .into_response()
    } else if url.starts_with("https://x.com/") {
        axum::Json(
            serde_json::json!({ "title": "A post on X", "thumbnail_url": format!("{}/login", p.base) }),
        )
        .into_response()
    } else {
        StatusCode::NOT_FOUND.into_response()
    }
}

async fn thumbnail(State(p): State<Provider>) -> axum::response::Response {
    p.count("thumb.jpg");
    ([(header::CONTENT_TYPE, "image/jpeg")], crate::media::picture(480, 360, image::ImageFormat::Jpeg))
        .into_response()
}

#[tokio::test]
async fn the_card_shows_the_title_and_thumbnail_asked_once_at_save_time() {
    let mut site = Site::new().await;
    let provider = Provider::start().await;
    let settings = dateline_newsroom::embeds::Settings {
        endpoint: Some(format!("{}/oembed", provider.base)),
        ..dateline_newsroom::embeds::Settings::default()
    };
    site.state = site.state.clone().with_egress(crate::support::loopback()).with_embeds(settings);
    let mut editor = site.signed_in(dateline_core::Role::Editor).await;
    editor.get("/admin/stories/new").await;
    let x = "https://x.com/ministry/status/1234567890";
    let body = format!("The briefing:\n\n{LINK}\n\nhttps://vimeo.com/76979871\n\n{x}");
    let mut fields = story_fields("Minister briefs on the floods", "publish", "0");
    fields.retain(|(k, _)| *k != "body");
    fields.push(("body", &body));
    let saved = editor.post("/admin/stories/new", &fields).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let story = site.store.story_by_slug("minister-briefs-on-the-floods").await.unwrap().unwrap();
    let path = format!("/story/{}", story.slug);

    // Before the provider answers: cards with the provider's name and the link (and this
    // page is now in the page cache).
    let before = site.get(&path).await;
    assert_eq!(before.status, StatusCode::OK);
    assert_eq!(before.body.matches("<figure class=\"embed ").count(), 3, "{}", before.body);
    assert!(!before.body.contains("class=\"embed-title\""), "{}", before.body);

    provider.gate.add_permits(100);
    let asker = site.state.embeds.clone();
    let started = Instant::now();
    while !asker.is_idle() && started.elapsed() < Duration::from_secs(10) {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(asker.is_idle(), "the links were asked about");
    assert_eq!(
        (provider.hits(LINK), provider.hits("https://vimeo.com/76979871"), provider.hits(x)),
        (1, 1, 1)
    );
    assert_eq!(provider.hits("thumb.jpg"), 1);

    // The thumbnail is in the library, credited to the channel and the provider.
    let thumb = site.store.media_by_origin(&format!("{}/thumb.jpg", provider.base)).await.unwrap().unwrap();
    assert_eq!((thumb.width, thumb.height), (480, 360));
    assert_eq!(thumb.text.alt, "Minister's briefing <live>");
    assert_eq!(thumb.text.credit, "Ministry TV / YouTube");

    // The page (its cached copy replaced through the change log) shows title, author and
    // our copy of the thumbnail; the provider's own addresses appear nowhere.
    let after = site.get(&path).await;
    let card = after
        .body
        .split("<figure class=\"embed embed-youtube\"")
        .nth(1)
        .unwrap()
        .split("</figure>")
        .next()
        .unwrap();
    assert!(
        card.contains("<span class=\"embed-title\">Minister&#39;s briefing &lt;live&gt;</span>")
            || card.contains("<span class=\"embed-title\">Minister's briefing &lt;live&gt;</span>"),
        "{card}"
    );
    assert!(card.contains("<span class=\"embed-author\">Ministry TV</span>"), "{card}");
    assert!(card.contains(&format!("src=\"/media/{}/original.jpg\"", thumb.hash)), "{card}");
    assert!(card.contains("alt=\"\""), "the thumbnail is decorative: {card}");
    assert!(!after.body.contains(&provider.base), "nothing is loaded from the provider");
    let image = site.get(&thumb.url()).await;
    assert_eq!(image.status, StatusCode::OK);
    let vimeo = after
        .body
        .split("<figure class=\"embed embed-vimeo\"")
        .nth(1)
        .unwrap()
        .split("</figure>")
        .next()
        .unwrap();
    assert!(
        !vimeo.contains("class=\"embed-title\"") && !vimeo.contains("<img"),
        "not found: a plain card: {vimeo}"
    );
    let post = after
        .body
        .split("<figure class=\"embed embed-x\"")
        .nth(1)
        .unwrap()
        .split("</figure>")
        .next()
        .unwrap();
    assert!(post.contains("A post on X") && !post.contains("<img"), "a web page is no thumbnail: {post}");

    // Saved again: nothing is asked again (Vimeo's unanswered link waits a day).
    let page = editor.get(&format!("/admin/stories/{}", story.id)).await;
    assert_eq!(page.status, StatusCode::OK);
    let version = site.store.story(story.id).await.unwrap().unwrap().version.to_string();
    let mut again = story_fields("Minister briefs on the floods", "update", &version);
    again.retain(|(k, _)| *k != "body");
    again.push(("body", &body));
    let resaved = editor.post(&format!("/admin/stories/{}", story.id), &again).await;
    assert_eq!(resaved.status, StatusCode::SEE_OTHER, "{}", resaved.body);
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(asker.is_idle());
    assert_eq!(
        (provider.hits(LINK), provider.hits("https://vimeo.com/76979871"), provider.hits(x)),
        (1, 1, 1)
    );
    assert_eq!(provider.hits("thumb.jpg"), 1);
}

#[tokio::test]
async fn embeds_are_not_asked_about_on_private_addresses_by_default() {
    let mut site = Site::new().await;
    let provider = Provider::start().await;
    provider.gate.add_permits(100);
    let settings = dateline_newsroom::embeds::Settings {
        endpoint: Some(format!("{}/oembed", provider.base)),
        ..dateline_newsroom::embeds::Settings::default()
    };
    // The default policy: public addresses only, so the endpoint on 127.0.0.1 is refused.
    site.state = site.state.clone().with_embeds(settings);
    let mut draft = site.draft("Refused embed");
    draft.body = LINK.to_owned();
    let story = site.publish(&draft, "2025-02-27T08:00:00Z").await;
    site.state.embeds.after_save(story.id, &story.body_html);
    let asker = site.state.embeds.clone();
    let started = Instant::now();
    while !asker.is_idle() && started.elapsed() < Duration::from_secs(10) {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(provider.hits(LINK), 0, "the request never left");
    let kept = site.store.embed_facts(&[LINK.to_owned()]).await.unwrap();
    assert_eq!(kept.len(), 1);
    assert!(!kept[0].found, "kept as unanswered, asked again a day later");
    let page = site.get(&format!("/story/{}", story.slug)).await;
    assert!(page.body.contains("embed-youtube") && !page.body.contains("class=\"embed-title\""));
}
