//! Sections, tags, authors and sources: small tables read often and written rarely.

use crate::records::{AuthorRow, SectionRow, SourceRow, TagRow};
use crate::{Result, StoreError};
use dateline_core::{Author, NewAuthor, NewSection, NewSource, NewTag, Section, Source, Tag};
use sqlx::AnyPool;

const SECTION: &str = "SELECT id, slug, name, description, language, position FROM sections";
const TAG: &str = "SELECT id, slug, name, kind FROM tags";
const AUTHOR: &str = "SELECT id, slug, name, bio FROM authors";
const SOURCE: &str = "SELECT id, slug, name, credit FROM sources";

/// A unique-slug violation on insert names the slug, not "slug" in general.
fn taken(e: sqlx::Error, what: &'static str) -> StoreError {
    match StoreError::from(e) {
        StoreError::Duplicate(_) => StoreError::Duplicate(what),
        other => other,
    }
}

pub(crate) async fn sections(pool: &AnyPool) -> Result<Vec<Section>> {
    let rows: Vec<SectionRow> =
        sqlx::query_as(sqlx::AssertSqlSafe(format!("{SECTION} ORDER BY position, name")))
            .fetch_all(pool)
            .await?;
    rows.into_iter().map(SectionRow::into_section).collect()
}

pub(crate) async fn section_by_slug(pool: &AnyPool, slug: &str) -> Result<Option<Section>> {
    let row: Option<SectionRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!("{SECTION} WHERE slug = $1")))
        .bind(slug)
        .fetch_optional(pool)
        .await?;
    row.map(SectionRow::into_section).transpose()
}

pub(crate) async fn create_section(pool: &AnyPool, s: &NewSection) -> Result<Section> {
    let row: SectionRow = sqlx::query_as(
        "INSERT INTO sections (slug, name, description, language, position) VALUES ($1, $2, $3, $4, $5) \
         RETURNING id, slug, name, description, language, position",
    )
    .bind(s.slug.as_str())
    .bind(&s.name)
    .bind(&s.description)
    .bind(s.language.clone())
    .bind(s.position)
    .fetch_one(pool)
    .await
    .map_err(|e| taken(e, "section slug"))?;
    row.into_section()
}

pub(crate) async fn tags(pool: &AnyPool) -> Result<Vec<Tag>> {
    let rows: Vec<TagRow> =
        sqlx::query_as(sqlx::AssertSqlSafe(format!("{TAG} ORDER BY name"))).fetch_all(pool).await?;
    rows.into_iter().map(TagRow::into_tag).collect()
}

pub(crate) async fn tag_by_slug(pool: &AnyPool, slug: &str) -> Result<Option<Tag>> {
    let row: Option<TagRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!("{TAG} WHERE slug = $1")))
        .bind(slug)
        .fetch_optional(pool)
        .await?;
    row.map(TagRow::into_tag).transpose()
}

pub(crate) async fn create_tag(pool: &AnyPool, t: &NewTag) -> Result<Tag> {
    let row: TagRow = sqlx::query_as(
        "INSERT INTO tags (slug, name, kind) VALUES ($1, $2, $3) RETURNING id, slug, name, kind",
    )
    .bind(t.slug.as_str())
    .bind(&t.name)
    .bind(t.kind.as_str())
    .fetch_one(pool)
    .await
    .map_err(|e| taken(e, "tag slug"))?;
    row.into_tag()
}

pub(crate) async fn authors(pool: &AnyPool) -> Result<Vec<Author>> {
    let rows: Vec<AuthorRow> =
        sqlx::query_as(sqlx::AssertSqlSafe(format!("{AUTHOR} ORDER BY name"))).fetch_all(pool).await?;
    rows.into_iter().map(AuthorRow::into_author).collect()
}

pub(crate) async fn author_by_slug(pool: &AnyPool, slug: &str) -> Result<Option<Author>> {
    let row: Option<AuthorRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!("{AUTHOR} WHERE slug = $1")))
        .bind(slug)
        .fetch_optional(pool)
        .await?;
    row.map(AuthorRow::into_author).transpose()
}

