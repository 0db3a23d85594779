//! Wire ingest in the store: a source's configuration, and taking in a batch of parsed items
//! in one transaction — the raw payload kept, each item identified by (source, guid), the
//! same item again ignored, a newer version updating its story, a withdrawal killing it,
//! and new items published at once or held for the wire desk as the source says.

use super::bulk::{Val, insert_bound_rows};
use super::stories;
use crate::{Result, StoreError};
use dateline_core::{Actor, ChangeKey, StatusChange};
use dateline_core::{
    AuthorId, FieldError, IncomingItem, IngestAction, NewAuthor, NewTag, Prominence, SectionId, Slug,
    SourceId, StoryDraft, StoryId, StoryImage, StoryStatus, TagId, TagKind, WireConfig,
};
use dateline_core::{
    DeskAction, DuePoll, PollOutcome, PollStatus, Source, WireListItem, WireSource, fingerprint,
};
use jiff::Timestamp;
use sqlx::{Any, AnyPool, Transaction};

pub(crate) async fn configure(
    pool: &AnyPool,
    id: SourceId,
    config: &WireConfig,
    push_token_hash: Option<&str>,
) -> Result<()> {
    // A source that stops being pushed to loses its push token here, whoever forgot to ask.
    let done = sqlx::query(
        "UPDATE sources SET kind = $1, location = $2, section_id = $3, byline = $4, language = $5, auto_publish = $6, \
         push_token_hash = CASE WHEN $1 LIKE 'push-%' THEN COALESCE($7, push_token_hash) ELSE NULL END \
         WHERE id = $8",
    )
    .bind(&config.kind)
    .bind(config.location.clone())
    .bind(config.section.map(|s| s.0))
    .bind(&config.byline)
    .bind(config.language.clone())
    .bind(i64::from(config.auto_publish))
    .bind(push_token_hash.map(str::to_owned))
    .bind(id.0)
    .execute(pool)
    .await
    .map_err(|e| match StoreError::from(e) {
        StoreError::Database(_) => StoreError::Invalid(vec![FieldError::new("section", "no such section")]),
        other => other,
    })?;
    if done.rows_affected() == 0 { Err(StoreError::NotFound) } else { Ok(()) }
}

/// Sets (rotates) or clears a source's push token hash; setting one is refused for a source
/// that is not a push source.
pub(crate) async fn set_push_token(pool: &AnyPool, id: SourceId, hash: Option<&str>) -> Result<()> {
    let done = sqlx::query(
        "UPDATE sources SET push_token_hash = $1 WHERE id = $2 AND ($1 IS NULL OR kind LIKE 'push-%')",
    )
    .bind(hash.map(str::to_owned))
    .bind(id.0)
    .execute(pool)
    .await?;
    if done.rows_affected() > 0 {
        return Ok(());
    }
    let exists: Option<i64> =
        sqlx::query_scalar("SELECT id FROM sources WHERE id = $1").bind(id.0).fetch_optional(pool).await?;
    match exists {
        None => Err(StoreError::NotFound),
        Some(_) => {
            Err(StoreError::Invalid(vec![FieldError::new("kind", "only push sources have a push token")]))
        }
    }
}

pub(crate) async fn source_by_push_token(pool: &AnyPool, hash: &str) -> Result<Option<SourceId>> {
    let id: Option<i64> = sqlx::query_scalar("SELECT id FROM sources WHERE push_token_hash = $1")
        .bind(hash)
        .fetch_optional(pool)
        .await?;
    Ok(id.map(SourceId))
}

struct SourceRules {
    credit: String,
    section: SectionId,
    byline: String,
    language: String,
    auto_publish: bool,
}

async fn rules(tx: &mut Transaction<'static, Any>, id: SourceId) -> Result<SourceRules> {
    let (credit, section, byline, language, auto): (String, Option<i64>, String, Option<String>, i64) =
        sqlx::query_as(
            "SELECT credit, section_id, byline, language, auto_publish FROM sources WHERE id = $1",
        )
        .bind(id.0)
        .fetch_optional(&mut **tx)
        .await?
        .ok_or(StoreError::NotFound)?;
    let section = match section {
        Some(s) => s,
        None => sqlx::query_scalar("SELECT id FROM sections ORDER BY position, id LIMIT 1")
            .fetch_optional(&mut **tx)
            .await?
            .ok_or_else(|| {
                StoreError::Invalid(vec![FieldError::new("section", "the site has no section for wire copy")])
            })?,
    };
    let site_language = sqlx::query_scalar::<_, String>("SELECT json FROM site_settings WHERE id = 1")
        .fetch_optional(&mut **tx)
        .await?
        .and_then(|j| serde_json::from_str::<serde_json::Value>(&j).ok())
        .and_then(|v| v["language"].as_str().map(str::to_owned))
        .unwrap_or_else(|| "en".into());
    Ok(SourceRules {
        credit,
        section: SectionId(section),
        byline,
        language: language.unwrap_or(site_language),
        auto_publish: auto != 0,
    })
}

