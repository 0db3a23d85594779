//! Files the store makes on disk.

use dateline_store::{Location, SqlStore};

/// The database holds password hashes and webhook secrets: only its owner may read it.
#[cfg(unix)]
#[tokio::test]
async fn the_sqlite_database_is_private_to_its_owner() {
    use std::os::unix::fs::PermissionsExt;
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("data");
    let store = SqlStore::open(&Location::SqliteDir(dir.clone())).await.unwrap();
    drop(store);
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&dir), 0o700);
    assert_eq!(mode(&dir.join("dateline.db")), 0o600);

    // A database made readable by others (an old install, a careless copy) is tightened.
    std::fs::set_permissions(dir.join("dateline.db"), std::fs::Permissions::from_mode(0o644)).unwrap();
    let store = SqlStore::open(&Location::SqliteDir(dir.clone())).await.unwrap();
    assert_eq!(mode(&dir.join("dateline.db")), 0o600);
    if dir.join("dateline.db-wal").exists() {
        assert_eq!(mode(&dir.join("dateline.db-wal")), 0o600);
    }
    drop(store);
}
