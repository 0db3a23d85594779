//! [`SearchIndex`]: opening (and repairing) the index, writing stories into it, searching it.
//!
//! One `IndexWriter` lives behind a mutex (Tantivy allows one writer per index); every write
//! commits and then reloads the reader, so a search made after `upsert` returns sees the story.
//! Searches take a snapshot of the reader and never wait for writes.

use std::fs;
use std::ops::Bound;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{SystemTime, UNIX_EPOCH};

use tantivy::collector::{Count, TopDocs};
use tantivy::directory::error::LockError;
use tantivy::query::{
    AllQuery, BooleanQuery, BoostQuery, ConstScoreQuery, Occur, Query, QueryClone, RangeQuery, TermQuery,
};
use tantivy::schema::{IndexRecordOption, Value};
use tantivy::tokenizer::TextAnalyzer;
use tantivy::{
    DocAddress, Index, IndexReader, IndexWriter, Order, ReloadPolicy, Score, Searcher, TantivyDocument,
    TantivyError, Term,
};
use tracing::{info, warn};

use crate::query::{ParsedText, exclude_queries, include_queries};
use crate::rank;
use crate::schema::{self, Fields, PUBLISHED_AT, SCHEMA_VERSION, VERSION_FILE};
use crate::snippet::Snippets;
use crate::tokenizer::{TEXT_TOKENIZER, analyzer, text_analyzer};
use crate::writer::{self, Writing};
use crate::{Hit, SearchDoc, SearchError, SearchQuery, SearchResults};

/// Results per page are capped at this.
pub const MAX_LIMIT: usize = 100;
/// The words of a story's headline and standfirst that find its related stories.
const RELATED_WORDS: usize = 12;
/// What a shared tag weighs in [`SearchIndex::related`], against a shared word.
const RELATED_TAG_BOOST: f32 = 3.0;
/// Pages starting beyond this offset come back empty (with the right `total`): ranking the
/// first 10,000 hits of a query is the most one search may cost.
pub const MAX_OFFSET: usize = 10_000;
/// `rebuild` reports progress every this many stories.
const PROGRESS_EVERY: u64 = 1_000;

/// Filters keeping less than this share of stories are intersected with the words when ranking
/// (they make candidates few); broader ones are checked story by story (see `search`).
const NARROW_FILTER_SHARE: f64 = 1.0 / 64.0;
/// Listing newest first looks for the page in stories of the last this many days before
/// sorting everything (most pages are found in the first window).
const LISTING_WINDOWS_DAYS: [i64; 3] = [7, 90, 2 * 365];

/// A full-text index of published stories. Cheap to clone; clones share one index.
///
/// Every method blocks (disk and CPU); from async code call it through
/// `tokio::task::spawn_blocking`.
#[derive(Clone)]
pub struct SearchIndex {
    inner: Arc<Inner>,
}

struct Inner {
    index: Index,
    reader: IndexReader,
    /// `None` only after a failure to recreate the writer; the next write tries again.
    writer: Mutex<Option<IndexWriter>>,
    fields: Fields,
    analyzer: TextAnalyzer,
    needs_rebuild: AtomicBool,
}

impl std::fmt::Debug for SearchIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SearchIndex")
            .field("docs", &self.doc_count())
            .field("needs_rebuild", &self.needs_rebuild())
            .finish_non_exhaustive()
    }
}

/// Why an existing index could not be opened.
enum OpenFailure {
    /// Someone else is writing to it: leave it alone.
    Fatal(SearchError),
    /// It is damaged, missing or of another version: recreate it.
    Recreate(String),
}

impl SearchIndex {
    /// Opens the index in `dir`, creating the directory and the index if missing.
    ///
    /// If the index is corrupt, half-written, or of another schema version, the directory's
    /// contents are deleted and an empty index is created. Whenever the index was created empty
    /// here (also the first time), [`needs_rebuild`](Self::needs_rebuild) returns true and the
    /// caller should feed it every published story with [`rebuild`](Self::rebuild).
    ///
    /// # Errors
    ///
    /// [`SearchError::Locked`] when another writer holds the index;
    /// [`SearchError::ForeignDirectory`] when `dir` holds files but is not a search index
    /// (nothing is deleted then); I/O and engine errors otherwise.
    pub fn open(dir: &Path) -> Result<Self, SearchError> {
        fs::create_dir_all(dir).map_err(|e| SearchError::io(dir, e))?;
        match Self::open_existing(dir) {
            Ok(index) => return Ok(index),
            Err(OpenFailure::Fatal(error)) => return Err(error),
            Err(OpenFailure::Recreate(reason)) => {
                if is_empty_dir(dir)? {
                    info!(dir = %dir.display(), "creating a new search index");
                } else {
                    warn!(dir = %dir.display(), reason, "recreating the search index; it must be rebuilt");
                    clear_dir(dir)?;
                }
            }
        }
        let (schema, _) = schema::build();
        let index = Index::create_in_dir(dir, schema)?;
        let this = Self::from_index(index, true)?;
        write_version(dir)?;
        Ok(this)
    }

