//! Users, sessions and login throttling.

use crate::records::{UserRow, ts};
use crate::{Backend, Result, SessionChoice, StoreError};
use dateline_core::account::{ApiToken, NewUser, Session, SessionInfo, TokenScope, User, UserId};
use dateline_core::throttle::{self, Reservation, Throttle};
use jiff::Timestamp;
use sqlx::{Any, AnyPool, Transaction};

const USER_COLUMNS: &str = "u.id, u.email, u.name, u.role, u.author_id, u.created_at, u.disabled";

pub(crate) async fn create_user(pool: &AnyPool, user: &NewUser, now: Timestamp) -> Result<User> {
    let row: UserRow = sqlx::query_as(
        "INSERT INTO users (email, name, role, password_hash, author_id, created_at) VALUES ($1, $2, $3, $4, $5, $6) \
         RETURNING id, email, name, role, author_id, created_at, disabled",
    )
    .bind(user.email.as_str())
    .bind(user.name.trim())
    .bind(user.role.as_str())
    .bind(&user.password_hash)
    .bind(user.author.map(|a| a.0))
    .bind(now.as_second())
    .fetch_one(pool)
    .await
    .map_err(|e| match StoreError::from(e) {
        StoreError::Duplicate(_) => StoreError::Duplicate("e-mail address"),
        other => other,
    })?;
    row.into_user()
}

pub(crate) async fn users(pool: &AnyPool) -> Result<Vec<User>> {
    let rows: Vec<UserRow> =
        sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT {USER_COLUMNS} FROM users u ORDER BY u.email")))
            .fetch_all(pool)
            .await?;
    rows.into_iter().map(UserRow::into_user).collect()
}

pub(crate) async fn user(pool: &AnyPool, id: UserId) -> Result<Option<User>> {
    let row: Option<UserRow> =
        sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT {USER_COLUMNS} FROM users u WHERE u.id = $1")))
            .bind(id.0)
            .fetch_optional(pool)
            .await?;
    row.map(UserRow::into_user).transpose()
}

/// A user and their password hash, for signing in.
pub(crate) async fn user_for_login(pool: &AnyPool, email: &str) -> Result<Option<(User, String)>> {
    let row: Option<UserRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {USER_COLUMNS}, u.password_hash FROM users u WHERE u.email = $1"
    )))
    .bind(email)
    .fetch_optional(pool)
    .await?;
    match row {
        None => Ok(None),
        Some(mut row) => {
            let hash = row.password_hash.take().unwrap_or_default();
            Ok(Some((row.into_user()?, hash)))
        }
    }
}

/// Replaces a password hash and, in the same transaction, ends every session of the user
/// but `keep` (the one that changed its own password).
pub(crate) async fn set_password(
    pool: &AnyPool,
    backend: Backend,
    id: UserId,
    hash: &str,
    keep: Option<&str>,
) -> Result<()> {
    let mut tx = super::begin_write(pool, backend).await?;
    let done = sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
        .bind(hash)
        .bind(id.0)
        .execute(&mut *tx)
        .await?;
    if done.rows_affected() == 0 {
        return Err(StoreError::NotFound);
    }
    sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND token_hash <> $2")
        .bind(id.0)
        .bind(keep.unwrap_or(""))
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// Whether `id` is the only enabled administrator. On PostgreSQL the administrators' rows
/// are locked until the transaction ends, so two administrators demoting each other at once
/// cannot both succeed (SQLite runs one write transaction at a time anyway).
async fn is_last_administrator(
    tx: &mut Transaction<'static, Any>,
    backend: Backend,
    id: UserId,
) -> Result<bool> {
    let lock = if backend == Backend::Postgres { " FOR UPDATE" } else { "" };
    let sql = format!("SELECT id FROM users WHERE role = 'administrator' AND disabled = 0 ORDER BY id{lock}");
    let admins: Vec<i64> = sqlx::query_scalar(sqlx::AssertSqlSafe(sql)).fetch_all(&mut **tx).await?;
    Ok(admins == [id.0])
}

pub(crate) async fn set_disabled(
    tx: &mut Transaction<'static, Any>,
    backend: Backend,
    id: UserId,
    disabled: bool,
) -> Result<()> {
    if disabled && is_last_administrator(tx, backend, id).await? {
        return Err(StoreError::LastAdministrator);
    }
    let done = sqlx::query("UPDATE users SET disabled = $1 WHERE id = $2")
        .bind(i64::from(disabled))
        .bind(id.0)
        .execute(&mut **tx)
        .await?;
    if done.rows_affected() == 0 {
        return Err(StoreError::NotFound);
    }
    if disabled {
        sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(id.0).execute(&mut **tx).await?;
    }
    Ok(())
}

pub(crate) async fn create_session(
    pool: &AnyPool,
    user: UserId,
    token_hash: &str,
    csrf: &str,
    now: Timestamp,
    expires: Timestamp,
) -> Result<()> {
    sqlx::query("INSERT INTO sessions (token_hash, user_id, csrf, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)")
        .bind(token_hash)
        .bind(user.0)
        .bind(csrf)
        .bind(now.as_second())
        .bind(expires.as_second())
        .execute(pool)
        .await?;
    Ok(())
}

pub(crate) async fn session(pool: &AnyPool, token_hash: &str, now: Timestamp) -> Result<Option<Session>> {
    let row: Option<UserRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {USER_COLUMNS}, s.csrf, s.expires_at FROM sessions s JOIN users u ON u.id = s.user_id \
         WHERE s.token_hash = $1 AND s.expires_at > $2 AND u.disabled = 0"
    )))
    .bind(token_hash)
    .bind(now.as_second())
    .fetch_optional(pool)
    .await?;
    let Some(mut row) = row else { return Ok(None) };
    let csrf = row.csrf.take().unwrap_or_default();
    let expires_at = ts(row.expires_at.take().unwrap_or_default())?;
    Ok(Some(Session { user: row.into_user()?, csrf, expires_at }))
}

