//! Stories: saving drafts as revisions, publishing, corrections, loading a whole story, and
//! the newest-first public lists every front page is made of.
//!
//! Public lists read `public_at`, a copy of `published_at` kept only while a story is
//! published (also on its tag and author links), so each list is one index range scan
//! however many stories the site holds.

use super::bulk::{AnyQuery, Val, insert_bound_rows, insert_bound_rows_returning};
use super::webhooks;
use crate::records::{
    AuthorRow, ImageColumns, SUMMARY_COLUMNS, SectionRow, SourceRow, StoryRow, SummaryRow, TagRow, opt_ts,
    slug, ts,
};
use crate::{Result, StoreError};
use dateline_core::html::markdown_to_html;
use dateline_core::{Actor, ContentFilter, HistoryEntry, StatusChange, Transition};
use dateline_core::{
    AdminStoryFilter, Correction, FieldError, PageRequest, Prominence, Revision, SectionId, Slug, Story,
    StoryDraft, StoryEvent, StoryFilter, StoryId, StoryImage, StoryListItem, StoryStatus, StorySummary,
    TagId, Translation, account::UserId,
};
use jiff::Timestamp;
use sqlx::{Any, AnyConnection, AnyPool, AssertSqlSafe, Row, Transaction};

/// How a story is looked up.
pub(crate) enum Key<'a> {
    Id(StoryId),
    Slug(&'a str),
}

/// Turns a foreign-key failure into a field error an editor can act on.
fn missing_reference(e: sqlx::Error) -> StoreError {
    match &e {
        sqlx::Error::Database(db) if db.is_foreign_key_violation() => {
            StoreError::Invalid(vec![FieldError::new(
                "references",
                "the section, source, a tag or an author does not exist",
            )])
        }
        _ => e.into(),
    }
}

/// Whether another story than `this` uses `slug`, or used it (a redirect).
async fn slug_in_use(conn: &mut AnyConnection, slug: &Slug, this: Option<StoryId>) -> Result<bool> {
    let clash: Option<i64> = sqlx::query_scalar(
        "SELECT id FROM stories WHERE slug = $1 AND id <> $2 \
         UNION ALL SELECT story_id FROM slug_redirects WHERE old_slug = $1 AND story_id <> $2 LIMIT 1",
    )
    .bind(slug.as_str())
    .bind(this.map_or(-1, |id| id.0))
    .fetch_optional(&mut *conn)
    .await?;
    Ok(clash.is_some())
}

/// `wanted`, or `wanted-2`, `wanted-3`... whichever no other story uses or used.
async fn unique_slug(conn: &mut AnyConnection, wanted: &Slug, this: Option<StoryId>) -> Result<Slug> {
    for n in 1..1000u32 {
        let candidate = if n == 1 { wanted.clone() } else { wanted.with_suffix(n) };
        if !slug_in_use(conn, &candidate, this).await? {
            return Ok(candidate);
        }
    }
    Err(StoreError::Duplicate("slug"))
}

/// A slug for each of `drafts` (new stories), unique on the site and among the drafts: one
/// look-up per 500 drafts, and one more per suffix tried for a headline already in use.
async fn unique_slugs(tx: &mut Transaction<'static, Any>, drafts: &[StoryDraft]) -> Result<Vec<Slug>> {
    let wanted = drafts
        .iter()
        .map(|d| {
            d.wanted_slug().ok_or_else(|| FieldError::new("slug", "cannot make a slug from the headline"))
        })
        .collect::<Result<Vec<Slug>, FieldError>>()?;
    let mut taken = std::collections::HashSet::new();
    for chunk in wanted.chunks(500) {
        let list: Vec<String> = (1..=chunk.len()).map(|n| format!("${n}")).collect();
        let list = list.join(", ");
        let sql = format!(
            "SELECT slug FROM stories WHERE slug IN ({list}) UNION ALL SELECT old_slug FROM slug_redirects WHERE old_slug IN ({list})"
        );
        // Kept prepared only at full length (a shorter one is seldom seen again).
        let query = sqlx::query_scalar::<_, String>(AssertSqlSafe(sql)).persistent(chunk.len() == 500);
        let query = chunk.iter().fold(query, |q, slug| q.bind(slug.as_str().to_owned()));
        taken.extend(query.fetch_all(&mut **tx).await?);
    }
    let mut slugs = Vec::with_capacity(wanted.len());
    for wanted in wanted {
        let mut chosen = wanted.clone();
        let mut n = 1;
        while taken.contains(chosen.as_str()) {
            n += 1;
            if n >= 1000 {
                return Err(StoreError::Duplicate("slug"));
            }
            chosen = wanted.with_suffix(n);
            if !taken.contains(chosen.as_str()) && slug_in_use(tx, &chosen, None).await? {
                taken.insert(chosen.to_string());
            }
        }
        taken.insert(chosen.to_string());
        slugs.push(chosen);
    }
    Ok(slugs)
}

pub(crate) async fn insert(
    tx: &mut Transaction<'static, Any>,
    draft: &StoryDraft,
    by: Option<UserId>,
    now: Timestamp,
) -> Result<StoryId> {
    let wanted =
        draft.wanted_slug().ok_or_else(|| FieldError::new("slug", "cannot make a slug from the headline"))?;
    let slug = unique_slug(tx, &wanted, None).await?;
    let row = bind_draft(
        sqlx::query(
            "INSERT INTO stories (slug, headline, standfirst, body_source, body_html, dateline_place, credit, \
             section_id, source_id, language, prominence, image_url, image_alt, image_caption, image_credit, \
             image_width, image_height, image_focal_x, image_focal_y, embargo_until, created_at, modified_at, \
             created_by, status, version) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, \
             $21, $22, 'draft', 1) \
             RETURNING id",
        ),
        slug.as_str(),
        draft,
    )
    .bind(now.as_second())
    .bind(by.map(|u| u.0))
    .fetch_one(&mut **tx)
    .await
    .map_err(missing_reference)?;
    let id: i64 = row.try_get(0)?;
    let id = StoryId(id);
    if draft.translation_of.is_some() {
        set_translation_of(tx, id, draft.translation_of).await?;
    }
    replace_links(tx, id, draft).await?;
    add_revision(tx, id, draft, now).await?;
    Ok(id)
}

/// Publishes new stories made from `drafts` at once (a wire source's auto-publish batch;
/// DESIGN.md section 5 asks ten thousand a second): see [`insert_new`], every story
/// published `now`, and the webhooks queued together. Returns the ids in the order of
/// `drafts`.
pub(crate) async fn publish_new(
    tx: &mut Transaction<'static, Any>,
    drafts: &[StoryDraft],
    by: &Actor,
    now: Timestamp,
) -> Result<Vec<StoryId>> {
    let rows: Vec<NewRow<'_>> = drafts
        .iter()
        .map(|draft| NewRow { draft, status: StoryStatus::Published, created_at: now, at: Some(now) })
        .collect();
    let ids = insert_new(tx, &rows, by, now).await?;
    webhooks::enqueue_many(tx, StoryEvent::Published, &ids, now).await?;
    Ok(ids)
}

