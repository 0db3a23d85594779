//! The newsroom's nouns. Ids are newtypes so a section id cannot be passed where a story id
//! is meant; times are `jiff::Timestamp` here and unix seconds in the database.

use crate::house_style::HouseStyle;
use crate::language::{TextDirection, is_language_tag};
use crate::slug::Slug;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

macro_rules! id_type {
    ($($name:ident),*) => {$(
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }
    )*};
}
id_type!(StoryId, SectionId, TagId, AuthorId, SourceId, MediaId);

/// One entry of the site's navigation menu.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MenuItem {
    pub label: String,
    pub url: String,
}

impl MenuItem {
    /// A label, and a link readers can follow safely: a path on the site (`/world`) or an
    /// http(s) address; never `javascript:`, `data:` or a protocol-relative `//host`.
    pub fn validate(&self) -> Result<(), FieldError> {
        if self.label.trim().is_empty() {
            return Err(FieldError::new("menu", format!("the link to {:?} needs a label", self.url)));
        }
        let url = self.url.trim();
        let site_path = url.starts_with('/') && !url.starts_with("//");
        let web = url.starts_with("https://") || url.starts_with("http://");
        if !(site_path || web) || url.chars().any(char::is_whitespace) {
            return Err(FieldError::new(
                "menu",
                format!("{:?}: a link must be a site path such as /world or an http(s) address", self.label),
            ));
        }
        Ok(())
    }
}

/// Site-wide settings: identity, language, zone, menu and house style.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SiteSettings {
    pub name: String,
    /// Absolute base URL without a trailing slash, e.g. `https://news.example.com`.
    pub base_url: String,
    pub language: String,
    pub direction: TextDirection,
    /// IANA time zone name, e.g. `Asia/Karachi`.
    pub timezone: String,
    /// The header menu; when empty, every section in its order.
    #[serde(default)]
    pub menu: Vec<MenuItem>,
    #[serde(default)]
    pub house_style: HouseStyle,
    /// The publisher's logo for search engines and social cards (PNG or JPEG, http(s) or a
    /// site path); empty means the theme's own `logo.png`.
    #[serde(default)]
    pub logo_url: String,
    /// The breaking-news banner across every public page, while it is set and not ended.
    /// Set and cleared on its own (`dateline_newsroom::site::set_banner`), never by a save
    /// of the other settings.
    #[serde(default)]
    pub banner: Option<Banner>,
}

/// A breaking-news banner: a line of text, an optional link, an optional end.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Banner {
    pub text: String,
    /// Where it leads: an http(s) address or a path on the site; empty for none.
    #[serde(default)]
    pub link: String,
    /// When it comes down by itself.
    #[serde(default)]
    pub ends_at: Option<Timestamp>,
}

/// Longest banner text, in characters.
pub const MAX_BANNER_CHARS: usize = 200;

impl Banner {
    /// Checks the text (not empty, at most [`MAX_BANNER_CHARS`]), the link and the end.
    ///
    /// # Errors
    /// Every [`FieldError`] found.
    pub fn validate(&self, now: Timestamp) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        let text = self.text.trim();
        if text.is_empty() {
            errors.push(FieldError::new("text", "a banner needs its words"));
        } else if text.chars().count() > MAX_BANNER_CHARS {
            errors.push(FieldError::new("text", format!("at most {MAX_BANNER_CHARS} characters")));
        }
        let link = self.link.trim();
        let site_path = link.starts_with('/') && !link.starts_with("//") && !link.starts_with("/\\");
        let web = (link.starts_with("https://") || link.starts_with("http://"))
            && !link.contains(char::is_whitespace);
        if !link.is_empty() && !site_path && !web {
            errors.push(FieldError::new(
                "link",
                "an http(s) address or a path on the site, such as /story/...",
            ));
        }
        if self.ends_at.is_some_and(|end| end <= now) {
            errors.push(FieldError::new("ends_at", "the end must be in the future"));
        }
        if errors.is_empty() { Ok(()) } else { Err(errors) }
    }

    /// Whether the banner is up at `now`.
    pub fn is_showing(&self, now: Timestamp) -> bool {
        self.ends_at.is_none_or(|end| now < end)
    }
}

