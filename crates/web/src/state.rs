//! What every handler shares ([`AppState`]): the store, the theme, the clock, the page and
//! site caches, search, pictures, the wire-picture queue, the embed asker, the egress policy, the trusted
//! proxies, the password permits, the "Most Read" counts and the edit locks' heartbeat.

use crate::public::SiteContext;
use crate::theme::Theme;
pub use dateline_newsroom::Clock;
use dateline_store::Store;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

/// Shared state of the web layer. It is one pointer: axum clones the state for every layer
/// and handler of every request, and cloning one `Arc` instead of a dozen was a tenth of a
/// cached page's CPU time (docs/PERFORMANCE.md).
#[derive(Clone)]
pub struct AppState(Arc<Parts>);

/// What the state holds; build one with [`Parts::new`] and struct update syntax, then turn
/// it into an [`AppState`] with `into()`.
#[derive(Clone)]
pub struct Parts {
    pub store: Arc<dyn Store>,
    pub theme: Arc<Theme>,
    pub clock: Clock,
    pub site_cache: SiteCache,
    pub page_cache: crate::page_cache::PageCache,
    pub search: dateline_newsroom::search::Search,
    pub pictures: dateline_newsroom::media::Pictures,
    /// Fetches wire pictures into `pictures`, recording them in `store`: made from those
    /// fields and `egress`, so it is made again ([`AppState::with_wire_images`],
    /// [`AppState::with_egress`]) when they change.
    pub wire_images: dateline_newsroom::wire_images::WireImages,
    /// Asks providers about embed links in saved stories (title, thumbnail into
    /// `pictures`): made from the same fields, and made again as `wire_images` is
    /// ([`AppState::with_embeds`], [`AppState::with_egress`]).
    pub embeds: dateline_newsroom::embeds::Embeds,
    /// The folder drop folders must be under (`[wire] drop_root`); none by default.
    pub drop_root: dateline_newsroom::drop_folder::DropRoot,
    /// Reverse proxies whose `X-Forwarded-For`/`-Proto` are believed (`crate::client`).
    pub trusted_proxies: crate::client::TrustedProxies,
    /// The permits for Argon2 on a request (sign-in, new and changed passwords).
    pub passwords: dateline_newsroom::passwords::Passwords,
    /// What the server's own requests may reach (feeds, webhooks, wire pictures): public
    /// addresses unless `dateline.toml` allows more.
    pub egress: dateline_newsroom::egress::Egress,
    /// Imports started from `/admin/import`, running in the background.
    pub imports: dateline_newsroom::import::jobs::Imports,
    /// Live blogs' reader streams, one shared stream per story.
    pub live: crate::live::LiveHub,
    /// Story page views counted by the page cache, and the "Most Read" list pages show.
    pub most_read: dateline_newsroom::most_read::MostRead,
    /// How often an open story editor beats its edit lock's heartbeat
    /// (`dateline_newsroom::locks`); shorter in browser tests.
    pub lock_heartbeat: Duration,
    /// Requests counted by route and status, with their latencies, for operators
    /// (`crate::metrics`, served on an address of their own).
    pub metrics: crate::metrics::Metrics,
    /// The CDN purge hook (`[cdn]` in `dateline.toml`), following the change log with the
    /// page cache; none by default. Made with [`AppState::with_cdn`], and made again by
    /// [`AppState::with_egress`].
    pub cdn: Option<dateline_newsroom::cdn::Purger>,
}

impl Parts {
    pub fn new(store: Arc<dyn Store>, theme: Theme) -> Self {
        let pictures = dateline_newsroom::media::Pictures::new(dateline_media::MediaStorage::memory());
        let egress = dateline_newsroom::egress::Egress::public_only();
        Self {
            wire_images: dateline_newsroom::wire_images::WireImages::new(
                store.clone(),
                pictures.clone(),
                Clock::System,
                egress.clone(),
                dateline_newsroom::wire_images::Settings::default(),
            ),
            embeds: dateline_newsroom::embeds::Embeds::new(
                store.clone(),
                pictures.clone(),
                Clock::System,
                egress.clone(),
                dateline_newsroom::embeds::Settings::default(),
            ),
            egress,
            store,
            theme: Arc::new(theme),
            clock: Clock::System,
            site_cache: SiteCache::default(),
            page_cache: crate::page_cache::PageCache::default(),
            search: dateline_newsroom::search::Search::in_memory(),
            pictures,
            drop_root: dateline_newsroom::drop_folder::DropRoot::default(),
            trusted_proxies: crate::client::TrustedProxies::default(),
            passwords: dateline_newsroom::passwords::Passwords::for_this_machine(),
            imports: dateline_newsroom::import::jobs::Imports::default(),
            live: crate::live::LiveHub::default(),
            most_read: dateline_newsroom::most_read::MostRead::default(),
            lock_heartbeat: Duration::from_secs(dateline_newsroom::locks::HEARTBEAT_SECS),
            metrics: crate::metrics::Metrics::default(),
            cdn: None,
        }
    }
}

impl From<Parts> for AppState {
    fn from(parts: Parts) -> Self {
        Self(Arc::new(parts))
    }
}

impl std::ops::Deref for AppState {
    type Target = Parts;
    fn deref(&self) -> &Parts {
        &self.0
    }
}

