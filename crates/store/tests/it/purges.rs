//! CDN purges: the change log read in batches, each batch one purge of exactly the keys its
//! changes touched (`site` alone when one touched everything); claimed for a lease, retried,
//! logged; and each change purged once when two nodes follow the same log at once.

use crate::stories::{at, draft, newsroom};
use crate::support::TestDb;
use dateline_core::*;
use dateline_store::{CdnPurge, Location, PurgeStatus, SqlStore, Store};
use jiff::{SignedDuration, Timestamp};
use std::collections::BTreeSet;
use std::sync::Arc;

crate::on_both_backends!(
    a_batch_of_changes_is_one_purge_of_exactly_its_keys,
    purges_are_claimed_once_retried_and_logged,
);

fn now() -> Timestamp {
    at("2025-03-01T10:00:00Z")
}

/// The keys of the change-log rows after `after`, each once.
async fn logged_after(store: &Arc<dyn Store>, after: i64) -> BTreeSet<ChangeKey> {
    store.page_changes_after(after).await.unwrap().into_iter().flat_map(|(_, keys)| keys).collect()
}

async fn publish(store: &Arc<dyn Store>, draft: &StoryDraft) -> Story {
    let story = store.create_story(draft, None, now()).await.unwrap();
    store.change_status(story.id, &StatusChange::Publish, &Actor::System("test"), now()).await.unwrap()
}

async fn a_batch_of_changes_is_one_purge_of_exactly_its_keys(store: Arc<dyn Store>) {
    let n = newsroom(&store).await;
    // The first look notes where the log ends: what came before is not purged.
    assert_eq!(store.queue_cdn_purge(now()).await.unwrap(), None);
    assert_eq!(store.queue_cdn_purge(now()).await.unwrap(), None, "nothing changed since");
    assert!(store.recent_cdn_purges(10).await.unwrap().is_empty());

    // One story published: one purge of exactly the keys its change was logged under.
    let before = store.last_page_change().await.unwrap();
    let story = publish(&store, &draft(&n, "Floods in Sindh")).await;
    let logged = logged_after(&store, before).await;
    assert!(logged.contains(&ChangeKey::Story(story.id)) && logged.contains(&ChangeKey::Front), "{logged:?}");
    let purge = store.queue_cdn_purge(now()).await.unwrap().expect("a purge");
    assert_eq!(purge.keys, logged.iter().copied().collect::<Vec<_>>(), "each key once, in order");
    assert!(!purge.everything());
    assert_eq!((purge.changes, purge.first_change, purge.last_change), (1, before + 1, before + 1));
    assert_eq!((purge.status, purge.attempts, purge.next_attempt_at), (PurgeStatus::Pending, 0, now()));
    assert_eq!(store.queue_cdn_purge(now()).await.unwrap(), None, "each change is purged once");

    // Two changes read together: one purge of both changes' keys.
    let before = store.last_page_change().await.unwrap();
    let mut other = draft(&n, "Talks in Geneva");
    other.section = n.other_section.id;
    other.tags = vec![];
    let second = publish(&store, &other).await;
    store.most_read_changed(now()).await.unwrap();
    let logged = logged_after(&store, before).await;
    let purge = store.queue_cdn_purge(now()).await.unwrap().expect("a purge");
    assert_eq!(purge.changes, 2);
    assert_eq!(purge.keys.iter().copied().collect::<BTreeSet<_>>(), logged);
    assert!(purge.keys.contains(&ChangeKey::Story(second.id)));
    assert!(purge.keys.contains(&ChangeKey::Section(n.other_section.id)));
    assert!(purge.keys.contains(&ChangeKey::MostRead));
    assert!(!purge.keys.contains(&ChangeKey::Story(story.id)), "the first story did not change");

    // A change to the whole site among others purges everything.
    publish(&store, &draft(&n, "Relief arrives")).await;
    let mut settings = store.settings().await.unwrap();
    settings.name = "The Evening Post".into();
    store.save_settings(&settings).await.unwrap();
    let purge = store.queue_cdn_purge(now()).await.unwrap().expect("a purge");
    assert_eq!(purge.keys, [ChangeKey::Site]);
    assert!(purge.everything());
    assert_eq!(purge.changes, 2);

    let log: Vec<i64> = store.recent_cdn_purges(10).await.unwrap().iter().map(|p| p.id).collect();
    assert_eq!(log.len(), 3);
    assert!(log.windows(2).all(|w| w[0] > w[1]), "newest first: {log:?}");
}

