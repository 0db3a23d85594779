//! The media library, and pictures as stories use them.

use crate::stories::{draft, newsroom};
use dateline_core::*;
use dateline_store::{Store, StoreError};
use jiff::Timestamp;
use std::sync::Arc;

crate::on_both_backends!(
    pictures_are_added_once_listed_and_described,
    stories_keep_how_they_use_a_picture,
    pictures_are_found_by_words_and_removed_only_when_no_story_shows_them
);

fn picture(hash_byte: char, origin: &str) -> NewMedia {
    NewMedia {
        hash: hash_byte.to_string().repeat(64),
        format: "jpg".into(),
        width: 4000,
        height: 3000,
        bytes: 2_345_678,
        text: MediaText { caption: "Floods in Sindh".into(), credit: "APP".into(), ..MediaText::default() },
        origin: origin.into(),
    }
}

async fn pictures_are_added_once_listed_and_described(store: Arc<dyn Store>) {
    let t = |s: i64| Timestamp::from_second(1_740_000_000 + s).unwrap();
    let first = store.add_media(&picture('a', ""), t(0)).await.unwrap();
    assert_eq!((first.width, first.height, first.bytes), (4000, 3000, 2_345_678));
    assert_eq!(first.url(), format!("/media/{}/original.jpg", "a".repeat(64)));
    let again = NewMedia {
        text: MediaText { caption: "Other words".into(), ..MediaText::default() },
        ..picture('a', "")
    };
    let same = store.add_media(&again, t(5)).await.unwrap();
    assert_eq!(same, first, "the same file twice is one picture, words kept");

    let wire = store.add_media(&picture('b', "https://agency.example/p/1.jpg"), t(10)).await.unwrap();
    assert_eq!(store.media_by_origin("https://agency.example/p/1.jpg").await.unwrap(), Some(wire.clone()));
    assert_eq!(store.media_by_origin("").await.unwrap(), None, "uploads have no origin to find");
    assert_eq!(store.media_by_hash(&"b".repeat(64)).await.unwrap().map(|m| m.id), Some(wire.id));
    let listed = store.media_list(PageRequest { offset: 0, limit: 10 }).await.unwrap();
    assert_eq!(listed.iter().map(|m| m.id).collect::<Vec<_>>(), [wire.id, first.id], "newest first");

    let text = MediaText {
        alt: "A flooded street".into(),
        caption: "Water stands in Hyderabad".into(),
        credit: "Photo: APP".into(),
        focal_x: 30,
        focal_y: 70,
    };
    let described = store.set_media_text(first.id, &text).await.unwrap();
    assert_eq!(described.text, text);
    assert_eq!(store.media(first.id).await.unwrap().unwrap().text, text);
    let bad = MediaText { focal_x: 140, ..text.clone() };
    match store.set_media_text(first.id, &bad).await {
        Err(StoreError::Invalid(fields)) => assert_eq!(fields[0].field, "focal"),
        other => panic!("expected invalid, got {other:?}"),
    }
    assert!(matches!(store.set_media_text(MediaId(9_999), &text).await, Err(StoreError::NotFound)));
    let bad_hash = NewMedia { hash: "not-a-hash".into(), ..picture('c', "") };
    assert!(matches!(store.add_media(&bad_hash, t(20)).await, Err(StoreError::Invalid(_))));
}

async fn stories_keep_how_they_use_a_picture(store: Arc<dyn Store>) {
    let n = newsroom(&store).await;
    let t = Timestamp::from_second(1_740_000_000).unwrap();
    let media = store.add_media(&picture('d', ""), t).await.unwrap();
    let image = StoryImage { caption: "Our own caption".into(), ..media.story_image() };
    let with_picture = StoryDraft { image: Some(image.clone()), ..draft(&n, "Floods in Sindh") };
    let story = store.create_story(&with_picture, None, t).await.unwrap();
    assert_eq!(story.image, Some(image.clone()));
    assert_eq!(image.width, Some(4000));
    assert_eq!(image.focal, Some((50, 50)));
    assert_eq!(image.credit, "APP");
    store.change_status(story.id, &StatusChange::Publish, &Actor::System("test"), t).await.unwrap();
    let cards = store.published(StoryFilter::All, PageRequest { offset: 0, limit: 5 }).await.unwrap();
    assert_eq!(cards[0].image, Some(image), "cards carry the size and focal point too");
}

