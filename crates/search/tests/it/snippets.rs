//! Snippets: marked, escaped, taken from the right field.

use dateline_search::SearchQuery;

use crate::support::{index_with, search, story};

#[test]
fn snippet_marks_the_words_and_escapes_html() {
    let index = index_with(&[story(
        1,
        "Hack",
        "Attackers injected <script>alert('x')</script> & more into the flood warning page.",
        1,
    )]);
    let html = &search(&index, "flood script").hits[0].snippet_html;
    assert!(html.contains("<mark>flood</mark>"), "{html}");
    assert!(html.contains("&lt;<mark>script</mark>&gt;alert(&#39;x&#39;)"), "{html}");
    assert!(html.contains("&amp; more"), "{html}");
    assert!(!html.contains("<script"), "{html}");
}

#[test]
fn snippet_is_a_short_window_around_the_match() {
    let body =
        format!("{} The dam burst at dawn. {}", "Filler words here. ".repeat(40), "More filler. ".repeat(40));
    let index = index_with(&[story(1, "Dam", &body, 1)]);
    let html = &search(&index, "dam burst").hits[0].snippet_html;
    assert!(html.contains("<mark>dam</mark> <mark>burst</mark>"), "{html}");
    assert!(html.starts_with('…') && html.ends_with('…'), "{html}");
    let visible = html.replace("<mark>", "").replace("</mark>", "");
    assert!(visible.chars().count() <= 210, "{}", visible.chars().count());
}

#[test]
fn snippet_comes_from_the_standfirst_when_the_body_has_no_match() {
    let mut doc = story(1, "Rates", "The central bank met on Tuesday.", 1);
    doc.standfirst = "Interest rates rise by half a point.".into();
    let index = index_with(&[doc]);
    assert_eq!(
        search(&index, "interest").hits[0].snippet_html,
        "<mark>Interest</mark> rates rise by half a point."
    );
}

#[test]
fn without_a_match_to_show_the_snippet_is_the_start_of_the_standfirst() {
    let mut doc = story(1, "Rates rise", "The central bank met on Tuesday.", 1);
    doc.standfirst = "A <small> move.".into();
    let index = index_with(&[doc]);
    assert_eq!(search(&index, "rates").hits[0].snippet_html, "A &lt;small&gt; move.");
    let listed = index.search(&SearchQuery::default()).unwrap();
    assert_eq!(listed.hits[0].snippet_html, "A &lt;small&gt; move.");
}

#[test]
fn excluded_words_are_not_marked() {
    let index = index_with(&[story(1, "Floods", "Floods in the north; no drought reported.", 1)]);
    let html = &search(&index, "floods -\"drought season\"").hits[0].snippet_html;
    assert!(html.contains("<mark>Floods</mark>") && !html.contains("<mark>drought"), "{html}");
}
