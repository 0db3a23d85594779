//! Autosave: the story editor sends what an editor types every few seconds (and when the
//! tab is closed) to one slot per person and story — not a revision, nothing public — so a
//! closed tab or a crash loses nothing; opening the story again offers the slot back. A
//! save of the story empties it. The slot holds the editor form as the surface sends it.

use crate::stories::StoryError;
use dateline_core::rights::{self, Action, Actor, Target};
use dateline_core::{StoryId, Transition};
use dateline_store::{Autosave, Store};

/// The most a slot holds: a long story with room to spare.
pub const MAX_BYTES: usize = 1_000_000;

/// The slot's owner, when `actor` may write `story` (`None`: a new story).
async fn owner(
    store: &dyn Store,
    actor: &Actor,
    story: Option<StoryId>,
) -> Result<dateline_core::account::UserId, StoryError> {
    let user = actor.user_id().ok_or(StoryError::Forbidden)?;
    let allowed = match story {
        None => rights::may(actor, Action::CreateStory, Target::Site),
        Some(id) => {
            let story = store.story(id).await?.ok_or(StoryError::NotFound)?;
            rights::may(actor, Transition::Save, actor.target(&story))
        }
    };
    if allowed { Ok(user) } else { Err(StoryError::Forbidden) }
}

/// Keeps `fields` (the editor form as JSON) in `actor`'s slot for `story`, typed from
/// version `base_version` of it.
///
/// # Errors
/// [`StoryError::Forbidden`] for someone who may not write the story (or not a person),
/// [`StoryError::NotFound`], [`StoryError::Invalid`] for a slot over [`MAX_BYTES`].
pub async fn keep(
    store: &dyn Store,
    actor: &Actor,
    story: Option<StoryId>,
    base_version: i64,
    fields: String,
    now: jiff::Timestamp,
) -> Result<(), StoryError> {
    let user = owner(store, actor, story).await?;
    if fields.len() > MAX_BYTES {
        return Err(StoryError::Invalid(vec![dateline_core::FieldError::new(
            "body",
            format!("too long to keep as a draft ({} KB at most)", MAX_BYTES / 1000),
        )]));
    }
    store.put_autosave(user, story, &Autosave { base_version, fields, saved_at: now }).await?;
    Ok(())
}

/// `actor`'s unsaved typing for `story`, if any.
///
/// # Errors
/// As [`keep`], and store failures.
pub async fn slot(
    store: &dyn Store,
    actor: &Actor,
    story: Option<StoryId>,
) -> Result<Option<Autosave>, StoryError> {
    let user = owner(store, actor, story).await?;
    Ok(store.autosave(user, story).await?)
}

/// Empties `actor`'s slot for `story`: saved, or thrown away.
///
/// # Errors
/// Store failures.
pub async fn discard(store: &dyn Store, actor: &Actor, story: Option<StoryId>) -> Result<(), StoryError> {
    if let Some(user) = actor.user_id() {
        store.drop_autosave(user, story).await?;
    }
    Ok(())
}
