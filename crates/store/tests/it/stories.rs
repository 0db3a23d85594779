//! Stories: drafts, publishing, lists, updates, revisions, conflicts, slugs, corrections
//! and bulk loading.

use dateline_core::*;
use dateline_store::{BulkStory, Store, StoreError};
use jiff::Timestamp;
use std::sync::Arc;

crate::on_both_backends!(
    drafts_stay_off_the_public_lists,
    published_stories_appear_in_every_list_newest_first,
    updates_stamp_updated_and_keep_revisions,
    stale_saves_are_conflicts,
    slug_changes_leave_redirects_and_clashes_get_suffixes,
    corrections_are_appended,
    missing_references_are_field_errors,
    bulk_loaded_stories_are_listed,
    prominent_stories_lead,
    newest_per_section_in_one_call,
    translations_form_one_flat_group_of_public_versions,
);

pub struct Newsroom {
    pub section: Section,
    pub other_section: Section,
    pub tag: Tag,
    pub author: Author,
    pub second_author: Author,
    pub source: Source,
}

pub async fn newsroom(store: &Arc<dyn Store>) -> Newsroom {
    let section = |slug: &str, name: &str, position| NewSection {
        slug: Slug::parse(slug).unwrap(),
        name: name.into(),
        description: String::new(),
        language: None,
        position,
    };
    Newsroom {
        section: store.create_section(&section("pakistan", "Pakistan", 1)).await.unwrap(),
        other_section: store.create_section(&section("world", "World", 2)).await.unwrap(),
        tag: store
            .create_tag(&NewTag {
                slug: Slug::parse("floods").unwrap(),
                name: "Floods".into(),
                kind: TagKind::Topic,
            })
            .await
            .unwrap(),
        author: store
            .create_author(&NewAuthor {
                slug: Slug::parse("ali-khan").unwrap(),
                name: "Ali Khan".into(),
                bio: String::new(),
            })
            .await
            .unwrap(),
        second_author: store
            .create_author(&NewAuthor {
                slug: Slug::parse("sara-ahmed").unwrap(),
                name: "Sara Ahmed".into(),
                bio: String::new(),
            })
            .await
            .unwrap(),
        source: store
            .create_source(&NewSource {
                slug: Slug::parse("app").unwrap(),
                name: "APP".into(),
                credit: "APP".into(),
            })
            .await
            .unwrap(),
    }
}

pub fn draft(n: &Newsroom, headline: &str) -> StoryDraft {
    StoryDraft {
        headline: headline.into(),
        standfirst: "Relief work is under way.".into(),
        body: "Rain **fell** all night.\n\n<script>alert(1)</script>".into(),
        dateline_place: "Karachi".into(),
        credit: "APP".into(),
        section: n.section.id,
        source: Some(n.source.id),
        tags: vec![n.tag.id],
        authors: vec![n.second_author.id, n.author.id],
        language: "en".into(),
        slug: None,
        image: None,
        prominence: Prominence::Normal,
        translation_of: None,
        embargo_until: None,
    }
}

pub fn at(s: &str) -> Timestamp {
    s.parse().unwrap()
}

pub fn page() -> PageRequest {
    PageRequest { offset: 0, limit: 10 }
}

pub async fn headlines(store: &Arc<dyn Store>, filter: StoryFilter) -> Vec<String> {
    store.published(filter, page()).await.unwrap().into_iter().map(|s| s.headline).collect()
}

async fn drafts_stay_off_the_public_lists(store: Arc<dyn Store>) {
    let n = newsroom(&store).await;
    let story =
        store.create_story(&draft(&n, "Floods hit Sindh"), None, at("2025-02-27T10:00:00Z")).await.unwrap();
    assert_eq!(story.status, StoryStatus::Draft);
    assert_eq!(story.slug.as_str(), "floods-hit-sindh");
    assert_eq!(story.body_html, "<p>Rain <strong>fell</strong> all night.</p>\n", "sanitised, script gone");
    assert_eq!(story.authors.iter().map(|a| a.name.as_str()).collect::<Vec<_>>(), ["Sara Ahmed", "Ali Khan"]);
    assert_eq!(story.tags[0].name, "Floods");
    assert_eq!(story.source.as_ref().unwrap().name, "APP");
    assert_eq!(story.published_at, None);
    assert!(headlines(&store, StoryFilter::All).await.is_empty());
    assert!(headlines(&store, StoryFilter::Tag(n.tag.id)).await.is_empty());
    assert_eq!(store.story_by_slug("floods-hit-sindh").await.unwrap().unwrap().id, story.id);
    assert_eq!(store.story_count().await.unwrap(), 1);
}

