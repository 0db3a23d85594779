//! Stories as the newsroom changes them: every save, publish, schedule, unpublish, kill,
//! reinstate, correction and restore, each one call that takes the actor. A call loads the
//! story, asks the lifecycle (`dateline_core::lifecycle`) whether the change is possible
//! from its status and the rights table (`dateline_core::rights`) whether the actor may make
//! it, then lets the store apply it in one transaction that checks the status again. The
//! HTML admin and the Admin API both come here, so they cannot disagree.
//!
//! A story's fields arrive by name ([`StoryFields`]: section and source by slug, tags and
//! authors by name), and are resolved here. New tags are only made when every other field
//! is valid, in the transaction that saves the story.

use dateline_core::rights::{self, Action, Actor, Target};
use dateline_core::{
    FieldError, NewTag, Prominence, Slug, StatusChange, Story, StoryDraft, StoryId, StoryImage, StoryStatus,
    TagKind, Transition, TransitionError,
};
use dateline_store::{Store, StoreError, StorySave};
use jiff::Timestamp;

/// Why a change to a story was not made.
#[derive(Debug, thiserror::Error)]
pub enum StoryError {
    #[error("no such story")]
    NotFound,
    /// The rights table does not let the actor do it.
    #[error("not allowed")]
    Forbidden,
    /// The lifecycle does not allow it from the story's status (a killed story...).
    #[error(transparent)]
    Refused(TransitionError),
    /// Fields to correct, each with a message for the editor.
    #[error("invalid: {}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
    Invalid(Vec<FieldError>),
    /// Someone saved the story after the version this save started from.
    #[error("saved by someone else meanwhile (now version {current})")]
    Conflict { current: i64 },
    #[error("store: {0}")]
    Store(#[source] StoreError),
}

impl From<StoreError> for StoryError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => Self::NotFound,
            StoreError::Refused(refused) => Self::Refused(refused),
            StoreError::Invalid(errors) => Self::Invalid(errors),
            StoreError::Conflict { current } => Self::Conflict { current },
            other => Self::Store(other),
        }
    }
}

/// The story they point at: its slug (or address), or its id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoryRef {
    Slug(String),
    Id(StoryId),
}

/// A story's fields as a surface receives them, by name.
#[derive(Debug, Clone, Default)]
pub struct StoryFields {
    pub headline: String,
    pub standfirst: String,
    /// Markdown.
    pub body: String,
    pub dateline_place: String,
    pub credit: String,
    /// Section slug.
    pub section: String,
    /// Source slug.
    pub source: Option<String>,
    /// Tag names; unknown ones are made when the actor may make tags.
    pub tags: Vec<String>,
    /// Author names in byline order.
    pub authors: Vec<String>,
    pub language: String,
    pub slug: Option<String>,
    /// A picture by address (a media-library address takes the library's size and words
    /// where these are empty).
    pub image: Option<StoryImage>,
    pub prominence: Prominence,
    pub translation_of: Option<StoryRef>,
    /// Not to be public before this time: publishing it earlier schedules it for then.
    pub embargo_until: Option<Timestamp>,
}

/// What to do once the fields are saved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Then {
    /// Only save (a published story is stamped "Updated").
    Save,
    /// Publish now; for a story already published, the same as saving.
    Publish,
    /// Publish at this time.
    Schedule(Timestamp),
}

/// One save: a new story (`story: None`) or the version of one its editor read.
#[derive(Debug, Clone)]
pub struct Save {
    pub story: Option<(StoryId, i64)>,
    pub fields: StoryFields,
    pub then: Then,
}

/// Saves a story's fields and applies `save.then`, in one transaction.
///
/// # Errors
/// [`StoryError`]: the story is missing, the lifecycle or the rights table refuse, fields
/// are invalid, someone saved meanwhile, or the store failed. Nothing is changed then.
pub async fn save(store: &dyn Store, actor: &Actor, save: Save, now: Timestamp) -> Result<Story, StoryError> {
    let existing = match save.story {
        Some((id, _)) => Some(store.story(id).await?.ok_or(StoryError::NotFound)?),
        None => None,
    };
    let target = existing.as_ref().map_or(Target::Site, |s| actor.target(s));
    may_save(actor, existing.as_ref())?;
    let then = match save.then {
        Then::Publish if existing.as_ref().is_some_and(|s| s.status == StoryStatus::Published) => None,
        Then::Publish => Some(StatusChange::Publish),
        Then::Schedule(at) => Some(StatusChange::Schedule(at)),
        Then::Save => None,
    };
    if let Some(change) = &then {
        match &existing {
            Some(story) => check(actor, change.transition(), story)?,
            None if !rights::may(actor, change.transition(), target) => return Err(StoryError::Forbidden),
            None => {}
        }
    }
    let may_make_tags = rights::may(actor, Action::CreateTags, target);
    let (draft, new_tags) = resolve(store, &save.fields, may_make_tags).await?;
    let saved = store
        .save_story(&StorySave {
            story: save.story,
            draft: &draft,
            new_tags: &new_tags,
            then: then.as_ref(),
            by: actor,
            now,
        })
        .await?;
    tracing::info!(story.id = %saved.id, %actor, then = ?save.then, "story saved");
    Ok(saved)
}