pub(crate) async fn create_author(pool: &AnyPool, a: &NewAuthor) -> Result<Author> {
    let row: AuthorRow = sqlx::query_as(
        "INSERT INTO authors (slug, name, bio) VALUES ($1, $2, $3) RETURNING id, slug, name, bio",
    )
    .bind(a.slug.as_str())
    .bind(&a.name)
    .bind(&a.bio)
    .fetch_one(pool)
    .await
    .map_err(|e| taken(e, "author slug"))?;
    row.into_author()
}

pub(crate) async fn sources(pool: &AnyPool) -> Result<Vec<Source>> {
    let rows: Vec<SourceRow> =
        sqlx::query_as(sqlx::AssertSqlSafe(format!("{SOURCE} ORDER BY name"))).fetch_all(pool).await?;
    rows.into_iter().map(SourceRow::into_source).collect()
}

pub(crate) async fn source_by_slug(pool: &AnyPool, slug: &str) -> Result<Option<Source>> {
    let row: Option<SourceRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!("{SOURCE} WHERE slug = $1")))
        .bind(slug)
        .fetch_optional(pool)
        .await?;
    row.map(SourceRow::into_source).transpose()
}

pub(crate) async fn create_source(pool: &AnyPool, s: &NewSource) -> Result<Source> {
    let row: SourceRow = sqlx::query_as(
        "INSERT INTO sources (slug, name, credit) VALUES ($1, $2, $3) RETURNING id, slug, name, credit",
    )
    .bind(s.slug.as_str())
    .bind(&s.name)
    .bind(&s.credit)
    .fetch_one(pool)
    .await
    .map_err(|e| taken(e, "source slug"))?;
    row.into_source()
}

/// Renames or re-slugs a row of a small table; a taken slug is a duplicate.
async fn update_row(
    pool: &AnyPool,
    sql: &'static str,
    binds: Vec<Option<String>>,
    id: i64,
    what: &'static str,
) -> Result<()> {
    let mut query = sqlx::query(sql);
    for b in binds {
        query = query.bind(b);
    }
    let done = query.bind(id).execute(pool).await.map_err(|e| taken(e, what))?;
    if done.rows_affected() == 0 { Err(StoreError::NotFound) } else { Ok(()) }
}

pub(crate) async fn update_section(pool: &AnyPool, id: i64, s: &NewSection) -> Result<()> {
    let done = sqlx::query("UPDATE sections SET slug = $1, name = $2, description = $3, language = $4, position = $5 WHERE id = $6")
        .bind(s.slug.as_str())
        .bind(&s.name)
        .bind(&s.description)
        .bind(s.language.clone())
        .bind(s.position)
        .bind(id)
        .execute(pool)
        .await
        .map_err(|e| taken(e, "section slug"))?;
    if done.rows_affected() == 0 { Err(StoreError::NotFound) } else { Ok(()) }
}

pub(crate) async fn update_tag(pool: &AnyPool, id: i64, t: &NewTag) -> Result<()> {
    let binds = vec![Some(t.slug.to_string()), Some(t.name.clone()), Some(t.kind.as_str().to_owned())];
    update_row(pool, "UPDATE tags SET slug = $1, name = $2, kind = $3 WHERE id = $4", binds, id, "tag slug")
        .await
}

pub(crate) async fn update_author(pool: &AnyPool, id: i64, a: &NewAuthor) -> Result<()> {
    let binds = vec![Some(a.slug.to_string()), Some(a.name.clone()), Some(a.bio.clone())];
    update_row(
        pool,
        "UPDATE authors SET slug = $1, name = $2, bio = $3 WHERE id = $4",
        binds,
        id,
        "author slug",
    )
    .await
}

pub(crate) async fn update_source(pool: &AnyPool, id: i64, s: &NewSource) -> Result<()> {
    let binds = vec![Some(s.slug.to_string()), Some(s.name.clone()), Some(s.credit.clone())];
    update_row(
        pool,
        "UPDATE sources SET slug = $1, name = $2, credit = $3 WHERE id = $4",
        binds,
        id,
        "source slug",
    )
    .await
}