pub(crate) async fn delete_session(pool: &AnyPool, token_hash: &str) -> Result<()> {
    sqlx::query("DELETE FROM sessions WHERE token_hash = $1").bind(token_hash).execute(pool).await?;
    Ok(())
}

/// Reserves a sign-in attempt in one write transaction: each subject's failures in the
/// window are counted (on PostgreSQL under a transaction lock per subject, on SQLite under
/// the write lock taken by `BEGIN IMMEDIATE`), and unless one must still wait, a failure is
/// noted against every subject at `now`. Parallel attempts therefore queue here and each
/// sees the ones before it.
pub(crate) async fn reserve_login_attempt(
    pool: &AnyPool,
    backend: Backend,
    subjects: &[(&str, Throttle)],
    now: Timestamp,
) -> Result<Reservation> {
    let mut tx = super::begin_write(pool, backend).await?;
    if backend == Backend::Postgres {
        let mut names: Vec<&str> = subjects.iter().map(|(s, _)| *s).collect();
        // Always in the same order, so two attempts cannot wait on each other.
        names.sort_unstable();
        for name in names {
            sqlx::query("SELECT pg_advisory_xact_lock(hashtext($1))").bind(name).execute(&mut *tx).await?;
        }
    }
    let since = now.as_second() - throttle::WINDOW.as_secs();
    let mut wait = None;
    for (subject, rule) in subjects {
        let (count, last): (i64, Option<i64>) =
            sqlx::query_as("SELECT COUNT(*), MAX(at) FROM login_failures WHERE subject = $1 AND at > $2")
                .bind(*subject)
                .bind(since)
                .fetch_one(&mut *tx)
                .await?;
        let last = last.map(ts).transpose()?;
        if let Some(left) = rule.wait(u32::try_from(count).unwrap_or(u32::MAX), last, now) {
            wait = wait.max(Some(left));
        }
    }
    if let Some(left) = wait {
        tx.rollback().await?;
        return Ok(Reservation::Wait(left));
    }
    for (subject, _) in subjects {
        sqlx::query("INSERT INTO login_failures (subject, at) VALUES ($1, $2)")
            .bind(*subject)
            .bind(now.as_second())
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(Reservation::Reserved)
}

/// Releases a reserved attempt whose password was right: one failure of each `release`
/// subject noted at `at` is deleted (rows alike are interchangeable, so any one of them),
/// and every failure of each `clear` subject.
pub(crate) async fn release_login_attempt(
    pool: &AnyPool,
    backend: Backend,
    release: &[&str],
    clear: &[&str],
    at: Timestamp,
) -> Result<()> {
    let row = if backend == Backend::Postgres { "ctid" } else { "rowid" };
    let one = format!(
        "DELETE FROM login_failures WHERE {row} IN \
         (SELECT {row} FROM login_failures WHERE subject = $1 AND at = $2 LIMIT 1)"
    );
    let mut tx = super::begin_write(pool, backend).await?;
    for subject in release {
        sqlx::query(sqlx::AssertSqlSafe(one.clone()))
            .bind(*subject)
            .bind(at.as_second())
            .execute(&mut *tx)
            .await?;
    }
    for subject in clear {
        sqlx::query("DELETE FROM login_failures WHERE subject = $1").bind(*subject).execute(&mut *tx).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Deletes the sessions expired at `now` and the sign-in failures older than
/// `failures_before`; answers how many of each.
pub(crate) async fn prune_sign_ins(
    pool: &AnyPool,
    now: Timestamp,
    failures_before: Timestamp,
) -> Result<(u64, u64)> {
    let sessions = sqlx::query("DELETE FROM sessions WHERE expires_at <= $1")
        .bind(now.as_second())
        .execute(pool)
        .await?;
    let failures = sqlx::query("DELETE FROM login_failures WHERE at < $1")
        .bind(failures_before.as_second())
        .execute(pool)
        .await?;
    Ok((sessions.rows_affected(), failures.rows_affected()))
}

/// The live sessions of `user`, newest first.
pub(crate) async fn user_sessions(pool: &AnyPool, user: UserId, now: Timestamp) -> Result<Vec<SessionInfo>> {
    let rows: Vec<(String, i64, i64)> = sqlx::query_as(
        "SELECT token_hash, created_at, expires_at FROM sessions WHERE user_id = $1 AND expires_at > $2 \
         ORDER BY created_at DESC, token_hash",
    )
    .bind(user.0)
    .bind(now.as_second())
    .fetch_all(pool)
    .await?;
    rows.into_iter()
        .map(|(token_hash, created, expires)| {
            Ok(SessionInfo { token_hash, created_at: ts(created)?, expires_at: ts(expires)? })
        })
        .collect()
}

/// Ends the sessions of `user`: the one with `token_hash`, or with [`SessionChoice::AllBut`]
/// every one but that. Answers how many ended; another user's session is never touched.
pub(crate) async fn end_sessions(pool: &AnyPool, user: UserId, choice: SessionChoice<'_>) -> Result<u64> {
    let (sql, hash) = match choice {
        SessionChoice::Only(hash) => ("DELETE FROM sessions WHERE user_id = $1 AND token_hash = $2", hash),
        SessionChoice::AllBut(hash) => ("DELETE FROM sessions WHERE user_id = $1 AND token_hash <> $2", hash),
    };
    let done = sqlx::query(sql).bind(user.0).bind(hash).execute(pool).await?;
    Ok(done.rows_affected())
}

#[derive(sqlx::FromRow)]
struct TokenRow {
    id: i64,
    name: String,
    scope: String,
    created_at: i64,
    last_used_at: Option<i64>,
    revoked_at: Option<i64>,
}

impl TokenRow {
    fn into_token(self) -> Result<ApiToken> {
        Ok(ApiToken {
            id: self.id,
            name: self.name,
            scope: TokenScope::parse(&self.scope)
                .ok_or_else(|| StoreError::Corrupt(format!("scope {:?}", self.scope)))?,
            created_at: ts(self.created_at)?,
            last_used_at: crate::records::opt_ts(self.last_used_at)?,
            revoked: self.revoked_at.is_some(),
        })
    }
}

const TOKEN_COLUMNS: &str = "id, name, scope, created_at, last_used_at, revoked_at";

pub(crate) async fn create_token(
    pool: &AnyPool,
    name: &str,
    scope: TokenScope,
    hash: &str,
    now: Timestamp,
) -> Result<ApiToken> {
    let row: TokenRow = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "INSERT INTO api_tokens (name, scope, token_hash, created_at) VALUES ($1, $2, $3, $4) RETURNING {TOKEN_COLUMNS}"
    )))
    .bind(name.trim())
    .bind(scope.as_str())
    .bind(hash)
    .bind(now.as_second())
    .fetch_one(pool)
    .await?;
    row.into_token()
}