impl Default for SiteSettings {
    fn default() -> Self {
        Self {
            name: "Dateline".into(),
            base_url: "http://127.0.0.1:8080".into(),
            language: "en".into(),
            direction: TextDirection::Ltr,
            timezone: "UTC".into(),
            menu: Vec::new(),
            house_style: HouseStyle::default(),
            logo_url: String::new(),
            banner: None,
        }
    }
}

/// A field that failed validation and why, for forms and API errors.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("{field}: {message}")]
pub struct FieldError {
    pub field: &'static str,
    pub message: String,
}

impl FieldError {
    pub fn new(field: &'static str, message: impl Into<String>) -> Self {
        Self { field, message: message.into() }
    }
}

impl SiteSettings {
    /// Checks every field a site operator can get wrong.
    ///
    /// # Errors
    /// The first [`FieldError`] found.
    pub fn validate(&self) -> Result<(), FieldError> {
        if self.name.trim().is_empty() {
            return Err(FieldError::new("name", "the site needs a name"));
        }
        let url_ok = (self.base_url.starts_with("http://") || self.base_url.starts_with("https://"))
            && !self.base_url.ends_with('/');
        if !url_ok {
            return Err(FieldError::new(
                "base_url",
                "must start with http:// or https:// and have no trailing slash",
            ));
        }
        if !is_language_tag(&self.language) {
            return Err(FieldError::new("language", "must be a language tag such as en or ur-PK"));
        }
        let logo = self.logo_url.as_str();
        if !(logo.is_empty()
            || logo.starts_with("https://")
            || logo.starts_with("http://")
            || logo.starts_with('/'))
        {
            return Err(FieldError::new("logo_url", "must be empty, an http(s) address or a site path"));
        }
        if jiff::tz::TimeZone::get(&self.timezone).is_err() {
            return Err(FieldError::new("timezone", format!("{:?} is not an IANA time zone", self.timezone)));
        }
        for item in &self.menu {
            item.validate()?;
        }
        self.house_style.validate().map_err(|e| FieldError::new("house_style", e.to_string()))
    }

    /// The site's time zone; UTC if the stored name is unknown (validated on save).
    pub fn time_zone(&self) -> jiff::tz::TimeZone {
        jiff::tz::TimeZone::get(&self.timezone).unwrap_or(jiff::tz::TimeZone::UTC)
    }
}

/// A section of the site (World, Pakistan, Business...). A section may have its own
/// language, e.g. an Urdu section on an English site.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Section {
    pub id: SectionId,
    pub slug: Slug,
    pub name: String,
    pub description: String,
    pub language: Option<String>,
    pub position: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewSection {
    pub slug: Slug,
    pub name: String,
    pub description: String,
    pub language: Option<String>,
    pub position: i64,
}

/// What a tag names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TagKind {
    Topic,
    Person,
    Place,
    Organisation,
}