async fn published_stories_appear_in_every_list_newest_first(store: Arc<dyn Store>) {
    let n = newsroom(&store).await;
    let older =
        store.create_story(&draft(&n, "Older story"), None, at("2025-02-27T10:00:00Z")).await.unwrap();
    let newer =
        store.create_story(&draft(&n, "Newer story"), None, at("2025-02-27T10:05:00Z")).await.unwrap();
    let elsewhere = StoryDraft {
        section: n.other_section.id,
        tags: vec![],
        authors: vec![n.author.id],
        source: None,
        ..draft(&n, "Elsewhere")
    };
    let elsewhere = store.create_story(&elsewhere, None, at("2025-02-27T10:06:00Z")).await.unwrap();
    let published = store
        .change_status(older.id, &StatusChange::Publish, &Actor::System("test"), at("2025-02-27T11:00:00Z"))
        .await
        .unwrap();
    assert_eq!(published.status, StoryStatus::Published);
    assert_eq!(published.published_at, Some(at("2025-02-27T11:00:00Z")));
    assert_eq!(published.first_published_at, published.published_at);
    store
        .change_status(newer.id, &StatusChange::Publish, &Actor::System("test"), at("2025-02-27T12:00:00Z"))
        .await
        .unwrap();
    store
        .change_status(
            elsewhere.id,
            &StatusChange::Publish,
            &Actor::System("test"),
            at("2025-02-27T13:00:00Z"),
        )
        .await
        .unwrap();

    assert_eq!(headlines(&store, StoryFilter::All).await, ["Elsewhere", "Newer story", "Older story"]);
    assert_eq!(headlines(&store, StoryFilter::Section(n.section.id)).await, ["Newer story", "Older story"]);
    assert_eq!(headlines(&store, StoryFilter::Tag(n.tag.id)).await, ["Newer story", "Older story"]);
    assert_eq!(
        headlines(&store, StoryFilter::Author(n.second_author.id)).await,
        ["Newer story", "Older story"]
    );
    assert_eq!(
        headlines(&store, StoryFilter::Author(n.author.id)).await,
        ["Elsewhere", "Newer story", "Older story"]
    );
    assert_eq!(headlines(&store, StoryFilter::Source(n.source.id)).await, ["Newer story", "Older story"]);

    let second_page = store.published(StoryFilter::All, PageRequest { offset: 1, limit: 1 }).await.unwrap();
    assert_eq!(second_page.len(), 1);
    assert_eq!(second_page[0].headline, "Newer story");
    assert_eq!(second_page[0].section_slug.as_str(), "pakistan");
    assert_eq!(second_page[0].published_at, at("2025-02-27T12:00:00Z"));
}

async fn updates_stamp_updated_and_keep_revisions(store: Arc<dyn Store>) {
    let n = newsroom(&store).await;
    let story = store.create_story(&draft(&n, "Toll rises"), None, at("2025-02-27T10:00:00Z")).await.unwrap();
    // Editing a draft does not stamp "Updated".
    let edited = store
        .update_story(story.id, &draft(&n, "Toll rises to 12"), 1, at("2025-02-27T10:10:00Z"))
        .await
        .unwrap();
    assert_eq!(edited.updated_at, None);
    assert_eq!(edited.version, 2);
    let published = store
        .change_status(story.id, &StatusChange::Publish, &Actor::System("test"), at("2025-02-27T11:00:00Z"))
        .await
        .unwrap();
    let mut changed = draft(&n, "Toll rises to 15");
    changed.tags.clear();
    let updated =
        store.update_story(story.id, &changed, published.version, at("2025-02-27T12:00:00Z")).await.unwrap();
    assert_eq!(updated.updated_at, Some(at("2025-02-27T12:00:00Z")));
    assert_eq!(updated.published_at, Some(at("2025-02-27T11:00:00Z")), "publication time is kept");
    assert_eq!(updated.slug.as_str(), "toll-rises", "a headline edit does not move the URL");
    assert!(headlines(&store, StoryFilter::Tag(n.tag.id)).await.is_empty(), "tag removed from the list");
    assert_eq!(headlines(&store, StoryFilter::All).await, ["Toll rises to 15"]);

    let revisions = store.revisions(story.id).await.unwrap();
    let titles: Vec<_> = revisions.iter().map(|r| r.draft.headline.as_str()).collect();
    assert_eq!(titles, ["Toll rises", "Toll rises to 12", "Toll rises to 15"]);
    assert_eq!(revisions.iter().map(|r| r.number).collect::<Vec<_>>(), [1, 2, 3]);
}

