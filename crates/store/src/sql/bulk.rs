//! Bulk loading of finished stories (demo content, imports): multi-row inserts with ids
//! chosen up front, so a million stories load in minutes instead of hours. Wire copy
//! published in bulk (`stories::publish_new`) uses the same multi-row statements. Our own rows are
//! written as literals ([`insert_rows`], the fastest); rows carrying text from outside (wire
//! items) are bound ([`insert_bound_rows`]).

use crate::{Backend, BulkStory, Result, StoreError};
use sqlx::any::AnyRow;
use sqlx::{Any, AssertSqlSafe, Transaction};

/// One bound value of a bulk row.
pub(crate) enum Val {
    Int(i64),
    OptInt(Option<i64>),
    Text(String),
    OptText(Option<String>),
}

/// Rows per statement: large enough that per-statement overhead vanishes, small enough that
/// one statement stays around a megabyte of SQL.
const ROWS_PER_STATEMENT: usize = 500;

/// A query with its parameters bound so far.
pub(crate) type AnyQuery<'q> = sqlx::query::Query<'q, Any, sqlx::any::AnyArguments>;

impl Val {
    /// Binds the value as the query's next parameter.
    pub(crate) fn bind(self, query: AnyQuery<'_>) -> AnyQuery<'_> {
        match self {
            Self::Int(v) => query.bind(v),
            Self::OptInt(v) => query.bind(v),
            Self::Text(v) => query.bind(v),
            Self::OptText(v) => query.bind(v),
        }
    }

    /// Writes the value as an SQL literal. Bound parameters cost several microseconds each in
    /// the driver, which is most of the time of a bulk load; literals cost almost nothing.
    /// Text is quoted the standard way (quotes doubled, which both engines read the same with
    /// `standard_conforming_strings` on, PostgreSQL's default, set for the transaction);
    /// NUL characters, which neither engine stores in text, are dropped.
    pub(crate) fn write_sql(&self, out: &mut String) {
        match self {
            Self::Int(v) | Self::OptInt(Some(v)) => out.push_str(&v.to_string()),
            Self::OptInt(None) | Self::OptText(None) => out.push_str("NULL"),
            Self::Text(t) | Self::OptText(Some(t)) => {
                out.push('\'');
                for c in t.chars() {
                    match c {
                        '\'' => out.push_str("''"),
                        '\0' => {}
                        c => out.push(c),
                    }
                }
                out.push('\'');
            }
        }
    }
}

pub(crate) async fn insert_rows(
    tx: &mut Transaction<'static, Any>,
    table: &str,
    columns: &[&str],
    rows: Vec<Vec<Val>>,
) -> Result<()> {
    for chunk in rows.chunks(ROWS_PER_STATEMENT) {
        let mut sql = format!("INSERT INTO {table} ({}) VALUES ", columns.join(", "));
        for (i, row) in chunk.iter().enumerate() {
            sql.push_str(if i == 0 { "(" } else { ", (" });
            for (c, val) in row.iter().enumerate() {
                if c > 0 {
                    sql.push_str(", ");
                }
                val.write_sql(&mut sql);
            }
            sql.push(')');
        }
        sqlx::raw_sql(AssertSqlSafe(sql)).execute(&mut **tx).await?;
    }
    Ok(())
}

/// Bound parameters per statement of [`insert_bound_rows`], under SQLite's limit (32,766)
/// and PostgreSQL's (65,535).
const PARAMETERS_PER_STATEMENT: usize = 10_000;

/// Inserts `rows` with every value bound, never written into the SQL, so what a value holds
/// (quotes, backslashes) cannot matter whatever the server's settings: for text from
/// outside, such as wire items. Many rows per statement still, so a batch stays fast.
pub(crate) async fn insert_bound_rows(
    tx: &mut Transaction<'static, Any>,
    table: &str,
    columns: &[&str],
    rows: Vec<Vec<Val>>,
) -> Result<()> {
    insert_bound_rows_returning(tx, table, columns, rows, None).await.map(drop)
}

/// [`insert_bound_rows`], returning the `returning` columns of every row inserted (in no
/// promised order: neither engine promises the order of `RETURNING` rows).
pub(crate) async fn insert_bound_rows_returning(
    tx: &mut Transaction<'static, Any>,
    table: &str,
    columns: &[&str],
    rows: Vec<Vec<Val>>,
    returning: Option<&str>,
) -> Result<Vec<AnyRow>> {
    let per_statement = (PARAMETERS_PER_STATEMENT / columns.len().max(1)).clamp(1, ROWS_PER_STATEMENT);
    // SQLite's parameters are bound by position (`?`): the driver looks each numbered one up
    // by name, which walks the statement's list of names, a cost that grows with the square
    // of the parameters (most of the time of a batch of 10,000 wire items). PostgreSQL
    // only knows numbered ones.
    let positional = tx.backend_name() == "SQLite";
    let mut returned = Vec::new();
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<Vec<Val>> = rows.by_ref().take(per_statement).collect();
        let mut sql = format!("INSERT INTO {table} ({}) VALUES ", columns.join(", "));
        let mut n = 0;
        for (i, row) in chunk.iter().enumerate() {
            sql.push_str(if i == 0 { "(" } else { ", (" });
            for c in 0..row.len() {
                n += 1;
                sql.push_str(if c == 0 { "" } else { ", " });
                if positional {
                    sql.push('?');
                } else {
                    sql.push_str(&format!("${n}"));
                }
            }
            sql.push(')');
        }
        if let Some(columns) = returning {
            sql.push_str(" RETURNING ");
            sql.push_str(columns);
        }
        // Full statements are the same every time and kept prepared; the last, shorter one
        // of a batch is seldom seen again and is not (each kept statement holds memory).
        let mut query = sqlx::query(AssertSqlSafe(sql)).persistent(chunk.len() == per_statement);
        for val in chunk.into_iter().flatten() {
            query = val.bind(query);
        }
        returned.extend(query.fetch_all(&mut **tx).await?);
    }
    Ok(returned)
}