/// The tags and authors a batch of items named, looked up (or made) once each.
#[derive(Default)]
struct Names {
    tags: std::collections::HashMap<String, Option<TagId>>,
    authors: std::collections::HashMap<String, Option<AuthorId>>,
}

impl Names {
    async fn tag(&mut self, tx: &mut Transaction<'static, Any>, name: &str) -> Result<Option<TagId>> {
        if let Some(&id) = self.tags.get(name) {
            return Ok(id);
        }
        let id = tag_named(tx, name).await?;
        self.tags.insert(name.to_owned(), id);
        Ok(id)
    }

    async fn author(&mut self, tx: &mut Transaction<'static, Any>, name: &str) -> Result<Option<AuthorId>> {
        if let Some(&id) = self.authors.get(name) {
            return Ok(id);
        }
        let id = author_named(tx, name).await?;
        self.authors.insert(name.to_owned(), id);
        Ok(id)
    }
}

async fn tag_named(tx: &mut Transaction<'static, Any>, name: &str) -> Result<Option<TagId>> {
    let Some(slug) = Slug::from_title(name) else { return Ok(None) };
    let found: Option<i64> = sqlx::query_scalar("SELECT id FROM tags WHERE slug = $1")
        .bind(slug.as_str())
        .fetch_optional(&mut **tx)
        .await?;
    if let Some(id) = found {
        return Ok(Some(TagId(id)));
    }
    let tag = NewTag { slug, name: name.to_owned(), kind: TagKind::Topic };
    let id: i64 = sqlx::query_scalar("INSERT INTO tags (slug, name, kind) VALUES ($1, $2, $3) RETURNING id")
        .bind(tag.slug.as_str())
        .bind(&tag.name)
        .bind(tag.kind.as_str())
        .fetch_one(&mut **tx)
        .await?;
    Ok(Some(TagId(id)))
}

async fn author_named(tx: &mut Transaction<'static, Any>, name: &str) -> Result<Option<AuthorId>> {
    let name = name.trim().trim_start_matches("By ").trim_start_matches("by ").trim();
    let Some(slug) = Slug::from_title(name) else { return Ok(None) };
    let found: Option<i64> = sqlx::query_scalar("SELECT id FROM authors WHERE slug = $1")
        .bind(slug.as_str())
        .fetch_optional(&mut **tx)
        .await?;
    if let Some(id) = found {
        return Ok(Some(AuthorId(id)));
    }
    let author = NewAuthor { slug, name: name.to_owned(), bio: String::new() };
    let id: i64 =
        sqlx::query_scalar("INSERT INTO authors (slug, name, bio) VALUES ($1, $2, $3) RETURNING id")
            .bind(author.slug.as_str())
            .bind(&author.name)
            .bind(&author.bio)
            .fetch_one(&mut **tx)
            .await?;
    Ok(Some(AuthorId(id)))
}

/// The story draft a wire item becomes under its source's rules.
async fn draft_for(
    tx: &mut Transaction<'static, Any>,
    source: SourceId,
    rules: &SourceRules,
    names: &mut Names,
    item: &IncomingItem,
) -> Result<StoryDraft> {
    let mut tags = Vec::new();
    for name in item.categories.iter().take(8) {
        if let Some(id) = names.tag(tx, name).await?
            && !tags.contains(&id)
        {
            tags.push(id);
        }
    }
    let bylines: Vec<&str> = if rules.byline.trim().is_empty() {
        item.authors.iter().map(String::as_str).take(3).collect()
    } else {
        vec![rules.byline.as_str()]
    };
    let mut authors = Vec::new();
    for name in bylines {
        if let Some(id) = names.author(tx, name).await?
            && !authors.contains(&id)
        {
            authors.push(id);
        }
    }
    Ok(StoryDraft {
        headline: item.title.clone(),
        standfirst: item.summary.clone(),
        body: item.body_html.clone(),
        dateline_place: item.place.clone(),
        credit: rules.credit.clone(),
        section: rules.section,
        source: Some(source),
        tags,
        authors,
        language: item
            .language
            .clone()
            .filter(|l| dateline_core::language::is_language_tag(l))
            .unwrap_or_else(|| rules.language.clone()),
        slug: None,
        image: library_picture(tx, item, &rules.credit).await?,
        prominence: Prominence::Normal,
        translation_of: None,
        embargo_until: item.embargoed,
    })
}

