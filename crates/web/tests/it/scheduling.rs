//! Scheduled stories go live within a second of their time, once, also when the process
//! was down at that time.

use crate::support::Site;
use dateline_core::{Actor, StatusChange};
use dateline_core::{StoryId, StoryStatus};
use dateline_newsroom::{Clock, scheduler};
use dateline_store::Store;
use jiff::{SignedDuration, Timestamp};
use std::sync::Arc;
use std::time::Duration;

async fn wait_until_published(store: &Arc<dyn Store>, id: StoryId, limit: Duration) -> Option<Timestamp> {
    let started = std::time::Instant::now();
    while started.elapsed() < limit {
        let story = store.story(id).await.unwrap().unwrap();
        if story.status == StoryStatus::Published {
            return Some(Timestamp::now());
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    None
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_scheduled_story_goes_live_within_a_second() {
    let site = Site::new().await;
    let story = site.store.create_story(&site.draft("Embargo lifts"), None, Timestamp::now()).await.unwrap();
    let at = Timestamp::now() + SignedDuration::from_millis(1500);
    let at = Timestamp::from_second(at.as_second() + 1).unwrap();
    site.store
        .change_status(story.id, &StatusChange::Schedule(at), &Actor::System("test"), Timestamp::now())
        .await
        .unwrap();
    let runner = tokio::spawn(scheduler::run(
        site.store.clone(),
        Clock::System,
        tokio_util::sync::CancellationToken::new(),
    ));
    let seen = wait_until_published(&site.store, story.id, Duration::from_secs(6)).await.expect("published");
    runner.abort();
    let delay = seen.duration_since(at);
    assert!(delay >= SignedDuration::ZERO, "not early: {delay:?}");
    assert!(delay < SignedDuration::from_secs(1), "within a second of its time: {delay:?}");
    let live = site.store.story(story.id).await.unwrap().unwrap();
    assert_eq!(live.published_at, Some(at));
    assert_eq!(site.get("/story/embargo-lifts").await.status, axum::http::StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_story_due_while_the_process_was_down_goes_out_once_after_restart() {
    let site = Site::new().await;
    let story =
        site.store.create_story(&site.draft("Due during downtime"), None, Timestamp::now()).await.unwrap();
    let at = Timestamp::from_second(Timestamp::now().as_second() + 1).unwrap();
    site.store
        .change_status(story.id, &StatusChange::Schedule(at), &Actor::System("test"), Timestamp::now())
        .await
        .unwrap();
    // No scheduler runs: the process is "down" past the story's time.
    tokio::time::sleep(Duration::from_millis(2200)).await;
    assert_eq!(site.store.story(story.id).await.unwrap().unwrap().status, StoryStatus::Scheduled);

    // "Restart": a new store on the same database, and two schedulers racing (two nodes).
    let restarted = site.reopen().await;
    let first = tokio::spawn(scheduler::run(
        restarted.clone(),
        Clock::System,
        tokio_util::sync::CancellationToken::new(),
    ));
    let second = tokio::spawn(scheduler::run(
        site.reopen().await,
        Clock::System,
        tokio_util::sync::CancellationToken::new(),
    ));
    let seen = wait_until_published(&restarted, story.id, Duration::from_secs(3)).await;
    tokio::time::sleep(Duration::from_millis(1200)).await;
    first.abort();
    second.abort();
    assert!(seen.is_some(), "published after the restart");
    let live = restarted.story(story.id).await.unwrap().unwrap();
    assert_eq!(live.published_at, Some(at), "dated at its scheduled time");
    assert_eq!(live.version, story.version + 2, "published exactly once (schedule + one publication)");
    let revisions = restarted.revisions(story.id).await.unwrap();
    assert_eq!(revisions.len(), 1);
}
