//! Search as a reader and an API client use it: words, phrases, exclusions, Urdu, filters,
//! snippets, pages, bad input; and a publish, update or kill reaching the index at once.

use crate::support::Site;
use axum::http::StatusCode;
use dateline_core::StoryStatus;
use dateline_core::{Actor, StatusChange};

fn hits(html: &str) -> Vec<String> {
    html.split("<li class=\"search-hit\">")
        .skip(1)
        .map(|h| {
            let a = h.split("dir=\"auto\">").nth(1).unwrap_or("");
            a.split("</a>").next().unwrap_or("").to_owned()
        })
        .collect()
}

async fn newsroom() -> Site {
    let site = Site::new().await;
    let mut talks = site.draft("Peace talks resume in Istanbul");
    talks.body = "Delegations met behind closed doors to discuss a ceasefire along the border.".into();
    site.publish(&talks, "2025-02-20T08:00:00Z").await;
    let mut trade = site.draft("Trade talks stall over tariffs");
    trade.body = "Negotiators left without a deal on steel tariffs; no ceasefire in the trade war.".into();
    trade.tags = vec![];
    site.publish(&trade, "2025-02-26T08:00:00Z").await;
    let mut rain = site.draft("اسلام آباد میں شدید بارش");
    rain.section = site.urdu.id;
    rain.language = "ur".into();
    rain.standfirst = String::new();
    rain.body = "اسلام آباد میں شدید بارش کے بعد کئی علاقوں میں پانی جمع ہو گیا".into();
    rain.tags = vec![];
    site.publish(&rain, "2025-02-27T08:00:00Z").await;
    site
}

#[tokio::test]
async fn readers_find_stories_by_words_phrases_and_filters() {
    let site = newsroom().await;
    let page = site.get("/search?q=talks").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains(r#"<meta name="robots" content="noindex, follow">"#));
    let found = hits(&page.body);
    assert_eq!(found.len(), 2, "{found:?}");
    assert!(crate::support::text(&page.body).contains("2 stories found"));

    let phrase = hits(&site.get("/search?q=%22peace+talks%22").await.body);
    assert_eq!(phrase, ["Peace talks resume in Istanbul"]);
    let excluded = hits(&site.get("/search?q=talks+-tariffs").await.body);
    assert_eq!(excluded, ["Peace talks resume in Istanbul"]);
    let body_word = site.get("/search?q=ceasefire").await.body;
    assert!(body_word.contains("<mark>ceasefire</mark>"), "snippets mark the words");

    let urdu = hits(&site.get("/search?q=%D8%A8%D8%A7%D8%B1%D8%B4").await.body); // بارش
    assert_eq!(urdu, ["اسلام آباد میں شدید بارش"]);

    let section = hits(&site.get("/search?q=&section=urdu").await.body);
    assert_eq!(section, ["اسلام آباد میں شدید بارش"], "filters alone list the section");
    let dated = hits(&site.get("/search?q=talks&from=2025-02-25&to=2025-02-26").await.body);
    assert_eq!(dated, ["Trade talks stall over tariffs"]);

    assert_eq!(site.get("/search?q=talks&from=yesterday").await.status, StatusCode::BAD_REQUEST);
    assert_eq!(site.get("/search?q=talks&page=0").await.status, StatusCode::BAD_REQUEST);
    for hostile in ["%22unbalanced", "-", "((", "a%3Ab", "%3Cscript%3E", &"x".repeat(5000)] {
        let page = site.get(&format!("/search?q={hostile}")).await;
        assert_eq!(page.status, StatusCode::OK, "{hostile}");
        assert!(!page.body.contains("<script>"), "the query is escaped");
    }
    let empty = site.get("/search").await;
    assert_eq!(empty.status, StatusCode::OK);
    assert!(hits(&empty.body).is_empty());
}

#[tokio::test]
async fn publish_update_and_kill_reach_search_at_once() {
    let site = newsroom().await;
    assert_eq!(hits(&site.get("/search?q=earthquake").await.body).len(), 0);
    let mut quake = site.draft("Earthquake shakes the north");
    quake.body = "A magnitude 5.8 earthquake was felt across the northern valleys.".into();
    let story = site.publish(&quake, "2025-02-27T12:00:00Z").await;
    assert_eq!(hits(&site.get("/search?q=earthquake").await.body), ["Earthquake shakes the north"]);

    let mut changed = quake.clone();
    changed.headline = "Strong earthquake shakes the north".into();
    changed.slug = Some(story.slug.clone());
    site.store.update_story(story.id, &changed, story.version, site.state.clock.now()).await.unwrap();
    assert_eq!(hits(&site.get("/search?q=earthquake").await.body), ["Strong earthquake shakes the north"]);

    let killed = site
        .store
        .change_status(story.id, &StatusChange::Kill, &Actor::System("test"), site.state.clock.now())
        .await
        .unwrap();
    assert_eq!(killed.status, StoryStatus::Killed);
    assert!(hits(&site.get("/search?q=earthquake").await.body).is_empty(), "gone at once");
}

/// Issue 17, point 6: a story page's "Related" block comes from shared tags and distinctive
/// words (the search index), not the newest stories of its section; never the story itself,
/// never a story that is not public.
#[tokio::test]
async fn related_stories_share_tags_and_words_not_only_a_section() {
    let site = Site::new().await;
    let mut floods = site.draft("Indus floods force evacuations in Sukkur");
    floods.tags = vec![site.tag.id];
    let main = site.publish(&floods, "2025-02-27T09:00:00Z").await;
    let mut same_tag = site.draft("Relief convoys reach the flooded villages");
    same_tag.tags = vec![site.tag.id];
    site.publish(&same_tag, "2025-02-27T08:00:00Z").await;
    site.publish(&site.draft("Sukkur barrage holds as the Indus floods peak"), "2025-02-27T07:00:00Z").await;
    // The newest stories of the section, on other subjects.
    for (headline, at) in [
        ("Cricket board names a new captain", "2025-02-27T10:00:00Z"),
        ("Stock market closes higher on bank shares", "2025-02-27T11:00:00Z"),
    ] {
        let mut other = site.draft(headline);
        other.tags = Vec::new();
        other.standfirst = "Another subject entirely.".into();
        other.body = "Nothing in common.".into();
        site.publish(&other, at).await;
    }
    let held = site
        .store
        .create_story(
            &site.draft("Indus floods draft not yet public"),
            None,
            crate::support::at("2025-02-27T09:30:00Z"),
        )
        .await
        .unwrap();

    let page = site.get(&format!("/story/{}", main.slug)).await;
    assert_eq!(page.status, axum::http::StatusCode::OK);
    let block = page
        .body
        .split("id=\"related-heading\"")
        .nth(1)
        .and_then(|b| b.split("</aside>").next())
        .expect("a Related block");
    assert!(block.contains("Relief convoys reach the flooded villages"), "shares the tag: {block}");
    assert!(block.contains("Sukkur barrage holds as the Indus floods peak"), "shares the words: {block}");
    assert!(
        !block.contains("Cricket board") && !block.contains("Stock market"),
        "not just the newest: {block}"
    );
    assert!(!block.contains("Indus floods force evacuations"), "not itself");
    assert!(!block.contains(held.headline.as_str()), "not a draft");
}
