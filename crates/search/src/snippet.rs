//! The short extract shown under each hit, with the reader's words marked.
//!
//! Tantivy's [`SnippetGenerator`] picks the best window of the body (or of the standfirst when
//! the words are not in the body); this module turns it into HTML: text escaped, matched words
//! wrapped in `<mark>`, an ellipsis where the window cuts the text. With nothing to mark (the
//! words were only in the headline, or the search had no words), the start of the standfirst
//! (or body) is shown instead.

use std::collections::BTreeMap;

use tantivy::snippet::{SnippetGenerator, collapse_overlapped_ranges};
use tantivy::tokenizer::TextAnalyzer;
use tantivy::{Searcher, Term};

use crate::SearchError;
use crate::query::ParsedText;
use crate::schema::Fields;

/// Roughly how many characters a snippet holds.
pub const SNIPPET_CHARS: usize = 200;

/// Makes the snippets of one search.
pub(crate) struct Snippets {
    body: SnippetGenerator,
    standfirst: SnippetGenerator,
}

impl Snippets {
    /// Snippet generators that mark the words `parsed` includes (never the excluded ones).
    ///
    /// # Errors
    ///
    /// When a term's document frequency cannot be read.
    pub fn new(
        searcher: &Searcher,
        parsed: &ParsedText,
        analyzer: &TextAnalyzer,
        fields: &Fields,
    ) -> Result<Self, SearchError> {
        let mut terms = BTreeMap::new();
        for (_, word) in parsed.include.iter().flatten() {
            let doc_freq = searcher.doc_freq(&Term::from_field_text(fields.text, word))?;
            // Rarer words weigh more when choosing the window, as in Tantivy's own generator.
            terms.insert(word.clone(), 1.0 / (1.0 + doc_freq as f32));
        }
        let generator = |field| SnippetGenerator::new(terms.clone(), analyzer.clone(), field, SNIPPET_CHARS);
        Ok(Self { body: generator(fields.body), standfirst: generator(fields.standfirst) })
    }

    /// The snippet HTML for one story.
    pub fn html(&mut self, body: &str, standfirst: &str) -> String {
        marked(&mut self.body, body)
            .or_else(|| marked(&mut self.standfirst, standfirst))
            .unwrap_or_else(|| lead(standfirst, body))
    }
}

/// The best window of `text` with the words marked, or `None` when no word is in it.
fn marked(generator: &mut SnippetGenerator, text: &str) -> Option<String> {
    // Tantivy measures the window in bytes; scale it so non-Latin scripts get ~as many chars.
    let chars = text.chars().count().max(1);
    let bytes_per_char = ((text.len() + chars / 2) / chars).max(1);
    generator.set_max_num_chars(SNIPPET_CHARS * bytes_per_char);
    let snippet = generator.snippet(text);
    if snippet.highlighted().is_empty() {
        return None;
    }
    let fragment = snippet.fragment();
    let range = snippet.fragment_range();
    let mut html = String::with_capacity(fragment.len() + 64);
    // The window starts and ends on a word; keep punctuation that touches it ("“", "."), and
    // say "…" only where words were left out.
    let head = &text[..range.start];
    let head_kept = head.len() - head.rfind(char::is_whitespace).map_or(0, |space| space + 1);
    let (head_cut, head_kept) = head.split_at(head.len() - head_kept);
    let head_kept = if head_kept.chars().any(char::is_alphanumeric) { "" } else { head_kept };
    if head_cut.chars().any(char::is_alphanumeric) {
        html.push_str("… ");
    }
    escape_into(&mut html, head_kept);
    let mut at = 0;
    for mark in collapse_overlapped_ranges(snippet.highlighted()) {
        escape_into(&mut html, &fragment[at..mark.start]);
        html.push_str("<mark>");
        escape_into(&mut html, &fragment[mark.clone()]);
        html.push_str("</mark>");
        at = mark.end;
    }
    escape_into(&mut html, &fragment[at..]);
    let tail = &text[range.end..];
    let (tail_kept, tail_cut) = tail.split_at(tail.find(char::is_whitespace).unwrap_or(tail.len()));
    if !tail_kept.chars().any(char::is_alphanumeric) {
        escape_into(&mut html, tail_kept);
    }
    if tail_cut.chars().any(char::is_alphanumeric) {
        html.push_str(" …");
    }
    Some(html)
}

/// The first [`SNIPPET_CHARS`] characters of the standfirst (or of the body when there is no
/// standfirst), cut at a space, escaped.
fn lead(standfirst: &str, body: &str) -> String {
    let text = if standfirst.trim().is_empty() { body } else { standfirst }.trim();
    let mut html = String::new();
    match text.char_indices().nth(SNIPPET_CHARS) {
        None => escape_into(&mut html, text),
        Some((cut, _)) => {
            let head = &text[..cut];
            // Cut at the last space if there is one in the final quarter, else mid-word.
            let head = match head.rfind(char::is_whitespace) {
                Some(space) if space >= cut * 3 / 4 => &head[..space],
                _ => head,
            };
            escape_into(&mut html, head.trim_end());
            html.push_str(" …");
        }
    }
    html
}

/// Appends `text` to `html` with the five HTML-special characters escaped.
pub(crate) fn escape_into(html: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => html.push_str("&amp;"),
            '<' => html.push_str("&lt;"),
            '>' => html.push_str("&gt;"),
            '"' => html.push_str("&quot;"),
            '\'' => html.push_str("&#39;"),
            _ => html.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lead_is_escaped_and_cut_at_a_space() {
        assert_eq!(lead("", "<b>Tom & Jerry</b>"), "&lt;b&gt;Tom &amp; Jerry&lt;/b&gt;");
        let long = "word ".repeat(100);
        let html = lead(&long, "");
        assert!(html.ends_with("word …"), "{html}");
        assert!(html.chars().count() <= SNIPPET_CHARS + 2);
    }
}
