//! Wire ingest in the store, on both backends: identity by (source, guid), versions,
//! withdrawals, auto-publish or hold, raw payloads kept.

use crate::stories::{at, headlines, newsroom};
use dateline_core::*;
use dateline_store::Store;
use std::sync::Arc;

crate::on_both_backends!(items_follow_the_newsroom_rules, near_duplicates_from_other_agencies_are_grouped);

fn item(guid: &str, version: i64, title: &str, withdrawn: bool) -> IncomingItem {
    IncomingItem {
        guid: guid.into(),
        version: Some(version),
        content_hash: format!("{guid}-{version}-{title}"),
        title: title.into(),
        summary: "Summary.".into(),
        body_html: "<p>Body.</p>".into(),
        authors: vec!["Wire Reporter".into()],
        categories: vec!["Economy".into()],
        language: Some("en".into()),
        place: "Lahore".into(),
        withdrawn,
        json: "{}".into(),
    }
}

async fn items_follow_the_newsroom_rules(store: Arc<dyn Store>) {
    let n = newsroom(&store).await;
    let config = WireConfig {
        kind: "push-ninjs".into(),
        location: None,
        section: Some(n.section.id),
        byline: String::new(),
        language: None,
        auto_publish: true,
    };
    store.configure_source(n.source.id, &config, Some("hash-1")).await.unwrap();
    assert_eq!(store.source_by_push_token("hash-1").await.unwrap(), Some(n.source.id));
    assert_eq!(store.source_by_push_token("other").await.unwrap(), None);

    let raw = b"\xff\x00raw bytes kept as they came";
    let first = store
        .ingest_items(
            n.source.id,
            raw,
            &[item("g1", 1, "Wheat price fixed", false)],
            at("2025-02-27T10:00:00Z"),
        )
        .await
        .unwrap();
    let IngestAction::Published(story) = first[0] else { panic!("{first:?}") };
    assert_eq!(headlines(&store, StoryFilter::All).await, ["Wheat price fixed"]);
    let s = store.story(story).await.unwrap().unwrap();
    assert_eq!(
        (s.credit.as_str(), s.dateline_place.as_str(), s.authors[0].name.as_str()),
        ("APP", "Lahore", "Wire Reporter")
    );
    assert_eq!(s.tags[0].name, "Economy");

    let same = store
        .ingest_items(
            n.source.id,
            raw,
            &[item("g1", 1, "Wheat price fixed", false)],
            at("2025-02-27T10:01:00Z"),
        )
        .await
        .unwrap();
    assert_eq!(same, [IngestAction::Unchanged]);
    let newer = store
        .ingest_items(
            n.source.id,
            raw,
            &[item("g1", 2, "Wheat price fixed at new rate", false)],
            at("2025-02-27T10:05:00Z"),
        )
        .await
        .unwrap();
    assert_eq!(newer, [IngestAction::Updated(story)]);
    assert_eq!(store.story(story).await.unwrap().unwrap().updated_at, Some(at("2025-02-27T10:05:00Z")));
    let older = store
        .ingest_items(n.source.id, raw, &[item("g1", 1, "Old words", false)], at("2025-02-27T10:06:00Z"))
        .await
        .unwrap();
    assert_eq!(older, [IngestAction::Unchanged]);
    let kill = store
        .ingest_items(n.source.id, raw, &[item("g1", 3, "", true)], at("2025-02-27T10:07:00Z"))
        .await
        .unwrap();
    assert_eq!(kill, [IngestAction::Killed(Some(story))]);
    assert_eq!(store.story(story).await.unwrap().unwrap().status, StoryStatus::Killed);
    assert!(headlines(&store, StoryFilter::All).await.is_empty());

    store.configure_source(n.source.id, &WireConfig { auto_publish: false, ..config }, None).await.unwrap();
    let held = store
        .ingest_items(
            n.source.id,
            raw,
            &[item("g2", 1, "Waits for the desk", false)],
            at("2025-02-27T10:08:00Z"),
        )
        .await
        .unwrap();
    assert_eq!(held, [IngestAction::Held]);
    assert_eq!(store.source_by_push_token("hash-1").await.unwrap(), Some(n.source.id), "the token was kept");
    assert_eq!(store.story_count().await.unwrap(), 1);

    // Two versions of one new item in one batch, and a batch of many new items.
    let twice = [item("g3", 1, "First take", false), item("g3", 2, "Second take", false)];
    let got = store.ingest_items(n.source.id, raw, &twice, at("2025-02-27T10:09:00Z")).await.unwrap();
    assert_eq!(got, [IngestAction::Held, IngestAction::Held]);
    let many: Vec<_> = (0..1200).map(|i| item(&format!("bulk-{i}"), 1, "Bulk", false)).collect();
    let got = store.ingest_items(n.source.id, raw, &many, at("2025-02-27T10:10:00Z")).await.unwrap();
    assert!(got.iter().all(|a| *a == IngestAction::Held));
    let again = store.ingest_items(n.source.id, raw, &many, at("2025-02-27T10:11:00Z")).await.unwrap();
    assert!(again.iter().all(|a| *a == IngestAction::Unchanged), "nothing duplicated");
}

