//! Story life after the first save: unpublish, kill, scheduling, restoring revisions, and
//! the newsroom's list.

use crate::stories::{at, draft, headlines, newsroom, page};
use dateline_core::*;
use dateline_store::{Store, StoreError};
use std::sync::Arc;

crate::on_both_backends!(
    unpublish_and_kill_leave_the_public_lists,
    scheduled_stories_go_live_once_at_their_time,
    only_non_public_stories_can_be_scheduled,
    revisions_can_be_restored,
    a_killed_story_stays_killed,
    publish_racing_kill_never_outlives_the_kill,
    the_newsroom_list_filters_every_status,
    a_paused_webhooks_deliveries_wait_until_it_resumes,
);

async fn unpublish_and_kill_leave_the_public_lists(store: Arc<dyn Store>) {
    let n = newsroom(&store).await;
    let story =
        store.create_story(&draft(&n, "To be pulled"), None, at("2025-02-27T10:00:00Z")).await.unwrap();
    store
        .change_status(story.id, &StatusChange::Publish, &Actor::System("test"), at("2025-02-27T10:00:00Z"))
        .await
        .unwrap();
    let pulled = store
        .change_status(story.id, &StatusChange::Unpublish, &Actor::System("test"), at("2025-02-27T11:00:00Z"))
        .await
        .unwrap();
    assert_eq!(pulled.status, StoryStatus::Unpublished);
    assert!(headlines(&store, StoryFilter::All).await.is_empty());
    assert!(headlines(&store, StoryFilter::Tag(n.tag.id)).await.is_empty());
    let again = store
        .change_status(story.id, &StatusChange::Publish, &Actor::System("test"), at("2025-02-27T12:00:00Z"))
        .await
        .unwrap();
    assert_eq!(again.published_at, Some(at("2025-02-27T10:00:00Z")), "republishing keeps the first date");
    assert_eq!(headlines(&store, StoryFilter::Author(n.author.id)).await, ["To be pulled"]);
    let killed = store
        .change_status(story.id, &StatusChange::Kill, &Actor::System("test"), at("2025-02-27T13:00:00Z"))
        .await
        .unwrap();
    assert_eq!(killed.status, StoryStatus::Killed);
    for filter in [
        StoryFilter::All,
        StoryFilter::Section(n.section.id),
        StoryFilter::Tag(n.tag.id),
        StoryFilter::Source(n.source.id),
    ] {
        assert!(headlines(&store, filter).await.is_empty(), "{filter:?}");
    }
    assert!(matches!(
        store
            .change_status(
                StoryId(999),
                &StatusChange::Kill,
                &Actor::System("test"),
                at("2025-02-27T13:00:00Z")
            )
            .await,
        Err(StoreError::NotFound)
    ));
}

async fn scheduled_stories_go_live_once_at_their_time(store: Arc<dyn Store>) {
    let n = newsroom(&store).await;
    let story = store.create_story(&draft(&n, "Embargoed"), None, at("2025-02-27T10:00:00Z")).await.unwrap();
    let scheduled = store
        .change_status(
            story.id,
            &StatusChange::Schedule(at("2025-02-27T12:00:00Z")),
            &Actor::System("test"),
            at("2025-02-27T10:01:00Z"),
        )
        .await
        .unwrap();
    assert_eq!(scheduled.status, StoryStatus::Scheduled);
    assert_eq!(scheduled.scheduled_at, Some(at("2025-02-27T12:00:00Z")));
    assert!(store.publish_due(at("2025-02-27T11:59:59Z")).await.unwrap().is_empty(), "not before its time");
    assert!(headlines(&store, StoryFilter::All).await.is_empty());
    assert_eq!(store.publish_due(at("2025-02-27T12:00:00Z")).await.unwrap(), vec![story.id]);
    assert!(store.publish_due(at("2025-02-27T12:00:01Z")).await.unwrap().is_empty(), "exactly once");
    let live = store.story(story.id).await.unwrap().unwrap();
    assert_eq!(live.status, StoryStatus::Published);
    assert_eq!(live.published_at, Some(at("2025-02-27T12:00:00Z")), "dated at its scheduled time");
    assert_eq!(live.scheduled_at, None);
    assert_eq!(headlines(&store, StoryFilter::All).await, ["Embargoed"]);
}

async fn only_non_public_stories_can_be_scheduled(store: Arc<dyn Store>) {
    let n = newsroom(&store).await;
    let story =
        store.create_story(&draft(&n, "Already out"), None, at("2025-02-27T10:00:00Z")).await.unwrap();
    store
        .change_status(story.id, &StatusChange::Publish, &Actor::System("test"), at("2025-02-27T10:00:00Z"))
        .await
        .unwrap();
    let err = store
        .change_status(
            story.id,
            &StatusChange::Schedule(at("2025-02-28T10:00:00Z")),
            &Actor::System("test"),
            at("2025-02-27T10:01:00Z"),
        )
        .await;
    assert!(matches!(err, Err(StoreError::Refused(_))), "{err:?}");
    let draft_story =
        store.create_story(&draft(&n, "Too late"), None, at("2025-02-27T10:00:00Z")).await.unwrap();
    let past = store
        .change_status(
            draft_story.id,
            &StatusChange::Schedule(at("2025-02-27T09:00:00Z")),
            &Actor::System("test"),
            at("2025-02-27T10:01:00Z"),
        )
        .await;
    assert!(matches!(past, Err(StoreError::Invalid(_))), "a time in the past is refused: {past:?}");
}