/// The item's picture as a story made from it shows it, once the picture is in the media
/// library (the newsroom's wire pictures fetch it after the item is stored).
async fn library_picture(
    tx: &mut Transaction<'static, Any>,
    item: &IncomingItem,
    source_credit: &str,
) -> Result<Option<StoryImage>> {
    let Some(picture) = &item.picture else { return Ok(None) };
    let media = super::media::by_origin(tx, &picture.url).await?;
    Ok(media.map(|m| picture.story_image(&m, source_credit)))
}

/// Gives the story made from item (`source`, `guid`) the item's picture, when the picture is
/// in the library and the story has none yet; the story given it, if one was.
pub(crate) async fn attach_picture(
    tx: &mut Transaction<'static, Any>,
    source: SourceId,
    guid: &str,
    now: Timestamp,
) -> Result<Option<StoryId>> {
    let row: Option<(String, Option<i64>, String)> = sqlx::query_as(
        "SELECT w.item_json, w.story_id, s.credit FROM wire_items w JOIN sources s ON s.id = w.source_id \
         WHERE w.source_id = $1 AND w.guid = $2",
    )
    .bind(source.0)
    .bind(guid)
    .fetch_optional(&mut **tx)
    .await?;
    let Some((json, Some(story), credit)) = row else { return Ok(None) };
    let item: IncomingItem = serde_json::from_str(&json)
        .map_err(|e| StoreError::Corrupt(format!("wire item {guid:?} of source {source}: {e}")))?;
    let Some(image) = library_picture(tx, &item, &credit).await? else { return Ok(None) };
    let story = StoryId(story);
    Ok(stories::attach_image(tx, story, &image, now).await?.then_some(story))
}

/// Takes in `items` received from `source` as `raw`, all in one transaction.
pub(crate) async fn ingest(
    tx: &mut Transaction<'static, Any>,
    source: SourceId,
    raw: &[u8],
    items: &[IncomingItem],
    now: Timestamp,
) -> Result<Vec<IngestAction>> {
    let rules = rules(tx, source).await?;
    sqlx::query("INSERT INTO wire_payloads (source_id, received_at, raw) VALUES ($1, $2, $3)")
        .bind(source.0)
        .bind(now.as_second())
        .bind(raw.to_vec())
        .execute(&mut **tx)
        .await?;
    // The common case in bulk — items never seen, held for the desk or published at once —
    // is written with one look-up and a few multi-row inserts per batch; an item seen before
    // goes on its own.
    let mut known = known_guids(tx, source, items).await?;
    let groups = Groups::load(tx, source, now).await?;
    let mut names = Names::default();
    let mut actions = Vec::with_capacity(items.len());
    let mut batch = Vec::new();
    for item in items {
        if !known.insert(item.guid.clone()) {
            // Rows queued so far must exist before an item is looked up one by one (the
            // same guid may come twice in one batch, in two versions).
            write_new(tx, source, std::mem::take(&mut batch), &mut actions, now).await?;
            actions.push(ingest_one(tx, source, &rules, &mut names, item, now).await?);
            continue;
        }
        let fingerprint = fingerprint_of(item);
        let group = groups.find(fingerprint);
        let draft = if rules.auto_publish && !item.withdrawn {
            Some(draft_for(tx, source, &rules, &mut names, item).await?)
                .filter(|d| d.validate().is_ok() && d.wanted_slug().is_some())
        } else {
            None
        };
        actions.push(match (&draft, item.withdrawn) {
            // Replaced by `Published` once the story exists.
            (Some(_), _) | (None, false) => IngestAction::Held,
            (None, true) => IngestAction::Killed(None),
        });
        batch.push(NewItem { action: actions.len() - 1, item, draft, fingerprint, group });
    }
    write_new(tx, source, batch, &mut actions, now).await?;
    groups.touch_joined_stories(tx, now).await?;
    Ok(actions)
}

/// An item never seen before, waiting to be written with the rest of its batch.
struct NewItem<'a> {
    /// Where its action is in the list returned.
    action: usize,
    item: &'a IncomingItem,
    /// The story to publish, for a source that auto-publishes (and a draft that is valid).
    draft: Option<StoryDraft>,
    fingerprint: Option<u64>,
    group: Option<i64>,
}