pub(crate) async fn insert(
    tx: &mut Transaction<'static, Any>,
    backend: Backend,
    stories: &[BulkStory],
) -> Result<()> {
    if backend == Backend::Postgres {
        sqlx::query("SET LOCAL standard_conforming_strings = on").execute(&mut **tx).await?;
    }
    let first_id: i64 =
        sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) + 1 FROM stories").fetch_one(&mut **tx).await?;
    let mut story_rows = Vec::with_capacity(stories.len());
    let mut tag_rows = Vec::new();
    let mut author_rows = Vec::new();
    let mut correction_rows = Vec::new();
    let mut revision_rows = Vec::with_capacity(stories.len());
    for (id, s) in (first_id..).zip(stories) {
        let published = s.published_at.map(|t| t.as_second());
        let public = (s.status == dateline_core::StoryStatus::Published).then_some(published).flatten();
        let modified = s.updated_at.or(s.published_at).unwrap_or(s.created_at).as_second();
        let draft = s.draft();
        story_rows.push(vec![
            Val::Int(id),
            Val::Text(s.slug.to_string()),
            Val::Text(s.headline.clone()),
            Val::Text(s.standfirst.clone()),
            Val::Text(s.body_source.clone()),
            Val::Text(s.body_html.clone()),
            Val::Text(s.dateline_place.clone()),
            Val::Text(s.credit.clone()),
            Val::Int(s.section.0),
            Val::OptInt(s.source.map(|x| x.0)),
            Val::Text(s.language.clone()),
            Val::Text(s.status.as_str().to_owned()),
            Val::Int(s.prominence as i64),
            Val::OptText(s.image.as_ref().map(|i| i.url.clone())),
            Val::Text(s.image.as_ref().map(|i| i.alt.clone()).unwrap_or_default()),
            Val::Text(s.image.as_ref().map(|i| i.caption.clone()).unwrap_or_default()),
            Val::Text(s.image.as_ref().map(|i| i.credit.clone()).unwrap_or_default()),
            Val::OptInt(s.image.as_ref().and_then(|i| i.width).map(i64::from)),
            Val::OptInt(s.image.as_ref().and_then(|i| i.height).map(i64::from)),
            Val::OptInt(s.image.as_ref().and_then(|i| i.focal).map(|f| i64::from(f.0))),
            Val::OptInt(s.image.as_ref().and_then(|i| i.focal).map(|f| i64::from(f.1))),
            Val::Int(s.created_at.as_second()),
            Val::OptInt(published),
            Val::OptInt(published),
            Val::OptInt(s.updated_at.map(|t| t.as_second())),
            Val::Int(modified),
            Val::OptInt(public),
        ]);
        for (pos, tag) in (0..).zip(&s.tags) {
            tag_rows.push(vec![Val::Int(id), Val::Int(tag.0), Val::Int(pos), Val::OptInt(public)]);
        }
        for (pos, author) in (0..).zip(&s.authors) {
            author_rows.push(vec![Val::Int(id), Val::Int(author.0), Val::Int(pos), Val::OptInt(public)]);
        }
        for c in &s.corrections {
            correction_rows.push(vec![
                Val::Int(id),
                Val::Text(c.note.clone()),
                Val::Int(c.created_at.as_second()),
            ]);
        }
        let json = serde_json::to_string(&draft).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        revision_rows.push(vec![
            Val::Int(id),
            Val::Int(1),
            Val::Int(s.created_at.as_second()),
            Val::Text(json),
        ]);
    }
    insert_rows(
        tx,
        "stories",
        &[
            "id",
            "slug",
            "headline",
            "standfirst",
            "body_source",
            "body_html",
            "dateline_place",
            "credit",
            "section_id",
            "source_id",
            "language",
            "status",
            "prominence",
            "image_url",
            "image_alt",
            "image_caption",
            "image_credit",
            "image_width",
            "image_height",
            "image_focal_x",
            "image_focal_y",
            "created_at",
            "first_published_at",
            "published_at",
            "updated_at",
            "modified_at",
            "public_at",
        ],
        story_rows,
    )
    .await?;
    insert_rows(tx, "story_tags", &["story_id", "tag_id", "position", "public_at"], tag_rows).await?;
    insert_rows(tx, "story_authors", &["story_id", "author_id", "position", "public_at"], author_rows)
        .await?;
    insert_rows(tx, "corrections", &["story_id", "note", "created_at"], correction_rows).await?;
    insert_rows(tx, "revisions", &["story_id", "number", "created_at", "draft_json"], revision_rows).await?;
    if backend == Backend::Postgres {
        sqlx::query("SELECT setval(pg_get_serial_sequence('stories', 'id'), (SELECT MAX(id) FROM stories))")
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}
