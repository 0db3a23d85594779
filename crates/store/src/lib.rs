//! Persistence for Dateline. The [`Store`] trait is everything the rest of the program may
//! ask of the database; [`open`] picks the backend from the configured location: an embedded
//! SQLite file (the default, WAL mode, foreign keys on) or a PostgreSQL server by URL.
//!
//! Both backends run the same portable SQL through `sqlx::Any` (`$1` placeholders, times as
//! unix seconds, flags as integers) and each has its own migrations folder; where the
//! dialects differ (transactions, sequences after bulk loads) the code asks the [`Backend`].

mod error;
mod migrate;
mod records;
mod sql;

pub use error::StoreError;
pub use migrate::SCHEMA_VERSION;
pub use records::BulkStory;
pub use sql::SqlStore;
pub use sql::changes::{ChangeNotices, Notice, local_changes};
pub use sql::purges::{CdnPurge, PurgeStatus};

use async_trait::async_trait;
use dateline_core::account::{ApiToken, NewUser, Session, SessionInfo, TokenScope, User, UserId};
use dateline_core::throttle::{Reservation, Throttle};
use dateline_core::{Actor, ChangeKey, HistoryEntry, StatusChange};
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
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Result of every store call.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// An editor's unsaved typing in the story editor: the autosave slot (not a revision).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Autosave {
    /// The story's version the typing started from (0 for a story not created yet).
    pub base_version: i64,
    /// The editor form's fields, as JSON (an object of strings).
    pub fields: String,
    pub saved_at: Timestamp,
}

/// What [`Store::remove_media`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MediaRemoval {
    /// The picture's row is gone (as it was, for removing its files).
    Removed(Media),
    /// Stories show the picture (id and headline, at most 50), so it stays.
    InUse(Vec<(dateline_core::StoryId, String)>),
}

/// Who has a story open in the editor (see `dateline_newsroom::locks` for the rules).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoryLock {
    pub story: StoryId,
    /// The account holding it, and its name as others are shown it.
    pub user: UserId,
    pub user_name: String,
    /// Which signed-in session holds it: an account signed in twice holds it once.
    pub holder: String,
    /// When the holder opened the story (kept across heartbeats).
    pub since: Timestamp,
    /// When the holder's page last said it was still open.
    pub heartbeat_at: Timestamp,
    /// The session the holder took it from (over, or after it lapsed), if any.
    pub taken_from: Option<String>,
}

/// Which database engine a store talks to.
/// Which of a user's sessions [`Store::end_sessions`] ends, by token hash.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionChoice<'a> {
    /// This one.
    Only(&'a str),
    /// Every one but this (signing out everywhere else).
    AllBut(&'a str),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Where the data lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// A SQLite database file `dateline.db` inside this folder (created if missing).
    SqliteDir(PathBuf),
    /// A `postgres://` URL.
    Postgres(String),
}

impl Location {
    /// A `postgres://` or `postgresql://` URL means PostgreSQL; no URL means SQLite in `data_dir`.
    ///
    /// # Errors
    /// [`StoreError::Config`] for a URL of any other scheme.
    pub fn choose(database_url: Option<&str>, data_dir: &Path) -> Result<Self> {
        match database_url {
            None | Some("") => Ok(Self::SqliteDir(data_dir.to_owned())),
            Some(url) if url.starts_with("postgres://") || url.starts_with("postgresql://") => {
                Ok(Self::Postgres(url.to_owned()))
            }
            Some(url) if url.starts_with("sqlite:") => {
                Err(StoreError::Config("for SQLite give a data folder (--data), not a sqlite: URL".into()))
            }
            Some(_) => Err(StoreError::Config("the database URL must start with postgres://".into())),
        }
    }
}

/// Opens the store at `location`, creating the database if needed and applying migrations.
///
/// # Errors
/// [`StoreError`] when the database cannot be reached, created or migrated.
pub async fn open(location: &Location) -> Result<Arc<dyn Store>> {
    Ok(Arc::new(SqlStore::open(location).await?))
}

/// One save of a story (see [`Store::save_story`]).
#[derive(Debug, Clone, Copy)]
pub struct StorySave<'a> {
    /// The story and the version its editor read; `None` creates a story.
    pub story: Option<(StoryId, i64)>,
    pub draft: &'a StoryDraft,
    /// Tags to make for this story.
    pub new_tags: &'a [dateline_core::NewTag],
    /// A change of status to apply once saved.
    pub then: Option<&'a StatusChange>,
    /// Who saves: a new story's creator when an account, and named in the history.
    pub by: &'a Actor,
    pub now: Timestamp,
}

