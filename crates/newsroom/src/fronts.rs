//! Fronts editors arrange (the home page's lead and top stories, each section's top
//! stories), read and saved for an actor: arranging is [`Action::ArrangeFronts`] (editors
//! and administrators). A front is named as a surface names it: `home` or a section's slug.

use crate::admin::{AdminError, guarded};
use dateline_core::rights::{Action, Actor};
use dateline_core::{Front, FrontPins};
use dateline_store::{Store, StoreError};

/// The front named `name` (`home`, or a section's slug); `None` when there is none.
///
/// # Errors
/// A store failure.
pub async fn front_named(store: &dyn Store, name: &str) -> Result<Option<Front>, StoreError> {
    if name == "home" {
        return Ok(Some(Front::Home));
    }
    Ok(store.section_by_slug(name).await?.map(|s| Front::Section(s.id)))
}

/// Pins `pins` on `front`, replacing what was pinned.
///
/// # Errors
/// [`AdminError::Forbidden`], [`AdminError::Invalid`] (too many, twice, no such story), a
/// store failure.
pub async fn arrange(
    store: &dyn Store,
    actor: &Actor,
    front: Front,
    pins: &FrontPins,
) -> Result<(), AdminError> {
    guarded(actor, Action::ArrangeFronts, pins.validate(), store.set_front_pins(front, pins)).await
}