/// Writes a batch of new items: the stories of those published first (all together), then
/// every item's row, in the batch's order.
async fn write_new(
    tx: &mut Transaction<'static, Any>,
    source: SourceId,
    batch: Vec<NewItem<'_>>,
    actions: &mut [IngestAction],
    now: Timestamp,
) -> Result<()> {
    let by = Actor::System("wire auto-publish");
    // An item under embargo is published all the same, as a story scheduled for the
    // embargo's end: on no public surface until then, everywhere within a second after.
    let embargo = |new: &NewItem<'_>| new.draft.as_ref().and_then(|d| d.embargo_until).filter(|t| *t > now);
    let drafts: Vec<StoryDraft> =
        batch.iter().filter(|n| embargo(n).is_none()).filter_map(|n| n.draft.clone()).collect();
    let mut stories = stories::publish_new(tx, &drafts, &by, now).await?.into_iter();
    let embargoed: Vec<stories::NewRow<'_>> = batch
        .iter()
        .filter_map(|n| {
            let (draft, until) = (n.draft.as_ref()?, embargo(n)?);
            Some(stories::NewRow {
                draft,
                status: dateline_core::StoryStatus::Scheduled,
                created_at: now,
                at: Some(until),
            })
        })
        .collect();
    let mut scheduled = stories::insert_new(tx, &embargoed, &by, now).await?.into_iter();
    let mut rows = Vec::with_capacity(batch.len());
    for new in batch {
        let (state, story) = match (&new.draft, new.item.withdrawn) {
            (Some(_), _) if embargo(&new).is_some() => {
                let id = scheduled
                    .next()
                    .ok_or_else(|| StoreError::Corrupt("a story was not scheduled".into()))?;
                actions[new.action] = IngestAction::Scheduled(id);
                ("published", Some(id))
            }
            (Some(_), _) => {
                let id =
                    stories.next().ok_or_else(|| StoreError::Corrupt("a story was not published".into()))?;
                actions[new.action] = IngestAction::Published(id);
                ("published", Some(id))
            }
            (None, true) => ("killed", None),
            (None, false) => ("waiting", None),
        };
        let at = now.as_second();
        rows.push(vec![
            Val::Int(source.0),
            Val::Text(new.item.guid.clone()),
            Val::OptInt(new.item.version),
            Val::Text(new.item.content_hash.clone()),
            Val::Text(new.item.title.clone()),
            Val::Text(state.into()),
            Val::Text(serde_json::to_string(new.item).unwrap_or_default()),
            Val::OptInt(story.map(|s| s.0)),
            Val::Int(at),
            Val::Int(at),
            Val::OptInt(new.fingerprint.map(|f| f as i64)),
            Val::OptInt(new.group),
        ]);
    }
    let columns = [
        "source_id",
        "guid",
        "version",
        "content_hash",
        "title",
        "state",
        "item_json",
        "story_id",
        "received_at",
        "changed_at",
        "fingerprint",
        "cluster_id",
    ];
    insert_bound_rows(tx, "wire_items", &columns, rows).await
}

/// How far back a new item looks for the same story from other agencies.
const GROUP_WINDOW_SECS: i64 = 48 * 3600;

/// The fingerprint of an item's text, for grouping near-duplicates.
fn fingerprint_of(item: &IncomingItem) -> Option<u64> {
    fingerprint::simhash(&format!("{}\n{}\n{}", item.title, item.summary, item.body_html))
}

/// Recent items of the other sources, as (fingerprint, group) pairs: a new item joins the
/// group of the nearest one, so the same story from several agencies is seen as one.
struct Groups {
    recent: Vec<(u64, i64)>,
    /// Groups that new items joined: their stories now name another agency.
    joined: std::sync::Mutex<std::collections::BTreeSet<i64>>,
}

impl Groups {
    async fn load(tx: &mut Transaction<'static, Any>, source: SourceId, now: Timestamp) -> Result<Self> {
        let others: Vec<i64> = sqlx::query_scalar("SELECT id FROM sources WHERE id <> $1")
            .bind(source.0)
            .fetch_all(&mut **tx)
            .await?;
        let mut recent = Vec::new();
        for other in others {
            // One index range per source (source_id, received_at).
            let rows: Vec<(i64, i64)> = sqlx::query_as(
                "SELECT fingerprint, COALESCE(cluster_id, id) FROM wire_items \
                 WHERE source_id = $1 AND received_at >= $2 AND fingerprint IS NOT NULL",
            )
            .bind(other)
            .bind(now.as_second() - GROUP_WINDOW_SECS)
            .fetch_all(&mut **tx)
            .await?;
            recent.extend(rows.into_iter().map(|(f, g)| (f as u64, g)));
        }
        Ok(Self { recent, joined: Default::default() })
    }