/// Everything Dateline stores. Public lists only ever return published stories.
#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// The engine behind this store.
    fn backend(&self) -> Backend;

    /// Checks the database answers (for `/readyz`).
    async fn ping(&self) -> Result<()>;
    /// Announcements of changes committed by any process, pushed by the database on a
    /// connection of their own (PostgreSQL `LISTEN/NOTIFY`); `None` where the database
    /// pushes nothing (SQLite), and the change log is only read on a timer.
    async fn change_notices(&self) -> Result<Option<ChangeNotices>>;

    /// The site settings; defaults when none were saved yet.
    async fn settings(&self) -> Result<SiteSettings>;
    /// Validates and saves the site settings.
    async fn save_settings(&self, settings: &SiteSettings) -> Result<()>;

    /// All sections in menu order.
    async fn sections(&self) -> Result<Vec<Section>>;
    async fn section_by_slug(&self, slug: &str) -> Result<Option<Section>>;
    async fn create_section(&self, section: &NewSection) -> Result<Section>;
    async fn update_section(&self, id: SectionId, section: &NewSection) -> Result<()>;

    async fn tags(&self) -> Result<Vec<Tag>>;
    async fn tag_by_slug(&self, slug: &str) -> Result<Option<Tag>>;
    async fn create_tag(&self, tag: &NewTag) -> Result<Tag>;
    async fn update_tag(&self, id: TagId, tag: &NewTag) -> Result<()>;

    async fn authors(&self) -> Result<Vec<Author>>;
    async fn author_by_slug(&self, slug: &str) -> Result<Option<Author>>;
    async fn create_author(&self, author: &NewAuthor) -> Result<Author>;
    async fn update_author(&self, id: AuthorId, author: &NewAuthor) -> Result<()>;

    async fn sources(&self) -> Result<Vec<Source>>;
    async fn source_by_slug(&self, slug: &str) -> Result<Option<Source>>;
    async fn create_source(&self, source: &NewSource) -> Result<Source>;
    async fn update_source(&self, id: SourceId, source: &NewSource) -> Result<()>;

    /// Stores a new draft and its first revision, created by account `by` if any. The slug
    /// is made unique with a suffix.
    async fn create_story(&self, draft: &StoryDraft, by: Option<UserId>, now: Timestamp) -> Result<Story>;
    /// Saves a new state of a story as a new revision, if `expected_version` is still the
    /// current one. A changed slug leaves a redirect from the old one; a change to a
    /// published story stamps it "Updated".
    async fn update_story(
        &self,
        id: StoryId,
        draft: &StoryDraft,
        expected_version: i64,
        now: Timestamp,
    ) -> Result<Story>;
    /// Creates or saves a story and applies [`StorySave::then`] (publish, schedule) in one
    /// transaction: all of it or nothing. The tags in [`StorySave::new_tags`] are made in the
    /// same transaction (a slug that exists meanwhile is reused) and added to the draft's.
    async fn save_story(&self, save: &StorySave<'_>) -> Result<Story>;
    /// Appends a correction note to a story that has been public (history names `by`).
    async fn add_correction(&self, id: StoryId, note: &str, by: &Actor, now: Timestamp) -> Result<Story>;
    /// Applies a change of status (publish, schedule, unpublish, kill, reinstate) if the
    /// lifecycle allows it from the story's status at the moment of the write:
    /// [`StoreError::Refused`] otherwise. Written into the story's history with `by`.
    async fn change_status(
        &self,
        id: StoryId,
        change: &StatusChange,
        by: &Actor,
        now: Timestamp,
    ) -> Result<Story>;
    /// The stories an editor pinned on a front (none pinned: empty).
    async fn front_pins(&self, front: dateline_core::Front) -> Result<dateline_core::FrontPins>;
    /// Replaces a front's pins, in one transaction; its pages are logged as changed.
    ///
    /// # Errors
    /// [`StoreError::Invalid`] for too many pins, one twice, or a story that does not exist.
    async fn set_front_pins(
        &self,
        front: dateline_core::Front,
        pins: &dateline_core::FrontPins,
    ) -> Result<()>;
    /// The public ones of the stories `ids`, as cards, in the order given.
    async fn public_summaries(&self, ids: &[StoryId]) -> Result<Vec<StorySummary>>;
    /// Starts (`live`) or ends a story's live coverage; starting again after an end reopens
    /// it (its start kept). Refused on a killed story; written into its history with `by`.
    async fn set_coverage(&self, id: StoryId, live: bool, by: &Actor, now: Timestamp) -> Result<Story>;
    /// A live blog's entries changed after entry number `after` (0: all of them), deleted
    /// ones included (without their words), in the order of their changes.
    async fn live_entries(&self, story: StoryId, after: i64) -> Result<Vec<dateline_core::LiveEntry>>;
    /// Adds an entry to a story (`entry: None`) or saves a new state of one of its entries.
    /// `draft.author` is shown as written. Refused on a killed story.
    ///
    /// # Errors
    /// [`StoreError::Invalid`] for a draft that is not valid, [`StoreError::NotFound`] for
    /// an entry that is not the story's (or was deleted), [`StoreError::Refused`].
    async fn save_live_entry(
        &self,
        story: StoryId,
        entry: Option<i64>,
        draft: &dateline_core::EntryDraft,
        now: Timestamp,
    ) -> Result<dateline_core::LiveEntry>;
    /// Deletes one of the story's entries ([`StoreError::NotFound`] when it has no such one).
    async fn delete_live_entry(&self, story: StoryId, entry: i64, now: Timestamp) -> Result<()>;
    /// The story's history (status changes, corrections, restores), oldest first.
    async fn history(&self, id: StoryId) -> Result<Vec<HistoryEntry>>;
    /// Publishes every scheduled story whose time is `now` or earlier, each exactly once.
    async fn publish_due(&self, now: Timestamp) -> Result<Vec<StoryId>>;
    /// Saves revision `number` again as the newest state of the story.
    async fn restore_revision(
        &self,
        id: StoryId,
        number: i64,
        expected_version: i64,
        by: &Actor,
        now: Timestamp,
    ) -> Result<Story>;
    /// The newsroom's list of stories in any status, last saved first.
    async fn admin_stories(&self, filter: &AdminStoryFilter, page: PageRequest)
    -> Result<Vec<StoryListItem>>;
    /// How many stories are in each status.
    async fn status_counts(&self) -> Result<Vec<(StoryStatus, u64)>>;

    async fn story(&self, id: StoryId) -> Result<Option<Story>>;
    async fn story_by_slug(&self, slug: &str) -> Result<Option<Story>>;
    /// The current slug of the story that once had `old_slug`.
    async fn redirect_for_slug(&self, old_slug: &str) -> Result<Option<Slug>>;
    /// The current slug of the imported story that had the old address `path` (`/2019/05/a-post/`,
    /// `/?p=123`; see `dateline_core::import::redirect_path`).
    async fn redirect_for_path(&self, path: &str) -> Result<Option<Slug>>;
    /// Takes in a batch of posts from another system (`origin` names it, such as
    /// `wordpress:https://example.com`), in one transaction: new posts become stories with
    /// their original times, posts imported before are left alone or, when changed, saved
    /// as a new revision. What became of each post, in order.
    ///
    /// # Errors
    /// [`StoreError::Invalid`] when a post's draft is not valid (nothing is stored).
    async fn import_stories(
        &self,
        origin: &str,
        posts: &[dateline_core::import::ImportedStory],
        by: &Actor,
        now: Timestamp,
    ) -> Result<Vec<dateline_core::import::ImportOutcome>>;
    /// Every saved revision of a story, oldest first.
    async fn revisions(&self, id: StoryId) -> Result<Vec<Revision>>;

    /// Published stories, newest first.
    async fn published(&self, filter: StoryFilter, page: PageRequest) -> Result<Vec<StorySummary>>;
    /// The newest `limit` published stories of each of `sections`, in one round trip (the
    /// home page's section blocks), grouped by section in the order given.
    async fn published_per_section(&self, sections: &[SectionId], limit: u32) -> Result<Vec<StorySummary>>;
    /// Published stories matching `filter`, newest first (the Content API).
    async fn published_ids(&self, filter: &ContentFilter, page: PageRequest) -> Result<Vec<StoryId>>;
    /// Published stories flagged Top or Lead, most prominent and newest first.
    async fn prominent(&self, limit: u32) -> Result<Vec<StorySummary>>;
    /// How many stories exist in any state.
    async fn story_count(&self) -> Result<u64>;
    /// The first and last publication times of the public stories, if there are any.
    async fn published_span(&self) -> Result<Option<(Timestamp, Timestamp)>>;
    /// How many stories were published in `[from, to)` and the last publication among them.
    async fn published_window(&self, from: Timestamp, to: Timestamp) -> Result<(u64, Option<Timestamp>)>;
    /// Public stories published in `[from, to)`, newest first, for sitemaps.
    async fn sitemap_entries(
        &self,
        from: Timestamp,
        to: Timestamp,
        page: PageRequest,
    ) -> Result<Vec<dateline_core::SitemapEntry>>;

    /// Creates an account. An e-mail address already in use is a [`StoreError::Duplicate`].
    async fn create_user(&self, user: &NewUser, now: Timestamp) -> Result<User>;
    async fn users(&self) -> Result<Vec<User>>;
    async fn user(&self, id: UserId) -> Result<Option<User>>;
    /// The account with `email` and its password hash.
    async fn user_for_login(&self, email: &str) -> Result<Option<(User, String)>>;
    /// Replaces a password hash and ends the user's sessions, all but `keep` (a token hash)
    /// when given.
    async fn set_password(&self, id: UserId, hash: &str, keep: Option<&str>) -> Result<()>;
    /// Changes an account's role; [`StoreError::LastAdministrator`] when it would leave no
    /// enabled administrator.
    async fn set_user_role(&self, id: UserId, role: dateline_core::account::Role) -> Result<()>;
    /// Disables or re-enables an account; disabling ends its sessions.
    /// [`StoreError::LastAdministrator`] when it would leave no enabled administrator.
    async fn set_user_disabled(&self, id: UserId, disabled: bool) -> Result<()>;
    /// Records a session by the hash of its token.
    async fn create_session(
        &self,
        user: UserId,
        token_hash: &str,
        csrf: &str,
        now: Timestamp,
        expires: Timestamp,
    ) -> Result<()>;
    /// The live session with this token hash, if it has not expired and its user is enabled.
    async fn session(&self, token_hash: &str, now: Timestamp) -> Result<Option<Session>>;
    async fn delete_session(&self, token_hash: &str) -> Result<()>;
    /// The live sessions of `user`, newest first.
    async fn user_sessions(&self, user: UserId, now: Timestamp) -> Result<Vec<SessionInfo>>;
    /// Ends sessions of `user` (never another user's); answers how many ended.
    async fn end_sessions(&self, user: UserId, choice: SessionChoice<'_>) -> Result<u64>;
    /// Deletes sessions expired at `now` and sign-in failures older than `failures_before`;
    /// answers how many sessions and how many failures.
    async fn prune_sign_ins(&self, now: Timestamp, failures_before: Timestamp) -> Result<(u64, u64)>;
    /// Reserves a sign-in attempt before its password is checked: atomically, unless a
    /// subject (an account, an address) must still wait under its [`Throttle`], a failure is
    /// noted against every subject at `now`. Parallel attempts each see those before them.
    async fn reserve_login_attempt(
        &self,
        subjects: &[(&str, Throttle)],
        now: Timestamp,
    ) -> Result<Reservation>;
    /// Releases an attempt reserved at `at` whose password was right: its failure of each
    /// `release` subject is deleted, and every failure of each `clear` subject.
    async fn release_login_attempt(&self, release: &[&str], clear: &[&str], at: Timestamp) -> Result<()>;

    /// Records a new API token by the hash of its secret.
    async fn create_token(
        &self,
        name: &str,
        scope: TokenScope,
        token_hash: &str,
        now: Timestamp,
    ) -> Result<ApiToken>;
    async fn tokens(&self) -> Result<Vec<ApiToken>>;
    /// The live (not revoked) token with this hash, noting its use.
    async fn token_by_hash(&self, token_hash: &str, now: Timestamp) -> Result<Option<ApiToken>>;
    async fn revoke_token(&self, id: i64, now: Timestamp) -> Result<()>;

    /// Adds a webhook endpoint for `events`, signed with `secret`.
    async fn create_webhook(
        &self,
        url: &str,
        secret: &str,
        events: &[StoryEvent],
        now: Timestamp,
    ) -> Result<Webhook>;
    async fn webhooks(&self) -> Result<Vec<Webhook>>;
    async fn set_webhook_active(&self, id: i64, active: bool) -> Result<()>;
    /// Takes up to `limit` due deliveries of active (not paused) webhooks for `lease_secs`,
    /// with their webhook's secret.
    async fn claim_deliveries(
        &self,
        now: Timestamp,
        limit: u32,
        lease_secs: i64,
    ) -> Result<Vec<(Delivery, String)>>;
    /// Gives back the claim on a delivery that was cut off (a shutdown): still pending, due
    /// again at `now`.
    async fn release_delivery(&self, id: i64, now: Timestamp) -> Result<()>;
    /// Records one delivery attempt: delivered, to retry at `retry_at`, or failed for good.
    #[allow(clippy::too_many_arguments)]
    async fn record_delivery_attempt(
        &self,
        id: i64,
        now: Timestamp,
        delivered: bool,
        status_code: Option<i64>,
        error: Option<&str>,
        retry_at: Option<Timestamp>,
    ) -> Result<()>;
    /// The delivery log, newest first.
    async fn recent_deliveries(&self, limit: u32) -> Result<Vec<Delivery>>;

    /// Sets how a source's copy arrives and is handled; a new push token hash when given.
    /// A kind that is not pushed to clears the push token.
    async fn configure_source(
        &self,
        id: SourceId,
        config: &WireConfig,
        push_token_hash: Option<&str>,
    ) -> Result<()>;
    /// Sets a new push token hash for a push source (the old token stops working at once),
    /// or with `None` clears it (pushes are refused until a new one is set).
    ///
    /// # Errors
    /// [`StoreError::NotFound`]; [`StoreError::Invalid`] when setting one on a source that
    /// is not a push source.
    async fn set_push_token(&self, id: SourceId, push_token_hash: Option<&str>) -> Result<()>;
    /// Checks and saves a source's wire settings (a new push token hash when given) and, for
    /// polled kinds, looks at it now and every `poll_seconds` after.
    async fn save_wire_settings(
        &self,
        id: SourceId,
        config: &WireConfig,
        poll_seconds: i64,
        push_token_hash: Option<&str>,
        now: Timestamp,
    ) -> Result<()> {
        config.validate(poll_seconds).map_err(StoreError::Invalid)?;
        self.configure_source(id, config, push_token_hash).await?;
        if WireConfig::is_polled(&config.kind) {
            self.set_polling(id, poll_seconds, now).await?;
        }
        Ok(())
    }
    /// The source whose push token has this hash.
    async fn source_by_push_token(&self, token_hash: &str) -> Result<Option<SourceId>>;
    /// Takes in parsed items from a source in one transaction (the raw payload is kept):
    /// committed before this returns, so an acknowledged item is never lost.
    async fn ingest_items(
        &self,
        source: SourceId,
        raw: &[u8],
        items: &[IncomingItem],
        now: Timestamp,
    ) -> Result<Vec<IngestAction>>;

    /// The wire desk's list: items last changed first, for one source and/or in one state.
    async fn wire_items(
        &self,
        source: Option<SourceId>,
        state: Option<&str>,
        limit: u32,
    ) -> Result<Vec<WireListItem>>;
    async fn wire_item(&self, id: i64) -> Result<Option<WireListItem>>;
    /// How many items wait on the wire desk.
    async fn wire_waiting(&self) -> Result<u64>;
    /// The desk's decision on an item; the story made from it, if any.
    async fn act_on_wire_item(
        &self,
        id: i64,
        action: DeskAction,
        by: &Actor,
        now: Timestamp,
    ) -> Result<Option<StoryId>>;

    /// Polls a feed source every `seconds` (at least 10), starting now.
    async fn set_polling(&self, id: SourceId, seconds: i64, now: Timestamp) -> Result<()>;
    /// Claims the polled sources that are due, for `lease_secs`.
    async fn claim_polls(&self, now: Timestamp, lease_secs: i64, limit: u32) -> Result<Vec<DuePoll>>;
    /// Gives back the claim on a source whose poll was cut off (a shutdown): it is due again
    /// at `now`.
    async fn release_poll(&self, id: SourceId, now: Timestamp) -> Result<()>;
    /// Records a poll's outcome and when to poll next (backing off after failures).
    async fn record_poll(&self, id: SourceId, now: Timestamp, outcome: &PollOutcome) -> Result<()>;
    /// How a polled source is doing, for editors.
    async fn poll_status(&self, id: SourceId) -> Result<PollStatus>;
    /// Every source with its wire settings and polling state, by name.
    async fn wire_sources(&self) -> Result<Vec<WireSource>>;
    async fn wire_source(&self, id: SourceId) -> Result<Option<WireSource>>;
    /// Adds a picture to the media library, or returns the one with the same hash.
    async fn add_media(&self, new: &NewMedia, now: Timestamp) -> Result<Media>;
    async fn media(&self, id: MediaId) -> Result<Option<Media>>;
    async fn media_by_hash(&self, hash: &str) -> Result<Option<Media>>;
    /// The picture fetched from `origin` (an agency's address), if one was.
    async fn media_by_origin(&self, origin: &str) -> Result<Option<Media>>;
    /// Notes that the picture at `origin` (an agency's address) is `id`: the same file as a
    /// picture already kept, so that [`Store::media_by_origin`] finds it there too.
    async fn add_media_origin(&self, id: MediaId, origin: &str) -> Result<()>;
    /// Gives the story made from wire item (`source`, `guid`) the item's picture once it is
    /// in the library (found by its address, [`Store::media_by_origin`]) and if the story has
    /// no picture yet; nothing else changes (no "Updated" stamp; a revision, the page-change
    /// log and `story.updated` as for any change). The story given the picture, if any.
    async fn attach_wire_picture(
        &self,
        source: SourceId,
        guid: &str,
        now: Timestamp,
    ) -> Result<Option<StoryId>>;
    /// The library, newest first.
    async fn media_list(&self, page: PageRequest) -> Result<Vec<Media>>;
    /// Changes a picture's alt text, caption, credit and focal point.
    async fn set_media_text(&self, id: MediaId, text: &MediaText) -> Result<Media>;
    /// The pictures whose alt text, caption or credit hold all of `words`, newest first
    /// (the whole library, as [`Store::media_list`], when `words` is blank).
    async fn media_search(&self, words: &str, page: PageRequest) -> Result<Vec<Media>>;
    /// Keeps `user`'s unsaved typing for `story` (`None`: a story not created yet),
    /// replacing what that slot held.
    async fn put_autosave(&self, user: UserId, story: Option<StoryId>, slot: &Autosave) -> Result<()>;
    /// `user`'s unsaved typing for `story`, if any.
    async fn autosave(&self, user: UserId, story: Option<StoryId>) -> Result<Option<Autosave>>;
    /// Empties `user`'s slot for `story` (saved, or discarded).
    async fn drop_autosave(&self, user: UserId, story: Option<StoryId>) -> Result<()>;
    /// What providers said about those of `links` (embed links as
    /// `dateline_core::embed::Embed::link` has them) asked about before, in no order.
    async fn embed_facts(&self, links: &[String]) -> Result<Vec<dateline_core::embed::Facts>>;
    /// Keeps what a provider said about an embed link (replacing what was kept) and logs a
    /// change to the pages of `story`, which shows it, so that cached pages show the card anew.
    async fn put_embed_facts(&self, facts: &dateline_core::embed::Facts, story: StoryId) -> Result<()>;
    /// Removes a picture's row unless a story shows it (its picture, its body, a live
    /// entry; any status). The files are the caller's to remove.
    async fn remove_media(&self, id: MediaId) -> Result<MediaRemoval>;

    /// The other published language versions of a story (its original and translations).
    async fn translations(&self, story: StoryId) -> Result<Vec<Translation>>;
    /// Other agencies that carried the story made from a wire item (its near-duplicates).
    async fn also_carried_by(&self, story: StoryId) -> Result<Vec<Source>>;

    /// Public stories with ids above `after`, by id, with their tag and author slugs: what
    /// the search index is (re)built from.
    async fn story_texts(&self, after: StoryId, limit: u32) -> Result<Vec<dateline_core::StoryText>>;
    /// The public ones of the stories `ids`, by id, as [`story_texts`](Self::story_texts)
    /// gives them: what the search index re-reads after changes.
    async fn story_texts_of(&self, ids: &[StoryId]) -> Result<Vec<dateline_core::StoryText>>;
    /// The newest row of the page-cache change log (0 when empty).
    async fn last_page_change(&self) -> Result<i64>;
    /// The page-cache change log after row `after`, oldest first: (row, keys it touched).
    /// See [`local_changes`].
    async fn page_changes_after(&self, after: i64) -> Result<Vec<(i64, Vec<ChangeKey>)>>;

    /// Adds page views counted in memory, each (story, hour as the unix second it starts at,
    /// views), in one transaction: views of a story in an hour already written are added to
    /// them. Views of a story that no longer exists are left out.
    async fn add_views(&self, views: &[(StoryId, i64, u64)]) -> Result<()>;
    /// "Most Read": the stories public now that were read most in the hours from the one
    /// `since` falls in, most first (equal counts: newest first), at most `limit`.
    async fn most_read(&self, since: Timestamp, limit: u32) -> Result<Vec<StorySummary>>;
    /// Deletes the page views of hours before the one `before` falls in; answers how many
    /// rows went.
    async fn prune_views(&self, before: Timestamp) -> Result<u64>;
    /// Records in the change log that the "Most Read" list changed
    /// ([`ChangeKey::MostRead`]), so the pages showing it are made again.
    async fn most_read_changed(&self, now: Timestamp) -> Result<()>;

    /// The edit lock on `story`, lapsed or not.
    async fn story_lock(&self, story: StoryId) -> Result<Option<StoryLock>>;
    /// Takes the edit lock on `want.story` for `want.holder`, in one transaction: when the
    /// story has none, when `want.holder` holds it (a heartbeat: `since` is kept), when its
    /// heartbeat is before `lapsed_before`, or when `force` (taking over); the session it is
    /// taken from is noted in [`StoryLock::taken_from`] (`want`'s is ignored). Answers the
    /// lock as it is afterwards: `want`'s, or the live lock of someone else.
    async fn take_story_lock(
        &self,
        want: &StoryLock,
        lapsed_before: Timestamp,
        force: bool,
    ) -> Result<StoryLock>;
    /// Lets go of the edit lock on `story` if `holder` holds it; answers whether it did.
    async fn release_story_lock(&self, story: StoryId, holder: &str) -> Result<bool>;

    /// Writes a consistent copy of the whole database to `file` (which must not exist) while
    /// the site keeps serving: SQLite's `VACUUM INTO`. PostgreSQL has `pg_dump` for this:
    /// [`StoreError::Config`] there.
    async fn snapshot(&self, file: &Path) -> Result<()>;

    /// Loads many finished stories at once (demo content, imports), in one transaction.
    async fn bulk_insert(&self, stories: &[BulkStory]) -> Result<()>;

    /// Every old address that answers 301 to a story: (the old slug or the old path, the
    /// story, whether it is a path). Slugs first, then paths, each in order.
    async fn redirects(&self) -> Result<Vec<(String, StoryId, bool)>>;
    /// Adds old addresses, as [`Store::redirects`] lists them, in one transaction (bringing
    /// a Dateline export in). An old slug or path already taken keeps its story, and a slug
    /// that is a story's current slug is left out. Answers how many were added.
    ///
    /// # Errors
    /// [`StoreError::Invalid`] when a story does not exist (nothing is added).
    async fn add_redirects(&self, redirects: &[(String, StoryId, bool)]) -> Result<u64>;
    /// Gives story `id`, brought in from a Dateline export by [`Store::import_stories`], what
    /// that cannot say: `was`'s status (unpublished and killed too), its times (created,
    /// last saved, first and last published, the "Updated" stamp, the schedule), version,
    /// corrections with their times and the original it translates (an id on this site).
    /// The story's words, links and slug stay as imported; the lifecycle is not consulted
    /// (the story had this state on the site it came from), and no webhook is queued.
    ///
    /// # Errors
    /// [`StoreError::NotFound`]; [`StoreError::Invalid`] when the state does not hold
    /// together (published without a publication time, scheduled without a time, a
    /// translation of itself or of a story that does not exist).
    async fn restore_imported_story(&self, id: StoryId, was: &Story) -> Result<()>;

    /// How the database connection pool is used at this moment (for operators' metrics):
    /// nothing is asked of the database.
    fn pool_use(&self) -> PoolUse;

    /// Queues one CDN purge of exactly the keys touched by the change-log rows no purge
    /// covers yet (`site` alone when one touched everything) and returns it; `None` when
    /// there are none or another node queued them first (each row is covered once). The
    /// first call on a database only notes where the log ends.
    async fn queue_cdn_purge(&self, now: Timestamp) -> Result<Option<CdnPurge>>;
    /// Claims up to `limit` due CDN purges for `lease_secs` (other nodes skip them meanwhile).
    async fn claim_cdn_purges(&self, now: Timestamp, limit: u32, lease_secs: i64) -> Result<Vec<CdnPurge>>;
    /// Makes a claimed purge that was cut off unrecorded due again at `now`.
    async fn release_cdn_purge(&self, id: i64, now: Timestamp) -> Result<()>;
    /// Records an attempt at a purge: purged, tried again at `retry_at`, or failed for good
    /// (no `retry_at`).
    async fn record_cdn_purge_attempt(
        &self,
        id: i64,
        now: Timestamp,
        purged: bool,
        status_code: Option<i64>,
        error: Option<&str>,
        retry_at: Option<Timestamp>,
    ) -> Result<()>;
    /// The newest `limit` CDN purges, newest first (the admin's log).
    async fn recent_cdn_purges(&self, limit: u32) -> Result<Vec<CdnPurge>>;
}

/// The database connection pool at one moment ([`Store::pool_use`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolUse {
    /// Connections open, idle or in use.
    pub open: u32,
    /// Open connections no one is using.
    pub idle: u32,
    /// The most connections the pool opens; a request waits when all are in use.
    pub max: u32,
}