impl TagKind {
    pub const ALL: [TagKind; 4] = [Self::Topic, Self::Person, Self::Place, Self::Organisation];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Topic => "topic",
            Self::Person => "person",
            Self::Place => "place",
            Self::Organisation => "organisation",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tag {
    pub id: TagId,
    pub slug: Slug,
    pub name: String,
    pub kind: TagKind,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewTag {
    pub slug: Slug,
    pub name: String,
    pub kind: TagKind,
}

/// A person who files or edits stories.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Author {
    pub id: AuthorId,
    pub slug: Slug,
    pub name: String,
    pub bio: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewAuthor {
    pub slug: Slug,
    pub name: String,
    pub bio: String,
}

/// A news agency or other origin of copy, with the credit text it is published under.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Source {
    pub id: SourceId,
    pub slug: Slug,
    pub name: String,
    pub credit: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewSource {
    pub slug: Slug,
    pub name: String,
    pub credit: String,
}

/// The longest name a section, tag, author or source may have, in characters.
pub const MAX_NAME: usize = 120;

/// A name the newsroom can show: not blank, not too long.
fn check_name(name: &str) -> Result<(), FieldError> {
    if name.trim().is_empty() {
        return Err(FieldError::new("name", "give the name"));
    }
    if name.chars().count() > MAX_NAME {
        return Err(FieldError::new("name", format!("at most {MAX_NAME} characters")));
    }
    Ok(())
}

impl NewSection {
    /// A name, and a language tag when the section has its own language.
    pub fn validate(&self) -> Result<(), FieldError> {
        check_name(&self.name)?;
        match &self.language {
            Some(l) if !crate::language::is_language_tag(l) => {
                Err(FieldError::new("language", "a language tag such as ur"))
            }
            _ => Ok(()),
        }
    }
}

impl NewTag {
    pub fn validate(&self) -> Result<(), FieldError> {
        check_name(&self.name)
    }
}

impl NewAuthor {
    pub fn validate(&self) -> Result<(), FieldError> {
        check_name(&self.name)
    }
}

impl NewSource {
    /// A name and the credit its stories are published under.
    pub fn validate(&self) -> Result<(), FieldError> {
        check_name(&self.name)?;
        if self.credit.trim().is_empty() {
            return Err(FieldError::new("credit", "give the credit its stories carry"));
        }
        Ok(())
    }
}

/// Where a story is in its life. Only `Published` stories are on the public site.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StoryStatus {
    Draft,
    Scheduled,
    Published,
    Unpublished,
    Killed,
}

impl StoryStatus {
    pub const ALL: [StoryStatus; 5] =
        [Self::Draft, Self::Scheduled, Self::Published, Self::Unpublished, Self::Killed];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Scheduled => "scheduled",
            Self::Published => "published",
            Self::Unpublished => "unpublished",
            Self::Killed => "killed",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// How prominent a story is on the home page.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Prominence {
    #[default]
    Normal = 0,
    Top = 1,
    Lead = 2,
}

impl Prominence {
    pub fn from_i64(n: i64) -> Self {
        match n {
            2.. => Self::Lead,
            1 => Self::Top,
            _ => Self::Normal,
        }
    }
}

/// A correction note appended to a story after publication.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Correction {
    pub note: String,
    pub created_at: Timestamp,
}

/// An image shown at the top of a story and on its cards: where it is, and how this story
/// uses it (alt text, caption and credit may differ from the library's defaults).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct StoryImage {
    pub url: String,
    pub alt: String,
    pub caption: String,
    #[serde(default)]
    pub credit: String,
    /// Pixel size, known for pictures from the media library (no layout shift, `srcset`).
    #[serde(default)]
    pub width: Option<u32>,
    #[serde(default)]
    pub height: Option<u32>,
    /// The point to keep in view when a card crops the picture, in percent from the left
    /// and from the top.
    #[serde(default)]
    pub focal: Option<(u8, u8)>,
}

/// What an editor writes: every field of a story that a save can change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StoryDraft {
    pub headline: String,
    pub standfirst: String,
    /// Markdown source of the body.
    pub body: String,
    pub dateline_place: String,
    pub credit: String,
    pub section: SectionId,
    pub source: Option<SourceId>,
    pub tags: Vec<TagId>,
    /// Authors in byline order.
    pub authors: Vec<AuthorId>,
    pub language: String,
    /// Wanted slug; made from the headline when `None`.
    pub slug: Option<Slug>,
    pub image: Option<StoryImage>,
    pub prominence: Prominence,
    /// The original this story translates (its readers are offered each other's language).
    #[serde(default)]
    pub translation_of: Option<StoryId>,
    /// Not to be public before this time (an agency's or the newsroom's embargo): publishing
    /// it earlier schedules it for then.
    #[serde(default)]
    pub embargo_until: Option<Timestamp>,
}

/// Longest headline, in characters.
pub const MAX_HEADLINE_CHARS: usize = 300;

