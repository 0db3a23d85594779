//! What a reader types, turned into Tantivy queries.
//!
//! The syntax is the one people expect from a search box and nothing more:
//!
//! - plain words, all required (`flood karachi` finds stories with both words);
//! - `"exact phrases"` in double quotes;
//! - `-word` and `-"a phrase"` to exclude.
//!
//! There is no field syntax and no error: a colon, a bracket, an unbalanced quote or a stray `-`
//! is just a character. A chunk of text that the tokenizer splits into several words ("e-mail",
//! "a:b", "U.S.", or a run of Chinese characters) is searched as a phrase, since that is how the
//! words stood. Text longer than [`MAX_QUERY_CHARS`] characters is cut, and at most
//! [`MAX_CLAUSES`] words or phrases are used, so a hostile query costs no more than a long one.
//!
//! Every clause is looked for in the one indexed `text` field (headline, standfirst and body;
//! see `schema`), which keeps queries flat: a word is a term query, several words an
//! intersection of term queries, and Tantivy ranks both with block-max WAND.

use tantivy::query::{EnableScoring, Explanation, PhraseQuery, Query, QueryClone, Scorer, TermQuery, Weight};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::tokenizer::TextAnalyzer;
use tantivy::{DocId, DocSet, Score, SegmentReader, Term};

use crate::tokenizer::{gram, is_common};

/// Query text beyond this many characters is ignored.
pub const MAX_QUERY_CHARS: usize = 1_000;
/// At most this many words or phrases (included and excluded together) are searched for.
pub const MAX_CLAUSES: usize = 24;
/// A phrase is cut to this many words.
pub const MAX_PHRASE_WORDS: usize = 24;

/// One word, or several words that must stand together: the analysed tokens with their
/// positions relative to the first one.
pub(crate) type Clause = Vec<(usize, String)>;

/// A reader's query text, parsed.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct ParsedText {
    /// Words and phrases a story must contain.
    pub include: Vec<Clause>,
    /// Words and phrases a story must not contain.
    pub exclude: Vec<Clause>,
}

impl ParsedText {
    /// Parses `text` leniently; see the module documentation.
    pub fn parse(text: &str, analyzer: &mut TextAnalyzer) -> Self {
        let text = match text.char_indices().nth(MAX_QUERY_CHARS) {
            // Cut, and drop the word the cut went through.
            Some((cut, _)) => {
                let text = &text[..cut];
                text.rfind(char::is_whitespace).map_or(text, |space| &text[..space])
            }
            None => text,
        };
        let mut parsed = Self::default();
        let mut rest = text;
        loop {
            rest = rest.trim_start();
            if rest.is_empty() {
                break;
            }
            let negate = rest.starts_with('-');
            rest = rest.trim_start_matches('-');
            let chunk;
            if let Some(after) = rest.strip_prefix('"')
                && let Some(end) = after.find('"')
            {
                chunk = &after[..end];
                rest = &after[end + 1..];
            } else {
                // A word; an unbalanced quote in front of it is ignored.
                let word = rest.trim_start_matches('"');
                let end = word.find(|c: char| c.is_whitespace() || c == '"').unwrap_or(word.len());
                chunk = &word[..end];
                rest = &word[end..];
            }
            parsed.push(chunk, negate, analyzer);
        }
        parsed
    }

    /// True when the text holds no word to look for (it may still exclude some).
    pub fn is_empty(&self) -> bool {
        self.include.is_empty()
    }

    fn push(&mut self, chunk: &str, negate: bool, analyzer: &mut TextAnalyzer) {
        if self.include.len() + self.exclude.len() >= MAX_CLAUSES {
            return;
        }
        let mut clause: Clause = Vec::new();
        let mut stream = analyzer.token_stream(chunk);
        while let Some(token) = stream.next() {
            if clause.len() == MAX_PHRASE_WORDS {
                break;
            }
            clause.push((token.position, token.text.clone()));
        }
        let Some(&(first, _)) = clause.first() else { return };
        for (position, _) in &mut clause {
            *position -= first;
        }
        let list = if negate { &mut self.exclude } else { &mut self.include };
        if !list.contains(&clause) {
            list.push(clause);
        }
    }
}

/// The query for one clause in the `text` field: a term query for a word; for several words,
/// a phrase query over the common-word grams and the words they do not cover (see
/// [`crate::tokenizer`]), or a single term query when one gram covers the whole phrase.
pub(crate) fn clause_query(clause: &Clause, field: Field) -> Box<dyn Query> {
    let term = |text: &str| Term::from_field_text(field, text);
    if let [(_, word)] = clause.as_slice() {
        return Box::new(TermQuery::new(term(word), IndexRecordOption::WithFreqs));
    }
    let mut terms: Vec<(usize, Term)> = Vec::with_capacity(clause.len());
    let mut covered = vec![false; clause.len()];
    for (i, pair) in clause.windows(2).enumerate() {
        let ((first_position, first), (second_position, second)) = (&pair[0], &pair[1]);
        if *second_position == first_position + 1 && (is_common(first) || is_common(second)) {
            terms.push((*first_position, term(&gram(first, second))));
            covered[i] = true;
            covered[i + 1] = true;
        }
    }
    for ((position, word), covered) in clause.iter().zip(covered) {
        if !covered {
            terms.push((*position, term(word)));
        }
    }
    if terms.len() == 1 {
        let (_, only) = terms.remove(0);
        return Box::new(TermQuery::new(only, IndexRecordOption::WithFreqs));
    }
    Box::new(PhraseQuery::new_with_offset(terms))
}