/// A kill holds against every change but reinstate, which needs a reason and is in the
/// history with who did it.
async fn a_killed_story_stays_killed(store: Arc<dyn Store>) {
    let n = newsroom(&store).await;
    let sys = Actor::System("test");
    let t = at("2025-02-27T10:00:00Z");
    let story = store.create_story(&draft(&n, "Legal trouble"), None, t).await.unwrap();
    store.change_status(story.id, &StatusChange::Publish, &sys, t).await.unwrap();
    let killed = store.change_status(story.id, &StatusChange::Kill, &sys, t).await.unwrap();
    let later = at("2025-02-27T11:00:00Z");
    for change in [
        StatusChange::Publish,
        StatusChange::Unpublish,
        StatusChange::Kill,
        StatusChange::Schedule(at("2025-02-28T10:00:00Z")),
    ] {
        let err = store.change_status(story.id, &change, &sys, later).await;
        assert!(matches!(err, Err(StoreError::Refused(_))), "{change:?}: {err:?}");
    }
    let save = store.update_story(story.id, &draft(&n, "Back again"), killed.version, later).await;
    assert!(matches!(save, Err(StoreError::Refused(_))), "{save:?}");
    let restore = store.restore_revision(story.id, 1, killed.version, &sys, later).await;
    assert!(matches!(restore, Err(StoreError::Refused(_))), "{restore:?}");
    let correct = store.add_correction(story.id, "x", &sys, later).await;
    assert!(matches!(correct, Err(StoreError::Refused(_))), "{correct:?}");
    assert!(headlines(&store, StoryFilter::All).await.is_empty());
    assert_eq!(store.story(story.id).await.unwrap().unwrap().status, StoryStatus::Killed);

    let no_reason = StatusChange::Reinstate { reason: "  ".into() };
    assert!(matches!(
        store.change_status(story.id, &no_reason, &sys, later).await,
        Err(StoreError::Invalid(_))
    ));
    let edith = account::NewUser {
        email: Email::parse("edith@news.example").unwrap(),
        name: "Edith One".into(),
        role: Role::Editor,
        password_hash: "x".into(),
        author: None,
    };
    let editor = Actor::from(&store.create_user(&edith, later).await.unwrap());
    let reason = StatusChange::Reinstate { reason: "The court lifted the injunction.".into() };
    let back = store.change_status(story.id, &reason, &editor, later).await.unwrap();
    assert_eq!(back.status, StoryStatus::Unpublished, "reinstated stories wait for an editor to publish");
    assert!(headlines(&store, StoryFilter::All).await.is_empty());
    let history = store.history(story.id).await.unwrap();
    let steps: Vec<_> = history.iter().map(|h| h.transition.as_str()).collect();
    assert_eq!(steps, ["publish", "kill", "reinstate"]);
    assert_eq!(history[2].actor, "Edith One (editor)");
    assert_eq!(history[2].note, "The court lifted the injunction.");
}

/// Publish and kill of one story at the same moment, many times: whatever the order the
/// database chose, the story is never public after its kill.
async fn publish_racing_kill_never_outlives_the_kill(store: Arc<dyn Store>) {
    let n = newsroom(&store).await;
    let t = at("2025-02-27T10:00:00Z");
    for round in 0..100 {
        let story = store.create_story(&draft(&n, &format!("Race {round}")), None, t).await.unwrap();
        let (a, b) = (store.clone(), store.clone());
        let publish = tokio::spawn(async move {
            a.change_status(story.id, &StatusChange::Publish, &Actor::System("test"), t).await
        });
        let kill = tokio::spawn(async move {
            b.change_status(story.id, &StatusChange::Kill, &Actor::System("test"), t).await
        });
        let (published, killed) = (publish.await.unwrap(), kill.await.unwrap());
        killed.unwrap();
        if let Err(e) = &published {
            assert!(matches!(e, StoreError::Refused(_)), "round {round}: {e:?}");
        }
        let now = store.story(story.id).await.unwrap().unwrap();
        assert_eq!(now.status, StoryStatus::Killed, "round {round}");
    }
    assert!(headlines(&store, StoryFilter::All).await.is_empty());
}

