//! The index schema: which parts of a story are searched, filtered on, sorted by and stored.
//!
//! Changing anything here changes what is on disk: bump [`SCHEMA_VERSION`] so that existing
//! indexes are recreated (and rebuilt by the caller) instead of being read wrongly.

use tantivy::TantivyDocument;
use tantivy::schema::{
    FAST, Field, INDEXED, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing, TextOptions,
};

use crate::SearchDoc;
use crate::tokenizer::TEXT_TOKENIZER;

/// Written to [`VERSION_FILE`] in the index directory; an index with another version is
/// recreated empty.
pub const SCHEMA_VERSION: &str = "1";
/// The file in the index directory that holds [`SCHEMA_VERSION`].
pub const VERSION_FILE: &str = "dateline-search-version";

/// Name of the `published_at` fast field, used by sorting and the freshness boost.
pub(crate) const PUBLISHED_AT: &str = "published_at";

/// How many times the headline is put into the `text` field (the body once).
const HEADLINE_COPIES: usize = 3;
/// How many times the standfirst is put into the `text` field.
const STANDFIRST_COPIES: usize = 2;

/// Handles on the fields of [`build`]'s schema.
#[derive(Clone, Debug)]
pub(crate) struct Fields {
    pub id: Field,
    pub slug: Field,
    pub headline: Field,
    pub standfirst: Field,
    pub body: Field,
    /// The one searched field: headline, standfirst and body together.
    pub text: Field,
    pub section: Field,
    pub tags: Field,
    pub authors: Field,
    pub source: Field,
    pub language: Field,
    pub published_at: Field,
}

/// The schema and its field handles.
///
/// Headline, standfirst and body are stored for hits and snippets but searched through one
/// indexed field, `text`, that holds the headline three times, the standfirst twice and the
/// body once. Within one field BM25 adds those occurrences up before it saturates, BM25F-style:
/// a word in the headline weighs like three in the body, one in the standfirst like two, and a
/// story does not win merely by repeating a word in every part. One field also keeps every
/// query a flat term query or intersection, which Tantivy ranks with block-max WAND; one union
/// per word over three fields cannot be pruned and was several times slower at a million
/// stories. Copies are separate values, so a phrase never runs from one into the next.
pub(crate) fn build() -> (Schema, Fields) {
    let text = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(TEXT_TOKENIZER)
            .set_index_option(IndexRecordOption::WithFreqsAndPositions),
    );
    let mut builder = Schema::builder();
    let fields = Fields {
        id: builder.add_i64_field("id", INDEXED | STORED),
        slug: builder.add_text_field("slug", STORED),
        headline: builder.add_text_field("headline", STORED),
        standfirst: builder.add_text_field("standfirst", STORED),
        body: builder.add_text_field("body", STORED),
        text: builder.add_text_field("text", text),
        section: builder.add_text_field("section", STRING),
        tags: builder.add_text_field("tags", STRING),
        authors: builder.add_text_field("authors", STRING),
        source: builder.add_text_field("source", STRING),
        language: builder.add_text_field("language", STRING),
        published_at: builder.add_i64_field(PUBLISHED_AT, INDEXED | FAST | STORED),
    };
    (builder.build(), fields)
}

impl Fields {
    /// The Tantivy document for a story.
    pub fn document(&self, doc: &SearchDoc) -> TantivyDocument {
        let mut out = TantivyDocument::default();
        out.add_i64(self.id, doc.id);
        out.add_text(self.slug, &doc.slug);
        out.add_text(self.headline, &doc.headline);
        out.add_text(self.standfirst, &doc.standfirst);
        out.add_text(self.body, &doc.body_text);
        for _ in 0..HEADLINE_COPIES {
            out.add_text(self.text, &doc.headline);
        }
        for _ in 0..STANDFIRST_COPIES {
            out.add_text(self.text, &doc.standfirst);
        }
        out.add_text(self.text, &doc.body_text);
        out.add_text(self.section, &doc.section);
        for tag in &doc.tags {
            out.add_text(self.tags, tag);
        }
        for author in &doc.authors {
            out.add_text(self.authors, author);
        }
        if let Some(source) = &doc.source {
            out.add_text(self.source, source);
        }
        out.add_text(self.language, &doc.language);
        out.add_i64(self.published_at, doc.published_at);
        out
    }
}
