//! Plain-text helpers for the front pages: headlines cut to fit and one-line teasers.

/// Cuts `text` to at most `max_chars` characters at a word boundary, adding "…" when
/// anything was cut. A single word longer than the limit is cut inside the word.
pub fn cut_at_word(text: &str, max_chars: usize) -> String {
    let text = text.trim();
    if text.chars().count() <= max_chars {
        return text.to_owned();
    }
    let budget = max_chars.saturating_sub(1);
    let head: String = text.chars().take(budget).collect();
    let next_is_space = text.chars().nth(budget).is_some_and(char::is_whitespace);
    let cut = if next_is_space {
        head.as_str()
    } else {
        match head.rfind(char::is_whitespace) {
            Some(pos) if pos > 0 => &head[..pos],
            _ => head.as_str(),
        }
    };
    let cut = cut.trim_end_matches(|c: char| c.is_whitespace() || matches!(c, ',' | ';' | ':' | '-' | '–'));
    format!("{cut}…")
}

/// The first line of `text` with whitespace collapsed, cut to `max_chars` at a word.
pub fn teaser(text: &str, max_chars: usize) -> String {
    let first = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    let collapsed = first.split_whitespace().collect::<Vec<_>>().join(" ");
    cut_at_word(&collapsed, max_chars)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_text_is_left_alone() {
        assert_eq!(cut_at_word("Budget passed", 40), "Budget passed");
    }

    #[test]
    fn long_text_is_cut_at_a_word() {
        let cut = cut_at_word("Prime Minister announces relief package for flood-hit districts", 30);
        assert_eq!(cut, "Prime Minister announces…");
        assert!(cut.chars().count() <= 30);
    }

    #[test]
    fn cut_exactly_before_a_space_keeps_the_word() {
        assert_eq!(cut_at_word("abcd efgh ijkl", 6), "abcd…");
    }

    #[test]
    fn one_long_word_is_cut_inside() {
        assert_eq!(cut_at_word("abcdefghijkl", 5), "abcd…");
    }

    #[test]
    fn urdu_is_cut_on_characters_not_bytes() {
        let cut = cut_at_word("کراچی میں شدید بارش کے بعد سڑکیں زیر آب", 15);
        assert!(cut.ends_with('…'));
        assert!(cut.chars().count() <= 15);
    }

    #[test]
    fn teaser_takes_first_non_empty_line() {
        assert_eq!(teaser("\n  First   line here\nsecond", 50), "First line here");
    }
}
