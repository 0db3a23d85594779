//! Rows as the database returns them, and their conversion into domain types. Conversions
//! fail with [`StoreError::Corrupt`] rather than panic when a stored value is out of range.

use crate::{Result, StoreError};
use dateline_core::{
    Author, AuthorId, Correction, Prominence, Section, SectionId, Slug, Source, SourceId, StoryDraft,
    StoryImage, StoryStatus, StorySummary, Tag, TagId, TagKind,
};
use jiff::Timestamp;

pub(crate) fn ts(seconds: i64) -> Result<Timestamp> {
    Timestamp::from_second(seconds).map_err(|e| StoreError::Corrupt(format!("time {seconds}: {e}")))
}

pub(crate) fn opt_ts(seconds: Option<i64>) -> Result<Option<Timestamp>> {
    seconds.map(ts).transpose()
}

pub(crate) fn slug(s: String) -> Result<Slug> {
    Slug::parse(&s).map_err(|e| StoreError::Corrupt(format!("slug {s:?}: {e}")))
}

/// A story's picture columns, `s.image_*` in every select list that reads them.
#[derive(sqlx::FromRow)]
pub(crate) struct ImageColumns {
    image_url: Option<String>,
    image_alt: String,
    image_caption: String,
    image_credit: String,
    image_width: Option<i64>,
    image_height: Option<i64>,
    image_focal_x: Option<i64>,
    image_focal_y: Option<i64>,
}

