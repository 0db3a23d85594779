//! Change announcements: on PostgreSQL a change committed through one store is announced
//! at once to a listener opened through another (another process), nothing else is, and a
//! lost listening connection comes back saying so (for the listener to catch up from the
//! log). SQLite announces nothing: its followers read the log on a timer.

use crate::support::TestDb;
use dateline_store::{Location, Notice, SqlStore, Store};
use std::time::Duration;
use tokio::time::timeout;

const QUIET: Duration = Duration::from_millis(300);
const SOON: Duration = Duration::from_secs(5);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_change_committed_by_one_process_is_announced_to_the_others() {
    let Some(db) = TestDb::postgres().await else { return };
    let other = SqlStore::open(&Location::Postgres(db.url.clone().unwrap())).await.unwrap();
    let mut notices = db.store.change_notices().await.unwrap().expect("PostgreSQL announces changes");
    assert!(timeout(QUIET, notices.next()).await.is_err(), "nothing announced before a change");

    let before = other.last_page_change().await.unwrap();
    other.most_read_changed(jiff::Timestamp::now()).await.unwrap();
    assert_eq!(timeout(SOON, notices.next()).await.unwrap().unwrap(), Notice::Changed);
    assert_eq!(
        db.store.page_changes_after(before).await.unwrap().len(),
        1,
        "the log holds what was announced"
    );

    // Reads and writes outside the change log announce nothing.
    other.ping().await.unwrap();
    other.settings().await.unwrap();
    assert!(timeout(QUIET, notices.next()).await.is_err());

    // The listening connection is cut (a database restart, a proxy's idle reaper): the next
    // wait says so, once the connection is back, and changes are announced again.
    let cut: Vec<bool> = sqlx::query_scalar(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
         WHERE datname = current_database() AND query LIKE 'LISTEN%' AND pid <> pg_backend_pid()",
    )
    .fetch_all(other.pool())
    .await
    .unwrap();
    assert_eq!(cut, [true], "one listening connection");
    assert_eq!(timeout(SOON, notices.next()).await.unwrap().unwrap(), Notice::Reconnected);
    other.most_read_changed(jiff::Timestamp::now()).await.unwrap();
    assert_eq!(timeout(SOON, notices.next()).await.unwrap().unwrap(), Notice::Changed);
}

#[tokio::test]
async fn sqlite_announces_nothing() {
    let db = TestDb::sqlite().await;
    assert!(db.store.change_notices().await.unwrap().is_none());
}
