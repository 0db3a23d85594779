//! Ranking: BM25 relevance times a freshness boost, collected with pruning.
//!
//! ```text
//! score = bm25 * (1 + W * H / (H + age_days))      W = 0.5, H = 7 days
//! ```
//!
//! `bm25` is the sum over the reader's words (and phrases) of their BM25 scores in the `text`
//! field, where the headline counts three times and the standfirst twice (see `schema`);
//! `age_days` is the story's age when the query runs (0 for a story dated in the future). A
//! story published now gets +50%, a week-old one +25%, a month-old one +9.5%, a year-old one
//! +1%: among stories of similar relevance the newer wins, while a much better match still
//! beats a fresher one. The boost falls strictly with age, so of two equally relevant stories
//! the newer ranks first.
//!
//! Because the boost is at most `1 + W`, a story whose `bm25` is below `kth / (1 + W)` (where
//! `kth` is the final score of the k-th best story so far) cannot enter the top k. That bound is
//! handed to Tantivy as the pruning threshold, so term queries and intersections of them run
//! block-max WAND (skipping blocks of postings that cannot reach the top k) instead of scoring
//! every match. The bound is tightened per segment with the segment's newest story, and
//! segments are visited newest first. Broad filters and exclusions are checked on each
//! candidate as it comes ([`Checks`]) rather than put in the query, which would stop pruning.

use std::cmp::{Ordering, Reverse};
use std::collections::BinaryHeap;

use tantivy::query::{EnableScoring, Query, Scorer, Weight};
use tantivy::{DocAddress, DocId, DocSet, Score, Searcher};

use crate::schema::PUBLISHED_AT;

/// The most a story can gain from freshness (0.5 = +50%).
const FRESHNESS_WEIGHT: f32 = 0.5;
/// The age, in days, at which a story has lost half of that gain.
const FRESHNESS_HALF_DAYS: f32 = 7.0;
const SECONDS_PER_DAY: f32 = 86_400.0;

/// `1 + W * H / (H + age_days)`; see the module documentation.
pub(crate) fn freshness_boost(now: i64, published_at: i64) -> Score {
    let age_days = now.saturating_sub(published_at).max(0) as f32 / SECONDS_PER_DAY;
    1.0 + FRESHNESS_WEIGHT * FRESHNESS_HALF_DAYS / (FRESHNESS_HALF_DAYS + age_days)
}

/// A candidate in the top-k heap, ordered by score, then by earlier address (as Tantivy does).
#[derive(Clone, Copy, Debug)]
struct Ranked {
    score: Score,
    address: DocAddress,
}

impl Ord for Ranked {
    fn cmp(&self, other: &Self) -> Ordering {
        self.score.total_cmp(&other.score).then_with(|| other.address.cmp(&self.address))
    }
}

