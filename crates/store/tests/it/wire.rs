//! Wire ingest in the store, on both backends: identity by (source, guid), versions,
//! withdrawals, auto-publish or hold, raw payloads kept.

use crate::stories::{at, headlines, newsroom};
use dateline_core::*;
use dateline_store::Store;
use std::sync::Arc;

crate::on_both_backends!(
    items_follow_the_newsroom_rules,
    near_duplicates_from_other_agencies_are_grouped,
    wire_pictures_reach_their_stories,
    wire_text_is_stored_exactly
);

/// PostgreSQL with `standard_conforming_strings` off, where a backslash in a quoted literal
/// is an escape: wire text is bound, so it is stored exactly all the same.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wire_text_is_stored_exactly_on_postgres_with_backslash_escapes() {
    let setting = Some("standard_conforming_strings = off");
    let Some(db) = crate::support::TestDb::postgres_with(setting).await else { return };
    wire_text_is_stored_exactly(db.store.clone()).await;
}

pub fn item(guid: &str, version: i64, title: &str, withdrawn: bool) -> IncomingItem {
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
        picture: None,
        embargoed: None,
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

fn with_picture(item: IncomingItem, url: &str, credit: &str) -> IncomingItem {
    let picture =
        WirePicture { url: url.into(), caption: "Wheat at a market in Lahore".into(), credit: credit.into() };
    IncomingItem { picture: Some(picture), ..item }
}

fn fetched(hash_byte: char, origin: &str) -> NewMedia {
    NewMedia {
        hash: hash_byte.to_string().repeat(64),
        format: "jpg".into(),
        width: 1200,
        height: 800,
        bytes: 80_000,
        text: MediaText {
            caption: "Library words".into(),
            credit: "Library credit".into(),
            ..MediaText::default()
        },
        origin: origin.into(),
    }
}

async fn wire_pictures_reach_their_stories(store: Arc<dyn Store>) {
    let n = newsroom(&store).await;
    let config = WireConfig {
        kind: "push-ninjs".into(),
        location: None,
        section: Some(n.section.id),
        byline: String::new(),
        language: None,
        auto_publish: true,
    };
    store.configure_source(n.source.id, &config, None).await.unwrap();
    let t = |m: i64| at("2025-02-27T10:00:00Z").checked_add(jiff::SignedDuration::from_mins(m)).unwrap();
    let url = "https://img.wire.example.com/wheat.jpg";

    // Published at once, before its picture is fetched: the picture comes later.
    let got = store
        .ingest_items(
            n.source.id,
            b"1",
            &[with_picture(item("p1", 1, "Wheat price fixed", false), url, "")],
            t(0),
        )
        .await
        .unwrap();
    let IngestAction::Published(story) = got[0] else { panic!("{got:?}") };
    assert_eq!(store.story(story).await.unwrap().unwrap().image, None);
    assert_eq!(store.attach_wire_picture(n.source.id, "p1", t(1)).await.unwrap(), None, "not fetched yet");
    let media = store.add_media(&fetched('a', url), t(1)).await.unwrap();
    let before = store.story(story).await.unwrap().unwrap();
    let changes = store.last_page_change().await.unwrap();
    assert_eq!(store.attach_wire_picture(n.source.id, "p1", t(1)).await.unwrap(), Some(story));
    let after = store.story(story).await.unwrap().unwrap();
    let image = after.image.clone().unwrap();
    assert_eq!(image.url, media.url());
    assert_eq!((image.width, image.height), (Some(1200), Some(800)));
    assert_eq!(image.caption, "Wheat at a market in Lahore", "the agency's words");
    assert_eq!(image.credit, "APP", "no credit with the picture: the source's");
    assert_eq!(
        (after.headline.as_str(), after.body_html.as_str()),
        (before.headline.as_str(), before.body_html.as_str())
    );
    assert_eq!(after.updated_at, None, "a picture arriving is no \"Updated\"");
    assert_eq!(after.version, before.version + 1, "an editor's open copy is stale now");
    assert_eq!(store.revisions(story).await.unwrap().last().unwrap().draft.image, Some(image.clone()));
    assert!(store.last_page_change().await.unwrap() > changes, "the pages it is on are refreshed");
    let cards = store.published(StoryFilter::All, crate::stories::page()).await.unwrap();
    assert_eq!(cards[0].image, Some(image.clone()));
    assert_eq!(store.attach_wire_picture(n.source.id, "p1", t(2)).await.unwrap(), None, "once");

    // A newer version keeps the picture; an item whose picture is known has it at once, with
    // the agency's own credit.
    let newer = store
        .ingest_items(
            n.source.id,
            b"2",
            &[with_picture(item("p1", 2, "Wheat price fixed again", false), url, "")],
            t(3),
        )
        .await
        .unwrap();
    assert_eq!(newer, [IngestAction::Updated(story)]);
    assert_eq!(store.story(story).await.unwrap().unwrap().image, Some(image));
    let got = store
        .ingest_items(
            n.source.id,
            b"3",
            &[with_picture(item("p2", 1, "Flour mills reopen", false), url, "Photo: Jane Doe")],
            t(4),
        )
        .await
        .unwrap();
    let IngestAction::Published(second) = got[0] else { panic!("{got:?}") };
    assert_eq!(store.story(second).await.unwrap().unwrap().image.unwrap().credit, "Photo: Jane Doe");

    // Held for the desk: publishing it as is brings the picture along, by its address.
    store.configure_source(n.source.id, &WireConfig { auto_publish: false, ..config }, None).await.unwrap();
    let other_url = "https://img.wire.example.com/mill.jpg";
    let held = store
        .ingest_items(
            n.source.id,
            b"4",
            &[with_picture(item("p3", 1, "Mill workers strike", false), other_url, "")],
            t(5),
        )
        .await
        .unwrap();
    assert_eq!(held, [IngestAction::Held]);
    assert_eq!(store.attach_wire_picture(n.source.id, "p3", t(5)).await.unwrap(), None, "no story yet");
    // The same file as a picture already kept, found at a second address.
    store.add_media_origin(media.id, other_url).await.unwrap();
    assert_eq!(store.media_by_origin(other_url).await.unwrap().map(|m| m.id), Some(media.id));
    assert_eq!(store.media_by_origin(url).await.unwrap().map(|m| m.id), Some(media.id));
    assert!(store.add_media_origin(MediaId(9_999), "https://x.example.com/1.jpg").await.is_err());
    let id = store.wire_items(None, Some("waiting"), 5).await.unwrap()[0].id;
    let published =
        store.act_on_wire_item(id, DeskAction::Publish, &Actor::System("test"), t(6)).await.unwrap().unwrap();
    assert_eq!(store.story(published).await.unwrap().unwrap().image.unwrap().url, media.url());

    // A killed story gets nothing.
    let late = "https://img.wire.example.com/late.jpg";
    store
        .ingest_items(
            n.source.id,
            b"5",
            &[with_picture(item("p4", 1, "Late picture", false), late, "")],
            t(7),
        )
        .await
        .unwrap();
    let id = store.wire_items(None, Some("waiting"), 5).await.unwrap()[0].id;
    let doomed =
        store.act_on_wire_item(id, DeskAction::Publish, &Actor::System("test"), t(8)).await.unwrap().unwrap();
    store.change_status(doomed, &StatusChange::Kill, &Actor::System("test"), t(9)).await.unwrap();
    store.add_media(&fetched('b', late), t(10)).await.unwrap();
    assert_eq!(store.attach_wire_picture(n.source.id, "p4", t(10)).await.unwrap(), None);
    assert_eq!(store.story(doomed).await.unwrap().unwrap().image, None);
    assert_eq!(store.attach_wire_picture(n.source.id, "nobody", t(10)).await.unwrap(), None);
}

/// Quotes and backslashes in every stored text of an item, held (the batch insert) and
/// published (the story), come back exactly as sent.
async fn wire_text_is_stored_exactly(store: Arc<dyn Store>) {
    let n = newsroom(&store).await;
    let tricky = r#"It\'s "C:\path\n""#;
    let config = WireConfig {
        kind: "push-ninjs".into(),
        location: None,
        section: Some(n.section.id),
        byline: String::new(),
        language: None,
        auto_publish: false,
    };
    store.configure_source(n.source.id, &config, None).await.unwrap();
    let held =
        [item(&format!("{tricky}-1"), 1, tricky, false), item(&format!("{tricky}-2"), 1, "Plain", false)];
    let now = at("2025-02-27T10:00:00Z");
    assert_eq!(store.ingest_items(n.source.id, b"raw", &held, now).await.unwrap(), [IngestAction::Held; 2]);
    // Sent again: the guids with backslashes are found, so nothing is taken in twice.
    let again = store.ingest_items(n.source.id, b"raw", &held, now).await.unwrap();
    assert_eq!(again, [IngestAction::Unchanged; 2]);
    let mut stored = store.wire_items(Some(n.source.id), None, 10).await.unwrap();
    stored.sort_by(|a, b| a.guid.cmp(&b.guid));
    assert_eq!(stored.len(), 2);
    assert_eq!((stored[0].guid.as_str(), stored[0].title.as_str()), (format!("{tricky}-1").as_str(), tricky));
    assert_eq!(stored[0].item.title, tricky, "the kept item too");

    store.configure_source(n.source.id, &WireConfig { auto_publish: true, ..config }, None).await.unwrap();
    let published =
        store.ingest_items(n.source.id, b"raw", &[item("published-1", 1, tricky, false)], now).await.unwrap();
    let IngestAction::Published(story) = published[0] else { panic!("{published:?}") };
    assert_eq!(store.story(story).await.unwrap().unwrap().headline, tricky);
}
