//! Edit locks: the first to open a story holds it, a heartbeat keeps it (and its "since"),
//! someone else is answered the live holder, a lock past its heartbeat is taken by the next
//! editor, a take-over takes it at once, and releasing lets go only of one's own lock.
//! Two stores on the same database see the same holder.

use crate::stories::{at, draft, newsroom};
use dateline_core::account::UserId;
use dateline_core::*;
use dateline_store::{Store, StoryLock};
use jiff::Timestamp;
use std::sync::Arc;

crate::on_both_backends!(locks_are_taken_kept_lapse_and_are_taken_over, a_lock_is_released_by_its_holder);

fn lock(story: StoryId, user: i64, name: &str, holder: &str, now: Timestamp) -> StoryLock {
    StoryLock {
        story,
        user: UserId(user),
        user_name: name.into(),
        holder: holder.into(),
        since: now,
        heartbeat_at: now,
        taken_from: None,
    }
}

fn minus(t: Timestamp, secs: i64) -> Timestamp {
    t - jiff::SignedDuration::from_secs(secs)
}

async fn locks_are_taken_kept_lapse_and_are_taken_over(store: Arc<dyn Store>) {
    let n = newsroom(&store).await;
    let story = store.create_story(&draft(&n, "Floods"), None, at("2025-03-01T10:00:00Z")).await.unwrap();
    assert_eq!(store.story_lock(story.id).await.unwrap(), None);

    // Edith opens it at 10:42 and holds it.
    let t0 = at("2025-03-01T10:42:00Z");
    let edith = lock(story.id, 1, "Edith One", "edith-session", t0);
    let held = store.take_story_lock(&edith, minus(t0, 60), false).await.unwrap();
    assert_eq!(held, edith);

    // Omar opens it 30 s later: Edith's lock is live, so it is answered, not taken.
    let t1 = at("2025-03-01T10:42:30Z");
    let omar = lock(story.id, 2, "Omar Two", "omar-session", t1);
    let held = store.take_story_lock(&omar, minus(t1, 60), false).await.unwrap();
    assert_eq!(
        (held.holder.as_str(), held.user_name.as_str(), held.since),
        ("edith-session", "Edith One", t0)
    );

    // Edith's heartbeat at 10:43 keeps her "since" and moves her heartbeat.
    let t2 = at("2025-03-01T10:43:00Z");
    let held = store
        .take_story_lock(&lock(story.id, 1, "Edith One", "edith-session", t2), minus(t2, 60), false)
        .await
        .unwrap();
    assert_eq!((held.since, held.heartbeat_at), (t0, t2));
    assert_eq!(store.story_lock(story.id).await.unwrap().unwrap().heartbeat_at, t2);

    // 59 s after her heartbeat it still holds; at 61 s it has lapsed and Omar takes it.
    let t3 = at("2025-03-01T10:43:59Z");
    let held = store
        .take_story_lock(&lock(story.id, 2, "Omar Two", "omar-session", t3), minus(t3, 60), false)
        .await
        .unwrap();
    assert_eq!(held.holder, "edith-session", "still live within the minute");
    let t4 = at("2025-03-01T10:44:01Z");
    let omar_now = lock(story.id, 2, "Omar Two", "omar-session", t4);
    let held = store.take_story_lock(&omar_now, minus(t4, 60), false).await.unwrap();
    assert_eq!(
        held,
        StoryLock { taken_from: Some("edith-session".into()), ..omar_now },
        "lapsed: taken, with a new since, noting whose it was"
    );

    // Edith's next heartbeat is answered Omar's lock; she takes it over.
    let t5 = at("2025-03-01T10:44:10Z");
    let edith_back = lock(story.id, 1, "Edith One", "edith-session", t5);
    let held = store.take_story_lock(&edith_back, minus(t5, 60), false).await.unwrap();
    assert_eq!((held.user_name.as_str(), held.since), ("Omar Two", t4));
    let held = store.take_story_lock(&edith_back, minus(t5, 60), true).await.unwrap();
    let edith_holds = StoryLock { taken_from: Some("omar-session".into()), ..edith_back };
    assert_eq!(held, edith_holds, "a take-over takes a live lock");
    assert_eq!(store.story_lock(story.id).await.unwrap(), Some(edith_holds.clone()));
    // Her heartbeat keeps whose it was.
    let t6 = at("2025-03-01T10:44:20Z");
    let held = store
        .take_story_lock(&lock(story.id, 1, "Edith One", "edith-session", t6), minus(t6, 60), false)
        .await
        .unwrap();
    assert_eq!(held, StoryLock { heartbeat_at: t6, ..edith_holds });

    // Locks are per story.
    let other = store.create_story(&draft(&n, "Budget"), None, t0).await.unwrap();
    let omar_other = lock(other.id, 2, "Omar Two", "omar-session", t5);
    assert_eq!(store.take_story_lock(&omar_other, minus(t5, 60), false).await.unwrap(), omar_other);
}

async fn a_lock_is_released_by_its_holder(store: Arc<dyn Store>) {
    let n = newsroom(&store).await;
    let t = at("2025-03-01T10:00:00Z");
    let story = store.create_story(&draft(&n, "Floods"), None, t).await.unwrap();
    let edith = lock(story.id, 1, "Edith One", "edith-session", t);
    store.take_story_lock(&edith, minus(t, 60), false).await.unwrap();
    assert!(!store.release_story_lock(story.id, "omar-session").await.unwrap(), "not Omar's to release");
    assert_eq!(store.story_lock(story.id).await.unwrap(), Some(edith));
    assert!(store.release_story_lock(story.id, "edith-session").await.unwrap());
    assert_eq!(store.story_lock(story.id).await.unwrap(), None);
    // Free again: the next to open it takes it at once.
    let omar = lock(story.id, 2, "Omar Two", "omar-session", t);
    assert_eq!(store.take_story_lock(&omar, minus(t, 60), false).await.unwrap(), omar);
}
