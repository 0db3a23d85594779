//! Sections, tags, authors and sources, made and changed the same way from the HTML admin
//! and the Admin API: the rights table first (taxonomy for editors and administrators,
//! sources for administrators), then the one validation in core, then the store.

use dateline_core::rights::{self, Action, Actor, Target};
use dateline_core::{
    Author, AuthorId, FieldError, NewAuthor, NewSection, NewSource, NewTag, Section, SectionId,
};
use dateline_core::{Source, SourceId, Tag, TagId};
use dateline_store::{Store, StoreError};

/// Why an entry was not made or changed.
#[derive(Debug, thiserror::Error)]
pub enum TaxonomyError {
    #[error("not allowed")]
    Forbidden,
    #[error("invalid: {}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
    Invalid(Vec<FieldError>),
    /// The store's answer: a slug already taken, no such entry...
    #[error(transparent)]
    Store(StoreError),
}

impl From<StoreError> for TaxonomyError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Invalid(errors) => Self::Invalid(errors),
            other => Self::Store(other),
        }
    }
}

/// Runs `write` if `actor` may do `action` and the entry is `valid`.
async fn guarded<T>(
    actor: &Actor,
    action: Action,
    valid: Result<(), FieldError>,
    write: impl Future<Output = Result<T, StoreError>>,
) -> Result<T, TaxonomyError> {
    if !rights::may(actor, action, Target::Site) {
        return Err(TaxonomyError::Forbidden);
    }
    valid.map_err(|e| TaxonomyError::Invalid(vec![e]))?;
    let done = write.await?;
    tracing::info!(%actor, ?action, "taxonomy changed");
    Ok(done)
}

/// # Errors
/// [`TaxonomyError`]: not allowed, invalid, or the store's refusal (a taken slug).
pub async fn create_section(
    store: &dyn Store,
    actor: &Actor,
    new: &NewSection,
) -> Result<Section, TaxonomyError> {
    guarded(actor, Action::ManageTaxonomy, new.validate(), store.create_section(new)).await
}

/// # Errors
/// As [`create_section`]; a missing section is the store's `NotFound`.
pub async fn update_section(
    store: &dyn Store,
    actor: &Actor,
    id: SectionId,
    new: &NewSection,
) -> Result<(), TaxonomyError> {
    guarded(actor, Action::ManageTaxonomy, new.validate(), store.update_section(id, new)).await
}

/// # Errors
/// As [`create_section`].
pub async fn create_tag(store: &dyn Store, actor: &Actor, new: &NewTag) -> Result<Tag, TaxonomyError> {
    guarded(actor, Action::ManageTaxonomy, new.validate(), store.create_tag(new)).await
}

/// # Errors
/// As [`update_section`].
pub async fn update_tag(
    store: &dyn Store,
    actor: &Actor,
    id: TagId,
    new: &NewTag,
) -> Result<(), TaxonomyError> {
    guarded(actor, Action::ManageTaxonomy, new.validate(), store.update_tag(id, new)).await
}

/// # Errors
/// As [`create_section`].
pub async fn create_author(
    store: &dyn Store,
    actor: &Actor,
    new: &NewAuthor,
) -> Result<Author, TaxonomyError> {
    guarded(actor, Action::ManageTaxonomy, new.validate(), store.create_author(new)).await
}

/// # Errors
/// As [`update_section`].
pub async fn update_author(
    store: &dyn Store,
    actor: &Actor,
    id: AuthorId,
    new: &NewAuthor,
) -> Result<(), TaxonomyError> {
    guarded(actor, Action::ManageTaxonomy, new.validate(), store.update_author(id, new)).await
}

/// # Errors
/// As [`create_section`].
pub async fn create_source(
    store: &dyn Store,
    actor: &Actor,
    new: &NewSource,
) -> Result<Source, TaxonomyError> {
    guarded(actor, Action::ManageSources, new.validate(), store.create_source(new)).await
}

/// # Errors
/// As [`update_section`].
pub async fn update_source(
    store: &dyn Store,
    actor: &Actor,
    id: SourceId,
    new: &NewSource,
) -> Result<(), TaxonomyError> {
    guarded(actor, Action::ManageSources, new.validate(), store.update_source(id, new)).await
}
