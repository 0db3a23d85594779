//! "Most Read": page views of stories, counted in memory as they are served and written to
//! the store in batches ([`FLUSH`]), and the list of the stories read most over the last day
//! ([`SPAN`]) that the home and story pages show.
//!
//! A view is a story id and nothing else: no cookie, no address, no user agent is kept (the
//! web layer decides what is a reader's view and calls [`MostRead::count`]). Counting is a
//! map update under a lock held for a few nanoseconds, in one of [`SHARDS`] maps picked by
//! the serving thread, so threads serving pages at once do not pass one lock and one cache
//! line between cores and a cached page stays as fast as it was; at most [`MAX_COUNTED`]
//! stories are counted between two writes, which bounds memory.
//!
//! The list is read from the store every [`REFRESH`] by the background loop ([`run`]), never
//! for each page. When it changed, [`ChangeKey::MostRead`] goes into the change log and the
//! page caches of every process drop the pages showing it. Between refreshes the list held is
//! read again (once, by the first page that asks) when the change log says it may be wrong:
//! a listed story changed (a kill takes it off the list at once), the list changed on another
//! node, or the whole site did.

use dateline_core::{ChangeKey, StoryId, StorySummary};
use dateline_store::Store;
use jiff::{SignedDuration, Timestamp};
use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// How often counted views are written to the store.
pub const FLUSH: Duration = Duration::from_secs(10);
/// How often the list is read again from the store.
pub const REFRESH: Duration = Duration::from_secs(300);
/// The views a list counts: the last day's.
pub const SPAN: SignedDuration = SignedDuration::from_hours(24);
/// Views older than this are deleted from the store.
pub const KEPT: SignedDuration = SignedDuration::from_hours(48);
/// Stories in the list: one more than a page shows, so a story's page can leave itself out.
pub const LISTED: u32 = 6;
/// Stories counted at most between two writes; views of further stories are not counted.
/// Only stories with a page count, so this is reached only by a site with more stories read
/// in [`FLUSH`] than this.
pub const MAX_COUNTED: usize = 100_000;
/// Maps views are counted in, each used by the threads [`shard_of_this_thread`] gives it.
const SHARDS: usize = 8;

/// Views counted by some threads since the last write: a map and a total, alone on their
/// cache lines so two cores counting do not pass them back and forth.
#[derive(Default)]
#[repr(align(128))]
struct Shard(Mutex<Counted>);

#[derive(Default)]
struct Counted {
    /// Views by story since the last write.
    views: HashMap<StoryId, u32>,
    /// Views counted since start (written or not).
    total: u64,
}

impl Shard {
    fn lock(&self) -> std::sync::MutexGuard<'_, Counted> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// The shard this thread counts in: threads take the next one the first time they count.
fn shard_of_this_thread() -> usize {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    thread_local! {
        static SHARD: usize = NEXT.fetch_add(1, Ordering::Relaxed) % SHARDS;
    }
    SHARD.with(|shard| *shard)
}

/// The view counts and the list; cheap to clone (one `Arc`).
#[derive(Clone, Default)]
pub struct MostRead(Arc<Inner>);

struct Inner {
    /// Views since the last write, by story, and since start (for operators and the
    /// benchmark), in [`SHARDS`] parts.
    shards: [Shard; SHARDS],
    /// The list held, and the value of `invalidated` it was read after.
    list: RwLock<Listed>,
    /// Bumped when the change log says the list held may be wrong.
    invalidated: AtomicU64,
    /// Held while the list is read, so pages asking together read it once.
    reading: tokio::sync::Mutex<()>,
}

impl Default for Inner {
    fn default() -> Self {
        Self {
            shards: Default::default(),
            list: RwLock::new(Listed { stories: Arc::from([]), as_of: 0, loaded: false }),
            // Above `as_of`: nothing is held yet.
            invalidated: AtomicU64::new(1),
            reading: tokio::sync::Mutex::new(()),
        }
    }
}

#[derive(Clone)]
struct Listed {
    stories: Arc<[StorySummary]>,
    as_of: u64,
    /// Whether it was ever read from the store (a list never read is not "changed" by the
    /// first reading).
    loaded: bool,
}

impl MostRead {
    /// Counts one view of `story`'s page.
    pub fn count(&self, story: StoryId) {
        let mut counted = self.0.shards[shard_of_this_thread()].lock();
        let room = counted.views.len() < MAX_COUNTED / SHARDS;
        if let Some(views) = counted.views.get_mut(&story) {
            *views = views.saturating_add(1);
        } else if room {
            counted.views.insert(story, 1);
        } else {
            return;
        }
        counted.total += 1;
    }

