//! The SQL implementation of [`Store`] for both backends, over `sqlx::Any`. This file opens
//! the pool and holds the trait implementation; the queries live beside it, one module per
//! subject: `stories` (and the lifecycle's guarded status changes), `taxonomy`, `accounts`,
//! `media`, `wire`, `webhooks`, `locks` (who has a story open), `changes` (the change log) and
//! `bulk`.

mod accounts;
mod autosaves;
mod bulk;
pub(crate) mod changes;
mod embeds;
mod fronts;
mod imports;
mod live;
mod locks;
mod media;
pub(crate) mod purges;
mod stories;
mod taxonomy;
mod views;
mod webhooks;
mod wire;

use crate::{Backend, BulkStory, Location, Result, SessionChoice, Store, StoreError};
use async_trait::async_trait;
use dateline_core::account::{ApiToken, NewUser, Session, SessionInfo, TokenScope, User, UserId};
use dateline_core::throttle::{Reservation, Throttle};
use dateline_core::{Actor, ChangeKey, HistoryEntry, StatusChange, Transition};
use dateline_core::{
    AdminStoryFilter, Author, NewAuthor, NewSection, NewSource, NewTag, PageRequest, Revision, Section,
    SectionId, SiteSettings, Slug, Source, Story, StoryDraft, StoryFilter, StoryId, StoryListItem,
    StoryStatus, StorySummary, Tag, Translation,
};
use dateline_core::{
    AuthorId, ContentFilter, Delivery, IncomingItem, IngestAction, SourceId, StoryEvent, TagId, Webhook,
    WireConfig,
};
use dateline_core::{DeskAction, DuePoll, PollOutcome, PollStatus, WireListItem, WireSource};
use dateline_core::{Media, MediaId, MediaText, NewMedia};
use jiff::Timestamp;
use sqlx::any::{AnyPoolOptions, install_default_drivers};
use sqlx::{Any, AnyPool, Executor, Transaction};
use std::time::Duration;

/// A store on SQLite or PostgreSQL.
#[derive(Debug, Clone)]
pub struct SqlStore {
    pool: AnyPool,
    backend: Backend,
    /// The PostgreSQL address, for the change announcements' own connection.
    listen_url: Option<String>,
}

/// Starts a write transaction. SQLite takes the write lock up front (`BEGIN IMMEDIATE`) so
/// two writers queue on the busy timeout instead of failing when a read turns into a write.
pub(crate) async fn begin_write(pool: &AnyPool, backend: Backend) -> Result<Transaction<'static, Any>> {
    Ok(match backend {
        Backend::Sqlite => pool.begin_with("BEGIN IMMEDIATE").await?,
        Backend::Postgres => pool.begin().await?,
    })
}

/// Makes the data folder (readable by this user only, 0700, when it is new) and the
/// database file with its journal files readable and writable by this user only (0600),
/// tightening an existing file: the database holds password hashes and webhook secrets.
fn make_private(dir: &std::path::Path, file: &std::path::Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
        std::fs::DirBuilder::new().recursive(true).mode(0o700).create(dir)?;
        std::fs::OpenOptions::new().create(true).append(true).mode(0o600).open(file)?;
        for journal in ["", "-wal", "-shm"] {
            let path = std::path::PathBuf::from(format!("{}{journal}", file.display()));
            if path.exists() {
                std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600))?;
            }
        }
    }
    #[cfg(not(unix))]
    {
        std::fs::create_dir_all(dir)?;
        let _ = file;
    }
    Ok(())
}

impl SqlStore {
    /// Connects to `location` and migrates it.
    ///
    /// # Errors
    /// [`StoreError`] when the folder cannot be created, the server cannot be reached, or a
    /// migration fails.
    pub async fn open(location: &Location) -> Result<Self> {
        install_default_drivers();
        let (url, backend, max) = match location {
            Location::SqliteDir(dir) => {
                let file = dir.join("dateline.db");
                make_private(dir, &file).map_err(|e| {
                    StoreError::Config(format!("cannot create the database in {}: {e}", dir.display()))
                })?;
                (format!("sqlite://{}?mode=rwc", file.display()), Backend::Sqlite, 8)
            }
            Location::Postgres(url) => (url.clone(), Backend::Postgres, 16),
        };
        let pool = AnyPoolOptions::new()
            .max_connections(max)
            .acquire_timeout(Duration::from_secs(10))
            .after_connect(move |conn, _| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        conn.execute("PRAGMA journal_mode = WAL").await?;
                        conn.execute("PRAGMA synchronous = NORMAL").await?;
                        conn.execute("PRAGMA foreign_keys = ON").await?;
                        conn.execute("PRAGMA busy_timeout = 10000").await?;
                        // 4 MB a connection: with 8 connections, 32 MB at most of the
                        // 300 MB budget (the OS keeps the file cached as well).
                        conn.execute("PRAGMA cache_size = -4000").await?;
                    }
                    Ok(())
                })
            })
            .connect(&url)
            .await?;
        crate::migrate::run(&pool, backend).await?;
        let listen_url = (backend == Backend::Postgres).then_some(url);
        Ok(Self { pool, backend, listen_url })
    }

    /// The pool, for tests and maintenance commands.
    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    async fn write(&self) -> Result<Transaction<'static, Any>> {
        begin_write(&self.pool, self.backend).await
    }

    /// Logs a change that touches every page, for the page caches.
    async fn site_changed(&self) -> Result<()> {
        let mut tx = self.write().await?;
        changes::record_site(&mut tx).await?;
        changes::commit(tx).await?;
        Ok(())
    }
}

