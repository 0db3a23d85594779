//! The media library's rows. A picture is added once per content hash: adding the same file
//! again returns the picture already there, with the words an editor gave it.

use crate::records::ts;
use crate::{MediaRemoval, Result, StoreError};
use dateline_core::{FieldError, Media, MediaId, MediaText, NewMedia, PageRequest};
use sqlx::{AnyConnection, AnyPool};

const COLUMNS: &str =
    "id, hash, format, width, height, bytes, alt, caption, credit, focal_x, focal_y, origin, created_at";

#[derive(sqlx::FromRow)]
struct MediaRow {
    id: i64,
    hash: String,
    format: String,
    width: i64,
    height: i64,
    bytes: i64,
    alt: String,
    caption: String,
    credit: String,
    focal_x: i64,
    focal_y: i64,
    origin: String,
    created_at: i64,
}

impl MediaRow {
    fn into_media(self) -> Result<Media> {
        let corrupt = |what: &str| StoreError::Corrupt(format!("media {}: {what}", self.id));
        Ok(Media {
            id: MediaId(self.id),
            width: u32::try_from(self.width).map_err(|_| corrupt("width"))?,
            height: u32::try_from(self.height).map_err(|_| corrupt("height"))?,
            bytes: u64::try_from(self.bytes).map_err(|_| corrupt("size"))?,
            text: MediaText {
                focal_x: u8::try_from(self.focal_x).map_err(|_| corrupt("focal point"))?,
                focal_y: u8::try_from(self.focal_y).map_err(|_| corrupt("focal point"))?,
                alt: self.alt,
                caption: self.caption,
                credit: self.credit,
            },
            created_at: ts(self.created_at)?,
            hash: self.hash,
            format: self.format,
            origin: self.origin,
        })
    }
}

async fn one(conn: &mut AnyConnection, filter: &str, value: &str) -> Result<Option<Media>> {
    let sql = format!("SELECT {COLUMNS} FROM media WHERE {filter} = $1 ORDER BY id LIMIT 1");
    let row: Option<MediaRow> =
        sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(value).fetch_optional(conn).await?;
    row.map(MediaRow::into_media).transpose()
}

pub(crate) async fn by_hash(pool: &AnyPool, hash: &str) -> Result<Option<Media>> {
    one(&mut *pool.acquire().await?, "hash", hash).await
}

/// The picture fetched from `origin`: its first address, or one noted since (see [`add_origin`]).
pub(crate) async fn by_origin(conn: &mut AnyConnection, origin: &str) -> Result<Option<Media>> {
    if origin.is_empty() {
        return Ok(None);
    }
    // `origin <> ''` lets both databases use the partial index on media(origin).
    let first = format!("SELECT {COLUMNS} FROM media WHERE origin = $1 AND origin <> '' ORDER BY id LIMIT 1");
    let row: Option<MediaRow> =
        sqlx::query_as(sqlx::AssertSqlSafe(first)).bind(origin).fetch_optional(&mut *conn).await?;
    if let Some(found) = row {
        return found.into_media().map(Some);
    }
    let noted = format!(
        "SELECT {COLUMNS} FROM media WHERE id = (SELECT media_id FROM media_origins WHERE origin = $1)"
    );
    let row: Option<MediaRow> =
        sqlx::query_as(sqlx::AssertSqlSafe(noted)).bind(origin).fetch_optional(conn).await?;
    row.map(MediaRow::into_media).transpose()
}

/// Notes that the picture at `origin` is `id` (the same file as one already kept).
pub(crate) async fn add_origin(pool: &AnyPool, id: MediaId, origin: &str) -> Result<()> {
    if origin.is_empty() {
        return Err(FieldError::new("origin", "an address is needed").into());
    }
    sqlx::query(
        "INSERT INTO media_origins (origin, media_id) VALUES ($1, $2) ON CONFLICT (origin) DO NOTHING",
    )
    .bind(origin)
    .bind(id.0)
    .execute(pool)
    .await
    .map_err(|e| match &e {
        sqlx::Error::Database(db) if db.is_foreign_key_violation() => StoreError::NotFound,
        _ => e.into(),
    })?;
    Ok(())
}

pub(crate) async fn by_id(pool: &AnyPool, id: MediaId) -> Result<Option<Media>> {
    let sql = format!("SELECT {COLUMNS} FROM media WHERE id = $1");
    let row: Option<MediaRow> =
        sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id.0).fetch_optional(pool).await?;
    row.map(MediaRow::into_media).transpose()
}