async fn revisions_can_be_restored(store: Arc<dyn Store>) {
    let n = newsroom(&store).await;
    let story =
        store.create_story(&draft(&n, "First words"), None, at("2025-02-27T10:00:00Z")).await.unwrap();
    let second = store
        .update_story(story.id, &draft(&n, "Second words"), 1, at("2025-02-27T10:05:00Z"))
        .await
        .unwrap();
    let restored = store
        .restore_revision(story.id, 1, second.version, &Actor::System("test"), at("2025-02-27T10:10:00Z"))
        .await
        .unwrap();
    assert_eq!(restored.headline, "First words");
    let numbers: Vec<_> = store.revisions(story.id).await.unwrap().iter().map(|r| r.number).collect();
    assert_eq!(numbers, [1, 2, 3], "a restore is a new revision; nothing is lost");
    assert!(matches!(
        store
            .restore_revision(story.id, 1, second.version, &Actor::System("test"), at("2025-02-27T10:11:00Z"))
            .await,
        Err(StoreError::Conflict { .. })
    ));
    assert!(matches!(
        store
            .restore_revision(
                story.id,
                42,
                restored.version,
                &Actor::System("test"),
                at("2025-02-27T10:11:00Z")
            )
            .await,
        Err(StoreError::NotFound)
    ));
}

async fn the_newsroom_list_filters_every_status(store: Arc<dyn Store>) {
    let n = newsroom(&store).await;
    let a =
        store.create_story(&draft(&n, "Draft about floods"), None, at("2025-02-27T10:00:00Z")).await.unwrap();
    let b = store
        .create_story(&draft(&n, "Published budget story"), None, at("2025-02-27T10:01:00Z"))
        .await
        .unwrap();
    store
        .change_status(b.id, &StatusChange::Publish, &Actor::System("test"), at("2025-02-27T10:02:00Z"))
        .await
        .unwrap();
    let other =
        StoryDraft { section: n.other_section.id, authors: vec![n.author.id], ..draft(&n, "World draft") };
    store.create_story(&other, None, at("2025-02-27T10:03:00Z")).await.unwrap();

    let list = |filter: AdminStoryFilter| {
        let store = store.clone();
        async move {
            store
                .admin_stories(&filter, page())
                .await
                .unwrap()
                .into_iter()
                .map(|s| s.headline)
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(
        list(AdminStoryFilter::default()).await,
        ["World draft", "Published budget story", "Draft about floods"]
    );
    let drafts = AdminStoryFilter { status: Some(StoryStatus::Draft), ..Default::default() };
    assert_eq!(list(drafts).await, ["World draft", "Draft about floods"]);
    let world = AdminStoryFilter { section: Some(n.other_section.id), ..Default::default() };
    assert_eq!(list(world).await, ["World draft"]);
    let by_sara = AdminStoryFilter { author: Some(n.second_author.id), ..Default::default() };
    assert_eq!(list(by_sara).await, ["Published budget story", "Draft about floods"]);
    let search = AdminStoryFilter { query: Some("BUDGET".into()), ..Default::default() };
    assert_eq!(list(search).await, ["Published budget story"]);
    let wild = AdminStoryFilter { query: Some("%".into()), ..Default::default() };
    assert_eq!(list(wild).await.len(), 3, "% is not a wildcard from the search box");

    let rows = store.admin_stories(&AdminStoryFilter::default(), page()).await.unwrap();
    assert_eq!(rows[2].authors, "Sara Ahmed, Ali Khan", "byline order");
    assert_eq!(rows[2].id, a.id);
    let mut counts = store.status_counts().await.unwrap();
    counts.sort_by_key(|(s, _)| s.as_str());
    assert_eq!(counts, [(StoryStatus::Draft, 2), (StoryStatus::Published, 1)]);
}

/// Pausing an endpoint stops its queued deliveries from being tried (they stay pending,
/// their attempts untouched); resuming hands them out again. Another endpoint is unaffected.
async fn a_paused_webhooks_deliveries_wait_until_it_resumes(store: Arc<dyn Store>) {
    let n = newsroom(&store).await;
    let now = at("2025-02-27T10:00:00Z");
    let paused =
        store.create_webhook("https://hooks.example.com/a", "k1", &StoryEvent::ALL, now).await.unwrap();
    let other =
        store.create_webhook("https://hooks.example.com/b", "k2", &StoryEvent::ALL, now).await.unwrap();
    let story = store.create_story(&draft(&n, "Hooked"), None, now).await.unwrap();
    store.change_status(story.id, &StatusChange::Publish, &Actor::System("test"), now).await.unwrap();
    store.set_webhook_active(paused.id, false).await.unwrap();

    let later = at("2025-02-27T10:05:00Z");
    let claimed = store.claim_deliveries(later, 16, 30).await.unwrap();
    let hooks: Vec<i64> = claimed.iter().map(|(d, _)| d.webhook_id).collect();
    assert_eq!(hooks, [other.id], "only the active endpoint's delivery is handed out");
    let waiting = store.recent_deliveries(10).await.unwrap();
    let kept = waiting.iter().find(|d| d.webhook_id == paused.id).unwrap();
    assert_eq!((kept.status, kept.attempts), (DeliveryStatus::Pending, 0), "kept, never tried");

    store.set_webhook_active(paused.id, true).await.unwrap();
    // Within the other delivery's lease, so only the resumed one is due.
    let claimed = store.claim_deliveries(at("2025-02-27T10:05:10Z"), 16, 30).await.unwrap();
    let hooks: Vec<i64> = claimed.iter().map(|(d, _)| d.webhook_id).collect();
    assert_eq!(hooks, [paused.id], "resumed: its delivery goes out");
}