#[async_trait]
impl Store for SqlStore {
    fn backend(&self) -> Backend {
        self.backend
    }

    async fn change_notices(&self) -> Result<Option<changes::ChangeNotices>> {
        match &self.listen_url {
            Some(url) => Ok(Some(changes::ChangeNotices::connect(url).await?)),
            None => Ok(None),
        }
    }

    async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    async fn settings(&self) -> Result<SiteSettings> {
        let json: Option<String> = sqlx::query_scalar("SELECT json FROM site_settings WHERE id = 1")
            .fetch_optional(&self.pool)
            .await?;
        match json {
            None => Ok(SiteSettings::default()),
            Some(json) => {
                serde_json::from_str(&json).map_err(|e| StoreError::Corrupt(format!("site settings: {e}")))
            }
        }
    }

    async fn save_settings(&self, settings: &SiteSettings) -> Result<()> {
        settings.validate()?;
        let json = serde_json::to_string(settings).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        sqlx::query(
            "INSERT INTO site_settings (id, json) VALUES (1, $1) ON CONFLICT (id) DO UPDATE SET json = excluded.json",
        )
        .bind(json)
        .execute(&self.pool)
        .await?;
        self.site_changed().await
    }

    async fn sections(&self) -> Result<Vec<Section>> {
        taxonomy::sections(&self.pool).await
    }
    async fn section_by_slug(&self, slug: &str) -> Result<Option<Section>> {
        taxonomy::section_by_slug(&self.pool, slug).await
    }
    async fn create_section(&self, section: &NewSection) -> Result<Section> {
        let done = taxonomy::create_section(&self.pool, section).await?;
        self.site_changed().await?;
        Ok(done)
    }
    async fn update_section(&self, id: SectionId, section: &NewSection) -> Result<()> {
        let done = taxonomy::update_section(&self.pool, id.0, section).await?;
        self.site_changed().await?;
        Ok(done)
    }
    async fn update_tag(&self, id: TagId, tag: &NewTag) -> Result<()> {
        let done = taxonomy::update_tag(&self.pool, id.0, tag).await?;
        self.site_changed().await?;
        Ok(done)
    }
    async fn update_author(&self, id: AuthorId, author: &NewAuthor) -> Result<()> {
        let done = taxonomy::update_author(&self.pool, id.0, author).await?;
        self.site_changed().await?;
        Ok(done)
    }
    async fn update_source(&self, id: SourceId, source: &NewSource) -> Result<()> {
        let done = taxonomy::update_source(&self.pool, id.0, source).await?;
        self.site_changed().await?;
        Ok(done)
    }
    async fn set_user_role(&self, id: UserId, role: dateline_core::account::Role) -> Result<()> {
        let mut tx = self.write().await?;
        accounts::set_role(&mut tx, self.backend, id, role).await?;
        tx.commit().await?;
        Ok(())
    }
    async fn tags(&self) -> Result<Vec<Tag>> {
        taxonomy::tags(&self.pool).await
    }
    async fn tag_by_slug(&self, slug: &str) -> Result<Option<Tag>> {
        taxonomy::tag_by_slug(&self.pool, slug).await
    }
    async fn create_tag(&self, tag: &NewTag) -> Result<Tag> {
        taxonomy::create_tag(&self.pool, tag).await
    }
    async fn authors(&self) -> Result<Vec<Author>> {
        taxonomy::authors(&self.pool).await
    }
    async fn author_by_slug(&self, slug: &str) -> Result<Option<Author>> {
        taxonomy::author_by_slug(&self.pool, slug).await
    }
    async fn create_author(&self, author: &NewAuthor) -> Result<Author> {
        taxonomy::create_author(&self.pool, author).await
    }
    async fn sources(&self) -> Result<Vec<Source>> {
        taxonomy::sources(&self.pool).await
    }
    async fn source_by_slug(&self, slug: &str) -> Result<Option<Source>> {
        taxonomy::source_by_slug(&self.pool, slug).await
    }
    async fn create_source(&self, source: &NewSource) -> Result<Source> {
        taxonomy::create_source(&self.pool, source).await
    }

    async fn create_story(&self, draft: &StoryDraft, by: Option<UserId>, now: Timestamp) -> Result<Story> {
        draft.validate().map_err(StoreError::Invalid)?;
        let mut tx = self.write().await?;
        let id = stories::insert(&mut tx, draft, by, now).await?;
        changes::commit(tx).await?;
        self.story(id).await?.ok_or(StoreError::NotFound)
    }

    async fn update_story(
        &self,
        id: StoryId,
        draft: &StoryDraft,
        expected_version: i64,
        now: Timestamp,
    ) -> Result<Story> {
        draft.validate().map_err(StoreError::Invalid)?;
        let mut tx = self.write().await?;
        stories::update(&mut tx, id, draft, expected_version, now).await?;
        changes::commit(tx).await?;
        self.story(id).await?.ok_or(StoreError::NotFound)
    }

