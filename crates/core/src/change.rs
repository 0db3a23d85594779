//! What a change touched: the keys of the change log the store writes with every public
//! change, and that a cached page or an index depends on. One typed key, so the store that
//! writes them, the page cache and the search index that read them, and the pages that
//! declare them cannot disagree on a spelling. In the log a change is its keys written as
//! text, space-separated (`front story:12 section:3`).

use crate::{AuthorId, SectionId, SourceId, StoryFilter, StoryId, TagId};
use std::fmt;
use std::str::FromStr;

/// One thing a change touched.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ChangeKey {
    /// Every page: settings, the menu, sections, names shown everywhere.
    Site,
    /// Stories were loaded in bulk: whatever follows stories one by one starts afresh.
    Bulk,
    /// The pages listing all stories: home, latest, feeds and sitemaps of everything.
    Front,
    Story(StoryId),
    Section(SectionId),
    Tag(TagId),
    Author(AuthorId),
    Source(SourceId),
    /// Every language version of the story with this original (its own id when it is the
    /// original): their pages link to each other.
    Translations(StoryId),
    /// The "Most Read" list (home and story pages): written when its stories or their order
    /// changed, at most every few minutes.
    MostRead,
}

impl ChangeKey {
    /// The key of the list a filter selects.
    pub fn of_list(filter: &StoryFilter) -> Self {
        match *filter {
            StoryFilter::All => Self::Front,
            StoryFilter::Section(id) => Self::Section(id),
            StoryFilter::Tag(id) => Self::Tag(id),
            StoryFilter::Author(id) => Self::Author(id),
            StoryFilter::Source(id) => Self::Source(id),
        }
    }

    /// Keys as the log keeps them: space-separated.
    pub fn join(keys: &[ChangeKey]) -> String {
        let mut text = String::new();
        for key in keys {
            if !text.is_empty() {
                text.push(' ');
            }
            text.push_str(&key.to_string());
        }
        text
    }

    /// Reads keys written by [`join`](Self::join). A key this version does not know (written
    /// by a newer one) is read as [`Site`](Self::Site): dropping too much from a cache is
    /// safe, keeping a stale page is not.
    pub fn split(text: &str) -> impl Iterator<Item = ChangeKey> + '_ {
        text.split_ascii_whitespace().map(|k| k.parse().unwrap_or(ChangeKey::Site))
    }
}

impl fmt::Display for ChangeKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Site => f.write_str("site"),
            Self::Bulk => f.write_str("bulk"),
            Self::Front => f.write_str("front"),
            Self::Story(id) => write!(f, "story:{id}"),
            Self::Section(id) => write!(f, "section:{id}"),
            Self::Tag(id) => write!(f, "tag:{id}"),
            Self::Author(id) => write!(f, "author:{id}"),
            Self::Source(id) => write!(f, "source:{id}"),
            Self::Translations(id) => write!(f, "translations:{id}"),
            Self::MostRead => f.write_str("most-read"),
        }
    }
}

/// A change-log key that is not one of [`ChangeKey`]'s.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a change key: {0:?}")]
pub struct UnknownKey(pub String);

impl FromStr for ChangeKey {
    type Err = UnknownKey;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let unknown = || UnknownKey(text.to_owned());
        match text {
            "site" => return Ok(Self::Site),
            "bulk" => return Ok(Self::Bulk),
            "front" => return Ok(Self::Front),
            "most-read" => return Ok(Self::MostRead),
            _ => {}
        }
        let (kind, id) = text.split_once(':').ok_or_else(unknown)?;
        let id: i64 = id.parse().map_err(|_| unknown())?;
        Ok(match kind {
            "story" => Self::Story(StoryId(id)),
            "section" => Self::Section(SectionId(id)),
            "tag" => Self::Tag(TagId(id)),
            "author" => Self::Author(AuthorId(id)),
            "source" => Self::Source(SourceId(id)),
            "translations" => Self::Translations(StoryId(id)),
            _ => return Err(unknown()),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_reads_back_as_written() {
        let all = [
            ChangeKey::Site,
            ChangeKey::Bulk,
            ChangeKey::Front,
            ChangeKey::Story(StoryId(12)),
            ChangeKey::Section(SectionId(3)),
            ChangeKey::Tag(TagId(4)),
            ChangeKey::Author(AuthorId(5)),
            ChangeKey::Source(SourceId(6)),
            ChangeKey::Translations(StoryId(7)),
            ChangeKey::MostRead,
        ];
        let text = ChangeKey::join(&all);
        assert_eq!(
            text,
            "site bulk front story:12 section:3 tag:4 author:5 source:6 translations:7 most-read"
        );
        assert_eq!(ChangeKey::split(&text).collect::<Vec<_>>(), all);
    }

    #[test]
    fn unknown_keys_are_errors_and_read_as_the_whole_site() {
        for bad in ["", "story", "story:", "story:x", "shelf:1", "Story:1", "front:1", "most-read:1"] {
            assert_eq!(bad.parse::<ChangeKey>(), Err(UnknownKey(bad.to_owned())), "{bad:?}");
        }
        assert_eq!(
            ChangeKey::split("story:1 shelf:2").collect::<Vec<_>>(),
            [ChangeKey::Story(StoryId(1)), ChangeKey::Site]
        );
    }

    #[test]
    fn a_list_filter_names_its_key() {
        assert_eq!(ChangeKey::of_list(&StoryFilter::All), ChangeKey::Front);
        assert_eq!(ChangeKey::of_list(&StoryFilter::Tag(TagId(9))), ChangeKey::Tag(TagId(9)));
    }
}
