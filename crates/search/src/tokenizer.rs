//! The tokenizers: words for queries and snippets, words plus common-word grams for the index.
//!
//! Tantivy's `SimpleTokenizer` splits on anything that is not alphanumeric. That breaks words in
//! scripts that write vowels and other signs as combining marks: the Devanagari virama in
//! "दिल्ली", the nukta, some Arabic harakat, Thai vowel signs. [`WordTokenizer`] keeps those marks
//! inside the word, and also:
//!
//! - emits each Han ideograph and Hiragana character as a token of its own (Chinese and Japanese
//!   do not put spaces between words, so a query of several ideographs becomes a phrase of
//!   single-character tokens, the usual way to make CJK searchable without a dictionary);
//! - normalises what should not make two spellings differ: Arabic harakat (fatha, kasra, shadda...)
//!   and tatweel are dropped, the Arabic forms of yeh and kaf are folded into the Persian/Urdu
//!   forms that Urdu text uses (sources differ in which keyboard they typed with), zero-width
//!   joiners and variation selectors are dropped, and Latin combining accents (text in NFD form)
//!   are dropped so that "cafe\u{301}" is "cafe".
//!
//! [`analyzer`] chains it with a long-token guard, lower-casing and ASCII folding ("café" →
//! "cafe"). There is no stemming: the index is multilingual.
//!
//! [`text_analyzer`], used to index, adds *common-word grams* (Lucene's CommonGrams): next to
//! the words, every pair of adjacent words of which at least one is very common ("of", "the",
//! "کے", "में"...) is also indexed as one term, `of_the`, at the first word's position. A phrase
//! made of common words ("one of the") would otherwise make Tantivy check positions in nearly
//! every story; with grams the phrase query looks up rare terms instead (see
//! [`crate::query`]). `_` never occurs inside a word, so a gram cannot collide with one.

use std::collections::HashSet;
use std::sync::LazyLock;

use tantivy::tokenizer::{
    AsciiFoldingFilter, LowerCaser, RemoveLongFilter, TextAnalyzer, Token, TokenFilter, TokenStream,
    Tokenizer,
};

/// The name under which [`text_analyzer`] is registered on the index.
pub const TEXT_TOKENIZER: &str = "dateline_text";

/// Tokens longer than this many bytes (after normalisation) are dropped: they are junk (base64,
/// URLs run together) and would bloat the term dictionary.
const MAX_TOKEN_BYTES: usize = 100;

/// The most frequent function words of the languages Dateline expects most (English, Urdu,
/// Hindi, Arabic), before normalisation. Changing this list changes the index: bump
/// `SCHEMA_VERSION`.
const COMMON_WORDS: &str = "the of to a and in for is on that with was as at by it he from said his be \
    has have are an will not but were had this who which its they after been their or more also \
    i we one would there she her about up
    کے میں کی اور سے کا ہے نے کو پر یہ ہیں تھا کہ بھی ایک تھی گیا وہ ہو
    के में की और से का है ने को पर यह हैं था कि भी एक थी गया वह हो
    في من على إلى أن التي الذي عن مع هذا";

static COMMON: LazyLock<HashSet<String>> = LazyLock::new(|| {
    let mut analyzer = analyzer();
    let mut common = HashSet::new();
    let mut stream = analyzer.token_stream(COMMON_WORDS);
    while let Some(token) = stream.next() {
        common.insert(token.text.clone());
    }
    common
});

/// True for the (analysed) words that take part in common-word grams.
pub(crate) fn is_common(word: &str) -> bool {
    COMMON.contains(word)
}

/// The gram term for two adjacent analysed words.
pub(crate) fn gram(first: &str, second: &str) -> String {
    let mut gram = String::with_capacity(first.len() + 1 + second.len());
    gram.push_str(first);
    gram.push('_');
    gram.push_str(second);
    gram
}

/// The analyzer for queries and snippets: [`WordTokenizer`], then long tokens removed,
/// lower-cased, ASCII-folded.
#[must_use]
pub fn analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(WordTokenizer::default())
        .filter(RemoveLongFilter::limit(MAX_TOKEN_BYTES))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .build()
}

/// The analyzer of the indexed `text` field: [`analyzer`] plus common-word grams.
#[must_use]
pub fn text_analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(WordTokenizer::default())
        .filter(RemoveLongFilter::limit(MAX_TOKEN_BYTES))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .filter(CommonGrams)
        .build()
}