    async fn save_story(&self, save: &crate::StorySave<'_>) -> Result<Story> {
        save.draft.validate().map_err(StoreError::Invalid)?;
        let mut draft = save.draft.clone();
        let mut tx = self.write().await?;
        for tag in save.new_tags {
            let id = stories::tag_named(&mut tx, tag).await?;
            if !draft.tags.contains(&id) {
                draft.tags.push(id);
            }
        }
        let id = match save.story {
            None => stories::insert(&mut tx, &draft, save.by.user_id(), save.now).await?,
            Some((id, version)) => {
                stories::update(&mut tx, id, &draft, version, save.now).await?;
                id
            }
        };
        if let Some(change) = save.then {
            stories::change_status(&mut tx, id, change, save.by, save.now).await?;
        }
        changes::commit(tx).await?;
        self.story(id).await?.ok_or(StoreError::NotFound)
    }

    async fn add_correction(&self, id: StoryId, note: &str, by: &Actor, now: Timestamp) -> Result<Story> {
        let mut tx = self.write().await?;
        stories::add_correction(&mut tx, id, note, by, now).await?;
        changes::commit(tx).await?;
        self.story(id).await?.ok_or(StoreError::NotFound)
    }

    async fn front_pins(&self, front: dateline_core::Front) -> Result<dateline_core::FrontPins> {
        fronts::pins(&self.pool, front).await
    }

    async fn set_front_pins(
        &self,
        front: dateline_core::Front,
        pins: &dateline_core::FrontPins,
    ) -> Result<()> {
        let mut tx = self.write().await?;
        fronts::set_pins(&mut tx, front, pins).await?;
        changes::commit(tx).await
    }

    async fn public_summaries(&self, ids: &[StoryId]) -> Result<Vec<StorySummary>> {
        fronts::public_summaries(&self.pool, ids).await
    }

    async fn set_coverage(&self, id: StoryId, live: bool, by: &Actor, now: Timestamp) -> Result<Story> {
        let mut tx = self.write().await?;
        live::set_coverage(&mut tx, id, live, by, now).await?;
        changes::commit(tx).await?;
        self.story(id).await?.ok_or(StoreError::NotFound)
    }

    async fn live_entries(&self, story: StoryId, after: i64) -> Result<Vec<dateline_core::LiveEntry>> {
        live::entries(&self.pool, story, after).await
    }

    async fn save_live_entry(
        &self,
        story: StoryId,
        entry: Option<i64>,
        draft: &dateline_core::EntryDraft,
        now: Timestamp,
    ) -> Result<dateline_core::LiveEntry> {
        let mut tx = self.write().await?;
        let id = live::save_entry(&mut tx, story, entry, draft, now).await?;
        changes::commit(tx).await?;
        live::entry(&self.pool, story, id).await?.ok_or(StoreError::NotFound)
    }

    async fn delete_live_entry(&self, story: StoryId, entry: i64, now: Timestamp) -> Result<()> {
        let mut tx = self.write().await?;
        live::delete_entry(&mut tx, story, entry, now).await?;
        changes::commit(tx).await
    }

    async fn change_status(
        &self,
        id: StoryId,
        change: &StatusChange,
        by: &Actor,
        now: Timestamp,
    ) -> Result<Story> {
        let mut tx = self.write().await?;
        stories::change_status(&mut tx, id, change, by, now).await?;
        changes::commit(tx).await?;
        self.story(id).await?.ok_or(StoreError::NotFound)
    }

    async fn history(&self, id: StoryId) -> Result<Vec<HistoryEntry>> {
        stories::history(&self.pool, id).await
    }

    async fn publish_due(&self, now: Timestamp) -> Result<Vec<StoryId>> {
        let mut tx = self.write().await?;
        let published = stories::publish_due(&mut tx, now).await?;
        if published.is_empty() {
            // Nothing changed: a commit would tell every cache of this process to read the
            // change log again, twice a second, for nothing.
            tx.rollback().await?;
        } else {
            changes::commit(tx).await?;
        }
        Ok(published)
    }

    async fn restore_revision(
        &self,
        id: StoryId,
        number: i64,
        expected_version: i64,
        by: &Actor,
        now: Timestamp,
    ) -> Result<Story> {
        let revision = stories::revisions(&self.pool, id)
            .await?
            .into_iter()
            .find(|r| r.number == number)
            .ok_or(StoreError::NotFound)?;
        revision.draft.validate().map_err(StoreError::Invalid)?;
        let mut tx = self.write().await?;
        stories::update(&mut tx, id, &revision.draft, expected_version, now).await?;
        stories::record_history(
            &mut tx,
            id,
            Transition::RestoreRevision,
            by,
            &format!("revision {number}"),
            now,
        )
        .await?;
        changes::commit(tx).await?;
        self.story(id).await?.ok_or(StoreError::NotFound)
    }

    async fn admin_stories(
        &self,
        filter: &AdminStoryFilter,
        page: PageRequest,
    ) -> Result<Vec<StoryListItem>> {
        stories::admin_list(&self.pool, filter, page).await
    }

    async fn status_counts(&self) -> Result<Vec<(StoryStatus, u64)>> {
        stories::status_counts(&self.pool).await
    }

