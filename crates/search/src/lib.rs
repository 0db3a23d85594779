//! Full-text search over published stories, on Tantivy.
//!
//! Dateline's readers search every word of every story (headline, standfirst and body), in any
//! script the newsroom publishes in, and expect the newest story to win among similar matches.
//! This crate owns that index: [`SearchIndex`] opens it in a directory (repairing or recreating
//! it when needed), takes stories as [`SearchDoc`]s, and answers a [`SearchQuery`] with ranked,
//! filtered, paginated [`Hit`]s carrying highlighted snippets.
//!
//! It sits beside `dateline-store` and knows nothing of it: `dateline-newsroom` follows the
//! store's change log, turns each public story into a `SearchDoc` and calls
//! [`SearchIndex::upsert`], [`SearchIndex::remove`] for a story that is no longer public, and
//! [`SearchIndex::rebuild`] with every published story when [`SearchIndex::needs_rebuild`]
//! says so or on `dateline reindex`.
//! All calls block; from async code use `spawn_blocking`.
//!
//! ```
//! use dateline_search::{SearchDoc, SearchIndex, SearchQuery};
//!
//! let index = SearchIndex::open_in_ram()?;
//! index.upsert(&SearchDoc {
//!     id: 1,
//!     slug: "rain-in-islamabad".into(),
//!     headline: "Heavy rain in Islamabad".into(),
//!     body_text: "Streets flooded after the heaviest rain in a decade.".into(),
//!     section: "pakistan".into(),
//!     language: "en".into(),
//!     published_at: 1_760_000_000,
//!     ..SearchDoc::default()
//! })?;
//! let results = index.search(&SearchQuery::new("rain -snow"))?;
//! assert_eq!(results.total, 1);
//! assert!(results.hits[0].snippet_html.contains("<mark>rain</mark>"));
//! # Ok::<(), dateline_search::SearchError>(())
//! ```

mod error;
mod index;
pub mod query;
mod rank;
mod schema;
mod snippet;
pub mod tokenizer;
mod writer;

pub use error::SearchError;
pub use index::{MAX_LIMIT, MAX_OFFSET, SearchIndex};
pub use schema::{SCHEMA_VERSION, VERSION_FILE};
pub use snippet::SNIPPET_CHARS;

/// A published story as the index sees it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SearchDoc {
    /// The story's id in the store; `upsert` replaces by it.
    pub id: i64,
    /// The story's slug, returned in hits to build its URL.
    pub slug: String,
    /// Searched; a word here weighs like three in the body.
    pub headline: String,
    /// Searched; a word here weighs like two in the body. The snippet source when the body has
    /// no match.
    pub standfirst: String,
    /// The body as plain text (no HTML); searched, and the usual snippet source.
    pub body_text: String,
    /// Section slug, for the `section` filter.
    pub section: String,
    /// Tag slugs, for the `tag` filter.
    pub tags: Vec<String>,
    /// Author slugs, for the `author` filter.
    pub authors: Vec<String>,
    /// Wire source slug, for the `source` filter.
    pub source: Option<String>,
    /// Language code of the story (indexed, not yet used by queries).
    pub language: String,
    /// Publication time, unix seconds: date filters, newest-first listing, freshness boost.
    pub published_at: i64,
}

/// A reader's search.
///
/// `text` follows the search-box syntax of [`query`] (words all required, `"phrases"`,
/// `-exclusions`) and is never an error. Empty text (or text that excludes only) lists the
/// stories matching the filters, newest first. Filters match slugs exactly.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SearchQuery {
    /// What the reader typed.
    pub text: String,
    /// Only stories in this section (slug).
    pub section: Option<String>,
    /// Only stories with this tag (slug).
    pub tag: Option<String>,
    /// Only stories by this author (slug).
    pub author: Option<String>,
    /// Only stories from this wire source (slug).
    pub source: Option<String>,
    /// Only stories published at or after this time (unix seconds).
    pub from: Option<i64>,
    /// Only stories published before this time (unix seconds, exclusive).
    pub to: Option<i64>,
    /// Hits to skip; pages beyond [`MAX_OFFSET`] are empty.
    pub offset: usize,
    /// Hits to return, at most [`MAX_LIMIT`]; 0 only counts.
    pub limit: usize,
}

impl SearchQuery {
    /// The default page size.
    pub const DEFAULT_LIMIT: usize = 20;

    /// A query for `text`, without filters, first page of [`Self::DEFAULT_LIMIT`] hits.
    #[must_use]
    pub fn new(text: impl Into<String>) -> Self {
        Self { text: text.into(), ..Self::default() }
    }
}

impl Default for SearchQuery {
    fn default() -> Self {
        Self {
            text: String::new(),
            section: None,
            tag: None,
            author: None,
            source: None,
            from: None,
            to: None,
            offset: 0,
            limit: Self::DEFAULT_LIMIT,
        }
    }
}

/// One story found.
#[derive(Clone, Debug, PartialEq)]
pub struct Hit {
    /// The story's id in the store.
    pub id: i64,
    /// The story's slug.
    pub slug: String,
    /// The headline, plain text (escape it when rendering).
    pub headline: String,
    /// Up to ~200 characters of body (or standfirst), HTML-escaped, with the reader's words in
    /// `<mark>…</mark>`: safe to insert into a page as is.
    pub snippet_html: String,
    /// Publication time, unix seconds.
    pub published_at: i64,
    /// Relevance times freshness; 0 when listing without words.
    pub score: f32,
}

/// One page of results.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SearchResults {
    /// How many stories match in all (not only on this page).
    pub total: usize,
    /// The requested page.
    pub hits: Vec<Hit>,
}
