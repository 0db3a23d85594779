//! Query syntax: phrases, exclusions, hostile input, empty text.

use dateline_search::SearchQuery;

use crate::support::{found, ids, index_with, search, story};

fn three_stories() -> dateline_search::SearchIndex {
    index_with(&[
        story(1, "Prime minister visits Quetta", "The visit was brief.", 1),
        story(2, "Minister says prime time for reform", "A long interview.", 2),
        story(3, "Cricket: Pakistan win", "The minister of sport congratulated the prime team.", 3),
    ])
}

#[test]
fn phrases_need_the_words_together_and_in_order() {
    let index = three_stories();
    assert_eq!(found(&index, "prime minister"), [1, 2, 3]);
    assert_eq!(found(&index, "\"prime minister\""), [1]);
    assert_eq!(found(&index, "\"minister prime\""), Vec::<i64>::new());
    assert_eq!(found(&index, "\"minister of sport\" cricket"), [3]);
}

#[test]
fn exclusions_remove_words_and_phrases() {
    let index = three_stories();
    assert_eq!(found(&index, "minister -cricket"), [1, 2]);
    assert_eq!(found(&index, "minister -\"prime minister\""), [2, 3]);
    assert_eq!(found(&index, "minister -quetta -reform"), [3]);
}

#[test]
fn hostile_queries_are_plain_words_not_errors() {
    let index = three_stories();
    assert_eq!(found(&index, "\"prime minister"), [1, 2, 3]);
    assert_eq!(found(&index, "cricket:pakistan"), [3]);
    assert_eq!(found(&index, "title:cricket"), Vec::<i64>::new());
    assert_eq!(found(&index, "((quetta"), [1]);
    assert_eq!(found(&index, "quetta AND OR NOT"), Vec::<i64>::new());
    assert_eq!(found(&index, "quetta* ~2 ^3 [a TO b] {}"), Vec::<i64>::new());
    assert_eq!(found(&index, "quetta*"), [1]);
    for text in ["-", "((", "))", "\"", "\"\"", ":", "--", "- -", "\\", "*", "-\"", "\u{0}", "a:b"] {
        index.search(&SearchQuery::new(text)).unwrap();
    }
    let long = "minister ".repeat(1_200);
    assert_eq!(long.chars().count(), 10_800);
    assert_eq!(search(&index, &long).total, 3);
    let long_garbage: String = (0..10_000).map(|i| char::from(b'!' + (i % 90) as u8)).collect();
    index.search(&SearchQuery::new(long_garbage)).unwrap();
}

#[test]
fn empty_text_lists_the_latest_stories() {
    let index = three_stories();
    assert_eq!(ids(&search(&index, "")), [1, 2, 3]);
    assert_eq!(ids(&search(&index, "   ")), [1, 2, 3]);
    // Text with no word in it counts as empty.
    assert_eq!(ids(&search(&index, "(( - :")), [1, 2, 3]);
    let results = search(&index, "");
    assert_eq!(results.total, 3);
    assert!(results.hits.iter().all(|hit| hit.score == 0.0));
    let page = index.search(&SearchQuery { offset: 1, limit: 1, ..SearchQuery::default() }).unwrap();
    assert_eq!((page.total, ids(&page)), (3, vec![2]));
}

#[test]
fn only_exclusions_list_the_other_stories_newest_first() {
    let index = three_stories();
    let results = search(&index, "-cricket");
    assert_eq!((results.total, ids(&results)), (2, vec![1, 2]));
}

#[test]
fn phrases_of_common_words_match_only_words_side_by_side() {
    let mut crossing = story(4, "Minister travels to", "Body.", 4);
    crossing.standfirst = "The north welcomed him.".into();
    let index = index_with(&[
        story(1, "Talks", "It was the state of the art in talks.", 1),
        story(2, "Talks", "The state said the art of talks is dead.", 2),
        story(3, "One of the best", "Body.", 3),
        crossing,
    ]);
    assert_eq!(found(&index, "\"of the\""), [1, 3]);
    assert_eq!(found(&index, "\"state of the art\""), [1]);
    assert_eq!(found(&index, "\"the art of\""), [2]);
    assert_eq!(found(&index, "\"one of the best\""), [3]);
    assert_eq!(found(&index, "\"the\""), [1, 2, 3, 4]);
    assert_eq!(found(&index, "talks -\"of the\""), [2]);
    // Not across the headline, the standfirst and the copies of the headline.
    assert_eq!(found(&index, "\"to the\""), Vec::<i64>::new());
    assert_eq!(found(&index, "\"to minister\""), Vec::<i64>::new());
    assert_eq!(found(&index, "\"travels to\""), [4]);
}