    async fn create_user(&self, user: &NewUser, now: Timestamp) -> Result<User> {
        accounts::create_user(&self.pool, user, now).await
    }
    async fn users(&self) -> Result<Vec<User>> {
        accounts::users(&self.pool).await
    }
    async fn user(&self, id: UserId) -> Result<Option<User>> {
        accounts::user(&self.pool, id).await
    }
    async fn user_for_login(&self, email: &str) -> Result<Option<(User, String)>> {
        accounts::user_for_login(&self.pool, email).await
    }
    async fn set_password(&self, id: UserId, hash: &str, keep: Option<&str>) -> Result<()> {
        accounts::set_password(&self.pool, self.backend, id, hash, keep).await
    }
    async fn set_user_disabled(&self, id: UserId, disabled: bool) -> Result<()> {
        let mut tx = self.write().await?;
        accounts::set_disabled(&mut tx, self.backend, id, disabled).await?;
        tx.commit().await?;
        Ok(())
    }
    async fn create_session(
        &self,
        user: UserId,
        token_hash: &str,
        csrf: &str,
        now: Timestamp,
        expires: Timestamp,
    ) -> Result<()> {
        accounts::create_session(&self.pool, user, token_hash, csrf, now, expires).await
    }
    async fn session(&self, token_hash: &str, now: Timestamp) -> Result<Option<Session>> {
        accounts::session(&self.pool, token_hash, now).await
    }
    async fn delete_session(&self, token_hash: &str) -> Result<()> {
        accounts::delete_session(&self.pool, token_hash).await
    }
    async fn user_sessions(&self, user: UserId, now: Timestamp) -> Result<Vec<SessionInfo>> {
        accounts::user_sessions(&self.pool, user, now).await
    }
    async fn end_sessions(&self, user: UserId, choice: SessionChoice<'_>) -> Result<u64> {
        accounts::end_sessions(&self.pool, user, choice).await
    }
    async fn prune_sign_ins(&self, now: Timestamp, failures_before: Timestamp) -> Result<(u64, u64)> {
        accounts::prune_sign_ins(&self.pool, now, failures_before).await
    }
    async fn reserve_login_attempt(
        &self,
        subjects: &[(&str, Throttle)],
        now: Timestamp,
    ) -> Result<Reservation> {
        accounts::reserve_login_attempt(&self.pool, self.backend, subjects, now).await
    }
    async fn release_login_attempt(&self, release: &[&str], clear: &[&str], at: Timestamp) -> Result<()> {
        accounts::release_login_attempt(&self.pool, self.backend, release, clear, at).await
    }

    async fn create_token(
        &self,
        name: &str,
        scope: TokenScope,
        token_hash: &str,
        now: Timestamp,
    ) -> Result<ApiToken> {
        accounts::create_token(&self.pool, name, scope, token_hash, now).await
    }
    async fn tokens(&self) -> Result<Vec<ApiToken>> {
        accounts::tokens(&self.pool).await
    }
    async fn token_by_hash(&self, token_hash: &str, now: Timestamp) -> Result<Option<ApiToken>> {
        accounts::token_by_hash(&self.pool, token_hash, now).await
    }
    async fn revoke_token(&self, id: i64, now: Timestamp) -> Result<()> {
        accounts::revoke_token(&self.pool, id, now).await
    }

    async fn create_webhook(
        &self,
        url: &str,
        secret: &str,
        events: &[StoryEvent],
        now: Timestamp,
    ) -> Result<Webhook> {
        webhooks::create(&self.pool, url, secret, events, now).await
    }
    async fn webhooks(&self) -> Result<Vec<Webhook>> {
        webhooks::list(&self.pool).await
    }
    async fn set_webhook_active(&self, id: i64, active: bool) -> Result<()> {
        webhooks::set_active(&self.pool, id, active).await
    }
    async fn claim_deliveries(
        &self,
        now: Timestamp,
        limit: u32,
        lease_secs: i64,
    ) -> Result<Vec<(Delivery, String)>> {
        webhooks::claim_due(&self.pool, now, limit, lease_secs).await
    }
    async fn release_delivery(&self, id: i64, now: Timestamp) -> Result<()> {
        webhooks::release(&self.pool, id, now).await
    }
    async fn record_delivery_attempt(
        &self,
        id: i64,
        now: Timestamp,
        delivered: bool,
        status_code: Option<i64>,
        error: Option<&str>,
        retry_at: Option<Timestamp>,
    ) -> Result<()> {
        webhooks::record_attempt(&self.pool, id, now, delivered, status_code, error, retry_at).await
    }
    async fn recent_deliveries(&self, limit: u32) -> Result<Vec<Delivery>> {
        webhooks::recent(&self.pool, limit).await
    }