    /// An empty index in memory, for tests.
    ///
    /// # Errors
    ///
    /// Engine errors only (creating the writer's threads can fail).
    pub fn open_in_ram() -> Result<Self, SearchError> {
        let (schema, _) = schema::build();
        Self::from_index(Index::create_in_ram(schema), true)
    }

    fn open_existing(dir: &Path) -> Result<Self, OpenFailure> {
        let version_path = dir.join(VERSION_FILE);
        match fs::read_to_string(&version_path) {
            Ok(version) if version.trim() == SCHEMA_VERSION => {}
            Ok(version) => {
                return Err(OpenFailure::Recreate(format!("schema version {} on disk", version.trim())));
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(OpenFailure::Recreate("no version file".into()));
            }
            Err(e) => return Err(OpenFailure::Fatal(SearchError::io(version_path, e))),
        }
        let index = Index::open_in_dir(dir).map_err(|e| OpenFailure::Recreate(e.to_string()))?;
        if index.schema() != schema::build().0 {
            return Err(OpenFailure::Recreate("schema differs".into()));
        }
        Self::from_index(index, false).map_err(|error| match error {
            SearchError::Engine(TantivyError::LockFailure(LockError::LockBusy, _)) => {
                OpenFailure::Fatal(SearchError::Locked { path: dir.to_path_buf() })
            }
            other => OpenFailure::Recreate(other.to_string()),
        })
    }

    fn from_index(index: Index, created: bool) -> Result<Self, SearchError> {
        let analyzer = analyzer();
        index.tokenizers().register(TEXT_TOKENIZER, text_analyzer());
        let (_, fields) = schema::build();
        let writer = writer::open(&index, Writing::Live)?;
        let reader = index.reader_builder().reload_policy(ReloadPolicy::Manual).try_into()?;
        Ok(Self {
            inner: Arc::new(Inner {
                index,
                reader,
                writer: Mutex::new(Some(writer)),
                fields,
                analyzer,
                needs_rebuild: AtomicBool::new(created),
            }),
        })
    }

    /// True when the index was created empty by [`open`](Self::open) (missing, corrupt or of
    /// another schema version) and no [`rebuild`](Self::rebuild) has completed since.
    #[must_use]
    pub fn needs_rebuild(&self) -> bool {
        self.inner.needs_rebuild.load(Ordering::Relaxed)
    }

    /// Number of stories in the index, as searches currently see it.
    #[must_use]
    pub fn doc_count(&self) -> u64 {
        self.inner.reader.searcher().num_docs()
    }

    /// Adds a story, or replaces the story with the same id, and commits: searches see it when
    /// this returns. Takes tens of milliseconds (a commit writes a small segment and fsyncs);
    /// for many stories at once use [`upsert_many`](Self::upsert_many).
    ///
    /// # Errors
    ///
    /// Engine errors; the index is left as it was.
    pub fn upsert(&self, doc: &SearchDoc) -> Result<(), SearchError> {
        self.upsert_many(std::slice::from_ref(doc))
    }

    /// Adds or replaces several stories with one commit (for bursts from the wire desk).
    ///
    /// # Errors
    ///
    /// Engine errors; none of the stories is written then.
    pub fn upsert_many(&self, docs: &[SearchDoc]) -> Result<(), SearchError> {
        self.apply(docs, &[])
    }

    /// Removes the story with this id (if indexed) and commits.
    ///
    /// # Errors
    ///
    /// Engine errors.
    pub fn remove(&self, id: i64) -> Result<(), SearchError> {
        self.apply(&[], &[id])
    }

