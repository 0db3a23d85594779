//! Presence and edit locking: one editor at a time works on a story, and everyone else who
//! opens it is told who and since when, with a way to take it over. The lock is a row in the
//! database (`dateline-store`'s `story_locks`), so every server process sharing the database
//! sees the same holder; it is kept alive by the editor page's heartbeat (every
//! [`HEARTBEAT_SECS`]) and lapses [`LAPSE_SECS`] after the last one, so a closed tab or a
//! crashed laptop never locks a story for long. A save is a heartbeat too, and a save by
//! the session the lock was taken from is refused ([`check_save`]), so a take-over is
//! never undone by the old editor's next click.
//!
//! Holding the lock takes the right to save the story (`Transition::Save` in the one rights
//! table): those who may only read it are shown who is editing and take nothing.

use dateline_core::rights::{self, Actor};
use dateline_core::{Story, Transition};
use dateline_store::{Store, StoreError, StoryLock};
use jiff::{SignedDuration, Timestamp};

/// How often an open editor page says it is still open.
pub const HEARTBEAT_SECS: u64 = 20;
/// How long a lock lasts after its last heartbeat.
pub const LAPSE_SECS: i64 = 60;

/// Who holds a story's lock, as the editor page shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Presence {
    /// This session holds it, since then.
    Held { since: Timestamp },
    /// Someone else does, live: their name and since when.
    Other { name: String, since: Timestamp },
}

/// Why a lock call did nothing.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    /// Only those who may save the story hold its lock.
    #[error("not allowed")]
    Forbidden,
    /// Someone else took the lock: saving now would overwrite their work.
    #[error("{} is editing this story since {}", .0.user_name, .0.since)]
    HeldBy(StoryLock),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What the account behind `actor` holds a lock as; only signed-in people hold locks.
fn want(actor: &Actor, story: &Story, holder: &str, now: Timestamp) -> Result<StoryLock, LockError> {
    let Actor::User(user) = actor else { return Err(LockError::Forbidden) };
    if !rights::may(actor, Transition::Save, actor.target(story)) {
        return Err(LockError::Forbidden);
    }
    Ok(StoryLock {
        story: story.id,
        user: user.id,
        user_name: user.name.clone(),
        holder: holder.to_owned(),
        since: now,
        heartbeat_at: now,
        taken_from: None,
    })
}

fn lapsed_before(now: Timestamp) -> Timestamp {
    now - SignedDuration::from_secs(LAPSE_SECS)
}

fn presence(lock: &StoryLock, holder: &str) -> Presence {
    if lock.holder == holder {
        Presence::Held { since: lock.since }
    } else {
        Presence::Other { name: lock.user_name.clone(), since: lock.since }
    }
}

/// Opens `story` in the editor for `actor`'s session `holder` (or beats its heartbeat): takes
/// the lock when nobody holds it, when it lapsed or when `holder` holds it already;
/// otherwise answers who holds it.
///
/// # Errors
/// [`LockError::Forbidden`] when `actor` may not save the story; store failures.
pub async fn open(
    store: &dyn Store,
    actor: &Actor,
    story: &Story,
    holder: &str,
    now: Timestamp,
) -> Result<Presence, LockError> {
    let want = want(actor, story, holder, now)?;
    let held = store.take_story_lock(&want, lapsed_before(now), false).await?;
    Ok(presence(&held, holder))
}

/// A heartbeat from an open editor page is [`open`] again, so a page whose lock lapsed
/// while nobody else wanted it holds it again.
pub use self::open as heartbeat;

/// Takes the lock from whoever holds it; they are told at their next heartbeat or save.
///
/// # Errors
/// As [`open`].
pub async fn take_over(
    store: &dyn Store,
    actor: &Actor,
    story: &Story,
    holder: &str,
    now: Timestamp,
) -> Result<(), LockError> {
    let want = want(actor, story, holder, now)?;
    let taken_from = store.story_lock(story.id).await?;
    store.take_story_lock(&want, lapsed_before(now), true).await?;
    if let Some(other) = taken_from.filter(|l| l.holder != holder) {
        tracing::info!(%actor, story.id = story.id.0, from = %other.user_name, "edit lock taken over");
    }
    Ok(())
}

/// Lets go of the lock if `holder` holds it (the page was closed).
///
/// # Errors
/// Store failures.
pub async fn release(store: &dyn Store, story: &Story, holder: &str) -> Result<(), LockError> {
    store.release_story_lock(story.id, holder).await?;
    Ok(())
}

/// Before `actor`'s session `holder` saves `story`: refused when someone else holds a live
/// lock taken from `holder` (over, or after it lapsed), as their work would be undone;
/// otherwise the save counts as a heartbeat. Someone who opened the story while another
/// held it was told so and may still save (the story's version check guards against
/// overwriting a newer save). Those who hold no lock (tokens, the system) are not asked.
///
/// # Errors
/// [`LockError::HeldBy`] naming the holder; store failures.
pub async fn check_save(
    store: &dyn Store,
    actor: &Actor,
    story: &Story,
    holder: &str,
    now: Timestamp,
) -> Result<(), LockError> {
    match open(store, actor, story, holder, now).await {
        Ok(Presence::Held { .. }) | Err(LockError::Forbidden) => Ok(()),
        Ok(Presence::Other { .. }) => match store.story_lock(story.id).await? {
            Some(lock) if lock.holder != holder && lock.taken_from.as_deref() == Some(holder) => {
                Err(LockError::HeldBy(lock))
            }
            _ => Ok(()),
        },
        Err(e) => Err(e),
    }
}