    /// Logs a page change for each published story of a group that gained a member, so
    /// that its "Also carried by" line is current.
    async fn touch_joined_stories(&self, tx: &mut Transaction<'static, Any>, now: Timestamp) -> Result<()> {
        let joined = std::mem::take(&mut *self.joined.lock().unwrap_or_else(|e| e.into_inner()));
        for group in joined {
            let stories: Vec<i64> = sqlx::query_scalar(
                "SELECT story_id FROM wire_items WHERE (cluster_id = $1 OR id = $1) AND story_id IS NOT NULL",
            )
            .bind(group)
            .fetch_all(&mut **tx)
            .await?;
            if !stories.is_empty() {
                let keys: Vec<ChangeKey> = stories.iter().map(|id| ChangeKey::Story(StoryId(*id))).collect();
                super::changes::record(tx, &keys, now.as_second()).await?;
            }
        }
        Ok(())
    }

    /// The group of the nearest recent item from another agency, when one is near enough.
    fn find(&self, fingerprint: Option<u64>) -> Option<i64> {
        let fingerprint = fingerprint?;
        self.recent
            .iter()
            .map(|&(f, group)| ((f ^ fingerprint).count_ones(), group))
            .filter(|&(distance, _)| distance <= fingerprint::NEAR)
            .min_by_key(|&(distance, _)| distance)
            .map(|(_, group)| {
                self.joined.lock().unwrap_or_else(|e| e.into_inner()).insert(group);
                group
            })
    }
}

/// Which of the items' guids this source has sent before.
async fn known_guids(
    tx: &mut Transaction<'static, Any>,
    source: SourceId,
    items: &[IncomingItem],
) -> Result<std::collections::HashSet<String>> {
    let mut known = std::collections::HashSet::new();
    for chunk in items.chunks(500) {
        // The guids are bound ($2, $3...), never written into the SQL.
        let list: Vec<String> = (2..chunk.len() + 2).map(|n| format!("${n}")).collect();
        let sql =
            format!("SELECT guid FROM wire_items WHERE source_id = $1 AND guid IN ({})", list.join(", "));
        // Kept prepared only at full length (a shorter one is seldom seen again).
        let mut query =
            sqlx::query_scalar(sqlx::AssertSqlSafe(sql)).persistent(chunk.len() == 500).bind(source.0);
        for item in chunk {
            query = query.bind(item.guid.clone());
        }
        let found: Vec<String> = query.fetch_all(&mut **tx).await?;
        known.extend(found);
    }
    Ok(known)
}

type Existing = (i64, Option<i64>, String, String, Option<i64>);

/// Takes in an item this source sent before: a newer version updates the story made from it
/// (or the item the desk sees), a withdrawal kills it.
async fn ingest_one(
    tx: &mut Transaction<'static, Any>,
    source: SourceId,
    rules: &SourceRules,
    names: &mut Names,
    item: &IncomingItem,
    now: Timestamp,
) -> Result<IngestAction> {
    let existing: Option<Existing> = sqlx::query_as(
        "SELECT id, version, content_hash, state, story_id FROM wire_items WHERE source_id = $1 AND guid = $2",
    )
    .bind(source.0)
    .bind(&item.guid)
    .fetch_optional(&mut **tx)
    .await?;
    let Some((row_id, version, hash, state, story)) = existing else {
        return Err(StoreError::Corrupt(format!("wire item {:?} of source {source} is missing", item.guid)));
    };
    let story = story.map(StoryId);
    let older = matches!((item.version, version), (Some(new), Some(old)) if new <= old);
    if hash == item.content_hash || (older && !item.withdrawn) || state == "killed" {
        return Ok(IngestAction::Unchanged);
    }
    if item.withdrawn {
        if let Some(id) = story {
            stories::withdraw(tx, id, now).await?;
        }
        save_item(tx, row_id, item, "killed", now).await?;
        return Ok(IngestAction::Killed(story));
    }
    if let (Some(id), "published") = (story, state.as_str()) {
        let current: Option<(i64, String, String, Option<i64>)> =
            sqlx::query_as("SELECT version, status, slug, translation_of FROM stories WHERE id = $1")
                .bind(id.0)
                .fetch_optional(&mut **tx)
                .await?;
        if let Some((story_version, status, slug, translation_of)) = current
            && status == StoryStatus::Published.as_str()
        {
            // The agency's new version replaces the text; what the desk decided stays, and so
            // does the picture the story has.
            let mut draft = draft_for(tx, source, rules, names, item).await?;
            draft.slug = Slug::parse(&slug).ok();
            draft.translation_of = translation_of.map(StoryId);
            if let Some(image) = stories::image_of(tx, id).await? {
                draft.image = Some(image);
            }
            if draft.validate().is_ok() {
                stories::update(tx, id, &draft, story_version, now).await?;
                save_item(tx, row_id, item, "published", now).await?;
                return Ok(IngestAction::Updated(id));
            }
        }
    }
    save_item(tx, row_id, item, if state == "published" { "published" } else { "waiting" }, now).await?;
    Ok(IngestAction::Held)
}

