//! Pictures in the media library: what is stored of each (its content hash, size and the
//! words that go with it) and the addresses its files are served at. The files themselves
//! are made and kept by `dateline-media`.

use crate::model::{FieldError, MediaId, StoryImage};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// Longest alt text, caption or credit, in characters.
pub const MAX_TEXT_CHARS: usize = 1000;

/// A picture in the library.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Media {
    pub id: MediaId,
    /// SHA-256 of the uploaded bytes, hex: the same file uploaded twice is one picture.
    pub hash: String,
    /// File extension of the stored original: jpg, png, webp or gif.
    pub format: String,
    pub width: u32,
    pub height: u32,
    /// Size of the stored original.
    pub bytes: u64,
    pub text: MediaText,
    /// Where it came from: empty for an upload, else the agency's address.
    pub origin: String,
    pub created_at: Timestamp,
}

/// The words and focal point of a picture, as an editor sets them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MediaText {
    pub alt: String,
    pub caption: String,
    pub credit: String,
    /// Percent from the left and from the top.
    pub focal_x: u8,
    pub focal_y: u8,
}

impl Default for MediaText {
    fn default() -> Self {
        Self { alt: String::new(), caption: String::new(), credit: String::new(), focal_x: 50, focal_y: 50 }
    }
}

impl MediaText {
    /// # Errors
    /// Every [`FieldError`] found.
    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        for (field, text) in [("alt", &self.alt), ("caption", &self.caption), ("credit", &self.credit)] {
            if text.chars().count() > MAX_TEXT_CHARS {
                errors.push(FieldError::new(field, format!("at most {MAX_TEXT_CHARS} characters")));
            }
        }
        if self.focal_x > 100 || self.focal_y > 100 {
            errors.push(FieldError::new("focal", "the focal point is given in percent, from 0 to 100"));
        }
        if errors.is_empty() { Ok(()) } else { Err(errors) }
    }
}

/// A processed picture about to be added to the library.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMedia {
    pub hash: String,
    pub format: String,
    pub width: u32,
    pub height: u32,
    pub bytes: u64,
    pub text: MediaText,
    pub origin: String,
}

/// The address of a picture's file: the original (`width` `None`) or a variant.
pub fn media_path(hash: &str, width: Option<u32>, extension: &str) -> String {
    match width {
        Some(w) => format!("/media/{hash}/{w}.{extension}"),
        None => format!("/media/{hash}/original.{extension}"),
    }
}

impl Media {
    /// The address of the original.
    pub fn url(&self) -> String {
        media_path(&self.hash, None, &self.format)
    }

    /// The picture as a story uses it, with the library's words.
    pub fn story_image(&self) -> StoryImage {
        StoryImage {
            url: self.url(),
            alt: self.text.alt.clone(),
            caption: self.text.caption.clone(),
            credit: self.text.credit.clone(),
            width: Some(self.width),
            height: Some(self.height),
            focal: Some((self.text.focal_x, self.text.focal_y)),
        }
    }
}

/// The picture an agency sent with a wire item (RSS `media:content` or enclosure, a ninjs
/// association, NewsML-G2 remote content): where to fetch it, and the agency's words for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WirePicture {
    /// An `http` or `https` address.
    pub url: String,
    #[serde(default)]
    pub caption: String,
    /// The agency's credit for the picture; empty when it gave none.
    #[serde(default)]
    pub credit: String,
}

impl WirePicture {
    /// The words a picture fetched from this address is kept with: the caption, also as alt
    /// text (agencies seldom send one), and the agency's credit or else `source_credit` (the
    /// credit of the source the item came from).
    pub fn media_text(&self, source_credit: &str) -> MediaText {
        let cut = |s: &str| crate::text::cut_at_word(s, MAX_TEXT_CHARS);
        let credit = if self.credit.trim().is_empty() { source_credit } else { &self.credit };
        MediaText {
            alt: cut(&self.caption),
            caption: cut(&self.caption),
            credit: cut(credit),
            ..MediaText::default()
        }
    }

    /// The library picture `media`, fetched from this address, as a story made from the
    /// item shows it: with this item's caption and credit (the same file may have come with
    /// other words in another agency's item).
    pub fn story_image(&self, media: &Media, source_credit: &str) -> StoryImage {
        let text = self.media_text(source_credit);
        let image = media.story_image();
        StoryImage {
            alt: if text.alt.is_empty() { image.alt.clone() } else { text.alt },
            caption: if text.caption.is_empty() { image.caption.clone() } else { text.caption },
            credit: text.credit,
            ..image
        }
    }
}

/// The hash and extension of a library address (`/media/HASH/NAME.EXT`, or the same after
/// a site's base URL), or `None` for any other address.
pub fn library_file(url: &str) -> Option<(&str, &str)> {
    let rest = &url[url.find("/media/")? + "/media/".len()..];
    let (hash, file) = rest.split_once('/')?;
    let (_, extension) = file.rsplit_once('.')?;
    let hex = hash.len() == 64 && hash.bytes().all(|b| b.is_ascii_hexdigit());
    hex.then_some((hash, extension))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn library_addresses_are_recognised() {
        let hash = "a".repeat(64);
        assert_eq!(media_path(&hash, Some(640), "webp"), format!("/media/{hash}/640.webp"));
        let original = media_path(&hash, None, "jpg");
        assert_eq!(library_file(&original), Some((hash.as_str(), "jpg")));
        assert_eq!(
            library_file(&format!("https://news.example.com{original}")),
            Some((hash.as_str(), "jpg"))
        );
        assert_eq!(library_file("https://cdn.example.com/photo.jpg"), None);
        assert_eq!(library_file("/media/short/original.jpg"), None);
    }

    #[test]
    fn wire_pictures_keep_the_agency_credit() {
        let media = Media {
            id: MediaId(1),
            hash: "b".repeat(64),
            format: "jpg".into(),
            width: 1200,
            height: 800,
            bytes: 50_000,
            text: MediaText { caption: "First words".into(), credit: "AFP".into(), ..MediaText::default() },
            origin: "https://img.example.com/1.jpg".into(),
            created_at: Timestamp::UNIX_EPOCH,
        };
        let given = WirePicture {
            url: media.origin.clone(),
            caption: "Rain in Lahore".into(),
            credit: "Photo: Jane Doe / APP".into(),
        };
        let image = given.story_image(&media, "APP");
        assert_eq!(
            (image.caption.as_str(), image.credit.as_str()),
            ("Rain in Lahore", "Photo: Jane Doe / APP")
        );
        assert_eq!((image.width, image.url), (Some(1200), media.url()));
        let bare = WirePicture { caption: String::new(), credit: " ".into(), ..given };
        let image = bare.story_image(&media, "APP");
        assert_eq!((image.caption.as_str(), image.credit.as_str()), ("First words", "APP"));
        assert_eq!(bare.media_text("APP").credit, "APP");
    }

    #[test]
    fn focal_points_are_percentages() {
        let bad = MediaText { focal_x: 101, ..MediaText::default() };
        assert_eq!(bad.validate().unwrap_err()[0].field, "focal");
        assert!(MediaText::default().validate().is_ok());
    }
}