/// A story for [`insert_new`]: its fields, status and times.
pub(crate) struct NewRow<'a> {
    pub draft: &'a StoryDraft,
    /// Published, draft or scheduled.
    pub status: StoryStatus,
    pub created_at: Timestamp,
    /// Published: since when; scheduled: when it is due; draft: `None`.
    pub at: Option<Timestamp>,
}

/// Inserts new stories at once: what [`insert`] and a publish or schedule write story by
/// story, as a few multi-row statements, with one change-log entry for the whole batch.
/// Slugs are made unique on the site and within the batch. The drafts must be valid and
/// not translations. Returns the ids in the order of `rows`. Queues no webhooks.
pub(crate) async fn insert_new(
    tx: &mut Transaction<'static, Any>,
    rows: &[NewRow<'_>],
    by: &Actor,
    now: Timestamp,
) -> Result<Vec<StoryId>> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let drafts: Vec<StoryDraft> = rows.iter().map(|r| r.draft.clone()).collect();
    let slugs = unique_slugs(tx, &drafts).await?;
    let at = now.as_second();
    let mut columns = DRAFT_COLUMNS.to_vec();
    columns.extend([
        "status",
        "version",
        "created_at",
        "modified_at",
        "first_published_at",
        "published_at",
        "public_at",
        "scheduled_at",
    ]);
    let published = |r: &NewRow<'_>| match r.status {
        StoryStatus::Published => r.at.map(Timestamp::as_second),
        _ => None,
    };
    let values = rows
        .iter()
        .zip(&slugs)
        .map(|(r, slug)| {
            let mut row = draft_values(slug.as_str(), r.draft);
            row.push(Val::Text(r.status.as_str().to_owned()));
            row.extend([Val::Int(1), Val::Int(r.created_at.as_second()), Val::Int(at)]);
            row.extend([published(r), published(r), published(r)].map(Val::OptInt));
            let due = (r.status == StoryStatus::Scheduled).then(|| r.at.map(Timestamp::as_second)).flatten();
            row.push(Val::OptInt(due));
            row
        })
        .collect();
    let mut ids_by_slug = std::collections::HashMap::with_capacity(rows.len());
    for row in insert_bound_rows_returning(tx, "stories", &columns, values, Some("id, slug")).await? {
        ids_by_slug.insert(row.try_get::<String, _>(1)?, StoryId(row.try_get::<i64, _>(0)?));
    }
    let ids = slugs
        .iter()
        .map(|slug| {
            ids_by_slug
                .get(slug.as_str())
                .copied()
                .ok_or_else(|| StoreError::Corrupt(format!("the story {slug} was not inserted")))
        })
        .collect::<Result<Vec<StoryId>>>()?;
    let (mut tag_rows, mut author_rows, mut revision_rows, mut history_rows, mut key_rows) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut touched = Vec::new();
    for (&id, r) in ids.iter().zip(rows) {
        let draft = r.draft;
        let public = published(r);
        let tags = first_of_each(&draft.tags);
        let authors = first_of_each(&draft.authors);
        for (position, tag) in (0..).zip(&tags) {
            tag_rows.push(vec![Val::Int(id.0), Val::Int(tag.0), Val::Int(position), Val::OptInt(public)]);
        }
        for (position, author) in (0..).zip(&authors) {
            author_rows.push(vec![
                Val::Int(id.0),
                Val::Int(author.0),
                Val::Int(position),
                Val::OptInt(public),
            ]);
        }
        let json = serde_json::to_string(draft).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        revision_rows.push(vec![Val::Int(id.0), Val::Int(1), Val::Int(at), Val::Text(json)]);
        let (transition, note) = match (r.status, r.at) {
            (StoryStatus::Published, _) => (Transition::Publish, String::new()),
            (StoryStatus::Scheduled, Some(due)) => (Transition::Schedule, due.to_string()),
            _ => continue,
        };
        history_rows.push(vec![
            Val::Int(id.0),
            Val::Int(at),
            Val::Text(transition.as_str().to_owned()),
            Val::Text(by.to_string()),
            Val::OptInt(by.user_id().map(|u| u.0)),
            Val::Text(note),
        ]);
        if public.is_some() {
            let keys = super::changes::public_keys(id, draft.section, draft.source, id, &tags, &authors);
            key_rows.push(vec![Val::Int(id.0), Val::Text(dateline_core::ChangeKey::join(&keys))]);
            touched.extend(keys);
        }
    }
    insert_bound_rows(tx, "story_tags", &["story_id", "tag_id", "position", "public_at"], tag_rows).await?;
    insert_bound_rows(tx, "story_authors", &["story_id", "author_id", "position", "public_at"], author_rows)
        .await?;
    insert_bound_rows(tx, "revisions", &["story_id", "number", "created_at", "draft_json"], revision_rows)
        .await?;
    let history = ["story_id", "at", "transition", "actor", "user_id", "note"];
    insert_bound_rows(tx, "story_history", &history, history_rows).await?;
    insert_bound_rows(tx, "story_page_keys", &["story_id", "keys"], key_rows).await?;
    touched.sort_unstable();
    touched.dedup();
    if !touched.is_empty() {
        super::changes::record(tx, &touched, at).await?;
    }
    Ok(ids)
}

/// `list` without repeats, in its order.
fn first_of_each<T: PartialEq + Copy>(list: &[T]) -> Vec<T> {
    let mut once = Vec::with_capacity(list.len());
    for &x in list {
        if !once.contains(&x) {
            once.push(x);
        }
    }
    once
}

/// The id of the tag `tag` names, made when its slug is new.
pub(crate) async fn tag_named(
    tx: &mut Transaction<'static, Any>,
    tag: &dateline_core::NewTag,
) -> Result<TagId> {
    sqlx::query("INSERT INTO tags (slug, name, kind) VALUES ($1, $2, $3) ON CONFLICT (slug) DO NOTHING")
        .bind(tag.slug.as_str())
        .bind(&tag.name)
        .bind(tag.kind.as_str())
        .execute(&mut **tx)
        .await?;
    let id: i64 = sqlx::query_scalar("SELECT id FROM tags WHERE slug = $1")
        .bind(tag.slug.as_str())
        .fetch_one(&mut **tx)
        .await?;
    Ok(TagId(id))
}

