//! Fronts editors arrange (issue 17), on both backends: pins are kept in order per front,
//! replaced whole, refused when wrong, and only public pinned stories come back as cards.

use crate::stories::{at, draft, newsroom};
use dateline_core::*;
use dateline_store::{Store, StoreError};
use std::sync::Arc;

crate::on_both_backends!(pins_are_kept_in_order_and_only_public_ones_shown);

async fn pins_are_kept_in_order_and_only_public_ones_shown(store: Arc<dyn Store>) {
    let n = newsroom(&store).await;
    let by = Actor::System("test");
    let now = at("2026-12-07T12:00:00Z");
    let mut ids = Vec::new();
    for h in ["One", "Two", "Three"] {
        let s = store.create_story(&draft(&n, h), None, now).await.unwrap();
        store.change_status(s.id, &StatusChange::Publish, &by, now).await.unwrap();
        ids.push(s.id);
    }
    assert_eq!(store.front_pins(Front::Home).await.unwrap(), FrontPins::default());
    let pins = FrontPins { lead: Some(ids[2]), top: vec![ids[0], ids[1]] };
    store.set_front_pins(Front::Home, &pins).await.unwrap();
    assert_eq!(store.front_pins(Front::Home).await.unwrap(), pins);
    let section = store.sections().await.unwrap()[0].id;
    assert_eq!(
        store.front_pins(Front::Section(section)).await.unwrap(),
        FrontPins::default(),
        "fronts are apart"
    );
    let cards = store.public_summaries(&pins.all()).await.unwrap();
    assert_eq!(
        cards.iter().map(|c| c.id).collect::<Vec<_>>(),
        [ids[2], ids[0], ids[1]],
        "in the order given"
    );

    store.change_status(ids[0], &StatusChange::Kill, &by, now).await.unwrap();
    let cards = store.public_summaries(&pins.all()).await.unwrap();
    assert_eq!(cards.iter().map(|c| c.id).collect::<Vec<_>>(), [ids[2], ids[1]], "a killed pin is not shown");

    let replaced = FrontPins { lead: None, top: vec![ids[1]] };
    store.set_front_pins(Front::Home, &replaced).await.unwrap();
    assert_eq!(store.front_pins(Front::Home).await.unwrap(), replaced);
    let wrong = FrontPins { lead: Some(StoryId(999_999)), top: vec![] };
    assert!(matches!(store.set_front_pins(Front::Home, &wrong).await, Err(StoreError::Invalid(_))));
    assert_eq!(store.front_pins(Front::Home).await.unwrap(), replaced, "a refused save changes nothing");
}
