//! Helpers shared by the tests: stories with sensible defaults, an index holding them.

use std::time::{SystemTime, UNIX_EPOCH};

use dateline_search::{SearchDoc, SearchIndex, SearchQuery, SearchResults};

pub const DAY: i64 = 86_400;

pub fn now() -> i64 {
    i64::try_from(SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs()).unwrap()
}

/// A story in section "news", published `days_ago` days ago.
pub fn story(id: i64, headline: &str, body: &str, days_ago: i64) -> SearchDoc {
    SearchDoc {
        id,
        slug: format!("story-{id}"),
        headline: headline.to_owned(),
        standfirst: String::new(),
        body_text: body.to_owned(),
        section: "news".to_owned(),
        tags: Vec::new(),
        authors: Vec::new(),
        source: None,
        language: "en".to_owned(),
        published_at: now() - days_ago * DAY,
    }
}

pub fn index_with(docs: &[SearchDoc]) -> SearchIndex {
    let index = SearchIndex::open_in_ram().unwrap();
    index.upsert_many(docs).unwrap();
    index
}

pub fn search(index: &SearchIndex, text: &str) -> SearchResults {
    index.search(&SearchQuery::new(text)).unwrap()
}

pub fn ids(results: &SearchResults) -> Vec<i64> {
    results.hits.iter().map(|hit| hit.id).collect()
}

/// Ids found for `text`, sorted (for tests where the order does not matter).
pub fn found(index: &SearchIndex, text: &str) -> Vec<i64> {
    let mut ids = ids(&search(index, text));
    ids.sort_unstable();
    ids
}
