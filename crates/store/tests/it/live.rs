//! Live blogs in the store (issue 17), on both backends: coverage starts, ends and reopens
//! (its start kept), every entry change takes the story's next number, a deleted entry stays
//! as a numbered row without its words, an entry belongs to its story, and a killed story
//! takes no entry.

use crate::stories::{at, draft, newsroom};
use dateline_core::*;
use dateline_store::{Store, StoreError};
use std::sync::Arc;

crate::on_both_backends!(entries_are_numbered_and_deletions_kept, coverage_and_the_lifecycle);

fn entry(body: &str) -> EntryDraft {
    EntryDraft { body: body.into(), author: "Desk".into(), ..EntryDraft::default() }
}

async fn entries_are_numbered_and_deletions_kept(store: Arc<dyn Store>) {
    let n = newsroom(&store).await;
    let story =
        store.create_story(&draft(&n, "Election night"), None, at("2026-12-07T18:00:00Z")).await.unwrap();
    let now = at("2026-12-07T19:00:00Z");
    let first = store.save_live_entry(story.id, None, &entry("Polls *close*."), now).await.unwrap();
    assert_eq!((first.seq, first.posted_at, first.edited_at), (1, now, None));
    assert_eq!(first.body_html, "<p>Polls <em>close</em>.</p>\n");
    let posted = at("2026-12-07T19:05:00Z");
    let second =
        EntryDraft { title: "Turnout".into(), key_event: true, posted_at: Some(posted), ..entry("52%") };
    let second = store.save_live_entry(story.id, None, &second, now).await.unwrap();
    assert_eq!((second.seq, second.posted_at, second.key_event), (2, posted, true));

    let later = at("2026-12-07T19:10:00Z");
    let edited =
        store.save_live_entry(story.id, Some(first.id), &entry("Polls closed."), later).await.unwrap();
    assert_eq!(
        (edited.seq, edited.posted_at, edited.edited_at),
        (3, now, Some(later)),
        "the time shown is kept"
    );
    store.delete_live_entry(story.id, second.id, later).await.unwrap();
    let all = store.live_entries(story.id, 0).await.unwrap();
    assert_eq!(
        all.iter().map(|e| (e.id, e.seq, e.deleted)).collect::<Vec<_>>(),
        [(first.id, 3, false), (second.id, 4, true)]
    );
    assert!(all[1].body_html.is_empty() && all[1].title.is_empty(), "a deleted entry keeps no words");
    let since = store.live_entries(story.id, 3).await.unwrap();
    assert_eq!(since.iter().map(|e| e.seq).collect::<Vec<_>>(), [4]);

    // Another story's entry, a deleted one, an empty one.
    let other = store.create_story(&draft(&n, "Other"), None, now).await.unwrap();
    assert!(matches!(
        store.save_live_entry(other.id, Some(first.id), &entry("x"), later).await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(store.delete_live_entry(story.id, second.id, later).await, Err(StoreError::NotFound)));
    assert!(matches!(
        store.save_live_entry(story.id, None, &entry(" "), later).await,
        Err(StoreError::Invalid(_))
    ));
    assert_eq!(store.live_entries(other.id, 0).await.unwrap().len(), 0);
}

async fn coverage_and_the_lifecycle(store: Arc<dyn Store>) {
    let n = newsroom(&store).await;
    let by = Actor::System("test");
    let story = store.create_story(&draft(&n, "Storm"), None, at("2026-12-07T18:00:00Z")).await.unwrap();
    assert_eq!(story.coverage, None);
    let start = at("2026-12-07T18:30:00Z");
    let live = store.set_coverage(story.id, true, &by, start).await.unwrap();
    assert_eq!(live.coverage, Some(Coverage { start, end: None }));
    let end = at("2026-12-07T22:00:00Z");
    let ended = store.set_coverage(story.id, false, &by, end).await.unwrap();
    assert_eq!(ended.coverage, Some(Coverage { start, end: Some(end) }));
    let again = store.set_coverage(story.id, true, &by, at("2026-12-08T06:00:00Z")).await.unwrap();
    assert_eq!(again.coverage, Some(Coverage { start, end: None }), "reopened, its start kept");
    let history = store.history(story.id).await.unwrap();
    assert_eq!(history.iter().filter(|h| h.transition == "live").count(), 3);

    store.change_status(story.id, &StatusChange::Kill, &by, end).await.unwrap();
    assert!(matches!(
        store.save_live_entry(story.id, None, &entry("Too late"), end).await,
        Err(StoreError::Refused(TransitionError {
            transition: Transition::Live,
            status: StoryStatus::Killed
        }))
    ));
    assert!(matches!(store.set_coverage(story.id, false, &by, end).await, Err(StoreError::Refused(_))));
}