    /// Adds or replaces `docs` and removes the stories `removed` (those indexed), with one
    /// commit: how a batch of changes (a thousand stories published at once) is applied.
    ///
    /// # Errors
    ///
    /// Engine errors; nothing is changed then.
    pub fn apply(&self, docs: &[SearchDoc], removed: &[i64]) -> Result<(), SearchError> {
        let fields = &self.inner.fields;
        self.write(|writer| {
            for &id in removed {
                writer.delete_term(Term::from_field_i64(fields.id, id));
            }
            for doc in docs {
                writer.delete_term(Term::from_field_i64(fields.id, doc.id));
                writer.add_document(fields.document(doc))?;
            }
            Ok(())
        })
    }

    /// Replaces the whole index with `docs` (ids must be unique), calling `progress` with the
    /// number of stories written so far every thousand stories and at the end.
    ///
    /// Searches keep seeing the old contents until the single commit at the end; writes made
    /// meanwhile wait for the rebuild to finish and then apply on top of it. After the commit
    /// this waits for Tantivy to merge segments, so the index is compact when it returns.
    ///
    /// # Errors
    ///
    /// Engine errors; the old contents are kept then.
    pub fn rebuild(
        &self,
        docs: impl Iterator<Item = SearchDoc>,
        mut progress: impl FnMut(u64),
    ) -> Result<u64, SearchError> {
        let fields = &self.inner.fields;
        let index = &self.inner.index;
        let mut slot = self.lock_writer();
        // Every write commits or rolls back before it lets go of the lock: nothing is pending.
        drop(slot.take());
        let mut writer: IndexWriter = writer::open(index, Writing::Rebuild)?;
        let mut count = 0;
        let result = (|| -> Result<(), SearchError> {
            writer.delete_all_documents()?;
            for doc in docs {
                writer.add_document(fields.document(&doc))?;
                count += 1;
                if count % PROGRESS_EVERY == 0 {
                    progress(count);
                }
            }
            writer.commit()?;
            Ok(())
        })();
        if let Err(error) = result {
            if let Err(rollback_error) = writer.rollback() {
                warn!(error = %rollback_error, "search index rollback failed");
            }
            drop(writer);
            *slot = Some(writer::open(index, Writing::Live)?);
            return Err(error);
        }
        self.inner.reader.reload()?;
        self.inner.needs_rebuild.store(false, Ordering::Relaxed);
        progress(count);
        // Let the merges the commit started finish, then go back to the everyday writer. The
        // rebuild is committed by now: a failure here is logged, not returned (a missing writer
        // is recreated by the next write).
        if let Err(error) = writer.wait_merging_threads() {
            warn!(%error, "search index merges after the rebuild failed");
        }
        match writer::open(index, Writing::Live) {
            Ok(writer) => *slot = Some(writer),
            Err(error) => warn!(%error, "search index writer could not be restarted"),
        }
        if let Err(error) = self.inner.reader.reload() {
            warn!(%error, "search index reader could not be reloaded after merging");
        }
        Ok(count)
    }

    /// Runs `ops` on the writer, commits and reloads the reader; rolls back on failure.
    fn write(&self, ops: impl FnOnce(&mut IndexWriter) -> tantivy::Result<()>) -> Result<(), SearchError> {
        let mut slot = self.lock_writer();
        let writer = writer_of(&mut slot, &self.inner.index)?;
        if let Err(error) = ops(writer).and_then(|()| writer.commit().map(drop)) {
            rollback(&mut slot);
            return Err(error.into());
        }
        self.inner.reader.reload()?;
        Ok(())
    }

