//! Normalised items: what every format is turned into.

use serde::Serialize;

/// Where an item stands, as its agency says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum PubStatus {
    /// Publishable.
    #[default]
    Usable,
    /// Withdrawn or cancelled: a kill.
    Withdrawn,
}

/// A picture, video or other file attached to an item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Media {
    pub url: String,
    /// MIME type when known.
    pub kind: Option<String>,
    pub caption: Option<String>,
}

/// One story as an agency or feed sent it. Plain-text fields have no markup and decoded
/// entities; `body_html` is sanitised; times are RFC 3339 in UTC.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WireItem {
    /// The item's id within its source; derived from link and title when the feed has none.
    pub guid: String,
    /// The agency's version number, when it gives one.
    pub version: Option<i64>,
    pub title: String,
    pub link: Option<String>,
    pub summary: Option<String>,
    pub body_html: Option<String>,
    pub published: Option<String>,
    pub updated: Option<String>,
    pub authors: Vec<String>,
    pub categories: Vec<String>,
    pub language: Option<String>,
    pub media: Vec<Media>,
    /// The dateline place ("located").
    pub place: Option<String>,
    pub status: PubStatus,
}

/// The feed or message the items came in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct FeedInfo {
    pub title: Option<String>,
    pub link: Option<String>,
    pub language: Option<String>,
}

/// A whole parsed document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ParsedFeed {
    pub feed: FeedInfo,
    pub items: Vec<WireItem>,
}

impl ParsedFeed {
    /// Drops repeated items (same guid and version), keeping the first, and trims bodies.
    pub(crate) fn tidy(&mut self) {
        let mut seen = std::collections::HashSet::new();
        self.items.retain(|i| seen.insert((i.guid.clone(), i.version)));
        for item in &mut self.items {
            item.body_html = item.body_html.take().map(|b| b.trim().to_owned()).filter(|b| !b.is_empty());
            // RSS readers report the publication time as the update time too: that is no update.
            if item.updated.is_some() && item.updated == item.published {
                item.updated = None;
            }
            // An item without a title (JSON Feed allows it) gets its first words as one.
            if item.title.is_empty() {
                let text = item
                    .summary
                    .clone()
                    .or_else(|| item.body_html.as_deref().map(crate::text::plain))
                    .unwrap_or_default();
                item.title = dateline_core::text::cut_at_word(&text, 100);
            }
        }
    }
}

impl WireItem {
    /// The item as the store takes it in, with a hash of its normalised content.
    pub fn incoming(&self) -> dateline_core::IncomingItem {
        use sha2::{Digest, Sha256};
        let json = serde_json::to_string(self).unwrap_or_default();
        dateline_core::IncomingItem {
            guid: self.guid.clone(),
            version: self.version,
            content_hash: hex::encode(Sha256::digest(json.as_bytes())),
            title: self.title.clone(),
            summary: self.summary.clone().unwrap_or_default(),
            body_html: self.body_html.clone().unwrap_or_default(),
            authors: self.authors.clone(),
            categories: self.categories.clone(),
            language: self.language.clone(),
            place: self.place.clone().unwrap_or_default(),
            withdrawn: self.status == PubStatus::Withdrawn,
            json,
        }
    }
}