async fn pictures_are_found_by_words_and_removed_only_when_no_story_shows_them(store: Arc<dyn Store>) {
    use dateline_store::MediaRemoval;
    let n = newsroom(&store).await;
    let t = Timestamp::from_second(1_740_000_000).unwrap();
    let described = |c: char, alt: &str, caption: &str, credit: &str| NewMedia {
        text: MediaText {
            alt: alt.into(),
            caption: caption.into(),
            credit: credit.into(),
            ..MediaText::default()
        },
        ..picture(c, "")
    };
    let lead = store.add_media(&described('1', "Cranes", "Harbour at dawn", "APP"), t).await.unwrap();
    let inline = store.add_media(&described('2', "Map of the HARBOUR", "", "Staff"), t).await.unwrap();
    let live = store.add_media(&described('3', "Crowd", "100% turnout_day", "AFP"), t).await.unwrap();
    let spare = store.add_media(&described('4', "Spare", "", "harbour trust"), t).await.unwrap();
    let page = PageRequest { offset: 0, limit: 10 };
    let ids = |list: Vec<Media>| list.into_iter().map(|m| m.id).collect::<Vec<_>>();
    assert_eq!(ids(store.media_search("harbour", page).await.unwrap()), [spare.id, inline.id, lead.id]);
    assert_eq!(ids(store.media_search("  Harbour   staff ", page).await.unwrap()), [inline.id], "all words");
    assert_eq!(ids(store.media_search("100%", page).await.unwrap()), [live.id], "% is a letter");
    assert_eq!(ids(store.media_search("0%", page).await.unwrap()), [live.id]);
    assert!(store.media_search("n_d", page).await.unwrap().is_empty(), "_ is a letter, not any one");
    assert_eq!(store.media_search("", page).await.unwrap().len(), 4, "no words: the whole library");

    let with_picture = StoryDraft {
        image: Some(lead.story_image()),
        body: format!("The port reopened.\n\n![Map]({})", inline.url()),
        ..draft(&n, "Port reopens")
    };
    let story = store.create_story(&with_picture, None, t).await.unwrap();
    let blog = store.create_story(&draft(&n, "Election day live"), None, t).await.unwrap();
    let entry = dateline_core::EntryDraft {
        title: "Queues".into(),
        body: "Long queues.".into(),
        author: String::new(),
        image: Some(live.story_image()),
        key_event: false,
        posted_at: None,
    };
    let posted = store.save_live_entry(blog.id, None, &entry, t).await.unwrap();

    for (used, by) in [(lead.id, story.id), (inline.id, story.id), (live.id, blog.id)] {
        match store.remove_media(used).await.unwrap() {
            MediaRemoval::InUse(stories) => {
                assert_eq!(stories.iter().map(|(id, _)| *id).collect::<Vec<_>>(), [by])
            }
            removed => panic!("a picture in use was removed: {removed:?}"),
        }
        assert!(store.media(used).await.unwrap().is_some());
    }
    assert_eq!(store.remove_media(spare.id).await.unwrap(), MediaRemoval::Removed(spare.clone()));
    assert!(store.media(spare.id).await.unwrap().is_none());
    assert!(matches!(store.remove_media(spare.id).await, Err(StoreError::NotFound)));

    // A deleted live entry no longer holds its picture.
    store.delete_live_entry(blog.id, posted.id, t).await.unwrap();
    assert!(matches!(store.remove_media(live.id).await.unwrap(), MediaRemoval::Removed(_)));
}