impl StoryDraft {
    /// Checks what an editor can get wrong before anything is stored.
    ///
    /// # Errors
    /// Every [`FieldError`] found, so a form can show them all at once.
    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        let headline = self.headline.trim();
        if headline.is_empty() {
            errors.push(FieldError::new("headline", "a story needs a headline"));
        } else if headline.chars().count() > MAX_HEADLINE_CHARS {
            errors.push(FieldError::new("headline", format!("at most {MAX_HEADLINE_CHARS} characters")));
        }
        if self.slug.is_none() && Slug::from_title(headline).is_none() && !headline.is_empty() {
            errors.push(FieldError::new("slug", "the headline has no letters to make a slug from; give one"));
        }
        if !is_language_tag(&self.language) {
            errors.push(FieldError::new("language", "must be a language tag such as en or ur"));
        }
        if self.authors.iter().enumerate().any(|(i, a)| self.authors[..i].contains(a)) {
            errors.push(FieldError::new("authors", "an author is listed twice"));
        }
        if let Some(img) = &self.image
            && !(img.url.starts_with("https://")
                || img.url.starts_with("http://")
                || img.url.starts_with('/'))
        {
            errors.push(FieldError::new("image", "the image URL must be http(s) or a site path"));
        }
        if errors.is_empty() { Ok(()) } else { Err(errors) }
    }

    /// The slug this draft asks for.
    pub fn wanted_slug(&self) -> Option<Slug> {
        self.slug.clone().or_else(|| Slug::from_title(&self.headline))
    }
}

/// A story as stored, with its section, tags and authors resolved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Story {
    pub id: StoryId,
    pub slug: Slug,
    pub headline: String,
    pub standfirst: String,
    pub body_source: String,
    pub body_html: String,
    pub dateline_place: String,
    pub credit: String,
    pub section: Section,
    pub source: Option<Source>,
    pub tags: Vec<Tag>,
    pub authors: Vec<Author>,
    pub language: String,
    pub status: StoryStatus,
    pub prominence: Prominence,
    pub image: Option<StoryImage>,
    pub created_at: Timestamp,
    pub first_published_at: Option<Timestamp>,
    pub published_at: Option<Timestamp>,
    /// The public "Updated" stamp: set when a published story is changed.
    pub updated_at: Option<Timestamp>,
    /// Last save of any kind.
    pub modified_at: Timestamp,
    /// When a scheduled story goes live.
    pub scheduled_at: Option<Timestamp>,
    /// Not to be public before this time (an embargo).
    pub embargo_until: Option<Timestamp>,
    /// Live coverage (a live blog), when the story has had any.
    pub coverage: Option<crate::live::Coverage>,
    /// The account that created the story, if it was created by one.
    pub created_by: Option<crate::account::UserId>,
    pub corrections: Vec<Correction>,
    /// The original this story translates.
    pub translation_of: Option<StoryId>,
    /// Bumped on every save; a save naming an older version is a conflict.
    pub version: i64,
}

impl Story {
    pub fn direction(&self) -> TextDirection {
        TextDirection::of_language(&self.language)
    }

    pub fn is_public(&self) -> bool {
        self.status == StoryStatus::Published
    }
}

/// What a list of stories needs of each story: enough for a card on a front page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StorySummary {
    pub id: StoryId,
    pub slug: Slug,
    pub headline: String,
    pub standfirst: String,
    pub language: String,
    pub section_slug: Slug,
    pub section_name: String,
    pub published_at: Timestamp,
    pub prominence: Prominence,
    pub image: Option<StoryImage>,
}

/// A published story's text and facets, as the search index takes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoryText {
    pub id: StoryId,
    pub slug: String,
    pub headline: String,
    pub standfirst: String,
    pub body_html: String,
    pub section: String,
    pub tags: Vec<String>,
    pub authors: Vec<String>,
    pub source: Option<String>,
    pub language: String,
    pub published_at: Timestamp,
}

/// A published version of a story in another language, for `hreflang` links.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Translation {
    pub slug: Slug,
    pub headline: String,
    pub language: String,
    /// Whether this is the original the others translate.
    pub original: bool,
}