/// Token filter adding common-word grams; see the module documentation.
#[derive(Clone, Copy, Debug, Default)]
pub struct CommonGrams;

impl TokenFilter for CommonGrams {
    type Tokenizer<T: Tokenizer> = CommonGramsFilter<T>;

    fn transform<T: Tokenizer>(self, tokenizer: T) -> CommonGramsFilter<T> {
        CommonGramsFilter { tokenizer }
    }
}

/// [`CommonGrams`] applied to a tokenizer.
#[derive(Clone)]
pub struct CommonGramsFilter<T> {
    tokenizer: T,
}

impl<T: Tokenizer> Tokenizer for CommonGramsFilter<T> {
    type TokenStream<'a> = CommonGramsStream<T::TokenStream<'a>>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> Self::TokenStream<'a> {
        CommonGramsStream {
            tail: self.tokenizer.token_stream(text),
            current: Token::default(),
            next: None,
            gram: None,
        }
    }
}

/// The token stream of [`CommonGramsFilter`]: each word, followed by the gram it starts (if any).
pub struct CommonGramsStream<T> {
    tail: T,
    current: Token,
    /// The word after `current`, already read from `tail` to decide on a gram.
    next: Option<Token>,
    /// The gram to emit after `current`.
    gram: Option<Token>,
}

impl<T: TokenStream> TokenStream for CommonGramsStream<T> {
    fn advance(&mut self) -> bool {
        if let Some(gram) = self.gram.take() {
            self.current = gram;
            return true;
        }
        let word = match self.next.take() {
            Some(word) => word,
            None if self.tail.advance() => self.tail.token().clone(),
            None => return false,
        };
        if self.tail.advance() {
            let next = self.tail.token();
            if next.position == word.position + 1 && (is_common(&word.text) || is_common(&next.text)) {
                self.gram = Some(Token {
                    offset_from: word.offset_from,
                    offset_to: next.offset_to,
                    position: word.position,
                    text: gram(&word.text, &next.text),
                    position_length: 2,
                });
            }
            self.next = Some(next.clone());
        }
        self.current = word;
        true
    }

    fn token(&self) -> &Token {
        &self.current
    }

    fn token_mut(&mut self) -> &mut Token {
        &mut self.current
    }
}

/// Splits text into words; see the module documentation.
#[derive(Clone, Default)]
pub struct WordTokenizer {
    token: Token,
}

/// The token stream of [`WordTokenizer`].
pub struct WordTokenStream<'a> {
    text: &'a str,
    offset: usize,
    token: &'a mut Token,
}

impl Tokenizer for WordTokenizer {
    type TokenStream<'a> = WordTokenStream<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> WordTokenStream<'a> {
        self.token.reset();
        WordTokenStream { text, offset: 0, token: &mut self.token }
    }
}

impl WordTokenStream<'_> {
    /// Consumes combining marks (and other word-internal characters) from the current offset,
    /// appending their normalised form to the token text.
    fn take_marks(&mut self) {
        for c in self.text[self.offset..].chars() {
            if c.is_alphanumeric() || !is_word_internal(c) {
                break;
            }
            push_normalized(&mut self.token.text, c);
            self.offset += c.len_utf8();
        }
    }
}

impl TokenStream for WordTokenStream<'_> {
    fn advance(&mut self) -> bool {
        loop {
            self.token.text.clear();
            // Skip to the first letter or digit: a word never starts with a combining mark.
            let Some((start, first)) =
                self.text[self.offset..].char_indices().find(|(_, c)| c.is_alphanumeric())
            else {
                self.offset = self.text.len();
                return false;
            };
            let start = self.offset + start;
            self.offset = start + first.len_utf8();
            push_normalized(&mut self.token.text, first);
            if is_single_char_word(first) {
                self.take_marks();
            } else {
                for c in self.text[self.offset..].chars() {
                    if is_single_char_word(c) || !(c.is_alphanumeric() || is_word_internal(c)) {
                        break;
                    }
                    push_normalized(&mut self.token.text, c);
                    self.offset += c.len_utf8();
                }
            }
            if self.token.text.is_empty() {
                // Only characters that normalise to nothing (a lone tatweel).
                continue;
            }
            self.token.offset_from = start;
            self.token.offset_to = self.offset;
            self.token.position = self.token.position.wrapping_add(1);
            return true;
        }
    }

    fn token(&self) -> &Token {
        self.token
    }

    fn token_mut(&mut self) -> &mut Token {
        self.token
    }
}