impl AppState {
    pub fn new(store: Arc<dyn Store>, theme: Theme) -> Self {
        Parts::new(store, theme).into()
    }

    /// The parts, to change before serving; copied first when other clones of this state
    /// exist, which keep the parts they had.
    pub fn parts_mut(&mut self) -> &mut Parts {
        Arc::make_mut(&mut self.0)
    }

    /// The state with its wire picture fetcher made anew from its store, pictures, clock and
    /// egress policy: call after setting those.
    #[must_use]
    pub fn with_wire_images(self, settings: dateline_newsroom::wire_images::Settings) -> Self {
        let mut parts = (*self.0).clone();
        parts.wire_images = dateline_newsroom::wire_images::WireImages::new(
            parts.store.clone(),
            parts.pictures.clone(),
            parts.clock.clone(),
            parts.egress.clone(),
            settings,
        );
        parts.into()
    }

    /// The state with its embed asker made anew from its store, pictures, clock and egress
    /// policy: call after setting those.
    #[must_use]
    pub fn with_embeds(self, settings: dateline_newsroom::embeds::Settings) -> Self {
        let mut parts = (*self.0).clone();
        parts.embeds = dateline_newsroom::embeds::Embeds::new(
            parts.store.clone(),
            parts.pictures.clone(),
            parts.clock.clone(),
            parts.egress.clone(),
            settings,
        );
        parts.into()
    }

    /// The state with `egress` as what its requests may reach, the wire picture fetcher
    /// and the embed asker made anew with it (keeping their settings).
    #[must_use]
    pub fn with_egress(self, egress: dateline_newsroom::egress::Egress) -> Self {
        let images = self.wire_images.settings().clone();
        let embeds = self.embeds.settings().clone();
        let cdn = self.cdn.as_ref().map(|p| p.settings().clone());
        let mut parts = (*self.0).clone();
        parts.egress = egress;
        let state = AppState::from(parts).with_wire_images(images).with_embeds(embeds);
        match cdn {
            // The endpoint was admitted before; a policy refusing it now leaves no hook.
            Some(settings) => state.clone().with_cdn(Some(settings)).unwrap_or_else(|e| {
                tracing::error!(error = %e, "the CDN purge hook is off");
                let mut parts = (*state.0).clone();
                parts.cdn = None;
                parts.into()
            }),
            None => state,
        }
    }

    /// The state with the CDN purge hook made from `settings` (none: no purges), its clock
    /// and egress policy: call after setting those.
    ///
    /// # Errors
    /// When the egress policy refuses the endpoint, or the client cannot be made.
    pub fn with_cdn(
        self,
        settings: Option<dateline_newsroom::cdn::Settings>,
    ) -> Result<Self, dateline_newsroom::cdn::StartError> {
        let mut parts = (*self.0).clone();
        parts.cdn = match settings {
            Some(s) => Some(dateline_newsroom::cdn::Purger::new(s, parts.clock.clone(), &parts.egress)?),
            None => None,
        };
        Ok(parts.into())
    }
}

impl AppState {
    /// The newsroom's background work for this state: its store, clock, wire pictures and
    /// egress policy, with the search index, this state's page cache and the CDN purge hook
    /// (when there is one) following the change log.
    pub fn background(&self) -> dateline_newsroom::Background {
        dateline_newsroom::Background {
            store: self.store.clone(),
            clock: self.clock.clone(),
            wire_images: self.wire_images.clone(),
            drop_root: self.drop_root.clone(),
            egress: self.egress.clone(),
            followers: {
                let mut followers: Vec<Arc<dyn dateline_newsroom::Follower>> =
                    vec![Arc::new(self.search.clone()), Arc::new(self.clone())];
                // The CDN purges follow the same log (`dateline_newsroom::cdn`).
                followers
                    .extend(self.cdn.clone().map(|p| Arc::new(p) as Arc<dyn dateline_newsroom::Follower>));
                followers
            },
            most_read: self.most_read.clone(),
        }
    }
}

/// How long settings and sections are reused before they are read again, so a change made
/// by another process (another node, the command line) shows within this time.
const SITE_CACHE_TTL: Duration = Duration::from_secs(5);

/// The site's settings and sections, read on every page, kept for a few seconds instead of
/// being read from the database for each request. Whoever changes them calls [`clear`].
///
/// [`clear`]: SiteCache::clear
#[derive(Clone, Default)]
pub struct SiteCache(Arc<RwLock<Option<CachedSite>>>);

/// When the context was read, and what was read.
type CachedSite = (Instant, Arc<SiteContext>);

impl SiteCache {
    pub(crate) fn get(&self) -> Option<Arc<SiteContext>> {
        let guard = self.0.read().ok()?;
        guard.as_ref().filter(|(at, _)| at.elapsed() < SITE_CACHE_TTL).map(|(_, ctx)| ctx.clone())
    }

    pub(crate) fn put(&self, ctx: Arc<SiteContext>) {
        if let Ok(mut guard) = self.0.write() {
            *guard = Some((Instant::now(), ctx));
        }
    }

    /// Forgets the cached settings and sections; the next page reads them again.
    pub fn clear(&self) {
        if let Ok(mut guard) = self.0.write() {
            *guard = None;
        }
    }
}
