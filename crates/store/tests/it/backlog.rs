//! Wire copy published in bulk (issue 15), on both backends: a batch of new items from an
//! auto-publishing source becomes one published story each, written together, with all a
//! story published on its own has: a unique slug, its tags and authors, its history, its
//! webhook, its pages in the change log (one entry for the batch) and its search text.

use crate::stories::{at, draft, newsroom};
use crate::wire::item;
use dateline_core::*;
use dateline_store::Store;
use std::collections::BTreeSet;
use std::sync::Arc;

crate::on_both_backends!(a_batch_of_new_items_is_published_together);

async fn a_batch_of_new_items_is_published_together(store: Arc<dyn Store>) {
    let n = newsroom(&store).await;
    let config = WireConfig {
        kind: "push-ninjs".into(),
        location: None,
        section: Some(n.section.id),
        byline: String::new(),
        language: None,
        auto_publish: true,
    };
    store.configure_source(n.source.id, &config, None).await.unwrap();
    let now = at("2025-02-27T12:00:00Z");
    store
        .create_webhook("https://hooks.example.com/wire", "s3cret", &[StoryEvent::Published], now)
        .await
        .unwrap();
    // An editor's draft already has the slug the first two headlines want.
    let editor = store.create_story(&draft(&n, "Budget talks resume"), None, now).await.unwrap();

    // More items than one statement takes (500 rows), so the batch is written in parts.
    let mut items: Vec<IncomingItem> = (0..1203)
        .map(|i| item(&format!("g-{i}"), 1, &format!("Wire story {i} on the budget"), false))
        .collect();
    items[0].title = "Budget talks resume".into();
    items[1].title = "Budget talks resume".into();
    items[2] = item("g-2", 1, "Withdrawn before it was ever published", true);
    items[3].title = "   ".into(); // no headline: held for the desk
    items[4].categories = vec!["Economy".into(), "Budget".into(), "Economy".into()];
    let before = store.last_page_change().await.unwrap();
    let actions = store.ingest_items(n.source.id, b"raw", &items, now).await.unwrap();

    assert_eq!(actions.len(), items.len());
    assert_eq!(actions[2], IngestAction::Killed(None));
    assert_eq!(actions[3], IngestAction::Held);
    let published: Vec<StoryId> = actions
        .iter()
        .filter_map(|a| match a {
            IngestAction::Published(id) => Some(*id),
            _ => None,
        })
        .collect();
    assert_eq!(published.len(), items.len() - 2);
    assert_eq!(published.iter().collect::<BTreeSet<_>>().len(), published.len(), "one story per item");
    assert_eq!(store.story_count().await.unwrap(), published.len() as u64 + 1);

    // Slugs unique against the site and within the batch, in the batch's order.
    let first = store.story(published[0]).await.unwrap().unwrap();
    let second = store.story(published[1]).await.unwrap().unwrap();
    assert_eq!(editor.slug.as_str(), "budget-talks-resume");
    assert_eq!(first.slug.as_str(), "budget-talks-resume-2");
    assert_eq!(second.slug.as_str(), "budget-talks-resume-3");

    // Each story is what a story published alone is.
    for (at_action, story) in [(4, published[2]), (1202, *published.last().unwrap())] {
        let story = store.story(story).await.unwrap().unwrap();
        assert_eq!(story.headline, items[at_action].title);
        assert_eq!(story.status, StoryStatus::Published);
        assert_eq!(story.published_at, Some(now));
        assert_eq!(story.source.as_ref().map(|s| s.id), Some(n.source.id));
        assert_eq!(story.section.id, n.section.id);
        assert_eq!(story.authors.iter().map(|a| a.name.as_str()).collect::<Vec<_>>(), ["Wire Reporter"]);
        assert_eq!(story.body_html, "<p>Body.</p>");
        let history = store.history(story.id).await.unwrap();
        assert_eq!(history.len(), 1);
        assert_eq!(
            (history[0].transition.as_str(), history[0].actor.as_str()),
            ("publish", "Dateline (wire auto-publish)")
        );
        assert_eq!(store.story_by_slug(story.slug.as_str()).await.unwrap().map(|s| s.id), Some(story.id));
    }
    let tagged = store.story(published[2]).await.unwrap().unwrap();
    assert_eq!(tagged.tags.iter().map(|t| t.name.as_str()).collect::<Vec<_>>(), ["Economy", "Budget"]);
    let economy = tagged.tags[0].id;
    let on_tag_page =
        store.published(StoryFilter::Tag(economy), PageRequest { offset: 0, limit: 2000 }).await.unwrap();
    assert_eq!(on_tag_page.len(), published.len(), "every story is on its tag's page");
    let on_front = store.published(StoryFilter::All, PageRequest { offset: 0, limit: 2000 }).await.unwrap();
    assert_eq!(on_front.len(), published.len(), "the editor's story is a draft");

    // One change-log entry for the batch, naming every page it touched once.
    let changes = store.page_changes_after(before).await.unwrap();
    assert_eq!(changes.len(), 1, "one change-log entry for the whole batch");
    let keys = &changes[0].1;
    assert_eq!(keys.iter().collect::<BTreeSet<_>>().len(), keys.len(), "each key once");
    for key in [
        ChangeKey::Front,
        ChangeKey::Section(n.section.id),
        ChangeKey::Source(n.source.id),
        ChangeKey::Tag(economy),
    ] {
        assert!(keys.contains(&key), "{key:?}");
    }
    for id in &published {
        assert!(keys.contains(&ChangeKey::Story(*id)), "story {id}");
    }

    // One webhook delivery per story published.
    let deliveries = store.claim_deliveries(now, 5000, 60).await.unwrap();
    let delivered: BTreeSet<i64> = deliveries.iter().map(|(d, _)| d.story_id).collect();
    assert_eq!(deliveries.len(), published.len());
    assert_eq!(delivered, published.iter().map(|id| id.0).collect());
    let payload: serde_json::Value = serde_json::from_str(&deliveries[0].0.payload).unwrap();
    assert_eq!(payload["event"], "story.published");

    // The desk sees every item with the story made from it.
    let desk = store.wire_items(Some(n.source.id), Some("published"), 5000).await.unwrap();
    assert_eq!(desk.len(), published.len());
    let made_from_first = desk.iter().find(|w| w.guid == "g-0").unwrap();
    assert_eq!(made_from_first.story, Some(published[0]));
    assert_eq!(store.wire_items(Some(n.source.id), Some("killed"), 10).await.unwrap().len(), 1);
    assert_eq!(store.wire_items(Some(n.source.id), Some("waiting"), 10).await.unwrap().len(), 1);

    // What search re-reads: the public ones only, with their tags and authors.
    let mut asked = vec![published[2], editor.id, *published.last().unwrap()];
    asked.sort_unstable();
    let texts = store.story_texts_of(&asked).await.unwrap();
    assert_eq!(texts.iter().map(|t| t.id).collect::<Vec<_>>(), [published[2], *published.last().unwrap()]);
    assert_eq!(texts[0].tags, ["economy", "budget"]);
    assert_eq!(texts[0].authors, ["wire-reporter"]);

    // The same batch again changes nothing; a new version of one item updates its story.
    let again = store.ingest_items(n.source.id, b"raw", &items, now).await.unwrap();
    assert!(again.iter().all(|a| *a == IngestAction::Unchanged), "{again:?}");
    let later = at("2025-02-27T12:30:00Z");
    let update = item("g-7", 2, "Wire story 7 on the budget, updated", false);
    let updated = store.ingest_items(n.source.id, b"raw", &[update], later).await.unwrap();
    assert_eq!(updated, [IngestAction::Updated(published[5])]);
    let story = store.story(published[5]).await.unwrap().unwrap();
    assert_eq!(story.headline, "Wire story 7 on the budget, updated");
}
