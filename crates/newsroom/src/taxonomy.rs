//! Sections, tags, authors and sources, made and changed the same way from the HTML admin
//! and the Admin API: the rights table first (taxonomy for editors and administrators,
//! sources for administrators), then the one validation in core, then the store.

use dateline_core::rights::{self, Action, Actor, Target};
use dateline_core::{
    Author, AuthorId, FieldError, NewAuthor, NewSection, NewSource, NewTag, Section, SectionId,
};
use dateline_core::{Source, SourceId, Tag, TagId};
use dateline_store::{Store, StoreError};

/// Why an administrative change (taxonomy, webhooks) was not made.
#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    #[error("not allowed")]
    Forbidden,
    #[error("invalid: {}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
    Invalid(Vec<FieldError>),
    /// The store's answer: a slug already taken, no such entry...
    #[error(transparent)]
    Store(StoreError),
    #[error("the system's random generator failed")]
    Secret(#[source] dateline_core::secrets::SecretError),
}

impl From<StoreError> for AdminError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Invalid(errors) => Self::Invalid(errors),
            other => Self::Store(other),
        }
    }
}

/// Runs `write` if `actor` may do `action` and the entry is `valid`.
pub(crate) async fn guarded<T>(
    actor: &Actor,
    action: Action,
    valid: Result<(), Vec<FieldError>>,
    write: impl Future<Output = Result<T, StoreError>>,
) -> Result<T, AdminError> {
    if !rights::may(actor, action, Target::Site) {
        return Err(AdminError::Forbidden);
    }
    valid.map_err(AdminError::Invalid)?;
    let done = write.await?;
    tracing::info!(%actor, ?action, "taxonomy changed");
    Ok(done)
}

/// # Errors
/// [`AdminError`]: not allowed, invalid, or the store's refusal (a taken slug).
pub async fn create_section(
    store: &dyn Store,
    actor: &Actor,
    new: &NewSection,
) -> Result<Section, AdminError> {
    guarded(actor, Action::ManageTaxonomy, new.validate().map_err(|e| vec![e]), store.create_section(new))
        .await
}

/// # Errors
/// As [`create_section`]; a missing section is the store's `NotFound`.
pub async fn update_section(
    store: &dyn Store,
    actor: &Actor,
    id: SectionId,
    new: &NewSection,
) -> Result<(), AdminError> {
    guarded(actor, Action::ManageTaxonomy, new.validate().map_err(|e| vec![e]), store.update_section(id, new))
        .await
}

/// # Errors
/// As [`create_section`].
pub async fn create_tag(store: &dyn Store, actor: &Actor, new: &NewTag) -> Result<Tag, AdminError> {
    guarded(actor, Action::ManageTaxonomy, new.validate().map_err(|e| vec![e]), store.create_tag(new)).await
}

/// # Errors
/// As [`update_section`].
pub async fn update_tag(store: &dyn Store, actor: &Actor, id: TagId, new: &NewTag) -> Result<(), AdminError> {
    guarded(actor, Action::ManageTaxonomy, new.validate().map_err(|e| vec![e]), store.update_tag(id, new))
        .await
}

/// # Errors
/// As [`create_section`].
pub async fn create_author(store: &dyn Store, actor: &Actor, new: &NewAuthor) -> Result<Author, AdminError> {
    guarded(actor, Action::ManageTaxonomy, new.validate().map_err(|e| vec![e]), store.create_author(new))
        .await
}

/// # Errors
/// As [`update_section`].
pub async fn update_author(
    store: &dyn Store,
    actor: &Actor,
    id: AuthorId,
    new: &NewAuthor,
) -> Result<(), AdminError> {
    guarded(actor, Action::ManageTaxonomy, new.validate().map_err(|e| vec![e]), store.update_author(id, new))
        .await
}

/// # Errors
/// As [`create_section`].
pub async fn create_source(store: &dyn Store, actor: &Actor, new: &NewSource) -> Result<Source, AdminError> {
    guarded(actor, Action::ManageSources, new.validate().map_err(|e| vec![e]), store.create_source(new)).await
}

/// # Errors
/// As [`update_section`].
pub async fn update_source(
    store: &dyn Store,
    actor: &Actor,
    id: SourceId,
    new: &NewSource,
) -> Result<(), AdminError> {
    guarded(actor, Action::ManageSources, new.validate().map_err(|e| vec![e]), store.update_source(id, new))
        .await
}
