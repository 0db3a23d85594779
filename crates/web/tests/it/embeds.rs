//! Embeds: a provider link on its own line is a card on the story page (a plain link
//! without JavaScript), the provider's player framed only on a click, the CSP allowing those
//! players' frames and no others; feeds and ninjs keep the plain link.

use crate::browser::{browser, browser_available, until_true};
use crate::support::Site;
use axum::http::StatusCode;
use std::time::Duration;

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