    /// The writer slot. A panic while it was held (only possible from the caller's iterator or
    /// progress callback in `rebuild`) may leave uncommitted work behind, which is rolled back.
    fn lock_writer(&self) -> MutexGuard<'_, Option<IndexWriter>> {
        match self.inner.writer.lock() {
            Ok(guard) => guard,
            Err(poisoned) => {
                let mut guard = poisoned.into_inner();
                self.inner.writer.clear_poison();
                rollback(&mut guard);
                guard
            }
        }
    }

    /// Searches the index; see [`SearchQuery`] for what each field does.
    ///
    /// With words to look for, hits are ranked by relevance times freshness (the formula is in
    /// the `rank` module). Without (empty text, or only exclusions), the matching stories are
    /// listed newest first with a score of 0. Stored fields and snippets are read only for the
    /// requested page.
    ///
    /// # Errors
    ///
    /// Engine errors (I/O under the index); never the query text.
    pub fn search(&self, q: &SearchQuery) -> Result<SearchResults, SearchError> {
        let inner = &*self.inner;
        let searcher = inner.reader.searcher();
        let parsed = ParsedText::parse(&q.text, &mut inner.analyzer.clone());
        if let (Some(from), Some(to)) = (q.from, q.to)
            && from >= to
        {
            return Ok(SearchResults::default());
        }
        let ranked = !parsed.is_empty();
        let include = include_queries(&parsed, inner.fields.text);
        let exclude = exclude_queries(&parsed, inner.fields.text);
        let filters = self.filters(q, &searcher)?;

        // What matches, and so `total`. `None` matches every story.
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        clauses.extend(include.iter().map(|query| (Occur::Must, query.box_clone())));
        clauses.extend(exclude.iter().map(|query| (Occur::MustNot, query.box_clone())));
        clauses.extend(filters.iter().map(|filter| (Occur::Must, filter.query.box_clone())));
        if !ranked && !clauses.is_empty() {
            clauses.push((Occur::Must, Box::new(AllQuery)));
        }
        let matching = conjunction(clauses);
        let total = match &matching {
            Some(query) => query.count(&searcher)?,
            None => usize::try_from(searcher.num_docs()).unwrap_or(usize::MAX),
        };
        let limit = q.limit.min(MAX_LIMIT);
        if limit == 0 || q.offset > MAX_OFFSET || q.offset >= total {
            return Ok(SearchResults { total, hits: Vec::new() });
        }
        let k = q.offset + limit;
        let now = unix_now();
        let top = if ranked {
            // Ranked by the words alone (a bare term query, or an intersection of term queries:
            // block-max WAND), plus the filters that keep few stories, which make the candidates
            // fewer. Broad filters and exclusions are checked story by story as candidates come,
            // since in the query they would make Tantivy score every match.
            let (narrow, broad): (Vec<_>, Vec<_>) =
                filters.into_iter().partition(|filter| filter.share < NARROW_FILTER_SHARE);
            let mut scoring: Vec<(Occur, Box<dyn Query>)> =
                include.into_iter().map(|query| (Occur::Must, query)).collect();
            scoring.extend(narrow.into_iter().map(|filter| (Occur::Must, filter.query)));
            let required: Vec<_> = broad.into_iter().map(|filter| filter.query).collect();
            let checks = rank::Checks { required: &required, forbidden: &exclude };
            match conjunction(scoring) {
                Some(scoring) => rank::top_k(&searcher, scoring.as_ref(), &checks, k, now)?,
                None => Vec::new(),
            }
        } else {
            newest_first(&searcher, matching.as_deref(), k, total, now)?
        };
        let page: Vec<_> = top.into_iter().skip(q.offset).collect();
        let hits = self.hits(&searcher, &parsed, &page)?;
        Ok(SearchResults { total, hits })
    }

    /// Up to `limit` public stories related to story `id`: sharing its tags (each worth
    /// [`RELATED_TAG_BOOST`] words) and the distinctive words of `text` (its headline and
    /// standfirst: those other stories also have, the rarest first), best first; never the
    /// story itself.
    ///
    /// # Errors
    /// Engine errors (I/O under the index).
    pub fn related(
        &self,
        id: i64,
        text: &str,
        tags: &[String],
        limit: usize,
    ) -> Result<Vec<Hit>, SearchError> {
        let inner = &*self.inner;
        let fields = &inner.fields;
        let searcher = inner.reader.searcher();
        let stories = searcher.num_docs().max(1);
        let mut words: Vec<(u64, Term)> = Vec::new();
        let mut analyzer = inner.analyzer.clone();
        let mut tokens = Vec::new();
        analyzer.token_stream(text).process(&mut |token| tokens.push(token.text.clone()));
        for token in tokens {
            let term = Term::from_field_text(fields.text, &token);
            if words.iter().any(|(_, t)| *t == term) {
                continue;
            }
            let freq = searcher.doc_freq(&term)?;
            // In the story and at least one other; not in a fifth of all stories.
            if freq >= 2 && freq * 5 < stories.max(10) {
                words.push((freq, term));
            }
        }
        words.sort_by_key(|(freq, _)| *freq);
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = words
            .into_iter()
            .take(RELATED_WORDS)
            .map(|(_, term)| {
                (
                    Occur::Should,
                    Box::new(TermQuery::new(term, IndexRecordOption::WithFreqs)) as Box<dyn Query>,
                )
            })
            .collect();
        for tag in tags {
            let query = TermQuery::new(Term::from_field_text(fields.tags, tag), IndexRecordOption::Basic);
            clauses.push((Occur::Should, Box::new(BoostQuery::new(Box::new(query), RELATED_TAG_BOOST))));
        }
        if clauses.is_empty() || limit == 0 {
            return Ok(Vec::new());
        }
        let itself = TermQuery::new(Term::from_field_i64(fields.id, id), IndexRecordOption::Basic);
        clauses.push((Occur::MustNot, Box::new(itself)));
        let query = BooleanQuery::new(clauses);
        // Equal scores are ordered newest first (then by slug), not by where the index keeps
        // the stories: two servers with the same stories show the same block.
        let top =
            searcher.search(&query, &TopDocs::with_limit((limit * 4).min(MAX_LIMIT)).order_by_score())?;
        let mut hits = self.hits(&searcher, &ParsedText::parse("", &mut analyzer), &top)?;
        hits.sort_by(|a, b| {
            b.score.total_cmp(&a.score).then(b.published_at.cmp(&a.published_at)).then(a.slug.cmp(&b.slug))
        });
        hits.truncate(limit);
        Ok(hits)
    }

    /// The filters of `q`, as queries scoring nothing (so they never change the ranking), each
    /// with an estimate of the share of stories it keeps.
    fn filters(&self, q: &SearchQuery, searcher: &Searcher) -> Result<Vec<Filter>, SearchError> {
        let fields = &self.inner.fields;
        let stories = searcher.num_docs().max(1) as f64;
        let terms = [(fields.section, &q.section), (fields.tags, &q.tag), (fields.authors, &q.author)];
        let terms = terms.into_iter().chain([(fields.source, &q.source)]);
        let mut filters = Vec::new();
        for (field, value) in terms {
            let Some(value) = value else { continue };
            let term = Term::from_field_text(field, value);
            let share = searcher.doc_freq(&term)? as f64 / stories;
            let query = TermQuery::new(term, IndexRecordOption::Basic);
            filters.push(Filter { query: Box::new(ConstScoreQuery::new(Box::new(query), 0.0)), share });
        }
        if q.from.is_some() || q.to.is_some() {
            let bound = |value: i64| Term::from_field_i64(fields.published_at, value);
            let lower = q.from.map_or(Bound::Unbounded, |from| Bound::Included(bound(from)));
            let upper = q.to.map_or(Bound::Unbounded, |to| Bound::Excluded(bound(to)));
            let query = ConstScoreQuery::new(Box::new(RangeQuery::new(lower, upper)), 0.0);
            let share = time_share(searcher, q.from, q.to)?;
            filters.push(Filter { query: Box::new(query), share });
        }
        Ok(filters)
    }

    /// Loads the stored fields of the page's stories and makes their snippets.
    fn hits(
        &self,
        searcher: &Searcher,
        parsed: &ParsedText,
        top: &[(Score, DocAddress)],
    ) -> Result<Vec<Hit>, SearchError> {
        if top.is_empty() {
            return Ok(Vec::new());
        }
        let fields = &self.inner.fields;
        let mut snippets = Snippets::new(searcher, parsed, &self.inner.analyzer, fields)?;
        top.iter()
            .map(|&(score, address)| {
                let doc: TantivyDocument = searcher.doc(address)?;
                let text = |field| doc.get_first(field).and_then(|v| v.as_str()).unwrap_or_default();
                let number = |field| doc.get_first(field).and_then(|v| v.as_i64()).unwrap_or_default();
                Ok(Hit {
                    id: number(fields.id),
                    slug: text(fields.slug).to_owned(),
                    headline: text(fields.headline).to_owned(),
                    snippet_html: snippets.html(text(fields.body), text(fields.standfirst)),
                    published_at: number(fields.published_at),
                    score,
                })
            })
            .collect()
    }
}

