//! Live coverage of a breaking story (a live blog): the story's coverage window and its
//! entries, short timed posts added while events unfold. A story is live from when an
//! editor turns coverage on until they end it; it then reads as a normal story that keeps
//! its entries. Every change to a story's entries bumps the story's entry counter (`seq`),
//! which the entry then carries, so a reader's stream can resume from the last change it
//! saw; a deleted entry keeps its row, without its words, to tell such a stream.

use crate::{FieldError, StoryId, StoryImage};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// Longest entry title, in characters.
pub const MAX_ENTRY_TITLE_CHARS: usize = 200;
/// Longest entry body (Markdown), in bytes: a live entry is a few paragraphs.
pub const MAX_ENTRY_BODY_BYTES: usize = 64 * 1024;

/// When a story's live coverage started and, once over, ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Coverage {
    pub start: Timestamp,
    pub end: Option<Timestamp>,
}

impl Coverage {
    /// Whether the coverage is still going on.
    pub fn is_live(&self) -> bool {
        self.end.is_none()
    }
}

/// One entry of a live blog, as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LiveEntry {
    pub id: i64,
    pub story: StoryId,
    /// The story's entry counter at this entry's last change (added, edited or deleted).
    pub seq: i64,
    /// The time shown with the entry.
    pub posted_at: Timestamp,
    /// The last edit, if it was edited.
    pub edited_at: Option<Timestamp>,
    /// Empty when the entry has none.
    pub title: String,
    /// Markdown source.
    pub body_source: String,
    /// Sanitised HTML from the source.
    pub body_html: String,
    /// Who wrote it, as shown.
    pub author: String,
    pub image: Option<StoryImage>,
    /// A key event: also listed in the summary at the top of the live blog.
    pub key_event: bool,
    /// Deleted: kept without its words so that a resuming stream learns of it.
    pub deleted: bool,
}

/// What an editor writes for an entry: a new one or the new state of one.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EntryDraft {
    #[serde(default)]
    pub title: String,
    /// Markdown.
    pub body: String,
    /// Shown as the entry's writer; the person adding it when empty.
    #[serde(default)]
    pub author: String,
    #[serde(default)]
    pub image: Option<StoryImage>,
    #[serde(default)]
    pub key_event: bool,
    /// The time shown with the entry; now when not given (a new entry) or kept (an edit).
    #[serde(default)]
    pub posted_at: Option<Timestamp>,
}

impl EntryDraft {
    /// Checks what an editor can get wrong before anything is stored.
    ///
    /// # Errors
    /// Every [`FieldError`] found.
    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        if self.body.trim().is_empty() && self.image.is_none() {
            errors.push(FieldError::new("body", "an entry needs some text or a picture"));
        }
        if self.body.len() > MAX_ENTRY_BODY_BYTES {
            errors.push(FieldError::new("body", format!("at most {} KB", MAX_ENTRY_BODY_BYTES / 1024)));
        }
        if self.title.chars().count() > MAX_ENTRY_TITLE_CHARS {
            errors.push(FieldError::new("title", format!("at most {MAX_ENTRY_TITLE_CHARS} characters")));
        }
        if self.author.chars().count() > MAX_ENTRY_TITLE_CHARS {
            errors.push(FieldError::new("author", format!("at most {MAX_ENTRY_TITLE_CHARS} characters")));
        }
        if let Some(img) = &self.image
            && !(img.url.starts_with("https://")
                || img.url.starts_with("http://")
                || img.url.starts_with('/'))
        {
            errors.push(FieldError::new("image", "the picture's address must be http(s) or a site path"));
        }
        if errors.is_empty() { Ok(()) } else { Err(errors) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_entry_needs_words_or_a_picture_and_bounded_fields() {
        assert!(EntryDraft::default().validate().is_err());
        let ok = EntryDraft { body: "Polls close.".into(), ..EntryDraft::default() };
        assert!(ok.validate().is_ok());
        let picture = EntryDraft {
            image: Some(StoryImage { url: "/media/ab/x.jpg".into(), ..StoryImage::default() }),
            ..EntryDraft::default()
        };
        assert!(picture.validate().is_ok());
        let errors = EntryDraft {
            title: "t".repeat(201),
            body: "b".repeat(MAX_ENTRY_BODY_BYTES + 1),
            image: Some(StoryImage { url: "javascript:alert(1)".into(), ..StoryImage::default() }),
            ..EntryDraft::default()
        }
        .validate()
        .unwrap_err();
        let fields: Vec<_> = errors.iter().map(|e| e.field).collect();
        assert_eq!(fields, ["body", "title", "image"]);
    }
}
