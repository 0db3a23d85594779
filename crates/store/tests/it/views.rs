//! Page views and "Most Read": batches add up by story and hour, only stories public now
//! are listed, the span asked for bounds what counts, old hours are pruned, and a changed
//! list is written to the change log.

use crate::stories::{at, draft, newsroom};
use dateline_core::*;
use dateline_store::Store;
use std::sync::Arc;

crate::on_both_backends!(
    views_add_up_and_the_most_read_come_first,
    only_stories_public_now_are_most_read,
    old_hours_are_left_out_and_pruned,
    a_changed_list_is_in_the_change_log,
);

const HOUR: i64 = 3600;

async fn published(store: &Arc<dyn Store>, n: &crate::stories::Newsroom, headline: &str) -> Story {
    let t = at("2025-03-01T08:00:00Z");
    let story = store.create_story(&draft(n, headline), None, t).await.unwrap();
    store.change_status(story.id, &StatusChange::Publish, &Actor::System("test"), t).await.unwrap()
}

async fn headlines(store: &Arc<dyn Store>, since: &str) -> Vec<String> {
    store.most_read(at(since), 10).await.unwrap().into_iter().map(|s| s.headline).collect()
}

async fn views_add_up_and_the_most_read_come_first(store: Arc<dyn Store>) {
    let n = newsroom(&store).await;
    let a = published(&store, &n, "Floods hit Sindh").await;
    let b = published(&store, &n, "Budget passed").await;
    let c = published(&store, &n, "Rain stops play").await;
    let ten = at("2025-03-01T10:00:00Z").as_second();
    // Two batches and two hours: a has 3 + 4 + 2 = 9, b 8, c 1; a view in the middle of an
    // hour is written to the hour's start.
    store.add_views(&[(a.id, ten, 3), (b.id, ten, 8), (c.id, ten + 59, 1)]).await.unwrap();
    store.add_views(&[(a.id, ten, 4), (a.id, ten + HOUR, 2)]).await.unwrap();
    store.add_views(&[]).await.unwrap();
    assert_eq!(
        headlines(&store, "2025-03-01T09:00:00Z").await,
        ["Floods hit Sindh", "Budget passed", "Rain stops play"]
    );
    let top = store.most_read(at("2025-03-01T09:00:00Z"), 2).await.unwrap();
    assert_eq!(top.iter().map(|s| s.id).collect::<Vec<_>>(), [a.id, b.id], "the limit holds");
    assert_eq!(top[0].section_slug.as_str(), "pakistan", "summaries as every list has them");

    // A story that no longer exists is left out instead of failing the batch.
    store.add_views(&[(StoryId(987_654), ten, 5), (c.id, ten, 20)]).await.unwrap();
    assert_eq!(headlines(&store, "2025-03-01T09:00:00Z").await[0], "Rain stops play");
}

async fn only_stories_public_now_are_most_read(store: Arc<dyn Store>) {
    let n = newsroom(&store).await;
    let t = at("2025-03-01T08:00:00Z");
    let shown = published(&store, &n, "Shown").await;
    let killed = published(&store, &n, "Killed").await;
    let unpublished = published(&store, &n, "Unpublished").await;
    let draft_story = store.create_story(&draft(&n, "Draft"), None, t).await.unwrap();
    let embargoed = StoryDraft { embargo_until: Some(at("2099-01-01T00:00:00Z")), ..draft(&n, "Embargoed") };
    let embargoed = store.create_story(&embargoed, None, t).await.unwrap();
    let embargoed =
        store.change_status(embargoed.id, &StatusChange::Publish, &Actor::System("test"), t).await.unwrap();
    assert_eq!(embargoed.status, StoryStatus::Scheduled, "held by its embargo");
    let ten = at("2025-03-01T10:00:00Z").as_second();
    store
        .add_views(&[
            (shown.id, ten, 1),
            (killed.id, ten, 50),
            (unpublished.id, ten, 40),
            (draft_story.id, ten, 30),
            (embargoed.id, ten, 20),
        ])
        .await
        .unwrap();
    assert_eq!(headlines(&store, "2025-03-01T09:00:00Z").await, ["Killed", "Unpublished", "Shown"]);
    store.change_status(killed.id, &StatusChange::Kill, &Actor::System("test"), t).await.unwrap();
    store.change_status(unpublished.id, &StatusChange::Unpublish, &Actor::System("test"), t).await.unwrap();
    assert_eq!(headlines(&store, "2025-03-01T09:00:00Z").await, ["Shown"]);
}

async fn old_hours_are_left_out_and_pruned(store: Arc<dyn Store>) {
    let n = newsroom(&store).await;
    let old = published(&store, &n, "Read yesterday").await;
    let new = published(&store, &n, "Read today").await;
    let day_before = at("2025-03-01T09:00:00Z").as_second();
    let today = at("2025-03-02T09:00:00Z").as_second();
    store.add_views(&[(old.id, day_before, 100), (new.id, today, 1)]).await.unwrap();
    assert_eq!(
        headlines(&store, "2025-03-01T09:30:00Z").await,
        ["Read yesterday", "Read today"],
        "its hour counts"
    );
    assert_eq!(headlines(&store, "2025-03-01T10:00:00Z").await, ["Read today"]);
    assert_eq!(store.prune_views(at("2025-03-01T09:59:59Z")).await.unwrap(), 0, "its hour is kept");
    assert_eq!(store.prune_views(at("2025-03-01T10:00:00Z")).await.unwrap(), 1);
    assert_eq!(headlines(&store, "2025-03-01T00:00:00Z").await, ["Read today"]);
}

async fn a_changed_list_is_in_the_change_log(store: Arc<dyn Store>) {
    let before = store.last_page_change().await.unwrap();
    store.most_read_changed(at("2025-03-01T10:00:00Z")).await.unwrap();
    let rows = store.page_changes_after(before).await.unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].1, [ChangeKey::MostRead]);
}
