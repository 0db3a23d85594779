//! Schema migrations, embedded in the binary: one folder per backend, applied in order at
//! start-up, each in its own transaction, recorded in `schema_migrations`.

use crate::{Backend, Result};
use sqlx::{AnyPool, AssertSqlSafe};

struct Migration {
    version: i64,
    sql: &'static str,
}

const SQLITE: &[Migration] = &[
    Migration { version: 1, sql: include_str!("../migrations/sqlite/0001_init.sql") },
    Migration { version: 2, sql: include_str!("../migrations/sqlite/0002_newsroom.sql") },
    Migration { version: 3, sql: include_str!("../migrations/sqlite/0003_api_tokens.sql") },
    Migration { version: 4, sql: include_str!("../migrations/sqlite/0004_webhooks.sql") },
    Migration { version: 5, sql: include_str!("../migrations/sqlite/0005_wire.sql") },
    Migration { version: 6, sql: include_str!("../migrations/sqlite/0006_wire_groups.sql") },
    Migration { version: 7, sql: include_str!("../migrations/sqlite/0007_page_changes.sql") },
    Migration { version: 8, sql: include_str!("../migrations/sqlite/0008_translations.sql") },
    Migration { version: 9, sql: include_str!("../migrations/sqlite/0009_media.sql") },
    Migration { version: 10, sql: include_str!("../migrations/sqlite/0010_media_origins.sql") },
    Migration { version: 11, sql: include_str!("../migrations/sqlite/0011_story_history.sql") },
    Migration { version: 12, sql: include_str!("../migrations/sqlite/0012_imports.sql") },
    Migration { version: 13, sql: include_str!("../migrations/sqlite/0013_embargoes.sql") },
    Migration { version: 14, sql: include_str!("../migrations/sqlite/0014_live_blogs.sql") },
    Migration { version: 15, sql: include_str!("../migrations/sqlite/0015_fronts.sql") },
    Migration { version: 16, sql: include_str!("../migrations/sqlite/0016_story_views.sql") },
    Migration { version: 17, sql: include_str!("../migrations/sqlite/0017_story_locks.sql") },
    Migration { version: 18, sql: include_str!("../migrations/sqlite/0018_autosaves.sql") },
    Migration { version: 19, sql: include_str!("../migrations/sqlite/0019_embeds.sql") },
    Migration { version: 20, sql: include_str!("../migrations/sqlite/0020_cdn_purges.sql") },
];
const POSTGRES: &[Migration] = &[
    Migration { version: 1, sql: include_str!("../migrations/postgres/0001_init.sql") },
    Migration { version: 2, sql: include_str!("../migrations/postgres/0002_newsroom.sql") },
    Migration { version: 3, sql: include_str!("../migrations/postgres/0003_api_tokens.sql") },
    Migration { version: 4, sql: include_str!("../migrations/postgres/0004_webhooks.sql") },
    Migration { version: 5, sql: include_str!("../migrations/postgres/0005_wire.sql") },
    Migration { version: 6, sql: include_str!("../migrations/postgres/0006_wire_groups.sql") },
    Migration { version: 7, sql: include_str!("../migrations/postgres/0007_page_changes.sql") },
    Migration { version: 8, sql: include_str!("../migrations/postgres/0008_translations.sql") },
    Migration { version: 9, sql: include_str!("../migrations/postgres/0009_media.sql") },
    Migration { version: 10, sql: include_str!("../migrations/postgres/0010_media_origins.sql") },
    Migration { version: 11, sql: include_str!("../migrations/postgres/0011_story_history.sql") },
    Migration { version: 12, sql: include_str!("../migrations/postgres/0012_imports.sql") },
    Migration { version: 13, sql: include_str!("../migrations/postgres/0013_embargoes.sql") },
    Migration { version: 14, sql: include_str!("../migrations/postgres/0014_live_blogs.sql") },
    Migration { version: 15, sql: include_str!("../migrations/postgres/0015_fronts.sql") },
    Migration { version: 16, sql: include_str!("../migrations/postgres/0016_story_views.sql") },
    Migration { version: 17, sql: include_str!("../migrations/postgres/0017_story_locks.sql") },
    Migration { version: 18, sql: include_str!("../migrations/postgres/0018_autosaves.sql") },
    Migration { version: 19, sql: include_str!("../migrations/postgres/0019_embeds.sql") },
    Migration { version: 20, sql: include_str!("../migrations/postgres/0020_cdn_purges.sql") },
];

/// The newest schema this build knows (the same number on both backends): a backup made by
/// a newer Dateline has a higher one and is refused.
pub const SCHEMA_VERSION: i64 = 20;

/// Applies every migration of `backend` not yet recorded in the database.
pub(crate) async fn run(pool: &AnyPool, backend: Backend) -> Result<()> {
    sqlx::query("CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, applied_at BIGINT NOT NULL)")
        .execute(pool)
        .await?;
    let migrations = match backend {
        Backend::Sqlite => SQLITE,
        Backend::Postgres => POSTGRES,
    };
    for m in migrations {
        let mut tx = crate::sql::begin_write(pool, backend).await?;
        let done: Option<i64> =
            sqlx::query_scalar("SELECT version FROM schema_migrations WHERE version = $1")
                .bind(m.version)
                .fetch_optional(&mut *tx)
                .await?;
        if done.is_some() {
            continue;
        }
        for statement in statements(m.sql) {
            sqlx::query(AssertSqlSafe(statement)).execute(&mut *tx).await?;
        }
        sqlx::query("INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)")
            .bind(m.version)
            .bind(jiff::Timestamp::now().as_second())
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        tracing::info!(migration = m.version, "applied database migration");
    }
    Ok(())
}

/// Splits a migration file into statements: they end with `;` at the end of a line.
/// Comment lines are dropped.
fn statements(sql: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    for line in sql.lines() {
        if line.trim_start().starts_with("--") {
            continue;
        }
        current.push_str(line);
        current.push('\n');
        if line.trim_end().ends_with(';') {
            out.push(std::mem::take(&mut current));
        }
    }
    if !current.trim().is_empty() {
        out.push(current);
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_schema_version_is_the_last_migration() {
        assert_eq!(super::SQLITE.last().map(|m| m.version), Some(super::SCHEMA_VERSION));
        assert_eq!(super::POSTGRES.last().map(|m| m.version), Some(super::SCHEMA_VERSION));
    }

    #[test]
    fn migrations_split_into_statements() {
        let got = super::statements("-- c\nCREATE TABLE a (x INT);\nCREATE INDEX i\n ON a (x);\n");
        assert_eq!(got, ["CREATE TABLE a (x INT);\n", "CREATE INDEX i\n ON a (x);\n"]);
    }
}
