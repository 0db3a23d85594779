//! Embed facts: what a provider said about a link is kept once a link, replaced when asked
//! again, read back for many links at once, and keeping it logs a change to the pages of the
//! published story that shows it.

use crate::stories::{at, draft, newsroom};
use dateline_core::embed::Facts;
use dateline_core::*;
use dateline_store::Store;
use std::sync::Arc;

crate::on_both_backends!(facts_are_kept_once_a_link_and_touch_the_story_pages);

async fn facts_are_kept_once_a_link_and_touch_the_story_pages(store: Arc<dyn Store>) {
    let n = newsroom(&store).await;
    let story = store.create_story(&draft(&n, "Floods"), None, at("2025-03-01T10:00:00Z")).await.unwrap();
    store
        .change_status(story.id, &StatusChange::Publish, &Actor::System("test"), at("2025-03-01T10:01:00Z"))
        .await
        .unwrap();
    let video = "https://www.youtube.com/watch?v=dQw4w9WgXcQ".to_owned();
    let post = "https://x.com/someone/status/12".to_owned();
    assert_eq!(store.embed_facts(&[video.clone(), post.clone()]).await.unwrap(), []);

    let unanswered = Facts {
        link: video.clone(),
        title: String::new(),
        author: String::new(),
        thumbnail: None,
        found: false,
        fetched_at: at("2025-03-01T10:02:00Z"),
    };
    let before = store.last_page_change().await.unwrap();
    store.put_embed_facts(&unanswered, story.id).await.unwrap();
    let changes = store.page_changes_after(before).await.unwrap();
    assert_eq!(changes.len(), 1, "{changes:?}");
    assert!(changes[0].1.contains(&ChangeKey::Story(story.id)), "{changes:?}");

    // Asked again a day later, the provider answers: the row is replaced, not added.
    let answered = Facts {
        title: "Floods in the valley — drone footage".into(),
        author: "Valley News".into(),
        thumbnail: Some(MediaId(7)),
        found: true,
        fetched_at: at("2025-03-02T10:02:00Z"),
        ..unanswered.clone()
    };
    store.put_embed_facts(&answered, story.id).await.unwrap();
    let other = Facts { link: post.clone(), title: "A post".into(), ..answered.clone() };
    store.put_embed_facts(&other, story.id).await.unwrap();

    let mut kept =
        store.embed_facts(&[video.clone(), post.clone(), "https://vimeo.com/1".into()]).await.unwrap();
    kept.sort_by(|a, b| a.link.cmp(&b.link));
    assert_eq!(kept, [answered, other]);
    assert_eq!(store.embed_facts(&[]).await.unwrap(), []);
}
