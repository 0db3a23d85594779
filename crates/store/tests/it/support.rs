//! Test databases: a temporary SQLite folder, or a fresh PostgreSQL database on the local
//! server (127.0.0.1:5432) that is dropped when the test ends. With `CI=true` an
//! unreachable PostgreSQL fails the test instead of skipping it.

use dateline_store::{Location, SqlStore, Store};
use sqlx::Connection;
use std::sync::Arc;

pub const ADMIN_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

pub struct TestDb {
    pub store: Arc<dyn Store>,
    /// The PostgreSQL database's address (for a second store on it).
    pub url: Option<String>,
    _dir: Option<tempfile::TempDir>,
    pg_name: Option<String>,
}

impl TestDb {
    pub async fn sqlite() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let store = SqlStore::open(&Location::SqliteDir(dir.path().to_owned())).await.unwrap();
        Self { store: Arc::new(store), url: None, _dir: Some(dir), pg_name: None }
    }

    pub async fn postgres() -> Option<Self> {
        Self::postgres_with(None).await
    }

    /// A fresh PostgreSQL database with `setting` (such as `standard_conforming_strings = off`)
    /// as its default for every connection, set before the store connects.
    pub async fn postgres_with(setting: Option<&str>) -> Option<Self> {
        let base = std::env::var("DATELINE_TEST_PG").unwrap_or_else(|_| ADMIN_URL.to_owned());
        sqlx::any::install_default_drivers();
        let mut admin = match sqlx::AnyConnection::connect(&base).await {
            Ok(c) => c,
            Err(e) if std::env::var("CI").as_deref() != Ok("true") => {
                eprintln!("SKIPPED: PostgreSQL unreachable at {base} ({e}); CI=true makes this a failure");
                return None;
            }
            Err(e) => panic!("PostgreSQL unreachable at {base} and CI=true: {e}"),
        };
        let name = format!("dateline_test_{}_{}", std::process::id(), unique());
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&mut admin)
            .await
            .unwrap();
        if let Some(setting) = setting {
            sqlx::query(sqlx::AssertSqlSafe(format!("ALTER DATABASE {name} SET {setting}")))
                .execute(&mut admin)
                .await
                .unwrap();
        }
        let url = format!("{}/{name}", base.rsplit_once('/').unwrap().0);
        let store = SqlStore::open(&Location::Postgres(url.clone())).await.unwrap();
        Some(Self { store: Arc::new(store), url: Some(url), _dir: None, pg_name: Some(name) })
    }
}

fn unique() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().subsec_nanos();
    u64::from(nanos) * 1000 + N.fetch_add(1, Ordering::Relaxed)
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let Some(name) = self.pg_name.take() else {
            return;
        };
        let base = std::env::var("DATELINE_TEST_PG").unwrap_or_else(|_| ADMIN_URL.to_owned());
        // Dropping happens outside the test's runtime: use a thread with its own.
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            rt.block_on(async {
                if let Ok(mut admin) = sqlx::AnyConnection::connect(&base).await {
                    let _ = sqlx::query(sqlx::AssertSqlSafe(format!(
                        "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                    )))
                    .execute(&mut admin)
                    .await;
                }
            });
        })
        .join();
    }
}

/// Runs each named async test function against SQLite and against PostgreSQL.
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let db = $crate::support::TestDb::sqlite().await;
                    super::$name(db.store.clone()).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let Some(db) = $crate::support::TestDb::postgres().await else { return };
                    super::$name(db.store.clone()).await;
                }
            )*
        }
    };
}
