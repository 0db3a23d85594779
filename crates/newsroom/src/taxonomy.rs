//! Sections, tags, authors and sources, made and changed the same way from the HTML admin
//! and the Admin API: the rights table first (taxonomy for editors and administrators,
//! sources for administrators), then the one validation in core, then the store.

use crate::admin::{AdminError, guarded};
use dateline_core::rights::{Action, Actor};
use dateline_core::{Author, AuthorId, NewAuthor, NewSection, NewSource, NewTag, Section, SectionId};
use dateline_core::{Source, SourceId, Tag, TagId};
use dateline_store::Store;

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