impl ImageColumns {
    pub(crate) fn into_image(self) -> Option<StoryImage> {
        let size = |v: Option<i64>| v.and_then(|v| u32::try_from(v).ok());
        let percent = |v: Option<i64>| v.and_then(|v| u8::try_from(v).ok()).filter(|p| *p <= 100);
        Some(StoryImage {
            url: self.image_url?,
            alt: self.image_alt,
            caption: self.image_caption,
            credit: self.image_credit,
            width: size(self.image_width),
            height: size(self.image_height),
            focal: percent(self.image_focal_x).zip(percent(self.image_focal_y)),
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct SectionRow {
    id: i64,
    slug: String,
    name: String,
    description: String,
    language: Option<String>,
    position: i64,
}

impl SectionRow {
    pub(crate) fn into_section(self) -> Result<Section> {
        Ok(Section {
            id: SectionId(self.id),
            slug: slug(self.slug)?,
            name: self.name,
            description: self.description,
            language: self.language,
            position: self.position,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct TagRow {
    id: i64,
    slug: String,
    name: String,
    kind: String,
}

impl TagRow {
    pub(crate) fn into_tag(self) -> Result<Tag> {
        let kind = TagKind::parse(&self.kind)
            .ok_or_else(|| StoreError::Corrupt(format!("tag kind {:?}", self.kind)))?;
        Ok(Tag { id: TagId(self.id), slug: slug(self.slug)?, name: self.name, kind })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct AuthorRow {
    id: i64,
    slug: String,
    name: String,
    bio: String,
}

impl AuthorRow {
    pub(crate) fn into_author(self) -> Result<Author> {
        Ok(Author { id: AuthorId(self.id), slug: slug(self.slug)?, name: self.name, bio: self.bio })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct SourceRow {
    id: i64,
    slug: String,
    name: String,
    credit: String,
}

impl SourceRow {
    pub(crate) fn into_source(self) -> Result<Source> {
        Ok(Source { id: SourceId(self.id), slug: slug(self.slug)?, name: self.name, credit: self.credit })
    }
}

/// The columns of `stories` (without joins).
#[derive(sqlx::FromRow)]
pub(crate) struct StoryRow {
    pub id: i64,
    pub slug: String,
    pub headline: String,
    pub standfirst: String,
    pub body_source: String,
    pub body_html: String,
    pub dateline_place: String,
    pub credit: String,
    pub section_id: i64,
    pub source_id: Option<i64>,
    pub language: String,
    pub status: String,
    pub prominence: i64,
    #[sqlx(flatten)]
    pub image: ImageColumns,
    pub created_at: i64,
    pub first_published_at: Option<i64>,
    pub published_at: Option<i64>,
    pub updated_at: Option<i64>,
    pub modified_at: i64,
    pub version: i64,
    pub scheduled_at: Option<i64>,
    pub created_by: Option<i64>,
    pub translation_of: Option<i64>,
    pub embargo_until: Option<i64>,
    pub live_from: Option<i64>,
    pub live_until: Option<i64>,
}

impl StoryRow {
    pub(crate) fn status(&self) -> Result<StoryStatus> {
        StoryStatus::parse(&self.status)
            .ok_or_else(|| StoreError::Corrupt(format!("story status {:?}", self.status)))
    }
}

/// The columns a story card needs, joined with its section.
#[derive(sqlx::FromRow)]
pub(crate) struct SummaryRow {
    id: i64,
    slug: String,
    headline: String,
    standfirst: String,
    language: String,
    section_slug: String,
    section_name: String,
    public_at: i64,
    prominence: i64,
    #[sqlx(flatten)]
    image: ImageColumns,
}

impl SummaryRow {
    pub(crate) fn into_summary(self) -> Result<StorySummary> {
        Ok(StorySummary {
            id: dateline_core::StoryId(self.id),
            slug: slug(self.slug)?,
            headline: self.headline,
            standfirst: self.standfirst,
            language: self.language,
            section_slug: slug(self.section_slug)?,
            section_name: self.section_name,
            published_at: ts(self.public_at)?,
            prominence: Prominence::from_i64(self.prominence),
            image: self.image.into_image(),
        })
    }
}

/// The select list matching [`SummaryRow`]; `s` is stories, `sec` its section.
pub(crate) const SUMMARY_COLUMNS: &str = "s.id, s.slug, s.headline, s.standfirst, s.language, sec.slug AS section_slug, \
     sec.name AS section_name, s.public_at, s.prominence, s.image_url, s.image_alt, s.image_caption, s.image_credit, \
     s.image_width, s.image_height, s.image_focal_x, s.image_focal_y";

/// A finished story to load in bulk (demo content, imports): every field already decided,
/// including its times, status and sanitised HTML.
#[derive(Debug, Clone)]
pub struct BulkStory {
    pub slug: Slug,
    pub headline: String,
    pub standfirst: String,
    pub body_source: String,
    pub body_html: String,
    pub dateline_place: String,
    pub credit: String,
    pub section: SectionId,
    pub source: Option<SourceId>,
    pub tags: Vec<TagId>,
    pub authors: Vec<AuthorId>,
    pub language: String,
    pub status: StoryStatus,
    pub prominence: Prominence,
    pub image: Option<StoryImage>,
    pub created_at: Timestamp,
    pub published_at: Option<Timestamp>,
    pub updated_at: Option<Timestamp>,
    pub corrections: Vec<Correction>,
}

impl BulkStory {
    /// The editable fields, as kept in the story's first revision.
    pub fn draft(&self) -> StoryDraft {
        StoryDraft {
            headline: self.headline.clone(),
            standfirst: self.standfirst.clone(),
            body: self.body_source.clone(),
            dateline_place: self.dateline_place.clone(),
            credit: self.credit.clone(),
            section: self.section,
            source: self.source,
            tags: self.tags.clone(),
            authors: self.authors.clone(),
            language: self.language.clone(),
            slug: Some(self.slug.clone()),
            image: self.image.clone(),
            prominence: self.prominence,
            translation_of: None,
            embargo_until: None,
        }
    }
}

/// A `users` row, optionally with the columns a login or session look-up adds.
#[derive(sqlx::FromRow)]
pub(crate) struct UserRow {
    id: i64,
    email: String,
    name: String,
    role: String,
    author_id: Option<i64>,
    created_at: i64,
    disabled: i64,
    #[sqlx(default)]
    pub password_hash: Option<String>,
    #[sqlx(default)]
    pub csrf: Option<String>,
    #[sqlx(default)]
    pub expires_at: Option<i64>,
}

impl UserRow {
    pub(crate) fn into_user(self) -> Result<dateline_core::account::User> {
        use dateline_core::account::{Email, Role, User, UserId};
        Ok(User {
            id: UserId(self.id),
            email: Email::parse(&self.email).map_err(StoreError::Corrupt)?,
            name: self.name,
            role: Role::parse(&self.role)
                .ok_or_else(|| StoreError::Corrupt(format!("role {:?}", self.role)))?,
            author: self.author_id.map(AuthorId),
            created_at: ts(self.created_at)?,
            disabled: self.disabled != 0,
        })
    }
}