/// A published story as the sitemaps list it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SitemapEntry {
    pub slug: Slug,
    pub headline: String,
    pub language: String,
    pub published_at: Timestamp,
    /// The last change readers can see: the "Updated" stamp, else publication.
    pub modified_at: Timestamp,
    pub image_url: Option<String>,
}

/// One saved state of a story, kept for viewing and restoring.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Revision {
    pub story: StoryId,
    pub number: i64,
    pub created_at: Timestamp,
    pub draft: StoryDraft,
}

/// Which published stories a list shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum StoryFilter {
    #[default]
    All,
    Section(SectionId),
    Tag(TagId),
    Author(AuthorId),
    Source(SourceId),
}

/// Which stories the newsroom's story list shows (any status).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AdminStoryFilter {
    pub status: Option<StoryStatus>,
    pub section: Option<SectionId>,
    pub author: Option<AuthorId>,
    /// Words the headline must contain.
    pub query: Option<String>,
}

/// Which published stories the Content API lists; every part is optional.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ContentFilter {
    pub section: Option<SectionId>,
    pub tag: Option<TagId>,
    pub author: Option<AuthorId>,
    pub source: Option<SourceId>,
    /// Only stories changed (saved, corrected, published) at or after this time.
    pub changed_since: Option<Timestamp>,
}

/// A story as the newsroom's lists show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StoryListItem {
    pub id: StoryId,
    pub slug: Slug,
    pub headline: String,
    pub status: StoryStatus,
    pub section_name: String,
    /// Author names in byline order, comma-separated.
    pub authors: String,
    pub modified_at: Timestamp,
    pub published_at: Option<Timestamp>,
    pub scheduled_at: Option<Timestamp>,
}

/// A window into a newest-first list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest {
    pub offset: u64,
    pub limit: u32,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn menu_links_are_site_paths_or_web_addresses() {
        let item = |label: &str, url: &str| MenuItem { label: label.into(), url: url.into() };
        for good in ["/world", "/section/sport?page=2", "https://example.com/x", "http://example.com"] {
            assert_eq!(item("Go", good).validate(), Ok(()), "{good}");
        }
        for bad in [
            "javascript:alert(1)",
            "JAVASCRIPT:alert(1)",
            "data:text/html,x",
            "//evil.example",
            "world",
            "",
            "/a b",
        ] {
            assert!(item("Go", bad).validate().is_err(), "{bad}");
        }
        assert!(item(" ", "/world").validate().is_err(), "a label is needed");
    }

    fn draft() -> StoryDraft {
        StoryDraft {
            headline: "Budget passed".into(),
            standfirst: String::new(),
            body: String::new(),
            dateline_place: String::new(),
            credit: String::new(),
            section: SectionId(1),
            source: None,
            tags: vec![],
            authors: vec![AuthorId(1)],
            language: "en".into(),
            slug: None,
            image: None,
            prominence: Prominence::Normal,
            translation_of: None,
            embargo_until: None,
        }
    }

    #[test]
    fn a_good_draft_passes() {
        assert_eq!(draft().validate(), Ok(()));
        assert_eq!(draft().wanted_slug().unwrap().as_str(), "budget-passed");
    }

    #[test]
    fn every_bad_field_is_reported() {
        let bad = StoryDraft {
            headline: "  ".into(),
            language: "english".into(),
            authors: vec![AuthorId(1), AuthorId(1)],
            image: Some(StoryImage {
                url: "javascript:x".into(),
                alt: String::new(),
                caption: String::new(),
                ..StoryImage::default()
            }),
            ..draft()
        };
        let fields: Vec<_> = bad.validate().unwrap_err().iter().map(|e| e.field).collect();
        assert_eq!(fields, ["headline", "language", "authors", "image"]);
    }

    #[test]
    fn settings_are_validated() {
        assert!(SiteSettings::default().validate().is_ok());
        let bad_zone = SiteSettings { timezone: "Mars/Olympus".into(), ..SiteSettings::default() };
        assert_eq!(bad_zone.validate().unwrap_err().field, "timezone");
        let bad_url = SiteSettings { base_url: "news.example.com/".into(), ..SiteSettings::default() };
        assert_eq!(bad_url.validate().unwrap_err().field, "base_url");
    }
}