/// Appends `c` to a token's text in normalised form (see the module documentation).
fn push_normalized(text: &mut String, c: char) {
    match c {
        // Arabic tanween, fatha, damma, kasra, shadda, sukun; tatweel.
        '\u{064B}'..='\u{0652}' | '\u{0640}' => {}
        // Zero-width non-joiner/joiner, variation selectors, Latin combining diacritics.
        '\u{200C}' | '\u{200D}' | '\u{FE00}'..='\u{FE0F}' | '\u{E0100}'..='\u{E01EF}' => {}
        '\u{0300}'..='\u{036F}' => {}
        // Arabic yeh and alef maksura -> Farsi/Urdu yeh; Arabic kaf -> keheh.
        '\u{064A}' | '\u{0649}' => text.push('\u{06CC}'),
        '\u{0643}' => text.push('\u{06A9}'),
        _ => text.push(c),
    }
}

/// Han ideographs and Hiragana: each character is a word of its own.
fn is_single_char_word(c: char) -> bool {
    matches!(c,
        '\u{3040}'..='\u{309F}'
        | '\u{3400}'..='\u{4DBF}'
        | '\u{4E00}'..='\u{9FFF}'
        | '\u{F900}'..='\u{FAFF}'
        | '\u{20000}'..='\u{3FFFF}')
}