/// A filter of a search and the share of stories it keeps (estimated, 0 to 1).
struct Filter {
    query: Box<dyn Query>,
    share: f64,
}

/// `None` for no clauses, the query itself for a lone `Must` clause, else their boolean query.
fn conjunction(mut clauses: Vec<(Occur, Box<dyn Query>)>) -> Option<Box<dyn Query>> {
    match clauses.as_slice() {
        [] => None,
        [(Occur::Must, _)] => clauses.pop().map(|(_, query)| query),
        _ => Some(Box::new(BooleanQuery::new(clauses))),
    }
}

/// The share of stories published in `[from, to)`, estimated from the span of publication
/// dates in the index as if stories were spread evenly over it.
fn time_share(searcher: &Searcher, from: Option<i64>, to: Option<i64>) -> Result<f64, SearchError> {
    let (mut first, mut last) = (i64::MAX, i64::MIN);
    for segment in searcher.segment_readers() {
        let published = segment.fast_fields().i64(PUBLISHED_AT)?;
        if segment.num_docs() > 0 {
            first = first.min(published.min_value());
            last = last.max(published.max_value());
        }
    }
    if first > last {
        return Ok(0.0);
    }
    let start = from.map_or(first, |from| from.max(first));
    let end = to.map_or(last, |to| to.min(last));
    Ok((end.saturating_sub(start) as f64 / (last.saturating_sub(first)).max(1) as f64).clamp(0.0, 1.0))
}

