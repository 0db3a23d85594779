//! Settings, sections, tags, authors and sources.

use dateline_core::*;
use dateline_store::{Store, StoreError};
use std::sync::Arc;

crate::on_both_backends!(
    settings_default_until_saved,
    bad_settings_are_refused,
    taxonomy_round_trips,
    duplicate_slugs_are_refused
);

async fn settings_default_until_saved(store: Arc<dyn Store>) {
    assert_eq!(store.settings().await.unwrap(), SiteSettings::default());
    let settings = SiteSettings {
        name: "The Daily Wire".into(),
        timezone: "Asia/Karachi".into(),
        menu: vec![MenuItem { label: "World".into(), url: "/section/world".into() }],
        ..SiteSettings::default()
    };
    store.save_settings(&settings).await.unwrap();
    assert_eq!(store.settings().await.unwrap(), settings);
}

async fn bad_settings_are_refused(store: Arc<dyn Store>) {
    let bad = SiteSettings { timezone: "Nowhere/Atlantis".into(), ..SiteSettings::default() };
    match store.save_settings(&bad).await {
        Err(StoreError::Invalid(fields)) => assert_eq!(fields[0].field, "timezone"),
        other => panic!("expected invalid, got {other:?}"),
    }
    assert_eq!(store.settings().await.unwrap(), SiteSettings::default(), "nothing was saved");
}

async fn taxonomy_round_trips(store: Arc<dyn Store>) {
    let urdu = store
        .create_section(&NewSection {
            slug: Slug::parse("urdu").unwrap(),
            name: "اردو".into(),
            description: "Urdu news".into(),
            language: Some("ur".into()),
            position: 2,
        })
        .await
        .unwrap();
    let world = store
        .create_section(&NewSection {
            slug: Slug::parse("world").unwrap(),
            name: "World".into(),
            description: String::new(),
            language: None,
            position: 1,
        })
        .await
        .unwrap();
    let names: Vec<_> = store.sections().await.unwrap().into_iter().map(|s| s.name).collect();
    assert_eq!(names, ["World", "اردو"], "menu order");
    assert_eq!(store.section_by_slug("urdu").await.unwrap(), Some(urdu));
    assert_eq!(store.section_by_slug("nope").await.unwrap(), None);
    assert_ne!(world.id, SectionId(0));

    let tag = store
        .create_tag(&NewTag {
            slug: Slug::parse("imf").unwrap(),
            name: "IMF".into(),
            kind: TagKind::Organisation,
        })
        .await
        .unwrap();
    assert_eq!(store.tag_by_slug("imf").await.unwrap(), Some(tag.clone()));
    assert_eq!(store.tags().await.unwrap(), vec![tag]);

    let author = store
        .create_author(&NewAuthor {
            slug: Slug::parse("sana-mir").unwrap(),
            name: "Sana Mir".into(),
            bio: "Reporter".into(),
        })
        .await
        .unwrap();
    assert_eq!(store.author_by_slug("sana-mir").await.unwrap(), Some(author.clone()));
    assert_eq!(store.authors().await.unwrap(), vec![author]);

    let source = store
        .create_source(&NewSource {
            slug: Slug::parse("app").unwrap(),
            name: "APP".into(),
            credit: "APP".into(),
        })
        .await
        .unwrap();
    assert_eq!(store.source_by_slug("app").await.unwrap(), Some(source.clone()));
    assert_eq!(store.sources().await.unwrap(), vec![source]);
}

async fn duplicate_slugs_are_refused(store: Arc<dyn Store>) {
    let tag = NewTag { slug: Slug::parse("karachi").unwrap(), name: "Karachi".into(), kind: TagKind::Place };
    store.create_tag(&tag).await.unwrap();
    assert!(matches!(store.create_tag(&tag).await, Err(StoreError::Duplicate("tag slug"))));
    let section = NewSection {
        slug: Slug::parse("world").unwrap(),
        name: "World".into(),
        description: String::new(),
        language: None,
        position: 0,
    };
    store.create_section(&section).await.unwrap();
    assert!(matches!(store.create_section(&section).await, Err(StoreError::Duplicate("section slug"))));
    assert!(store.ping().await.is_ok());
}