async fn stale_saves_are_conflicts(store: Arc<dyn Store>) {
    let n = newsroom(&store).await;
    let story = store.create_story(&draft(&n, "First"), None, at("2025-02-27T10:00:00Z")).await.unwrap();
    store.update_story(story.id, &draft(&n, "Second"), 1, at("2025-02-27T10:01:00Z")).await.unwrap();
    let stale = store.update_story(story.id, &draft(&n, "Overwrite"), 1, at("2025-02-27T10:02:00Z")).await;
    assert!(matches!(stale, Err(StoreError::Conflict { current: 2 })), "{stale:?}");
    assert_eq!(store.story(story.id).await.unwrap().unwrap().headline, "Second", "nothing overwritten");
    assert!(matches!(
        store.update_story(StoryId(9999), &draft(&n, "x"), 1, at("2025-02-27T10:02:00Z")).await,
        Err(StoreError::NotFound)
    ));
}

async fn slug_changes_leave_redirects_and_clashes_get_suffixes(store: Arc<dyn Store>) {
    let n = newsroom(&store).await;
    let first =
        store.create_story(&draft(&n, "Budget passed"), None, at("2025-02-27T10:00:00Z")).await.unwrap();
    let second =
        store.create_story(&draft(&n, "Budget passed"), None, at("2025-02-27T10:01:00Z")).await.unwrap();
    assert_eq!(first.slug.as_str(), "budget-passed");
    assert_eq!(second.slug.as_str(), "budget-passed-2");

    let renamed = StoryDraft {
        slug: Some(Slug::parse("national-budget-passed").unwrap()),
        ..draft(&n, "Budget passed")
    };
    let moved = store.update_story(first.id, &renamed, 1, at("2025-02-27T10:05:00Z")).await.unwrap();
    assert_eq!(moved.slug.as_str(), "national-budget-passed");
    assert_eq!(
        store.redirect_for_slug("budget-passed").await.unwrap().unwrap().as_str(),
        "national-budget-passed"
    );
    assert_eq!(store.redirect_for_slug("never-was").await.unwrap(), None);

    // An old slug stays reserved for its redirect.
    let third =
        store.create_story(&draft(&n, "Budget passed"), None, at("2025-02-27T10:06:00Z")).await.unwrap();
    assert_eq!(third.slug.as_str(), "budget-passed-3");

    // Moving back to the old slug removes the redirect and serves the story there again.
    let back = StoryDraft { slug: Some(Slug::parse("budget-passed").unwrap()), ..draft(&n, "Budget passed") };
    let back = store.update_story(first.id, &back, moved.version, at("2025-02-27T10:07:00Z")).await.unwrap();
    assert_eq!(back.slug.as_str(), "budget-passed");
    assert_eq!(store.redirect_for_slug("budget-passed").await.unwrap(), None);
    assert_eq!(
        store.redirect_for_slug("national-budget-passed").await.unwrap().unwrap().as_str(),
        "budget-passed"
    );
}

async fn corrections_are_appended(store: Arc<dyn Store>) {
    let n = newsroom(&store).await;
    let story =
        store.create_story(&draft(&n, "Minister resigns"), None, at("2025-02-27T10:00:00Z")).await.unwrap();
    let early = store.add_correction(story.id, "x", &Actor::System("test"), at("2025-02-27T10:30:00Z")).await;
    assert!(matches!(early, Err(StoreError::Refused(_))), "a draft has nothing to correct: {early:?}");
    store
        .change_status(story.id, &StatusChange::Publish, &Actor::System("test"), at("2025-02-27T10:30:00Z"))
        .await
        .unwrap();
    store
        .add_correction(
            story.id,
            "An earlier version misspelt the minister's name.",
            &Actor::System("test"),
            at("2025-02-27T11:00:00Z"),
        )
        .await
        .unwrap();
    let story = store
        .add_correction(
            story.id,
            "The date of the vote was wrong.",
            &Actor::System("test"),
            at("2025-02-27T12:00:00Z"),
        )
        .await
        .unwrap();
    let notes: Vec<_> = story.corrections.iter().map(|c| c.note.as_str()).collect();
    assert_eq!(
        notes,
        ["An earlier version misspelt the minister's name.", "The date of the vote was wrong."]
    );
    assert_eq!(story.corrections[1].created_at, at("2025-02-27T12:00:00Z"));
    assert!(matches!(
        store.add_correction(story.id, "  ", &Actor::System("test"), at("2025-02-27T12:00:00Z")).await,
        Err(StoreError::Invalid(_))
    ));
    assert!(matches!(
        store.add_correction(StoryId(9999), "x", &Actor::System("test"), at("2025-02-27T12:00:00Z")).await,
        Err(StoreError::NotFound)
    ));
}