async fn purges_are_claimed_once_retried_and_logged(store: Arc<dyn Store>) {
    let n = newsroom(&store).await;
    store.queue_cdn_purge(now()).await.unwrap();
    publish(&store, &draft(&n, "Floods in Sindh")).await;
    let queued = store.queue_cdn_purge(now()).await.unwrap().expect("a purge");

    // Claimed for a lease: nobody else gets it meanwhile.
    let claimed = store.claim_cdn_purges(now(), 8, 30).await.unwrap();
    assert_eq!(claimed.iter().map(|p| p.id).collect::<Vec<_>>(), [queued.id]);
    assert!(store.claim_cdn_purges(now(), 8, 30).await.unwrap().is_empty(), "leased");

    // A failure is tried again at its time, not before.
    let retry = now() + SignedDuration::from_secs(1);
    store
        .record_cdn_purge_attempt(
            queued.id,
            now(),
            false,
            Some(500),
            Some("the CDN answered 500"),
            Some(retry),
        )
        .await
        .unwrap();
    let logged = &store.recent_cdn_purges(10).await.unwrap()[0];
    assert_eq!(
        (logged.status, logged.attempts, logged.last_status_code),
        (PurgeStatus::Pending, 1, Some(500))
    );
    assert_eq!(logged.last_error.as_deref(), Some("the CDN answered 500"));
    assert!(store.claim_cdn_purges(now(), 8, 30).await.unwrap().is_empty(), "not due yet");
    let again = store.claim_cdn_purges(retry, 8, 30).await.unwrap();
    assert_eq!(again.len(), 1);
    assert_eq!((again[0].id, again[0].attempts), (queued.id, 1));

    // Cut off by a shutdown: released, it is due at once.
    store.release_cdn_purge(queued.id, retry).await.unwrap();
    let again = store.claim_cdn_purges(retry, 8, 30).await.unwrap();
    assert_eq!(again.len(), 1);

    // Then it goes through: purged after two attempts, the failure still in the log.
    store.record_cdn_purge_attempt(queued.id, retry, true, Some(200), None, None).await.unwrap();
    let logged = &store.recent_cdn_purges(10).await.unwrap()[0];
    assert_eq!(
        (logged.status, logged.attempts, logged.last_status_code),
        (PurgeStatus::Purged, 2, Some(200))
    );
    assert_eq!(logged.last_error.as_deref(), Some("the CDN answered 500"));
    assert_eq!(logged.purged_at, Some(retry));
    assert!(store.claim_cdn_purges(retry + SignedDuration::from_hours(2), 8, 30).await.unwrap().is_empty());

    // A purge out of attempts fails for good and is not tried again.
    publish(&store, &draft(&n, "Relief arrives")).await;
    let last = store.queue_cdn_purge(retry).await.unwrap().expect("a purge");
    store.claim_cdn_purges(retry, 8, 30).await.unwrap();
    store
        .record_cdn_purge_attempt(last.id, retry, false, None, Some("could not connect"), None)
        .await
        .unwrap();
    let logged = &store.recent_cdn_purges(10).await.unwrap()[0];
    assert_eq!((logged.id, logged.status, logged.last_status_code), (last.id, PurgeStatus::Failed, None));
    assert!(store.claim_cdn_purges(retry + SignedDuration::from_hours(2), 8, 30).await.unwrap().is_empty());
}

/// Two nodes follow one log while changes keep coming: every change is in exactly one purge.
async fn two_nodes_purge_each_change_once(a: Arc<dyn Store>, b: Arc<dyn Store>) {
    a.queue_cdn_purge(now()).await.unwrap();
    let before = a.last_page_change().await.unwrap();
    const CHANGES: usize = 40;
    let writer = {
        let a = a.clone();
        tokio::spawn(async move {
            for _ in 0..CHANGES {
                a.most_read_changed(now()).await.unwrap();
                tokio::task::yield_now().await;
            }
        })
    };
    let node = |store: Arc<dyn Store>| {
        tokio::spawn(async move {
            let mut queued: Vec<CdnPurge> = Vec::new();
            for _ in 0..200 {
                if let Some(p) = store.queue_cdn_purge(now()).await.unwrap() {
                    queued.push(p);
                }
            }
            queued
        })
    };
    let (one, two) = (node(a.clone()), node(b.clone()));
    writer.await.unwrap();
    let mut purges = one.await.unwrap();
    purges.extend(two.await.unwrap());
    // Whatever the two left (written after their last look) is picked up once more.
    purges.extend(a.queue_cdn_purge(now()).await.unwrap());
    purges.extend(b.queue_cdn_purge(now()).await.unwrap());

    let rows: Vec<i64> = a.page_changes_after(before).await.unwrap().into_iter().map(|(id, _)| id).collect();
    assert_eq!(rows.len(), CHANGES);
    assert_eq!(purges.iter().map(|p| p.changes).sum::<i64>(), CHANGES as i64, "every change once");
    let mut spans: Vec<(i64, i64)> = purges.iter().map(|p| (p.first_change, p.last_change)).collect();
    spans.sort_unstable();
    assert!(spans.windows(2).all(|w| w[0].1 < w[1].0), "no change in two purges: {spans:?}");
    assert_eq!(a.recent_cdn_purges(1000).await.unwrap().len(), purges.len(), "no purge queued twice");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_nodes_on_sqlite_purge_each_change_once() {
    let dir = tempfile::tempdir().unwrap();
    let location = Location::SqliteDir(dir.path().to_owned());
    let a: Arc<dyn Store> = Arc::new(SqlStore::open(&location).await.unwrap());
    let b: Arc<dyn Store> = Arc::new(SqlStore::open(&location).await.unwrap());
    two_nodes_purge_each_change_once(a, b).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_nodes_on_postgres_purge_each_change_once() {
    let Some(db) = TestDb::postgres().await else { return };
    let b: Arc<dyn Store> =
        Arc::new(SqlStore::open(&Location::Postgres(db.url.clone().unwrap())).await.unwrap());
    two_nodes_purge_each_change_once(db.store.clone(), b).await;
}