pub(crate) async fn update(
    tx: &mut Transaction<'static, Any>,
    id: StoryId,
    draft: &StoryDraft,
    expected_version: i64,
    now: Timestamp,
) -> Result<()> {
    let (version, current_slug, status): (i64, String, String) =
        sqlx::query_as("SELECT version, slug, status FROM stories WHERE id = $1")
            .bind(id.0)
            .fetch_optional(&mut **tx)
            .await?
            .ok_or(StoreError::NotFound)?;
    let status =
        StoryStatus::parse(&status).ok_or_else(|| StoreError::Corrupt(format!("story {id} status")))?;
    Transition::save_for(status).apply(status)?;
    if version != expected_version {
        return Err(StoreError::Conflict { current: version });
    }
    let slug = match &draft.slug {
        Some(wanted) if wanted.as_str() != current_slug => {
            let new = unique_slug(tx, wanted, Some(id)).await?;
            sqlx::query("DELETE FROM slug_redirects WHERE old_slug = $1")
                .bind(new.as_str())
                .execute(&mut **tx)
                .await?;
            sqlx::query("INSERT INTO slug_redirects (old_slug, story_id) VALUES ($1, $2) ON CONFLICT (old_slug) DO UPDATE SET story_id = excluded.story_id")
                .bind(&current_slug)
                .bind(id.0)
                .execute(&mut **tx)
                .await?;
            new.as_str().to_owned()
        }
        _ => current_slug,
    };
    let stamp_updated = (status == StoryStatus::Published).then_some(now.as_second());
    bind_draft(
        sqlx::query(
            "UPDATE stories SET slug = $1, headline = $2, standfirst = $3, body_source = $4, body_html = $5, \
             dateline_place = $6, credit = $7, section_id = $8, source_id = $9, language = $10, prominence = $11, \
             image_url = $12, image_alt = $13, image_caption = $14, image_credit = $15, image_width = $16, \
             image_height = $17, image_focal_x = $18, image_focal_y = $19, embargo_until = $20, modified_at = $21, \
             updated_at = COALESCE($22, updated_at), version = version + 1 \
             WHERE id = $23 AND version = $24 AND status = $25",
        ),
        &slug,
        draft,
    )
    .bind(now.as_second())
    .bind(stamp_updated)
    .bind(id.0)
    .bind(version)
    .bind(status.as_str())
    .execute(&mut **tx)
    .await
    .map_err(missing_reference)?;
    set_translation_of(tx, id, draft.translation_of).await?;
    // Also brings the public copies (and the page-cache log) up to date.
    replace_links(tx, id, draft).await?;
    add_revision(tx, id, draft, now).await?;
    if stamp_updated.is_some() {
        webhooks::enqueue(tx, StoryEvent::Updated, id, now).await?;
    }
    Ok(())
}

/// The columns an editor's draft decides, in the order both the insert and the update of a
/// story list them (`slug`, `headline` ... `image_focal_y`).
pub(crate) const DRAFT_COLUMNS: [&str; 20] = [
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
    "prominence",
    "image_url",
    "image_alt",
    "image_caption",
    "image_credit",
    "image_width",
    "image_height",
    "image_focal_x",
    "image_focal_y",
    "embargo_until",
];

/// The values of [`DRAFT_COLUMNS`] for `draft` under `slug`.
fn draft_values(slug: &str, draft: &StoryDraft) -> Vec<Val> {
    let image = draft.image.as_ref();
    vec![
        Val::Text(slug.to_owned()),
        Val::Text(draft.headline.trim().to_owned()),
        Val::Text(draft.standfirst.trim().to_owned()),
        Val::Text(draft.body.clone()),
        Val::Text(markdown_to_html(&draft.body)),
        Val::Text(draft.dateline_place.trim().to_owned()),
        Val::Text(draft.credit.trim().to_owned()),
        Val::Int(draft.section.0),
        Val::OptInt(draft.source.map(|s| s.0)),
        Val::Text(draft.language.clone()),
        Val::Int(draft.prominence as i64),
        Val::OptText(image.map(|i| i.url.clone())),
        Val::Text(image.map(|i| i.alt.clone()).unwrap_or_default()),
        Val::Text(image.map(|i| i.caption.clone()).unwrap_or_default()),
        Val::Text(image.map(|i| i.credit.clone()).unwrap_or_default()),
        Val::OptInt(image.and_then(|i| i.width).map(i64::from)),
        Val::OptInt(image.and_then(|i| i.height).map(i64::from)),
        Val::OptInt(image.and_then(|i| i.focal).map(|f| i64::from(f.0))),
        Val::OptInt(image.and_then(|i| i.focal).map(|f| i64::from(f.1))),
        Val::OptInt(draft.embargo_until.map(Timestamp::as_second)),
    ]
}

/// Binds `$1` (the slug) and `$2`..`$19`, the values of [`DRAFT_COLUMNS`].
fn bind_draft<'q>(query: AnyQuery<'q>, slug: &str, draft: &StoryDraft) -> AnyQuery<'q> {
    draft_values(slug, draft).into_iter().fold(query, |query, value| value.bind(query))
}