    async fn configure_source(
        &self,
        id: SourceId,
        config: &WireConfig,
        push_token_hash: Option<&str>,
    ) -> Result<()> {
        wire::configure(&self.pool, id, config, push_token_hash).await
    }
    async fn set_push_token(&self, id: SourceId, push_token_hash: Option<&str>) -> Result<()> {
        wire::set_push_token(&self.pool, id, push_token_hash).await
    }
    async fn source_by_push_token(&self, token_hash: &str) -> Result<Option<SourceId>> {
        wire::source_by_push_token(&self.pool, token_hash).await
    }
    async fn ingest_items(
        &self,
        source: SourceId,
        raw: &[u8],
        items: &[IncomingItem],
        now: Timestamp,
    ) -> Result<Vec<IngestAction>> {
        let mut tx = self.write().await?;
        let actions = wire::ingest(&mut tx, source, raw, items, now).await?;
        changes::commit(tx).await?;
        Ok(actions)
    }

    async fn wire_items(
        &self,
        source: Option<SourceId>,
        state: Option<&str>,
        limit: u32,
    ) -> Result<Vec<WireListItem>> {
        wire::list(&self.pool, source, state, limit).await
    }
    async fn wire_item(&self, id: i64) -> Result<Option<WireListItem>> {
        wire::get(&self.pool, id).await
    }
    async fn act_on_wire_item(
        &self,
        id: i64,
        action: DeskAction,
        by: &Actor,
        now: Timestamp,
    ) -> Result<Option<StoryId>> {
        let mut tx = self.write().await?;
        let story = wire::act(&mut tx, id, action, by, now).await?;
        changes::commit(tx).await?;
        Ok(story)
    }

    async fn set_polling(&self, id: SourceId, seconds: i64, now: Timestamp) -> Result<()> {
        wire::set_polling(&self.pool, id, seconds, now).await
    }
    async fn claim_polls(&self, now: Timestamp, lease_secs: i64, limit: u32) -> Result<Vec<DuePoll>> {
        wire::claim_polls(&self.pool, now, lease_secs, limit).await
    }
    async fn release_poll(&self, id: SourceId, now: Timestamp) -> Result<()> {
        wire::release_poll(&self.pool, id, now).await
    }
    async fn record_poll(&self, id: SourceId, now: Timestamp, outcome: &PollOutcome) -> Result<()> {
        wire::record_poll(&self.pool, id, now, outcome).await
    }
    async fn poll_status(&self, id: SourceId) -> Result<PollStatus> {
        wire::poll_status(&self.pool, id).await
    }
    async fn wire_sources(&self) -> Result<Vec<WireSource>> {
        wire::wire_sources(&self.pool, None).await
    }
    async fn wire_source(&self, id: SourceId) -> Result<Option<WireSource>> {
        Ok(wire::wire_sources(&self.pool, Some(id)).await?.pop())
    }
    async fn wire_waiting(&self) -> Result<u64> {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM wire_items WHERE state = 'waiting'")
            .fetch_one(&self.pool)
            .await?;
        Ok(n.max(0) as u64)
    }
    async fn add_media(&self, new: &NewMedia, now: Timestamp) -> Result<Media> {
        media::add(&self.pool, new, now).await
    }

    async fn media(&self, id: MediaId) -> Result<Option<Media>> {
        media::by_id(&self.pool, id).await
    }

    async fn media_by_hash(&self, hash: &str) -> Result<Option<Media>> {
        media::by_hash(&self.pool, hash).await
    }

    async fn media_by_origin(&self, origin: &str) -> Result<Option<Media>> {
        media::by_origin(&mut *self.pool.acquire().await?, origin).await
    }

    async fn add_media_origin(&self, id: MediaId, origin: &str) -> Result<()> {
        media::add_origin(&self.pool, id, origin).await
    }

    async fn attach_wire_picture(
        &self,
        source: SourceId,
        guid: &str,
        now: Timestamp,
    ) -> Result<Option<StoryId>> {
        let mut tx = self.write().await?;
        let story = wire::attach_picture(&mut tx, source, guid, now).await?;
        changes::commit(tx).await?;
        Ok(story)
    }

    async fn media_list(&self, page: PageRequest) -> Result<Vec<Media>> {
        media::list(&self.pool, page).await
    }

    async fn set_media_text(&self, id: MediaId, text: &MediaText) -> Result<Media> {
        media::set_text(&self.pool, id, text).await
    }

    async fn put_autosave(&self, user: UserId, story: Option<StoryId>, slot: &crate::Autosave) -> Result<()> {
        autosaves::put(&self.pool, user, story, slot).await
    }

    async fn autosave(&self, user: UserId, story: Option<StoryId>) -> Result<Option<crate::Autosave>> {
        autosaves::get(&self.pool, user, story).await
    }

    async fn drop_autosave(&self, user: UserId, story: Option<StoryId>) -> Result<()> {
        autosaves::drop(&self.pool, user, story).await
    }

    async fn embed_facts(&self, links: &[String]) -> Result<Vec<dateline_core::embed::Facts>> {
        embeds::get(&self.pool, links).await
    }

    async fn put_embed_facts(&self, facts: &dateline_core::embed::Facts, story: StoryId) -> Result<()> {
        embeds::put(self.write().await?, facts, story).await
    }

    async fn media_search(&self, words: &str, page: PageRequest) -> Result<Vec<Media>> {
        media::search(&self.pool, words, page).await
    }

    async fn remove_media(&self, id: MediaId) -> Result<crate::MediaRemoval> {
        media::remove(&self.pool, self.backend, id).await
    }