async fn save_item(
    tx: &mut Transaction<'static, Any>,
    row: i64,
    item: &IncomingItem,
    state: &str,
    now: Timestamp,
) -> Result<()> {
    // Changes to an item the desk already acted on are flagged for the desk to see; a
    // drafted item stays drafted.
    sqlx::query(
        "UPDATE wire_items SET version = $1, content_hash = $2, title = $3, \
         flagged = CASE WHEN state IN ('published', 'drafted', 'ignored') OR $4 = 'killed' THEN 1 ELSE flagged END, \
         state = CASE WHEN state = 'drafted' AND $4 = 'waiting' THEN 'drafted' ELSE $4 END, \
         item_json = $5, changed_at = $6 WHERE id = $7",
    )
    .bind(item.version)
    .bind(&item.content_hash)
    .bind(&item.title)
    .bind(state)
    .bind(serde_json::to_string(item).unwrap_or_default())
    .bind(now.as_second())
    .bind(row)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

#[derive(sqlx::FromRow)]
struct ListRow {
    id: i64,
    source_id: i64,
    grp: i64,
    source: String,
    guid: String,
    version: Option<i64>,
    title: String,
    state: String,
    flagged: i64,
    story_id: Option<i64>,
    received_at: i64,
    changed_at: i64,
    item_json: String,
}

impl ListRow {
    fn into_item(self) -> Result<WireListItem> {
        Ok(WireListItem {
            id: self.id,
            source: self.source,
            guid: self.guid,
            version: self.version,
            title: self.title,
            state: self.state,
            flagged: self.flagged != 0,
            story: self.story_id.map(StoryId),
            received_at: crate::records::ts(self.received_at)?,
            changed_at: crate::records::ts(self.changed_at)?,
            item: serde_json::from_str(&self.item_json)
                .map_err(|e| StoreError::Corrupt(format!("wire item {}: {e}", self.id)))?,
            also: Vec::new(),
        })
    }
}

const LIST: &str = "SELECT w.id, w.source_id, COALESCE(w.cluster_id, w.id) AS grp, s.name AS source, w.guid, w.version, w.title, w.state, w.flagged, w.story_id, \
     w.received_at, w.changed_at, w.item_json FROM wire_items w JOIN sources s ON s.id = w.source_id";

/// The desk's list, last changed first, optionally for one source or in one state.
pub(crate) async fn list(
    pool: &AnyPool,
    source: Option<SourceId>,
    state: Option<&str>,
    limit: u32,
) -> Result<Vec<WireListItem>> {
    let sql = format!(
        "{LIST} WHERE ($1 = 0 OR w.source_id = $1) AND ($2 = '' OR w.state = $2) ORDER BY w.changed_at DESC, w.id DESC LIMIT $3"
    );
    let rows: Vec<ListRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(source.map_or(0, |s| s.0))
        .bind(state.unwrap_or("").to_owned())
        .bind(i64::from(limit))
        .fetch_all(pool)
        .await?;
    with_group_sources(pool, rows).await
}

/// The desk's items, each with the other agencies that carried the same story.
async fn with_group_sources(pool: &AnyPool, rows: Vec<ListRow>) -> Result<Vec<WireListItem>> {
    let mut members: Vec<(i64, i64, String)> = Vec::new();
    if !rows.is_empty() {
        let mut list = String::new();
        for (i, row) in rows.iter().enumerate() {
            list.push_str(if i == 0 { "" } else { ", " });
            list.push_str(&row.grp.to_string());
        }
        members = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT DISTINCT COALESCE(w.cluster_id, w.id), w.source_id, s.name FROM wire_items w \
             JOIN sources s ON s.id = w.source_id WHERE w.cluster_id IN ({list}) OR w.id IN ({list}) ORDER BY s.name"
        )))
        .persistent(false) // the list of ids makes it a statement for this call only
        .fetch_all(pool)
        .await?;
    }
    rows.into_iter()
        .map(|row| {
            let also = members
                .iter()
                .filter(|(group, source, _)| *group == row.grp && *source != row.source_id)
                .map(|(_, _, name)| name.clone());
            let mut also: Vec<String> = also.collect();
            also.dedup();
            let mut item = row.into_item()?;
            item.also = also;
            Ok(item)
        })
        .collect()
}

