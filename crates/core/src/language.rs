//! Languages and their writing direction. Pages take `lang` and `dir` from here, so a story
//! in Urdu renders right-to-left on an English site.

use serde::{Deserialize, Serialize};

/// Writing direction of a language, as used by the HTML `dir` attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TextDirection {
    Ltr,
    Rtl,
}

impl TextDirection {
    /// The direction of a BCP 47 language tag (`ur`, `ar-EG`, `en-GB`...).
    pub fn of_language(tag: &str) -> Self {
        const RTL: &[&str] = &["ar", "arc", "ckb", "dv", "fa", "he", "ks", "ps", "sd", "ug", "ur", "yi"];
        let primary = tag.split(['-', '_']).next().unwrap_or("").to_ascii_lowercase();
        if RTL.contains(&primary.as_str()) { Self::Rtl } else { Self::Ltr }
    }

    /// `"ltr"` or `"rtl"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ltr => "ltr",
            Self::Rtl => "rtl",
        }
    }
}

/// Checks that `tag` looks like a BCP 47 language tag: 2-3 letter primary subtag, then
/// optional alphanumeric subtags of 1-8 characters.
pub fn is_language_tag(tag: &str) -> bool {
    let mut parts = tag.split('-');
    let primary_ok = parts
        .next()
        .is_some_and(|p| (2..=3).contains(&p.len()) && p.chars().all(|c| c.is_ascii_alphabetic()));
    primary_ok && parts.all(|p| (1..=8).contains(&p.len()) && p.chars().all(|c| c.is_ascii_alphanumeric()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urdu_and_arabic_are_right_to_left() {
        assert_eq!(TextDirection::of_language("ur"), TextDirection::Rtl);
        assert_eq!(TextDirection::of_language("ar-EG"), TextDirection::Rtl);
        assert_eq!(TextDirection::of_language("en-GB"), TextDirection::Ltr);
        assert_eq!(TextDirection::of_language(""), TextDirection::Ltr);
    }

    #[test]
    fn language_tags_are_checked() {
        assert!(is_language_tag("en"));
        assert!(is_language_tag("en-GB"));
        assert!(is_language_tag("ur-PK"));
        assert!(!is_language_tag("english"));
        assert!(!is_language_tag("e"));
        assert!(!is_language_tag("en-"));
        assert!(!is_language_tag("en GB"));
    }
}
