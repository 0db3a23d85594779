//! Posts from another system (issue 16), on both backends: new posts become stories with
//! their original status and times, a second run changes nothing, a changed post gets a
//! revision (and is published when it has been there), a killed story stays killed, and
//! published posts' old addresses lead to their stories. And an embargo holds a scheduled
//! story (issue 17).

use crate::stories::{at, draft, newsroom};
use dateline_core::import::{ImportOutcome, ImportedStatus, ImportedStory};
use dateline_core::*;
use dateline_store::Store;
use std::sync::Arc;

crate::on_both_backends!(
    posts_come_in_once_and_changes_become_revisions,
    an_embargo_moved_later_holds_a_scheduled_story
);

fn post(n: &crate::stories::Newsroom, id: &str, headline: &str, status: ImportedStatus) -> ImportedStory {
    let mut draft = draft(n, headline);
    draft.slug = Some(Slug::parse(&format!("old-{id}")).unwrap());
    ImportedStory {
        external_id: id.into(),
        fingerprint: format!("{id}-v1"),
        draft,
        status,
        created_at: at("2019-08-14T08:00:00Z"),
        old_paths: vec![format!("/2019/08/14/old-{id}/"), format!("/?p={id}")],
    }
}

async fn posts_come_in_once_and_changes_become_revisions(store: Arc<dyn Store>) {
    let n = newsroom(&store).await;
    let actor = Actor::System("import");
    let now = at("2026-12-07T12:00:00Z");
    let origin = "wordpress:https://old.example.org";
    let published_at = at("2019-08-14T09:30:00Z");
    let posts = vec![
        post(&n, "1", "Floods reach Sukkur", ImportedStatus::Published(published_at)),
        post(&n, "2", "A draft about the budget", ImportedStatus::Draft),
        post(&n, "3", "Election results", ImportedStatus::Scheduled(at("2030-01-01T06:00:00Z"))),
        post(&n, "1", "The same post twice", ImportedStatus::Draft),
    ];
    let outcomes = store.import_stories(origin, &posts, &actor, now).await.unwrap();
    let ids: Vec<StoryId> = outcomes[..3]
        .iter()
        .map(|o| match o {
            ImportOutcome::Imported(id) => *id,
            other => panic!("{other:?}"),
        })
        .collect();
    assert!(matches!(&outcomes[3], ImportOutcome::Skipped(reason) if reason.contains("twice")));
    let floods = store.story(ids[0]).await.unwrap().unwrap();
    assert_eq!(floods.status, StoryStatus::Published);
    assert_eq!(floods.slug.as_str(), "old-1");
    assert_eq!(floods.published_at, Some(published_at), "dated as it was published there");
    assert_eq!(floods.created_at, at("2019-08-14T08:00:00Z"));
    assert_eq!(store.story(ids[1]).await.unwrap().unwrap().status, StoryStatus::Draft);
    assert_eq!(store.story(ids[2]).await.unwrap().unwrap().status, StoryStatus::Scheduled);
    let public = store.published(StoryFilter::All, crate::stories::page()).await.unwrap();
    assert_eq!(public.iter().map(|s| s.id).collect::<Vec<_>>(), [ids[0]]);

    // Old addresses: the published post's, not the draft's.
    for old in ["/2019/08/14/old-1/", "/2019/08/14/old-1", "/?p=1"] {
        assert_eq!(
            store.redirect_for_path(old).await.unwrap().map(|s| s.to_string()).as_deref(),
            Some("old-1")
        );
    }
    assert_eq!(store.redirect_for_path("/?p=2").await.unwrap(), None);
    assert_eq!(store.redirect_for_path("/nothing").await.unwrap(), None);

    // Again: nothing changes.
    let again = store.import_stories(origin, &posts[..3], &actor, now).await.unwrap();
    assert_eq!(again, ids.iter().map(|id| ImportOutcome::Unchanged(*id)).collect::<Vec<_>>());
    assert_eq!(store.story_count().await.unwrap(), 3);
    // The same ids from another site are other posts.
    let other = store.import_stories("ghost:https://x.example", &posts[1..2], &actor, now).await.unwrap();
    assert!(matches!(other[0], ImportOutcome::Imported(_)));

    // Changed there: a new revision; the draft published there since is published here.
    let mut changed = posts[..2].to_vec();
    changed[0].fingerprint = "1-v2".into();
    changed[0].draft.headline = "Floods reach Sukkur and Larkana".into();
    changed[1].fingerprint = "2-v2".into();
    changed[1].status = ImportedStatus::Published(at("2019-08-20T10:00:00Z"));
    let revisions = store.revisions(ids[0]).await.unwrap().len();
    let outcomes = store.import_stories(origin, &changed, &actor, now).await.unwrap();
    assert_eq!(outcomes, [ImportOutcome::Updated(ids[0]), ImportOutcome::Updated(ids[1])]);
    assert_eq!(store.revisions(ids[0]).await.unwrap().len(), revisions + 1);
    assert_eq!(store.story(ids[0]).await.unwrap().unwrap().headline, "Floods reach Sukkur and Larkana");
    let budget = store.story(ids[1]).await.unwrap().unwrap();
    assert_eq!(budget.status, StoryStatus::Published);
    assert_eq!(budget.published_at, Some(at("2019-08-20T10:00:00Z")));
    assert_eq!(
        store.redirect_for_path("/?p=2").await.unwrap().map(|s| s.to_string()).as_deref(),
        Some("old-2")
    );

    // Killed here: a later change there does not bring it back.
    store.change_status(ids[0], &StatusChange::Kill, &actor, now).await.unwrap();
    changed[0].fingerprint = "1-v3".into();
    let outcomes = store.import_stories(origin, &changed[..1], &actor, now).await.unwrap();
    assert!(
        matches!(&outcomes[0], ImportOutcome::Skipped(reason) if reason.contains("killed")),
        "{outcomes:?}"
    );
    assert_eq!(store.story(ids[0]).await.unwrap().unwrap().status, StoryStatus::Killed);

    // An invalid draft: refused whole, nothing written.
    let mut bad = post(&n, "9", "", ImportedStatus::Draft);
    bad.draft.headline = String::new();
    assert!(matches!(
        store.import_stories(origin, &[bad], &actor, now).await,
        Err(dateline_store::StoreError::Invalid(_))
    ));
    assert_eq!(store.story_count().await.unwrap(), 4);
}

/// A story scheduled, then given a later embargo (an agency moved it): not out at its
/// schedule, out at the embargo's end, dated then.
async fn an_embargo_moved_later_holds_a_scheduled_story(store: Arc<dyn Store>) {
    let n = newsroom(&store).await;
    let actor = Actor::System("test");
    let now = at("2026-12-07T12:00:00Z");
    let story = store.create_story(&draft(&n, "Results at noon"), None, now).await.unwrap();
    let noon = at("2026-12-07T13:00:00Z");
    let story = store.change_status(story.id, &StatusChange::Schedule(noon), &actor, now).await.unwrap();
    let mut later = draft(&n, "Results at noon");
    later.slug = Some(story.slug.clone());
    later.embargo_until = Some(at("2026-12-07T15:00:00Z"));
    store.update_story(story.id, &later, story.version, now).await.unwrap();
    assert!(store.publish_due(at("2026-12-07T13:30:00Z")).await.unwrap().is_empty(), "held by the embargo");
    assert_eq!(store.publish_due(at("2026-12-07T15:00:00Z")).await.unwrap(), [story.id]);
    let out = store.story(story.id).await.unwrap().unwrap();
    assert_eq!(out.published_at, Some(at("2026-12-07T15:00:00Z")));
}