    /// Views counted since start (written or not).
    pub fn counted(&self) -> u64 {
        self.0.shards.iter().map(|shard| shard.lock().total).sum()
    }

    /// The views counted since the last write, taken out of every shard, by story.
    fn take(&self) -> HashMap<StoryId, u64> {
        let mut taken: HashMap<StoryId, u64> = HashMap::new();
        for shard in &self.0.shards {
            for (story, views) in std::mem::take(&mut shard.lock().views) {
                *taken.entry(story).or_insert(0) += u64::from(views);
            }
        }
        taken
    }

    /// Writes the views counted since the last write as the views of the hour `now` falls
    /// in, in one transaction; answers how many views were written. Views that could not be
    /// written are counted again, for the next write.
    ///
    /// # Errors
    /// The store's error.
    pub async fn flush(&self, store: &dyn Store, now: Timestamp) -> dateline_store::Result<u64> {
        let taken = self.take();
        if taken.is_empty() {
            return Ok(0);
        }
        let hour = now.as_second();
        let batch: Vec<(StoryId, i64, u64)> =
            taken.iter().map(|(&story, &views)| (story, hour, views)).collect();
        match store.add_views(&batch).await {
            Ok(()) => Ok(batch.iter().map(|&(_, _, views)| views).sum()),
            Err(e) => {
                // Kept for the next write, in the shard of the thread that writes.
                let mut counted = self.0.shards[shard_of_this_thread()].lock();
                for (story, views) in taken {
                    if counted.views.len() < MAX_COUNTED / SHARDS || counted.views.contains_key(&story) {
                        let held = counted.views.entry(story).or_insert(0);
                        *held = held.saturating_add(u32::try_from(views).unwrap_or(u32::MAX));
                    }
                }
                Err(e)
            }
        }
    }

    /// Reads the list from the store; when it differs from the one held (other stories or
    /// another order), keeps it and records [`ChangeKey::MostRead`] so pages showing it are
    /// made again. Answers whether it changed.
    ///
    /// # Errors
    /// The store's error.
    pub async fn refresh(&self, store: &dyn Store, now: Timestamp) -> dateline_store::Result<bool> {
        let before = self.0.list.read().unwrap_or_else(|e| e.into_inner()).clone();
        let read = self.read(store, now).await?;
        let changed = before.loaded && ids(&before.stories) != ids(&read);
        if changed {
            store.most_read_changed(now).await?;
        }
        Ok(changed)
    }

    /// The list for a page: the one held, read again first when the change log said it may
    /// be wrong.
    ///
    /// # Errors
    /// The store's error, when the list had to be read again.
    pub async fn stories(
        &self,
        store: &dyn Store,
        now: Timestamp,
    ) -> dateline_store::Result<Arc<[StorySummary]>> {
        if let Some(current) = self.current() {
            return Ok(current);
        }
        let _reading = self.0.reading.lock().await;
        // Another page may have read it while this one waited.
        if let Some(current) = self.current() {
            return Ok(current);
        }
        self.read(store, now).await
    }

    /// Told by a page cache which keys the change log touched (`everything` when it cannot
    /// say): when the list may be wrong now, the next page reads it again. Call it before
    /// the pages that depend on those keys are dropped, so a page made after that drop sees
    /// the list read again.
    pub fn touched(&self, keys: &HashSet<ChangeKey>, everything: bool) {
        let wrong = everything
            || keys.iter().any(|k| matches!(k, ChangeKey::Site | ChangeKey::Bulk | ChangeKey::MostRead))
            || {
                let list = self.0.list.read().unwrap_or_else(|e| e.into_inner());
                list.stories.iter().any(|s| keys.contains(&ChangeKey::Story(s.id)))
            };
        if wrong {
            self.0.invalidated.fetch_add(1, Ordering::AcqRel);
        }
    }

    /// The list held, if nothing said it may be wrong since it was read.
    fn current(&self) -> Option<Arc<[StorySummary]>> {
        let list = self.0.list.read().unwrap_or_else(|e| e.into_inner());
        (list.as_of == self.0.invalidated.load(Ordering::Acquire)).then(|| list.stories.clone())
    }

