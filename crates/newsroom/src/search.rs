//! Keeps the search index (`dateline-search`) in step with the store. The index follows the
//! same change log as the page cache: every `story:ID` key in it means "look at story ID
//! again" (indexed when public, removed otherwise), and a bulk load means "rebuild". The
//! last log row applied is kept in a file beside the index, so a restart carries on where
//! it stopped; a missing, corrupt or too old index is rebuilt from the store in the
//! background. Index calls block, so they run on the blocking pool.

use dateline_core::{ChangeKey, StoryId, StoryText};
use dateline_search::{SearchDoc, SearchIndex};
use dateline_store::Store;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// Stories read from the store per batch when rebuilding.
const BATCH: u32 = 1000;
/// Where the last applied log row is kept, inside the index folder.
const POSITION_FILE: &str = "dateline-log-position";

/// The index and how far it has followed the change log; cheap to clone.
#[derive(Clone)]
pub struct Search(Arc<Inner>);

struct Inner {
    index: SearchIndex,
    /// On disk: the folder, where the log position is kept. In memory (tests): `None`.
    dir: Option<PathBuf>,
    position: tokio::sync::Mutex<Option<i64>>,
    seen_local: AtomicU64,
    /// Searches running at once: one per core. More only queue on the CPU, each with its
    /// own thread and working memory; the semaphore queues them in order instead.
    running: tokio::sync::Semaphore,
}

impl Search {
    /// The index in `dir` (made when missing).
    ///
    /// # Errors
    /// When the folder cannot be made or the index cannot be opened or recreated.
    pub fn open(dir: PathBuf) -> Result<Self, dateline_search::SearchError> {
        let index = SearchIndex::open(&dir)?;
        let position = if index.needs_rebuild() {
            None
        } else {
            std::fs::read_to_string(dir.join(POSITION_FILE)).ok().and_then(|s| s.trim().parse().ok())
        };
        Ok(Self::new(index, Some(dir), position))
    }

    /// An index in memory, built from the store on first use (tests, and no data folder).
    pub fn in_memory() -> Self {
        #[allow(clippy::expect_used)] // a RAM directory has nothing that can fail
        let index = SearchIndex::open_in_ram().expect("an in-memory index opens");
        Self::new(index, None, None)
    }

    fn new(index: SearchIndex, dir: Option<PathBuf>, position: Option<i64>) -> Self {
        Self(Arc::new(Inner {
            index,
            dir,
            position: tokio::sync::Mutex::new(position),
            seen_local: AtomicU64::new(u64::MAX),
            running: tokio::sync::Semaphore::new(std::thread::available_parallelism().map_or(2, |n| n.get())),
        }))
    }

    /// Runs a query on the blocking pool, waiting for a free core first.
    ///
    /// # Errors
    /// When the index cannot be read.
    pub async fn search(
        &self,
        query: dateline_search::SearchQuery,
    ) -> anyhow::Result<dateline_search::SearchResults> {
        let _turn = self.0.running.acquire().await?;
        let index = self.0.index.clone();
        Ok(tokio::task::spawn_blocking(move || index.search(&query)).await??)
    }

    /// Up to `limit` public stories related to `story` (shared tags, distinctive words of
    /// its headline and standfirst), best first, on the blocking pool.
    ///
    /// # Errors
    /// When the index cannot be read.
    pub async fn related(
        &self,
        story: &dateline_core::Story,
        limit: usize,
    ) -> anyhow::Result<Vec<dateline_search::Hit>> {
        let _turn = self.0.running.acquire().await?;
        let index = self.0.index.clone();
        let (id, text) = (story.id.0, format!("{}\n{}", story.headline, story.standfirst));
        let tags: Vec<String> = story.tags.iter().map(|t| t.slug.to_string()).collect();
        Ok(tokio::task::spawn_blocking(move || index.related(id, &text, &tags, limit)).await??)
    }

    /// Whether this process committed a write since the log was last read.
    pub fn behind(&self) -> bool {
        dateline_store::local_changes() != self.0.seen_local.load(Ordering::Acquire)
    }

    /// Applies the change log up to now: re-reads each touched story, or rebuilds when the
    /// index has no position (new, repaired) or the log says a bulk load happened.
    ///
    /// # Errors
    /// A store or index error; the position is not moved then, so the work is retried.
    pub async fn catch_up(&self, store: &dyn Store) -> anyhow::Result<()> {
        let position = self.0.position.lock().await;
        self.catch_up_holding(store, position).await
    }

    /// Like [`catch_up`](Self::catch_up), but returns at once when another catch-up (a
    /// rebuild, say) is running: a search then answers from the index as it is.
    ///
    /// # Errors
    /// As `catch_up`.
    pub async fn catch_up_if_free(&self, store: &dyn Store) -> anyhow::Result<()> {
        match self.0.position.try_lock() {
            Ok(position) => self.catch_up_holding(store, position).await,
            Err(_) => Ok(()),
        }
    }

