//! The one error type of the parsers: each variant names the problem for the editor who
//! looks at a failing source.

use crate::Format;

/// Why a document could not be read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum IngestError {
    #[error("the document is empty")]
    Empty,
    #[error("the document is {size} bytes; the limit is {limit}")]
    TooLarge { size: usize, limit: usize },
    #[error("not a feed or wire document ({0})")]
    NotAFeed(String),
    #[error("the text is not valid {encoding} and no other encoding fits")]
    Encoding { encoding: String },
    #[error("refused: the document declares XML entities (a possible entity bomb)")]
    EntityDeclarations,
    #[error("refused: elements are nested more than {limit} deep")]
    TooDeep { limit: usize },
    #[error("malformed {what}: {detail}")]
    Malformed { what: &'static str, detail: String },
    #[error("asked to read {asked:?} but the document is {found:?}")]
    WrongFormat { asked: Format, found: Format },
}

impl IngestError {
    pub(crate) fn malformed(what: &'static str, detail: impl ToString) -> Self {
        Self::Malformed { what, detail: detail.to_string() }
    }
}
