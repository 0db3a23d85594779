//! Ranking: field boosts, freshness, all words required, pagination and totals.

use dateline_search::{SearchIndex, SearchQuery};

use crate::support::{DAY, found, ids, index_with, now, search, story};

#[test]
fn headline_match_ranks_above_body_only_match() {
    let index = index_with(&[
        story(1, "Markets steady", "Traders watched the monsoon forecast closely all week.", 1),
        story(2, "Monsoon reaches Lahore", "Clouds gathered over the city by evening.", 1),
    ]);
    assert_eq!(ids(&search(&index, "monsoon")), [2, 1]);
}

#[test]
fn standfirst_match_ranks_above_body_only_match() {
    let mut in_standfirst = story(1, "Weather", "Clouds gathered over the city by evening.", 1);
    in_standfirst.standfirst = "The monsoon arrives early this year.".into();
    let in_body = story(2, "Weather", "The monsoon arrives early this year, forecasters say.", 1);
    let index = index_with(&[in_body, in_standfirst]);
    assert_eq!(ids(&search(&index, "monsoon")), [1, 2]);
}

#[test]
fn all_words_are_required() {
    let index = index_with(&[
        story(1, "Flood in Karachi", "Water in the streets.", 1),
        story(2, "Flood in Lahore", "Water in the streets.", 1),
        story(3, "Karachi port", "Ships wait.", 1),
    ]);
    assert_eq!(found(&index, "flood karachi"), [1]);
    assert_eq!(found(&index, "FLOOD"), [1, 2]);
}

#[test]
fn newer_of_two_equally_relevant_stories_ranks_first() {
    // Inserted oldest first and newest first, so document order cannot decide.
    for (a, b) in [((1, 30), (2, 2)), ((1, 2), (2, 30))] {
        let index = index_with(&[
            story(a.0, "Budget passed", "The assembly passed the budget.", a.1),
            story(b.0, "Budget passed", "The assembly passed the budget.", b.1),
        ]);
        let newer = if a.1 < b.1 { a.0 } else { b.0 };
        let results = search(&index, "budget");
        assert_eq!(results.hits[0].id, newer);
        assert!(results.hits[0].score > results.hits[1].score);
    }
    // Also between two old stories.
    let index = index_with(&[
        story(1, "Budget passed", "The assembly passed the budget.", 3 * 365),
        story(2, "Budget passed", "The assembly passed the budget.", 2 * 365),
    ]);
    assert_eq!(ids(&search(&index, "budget")), [2, 1]);
}

#[test]
fn a_much_better_match_beats_a_fresher_one() {
    let index = index_with(&[
        story(1, "Budget budget budget", "Budget day: the budget in full.", 60),
        story(2, "Assembly session", "Members also mentioned the budget once.", 0),
    ]);
    assert_eq!(ids(&search(&index, "budget")), [1, 2]);
}

#[test]
fn pages_cover_all_hits_once_and_total_counts_them_all() {
    let docs: Vec<_> = (1..=25).map(|id| story(id, "Election results", "Counting continues.", id)).collect();
    let index = index_with(&docs);
    let mut seen = Vec::new();
    for offset in [0, 10, 20] {
        let page = index
            .search(&SearchQuery { text: "election".into(), offset, limit: 10, ..SearchQuery::default() })
            .unwrap();
        assert_eq!(page.total, 25);
        seen.extend(ids(&page));
    }
    // Freshness orders them: story 1 is the newest.
    assert_eq!(seen, (1..=25).collect::<Vec<_>>());

    let beyond = index
        .search(&SearchQuery { text: "election".into(), offset: 40, limit: 10, ..SearchQuery::default() })
        .unwrap();
    assert_eq!((beyond.total, beyond.hits.len()), (25, 0));
    let count_only =
        index.search(&SearchQuery { text: "election".into(), limit: 0, ..SearchQuery::default() }).unwrap();
    assert_eq!((count_only.total, count_only.hits.len()), (25, 0));
    let huge = index
        .search(&SearchQuery {
            text: "election".into(),
            offset: usize::MAX,
            limit: usize::MAX,
            ..SearchQuery::default()
        })
        .unwrap();
    assert_eq!((huge.total, huge.hits.len()), (25, 0));
    let capped = index
        .search(&SearchQuery { text: "election".into(), limit: 1_000, ..SearchQuery::default() })
        .unwrap();
    assert_eq!(capped.hits.len(), 25);
}

#[test]
fn hits_carry_the_stored_fields() {
    let doc = story(42, "Heatwave warning", "Temperatures near 50C expected.", 3);
    let index = index_with(std::slice::from_ref(&doc));
    let hit = &search(&index, "heatwave").hits[0];
    assert_eq!((hit.id, hit.slug.as_str(), hit.headline.as_str()), (42, "story-42", "Heatwave warning"));
    assert_eq!(hit.published_at, doc.published_at);
    assert!(hit.score > 0.0);
    assert!(doc.published_at > now() - 4 * DAY);
}

#[test]
fn index_is_clone_send_and_sync_and_searchable_while_written() {
    fn assert_traits<T: Clone + Send + Sync + 'static>() {}
    assert_traits::<SearchIndex>();

    let index = SearchIndex::open_in_ram().unwrap();
    let writer = index.clone();
    let handle = std::thread::spawn(move || {
        for id in 0..20 {
            writer.upsert(&story(id, "Live updates", "Rolling coverage.", 0)).unwrap();
        }
    });
    while !handle.is_finished() {
        assert!(search(&index, "live").total <= 20);
    }
    handle.join().unwrap();
    assert_eq!(search(&index, "live").total, 20);
}

#[test]
fn pruned_pages_agree_with_the_full_ranking() {
    // Deterministic pseudo-random stories over a small vocabulary and five years.
    let words = ["flood", "rain", "court", "vote", "match", "city", "power", "the", "of", "in"];
    let mut seed = 12_345_u64;
    let mut next = move |n: u64| {
        seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        (seed >> 33) % n
    };
    let docs: Vec<_> = (0..400)
        .map(|id| {
            let mut text = |len| (0..len).map(|_| words[next(10) as usize]).collect::<Vec<_>>().join(" ");
            let (headline, body) = (text(4), text(30));
            story(id, &headline, &body, i64::try_from(next(5 * 365)).unwrap())
        })
        .collect();
    let index = index_with(&docs);
    for text in ["flood", "flood court", "rain -vote", "\"of the\"", "power city match", "the"] {
        let full =
            index.search(&SearchQuery { text: text.into(), limit: 100, ..SearchQuery::default() }).unwrap();
        let ranking: Vec<i64> = full.hits.iter().map(|hit| hit.id).collect();
        for (offset, limit) in [(0, 1), (0, 10), (5, 7), (30, 20)] {
            let page = index
                .search(&SearchQuery { text: text.into(), offset, limit, ..SearchQuery::default() })
                .unwrap();
            let ids: Vec<i64> = page.hits.iter().map(|hit| hit.id).collect();
            let expected: Vec<i64> = ranking.iter().copied().skip(offset).take(limit).collect();
            assert_eq!(ids, expected, "{text} offset {offset} limit {limit} (total {})", full.total);
            assert_eq!(page.total, full.total);
        }
    }
}