/// A change to a story that the outside world is told about (webhooks).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StoryEvent {
    Published,
    Updated,
    Unpublished,
    Killed,
}

impl StoryEvent {
    pub const ALL: [StoryEvent; 4] = [Self::Published, Self::Updated, Self::Unpublished, Self::Killed];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Published => "published",
            Self::Updated => "updated",
            Self::Unpublished => "unpublished",
            Self::Killed => "killed",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|e| e.as_str() == s.trim())
    }
}

/// An endpoint told about story events.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Webhook {
    pub id: i64,
    pub url: String,
    pub events: Vec<StoryEvent>,
    pub active: bool,
    pub created_at: Timestamp,
}

/// Where a delivery stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DeliveryStatus {
    Pending,
    Delivered,
    Failed,
}

/// One event sent (or to be sent) to one webhook.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Delivery {
    pub id: i64,
    pub webhook_id: i64,
    pub url: String,
    pub event: String,
    pub story_id: i64,
    pub payload: String,
    pub status: DeliveryStatus,
    pub attempts: i64,
    pub next_attempt_at: Timestamp,
    pub last_status_code: Option<i64>,
    pub last_error: Option<String>,
    pub created_at: Timestamp,
    pub delivered_at: Option<Timestamp>,
}

/// How a source's copy arrives and what happens to it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WireConfig {
    /// manual, push-ninjs, push-newsml, rss, atom, jsonfeed.
    pub kind: String,
    /// Feed URL or drop folder, for polled kinds.
    pub location: Option<String>,
    /// Section new stories go to; the first section when `None`.
    pub section: Option<SectionId>,
    /// Byline put on stories from this source (an author's name); the item's own when empty.
    pub byline: String,
    /// Language of the copy; the item's own or the site's when `None`.
    pub language: Option<String>,
    /// Publish at once, or hold for the wire desk.
    pub auto_publish: bool,
}

impl WireConfig {
    /// Every kind of source: typed in by hand, pushed to the wire API, polled feeds, and a
    /// folder that NewsML-G2 files are dropped into.
    pub const KINDS: [&str; 7] =
        ["manual", "push-ninjs", "push-newsml", "rss", "atom", "jsonfeed", "drop-newsml"];

    /// Kinds fetched from a URL at an interval.
    pub fn is_feed(kind: &str) -> bool {
        matches!(kind, "rss" | "atom" | "jsonfeed")
    }

    /// Kinds that push to the wire API with a token.
    pub fn is_push(kind: &str) -> bool {
        kind.starts_with("push-")
    }

    /// Kinds looked at on a schedule (feeds and drop folders).
    pub fn is_polled(kind: &str) -> bool {
        Self::is_feed(kind) || kind == "drop-newsml"
    }

    /// The shortest interval allowed between two looks: feeds are someone else's server,
    /// a drop folder is our own disk.
    pub fn min_poll_seconds(kind: &str) -> i64 {
        if kind == "drop-newsml" { 1 } else { 10 }
    }

    /// Checks the settings an editor or operator can get wrong, with `poll_seconds`.
    ///
    /// # Errors
    /// Every problem found, by field.
    pub fn validate(&self, poll_seconds: i64) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        if !Self::KINDS.contains(&self.kind.as_str()) {
            errors.push(FieldError::new("kind", format!("unknown kind: use {}", Self::KINDS.join(", "))));
        }
        let location = self.location.as_deref().map(str::trim).unwrap_or("");
        if Self::is_feed(&self.kind) && !(location.starts_with("http://") || location.starts_with("https://"))
        {
            errors.push(FieldError::new("location", "a feed needs an http:// or https:// address"));
        }
        if self.kind == "drop-newsml" && !location.starts_with('/') {
            errors.push(FieldError::new(
                "location",
                "a drop folder needs an absolute path, such as /srv/wire/app",
            ));
        }
        if let Some(language) = &self.language
            && !crate::language::is_language_tag(language)
        {
            errors.push(FieldError::new("language", "not a language tag such as en or ur-PK"));
        }
        if self.byline.chars().count() > 200 {
            errors.push(FieldError::new("byline", "at most 200 characters"));
        }
        let least = Self::min_poll_seconds(&self.kind);
        if Self::is_polled(&self.kind) && !(least..=86_400).contains(&poll_seconds) {
            errors.push(FieldError::new("poll_seconds", format!("between {least} and 86400 seconds")));
        }
        if errors.is_empty() { Ok(()) } else { Err(errors) }
    }
}

