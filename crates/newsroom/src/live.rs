//! Live blogs as the newsroom runs them: starting and ending a story's live coverage and
//! adding, editing and deleting its entries, each one call that takes the actor. The right
//! is the rights table's [`Transition::Live`] on the story (an author on their own story,
//! editors on any) and the lifecycle's (never on a killed story); the HTML editor and the
//! Admin API both come here.

use crate::stories::{StoryError, allowed, picture};
use dateline_core::rights::Actor;
use dateline_core::{EntryDraft, LiveEntry, Story, StoryId, Transition};
use dateline_store::Store;
use jiff::Timestamp;

/// Starts (`live: true`) or ends the story's live coverage.
///
/// # Errors
/// [`StoryError`]: no such story, not allowed, a killed story, a store failure.
pub async fn set_live(
    store: &dyn Store,
    actor: &Actor,
    id: StoryId,
    live: bool,
    now: Timestamp,
) -> Result<Story, StoryError> {
    allowed(store, actor, id, Transition::Live).await?;
    let story = store.set_coverage(id, live, actor, now).await?;
    tracing::info!(story.id = %id, %actor, live, "live coverage changed");
    Ok(story)
}

/// The story's entries as readers see them: not deleted, newest first.
///
/// # Errors
/// A store failure.
pub async fn entries(store: &dyn Store, id: StoryId) -> Result<Vec<LiveEntry>, StoryError> {
    let mut entries: Vec<LiveEntry> =
        store.live_entries(id, 0).await?.into_iter().filter(|e| !e.deleted).collect();
    entries.sort_by(|a, b| b.posted_at.cmp(&a.posted_at).then(b.id.cmp(&a.id)));
    Ok(entries)
}

/// Adds an entry (`entry: None`) or saves a new state of one. An empty author is the
/// actor's name; a media-library picture takes the library's size and words.
///
/// # Errors
/// As [`set_live`]; [`StoryError::Invalid`] for fields to correct, [`StoryError::NotFound`]
/// for an entry the story does not have.
pub async fn save_entry(
    store: &dyn Store,
    actor: &Actor,
    id: StoryId,
    entry: Option<i64>,
    draft: &EntryDraft,
    now: Timestamp,
) -> Result<LiveEntry, StoryError> {
    allowed(store, actor, id, Transition::Live).await?;
    let mut errors = Vec::new();
    let image = picture(store, draft.image.as_ref(), &mut errors).await?;
    let author = match draft.author.trim() {
        "" => writer_name(actor),
        named => named.to_owned(),
    };
    let draft = EntryDraft { image, author, ..draft.clone() };
    if let Err(more) = draft.validate() {
        errors.extend(more);
    }
    if !errors.is_empty() {
        return Err(StoryError::Invalid(errors));
    }
    let saved = store.save_live_entry(id, entry, &draft, now).await?;
    tracing::info!(story.id = %id, entry = saved.id, seq = saved.seq, %actor, "live entry saved");
    Ok(saved)
}

/// Deletes one of the story's entries.
///
/// # Errors
/// As [`save_entry`].
pub async fn delete_entry(
    store: &dyn Store,
    actor: &Actor,
    id: StoryId,
    entry: i64,
    now: Timestamp,
) -> Result<(), StoryError> {
    allowed(store, actor, id, Transition::Live).await?;
    store.delete_live_entry(id, entry, now).await?;
    tracing::info!(story.id = %id, entry, %actor, "live entry deleted");
    Ok(())
}

/// The name an entry is signed with when its writer gave none.
fn writer_name(actor: &Actor) -> String {
    match actor {
        Actor::User(u) => u.name.clone(),
        _ => String::new(),
    }
}