/// Characters that are not alphanumeric but belong inside a word: combining marks (general
/// categories Mn and Mc) of the scripts a newsroom is likely to publish in, plus the zero-width
/// joiners. Only asked about characters for which `char::is_alphanumeric` is false (many vowel
/// signs are `Alphabetic` in Unicode and never reach this function).
fn is_word_internal(c: char) -> bool {
    match c {
        // Brahmic scripts of India (Devanagari .. Malayalam) and Sinhala: in these blocks nearly
        // every non-alphanumeric character is a mark; these are the exceptions (dandas,
        // abbreviation signs, currency and other symbols).
        '\u{0900}'..='\u{0DFF}' => !matches!(c,
            '\u{0964}' | '\u{0965}' | '\u{0970}' | '\u{09F2}' | '\u{09F3}' | '\u{09FA}'
            | '\u{09FB}' | '\u{09FD}' | '\u{0A76}' | '\u{0AF0}' | '\u{0AF1}' | '\u{0B70}'
            | '\u{0BF3}'..='\u{0BFA}' | '\u{0C77}' | '\u{0C7F}' | '\u{0C84}' | '\u{0D4F}'
            | '\u{0D79}' | '\u{0DF4}'),
        '\u{0300}'..='\u{036F}'     // combining diacritical marks (Latin, Greek, Cyrillic)
        | '\u{0483}'..='\u{0489}'   // Cyrillic
        | '\u{0591}'..='\u{05BD}' | '\u{05BF}' | '\u{05C1}' | '\u{05C2}' | '\u{05C4}' | '\u{05C5}'
        | '\u{05C7}'                // Hebrew points
        | '\u{0610}'..='\u{061A}' | '\u{064B}'..='\u{065F}' | '\u{0670}'
        | '\u{06D6}'..='\u{06DC}' | '\u{06DF}'..='\u{06E4}' | '\u{06E7}' | '\u{06E8}'
        | '\u{06EA}'..='\u{06ED}'   // Arabic (and Urdu, Persian) marks
        | '\u{0711}' | '\u{0730}'..='\u{074A}' // Syriac
        | '\u{07A6}'..='\u{07B0}'   // Thaana
        | '\u{0898}'..='\u{089F}' | '\u{08CA}'..='\u{08E1}' | '\u{08E3}'..='\u{08FF}' // Arabic ext.
        | '\u{0E31}' | '\u{0E34}'..='\u{0E3A}' | '\u{0E47}'..='\u{0E4E}' // Thai
        | '\u{0EB1}' | '\u{0EB4}'..='\u{0EBC}' | '\u{0EC8}'..='\u{0ECE}' // Lao
        | '\u{0F18}' | '\u{0F19}' | '\u{0F35}' | '\u{0F37}' | '\u{0F39}' | '\u{0F3E}' | '\u{0F3F}'
        | '\u{0F71}'..='\u{0F84}' | '\u{0F86}' | '\u{0F87}' | '\u{0F8D}'..='\u{0FBC}' | '\u{0FC6}' // Tibetan
        | '\u{102B}'..='\u{103E}' | '\u{1056}'..='\u{1059}' | '\u{105E}'..='\u{1060}'
        | '\u{1062}'..='\u{1064}' | '\u{1067}'..='\u{106D}' | '\u{1071}'..='\u{1074}'
        | '\u{1082}'..='\u{108D}' | '\u{108F}' | '\u{109A}'..='\u{109D}' // Myanmar
        | '\u{17B4}'..='\u{17D3}' | '\u{17DD}' // Khmer
        | '\u{1AB0}'..='\u{1AFF}' | '\u{1DC0}'..='\u{1DFF}' | '\u{20D0}'..='\u{20FF}'
        | '\u{FE20}'..='\u{FE2F}'   // combining marks supplements
        | '\u{302A}'..='\u{302F}' | '\u{3099}' | '\u{309A}' // CJK tone marks, kana voicing
        | '\u{A8E0}'..='\u{A8F1}'   // Devanagari extended
        | '\u{200C}' | '\u{200D}'   // zero-width non-joiner, joiner
        | '\u{FE00}'..='\u{FE0F}' | '\u{E0100}'..='\u{E01EF}' => true, // variation selectors
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens(text: &str) -> Vec<String> {
        let mut analyzer = analyzer();
        let mut stream = analyzer.token_stream(text);
        let mut out = Vec::new();
        while let Some(token) = stream.next() {
            out.push(token.text.clone());
        }
        out
    }

    #[test]
    fn latin_words_are_lowercased_and_folded() {
        assert_eq!(
            tokens("Café au LAIT, s'il vous plaît!"),
            ["cafe", "au", "lait", "s", "il", "vous", "plait"]
        );
        assert_eq!(tokens("cafe\u{301}"), ["cafe"]);
    }

    #[test]
    fn devanagari_virama_and_vowel_signs_stay_in_the_word() {
        assert_eq!(tokens("नई दिल्ली में भारी बारिश।"), ["नई", "दिल्ली", "में", "भारी", "बारिश"]);
    }

    #[test]
    fn urdu_words_survive_and_harakat_are_ignored() {
        assert_eq!(tokens("اسلام آباد میں شدید بارش"), ["اسلام", "آباد", "میں", "شدید", "بارش"]);
        assert_eq!(tokens("بَارِش"), ["بارش"]);
        // Arabic yeh and kaf match the Urdu letters.
        assert_eq!(tokens("كيا"), tokens("کیا"));
    }

    #[test]
    fn cyrillic_is_lowercased() {
        assert_eq!(tokens("Сильный ДОЖДЬ в Москве"), ["сильный", "дождь", "в", "москве"]);
    }

    #[test]
    fn han_ideographs_are_single_tokens_and_kana_runs_are_kept() {
        assert_eq!(tokens("東京で大雨"), ["東", "京", "で", "大", "雨"]);
        assert_eq!(tokens("ニュース速報"), ["ニュース", "速", "報"]);
    }

    #[test]
    fn offsets_cover_the_original_text() {
        let mut analyzer = analyzer();
        let text = "a بَارِش b";
        let mut stream = analyzer.token_stream(text);
        let mut spans = Vec::new();
        while let Some(token) = stream.next() {
            spans.push((&text[token.offset_from..token.offset_to], token.position));
        }
        assert_eq!(spans, [("a", 0), ("بَارِش", 1), ("b", 2)]);
    }

    #[test]
    fn common_words_make_grams_at_the_first_position() {
        let mut analyzer = text_analyzer();
        let mut stream = analyzer.token_stream("State of the Art");
        let mut out = Vec::new();
        while let Some(token) = stream.next() {
            out.push((token.text.clone(), token.position));
        }
        let expected =
            [("state", 0), ("state_of", 0), ("of", 1), ("of_the", 1), ("the", 2), ("the_art", 2), ("art", 3)];
        assert_eq!(out, expected.map(|(text, position)| (text.to_owned(), position)));
        assert!(is_common("کے") && is_common("में") && is_common("فی"));
    }

    #[test]
    fn marks_and_punctuation_alone_make_no_tokens() {
        assert!(tokens("\u{0301}\u{094D} -- :: (( \"").is_empty());
        assert!(tokens("ـــ").is_empty());
    }
}