/// The other agencies whose copy of the same story (a near-duplicate of the item `story`
/// was made from) came in, and was not withdrawn.
pub(crate) async fn also_carried_by(pool: &AnyPool, story: StoryId) -> Result<Vec<Source>> {
    let mine: Option<(i64, i64)> = sqlx::query_as(
        "SELECT COALESCE(cluster_id, id), source_id FROM wire_items WHERE story_id = $1 ORDER BY id LIMIT 1",
    )
    .bind(story.0)
    .fetch_optional(pool)
    .await?;
    let Some((group, source)) = mine else { return Ok(Vec::new()) };
    let rows: Vec<crate::records::SourceRow> = sqlx::query_as(
        "SELECT DISTINCT s.id, s.slug, s.name, s.credit FROM wire_items w JOIN sources s ON s.id = w.source_id \
         WHERE (w.cluster_id = $1 OR w.id = $1) AND w.source_id <> $2 AND w.state <> 'killed' ORDER BY s.name",
    )
    .bind(group)
    .bind(source)
    .fetch_all(pool)
    .await?;
    rows.into_iter().map(crate::records::SourceRow::into_source).collect()
}

pub(crate) async fn get(pool: &AnyPool, id: i64) -> Result<Option<WireListItem>> {
    let row: Option<ListRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!("{LIST} WHERE w.id = $1")))
        .bind(id)
        .fetch_optional(pool)
        .await?;
    Ok(with_group_sources(pool, row.into_iter().collect()).await?.pop())
}

/// The desk acts on an item: publish it as is, make a draft to edit, or ignore it.
pub(crate) async fn act(
    tx: &mut Transaction<'static, Any>,
    id: i64,
    action: DeskAction,
    by: &Actor,
    now: Timestamp,
) -> Result<Option<StoryId>> {
    let (source, state, json, story): (i64, String, String, Option<i64>) =
        sqlx::query_as("SELECT source_id, state, item_json, story_id FROM wire_items WHERE id = $1")
            .bind(id)
            .fetch_optional(&mut **tx)
            .await?
            .ok_or(StoreError::NotFound)?;
    if state == "killed" {
        return Err(StoreError::Invalid(vec![FieldError::new("state", "the agency withdrew this item")]));
    }
    let source = SourceId(source);
    let item: IncomingItem = serde_json::from_str(&json).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let (story, new_state) = match action {
        DeskAction::Ignore => (story.map(StoryId), "ignored"),
        DeskAction::Publish | DeskAction::Draft if story.is_some() => {
            return Err(StoreError::Invalid(vec![FieldError::new(
                "state",
                "a story was already made from this item",
            )]));
        }
        DeskAction::Publish | DeskAction::Draft => {
            let rules = rules(tx, source).await?;
            let draft = draft_for(tx, source, &rules, &mut Names::default(), &item).await?;
            draft.validate().map_err(StoreError::Invalid)?;
            let id = stories::insert(tx, &draft, None, now).await?;
            if action == DeskAction::Publish {
                stories::change_status(tx, id, &StatusChange::Publish, by, now).await?;
                (Some(id), "published")
            } else {
                (Some(id), "drafted")
            }
        }
    };
    sqlx::query(
        "UPDATE wire_items SET state = $1, story_id = $2, flagged = 0, changed_at = $3 WHERE id = $4",
    )
    .bind(new_state)
    .bind(story.map(|s| s.0))
    .bind(now.as_second())
    .bind(id)
    .execute(&mut **tx)
    .await?;
    Ok(story)
}

/// Polled kinds of source.
const POLLED: &str = "('rss', 'atom', 'jsonfeed', 'drop-newsml')";

pub(crate) async fn set_polling(pool: &AnyPool, id: SourceId, seconds: i64, now: Timestamp) -> Result<()> {
    let done =
        sqlx::query("UPDATE sources SET poll_seconds = $1, next_poll_at = $2, failures = 0 WHERE id = $3")
            .bind(seconds.max(1))
            .bind(now.as_second())
            .bind(id.0)
            .execute(pool)
            .await?;
    if done.rows_affected() == 0 { Err(StoreError::NotFound) } else { Ok(()) }
}

/// Claims the polled sources whose time has come, for `lease_secs`, so that another node
/// skips them meanwhile.
pub(crate) async fn claim_polls(
    pool: &AnyPool,
    now: Timestamp,
    lease_secs: i64,
    limit: u32,
) -> Result<Vec<DuePoll>> {
    type DueRow = (i64, String, String, Option<String>, Option<String>, i64);
    let due: Vec<DueRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT id, kind, location, etag, last_modified, next_poll_at FROM sources \
         WHERE kind IN {POLLED} AND location IS NOT NULL AND next_poll_at <= $1 ORDER BY next_poll_at LIMIT $2"
    )))
    .bind(now.as_second())
    .bind(i64::from(limit))
    .fetch_all(pool)
    .await?;
    let mut claimed = Vec::new();
    for (id, kind, url, etag, last_modified, at) in due {
        let done = sqlx::query("UPDATE sources SET next_poll_at = $1 WHERE id = $2 AND next_poll_at = $3")
            .bind(now.as_second() + lease_secs)
            .bind(id)
            .bind(at)
            .execute(pool)
            .await?;
        if done.rows_affected() == 1 {
            claimed.push(DuePoll { source: SourceId(id), kind, url, etag, last_modified });
        }
    }
    Ok(claimed)
}