    /// Rebuilds the index from the store and saves where the log stands (`dateline
    /// reindex`); returns how many stories were indexed.
    ///
    /// # Errors
    /// A store or index error.
    pub async fn reindex(
        &self,
        store: &dyn Store,
        progress: impl FnMut(u64) + Send + 'static,
    ) -> anyhow::Result<u64> {
        let mut position = self.0.position.lock().await;
        let (at, count) = self.rebuild(store, progress).await?;
        *position = Some(at);
        self.save_position(at);
        Ok(count)
    }

    async fn catch_up_holding(
        &self,
        store: &dyn Store,
        mut position: tokio::sync::MutexGuard<'_, Option<i64>>,
    ) -> anyhow::Result<()> {
        let local = dateline_store::local_changes();
        let Some(from) = *position else {
            let (at, _) = self.rebuild(store, |_| {}).await?;
            *position = Some(at);
            self.save_position(at);
            self.0.seen_local.store(local, Ordering::Release);
            return Ok(());
        };
        let mut from = from;
        loop {
            let rows = store.page_changes_after(from).await?;
            let Some((last, _)) = rows.last() else { break };
            let last = *last;
            if rows.iter().any(|(_, keys)| keys.contains(&ChangeKey::Bulk)) {
                from = self.rebuild(store, |_| {}).await?.0;
                break;
            }
            let mut ids: Vec<StoryId> = rows
                .iter()
                .flat_map(|(_, keys)| keys)
                .filter_map(|k| match k {
                    ChangeKey::Story(id) => Some(*id),
                    _ => None,
                })
                .collect();
            ids.sort_unstable();
            ids.dedup();
            for chunk in ids.chunks(BATCH as usize) {
                self.reindex_stories(store, chunk).await?;
            }
            from = last;
        }
        *position = Some(from);
        self.save_position(from);
        self.0.seen_local.store(local, Ordering::Release);
        Ok(())
    }

    /// Reads the stories `ids` again and applies them with one commit: the public ones
    /// indexed, the others removed.
    async fn reindex_stories(&self, store: &dyn Store, ids: &[StoryId]) -> anyhow::Result<()> {
        let texts = store.story_texts_of(ids).await?;
        let removed: Vec<i64> = ids
            .iter()
            .filter(|id| texts.binary_search_by_key(*id, |t| t.id).is_err())
            .map(|id| id.0)
            .collect();
        let docs: Vec<SearchDoc> = texts.into_iter().map(doc_of_text).collect();
        let index = self.0.index.clone();
        tokio::task::spawn_blocking(move || index.apply(&docs, &removed)).await??;
        Ok(())
    }

    /// Rebuilds the index from every public story; returns the log row it is current with
    /// and the number of stories. `progress` hears the number indexed so far.
    async fn rebuild(
        &self,
        store: &dyn Store,
        progress: impl FnMut(u64) + Send + 'static,
    ) -> anyhow::Result<(i64, u64)> {
        // Changes made while rebuilding are applied again afterwards.
        let at = store.last_page_change().await?;
        let (tx, rx) = std::sync::mpsc::sync_channel::<SearchDoc>(BATCH as usize * 2);
        let index = self.0.index.clone();
        let builder = tokio::task::spawn_blocking(move || index.rebuild(rx.into_iter(), progress));
        let mut after = StoryId(0);
        let fed: anyhow::Result<()> = async {
            loop {
                let batch = store.story_texts(after, BATCH).await?;
                let Some(last) = batch.last() else { return Ok(()) };
                after = last.id;
                let tx = tx.clone();
                // The channel is bounded: wait on the blocking pool, not on this thread.
                let sent = tokio::task::spawn_blocking(move || {
                    batch.into_iter().all(|text| tx.send(doc_of_text(text)).is_ok())
                })
                .await?;
                if !sent {
                    return Ok(());
                }
            }
        }
        .await;
        drop(tx);
        let count = builder.await??;
        fed?;
        tracing::info!(stories = count, "search index rebuilt");
        Ok((at, count))
    }

    fn save_position(&self, at: i64) {
        if let Some(dir) = &self.0.dir
            && let Err(e) = std::fs::write(dir.join(POSITION_FILE), at.to_string())
        {
            tracing::warn!(error = %e, "could not save the search index position");
        }
    }
}

fn doc_of_text(t: StoryText) -> SearchDoc {
    SearchDoc {
        id: t.id.0,
        slug: t.slug,
        headline: t.headline,
        standfirst: t.standfirst,
        body_text: dateline_ingest::plain(&t.body_html),
        section: t.section,
        tags: t.tags,
        authors: t.authors,
        source: t.source,
        language: t.language,
        published_at: t.published_at.as_second(),
    }
}