/// Whether `actor` may save new words to `story` as it is now (or create a story, `None`).
///
/// # Errors
/// [`StoryError::Refused`] when the lifecycle does not allow a save (a killed story),
/// [`StoryError::Forbidden`] when the rights table does not.
pub fn may_save(actor: &Actor, story: Option<&Story>) -> Result<(), StoryError> {
    match story {
        Some(story) => check(actor, Transition::save_for(story.status), story),
        None if rights::may(actor, Action::CreateStory, Target::Site) => Ok(()),
        None => Err(StoryError::Forbidden),
    }
}

/// Applies a change of status (publish, schedule, unpublish, kill, reinstate) for `actor`.
///
/// # Errors
/// As [`save`].
pub async fn change_status(
    store: &dyn Store,
    actor: &Actor,
    id: StoryId,
    change: &StatusChange,
    now: Timestamp,
) -> Result<Story, StoryError> {
    let story = allowed(store, actor, id, change.transition()).await?;
    let changed = store.change_status(story.id, change, actor, now).await?;
    tracing::info!(story.id = %id, %actor, change = change.transition().as_str(), "story status changed");
    Ok(changed)
}

/// Appends a correction note.
///
/// # Errors
/// As [`save`].
pub async fn correct(
    store: &dyn Store,
    actor: &Actor,
    id: StoryId,
    note: &str,
    now: Timestamp,
) -> Result<Story, StoryError> {
    let story = allowed(store, actor, id, Transition::Correct).await?;
    Ok(store.add_correction(story.id, note, actor, now).await?)
}

/// Saves revision `number` again as the newest state, if `version` is still the current one.
///
/// # Errors
/// As [`save`]; a missing revision is [`StoryError::NotFound`].
pub async fn restore(
    store: &dyn Store,
    actor: &Actor,
    id: StoryId,
    number: i64,
    version: i64,
    now: Timestamp,
) -> Result<Story, StoryError> {
    let story = allowed(store, actor, id, Transition::RestoreRevision).await?;
    Ok(store.restore_revision(story.id, number, version, actor, now).await?)
}

/// The story `id`, if `transition` is possible from its status and `actor` may apply it.
///
/// # Errors
/// [`StoryError::NotFound`], [`StoryError::Refused`], [`StoryError::Forbidden`].
pub async fn allowed(
    store: &dyn Store,
    actor: &Actor,
    id: StoryId,
    transition: Transition,
) -> Result<Story, StoryError> {
    let story = store.story(id).await?.ok_or(StoryError::NotFound)?;
    check(actor, transition, &story)?;
    Ok(story)
}

/// The actor's right first (403 for what their role never does), then the lifecycle (409
/// with what the story's status allows, say a killed story).
fn check(actor: &Actor, transition: Transition, story: &Story) -> Result<(), StoryError> {
    if !rights::may(actor, transition, actor.target(story)) {
        return Err(StoryError::Forbidden);
    }
    transition.apply(story.status).map_err(StoryError::Refused)?;
    Ok(())
}

