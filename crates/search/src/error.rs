//! The one error type of `dateline-search`.
//!
//! A reader's query text never produces an error (see [`crate::query`]); what can fail is the
//! index itself: the disk under it, the lock that keeps a second writer out, or Tantivy.

use std::path::PathBuf;

/// Everything that can go wrong while opening, writing or searching the index.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SearchError {
    /// Reading, creating or clearing the index directory failed.
    #[error("search index directory {path}: {source}")]
    Io {
        /// The file or directory involved.
        path: PathBuf,
        /// What the operating system said.
        source: std::io::Error,
    },

    /// Another process (or another `SearchIndex` in this one) holds the writer lock.
    #[error("search index {path} is in use by another writer")]
    Locked {
        /// The index directory.
        path: PathBuf,
    },

    /// The directory holds files but none that mark it as a search index, so it is left alone
    /// rather than wiped: most likely the wrong path was configured.
    #[error(
        "refusing to use {path} for the search index: it is not empty and does not look like a \
         search index (no meta.json or dateline-search-version)"
    )]
    ForeignDirectory {
        /// The directory that was given.
        path: PathBuf,
    },

    /// Tantivy failed while indexing or searching.
    #[error("search engine error: {0}")]
    Engine(#[from] tantivy::TantivyError),
}

impl SearchError {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Self::Io { path: path.into(), source }
    }
}