/// Makes `id` a translation of `original` (or of nothing). Groups stay flat: naming a
/// translation means its original, and the translations of `id` follow it into the group.
async fn set_translation_of(
    tx: &mut Transaction<'static, Any>,
    id: StoryId,
    original: Option<StoryId>,
) -> Result<()> {
    let not_found = || FieldError::new("translation_of", "there is no such story to be a translation of");
    let root = match original {
        None => None,
        Some(o) => {
            let found: Option<Option<i64>> =
                sqlx::query_scalar("SELECT translation_of FROM stories WHERE id = $1")
                    .bind(o.0)
                    .fetch_optional(&mut **tx)
                    .await?;
            let root = found.ok_or_else(not_found)?.unwrap_or(o.0);
            if root == id.0 {
                return Err(
                    FieldError::new("translation_of", "a story cannot be a translation of itself").into()
                );
            }
            Some(root)
        }
    };
    sqlx::query("UPDATE stories SET translation_of = $1 WHERE id = $2")
        .bind(root)
        .bind(id.0)
        .execute(&mut **tx)
        .await?;
    if let Some(root) = root {
        sqlx::query("UPDATE stories SET translation_of = $1 WHERE translation_of = $2")
            .bind(root)
            .bind(id.0)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

/// The published stories of `id`'s translation group, other than `id` itself.
pub(crate) async fn translations(pool: &AnyPool, id: StoryId) -> Result<Vec<Translation>> {
    let rows: Vec<(i64, String, String, String, Option<i64>)> = sqlx::query_as(
        "SELECT s.id, s.slug, s.headline, s.language, s.translation_of FROM stories me JOIN stories s \
         ON s.id = COALESCE(me.translation_of, me.id) OR s.translation_of = COALESCE(me.translation_of, me.id) \
         WHERE me.id = $1 AND s.id <> me.id AND s.public_at IS NOT NULL ORDER BY s.language, s.id",
    )
    .bind(id.0)
    .fetch_all(pool)
    .await?;
    rows.into_iter()
        .map(|(_, s, headline, language, of)| {
            Ok(Translation { slug: slug(s)?, headline, language, original: of.is_none() })
        })
        .collect()
}

/// Why a change guarded by `transition`'s from-states touched no row: the story is missing,
/// or its status (read now, after any racing change) does not allow it.
pub(crate) async fn refusal(
    tx: &mut Transaction<'static, Any>,
    id: StoryId,
    transition: Transition,
) -> StoreError {
    let row: Result<Option<(String, i64)>, _> =
        sqlx::query_as("SELECT status, version FROM stories WHERE id = $1")
            .bind(id.0)
            .fetch_optional(&mut **tx)
            .await;
    match row {
        Err(e) => e.into(),
        Ok(None) => StoreError::NotFound,
        Ok(Some((s, version))) => match StoryStatus::parse(&s) {
            Some(status) => match transition.apply(status) {
                Err(refused) => StoreError::Refused(refused),
                // Allowed now but not when the row was changed: a racing change in between.
                Ok(_) => StoreError::Conflict { current: version },
            },
            None => StoreError::Corrupt(format!("story {id} has status {s:?}")),
        },
    }
}

/// Writes one step of a story's life into its history.
pub(crate) async fn record_history(
    tx: &mut Transaction<'static, Any>,
    id: StoryId,
    transition: Transition,
    by: &Actor,
    note: &str,
    now: Timestamp,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO story_history (story_id, at, transition, actor, user_id, note) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(id.0)
    .bind(now.as_second())
    .bind(transition.as_str())
    .bind(by.to_string())
    .bind(by.user_id().map(|u| u.0))
    .bind(note.to_owned())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The change asked for, or, for a story under embargo, the publication held until the
/// embargo ends: a publish (or a schedule) before then becomes a schedule for then, whoever
/// asks, so no surface can let an embargoed story out early.
async fn within_embargo(
    tx: &mut Transaction<'static, Any>,
    id: StoryId,
    change: &StatusChange,
    now: Timestamp,
) -> Result<StatusChange> {
    let wanted = match change {
        StatusChange::Publish => now,
        StatusChange::Schedule(at) => *at,
        _ => return Ok(change.clone()),
    };
    let until: Option<i64> = sqlx::query_scalar("SELECT embargo_until FROM stories WHERE id = $1")
        .bind(id.0)
        .fetch_optional(&mut **tx)
        .await?
        .flatten();
    match until.map(crate::records::ts).transpose()? {
        Some(until) if until > wanted && until > now => Ok(StatusChange::Schedule(until)),
        _ => Ok(change.clone()),
    }
}

/// Applies a change of status, if the story's status now is one the change may start
/// from (named in the statement, so a racing change cannot slip between a check and the
/// write). Bumps the version, keeps the public copies and the change log in step, queues
/// the webhook, and writes the history.
pub(crate) async fn change_status(
    tx: &mut Transaction<'static, Any>,
    id: StoryId,
    change: &StatusChange,
    by: &Actor,
    now: Timestamp,
) -> Result<()> {
    let change = &within_embargo(tx, id, change, now).await?;
    let transition = change.transition();
    let was_public = is_public(tx, id).await?;
    let from = transition.from_sql();
    let mut note = String::new();
    let sql = match change {
        StatusChange::Publish => format!(
            "UPDATE stories SET status = 'published', first_published_at = COALESCE(first_published_at, $1), \
             published_at = COALESCE(published_at, $1), scheduled_at = NULL, modified_at = $1, version = version + 1 \
             WHERE id = $2 AND status IN {from}"
        ),
        StatusChange::Schedule(at) => {
            if *at <= now {
                return Err(
                    FieldError::new("schedule_at", "the time to publish must be in the future").into()
                );
            }
            note = at.to_string();
            format!(
                "UPDATE stories SET status = 'scheduled', scheduled_at = {}, modified_at = $1, version = version + 1 \
                 WHERE id = $2 AND status IN {from}",
                at.as_second()
            )
        }
        StatusChange::Unpublish | StatusChange::Kill | StatusChange::Reinstate { .. } => {
            if let StatusChange::Reinstate { reason } = change {
                note = reason.trim().to_owned();
                if note.is_empty() {
                    return Err(FieldError::new(
                        "reason",
                        "say why the kill is undone: it is kept in the history",
                    )
                    .into());
                }
            }
            let to = match change {
                StatusChange::Kill => StoryStatus::Killed,
                _ => StoryStatus::Unpublished,
            }
            .as_str();
            format!(
                "UPDATE stories SET status = '{to}', scheduled_at = NULL, modified_at = $1, version = version + 1 \
                 WHERE id = $2 AND status IN {from}"
            )
        }
    };
    let done = sqlx::query(AssertSqlSafe(sql)).bind(now.as_second()).bind(id.0).execute(&mut **tx).await?;
    if done.rows_affected() == 0 {
        return Err(refusal(tx, id, transition).await);
    }
    sync_public_at(tx, id).await?;
    let event = match change {
        StatusChange::Publish if !was_public => Some(StoryEvent::Published),
        StatusChange::Kill => Some(StoryEvent::Killed),
        StatusChange::Unpublish if was_public => Some(StoryEvent::Unpublished),
        _ => None,
    };
    if let Some(event) = event {
        webhooks::enqueue(tx, event, id, now).await?;
    }
    record_history(tx, id, transition, by, &note, now).await
}

/// The agency withdrew the item a story was made from: the story is killed, unless it
/// already was (a withdrawal sent twice changes nothing).
pub(crate) async fn withdraw(tx: &mut Transaction<'static, Any>, id: StoryId, now: Timestamp) -> Result<()> {
    match change_status(tx, id, &StatusChange::Kill, &Actor::System("wire withdrawal"), now).await {
        Err(StoreError::Refused(_)) => Ok(()),
        other => other,
    }
}

/// Publishes every scheduled story whose time has come, each exactly once (the status
/// check in the update makes a second runner find nothing), dated at its scheduled time.
pub(crate) async fn publish_due(tx: &mut Transaction<'static, Any>, now: Timestamp) -> Result<Vec<StoryId>> {
    // An embargo moved later after the story was scheduled holds it until then too.
    let due: Vec<i64> = sqlx::query_scalar(
        "SELECT id FROM stories WHERE status = 'scheduled' AND scheduled_at <= $1 \
         AND (embargo_until IS NULL OR embargo_until <= $1) ORDER BY scheduled_at",
    )
    .bind(now.as_second())
    .fetch_all(&mut **tx)
    .await?;
    let mut published = Vec::with_capacity(due.len());
    for id in due {
        // Dated at its time: the later of its schedule and its embargo.
        let done = sqlx::query(
            "UPDATE stories SET status = 'published', \
             first_published_at = COALESCE(first_published_at, \
               CASE WHEN embargo_until > scheduled_at THEN embargo_until ELSE scheduled_at END), \
             published_at = COALESCE(published_at, \
               CASE WHEN embargo_until > scheduled_at THEN embargo_until ELSE scheduled_at END), \
             scheduled_at = NULL, version = version + 1 \
             WHERE id = $1 AND status = 'scheduled'",
        )
        .bind(id)
        .execute(&mut **tx)
        .await?;
        if done.rows_affected() == 1 {
            sync_public_at(tx, StoryId(id)).await?;
            webhooks::enqueue(tx, StoryEvent::Published, StoryId(id), now).await?;
            record_history(tx, StoryId(id), Transition::Publish, &Actor::System("scheduler"), "", now)
                .await?;
            published.push(StoryId(id));
        }
    }
    Ok(published)
}

pub(crate) async fn add_correction(
    tx: &mut Transaction<'static, Any>,
    id: StoryId,
    note: &str,
    by: &Actor,
    now: Timestamp,
) -> Result<()> {
    let note = note.trim();
    if note.is_empty() {
        return Err(FieldError::new("note", "a correction needs a note").into());
    }
    let sql = format!(
        "UPDATE stories SET modified_at = $1, version = version + 1 WHERE id = $2 AND status IN {}",
        Transition::Correct.from_sql()
    );
    let done = sqlx::query(AssertSqlSafe(sql)).bind(now.as_second()).bind(id.0).execute(&mut **tx).await?;
    if done.rows_affected() == 0 {
        return Err(refusal(tx, id, Transition::Correct).await);
    }
    record_history(tx, id, Transition::Correct, by, note, now).await?;
    sqlx::query("INSERT INTO corrections (story_id, note, created_at) VALUES ($1, $2, $3)")
        .bind(id.0)
        .bind(note)
        .bind(now.as_second())
        .execute(&mut **tx)
        .await?;
    if is_public(tx, id).await? {
        webhooks::enqueue(tx, StoryEvent::Updated, id, now).await?;
    }
    sync_public_at(tx, id).await
}

/// The picture a story shows now, if any.
pub(crate) async fn image_of(tx: &mut Transaction<'static, Any>, id: StoryId) -> Result<Option<StoryImage>> {
    let columns: Option<ImageColumns> = sqlx::query_as(
        "SELECT image_url, image_alt, image_caption, image_credit, image_width, image_height, image_focal_x, \
         image_focal_y FROM stories WHERE id = $1",
    )
    .bind(id.0)
    .fetch_optional(&mut **tx)
    .await?;
    Ok(columns.and_then(ImageColumns::into_image).filter(|i| !i.url.is_empty()))
}

/// Gives a story `image` if it has none and was not killed, keeping everything else: no
/// "Updated" stamp (the words did not change), a new revision with the picture so history and
/// restores see it, `story.updated` for webhooks when public, and the pages it is on
/// refreshed. Whether the picture was given.
pub(crate) async fn attach_image(
    tx: &mut Transaction<'static, Any>,
    id: StoryId,
    image: &StoryImage,
    now: Timestamp,
) -> Result<bool> {
    let sql = format!(
        "UPDATE stories SET image_url = $1, image_alt = $2, image_caption = $3, image_credit = $4, image_width = $5, \
         image_height = $6, image_focal_x = $7, image_focal_y = $8, modified_at = $9, version = version + 1 \
         WHERE id = $10 AND (image_url IS NULL OR image_url = '') AND status IN {}",
        Transition::AttachWirePicture.from_sql()
    );
    let done = sqlx::query(AssertSqlSafe(sql))
        .bind(image.url.clone())
        .bind(image.alt.clone())
        .bind(image.caption.clone())
        .bind(image.credit.clone())
        .bind(image.width.map(i64::from))
        .bind(image.height.map(i64::from))
        .bind(image.focal.map(|f| i64::from(f.0)))
        .bind(image.focal.map(|f| i64::from(f.1)))
        .bind(now.as_second())
        .bind(id.0)
        .execute(&mut **tx)
        .await?;
    if done.rows_affected() == 0 {
        return Ok(false);
    }
    let latest: Option<String> = sqlx::query_scalar(
        "SELECT draft_json FROM revisions WHERE story_id = $1 ORDER BY number DESC LIMIT 1",
    )
    .bind(id.0)
    .fetch_optional(&mut **tx)
    .await?;
    if let Some(json) = latest {
        let mut draft: StoryDraft = serde_json::from_str(&json)
            .map_err(|e| StoreError::Corrupt(format!("the newest revision of story {id}: {e}")))?;
        draft.image = Some(image.clone());
        add_revision(tx, id, &draft, now).await?;
    }
    if is_public(tx, id).await? {
        webhooks::enqueue(tx, StoryEvent::Updated, id, now).await?;
    }
    sync_public_at(tx, id).await?;
    Ok(true)
}

/// Whether the story is on the public site right now.
async fn is_public(tx: &mut Transaction<'static, Any>, id: StoryId) -> Result<bool> {
    let status: Option<String> = sqlx::query_scalar("SELECT status FROM stories WHERE id = $1")
        .bind(id.0)
        .fetch_optional(&mut **tx)
        .await?;
    Ok(status.as_deref() == Some(StoryStatus::Published.as_str()))
}

/// Copies `published_at` into `public_at` (story, tag links, author links) while the story
/// is published, and clears it otherwise; logs the pages the change touches. Every change
/// to a story ends here.
pub(crate) async fn sync_public_at(tx: &mut Transaction<'static, Any>, id: StoryId) -> Result<()> {
    sqlx::query(
        "UPDATE stories SET public_at = CASE WHEN status = 'published' THEN published_at ELSE NULL END WHERE id = $1",
    )
    .bind(id.0)
    .execute(&mut **tx)
    .await?;
    for table in ["story_tags", "story_authors"] {
        let sql = format!(
            "UPDATE {table} SET public_at = (SELECT public_at FROM stories WHERE id = $1) WHERE story_id = $1"
        );
        sqlx::query(AssertSqlSafe(sql)).bind(id.0).execute(&mut **tx).await?;
    }
    super::changes::story_changed(tx, id).await
}

async fn replace_links(tx: &mut Transaction<'static, Any>, id: StoryId, draft: &StoryDraft) -> Result<()> {
    sqlx::query("DELETE FROM story_tags WHERE story_id = $1").bind(id.0).execute(&mut **tx).await?;
    sqlx::query("DELETE FROM story_authors WHERE story_id = $1").bind(id.0).execute(&mut **tx).await?;
    for (position, tag) in (0i64..).zip(&draft.tags) {
        sqlx::query(
            "INSERT INTO story_tags (story_id, tag_id, position) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
        )
        .bind(id.0)
        .bind(tag.0)
        .bind(position)
        .execute(&mut **tx)
        .await
        .map_err(missing_reference)?;
    }
    for (position, author) in (0i64..).zip(&draft.authors) {
        sqlx::query("INSERT INTO story_authors (story_id, author_id, position) VALUES ($1, $2, $3)")
            .bind(id.0)
            .bind(author.0)
            .bind(position)
            .execute(&mut **tx)
            .await
            .map_err(missing_reference)?;
    }
    sync_public_at(tx, id).await
}

async fn add_revision(
    tx: &mut Transaction<'static, Any>,
    id: StoryId,
    draft: &StoryDraft,
    now: Timestamp,
) -> Result<()> {
    let json = serde_json::to_string(draft).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    sqlx::query(
        "INSERT INTO revisions (story_id, number, created_at, draft_json) \
         SELECT $1, COALESCE(MAX(number), 0) + 1, $2, $3 FROM revisions WHERE story_id = $1",
    )
    .bind(id.0)
    .bind(now.as_second())
    .bind(json)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// A story's history, oldest first.
pub(crate) async fn history(pool: &AnyPool, id: StoryId) -> Result<Vec<HistoryEntry>> {
    let rows: Vec<(i64, String, String, String)> = sqlx::query_as(
        "SELECT at, transition, actor, note FROM story_history WHERE story_id = $1 ORDER BY id",
    )
    .bind(id.0)
    .fetch_all(pool)
    .await?;
    rows.into_iter()
        .map(|(at, transition, actor, note)| Ok(HistoryEntry { at: ts(at)?, transition, actor, note }))
        .collect()
}

const STORY_COLUMNS: &str = "s.id, s.slug, s.headline, s.standfirst, s.body_source, s.body_html, s.dateline_place, \
     s.credit, s.section_id, s.source_id, s.language, s.status, s.prominence, s.image_url, s.image_alt, \
     s.image_caption, s.image_credit, s.image_width, s.image_height, s.image_focal_x, s.image_focal_y, \
     s.created_at, s.first_published_at, s.published_at, s.updated_at, s.modified_at, s.version, \
     s.scheduled_at, s.created_by, s.translation_of, s.embargo_until, s.live_from, s.live_until";

/// Loads a whole story: its row, section, source, tags, authors and corrections.
pub(crate) async fn load(pool: &AnyPool, key: Key<'_>) -> Result<Option<Story>> {
    let query = match key {
        Key::Id(id) => {
            sqlx::query_as(AssertSqlSafe(format!("SELECT {STORY_COLUMNS} FROM stories s WHERE s.id = $1")))
                .bind(id.0)
        }
        Key::Slug(slug) => {
            sqlx::query_as(AssertSqlSafe(format!("SELECT {STORY_COLUMNS} FROM stories s WHERE s.slug = $1")))
                .bind(slug)
        }
    };
    let Some(row): Option<StoryRow> = query.fetch_optional(pool).await? else {
        return Ok(None);
    };
    // The parts of a story are independent reads: ask for them at once.
    let section = sqlx::query_as::<_, SectionRow>(
        "SELECT id, slug, name, description, language, position FROM sections WHERE id = $1",
    )
    .bind(row.section_id)
    .fetch_one(pool);
    let source = sqlx::query_as::<_, SourceRow>("SELECT id, slug, name, credit FROM sources WHERE id = $1")
        .bind(row.source_id.unwrap_or(-1))
        .fetch_optional(pool);
    let tags = sqlx::query_as::<_, TagRow>(
        "SELECT t.id, t.slug, t.name, t.kind FROM story_tags st JOIN tags t ON t.id = st.tag_id \
         WHERE st.story_id = $1 ORDER BY st.position",
    )
    .bind(row.id)
    .fetch_all(pool);
    let authors = sqlx::query_as::<_, AuthorRow>(
        "SELECT a.id, a.slug, a.name, a.bio FROM story_authors sa JOIN authors a ON a.id = sa.author_id \
         WHERE sa.story_id = $1 ORDER BY sa.position",
    )
    .bind(row.id)
    .fetch_all(pool);
    let corrections = sqlx::query_as::<_, (String, i64)>(
        "SELECT note, created_at FROM corrections WHERE story_id = $1 ORDER BY created_at, id",
    )
    .bind(row.id)
    .fetch_all(pool);
    let (section, source, tags, authors, corrections) =
        tokio::try_join!(section, source, tags, authors, corrections)?;
    Ok(Some(Story {
        id: StoryId(row.id),
        status: row.status()?,
        slug: slug(row.slug)?,
        headline: row.headline,
        standfirst: row.standfirst,
        body_source: row.body_source,
        body_html: row.body_html,
        dateline_place: row.dateline_place,
        credit: row.credit,
        section: section.into_section()?,
        source: source.map(SourceRow::into_source).transpose()?,
        tags: tags.into_iter().map(TagRow::into_tag).collect::<Result<_>>()?,
        authors: authors.into_iter().map(AuthorRow::into_author).collect::<Result<_>>()?,
        language: row.language,
        prominence: Prominence::from_i64(row.prominence),
        image: row.image.into_image(),
        created_at: ts(row.created_at)?,
        first_published_at: opt_ts(row.first_published_at)?,
        published_at: opt_ts(row.published_at)?,
        updated_at: opt_ts(row.updated_at)?,
        modified_at: ts(row.modified_at)?,
        corrections: corrections
            .into_iter()
            .map(|(note, at)| Ok(Correction { note, created_at: ts(at)? }))
            .collect::<Result<_>>()?,
        version: row.version,
        translation_of: row.translation_of.map(StoryId),
        scheduled_at: opt_ts(row.scheduled_at)?,
        created_by: row.created_by.map(UserId),
        embargo_until: opt_ts(row.embargo_until)?,
        coverage: match row.live_from {
            Some(start) => Some(dateline_core::Coverage { start: ts(start)?, end: opt_ts(row.live_until)? }),
            None => None,
        },
    }))
}

pub(crate) async fn revisions(pool: &AnyPool, id: StoryId) -> Result<Vec<Revision>> {
    let rows: Vec<(i64, i64, String)> = sqlx::query_as(
        "SELECT number, created_at, draft_json FROM revisions WHERE story_id = $1 ORDER BY number",
    )
    .bind(id.0)
    .fetch_all(pool)
    .await?;
    rows.into_iter()
        .map(|(number, at, json)| {
            let draft = serde_json::from_str(&json)
                .map_err(|e| StoreError::Corrupt(format!("revision {number}: {e}")))?;
            Ok(Revision { story: id, number, created_at: ts(at)?, draft })
        })
        .collect()
}

pub(crate) async fn published(
    pool: &AnyPool,
    filter: StoryFilter,
    page: PageRequest,
) -> Result<Vec<StorySummary>> {
    let base = format!("SELECT {SUMMARY_COLUMNS} FROM stories s JOIN sections sec ON sec.id = s.section_id");
    let by_story = "ORDER BY s.public_at DESC, s.id DESC LIMIT $1 OFFSET $2";
    let by_link = "ORDER BY l.public_at DESC, l.story_id DESC LIMIT $1 OFFSET $2";
    let (sql, key) = match filter {
        StoryFilter::All => (format!("{base} WHERE s.public_at IS NOT NULL {by_story}"), None),
        StoryFilter::Section(id) => {
            (format!("{base} WHERE s.section_id = $3 AND s.public_at IS NOT NULL {by_story}"), Some(id.0))
        }
        StoryFilter::Source(id) => {
            (format!("{base} WHERE s.source_id = $3 AND s.public_at IS NOT NULL {by_story}"), Some(id.0))
        }
        StoryFilter::Tag(id) => (
            format!(
                "{base} JOIN story_tags l ON l.story_id = s.id WHERE l.tag_id = $3 AND l.public_at IS NOT NULL {by_link}"
            ),
            Some(id.0),
        ),
        StoryFilter::Author(id) => (
            format!(
                "{base} JOIN story_authors l ON l.story_id = s.id WHERE l.author_id = $3 AND l.public_at IS NOT NULL {by_link}"
            ),
            Some(id.0),
        ),
    };
    let mut query = sqlx::query_as(AssertSqlSafe(sql))
        .bind(i64::from(page.limit))
        .bind(i64::try_from(page.offset).unwrap_or(i64::MAX));
    if let Some(key) = key {
        query = query.bind(key);
    }
    let rows: Vec<SummaryRow> = query.fetch_all(pool).await?;
    rows.into_iter().map(SummaryRow::into_summary).collect()
}

pub(crate) async fn published_per_section(
    pool: &AnyPool,
    sections: &[SectionId],
    limit: u32,
) -> Result<Vec<StorySummary>> {
    if sections.is_empty() {
        return Ok(Vec::new());
    }
    let parts: Vec<String> = (1..=sections.len())
        .map(|n| {
            format!(
                "SELECT * FROM (SELECT {SUMMARY_COLUMNS} FROM stories s JOIN sections sec ON sec.id = s.section_id \
                 WHERE s.section_id = ${} AND s.public_at IS NOT NULL ORDER BY s.public_at DESC, s.id DESC LIMIT $1) AS q{n}",
                n + 1
            )
        })
        .collect();
    let mut query = sqlx::query_as(AssertSqlSafe(parts.join(" UNION ALL "))).bind(i64::from(limit));
    for id in sections {
        query = query.bind(id.0);
    }
    let rows: Vec<SummaryRow> = query.fetch_all(pool).await?;
    rows.into_iter().map(SummaryRow::into_summary).collect()
}

pub(crate) async fn prominent(pool: &AnyPool, limit: u32) -> Result<Vec<StorySummary>> {
    let rows: Vec<SummaryRow> = sqlx::query_as(AssertSqlSafe(format!(
        "SELECT {SUMMARY_COLUMNS} FROM stories s JOIN sections sec ON sec.id = s.section_id \
         WHERE s.public_at IS NOT NULL AND s.prominence > 0 ORDER BY s.prominence DESC, s.public_at DESC, s.id DESC LIMIT $1"
    )))
    .bind(i64::from(limit))
    .fetch_all(pool)
    .await?;
    rows.into_iter().map(SummaryRow::into_summary).collect()
}

/// The newsroom's list: stories in any status, last saved first.
pub(crate) async fn admin_list(
    pool: &AnyPool,
    filter: &AdminStoryFilter,
    page: PageRequest,
) -> Result<Vec<StoryListItem>> {
    let mut conditions = vec!["1 = 1".to_owned()];
    let mut n = 2;
    let mut next = |cond: &str| {
        n += 1;
        cond.replace('?', &format!("${n}"))
    };
    if filter.status.is_some() {
        conditions.push(next("s.status = ?"));
    }
    if filter.section.is_some() {
        conditions.push(next("s.section_id = ?"));
    }
    if filter.author.is_some() {
        conditions.push(next(
            "EXISTS (SELECT 1 FROM story_authors fa WHERE fa.story_id = s.id AND fa.author_id = ?)",
        ));
    }
    if filter.query.is_some() {
        conditions.push(next("LOWER(s.headline) LIKE ?"));
    }
    let sql = format!(
        "SELECT s.id, s.slug, s.headline, s.status, sec.name AS section_name, s.modified_at, s.published_at, s.scheduled_at, \
         (SELECT COALESCE(STRING_AGG(a.name, ', ' ORDER BY sa.position), '') FROM story_authors sa JOIN authors a ON a.id = sa.author_id WHERE sa.story_id = s.id) AS authors \
         FROM stories s JOIN sections sec ON sec.id = s.section_id WHERE {} ORDER BY s.modified_at DESC, s.id DESC LIMIT $1 OFFSET $2",
        conditions.join(" AND ")
    );
    let mut query = sqlx::query_as::<_, ListRow>(AssertSqlSafe(sql))
        .bind(i64::from(page.limit))
        .bind(i64::try_from(page.offset).unwrap_or(i64::MAX));
    if let Some(status) = filter.status {
        query = query.bind(status.as_str());
    }
    if let Some(section) = filter.section {
        query = query.bind(section.0);
    }
    if let Some(author) = filter.author {
        query = query.bind(author.0);
    }
    if let Some(q) = &filter.query {
        let escaped = q.to_lowercase().replace(['%', '_'], " ");
        query = query.bind(format!("%{}%", escaped.trim()));
    }
    let rows = query.fetch_all(pool).await?;
    rows.into_iter()
        .map(|r| {
            Ok(StoryListItem {
                id: StoryId(r.id),
                slug: slug(r.slug)?,
                headline: r.headline,
                status: StoryStatus::parse(&r.status)
                    .ok_or_else(|| StoreError::Corrupt(format!("story status {:?}", r.status)))?,
                section_name: r.section_name,
                authors: r.authors,
                modified_at: ts(r.modified_at)?,
                published_at: opt_ts(r.published_at)?,
                scheduled_at: opt_ts(r.scheduled_at)?,
            })
        })
        .collect()
}

#[derive(sqlx::FromRow)]
struct ListRow {
    id: i64,
    slug: String,
    headline: String,
    status: String,
    section_name: String,
    modified_at: i64,
    published_at: Option<i64>,
    scheduled_at: Option<i64>,
    authors: String,
}

/// How many stories are in each status.
pub(crate) async fn status_counts(pool: &AnyPool) -> Result<Vec<(StoryStatus, u64)>> {
    let rows: Vec<(String, i64)> =
        sqlx::query_as("SELECT status, COUNT(*) FROM stories GROUP BY status").fetch_all(pool).await?;
    Ok(rows
        .into_iter()
        .filter_map(|(s, n)| StoryStatus::parse(&s).map(|s| (s, u64::try_from(n).unwrap_or(0))))
        .collect())
}

/// Published stories matching `filter`, newest first, as ids.
pub(crate) async fn published_ids(
    pool: &AnyPool,
    filter: &ContentFilter,
    page: PageRequest,
) -> Result<Vec<StoryId>> {
    let mut conditions = vec!["s.public_at IS NOT NULL".to_owned()];
    let mut values = Vec::new();
    let mut add = |cond: &str, value: i64| {
        values.push(value);
        conditions.push(cond.replace('?', &format!("${}", values.len() + 2)));
    };
    if let Some(id) = filter.section {
        add("s.section_id = ?", id.0);
    }
    if let Some(id) = filter.source {
        add("s.source_id = ?", id.0);
    }
    if let Some(id) = filter.tag {
        add("EXISTS (SELECT 1 FROM story_tags ft WHERE ft.story_id = s.id AND ft.tag_id = ?)", id.0);
    }
    if let Some(id) = filter.author {
        add("EXISTS (SELECT 1 FROM story_authors fa WHERE fa.story_id = s.id AND fa.author_id = ?)", id.0);
    }
    if let Some(since) = filter.changed_since {
        add("s.modified_at >= ?", since.as_second());
    }
    let sql = format!(
        "SELECT s.id FROM stories s WHERE {} ORDER BY s.public_at DESC, s.id DESC LIMIT $1 OFFSET $2",
        conditions.join(" AND ")
    );
    let mut query = sqlx::query_scalar::<_, i64>(AssertSqlSafe(sql))
        .bind(i64::from(page.limit))
        .bind(i64::try_from(page.offset).unwrap_or(i64::MAX));
    for v in values {
        query = query.bind(v);
    }
    Ok(query.fetch_all(pool).await?.into_iter().map(StoryId).collect())
}

/// Public stories after `after`, by id, with tag and author slugs (three queries a batch,
/// the same three every batch: prepared once per connection).
pub(crate) async fn texts(
    pool: &AnyPool,
    after: StoryId,
    limit: u32,
) -> Result<Vec<dateline_core::StoryText>> {
    let texts =
        texts_where(pool, "s.id > $1 ORDER BY s.id LIMIT $2", &[after.0, i64::from(limit)], true).await?;
    let (Some(first), Some(last)) = (texts.first().map(|t| t.id.0), texts.last().map(|t| t.id.0)) else {
        return Ok(texts);
    };
    with_links(pool, texts, "l.story_id BETWEEN $1 AND $2", &[first, last], true).await
}

/// The public ones of the stories `ids`, by id, with tag and author slugs. The lists of ids
/// are written into the statements, which are not kept prepared: each is used once.
pub(crate) async fn texts_of(pool: &AnyPool, ids: &[StoryId]) -> Result<Vec<dateline_core::StoryText>> {
    let mut texts = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(500) {
        let list: Vec<String> = chunk.iter().map(|id| id.0.to_string()).collect();
        let list = list.join(", ");
        let found = texts_where(pool, &format!("s.id IN ({list}) ORDER BY s.id"), &[], false).await?;
        texts.extend(with_links(pool, found, &format!("l.story_id IN ({list})"), &[], false).await?);
    }
    Ok(texts)
}

/// Public stories matching `condition` (with `binds`), which must order them by id. A
/// statement made for one call only is not `persistent`: kept prepared, a thousand of them
/// would hold tens of megabytes in every connection.
async fn texts_where(
    pool: &AnyPool,
    condition: &str,
    binds: &[i64],
    persistent: bool,
) -> Result<Vec<dateline_core::StoryText>> {
    type Row = (i64, String, String, String, String, String, Option<String>, String, i64);
    let sql = format!(
        "SELECT s.id, s.slug, s.headline, s.standfirst, s.body_html, sec.slug, src.slug, s.language, s.public_at \
         FROM stories s JOIN sections sec ON sec.id = s.section_id LEFT JOIN sources src ON src.id = s.source_id \
         WHERE s.public_at IS NOT NULL AND {condition}"
    );
    let query = sqlx::query_as::<_, Row>(AssertSqlSafe(sql)).persistent(persistent);
    let rows = binds.iter().fold(query, |q, v| q.bind(*v)).fetch_all(pool).await?;
    rows.into_iter()
        .map(|(id, slug, headline, standfirst, body_html, section, source, language, public_at)| {
            Ok(dateline_core::StoryText {
                id: StoryId(id),
                slug,
                headline,
                standfirst,
                body_html,
                section,
                tags: Vec::new(),
                authors: Vec::new(),
                source,
                language,
                published_at: ts(public_at)?,
            })
        })
        .collect()
}

/// `texts` (by id) with their tag and author slugs, read from the links matching `condition`.
async fn with_links(
    pool: &AnyPool,
    mut texts: Vec<dateline_core::StoryText>,
    condition: &str,
    binds: &[i64],
    persistent: bool,
) -> Result<Vec<dateline_core::StoryText>> {
    if texts.is_empty() {
        return Ok(texts);
    }
    for (table, column, other) in
        [("story_tags", "tag_id", "tags"), ("story_authors", "author_id", "authors")]
    {
        let sql = format!(
            "SELECT l.story_id, o.slug FROM {table} l JOIN {other} o ON o.id = l.{column} \
             WHERE {condition} AND l.public_at IS NOT NULL ORDER BY l.story_id, l.position"
        );
        let query = sqlx::query_as::<_, (i64, String)>(AssertSqlSafe(sql)).persistent(persistent);
        for (story, slug) in binds.iter().fold(query, |q, v| q.bind(*v)).fetch_all(pool).await? {
            if let Ok(at) = texts.binary_search_by_key(&story, |t| t.id.0) {
                if other == "tags" { texts[at].tags.push(slug) } else { texts[at].authors.push(slug) }
            }
        }
    }
    Ok(texts)
}
