//! What the APIs send and receive. Times are RFC 3339 strings in UTC; slugs identify
//! sections, tags, authors and sources; inputs reject unknown fields.

use crate::views::story_url;
use dateline_core::{Author, Section, Source, Story, Tag};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Serialize, ToSchema)]
pub struct SectionOut {
    pub slug: String,
    pub name: String,
    pub description: String,
    pub language: Option<String>,
    pub position: i64,
}

impl From<&Section> for SectionOut {
    fn from(s: &Section) -> Self {
        Self {
            slug: s.slug.to_string(),
            name: s.name.clone(),
            description: s.description.clone(),
            language: s.language.clone(),
            position: s.position,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct TagOut {
    pub slug: String,
    pub name: String,
    /// topic, person, place or organisation
    pub kind: String,
}

impl From<&Tag> for TagOut {
    fn from(t: &Tag) -> Self {
        Self { slug: t.slug.to_string(), name: t.name.clone(), kind: t.kind.as_str().into() }
    }
}

#[derive(Serialize, ToSchema)]
pub struct AuthorOut {
    pub slug: String,
    pub name: String,
    pub bio: String,
}

impl From<&Author> for AuthorOut {
    fn from(a: &Author) -> Self {
        Self { slug: a.slug.to_string(), name: a.name.clone(), bio: a.bio.clone() }
    }
}

#[derive(Serialize, ToSchema)]
pub struct SourceOut {
    pub slug: String,
    pub name: String,
    pub credit: String,
}

impl From<&Source> for SourceOut {
    fn from(s: &Source) -> Self {
        Self { slug: s.slug.to_string(), name: s.name.clone(), credit: s.credit.clone() }
    }
}

#[derive(Serialize, Deserialize, ToSchema, Clone)]
#[serde(deny_unknown_fields)]
pub struct ImageIo {
    pub url: String,
    #[serde(default)]
    pub alt: String,
    #[serde(default)]
    pub caption: String,
}

impl From<&dateline_core::StoryImage> for ImageIo {
    fn from(i: &dateline_core::StoryImage) -> Self {
        Self { url: i.url.clone(), alt: i.alt.clone(), caption: i.caption.clone() }
    }
}

impl ImageIo {
    /// The picture as the newsroom takes it (a library address gets the library's facts).
    pub fn to_story_image(&self) -> dateline_core::StoryImage {
        dateline_core::StoryImage {
            url: self.url.clone(),
            alt: self.alt.clone(),
            caption: self.caption.clone(),
            ..dateline_core::StoryImage::default()
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct CorrectionOut {
    pub note: String,
    pub created_at: String,
}

/// A whole story.
#[derive(Serialize, ToSchema)]
pub struct StoryOut {
    pub id: i64,
    pub slug: String,
    /// Path of the public page (only meaningful while published).
    pub url: String,
    pub headline: String,
    pub standfirst: String,
    /// Markdown source (Admin API only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    /// Sanitised HTML.
    pub body_html: String,
    pub dateline_place: String,
    pub credit: String,
    pub section: SectionOut,
    pub source: Option<SourceOut>,
    pub tags: Vec<TagOut>,
    pub authors: Vec<AuthorOut>,
    pub language: String,
    /// draft, scheduled, published, unpublished or killed
    pub status: String,
    /// normal, top or lead
    pub prominence: String,
    pub image: Option<ImageIo>,
    pub created_at: String,
    pub published_at: Option<String>,
    pub updated_at: Option<String>,
    pub modified_at: String,
    pub scheduled_at: Option<String>,
    /// Not public before this time (an embargo).
    pub embargo_until: Option<String>,
    pub corrections: Vec<CorrectionOut>,
    /// Id of the story this one translates.
    pub translation_of: Option<i64>,
    /// Send it back when saving, to detect concurrent edits.
    pub version: i64,
    /// Whether the story is a live blog now (its coverage started and not ended).
    pub live: bool,
    /// When its live coverage started, if it has had any.
    pub coverage_start: Option<String>,
    /// When its live coverage ended, once it has.
    pub coverage_end: Option<String>,
    /// A live blog's entries, newest first (where the answer carries them).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entries: Option<Vec<EntryOut>>,
}

/// One entry of a live blog.
#[derive(Serialize, ToSchema)]
pub struct EntryOut {
    pub id: i64,
    /// The story's entry counter at this entry's last change.
    pub seq: i64,
    pub posted_at: String,
    pub edited_at: Option<String>,
    pub title: String,
    /// Markdown source (Admin API only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    /// Sanitised HTML.
    pub body_html: String,
    pub author: String,
    pub image: Option<ImageIo>,
    pub key_event: bool,
}

impl EntryOut {
    /// `with_source` includes the Markdown body (the Admin API).
    pub fn new(e: &dateline_core::LiveEntry, with_source: bool) -> Self {
        Self {
            id: e.id,
            seq: e.seq,
            posted_at: e.posted_at.to_string(),
            edited_at: e.edited_at.map(|t| t.to_string()),
            title: e.title.clone(),
            body: with_source.then(|| e.body_source.clone()),
            body_html: e.body_html.clone(),
            author: e.author.clone(),
            image: e.image.as_ref().map(ImageIo::from),
            key_event: e.key_event,
        }
    }
}

impl StoryOut {
    /// `with_source` includes the Markdown body (the Admin API).
    pub fn new(s: &Story, with_source: bool) -> Self {
        Self {
            id: s.id.0,
            slug: s.slug.to_string(),
            url: story_url(s.slug.as_str()),
            headline: s.headline.clone(),
            standfirst: s.standfirst.clone(),
            body: with_source.then(|| s.body_source.clone()),
            body_html: s.body_html.clone(),
            dateline_place: s.dateline_place.clone(),
            credit: s.credit.clone(),
            section: (&s.section).into(),
            source: s.source.as_ref().map(Into::into),
            tags: s.tags.iter().map(Into::into).collect(),
            authors: s.authors.iter().map(Into::into).collect(),
            language: s.language.clone(),
            status: s.status.as_str().into(),
            prominence: match s.prominence {
                dateline_core::Prominence::Lead => "lead",
                dateline_core::Prominence::Top => "top",
                dateline_core::Prominence::Normal => "normal",
            }
            .into(),
            image: s.image.as_ref().map(ImageIo::from),
            created_at: s.created_at.to_string(),
            published_at: s.published_at.map(|t| t.to_string()),
            updated_at: s.updated_at.map(|t| t.to_string()),
            modified_at: s.modified_at.to_string(),
            scheduled_at: s.scheduled_at.map(|t| t.to_string()),
            embargo_until: s.embargo_until.map(|t| t.to_string()),
            corrections: s
                .corrections
                .iter()
                .map(|c| CorrectionOut { note: c.note.clone(), created_at: c.created_at.to_string() })
                .collect(),
            translation_of: s.translation_of.map(|id| id.0),
            version: s.version,
            live: s.coverage.is_some_and(|c| c.is_live()),
            coverage_start: s.coverage.map(|c| c.start.to_string()),
            coverage_end: s.coverage.and_then(|c| c.end).map(|t| t.to_string()),
            entries: None,
        }
    }

    /// With the live blog's entries (newest first), for a story that has had live coverage.
    pub fn with_entries(mut self, entries: &[dateline_core::LiveEntry], with_source: bool) -> Self {
        if self.coverage_start.is_some() || !entries.is_empty() {
            self.entries = Some(entries.iter().map(|e| EntryOut::new(e, with_source)).collect());
        }
        self
    }
}

/// A page of a list.
#[derive(Serialize, ToSchema)]
pub struct StoryPage {
    pub items: Vec<StoryOut>,
    pub page: u32,
    /// The next page number, when there is one.
    pub next_page: Option<u32>,
}