    async fn translations(&self, story: StoryId) -> Result<Vec<Translation>> {
        stories::translations(&self.pool, story).await
    }

    async fn also_carried_by(&self, story: StoryId) -> Result<Vec<Source>> {
        wire::also_carried_by(&self.pool, story).await
    }

    async fn story(&self, id: StoryId) -> Result<Option<Story>> {
        stories::load(&self.pool, stories::Key::Id(id)).await
    }

    async fn story_by_slug(&self, slug: &str) -> Result<Option<Story>> {
        stories::load(&self.pool, stories::Key::Slug(slug)).await
    }

    async fn redirect_for_slug(&self, old_slug: &str) -> Result<Option<Slug>> {
        let current: Option<String> = sqlx::query_scalar(
            "SELECT s.slug FROM slug_redirects r JOIN stories s ON s.id = r.story_id WHERE r.old_slug = $1",
        )
        .bind(old_slug)
        .fetch_optional(&self.pool)
        .await?;
        current.map(crate::records::slug).transpose()
    }

    async fn redirect_for_path(&self, path: &str) -> Result<Option<Slug>> {
        let Some(path) = dateline_core::import::redirect_path(path) else { return Ok(None) };
        let current: Option<String> = sqlx::query_scalar(
            "SELECT s.slug FROM path_redirects r JOIN stories s ON s.id = r.story_id WHERE r.path = $1",
        )
        .bind(path)
        .fetch_optional(&self.pool)
        .await?;
        current.map(crate::records::slug).transpose()
    }

    async fn import_stories(
        &self,
        origin: &str,
        posts: &[dateline_core::import::ImportedStory],
        by: &Actor,
        now: Timestamp,
    ) -> Result<Vec<dateline_core::import::ImportOutcome>> {
        for post in posts {
            post.draft.validate().map_err(StoreError::Invalid)?;
        }
        let mut tx = self.write().await?;
        let outcomes = imports::import(&mut tx, origin, posts, by, now).await?;
        changes::commit(tx).await?;
        Ok(outcomes)
    }

    async fn revisions(&self, id: StoryId) -> Result<Vec<Revision>> {
        stories::revisions(&self.pool, id).await
    }

    async fn published(&self, filter: StoryFilter, page: PageRequest) -> Result<Vec<StorySummary>> {
        stories::published(&self.pool, filter, page).await
    }

    async fn published_per_section(&self, sections: &[SectionId], limit: u32) -> Result<Vec<StorySummary>> {
        stories::published_per_section(&self.pool, sections, limit).await
    }

    async fn published_ids(&self, filter: &ContentFilter, page: PageRequest) -> Result<Vec<StoryId>> {
        stories::published_ids(&self.pool, filter, page).await
    }

    async fn prominent(&self, limit: u32) -> Result<Vec<StorySummary>> {
        stories::prominent(&self.pool, limit).await
    }

    async fn story_count(&self) -> Result<u64> {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM stories").fetch_one(&self.pool).await?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    async fn published_span(&self) -> Result<Option<(Timestamp, Timestamp)>> {
        let (first, last): (Option<i64>, Option<i64>) =
            sqlx::query_as("SELECT MIN(public_at), MAX(public_at) FROM stories WHERE public_at IS NOT NULL")
                .fetch_one(&self.pool)
                .await?;
        match (first, last) {
            (Some(a), Some(b)) => Ok(Some((crate::records::ts(a)?, crate::records::ts(b)?))),
            _ => Ok(None),
        }
    }

    async fn published_window(&self, from: Timestamp, to: Timestamp) -> Result<(u64, Option<Timestamp>)> {
        // Reads the public_at index only.
        let (count, last): (i64, Option<i64>) = sqlx::query_as(
            "SELECT COUNT(*), MAX(public_at) FROM stories \
             WHERE public_at IS NOT NULL AND public_at >= $1 AND public_at < $2",
        )
        .bind(from.as_second())
        .bind(to.as_second())
        .fetch_one(&self.pool)
        .await?;
        Ok((u64::try_from(count).unwrap_or(0), crate::records::opt_ts(last)?))
    }