    /// Reads the list from the store and holds it, as current unless the change log said it
    /// may be wrong while it was being read.
    async fn read(&self, store: &dyn Store, now: Timestamp) -> dateline_store::Result<Arc<[StorySummary]>> {
        let as_of = self.0.invalidated.load(Ordering::Acquire);
        let stories: Arc<[StorySummary]> = store.most_read(now - SPAN, LISTED).await?.into();
        *self.0.list.write().unwrap_or_else(|e| e.into_inner()) =
            Listed { stories: stories.clone(), as_of, loaded: true };
        Ok(stories)
    }
}

fn ids(stories: &[StorySummary]) -> Vec<StoryId> {
    stories.iter().map(|s| s.id).collect()
}

/// Writes counted views every [`FLUSH`], reads the list again and prunes old views every
/// [`REFRESH`], until `stop`; then writes what was counted since the last write.
pub async fn run(most_read: MostRead, store: Arc<dyn Store>, clock: crate::Clock, stop: CancellationToken) {
    let mut ticker = crate::worker::ticker(FLUSH);
    let every = u32::try_from(REFRESH.as_secs() / FLUSH.as_secs().max(1)).unwrap_or(1).max(1);
    let mut ticks: u32 = 0;
    while crate::worker::tick(&mut ticker, &stop).await {
        let now = clock.now();
        if let Err(e) = most_read.flush(store.as_ref(), now).await {
            tracing::warn!(error = %e, "page views could not be written");
        }
        if ticks.is_multiple_of(every) {
            match most_read.refresh(store.as_ref(), now).await {
                Ok(true) => tracing::debug!("most read list changed"),
                Ok(false) => {}
                Err(e) => tracing::warn!(error = %e, "most read list could not be read"),
            }
            if let Err(e) = store.prune_views(now - KEPT).await {
                tracing::warn!(error = %e, "old page views could not be deleted");
            }
        }
        ticks = ticks.wrapping_add(1);
    }
    if let Err(e) = most_read.flush(store.as_ref(), clock.now()).await {
        tracing::warn!(error = %e, "page views could not be written at shutdown");
    }
    // `bench/run` reads this line to say whether views were counted.
    tracing::info!(views = most_read.counted(), "page views counted since start");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_are_bounded_but_counted_stories_keep_counting() {
        let most_read = MostRead::default();
        for id in 0..i64::try_from(MAX_COUNTED).unwrap() + 10 {
            most_read.count(StoryId(id));
        }
        most_read.count(StoryId(0));
        // One thread counts in one shard, which holds its part of the bound.
        let bound = MAX_COUNTED / SHARDS;
        assert_eq!(most_read.counted(), u64::try_from(bound).unwrap() + 1);
        let taken = most_read.take();
        assert_eq!(taken.len(), bound, "stories past the bound are not counted");
        assert_eq!(taken[&StoryId(0)], 2);
        assert!(most_read.take().is_empty(), "taken once");
        assert_eq!(most_read.counted(), u64::try_from(bound).unwrap() + 1, "the total stays");
    }

    #[test]
    fn views_counted_on_many_threads_are_all_taken() {
        let most_read = MostRead::default();
        std::thread::scope(|scope| {
            for _ in 0..SHARDS * 2 {
                scope.spawn(|| {
                    for id in 0..100 {
                        most_read.count(StoryId(id));
                    }
                });
            }
        });
        let taken = most_read.take();
        assert_eq!(taken.len(), 100);
        assert!(taken.values().all(|&views| views == u64::try_from(SHARDS * 2).unwrap()), "{taken:?}");
        assert_eq!(most_read.counted(), u64::try_from(SHARDS * 2 * 100).unwrap());
    }

    #[test]
    fn the_list_is_read_again_only_when_it_may_be_wrong() {
        let most_read = MostRead::default();
        assert!(most_read.current().is_none(), "nothing read yet");
        *most_read.0.list.write().unwrap() = Listed {
            stories: Arc::from([]),
            as_of: most_read.0.invalidated.load(Ordering::Acquire),
            loaded: true,
        };
        assert!(most_read.current().is_some());
        most_read.touched(&HashSet::from([ChangeKey::Story(StoryId(7)), ChangeKey::Front]), false);
        assert!(most_read.current().is_some(), "a story not listed changed");
        most_read.touched(&HashSet::from([ChangeKey::MostRead]), false);
        assert!(most_read.current().is_none(), "the list changed on another node");
    }
}