const FLOODS: &str = "<p>Rescue teams reached three villages cut off by the river on Tuesday, where \
    hundreds of families waited on rooftops. The provincial disaster authority sent boats and \
    helicopters, and officials warned that more rain was expected over the weekend.</p>";
const FLOODS_REWRITE: &str = "<p>Rescue teams on Tuesday reached three villages cut off by the river, \
    where hundreds of families waited on rooftops.</p><p>The provincial disaster authority sent boats \
    and helicopters; officials warned more rain was expected this weekend.</p>";
const BANK: &str = "<p>The central bank kept its policy rate unchanged at its meeting on Monday, citing \
    easing inflation and a stable currency, and said it would review lending conditions for small \
    businesses before the budget is presented next month.</p>";

fn story_item(guid: &str, title: &str, body: &str) -> IncomingItem {
    IncomingItem { body_html: body.into(), summary: String::new(), ..item(guid, 1, title, false) }
}

async fn near_duplicates_from_other_agencies_are_grouped(store: Arc<dyn Store>) {
    let n = newsroom(&store).await;
    let publish = |kind: &str| WireConfig {
        kind: kind.into(),
        location: None,
        section: Some(n.section.id),
        byline: String::new(),
        language: None,
        auto_publish: true,
    };
    store.configure_source(n.source.id, &publish("push-ninjs"), None).await.unwrap();
    let other = store
        .create_source(&NewSource {
            slug: Slug::parse("reuters").unwrap(),
            name: "Reuters".into(),
            credit: "Reuters".into(),
        })
        .await
        .unwrap();
    // The second agency is held for the desk: grouping works on both paths.
    store
        .configure_source(other.id, &WireConfig { auto_publish: false, ..publish("push-newsml") }, None)
        .await
        .unwrap();

    let first = store
        .ingest_items(
            n.source.id,
            b"1",
            &[story_item("a1", "Floods cut off villages", FLOODS)],
            at("2025-02-27T10:00:00Z"),
        )
        .await
        .unwrap();
    let IngestAction::Published(story) = first[0] else { panic!("{first:?}") };
    assert!(store.also_carried_by(story).await.unwrap().is_empty(), "alone so far");

    store
        .ingest_items(
            other.id,
            b"2",
            &[
                story_item("r1", "Rescuers reach flooded villages", FLOODS_REWRITE),
                story_item("r2", "Rates held", BANK),
            ],
            at("2025-02-27T11:00:00Z"),
        )
        .await
        .unwrap();
    let also: Vec<String> = store.also_carried_by(story).await.unwrap().into_iter().map(|s| s.name).collect();
    assert_eq!(also, ["Reuters"]);

    let desk = store.wire_items(None, None, 10).await.unwrap();
    let also_of = |guid: &str| desk.iter().find(|i| i.guid == guid).unwrap().also.clone();
    assert_eq!(also_of("r1"), ["APP"]);
    assert_eq!(also_of("a1"), ["Reuters"]);
    assert!(also_of("r2").is_empty(), "an unrelated story stands alone");

    // Two days later the same text is news again, not a near-duplicate of the old item.
    store
        .ingest_items(other.id, b"3", &[story_item("r3", "Floods again", FLOODS)], at("2025-03-02T11:00:00Z"))
        .await
        .unwrap();
    assert!(
        store
            .wire_items(None, None, 10)
            .await
            .unwrap()
            .iter()
            .find(|i| i.guid == "r3")
            .unwrap()
            .also
            .is_empty()
    );

    // The same agency's own items never group with each other.
    store
        .ingest_items(
            n.source.id,
            b"4",
            &[story_item("a2", "Floods: update", FLOODS_REWRITE)],
            at("2025-02-27T12:00:00Z"),
        )
        .await
        .unwrap();
    let desk = store.wire_items(Some(n.source.id), None, 10).await.unwrap();
    assert_eq!(
        desk.iter().find(|i| i.guid == "a2").unwrap().also,
        ["Reuters"],
        "joins the group via Reuters' item"
    );
}
