//! Sections, tags and authors named by an export, found by slug or made once and
//! remembered for the rest of the import (a dry run makes none and counts what it would).

use super::Report;
use dateline_core::{AuthorId, NewAuthor, NewSection, NewTag, SectionId, Slug, TagId, TagKind};
use dateline_store::{Store, StoreError};
use std::collections::HashMap;

pub(crate) struct Names<'a> {
    store: &'a dyn Store,
    dry_run: bool,
    sections: HashMap<String, SectionId>,
    tags: HashMap<String, TagId>,
    authors: HashMap<String, AuthorId>,
    /// Stand-in ids handed out in a dry run.
    next_fake: i64,
}

impl<'a> Names<'a> {
    pub(crate) async fn load(store: &'a dyn Store, dry_run: bool) -> Result<Self, StoreError> {
        let sections = store.sections().await?.into_iter().map(|s| (s.slug.to_string(), s.id)).collect();
        let tags = store.tags().await?.into_iter().map(|t| (t.slug.to_string(), t.id)).collect();
        let authors = store.authors().await?.into_iter().map(|a| (a.slug.to_string(), a.id)).collect();
        Ok(Self { store, dry_run, sections, tags, authors, next_fake: -1 })
    }

    fn fake(&mut self) -> i64 {
        self.next_fake -= 1;
        self.next_fake
    }

    /// The section with this slug (or, when the slug is unusable, the name's), made when missing.
    pub(crate) async fn section(
        &mut self,
        slug: &str,
        name: &str,
        report: &mut Report,
    ) -> Result<SectionId, StoreError> {
        let (slug, name) = match slug_of(slug, name) {
            Some(slug) => (slug, name),
            None => (Slug::parse("news").map_err(|e| StoreError::Corrupt(e.to_string()))?, "News"),
        };
        if let Some(id) = self.sections.get(slug.as_str()) {
            return Ok(*id);
        }
        let name = if name.trim().is_empty() { slug.to_string() } else { name.trim().to_owned() };
        let id = if self.dry_run {
            SectionId(self.fake())
        } else {
            let position = i64::try_from(self.sections.len()).unwrap_or(0);
            let new = NewSection {
                slug: slug.clone(),
                name: name.clone(),
                description: String::new(),
                language: None,
                position,
            };
            self.store.create_section(&new).await?.id
        };
        report.sections_created.push(name);
        self.sections.insert(slug.to_string(), id);
        Ok(id)
    }

    pub(crate) async fn tag(
        &mut self,
        slug: &str,
        name: &str,
        report: &mut Report,
    ) -> Result<Option<TagId>, StoreError> {
        let Some(slug) = slug_of(slug, name) else { return Ok(None) };
        if let Some(id) = self.tags.get(slug.as_str()) {
            return Ok(Some(*id));
        }
        let name = if name.trim().is_empty() { slug.to_string() } else { name.trim().to_owned() };
        let id = if self.dry_run {
            TagId(self.fake())
        } else {
            self.store.create_tag(&NewTag { slug: slug.clone(), name, kind: TagKind::Topic }).await?.id
        };
        report.tags_created += 1;
        self.tags.insert(slug.to_string(), id);
        Ok(Some(id))
    }

    /// The author with this display name (by its slug), made when missing.
    pub(crate) async fn author(
        &mut self,
        name: &str,
        report: &mut Report,
    ) -> Result<Option<AuthorId>, StoreError> {
        let Some(slug) = Slug::from_title(name) else { return Ok(None) };
        if let Some(id) = self.authors.get(slug.as_str()) {
            return Ok(Some(*id));
        }
        let id = if self.dry_run {
            AuthorId(self.fake())
        } else {
            let new = NewAuthor { slug: slug.clone(), name: name.trim().to_owned(), bio: String::new() };
            self.store.create_author(&new).await?.id
        };
        report.authors_created.push(name.trim().to_owned());
        self.authors.insert(slug.to_string(), id);
        Ok(Some(id))
    }
}

/// A slug from the export's (percent-decoded, as WordPress keeps non-Latin ones encoded),
/// else from the name.
pub(crate) fn slug_of(slug: &str, name: &str) -> Option<Slug> {
    let decoded = dateline_core::import::redirect_path(&format!("/{slug}"))
        .map(|p| p.trim_start_matches('/').to_owned())
        .unwrap_or_default();
    Slug::parse(&decoded.to_lowercase())
        .ok()
        .or_else(|| Slug::from_title(&decoded))
        .or_else(|| Slug::from_title(name))
}