async fn missing_references_are_field_errors(store: Arc<dyn Store>) {
    let n = newsroom(&store).await;
    let bad = StoryDraft { section: SectionId(424242), ..draft(&n, "Orphan") };
    match store.create_story(&bad, None, at("2025-02-27T10:00:00Z")).await {
        Err(StoreError::Invalid(fields)) => assert_eq!(fields[0].field, "references"),
        other => panic!("expected invalid, got {other:?}"),
    }
    let bad_tag = StoryDraft { tags: vec![TagId(424242)], ..draft(&n, "Orphan tag") };
    assert!(matches!(
        store.create_story(&bad_tag, None, at("2025-02-27T10:00:00Z")).await,
        Err(StoreError::Invalid(_))
    ));
    assert_eq!(store.story_count().await.unwrap(), 0, "a failed save stores nothing");
    let invalid = StoryDraft { headline: String::new(), ..draft(&n, "") };
    assert!(matches!(
        store.create_story(&invalid, None, at("2025-02-27T10:00:00Z")).await,
        Err(StoreError::Invalid(_))
    ));
}

fn bulk(n: &Newsroom, i: i64, status: StoryStatus, prominence: Prominence) -> BulkStory {
    let published = Timestamp::from_second(1_740_000_000 + i * 60).unwrap();
    BulkStory {
        slug: Slug::parse(&format!("bulk-story-{i}")).unwrap(),
        headline: format!("Bulk story {i}"),
        standfirst: "Standfirst".into(),
        body_source: "Body".into(),
        body_html: "<p>Body</p>".into(),
        dateline_place: "Lahore".into(),
        credit: "APP".into(),
        section: n.section.id,
        source: Some(n.source.id),
        tags: vec![n.tag.id],
        authors: vec![n.author.id],
        language: "en".into(),
        status,
        prominence,
        image: None,
        created_at: published,
        published_at: (status == StoryStatus::Published).then_some(published),
        updated_at: None,
        corrections: vec![Correction { note: "Fixed".into(), created_at: published }],
    }
}

async fn bulk_loaded_stories_are_listed(store: Arc<dyn Store>) {
    let n = newsroom(&store).await;
    let stories: Vec<_> = (0..1500)
        .map(|i| {
            bulk(
                &n,
                i,
                if i % 3 == 0 { StoryStatus::Draft } else { StoryStatus::Published },
                Prominence::Normal,
            )
        })
        .collect();
    let mut stories = stories;
    stories[1].headline = "Quotes ' and '' and \\ back\\slash, NUL\0 and Urdu: اردو".into();
    store.bulk_insert(&stories).await.unwrap();
    assert_eq!(store.story_count().await.unwrap(), 1500);
    let odd = store.story_by_slug("bulk-story-1").await.unwrap().unwrap();
    assert_eq!(
        odd.headline, "Quotes ' and '' and \\ back\\slash, NUL and Urdu: اردو",
        "text survives literally"
    );
    let top = headlines(&store, StoryFilter::All).await;
    assert_eq!(top[0], "Bulk story 1499");
    assert_eq!(top[1], "Bulk story 1498");
    assert_eq!(top[2], "Bulk story 1496", "1497 is a draft");
    assert_eq!(headlines(&store, StoryFilter::Tag(n.tag.id)).await[0], "Bulk story 1499");
    assert_eq!(headlines(&store, StoryFilter::Author(n.author.id)).await[0], "Bulk story 1499");
    let loaded = store.story_by_slug("bulk-story-1499").await.unwrap().unwrap();
    assert_eq!(loaded.corrections.len(), 1);
    assert_eq!(store.revisions(loaded.id).await.unwrap().len(), 1);
    // New stories after a bulk load get fresh ids.
    let fresh = store.create_story(&draft(&n, "After bulk"), None, at("2025-03-01T10:00:00Z")).await.unwrap();
    assert!(fresh.id.0 > 1500);
}

