//! Plain-text helpers: input hygiene for every text that comes from outside (agency copy,
//! forms, API bodies), and headlines cut to fit and one-line teasers for the front pages.

use std::borrow::Cow;

/// Whether `c` is a control character that text from outside may not carry: C0 (NUL
/// included), DEL and C1, except tab and newline. A carriage return counts: [`clean`] turns
/// it into a newline.
pub fn is_unwanted_control(c: char) -> bool {
    c.is_control() && c != '\t' && c != '\n'
}

/// Normalises text that comes from outside, once, at the edge: line ends become `\n` (a
/// `\r\n` pair or a lone `\r`), and NUL and every other C0 and C1 control character but tab
/// and newline are removed. Neither database stores NUL in text, and control characters
/// show as nothing or garbage on a page, in a feed or in a log. Borrows when nothing
/// changes, which is nearly always.
pub fn clean(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_unwanted_control) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\r' => {
                chars.next_if_eq(&'\n');
                out.push('\n');
            }
            c if is_unwanted_control(c) => {}
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// [`clean`] in place, for owned fields.
pub fn clean_in_place(text: &mut String) {
    if let Cow::Owned(cleaned) = clean(text) {
        *text = cleaned;
    }
}

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
    fn clean_removes_nul_and_controls_and_keeps_tab_and_newline() {
        assert_eq!(clean("a\0b\u{1}c\u{7f}d\u{85}e\u{9b}f"), "abcdef");
        assert_eq!(clean("one\ttwo\nthree"), "one\ttwo\nthree");
        assert_eq!(clean("a\r\nb\rc\r\r\nd"), "a\nb\nc\n\nd");
        assert_eq!(clean("کراچی\u{0}میں"), "کراچیمیں");
        assert!(matches!(clean("plain text, \u{200f} and all"), Cow::Borrowed(_)));
        let mut owned = String::from("guid\0-1");
        clean_in_place(&mut owned);
        assert_eq!(owned, "guid-1");
    }

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
