//! Filters: section, tag, author, source, date range; alone and with words.

use dateline_search::{SearchIndex, SearchQuery};

use crate::support::{DAY, index_with, now, story};

fn newsroom() -> SearchIndex {
    let mut a = story(1, "Rain in Lahore", "Rain all day.", 1);
    a.section = "pakistan".into();
    a.tags = vec!["weather".into(), "lahore".into()];
    a.authors = vec!["sana-khan".into()];
    a.source = Some("app".into());
    let mut b = story(2, "Rain in Delhi", "Rain all night.", 10);
    b.section = "world".into();
    b.tags = vec!["weather".into()];
    b.authors = vec!["sana-khan".into(), "raj-patel".into()];
    let mut c = story(3, "Stocks fall", "Rain of sell orders.", 100);
    c.section = "business".into();
    c.tags = vec!["markets".into()];
    c.authors = vec!["raj-patel".into()];
    c.source = Some("reuters".into());
    index_with(&[a, b, c])
}

fn sorted_ids(index: &SearchIndex, query: &SearchQuery) -> (usize, Vec<i64>) {
    let results = index.search(query).unwrap();
    let mut ids: Vec<i64> = results.hits.iter().map(|hit| hit.id).collect();
    ids.sort_unstable();
    (results.total, ids)
}

fn q(text: &str) -> SearchQuery {
    SearchQuery::new(text)
}

#[test]
fn section_filter() {
    let index = newsroom();
    let query = SearchQuery { section: Some("world".into()), ..q("rain") };
    assert_eq!(sorted_ids(&index, &query), (1, vec![2]));
    let query = SearchQuery { section: Some("World".into()), ..q("rain") };
    assert_eq!(sorted_ids(&index, &query).0, 0, "slugs match exactly");
}

#[test]
fn tag_filter_on_multi_valued_tags() {
    let index = newsroom();
    assert_eq!(
        sorted_ids(&index, &SearchQuery { tag: Some("weather".into()), ..q("rain") }),
        (2, vec![1, 2])
    );
    assert_eq!(sorted_ids(&index, &SearchQuery { tag: Some("lahore".into()), ..q("") }), (1, vec![1]));
}

#[test]
fn author_filter_on_co_authored_stories() {
    let index = newsroom();
    assert_eq!(
        sorted_ids(&index, &SearchQuery { author: Some("raj-patel".into()), ..q("rain") }),
        (2, vec![2, 3])
    );
}

#[test]
fn source_filter() {
    let index = newsroom();
    assert_eq!(
        sorted_ids(&index, &SearchQuery { source: Some("reuters".into()), ..q("rain") }),
        (1, vec![3])
    );
    assert_eq!(sorted_ids(&index, &SearchQuery { source: Some("afp".into()), ..q("rain") }), (0, vec![]));
}

#[test]
fn filters_combine() {
    let index = newsroom();
    let query = SearchQuery { tag: Some("weather".into()), author: Some("raj-patel".into()), ..q("rain") };
    assert_eq!(sorted_ids(&index, &query), (1, vec![2]));
}

#[test]
fn date_range_is_inclusive_from_and_exclusive_to() {
    let index = newsroom();
    let published_2 = index.search(&q("delhi")).unwrap().hits[0].published_at;
    let at = |from, to| SearchQuery { from, to, ..q("rain") };
    assert_eq!(sorted_ids(&index, &at(Some(published_2), None)), (2, vec![1, 2]));
    assert_eq!(sorted_ids(&index, &at(Some(published_2 + 1), None)), (1, vec![1]));
    assert_eq!(sorted_ids(&index, &at(None, Some(published_2))), (1, vec![3]));
    assert_eq!(sorted_ids(&index, &at(None, Some(published_2 + 1))), (2, vec![2, 3]));
    assert_eq!(sorted_ids(&index, &at(Some(published_2), Some(published_2 + 1))), (1, vec![2]));
    assert_eq!(sorted_ids(&index, &at(Some(now()), Some(now() - DAY))), (0, vec![]));
}

#[test]
fn filters_without_text_list_newest_first() {
    let index = newsroom();
    let results = index.search(&SearchQuery { author: Some("raj-patel".into()), ..q("") }).unwrap();
    let ids: Vec<i64> = results.hits.iter().map(|hit| hit.id).collect();
    assert_eq!((results.total, ids), (2, vec![2, 3]));
    let results = index.search(&SearchQuery { from: Some(now() - 50 * DAY), ..q("") }).unwrap();
    assert_eq!(results.total, 2);
}

#[test]
fn narrow_and_broad_filters_give_the_same_answers_as_counting() {
    // 200 stories: a tag on one (narrow: intersected with the words), a section on most
    // (broad: checked story by story), and a word to exclude on every third.
    let docs: Vec<_> = (0..200)
        .map(|id| {
            let body = if id % 3 == 0 { "Rain and hail." } else { "Rain again." };
            let mut doc = story(id, "Weather", body, id);
            doc.section = if id % 10 == 0 { "world".into() } else { "pakistan".into() };
            if id == 42 {
                doc.tags = vec!["rare".into()];
            }
            doc
        })
        .collect();
    let index = index_with(&docs);
    let check = |query: SearchQuery, expected: Vec<i64>| {
        let page = |offset, limit| index.search(&SearchQuery { offset, limit, ..query.clone() }).unwrap();
        let (first, second) = (page(0, 100), page(100, 100));
        assert_eq!(first.total, expected.len(), "{query:?}");
        let ranking: Vec<i64> = first.hits.iter().chain(&second.hits).map(|hit| hit.id).collect();
        let mut ids = ranking.clone();
        ids.sort_unstable();
        assert_eq!(ids, expected, "{query:?}");
        // Pruning for a short page must not change the order: it is the start of the long one.
        let short: Vec<i64> = page(0, 5).hits.iter().map(|hit| hit.id).collect();
        assert_eq!(short, ranking.iter().copied().take(5).collect::<Vec<_>>(), "{query:?}");
    };
    check(SearchQuery { tag: Some("rare".into()), ..q("rain") }, vec![42]);
    check(
        SearchQuery { section: Some("pakistan".into()), ..q("rain") },
        (0..200).filter(|id| id % 10 != 0).collect(),
    );
    check(
        SearchQuery { section: Some("pakistan".into()), ..q("rain -hail") },
        (0..200).filter(|id| id % 10 != 0 && id % 3 != 0).collect(),
    );
    check(q("rain -hail"), (0..200).filter(|id| id % 3 != 0).collect());
    check(SearchQuery { tag: Some("rare".into()), ..q("rain -hail") }, vec![]);
}