/// Makes a claimed source due again at `now` (its poll was cut off before it was recorded).
pub(crate) async fn release_poll(pool: &AnyPool, id: SourceId, now: Timestamp) -> Result<()> {
    sqlx::query("UPDATE sources SET next_poll_at = $1 WHERE id = $2 AND next_poll_at > $1")
        .bind(now.as_second())
        .bind(id.0)
        .execute(pool)
        .await?;
    Ok(())
}

/// Records a poll: the next one at the source's interval after a success, later and later
/// (doubling, at most an hour) after failures.
pub(crate) async fn record_poll(
    pool: &AnyPool,
    id: SourceId,
    now: Timestamp,
    outcome: &PollOutcome,
) -> Result<()> {
    match outcome {
        PollOutcome::Success { etag, last_modified } => {
            sqlx::query(
                "UPDATE sources SET failures = 0, last_success_at = $1, next_poll_at = $1 + poll_seconds, \
                 etag = COALESCE($2, etag), last_modified = COALESCE($3, last_modified) WHERE id = $4",
            )
            .bind(now.as_second())
            .bind(etag.clone())
            .bind(last_modified.clone())
            .bind(id.0)
            .execute(pool)
            .await?;
        }
        PollOutcome::Failure { error } => {
            let (seconds, failures): (i64, i64) =
                sqlx::query_as("SELECT poll_seconds, failures FROM sources WHERE id = $1")
                    .bind(id.0)
                    .fetch_one(pool)
                    .await?;
            let wait = (seconds.max(1) << failures.clamp(0, 12)).min(3600);
            sqlx::query(
                "UPDATE sources SET failures = failures + 1, last_error = $1, last_error_at = $2, next_poll_at = $3 WHERE id = $4",
            )
            .bind(error.chars().take(500).collect::<String>())
            .bind(now.as_second())
            .bind(now.as_second() + wait)
            .bind(id.0)
            .execute(pool)
            .await?;
        }
    }
    Ok(())
}

/// A source's polling state, for editors.
pub(crate) async fn poll_status(pool: &AnyPool, id: SourceId) -> Result<PollStatus> {
    let sources = wire_sources(pool, Some(id)).await?;
    Ok(sources.into_iter().next().ok_or(StoreError::NotFound)?.status)
}

#[derive(sqlx::FromRow)]
struct WireSourceRow {
    id: i64,
    slug: String,
    name: String,
    credit: String,
    kind: String,
    location: Option<String>,
    section_id: Option<i64>,
    byline: String,
    language: Option<String>,
    auto_publish: i64,
    poll_seconds: i64,
    has_token: i64,
    last_success_at: Option<i64>,
    last_error: Option<String>,
    last_error_at: Option<i64>,
    failures: i64,
}

/// Every source (or one) with its wire settings and polling state, by name.
pub(crate) async fn wire_sources(pool: &AnyPool, only: Option<SourceId>) -> Result<Vec<WireSource>> {
    let rows: Vec<WireSourceRow> = sqlx::query_as(
        "SELECT id, slug, name, credit, kind, location, section_id, byline, language, auto_publish, poll_seconds, \
         CASE WHEN push_token_hash IS NULL THEN 0 ELSE 1 END AS has_token, \
         last_success_at, last_error, last_error_at, failures \
         FROM sources WHERE ($1 = 0 OR id = $1) ORDER BY name",
    )
    .bind(only.map_or(0, |s| s.0))
    .fetch_all(pool)
    .await?;
    rows.into_iter()
        .map(|r| {
            Ok(WireSource {
                source: Source {
                    id: SourceId(r.id),
                    slug: crate::records::slug(r.slug)?,
                    name: r.name,
                    credit: r.credit,
                },
                config: WireConfig {
                    kind: r.kind,
                    location: r.location,
                    section: r.section_id.map(SectionId),
                    byline: r.byline,
                    language: r.language,
                    auto_publish: r.auto_publish != 0,
                },
                poll_seconds: r.poll_seconds,
                has_push_token: r.has_token != 0,
                status: PollStatus {
                    last_success_at: crate::records::opt_ts(r.last_success_at)?,
                    last_error: r.last_error,
                    last_error_at: crate::records::opt_ts(r.last_error_at)?,
                    failures: r.failures,
                },
            })
        })
        .collect()
}