/// A source with how its copy arrives and, for polled kinds, how polling is going.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WireSource {
    pub source: Source,
    pub config: WireConfig,
    pub poll_seconds: i64,
    /// Whether a push token was issued (the token itself is never kept).
    pub has_push_token: bool,
    pub status: PollStatus,
}

/// A parsed wire item as the store takes it in (and keeps, for the wire desk).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IncomingItem {
    pub guid: String,
    pub version: Option<i64>,
    /// Hash of the normalised item: the same item again changes nothing.
    pub content_hash: String,
    pub title: String,
    pub summary: String,
    pub body_html: String,
    pub authors: Vec<String>,
    pub categories: Vec<String>,
    pub language: Option<String>,
    pub place: String,
    /// A kill or withdrawal.
    pub withdrawn: bool,
    /// The normalised item as JSON, kept for the wire desk and audit.
    pub json: String,
    /// The picture the agency sent with the item, to be fetched into the media library.
    #[serde(default)]
    pub picture: Option<crate::media::WirePicture>,
    /// Not to be public before this time: a story made from the item is scheduled for it.
    #[serde(default)]
    pub embargoed: Option<jiff::Timestamp>,
}

/// What receiving one item did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "action", content = "story")]
pub enum IngestAction {
    /// New and published at once (auto-publish).
    Published(StoryId),
    /// New and under embargo: its story (auto-publish) is scheduled for the embargo's end.
    Scheduled(StoryId),
    /// New, or a newer version of an item not yet published: waiting on the wire desk.
    Held,
    /// A newer version of a published item: the story was updated ("Updated" stamp).
    Updated(StoryId),
    /// Withdrawn: the story was killed (when there was one).
    Killed(Option<StoryId>),
    /// Seen before, with the same content or an older version: nothing changed.
    Unchanged,
}

/// A wire item as the desk lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WireListItem {
    pub id: i64,
    pub source: String,
    pub guid: String,
    pub version: Option<i64>,
    pub title: String,
    /// waiting, drafted, published, ignored or killed.
    pub state: String,
    /// A newer version or a kill came after the desk acted.
    pub flagged: bool,
    pub story: Option<StoryId>,
    pub received_at: Timestamp,
    pub changed_at: Timestamp,
    pub item: IncomingItem,
    /// Other agencies whose copy of the same story came in (near-duplicates).
    pub also: Vec<String>,
}

/// What the wire desk does with an item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeskAction {
    /// Publish as is.
    Publish,
    /// Make a draft story to edit, then publish.
    Draft,
    /// Leave it off the site.
    Ignore,
}

/// A polled source due for a fetch, with its conditional-GET validators.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DuePoll {
    pub source: SourceId,
    /// A feed kind, or drop-newsml (then `url` is the folder).
    pub kind: String,
    pub url: String,
    pub etag: Option<String>,
    pub last_modified: Option<String>,
}

/// How a poll went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PollOutcome {
    /// Fetched (or 304 Not Modified): new validators when the server sent them.
    Success { etag: Option<String>, last_modified: Option<String> },
    /// Anything else, with the reason editors will see; retried with backoff.
    Failure { error: String },
}

/// How a polled source is doing, for editors.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PollStatus {
    pub last_success_at: Option<Timestamp>,
    pub last_error: Option<String>,
    pub last_error_at: Option<Timestamp>,
    /// Failures in a row (the wait before the next poll doubles with each).
    pub failures: i64,
}