    async fn sitemap_entries(
        &self,
        from: Timestamp,
        to: Timestamp,
        page: PageRequest,
    ) -> Result<Vec<dateline_core::SitemapEntry>> {
        type Row = (String, String, String, i64, Option<i64>, Option<String>);
        let rows: Vec<Row> = sqlx::query_as(
            "SELECT slug, headline, language, public_at, updated_at, image_url FROM stories \
             WHERE public_at IS NOT NULL AND public_at >= $1 AND public_at < $2 \
             ORDER BY public_at DESC, id DESC LIMIT $3 OFFSET $4",
        )
        .bind(from.as_second())
        .bind(to.as_second())
        .bind(i64::from(page.limit))
        .bind(i64::try_from(page.offset).unwrap_or(i64::MAX))
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|(slug, headline, language, published, updated, image_url)| {
                let published_at = crate::records::ts(published)?;
                let modified_at =
                    crate::records::opt_ts(updated)?.map_or(published_at, |u| u.max(published_at));
                Ok(dateline_core::SitemapEntry {
                    slug: crate::records::slug(slug)?,
                    headline,
                    language,
                    published_at,
                    modified_at,
                    image_url,
                })
            })
            .collect()
    }

    async fn story_texts(&self, after: StoryId, limit: u32) -> Result<Vec<dateline_core::StoryText>> {
        stories::texts(&self.pool, after, limit).await
    }
    async fn story_texts_of(&self, ids: &[StoryId]) -> Result<Vec<dateline_core::StoryText>> {
        stories::texts_of(&self.pool, ids).await
    }

    async fn last_page_change(&self) -> Result<i64> {
        let id: Option<i64> =
            sqlx::query_scalar("SELECT MAX(id) FROM page_changes").fetch_one(&self.pool).await?;
        Ok(id.unwrap_or(0))
    }

    async fn add_views(&self, views: &[(StoryId, i64, u64)]) -> Result<()> {
        if views.is_empty() {
            return Ok(());
        }
        let mut tx = self.write().await?;
        views::add(&mut tx, views).await?;
        // Not a public change: the page caches need not read the log for it.
        tx.commit().await?;
        Ok(())
    }

    async fn most_read(&self, since: Timestamp, limit: u32) -> Result<Vec<StorySummary>> {
        views::most_read(&self.pool, since, limit).await
    }

    async fn prune_views(&self, before: Timestamp) -> Result<u64> {
        views::prune(&self.pool, before).await
    }

    async fn most_read_changed(&self, now: Timestamp) -> Result<()> {
        let mut tx = self.write().await?;
        views::list_changed(&mut tx, now).await?;
        changes::commit(tx).await
    }

    async fn story_lock(&self, story: StoryId) -> Result<Option<crate::StoryLock>> {
        locks::get(&self.pool, story).await
    }

    async fn take_story_lock(
        &self,
        want: &crate::StoryLock,
        lapsed_before: Timestamp,
        force: bool,
    ) -> Result<crate::StoryLock> {
        let mut tx = self.write().await?;
        let held = locks::take(&mut tx, self.backend, want, lapsed_before, force).await?;
        tx.commit().await?;
        Ok(held)
    }

    async fn release_story_lock(&self, story: StoryId, holder: &str) -> Result<bool> {
        locks::release(&self.pool, story, holder).await
    }

    async fn page_changes_after(&self, after: i64) -> Result<Vec<(i64, Vec<ChangeKey>)>> {
        let rows: Vec<(i64, String)> =
            sqlx::query_as("SELECT id, keys FROM page_changes WHERE id > $1 ORDER BY id LIMIT 5000")
                .bind(after)
                .fetch_all(&self.pool)
                .await?;
        Ok(rows.into_iter().map(|(id, keys)| (id, ChangeKey::split(&keys).collect())).collect())
    }

    async fn snapshot(&self, file: &std::path::Path) -> Result<()> {
        if self.backend == Backend::Postgres {
            return Err(StoreError::Config(
                "a PostgreSQL database is backed up with pg_dump (see docs/OPERATIONS.md)".into(),
            ));
        }
        let target =
            file.to_str().ok_or_else(|| StoreError::Config("the backup path is not UTF-8".into()))?;
        sqlx::query("VACUUM INTO $1").bind(target.to_owned()).execute(&self.pool).await?;
        Ok(())
    }

    async fn bulk_insert(&self, stories: &[BulkStory]) -> Result<()> {
        let mut tx = self.write().await?;
        bulk::insert(&mut tx, self.backend, stories).await?;
        // `bulk`: many stories at once, which a search index takes in by rebuilding.
        changes::record(&mut tx, &[ChangeKey::Site, ChangeKey::Bulk], Timestamp::now().as_second()).await?;
        changes::commit(tx).await?;
        Ok(())
    }

    async fn redirects(&self) -> Result<Vec<(String, StoryId, bool)>> {
        let slugs: Vec<(String, i64)> =
            sqlx::query_as("SELECT old_slug, story_id FROM slug_redirects ORDER BY old_slug")
                .fetch_all(&self.pool)
                .await?;
        let paths: Vec<(String, i64)> =
            sqlx::query_as("SELECT path, story_id FROM path_redirects ORDER BY path")
                .fetch_all(&self.pool)
                .await?;
        let slugs = slugs.into_iter().map(|(slug, story)| (slug, StoryId(story), false));
        Ok(slugs.chain(paths.into_iter().map(|(path, story)| (path, StoryId(story), true))).collect())
    }

    async fn add_redirects(&self, redirects: &[(String, StoryId, bool)]) -> Result<u64> {
        let mut tx = self.write().await?;
        let mut added = 0;
        for (old, story, is_path) in redirects {
            let exists: Option<i64> = sqlx::query_scalar("SELECT id FROM stories WHERE id = $1")
                .bind(story.0)
                .fetch_optional(&mut *tx)
                .await?;
            if exists.is_none() {
                return Err(StoreError::Invalid(vec![dateline_core::FieldError::new(
                    "story",
                    format!("the old address {old:?} points at story {story}, which does not exist"),
                )]));
            }
            let done = if *is_path {
                let Some(path) = dateline_core::import::redirect_path(old).filter(|p| p != "/") else {
                    continue;
                };
                sqlx::query(
                    "INSERT INTO path_redirects (path, story_id) VALUES ($1, $2) ON CONFLICT (path) DO NOTHING",
                )
                .bind(path)
                .bind(story.0)
                .execute(&mut *tx)
                .await?
            } else {
                let Ok(slug) = Slug::parse(old) else { continue };
                sqlx::query(
                    "INSERT INTO slug_redirects (old_slug, story_id) SELECT $1, $2 \
                     WHERE NOT EXISTS (SELECT 1 FROM stories WHERE slug = $1) ON CONFLICT (old_slug) DO NOTHING",
                )
                .bind(slug.as_str().to_owned())
                .bind(story.0)
                .execute(&mut *tx)
                .await?
            };
            added += done.rows_affected();
        }
        if added > 0 {
            // An address that answered 404 before answers 301 now.
            changes::record_site(&mut tx).await?;
        }
        changes::commit(tx).await?;
        Ok(added)
    }

    async fn restore_imported_story(&self, id: StoryId, was: &Story) -> Result<()> {
        use dateline_core::FieldError;
        let invalid =
            |field: &'static str, message: &str| StoreError::Invalid(vec![FieldError::new(field, message)]);
        match was.status {
            StoryStatus::Published if was.published_at.is_none() => {
                return Err(invalid("published_at", "a published story needs its publication time"));
            }
            StoryStatus::Scheduled if was.scheduled_at.is_none() => {
                return Err(invalid("scheduled_at", "a scheduled story needs its time"));
            }
            _ => {}
        }
        if was.version < 1 {
            return Err(invalid("version", "a story's version starts at 1"));
        }
        if was.corrections.iter().any(|c| c.note.trim().is_empty()) {
            return Err(invalid("corrections", "a correction needs a note"));
        }
        let mut tx = self.write().await?;
        // Groups stay flat: a translation of a translation is one of its original.
        let root = match was.translation_of {
            None => None,
            Some(original) => {
                let of: Option<Option<i64>> =
                    sqlx::query_scalar("SELECT translation_of FROM stories WHERE id = $1")
                        .bind(original.0)
                        .fetch_optional(&mut *tx)
                        .await?;
                let Some(of) = of else {
                    return Err(invalid("translation_of", "there is no such story to be a translation of"));
                };
                let root = of.unwrap_or(original.0);
                if root == id.0 {
                    return Err(invalid("translation_of", "a story cannot be a translation of itself"));
                }
                Some(root)
            }
        };
        let second = |t: Option<Timestamp>| t.map(Timestamp::as_second);
        let done = sqlx::query(
            "UPDATE stories SET status = $1, created_at = $2, modified_at = $3, first_published_at = $4, \
             published_at = $5, updated_at = $6, scheduled_at = $7, version = $8, translation_of = $9 WHERE id = $10",
        )
        .bind(was.status.as_str())
        .bind(was.created_at.as_second())
        .bind(was.modified_at.as_second())
        .bind(second(was.first_published_at))
        .bind(second(was.published_at))
        .bind(second(was.updated_at))
        .bind(second(was.scheduled_at))
        .bind(was.version)
        .bind(root)
        .bind(id.0)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        if let Some(root) = root {
            sqlx::query("UPDATE stories SET translation_of = $1 WHERE translation_of = $2")
                .bind(root)
                .bind(id.0)
                .execute(&mut *tx)
                .await?;
        }
        sqlx::query("DELETE FROM corrections WHERE story_id = $1").bind(id.0).execute(&mut *tx).await?;
        for correction in &was.corrections {
            sqlx::query("INSERT INTO corrections (story_id, note, created_at) VALUES ($1, $2, $3)")
                .bind(id.0)
                .bind(correction.note.trim().to_owned())
                .bind(correction.created_at.as_second())
                .execute(&mut *tx)
                .await?;
        }
        // The public copies of the publication time, and the page-cache log.
        stories::sync_public_at(&mut tx, id).await?;
        changes::commit(tx).await?;
        Ok(())
    }

    fn pool_use(&self) -> crate::PoolUse {
        crate::PoolUse {
            open: self.pool.size(),
            idle: u32::try_from(self.pool.num_idle()).unwrap_or(u32::MAX),
            max: self.pool.options().get_max_connections(),
        }
    }

    async fn queue_cdn_purge(&self, now: Timestamp) -> Result<Option<crate::CdnPurge>> {
        purges::queue(&self.pool, self.backend, now).await
    }

    async fn claim_cdn_purges(
        &self,
        now: Timestamp,
        limit: u32,
        lease_secs: i64,
    ) -> Result<Vec<crate::CdnPurge>> {
        purges::claim_due(&self.pool, now, limit, lease_secs).await
    }

    async fn release_cdn_purge(&self, id: i64, now: Timestamp) -> Result<()> {
        purges::release(&self.pool, id, now).await
    }

    async fn record_cdn_purge_attempt(
        &self,
        id: i64,
        now: Timestamp,
        purged: bool,
        status_code: Option<i64>,
        error: Option<&str>,
        retry_at: Option<Timestamp>,
    ) -> Result<()> {
        purges::record_attempt(&self.pool, id, now, purged, status_code, error, retry_at).await
    }

    async fn recent_cdn_purges(&self, limit: u32) -> Result<Vec<crate::CdnPurge>> {
        purges::recent(&self.pool, limit).await
    }
}
