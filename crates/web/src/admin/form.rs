//! The story form as the browser sends it (every field a string, so nothing typed is ever
//! lost), and its conversion into the newsroom's `StoryFields` (comma-separated lists split,
//! the schedule time read in the site's zone); the newsroom resolves names and slugs.

use crate::error::WebError;
use crate::state::AppState;
use dateline_core::{FieldError, Prominence, SiteSettings, Story, StoryImage};
use dateline_newsroom::stories::{StoryFields, StoryRef};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The editor's fields, exactly as typed.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct StoryForm {
    pub headline: String,
    pub standfirst: String,
    pub body: String,
    pub dateline_place: String,
    pub credit: String,
    pub section: String,
    pub source: String,
    pub tags: String,
    pub authors: String,
    pub language: String,
    pub slug: String,
    pub image_url: String,
    pub image_alt: String,
    pub image_caption: String,
    pub image_credit: String,
    pub prominence: String,
    /// The slug or address of the story this one translates.
    pub translation_of: String,
    pub schedule_at: String,
    /// Not public before this time (site time); empty for none.
    pub embargo_until: String,
    pub version: String,
    #[serde(skip_serializing)]
    pub csrf: String,
    #[serde(skip_serializing)]
    pub action: String,
}

/// Field name -> message, as the editor template shows them.
pub type FieldErrors = BTreeMap<String, String>;

pub fn errors_map(errors: &[FieldError]) -> FieldErrors {
    errors.iter().map(|e| (e.field.to_owned(), e.message.clone())).collect()
}

fn split_names(s: &str) -> Vec<String> {
    s.split(',').map(str::trim).filter(|n| !n.is_empty()).map(str::to_owned).collect()
}

impl StoryForm {
    /// The form filled from a stored story.
    ///
    /// # Errors
    /// A store failure while looking up the story's original.
    pub async fn from_story(
        state: &AppState,
        story: &Story,
        settings: &SiteSettings,
    ) -> Result<Self, WebError> {
        let translation_of = match story.translation_of {
            Some(id) => state.store.story(id).await?.map(|o| o.slug.to_string()).unwrap_or_default(),
            None => String::new(),
        };
        Ok(Self { translation_of, ..Self::filled(story, settings) })
    }

    fn filled(story: &Story, settings: &SiteSettings) -> Self {
        let image = story.image.clone().unwrap_or_default();
        Self {
            headline: story.headline.clone(),
            standfirst: story.standfirst.clone(),
            body: story.body_source.clone(),
            dateline_place: story.dateline_place.clone(),
            credit: story.credit.clone(),
            section: story.section.slug.to_string(),
            source: story.source.as_ref().map(|s| s.slug.to_string()).unwrap_or_default(),
            tags: story.tags.iter().map(|t| t.name.as_str()).collect::<Vec<_>>().join(", "),
            authors: story.authors.iter().map(|a| a.name.as_str()).collect::<Vec<_>>().join(", "),
            language: story.language.clone(),
            slug: story.slug.to_string(),
            image_url: image.url,
            image_alt: image.alt,
            image_caption: image.caption,
            image_credit: image.credit,
            prominence: match story.prominence {
                Prominence::Lead => "lead",
                Prominence::Top => "top",
                Prominence::Normal => "normal",
            }
            .into(),
            translation_of: String::new(),
            schedule_at: story.scheduled_at.map(|t| site_time(t, settings)).unwrap_or_default(),
            embargo_until: story.embargo_until.map(|t| site_time(t, settings)).unwrap_or_default(),
            version: story.version.to_string(),
            csrf: String::new(),
            action: String::new(),
        }
    }

    /// An empty form for a new story, in the site's language, bylined to the user.
    pub fn new_story(settings: &SiteSettings, author_name: Option<String>) -> Self {
        Self {
            language: settings.language.clone(),
            authors: author_name.unwrap_or_default(),
            prominence: "normal".into(),
            version: "0".into(),
            ..Self::default()
        }
    }

    /// The version the editor started from.
    pub fn version(&self) -> Result<i64, FieldError> {
        self.version
            .trim()
            .parse()
            .map_err(|_| FieldError::new("version", "the form is missing its version; reload it"))
    }

    /// The schedule time, read in the site's zone.
    pub fn schedule_time(&self, settings: &SiteSettings) -> Result<Timestamp, FieldError> {
        read_site_time("schedule_at", &self.schedule_at, settings)?
            .ok_or_else(|| FieldError::new("schedule_at", "give the date and time to publish at"))
    }

    /// The embargo, read in the site's zone; `None` when the field is empty.
    pub fn embargo_time(&self, settings: &SiteSettings) -> Result<Option<Timestamp>, FieldError> {
        read_site_time("embargo_until", &self.embargo_until, settings)
    }

    /// The fields as the newsroom resolves them (`dateline_newsroom::stories`): lists are
    /// comma-separated, the original by its slug or address; the embargo as
    /// [`embargo_time`](Self::embargo_time) read it.
    pub fn to_fields(&self, embargo_until: Option<Timestamp>) -> StoryFields {
        let image = (!self.image_url.trim().is_empty()).then(|| StoryImage {
            url: self.image_url.clone(),
            alt: self.image_alt.clone(),
            caption: self.image_caption.clone(),
            credit: self.image_credit.clone(),
            ..StoryImage::default()
        });
        StoryFields {
            headline: self.headline.clone(),
            standfirst: self.standfirst.clone(),
            body: self.body.clone(),
            dateline_place: self.dateline_place.clone(),
            credit: self.credit.clone(),
            section: self.section.clone(),
            source: Some(self.source.clone()),
            tags: split_names(&self.tags),
            authors: split_names(&self.authors),
            language: self.language.clone(),
            slug: Some(self.slug.clone()),
            image,
            prominence: match self.prominence.as_str() {
                "lead" => Prominence::Lead,
                "top" => Prominence::Top,
                _ => Prominence::Normal,
            },
            translation_of: Some(StoryRef::Slug(self.translation_of.clone())),
            embargo_until,
        }
    }
}

/// `t` as a `datetime-local` field shows it, in the site's zone.
fn site_time(t: Timestamp, settings: &SiteSettings) -> String {
    t.to_zoned_datetime(settings.time_zone()).strftime("%Y-%m-%dT%H:%M").to_string()
}

/// A `datetime-local` field's time in the site's zone; `None` when empty.
fn read_site_time(
    field: &'static str,
    text: &str,
    settings: &SiteSettings,
) -> Result<Option<Timestamp>, FieldError> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    let civil: jiff::civil::DateTime =
        text.parse().map_err(|_| FieldError::new(field, "use the form YYYY-MM-DDTHH:MM"))?;
    civil
        .to_zoned_datetime(settings.time_zone())
        .map(|z| Some(z.timestamp()))
        .map_err(|_| FieldError::new(field, "that time does not exist in the site's time zone"))
}