pub(crate) async fn add(pool: &AnyPool, new: &NewMedia, now: jiff::Timestamp) -> Result<Media> {
    new.text.validate().map_err(StoreError::Invalid)?;
    if new.hash.len() != 64 || !new.hash.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(FieldError::new("file", "the picture's hash is not a SHA-256").into());
    }
    sqlx::query(
        "INSERT INTO media (hash, format, width, height, bytes, alt, caption, credit, focal_x, focal_y, origin, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) ON CONFLICT (hash) DO NOTHING",
    )
    .bind(&new.hash)
    .bind(&new.format)
    .bind(i64::from(new.width))
    .bind(i64::from(new.height))
    .bind(i64::try_from(new.bytes).unwrap_or(i64::MAX))
    .bind(&new.text.alt)
    .bind(&new.text.caption)
    .bind(&new.text.credit)
    .bind(i64::from(new.text.focal_x))
    .bind(i64::from(new.text.focal_y))
    .bind(&new.origin)
    .bind(now.as_second())
    .execute(pool)
    .await?;
    by_hash(pool, &new.hash).await?.ok_or(StoreError::NotFound)
}

pub(crate) async fn list(pool: &AnyPool, page: PageRequest) -> Result<Vec<Media>> {
    let sql = format!("SELECT {COLUMNS} FROM media ORDER BY created_at DESC, id DESC LIMIT $1 OFFSET $2");
    let rows: Vec<MediaRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(i64::from(page.limit))
        .bind(i64::try_from(page.offset).unwrap_or(i64::MAX))
        .fetch_all(pool)
        .await?;
    rows.into_iter().map(MediaRow::into_media).collect()
}

pub(crate) async fn set_text(pool: &AnyPool, id: MediaId, text: &MediaText) -> Result<Media> {
    text.validate().map_err(StoreError::Invalid)?;
    let done = sqlx::query(
        "UPDATE media SET alt = $1, caption = $2, credit = $3, focal_x = $4, focal_y = $5 WHERE id = $6",
    )
    .bind(&text.alt)
    .bind(&text.caption)
    .bind(&text.credit)
    .bind(i64::from(text.focal_x))
    .bind(i64::from(text.focal_y))
    .bind(id.0)
    .execute(pool)
    .await?;
    if done.rows_affected() == 0 {
        return Err(StoreError::NotFound);
    }
    by_id(pool, id).await?.ok_or(StoreError::NotFound)
}

/// The pictures whose alt text, caption or credit hold every one of `words` (any case),
/// newest first.
pub(crate) async fn search(pool: &AnyPool, words: &str, page: PageRequest) -> Result<Vec<Media>> {
    let words: Vec<String> = words
        .split_whitespace()
        .take(8)
        .map(|w| {
            format!("%{}%", w.to_lowercase().replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_"))
        })
        .collect();
    // `||` joins text on both databases; lower() folds ASCII on SQLite, all letters on PostgreSQL.
    let filter: String = (1..=words.len())
        .map(|n| format!(" AND lower(alt || ' ' || caption || ' ' || credit) LIKE ${n} ESCAPE '\\'"))
        .collect();
    let filter = format!("1 = 1{filter}");
    let sql = format!(
        "SELECT {COLUMNS} FROM media WHERE {filter} ORDER BY created_at DESC, id DESC LIMIT ${} OFFSET ${}",
        words.len() + 1,
        words.len() + 2
    );
    let mut query = sqlx::query_as::<_, MediaRow>(sqlx::AssertSqlSafe(sql));
    for word in &words {
        query = query.bind(word.clone());
    }
    let rows = query
        .bind(i64::from(page.limit))
        .bind(i64::try_from(page.offset).unwrap_or(i64::MAX))
        .fetch_all(pool)
        .await?;
    rows.into_iter().map(MediaRow::into_media).collect()
}

/// Removes picture `id` from the library unless a story shows it — as its picture, in its
/// body or in a live entry, in any status. Checked and removed in one write transaction,
/// so a story saved meanwhile either is named or sees the picture gone.
pub(crate) async fn remove(pool: &AnyPool, backend: crate::Backend, id: MediaId) -> Result<MediaRemoval> {
    let mut tx = super::begin_write(pool, backend).await?;
    let sql = format!("SELECT {COLUMNS} FROM media WHERE id = $1");
    let row: Option<MediaRow> =
        sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id.0).fetch_optional(&mut *tx).await?;
    let media = row.ok_or(StoreError::NotFound)?.into_media()?;
    // The hash is hex, so it needs no escaping inside a LIKE pattern.
    let address = format!("%/media/{}/%", media.hash);
    let users: Vec<(i64, String)> = sqlx::query_as(
        "SELECT id, headline FROM stories WHERE image_url LIKE $1 OR body_source LIKE $1 \
         OR id IN (SELECT story_id FROM live_entries WHERE deleted = 0 AND (image LIKE $1 OR body_source LIKE $1)) \
         ORDER BY id LIMIT 50",
    )
    .bind(&address)
    .fetch_all(&mut *tx)
    .await?;
    if !users.is_empty() {
        return Ok(MediaRemoval::InUse(
            users.into_iter().map(|(id, headline)| (dateline_core::StoryId(id), headline)).collect(),
        ));
    }
    sqlx::query("DELETE FROM media WHERE id = $1").bind(id.0).execute(&mut *tx).await?;
    tx.commit().await?;
    Ok(MediaRemoval::Removed(media))
}