pub(crate) async fn tokens(pool: &AnyPool) -> Result<Vec<ApiToken>> {
    let rows: Vec<TokenRow> =
        sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT {TOKEN_COLUMNS} FROM api_tokens ORDER BY id")))
            .fetch_all(pool)
            .await?;
    rows.into_iter().map(TokenRow::into_token).collect()
}

/// The live token with this hash; its last use is recorded (at most once a minute).
pub(crate) async fn token_by_hash(pool: &AnyPool, hash: &str, now: Timestamp) -> Result<Option<ApiToken>> {
    let row: Option<TokenRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {TOKEN_COLUMNS} FROM api_tokens WHERE token_hash = $1 AND revoked_at IS NULL"
    )))
    .bind(hash)
    .fetch_optional(pool)
    .await?;
    let Some(row) = row else { return Ok(None) };
    if row.last_used_at.is_none_or(|t| now.as_second() - t >= 60) {
        sqlx::query("UPDATE api_tokens SET last_used_at = $1 WHERE id = $2")
            .bind(now.as_second())
            .bind(row.id)
            .execute(pool)
            .await?;
    }
    row.into_token().map(Some)
}

pub(crate) async fn revoke_token(pool: &AnyPool, id: i64, now: Timestamp) -> Result<()> {
    let done = sqlx::query("UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL")
        .bind(now.as_second())
        .bind(id)
        .execute(pool)
        .await?;
    if done.rows_affected() == 0 { Err(StoreError::NotFound) } else { Ok(()) }
}

pub(crate) async fn set_role(
    tx: &mut Transaction<'static, Any>,
    backend: Backend,
    id: UserId,
    role: dateline_core::account::Role,
) -> Result<()> {
    if role != dateline_core::account::Role::Administrator && is_last_administrator(tx, backend, id).await? {
        return Err(StoreError::LastAdministrator);
    }
    let done = sqlx::query("UPDATE users SET role = $1 WHERE id = $2")
        .bind(role.as_str())
        .bind(id.0)
        .execute(&mut **tx)
        .await?;
    if done.rows_affected() == 0 { Err(StoreError::NotFound) } else { Ok(()) }
}
