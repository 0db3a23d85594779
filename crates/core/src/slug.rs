//! URL slugs. A slug is parsed once at the edge (`Slug::parse`) and is then known to be
//! safe to put in a path: lowercase letters (any script), digits and single hyphens.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Longest slug we accept, in characters.
pub const MAX_SLUG_CHARS: usize = 120;

/// A validated URL slug.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Slug(String);

/// Why a string is not a slug.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SlugError {
    #[error("a slug cannot be empty")]
    Empty,
    #[error("a slug can have at most {MAX_SLUG_CHARS} characters")]
    TooLong,
    #[error("a slug may only hold lowercase letters, digits and single hyphens between them")]
    BadCharacter,
}

impl Slug {
    /// Accepts `s` if it is already a well-formed slug.
    ///
    /// # Errors
    /// [`SlugError`] when `s` is empty, too long, or holds anything but lowercase letters,
    /// digits and single inner hyphens.
    pub fn parse(s: &str) -> Result<Self, SlugError> {
        if s.is_empty() {
            return Err(SlugError::Empty);
        }
        if s.chars().count() > MAX_SLUG_CHARS {
            return Err(SlugError::TooLong);
        }
        let chars_ok = s.chars().all(|c| c == '-' || (c.is_alphanumeric() && !c.is_uppercase()));
        if !chars_ok || s.starts_with('-') || s.ends_with('-') || s.contains("--") {
            return Err(SlugError::BadCharacter);
        }
        Ok(Self(s.to_owned()))
    }

    /// Makes a slug from free text such as a headline: lowercases, keeps letters and digits
    /// of any script, turns everything else into single hyphens and cuts at a word boundary.
    /// Returns `None` when nothing usable is left (e.g. a headline of only punctuation).
    pub fn from_title(title: &str) -> Option<Self> {
        let mut out = String::new();
        for c in title.chars().flat_map(char::to_lowercase) {
            if c.is_alphanumeric() {
                out.push(c);
            } else if !out.is_empty() && !out.ends_with('-') {
                out.push('-');
            }
        }
        let mut cut: String = out.chars().take(MAX_SLUG_CHARS).collect();
        if out.chars().count() > MAX_SLUG_CHARS
            && let Some(pos) = cut.rfind('-')
        {
            cut.truncate(pos);
        }
        let trimmed = cut.trim_matches('-');
        Self::parse(trimmed).ok()
    }

    /// The slug with `-n` appended, for resolving a clash with an existing slug.
    pub fn with_suffix(&self, n: u32) -> Self {
        let suffix = format!("-{n}");
        let keep = MAX_SLUG_CHARS - suffix.len();
        let base: String = self.0.chars().take(keep).collect();
        Self(format!("{}{suffix}", base.trim_end_matches('-')))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Slug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for Slug {
    type Error = SlugError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

impl From<Slug> for String {
    fn from(s: Slug) -> Self {
        s.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headlines_become_slugs() {
        let s = Slug::from_title("Floods hit Sindh: 12 dead, thousands displaced!").unwrap();
        assert_eq!(s.as_str(), "floods-hit-sindh-12-dead-thousands-displaced");
        let urdu = Slug::from_title("کراچی میں بارش").unwrap();
        assert_eq!(urdu.as_str(), "کراچی-میں-بارش");
        assert_eq!(Slug::from_title("!!! ???"), None);
    }

    #[test]
    fn long_titles_are_cut_at_a_word() {
        let long = "word ".repeat(60);
        let s = Slug::from_title(&long).unwrap();
        assert!(s.as_str().chars().count() <= MAX_SLUG_CHARS);
        assert!(s.as_str().ends_with("word"));
    }

    #[test]
    fn bad_slugs_are_rejected() {
        assert_eq!(Slug::parse(""), Err(SlugError::Empty));
        assert_eq!(Slug::parse("Hello"), Err(SlugError::BadCharacter));
        assert_eq!(Slug::parse("a--b"), Err(SlugError::BadCharacter));
        assert_eq!(Slug::parse("-a"), Err(SlugError::BadCharacter));
        assert_eq!(Slug::parse("a/b"), Err(SlugError::BadCharacter));
        assert_eq!(Slug::parse(&"a".repeat(121)), Err(SlugError::TooLong));
        assert!(Slug::parse("pakistan-2025").is_ok());
    }

    #[test]
    fn suffixes_resolve_clashes() {
        let s = Slug::parse("budget").unwrap();
        assert_eq!(s.with_suffix(2).as_str(), "budget-2");
    }
}