async fn prominent_stories_lead(store: Arc<dyn Store>) {
    let n = newsroom(&store).await;
    let stories = vec![
        bulk(&n, 1, StoryStatus::Published, Prominence::Lead),
        bulk(&n, 2, StoryStatus::Published, Prominence::Top),
        bulk(&n, 3, StoryStatus::Published, Prominence::Normal),
        bulk(&n, 4, StoryStatus::Published, Prominence::Top),
        bulk(&n, 5, StoryStatus::Draft, Prominence::Lead),
    ];
    store.bulk_insert(&stories).await.unwrap();
    let got: Vec<_> = store.prominent(10).await.unwrap().into_iter().map(|s| s.headline).collect();
    assert_eq!(got, ["Bulk story 1", "Bulk story 4", "Bulk story 2"]);
}

async fn newest_per_section_in_one_call(store: Arc<dyn Store>) {
    let n = newsroom(&store).await;
    let mut stories: Vec<_> =
        (0..10).map(|i| bulk(&n, i, StoryStatus::Published, Prominence::Normal)).collect();
    for s in stories.iter_mut().skip(6) {
        s.section = n.other_section.id;
    }
    stories[5].status = StoryStatus::Draft;
    stories[5].published_at = None;
    store.bulk_insert(&stories).await.unwrap();
    let got: Vec<_> = store
        .published_per_section(&[n.other_section.id, n.section.id], 3)
        .await
        .unwrap()
        .into_iter()
        .map(|s| (s.section_slug.to_string(), s.headline))
        .collect();
    let want = [
        ("world", "Bulk story 9"),
        ("world", "Bulk story 8"),
        ("world", "Bulk story 7"),
        ("pakistan", "Bulk story 4"),
        ("pakistan", "Bulk story 3"),
        ("pakistan", "Bulk story 2"),
    ];
    assert_eq!(got, want.map(|(a, b)| (a.to_owned(), b.to_owned())));
    assert!(store.published_per_section(&[], 3).await.unwrap().is_empty());
}

async fn translations_form_one_flat_group_of_public_versions(store: Arc<dyn Store>) {
    let n = newsroom(&store).await;
    let t = Timestamp::from_second(1_740_000_000).unwrap();
    let publish = |draft: StoryDraft| {
        let store = store.clone();
        async move {
            let story = store.create_story(&draft, None, t).await.unwrap();
            store.change_status(story.id, &StatusChange::Publish, &Actor::System("test"), t).await.unwrap()
        }
    };
    let original = publish(draft(&n, "Budget passed")).await;
    let urdu =
        StoryDraft {
            language: "ur".into(), translation_of: Some(original.id), ..draft(&n, "بجٹ منظور")
        };
    let urdu = publish(urdu).await;
    let arabic =
        StoryDraft {
            language: "ar".into(), translation_of: Some(urdu.id), ..draft(&n, "الميزانية")
        };
    let arabic = store.create_story(&arabic, None, t).await.unwrap();
    assert_eq!(arabic.translation_of, Some(original.id), "a translation of a translation joins the original");

    let langs =
        |list: Vec<Translation>| list.into_iter().map(|t| (t.language, t.original)).collect::<Vec<_>>();
    assert_eq!(langs(store.translations(original.id).await.unwrap()), [("ur".to_owned(), false)]);
    assert_eq!(langs(store.translations(urdu.id).await.unwrap()), [("en".to_owned(), true)]);
    store.change_status(arabic.id, &StatusChange::Publish, &Actor::System("test"), t).await.unwrap();
    assert_eq!(
        langs(store.translations(urdu.id).await.unwrap()),
        [("ar".to_owned(), false), ("en".to_owned(), true)]
    );
    store.change_status(arabic.id, &StatusChange::Kill, &Actor::System("test"), t).await.unwrap();
    assert_eq!(langs(store.translations(original.id).await.unwrap()), [("ur".to_owned(), false)]);

    // Making the original a translation of another story brings its translations along.
    let other = publish(draft(&n, "Budget debate opens")).await;
    let moved = StoryDraft { translation_of: Some(other.id), ..draft(&n, "Budget passed") };
    store.update_story(original.id, &moved, original.version, t).await.unwrap();
    assert_eq!(store.story(urdu.id).await.unwrap().unwrap().translation_of, Some(other.id));
    assert_eq!(store.translations(other.id).await.unwrap().len(), 2);

    let itself = StoryDraft { translation_of: Some(other.id), ..draft(&n, "Budget debate opens") };
    match store.update_story(other.id, &itself, other.version, t).await {
        Err(StoreError::Invalid(fields)) => assert_eq!(fields[0].field, "translation_of"),
        other => panic!("expected invalid, got {other:?}"),
    }
}
