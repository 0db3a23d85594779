//! The story form as the browser sends it (every field a string, so nothing typed is ever
//! lost), and its conversion into a `StoryDraft`: section and source by slug, tags by name
//! (created on the fly), authors by name in byline order, schedule time in the site's zone.

use crate::error::WebError;
use crate::state::AppState;
use dateline_core::{
    FieldError, NewTag, Prominence, SiteSettings, Slug, Story, StoryDraft, StoryImage, TagKind,
};
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
fn story_slug_in(text: &str) -> Option<&str> {
    let text = text.trim().trim_end_matches('/');
    let slug = text.rsplit_once("/story/").map_or(text, |(_, slug)| slug);
    let slug = slug.split(['?', '#']).next().unwrap_or_default();
    (!slug.is_empty()).then_some(slug)
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
            schedule_at: story
                .scheduled_at
                .map(|t| t.to_zoned_datetime(settings.time_zone()).strftime("%Y-%m-%dT%H:%M").to_string())
                .unwrap_or_default(),
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
        let text = self.schedule_at.trim();
        if text.is_empty() {
            return Err(FieldError::new("schedule_at", "give the date and time to publish at"));
        }
        let civil: jiff::civil::DateTime =
            text.parse().map_err(|_| FieldError::new("schedule_at", "use the form YYYY-MM-DDTHH:MM"))?;
        civil
            .to_zoned_datetime(settings.time_zone())
            .map(|z| z.timestamp())
            .map_err(|_| FieldError::new("schedule_at", "that time does not exist in the site's time zone"))
    }

    /// Resolves the form into a draft. Unknown tags are created when `may_create_tags`.
    ///
    /// # Errors
    /// Every field problem, as a list; a store failure as a [`WebError`].
    pub async fn to_draft(
        &self,
        state: &AppState,
        may_create_tags: bool,
    ) -> Result<Result<StoryDraft, Vec<FieldError>>, WebError> {
        let store = &state.store;
        let mut errors = Vec::new();
        let section = store.section_by_slug(self.section.trim()).await?;
        if section.is_none() {
            errors.push(FieldError::new("section", "choose a section"));
        }
        let source = match self.source.trim() {
            "" => None,
            slug => {
                let found = store.source_by_slug(slug).await?;
                if found.is_none() {
                    errors.push(FieldError::new("source", "unknown source"));
                }
                found
            }
        };
        let all_authors = store.authors().await?;
        let mut authors = Vec::new();
        for name in split_names(&self.authors) {
            match all_authors.iter().find(|a| a.name.eq_ignore_ascii_case(&name)) {
                Some(a) => authors.push(a.id),
                None => errors.push(FieldError::new("authors", format!("no author is called {name:?}"))),
            }
        }
        let all_tags = store.tags().await?;
        let mut tags = Vec::new();
        for name in split_names(&self.tags) {
            if let Some(t) = all_tags.iter().find(|t| t.name.eq_ignore_ascii_case(&name)) {
                tags.push(t.id);
                continue;
            }
            let Some(slug) = Slug::from_title(&name) else {
                errors.push(FieldError::new("tags", format!("{name:?} cannot be a tag")));
                continue;
            };
            if !may_create_tags {
                errors.push(FieldError::new("tags", format!("no tag is called {name:?}")));
                continue;
            }
            match store.tag_by_slug(slug.as_str()).await? {
                Some(t) => tags.push(t.id),
                None => tags.push(store.create_tag(&NewTag { slug, name, kind: TagKind::Topic }).await?.id),
            }
        }
        let slug = match self.slug.trim() {
            "" => None,
            s => match Slug::parse(s) {
                Ok(slug) => Some(slug),
                Err(e) => {
                    errors.push(FieldError::new("slug", e.to_string()));
                    None
                }
            },
        };
        let prominence = match self.prominence.as_str() {
            "lead" => Prominence::Lead,
            "top" => Prominence::Top,
            _ => Prominence::Normal,
        };
        let image = match self.image_url.trim() {
            "" => None,
            url => {
                let typed = StoryImage {
                    url: url.to_owned(),
                    alt: self.image_alt.trim().to_owned(),
                    caption: self.image_caption.trim().to_owned(),
                    credit: self.image_credit.trim().to_owned(),
                    ..StoryImage::default()
                };
                match dateline_core::media::library_file(url) {
                    None => Some(typed),
                    Some((hash, _)) => match store.media_by_hash(hash).await? {
                        Some(media) => Some(with_library_facts(typed, &media)),
                        None => {
                            errors.push(FieldError::new("image", "that picture is not in the media library"));
                            None
                        }
                    },
                }
            }
        };
        let translation_of = match story_slug_in(&self.translation_of) {
            None => None,
            Some(slug) => {
                let found = store.story_by_slug(slug).await?;
                if found.is_none() {
                    errors.push(FieldError::new("translation_of", format!("no story has the slug {slug:?}")));
                }
                found.map(|s| s.id)
            }
        };
        let draft = StoryDraft {
            headline: self.headline.clone(),
            standfirst: self.standfirst.clone(),
            body: self.body.clone(),
            dateline_place: self.dateline_place.clone(),
            credit: self.credit.clone(),
            section: section.map(|s| s.id).unwrap_or(dateline_core::SectionId(0)),
            source: source.map(|s| s.id),
            tags,
            authors,
            language: self.language.trim().to_owned(),
            slug,
            image,
            prominence,
            translation_of,
        };
        if let Err(more) = draft.validate() {
            errors.extend(more);
        }
        Ok(if errors.is_empty() { Ok(draft) } else { Err(errors) })
    }
}