/// Resolves names and slugs into a draft, with the tags to make; every field problem at once.
///
/// # Errors
/// [`StoryError::Invalid`] with every problem; a store failure.
pub async fn resolve(
    store: &dyn Store,
    fields: &StoryFields,
    may_make_tags: bool,
) -> Result<(StoryDraft, Vec<NewTag>), StoryError> {
    let mut errors = Vec::new();
    let section = store.section_by_slug(fields.section.trim()).await?;
    if section.is_none() {
        errors.push(FieldError::new("section", "choose a section"));
    }
    let source = match fields.source.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(slug) => {
            let found = store.source_by_slug(slug).await?;
            if found.is_none() {
                errors.push(FieldError::new("source", "unknown source"));
            }
            found
        }
    };
    let all_authors = store.authors().await?;
    let mut authors = Vec::new();
    for name in names(&fields.authors) {
        match all_authors.iter().find(|a| a.name.eq_ignore_ascii_case(name)) {
            Some(a) => authors.push(a.id),
            None => errors.push(FieldError::new("authors", format!("no author is called {name:?}"))),
        }
    }
    let all_tags = store.tags().await?;
    let (mut tags, mut new_tags) = (Vec::new(), Vec::new());
    for name in names(&fields.tags) {
        if let Some(t) = all_tags.iter().find(|t| t.name.eq_ignore_ascii_case(name)) {
            tags.push(t.id);
        } else if let Some(slug) = Slug::from_title(name) {
            match all_tags.iter().find(|t| t.slug == slug) {
                Some(t) => tags.push(t.id),
                None if may_make_tags => {
                    new_tags.push(NewTag { slug, name: name.to_owned(), kind: TagKind::Topic });
                }
                None => errors.push(FieldError::new("tags", format!("no tag is called {name:?}"))),
            }
        } else {
            errors.push(FieldError::new("tags", format!("{name:?} cannot be a tag")));
        }
    }
    let slug = match fields.slug.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(s) => match Slug::parse(s) {
            Ok(slug) => Some(slug),
            Err(e) => {
                errors.push(FieldError::new("slug", e.to_string()));
                None
            }
        },
    };
    let image = picture(store, fields.image.as_ref(), &mut errors).await?;
    let translation_of = match &fields.translation_of {
        None => None,
        Some(StoryRef::Id(id)) => {
            let found = store.story(*id).await?;
            if found.is_none() {
                errors.push(FieldError::new("translation_of", format!("no story has the id {id}")));
            }
            found.map(|s| s.id)
        }
        Some(StoryRef::Slug(text)) => match slug_in(text) {
            None => None,
            Some(slug) => {
                let found = store.story_by_slug(slug).await?;
                if found.is_none() {
                    errors.push(FieldError::new("translation_of", format!("no story has the slug {slug:?}")));
                }
                found.map(|s| s.id)
            }
        },
    };
    let draft = StoryDraft {
        headline: fields.headline.clone(),
        standfirst: fields.standfirst.clone(),
        body: fields.body.clone(),
        dateline_place: fields.dateline_place.clone(),
        credit: fields.credit.clone(),
        section: section.map_or(dateline_core::SectionId(0), |s| s.id),
        source: source.map(|s| s.id),
        tags,
        authors,
        language: fields.language.trim().to_owned(),
        slug,
        image,
        prominence: fields.prominence,
        translation_of,
        embargo_until: fields.embargo_until,
    };
    if let Err(more) = draft.validate() {
        errors.extend(more);
    }
    if errors.is_empty() { Ok((draft, new_tags)) } else { Err(StoryError::Invalid(errors)) }
}

/// Names as given, trimmed, the empty ones left out.
fn names(list: &[String]) -> impl Iterator<Item = &str> {
    list.iter().map(|n| n.trim()).filter(|n| !n.is_empty())
}

/// A picture as an editor gave it (trimmed; none for an empty address), with the library's
/// size and words when it is a media-library address; a library address the library does
/// not have is an error in `errors`.
pub(crate) async fn picture(
    store: &dyn Store,
    image: Option<&StoryImage>,
    errors: &mut Vec<FieldError>,
) -> Result<Option<StoryImage>, StoryError> {
    let Some(typed) = image.filter(|i| !i.url.trim().is_empty()) else { return Ok(None) };
    let typed = StoryImage {
        url: typed.url.trim().to_owned(),
        alt: typed.alt.trim().to_owned(),
        caption: typed.caption.trim().to_owned(),
        credit: typed.credit.trim().to_owned(),
        ..StoryImage::default()
    };
    Ok(match dateline_core::media::library_file(&typed.url) {
        None => Some(typed),
        Some((hash, _)) => match store.media_by_hash(hash).await? {
            Some(media) => Some(with_library_facts(typed, &media)),
            None => {
                errors.push(FieldError::new("image", "that picture is not in the media library"));
                None
            }
        },
    })
}

/// A library picture as a story uses it: size and focal point from the library, and the
/// library's words wherever the editor left a field empty.
fn with_library_facts(typed: StoryImage, media: &dateline_core::Media) -> StoryImage {
    let or = |mine: String, library: &str| if mine.is_empty() { library.to_owned() } else { mine };
    let library = media.story_image();
    StoryImage {
        url: library.url,
        alt: or(typed.alt, &media.text.alt),
        caption: or(typed.caption, &media.text.caption),
        credit: or(typed.credit, &media.text.credit),
        ..library
    }
}

/// The slug in what an editor pasted: a slug, `/story/SLUG` or the story's full address.
fn slug_in(text: &str) -> Option<&str> {
    let text = text.trim().split(['?', '#']).next().unwrap_or_default().trim_end_matches('/');
    let slug = text.rsplit_once("/story/").map_or(text, |(_, slug)| slug);
    (!slug.is_empty()).then_some(slug)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pasted_address_or_path_gives_its_slug() {
        assert_eq!(slug_in("rain-in-lahore"), Some("rain-in-lahore"));
        assert_eq!(slug_in("https://news.example.com/story/rain-in-lahore/?utm=x"), Some("rain-in-lahore"));
        assert_eq!(slug_in("/story/rain-in-lahore#top"), Some("rain-in-lahore"));
        assert_eq!(slug_in("  "), None);
    }
}
