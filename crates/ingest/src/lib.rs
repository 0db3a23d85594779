//! Wire and feed parsers: pure functions from bytes to normalised items or a typed error.
//! A preparation pass ([`prepare`]) makes messy real-world input readable — byte order
//! marks, wrong or missing encodings, HTML entities in XML, bare ampersands — and refuses
//! hostile input (entity bombs, runaway nesting, oversized documents) before any reader
//! sees it. Then RSS 0.9x/1.0/2.0 and Atom 0.3/1.0 ([`feeds`]), JSON Feed, IPTC ninjs and
//! NewsML-G2 each have their own lenient reader. Plain-text fields keep every character;
//! every piece of HTML that comes out has been sanitised by `dateline-core`.
//!
//! Nothing here does I/O: the newsroom's wire take-in hands bytes in, from the push
//! endpoint, the feed poller and drop folders.

mod error;
mod feeds;
mod jsonfeed;
mod model;
mod newsml;
mod ninjs;
pub mod prepare;
mod text;
pub mod wp_content;
pub mod wxr;
mod xmltree;

pub use error::IngestError;
pub use model::{FeedInfo, Media, ParsedFeed, PubStatus, WireItem};
pub use text::plain;

use serde::Serialize;

/// The wire formats Dateline reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    Rss,
    Atom,
    JsonFeed,
    Ninjs,
    NewsMl,
}

impl Format {
    /// Parses a format name as given on the command line.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "rss" => Some(Self::Rss),
            "atom" => Some(Self::Atom),
            "jsonfeed" => Some(Self::JsonFeed),
            "ninjs" => Some(Self::Ninjs),
            "newsml" => Some(Self::NewsMl),
            _ => None,
        }
    }
}

/// Parses `bytes` as `format`, or guesses the format when `None`. `address` is where the
/// document came from (the polled address after redirects, or its `Content-Location`):
/// relative links are resolved against it once `xml:base` has had its say.
///
/// # Errors
/// [`IngestError`] naming what is wrong: empty, too large, not a feed, bad encoding,
/// hostile (entity declarations, nesting too deep), malformed, or of another format than
/// the one asked for.
pub fn parse(bytes: &[u8], format: Option<Format>, address: Option<&str>) -> Result<ParsedFeed, IngestError> {
    let address = address.and_then(|a| url::Url::parse(a.trim()).ok());
    let input = prepare::Input::new(bytes)?;
    let detected = input.detect()?;
    let format = match format {
        Some(asked) if asked != detected => {
            return Err(IngestError::WrongFormat { asked, found: detected });
        }
        Some(asked) => asked,
        None => detected,
    };
    let mut feed = match format {
        Format::Rss | Format::Atom => feeds::parse(&xmltree::parse(&input.text)?, address.as_ref())?,
        Format::JsonFeed => jsonfeed::parse(&input.text, address.as_ref())?,
        Format::Ninjs => ninjs::parse(&input)?,
        Format::NewsMl => newsml::parse(&input)?,
    };
    feed.tidy();
    Ok(feed)
}