impl PartialOrd for Ranked {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Ranked {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Ranked {}

/// Conditions checked on each candidate story rather than being part of the ranked query.
pub(crate) struct Checks<'a> {
    /// A story must match all of these.
    pub required: &'a [Box<dyn Query>],
    /// A story must match none of these.
    pub forbidden: &'a [Box<dyn Query>],
}

/// The `k` best stories for `query` (that pass `checks`) by relevance times freshness at
/// `now`, best first.
///
/// # Errors
///
/// Engine errors while building the weight or reading postings and fast fields.
pub(crate) fn top_k(
    searcher: &Searcher,
    query: &dyn Query,
    checks: &Checks<'_>,
    k: usize,
    now: i64,
) -> tantivy::Result<Vec<(Score, DocAddress)>> {
    if k == 0 {
        return Ok(Vec::new());
    }
    let weight = query.weight(EnableScoring::enabled_from_searcher(searcher))?;
    let unscored = |queries: &[Box<dyn Query>]| -> tantivy::Result<Vec<Box<dyn Weight>>> {
        queries.iter().map(|query| query.weight(EnableScoring::disabled_from_searcher(searcher))).collect()
    };
    let (required, forbidden) = (unscored(checks.required)?, unscored(checks.forbidden)?);
    // The newest segments first: their high boosts raise the threshold early.
    let mut segments: Vec<_> = searcher
        .segment_readers()
        .iter()
        .enumerate()
        .map(|(ord, segment)| {
            let published = segment.fast_fields().i64(PUBLISHED_AT)?;
            let newest = published.max_value();
            Ok((ord, segment, published, newest))
        })
        .collect::<tantivy::Result<_>>()?;
    segments.sort_by_key(|&(_, _, _, newest)| Reverse(newest));

    let mut heap: BinaryHeap<Reverse<Ranked>> = BinaryHeap::with_capacity(k + 1);
    for (ord, segment, published, newest) in segments {
        // Overestimated a little, so float rounding can never prune a story that belongs.
        let max_boost = freshness_boost(now, newest) * (1.0 + 1e-5);
        let published = published.first_or_default_col(now);
        let alive = segment.alive_bitset();
        let segment_ord = u32::try_from(ord).unwrap_or(u32::MAX);
        let threshold = |heap: &BinaryHeap<Reverse<Ranked>>| match heap.peek() {
            Some(Reverse(kth)) if heap.len() >= k => kth.score / max_boost,
            _ => Score::MIN,
        };
        let scorers = |weights: &[Box<dyn Weight>]| -> tantivy::Result<Vec<Box<dyn Scorer>>> {
            weights.iter().map(|weight| weight.scorer(segment, 1.0)).collect()
        };
        let (mut required, mut forbidden) = (scorers(&required)?, scorers(&forbidden)?);
        let start = threshold(&heap);
        // Candidates come in increasing document order, so the checks only ever seek forward.
        weight.for_each_pruning(start, segment, &mut |doc, bm25| {
            let passes = alive.is_none_or(|alive| alive.is_alive(doc))
                && required.iter_mut().all(|scorer| holds(scorer.as_mut(), doc))
                && !forbidden.iter_mut().any(|scorer| holds(scorer.as_mut(), doc));
            if passes {
                let candidate = Ranked {
                    score: bm25 * freshness_boost(now, published.get_val(doc)),
                    address: DocAddress::new(segment_ord, doc),
                };
                if heap.len() < k {
                    heap.push(Reverse(candidate));
                } else if heap.peek().is_some_and(|Reverse(kth)| candidate > *kth) {
                    heap.pop();
                    heap.push(Reverse(candidate));
                }
            }
            threshold(&heap)
        })?;
    }
    let mut ranked: Vec<Ranked> = heap.into_iter().map(|Reverse(ranked)| ranked).collect();
    ranked.sort_by(|a, b| b.cmp(a));
    Ok(ranked.into_iter().map(|ranked| (ranked.score, ranked.address)).collect())
}

/// Whether `docs` contains `doc`, given that it has not yet moved past it.
fn holds(docs: &mut dyn DocSet, doc: DocId) -> bool {
    let mut at = docs.doc();
    if at < doc {
        at = docs.seek(doc);
    }
    at == doc
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn freshness_falls_with_age() {
        let now = 1_800_000_000;
        let day = 86_400;
        assert!((freshness_boost(now, now) - 1.5).abs() < 1e-6);
        assert!((freshness_boost(now, now + day) - 1.5).abs() < 1e-6);
        assert!((freshness_boost(now, now - 7 * day) - 1.25).abs() < 1e-6);
        assert!(freshness_boost(now, now - 730 * day) > freshness_boost(now, now - 1095 * day));
        assert!(freshness_boost(now, i64::MIN) >= 1.0);
    }

    #[test]
    fn ranked_orders_by_score_then_earlier_address() {
        let at = |score, doc| Ranked { score, address: DocAddress::new(0, doc) };
        assert!(at(2.0, 5) > at(1.0, 1));
        assert!(at(1.0, 1) > at(1.0, 2));
    }
}