/// The queries for the words and phrases a story must contain.
pub(crate) fn include_queries(parsed: &ParsedText, field: Field) -> Vec<Box<dyn Query>> {
    parsed.include.iter().map(|clause| clause_query(clause, field)).collect()
}

/// The queries for the words and phrases a story must not contain.
pub(crate) fn exclude_queries(parsed: &ParsedText, field: Field) -> Vec<Box<dyn Query>> {
    let exclude = |clause| -> Box<dyn Query> { Box::new(ForwardOnlyQuery(clause_query(clause, field))) };
    parsed.exclude.iter().map(exclude).collect()
}

/// Wraps an excluded clause so that its scorer tolerates being asked for a document it has
/// already passed. Tantivy 0.27's exclusion code does that, and its phrase scorer answers with a
/// debug assertion (tantivy#2811), so `-"a phrase"` panicked in debug builds. Release builds
/// gave the right answer; with this wrapper both do.
#[derive(Debug)]
struct ForwardOnlyQuery(Box<dyn Query>);

impl Clone for ForwardOnlyQuery {
    fn clone(&self) -> Self {
        Self(self.0.box_clone())
    }
}

impl Query for ForwardOnlyQuery {
    fn weight(&self, enable_scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        Ok(Box::new(ForwardOnlyWeight(self.0.weight(enable_scoring)?)))
    }

    fn query_terms<'a>(&'a self, visitor: &mut dyn FnMut(&'a Term, bool)) {
        self.0.query_terms(visitor);
    }
}

struct ForwardOnlyWeight(Box<dyn Weight>);

impl Weight for ForwardOnlyWeight {
    fn scorer(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        Ok(Box::new(ForwardOnlyScorer(self.0.scorer(reader, boost)?)))
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        self.0.explain(reader, doc)
    }
}

/// Seeks only forward; relies on `DocSet`'s default `seek_danger`, which calls `seek` only
/// for a target beyond the current document.
struct ForwardOnlyScorer(Box<dyn Scorer>);

impl DocSet for ForwardOnlyScorer {
    fn advance(&mut self) -> DocId {
        self.0.advance()
    }

    fn seek(&mut self, target: DocId) -> DocId {
        let doc = self.0.doc();
        if doc >= target { doc } else { self.0.seek(target) }
    }

    fn doc(&self) -> DocId {
        self.0.doc()
    }

    fn size_hint(&self) -> u32 {
        self.0.size_hint()
    }

    fn cost(&self) -> u64 {
        self.0.cost()
    }
}

impl Scorer for ForwardOnlyScorer {
    fn score(&mut self) -> Score {
        self.0.score()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tokenizer::analyzer;

    fn parse(text: &str) -> ParsedText {
        ParsedText::parse(text, &mut analyzer())
    }

    fn words(clauses: &[Clause]) -> Vec<Vec<&str>> {
        clauses.iter().map(|clause| clause.iter().map(|(_, word)| word.as_str()).collect()).collect()
    }

    #[test]
    fn words_phrases_and_exclusions() {
        let parsed = parse(r#"Flood "state of emergency" -cricket -"prime minister" karachi"#);
        assert_eq!(
            words(&parsed.include),
            [vec!["flood"], vec!["state", "of", "emergency"], vec!["karachi"]]
        );
        assert_eq!(words(&parsed.exclude), [vec!["cricket"], vec!["prime", "minister"]]);
        assert_eq!(parsed.include[1], [(0, "state".into()), (1, "of".into()), (2, "emergency".into())]);
    }

    #[test]
    fn hostile_text_becomes_plain_words() {
        assert_eq!(words(&parse(r#""unbalanced quote"#).include), [vec!["unbalanced"], vec!["quote"]]);
        assert_eq!(parse("-"), ParsedText::default());
        assert_eq!(parse("(( )) :: \" -- "), ParsedText::default());
        assert_eq!(words(&parse("a:b").include), [vec!["a", "b"]]);
        assert_eq!(words(&parse("title:flood").include), [vec!["title", "flood"]]);
        assert_eq!(words(&parse("well-known - x").include), [vec!["well", "known"], vec!["x"]]);
        assert_eq!(words(&parse("-\"a b").exclude), [vec!["a"]]);
    }

    #[test]
    fn cjk_runs_become_phrases() {
        assert_eq!(words(&parse("東京").include), [vec!["東", "京"]]);
    }

    #[test]
    fn long_queries_are_capped() {
        let long: String = (0..5_000).map(|i| format!("w{i} ")).collect();
        assert_eq!(parse(&long).include.len(), MAX_CLAUSES);
        let phrase = format!("\"{}\"", "x ".repeat(100));
        assert_eq!(parse(&phrase).include[0].len(), MAX_PHRASE_WORDS);
    }

    #[test]
    fn duplicate_words_are_searched_once() {
        assert_eq!(words(&parse("flood Flood FLOOD").include), [vec!["flood"]]);
    }
}