/// The `k` newest stories matching `query` (`None`: all), of which there are `total`.
///
/// Sorting a million stories by date costs tens of milliseconds, so the page is first looked
/// for among recent stories: if a window of the last N days holds at least `k` matches, the `k`
/// newest are all in it.
fn newest_first(
    searcher: &Searcher,
    query: Option<&dyn Query>,
    k: usize,
    total: usize,
    now: i64,
) -> Result<Vec<(Score, DocAddress)>, SearchError> {
    let newest = || TopDocs::with_limit(k).order_by_fast_field::<i64>(PUBLISHED_AT, Order::Desc);
    let published_at = searcher.schema().get_field(PUBLISHED_AT)?;
    for days in LISTING_WINDOWS_DAYS {
        let since = Term::from_field_i64(published_at, now.saturating_sub(days * 86_400));
        let window: Box<dyn Query> = Box::new(RangeQuery::new(Bound::Included(since), Bound::Unbounded));
        let in_window: Box<dyn Query> = match query {
            Some(query) => {
                Box::new(BooleanQuery::new(vec![(Occur::Must, query.box_clone()), (Occur::Must, window)]))
            }
            None => window,
        };
        let (top, count) = searcher.search(&in_window, &(newest(), Count))?;
        if count >= k || count == total {
            return Ok(top.into_iter().map(|(_, address)| (0.0, address)).collect());
        }
    }
    let top = match query {
        Some(query) => searcher.search(query, &newest())?,
        None => searcher.search(&AllQuery, &newest())?,
    };
    Ok(top.into_iter().map(|(_, address)| (0.0, address)).collect())
}

fn unix_now() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// The writer in `slot`, recreating it if an earlier failure left the slot empty.
fn writer_of<'a>(
    slot: &'a mut Option<IndexWriter>,
    index: &Index,
) -> Result<&'a mut IndexWriter, SearchError> {
    Ok(match slot {
        Some(writer) => writer,
        None => slot.insert(writer::open(index, Writing::Live)?),
    })
}

/// Drops uncommitted work; if even that fails, drops the writer so the next write starts afresh.
fn rollback(slot: &mut Option<IndexWriter>) {
    if let Some(writer) = slot.as_mut()
        && let Err(error) = writer.rollback()
    {
        warn!(%error, "search index rollback failed; restarting the writer");
        *slot = None;
    }
}

fn is_empty_dir(dir: &Path) -> Result<bool, SearchError> {
    let mut entries = fs::read_dir(dir).map_err(|e| SearchError::io(dir, e))?;
    Ok(entries.next().is_none())
}

/// Deletes everything inside `dir` (not `dir` itself, which may be a mount point), provided it
/// looks like a search index: holding a `meta.json` or a version file.
fn clear_dir(dir: &Path) -> Result<(), SearchError> {
    if !dir.join("meta.json").exists() && !dir.join(VERSION_FILE).exists() {
        return Err(SearchError::ForeignDirectory { path: dir.to_path_buf() });
    }
    for entry in fs::read_dir(dir).map_err(|e| SearchError::io(dir, e))? {
        let path: PathBuf = entry.map_err(|e| SearchError::io(dir, e))?.path();
        let removed = if path.is_dir() { fs::remove_dir_all(&path) } else { fs::remove_file(&path) };
        removed.map_err(|e| SearchError::io(&path, e))?;
    }
    Ok(())
}

/// Writes the version file last, atomically, so a half-created index is never taken as valid.
fn write_version(dir: &Path) -> Result<(), SearchError> {
    let tmp = dir.join(format!("{VERSION_FILE}.tmp"));
    fs::write(&tmp, SCHEMA_VERSION).map_err(|e| SearchError::io(&tmp, e))?;
    let path = dir.join(VERSION_FILE);
    fs::rename(&tmp, &path).map_err(|e| SearchError::io(&path, e))
}
