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
    /// The agency's credit line for it (`media:credit`, a ninjs creditline or copyright
    /// holder, a NewsML-G2 creditline), when given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub credit: Option<String>,
}

impl Media {
    /// Whether this may be a picture worth fetching: a web address, and no type or an
    /// image type (what it really is is decided from the bytes once fetched).
    pub fn may_be_picture(&self) -> bool {
        let web = ["http://", "https://"]
            .iter()
            .any(|scheme| self.url.get(..scheme.len()).is_some_and(|s| s.eq_ignore_ascii_case(scheme)));
        web && self.kind.as_deref().is_none_or(|k| k.trim().to_ascii_lowercase().starts_with("image/"))
    }
}

/// One rendition of a picture (a ninjs rendition, a NewsML-G2 `remoteContent`), for
/// [`best_rendition`].
pub(crate) struct Rendition<'a> {
    /// The rendition's name or role (`original`, `rnd:thumbnail`...).
    pub name: &'a str,
    pub kind: Option<&'a str>,
    pub width: Option<u32>,
}

/// Pictures are kept up to this width (the largest variant the site makes).
const WANTED_WIDTH: u32 = 1920;

/// Which of a picture's renditions to fetch: never a thumbnail or icon when there is
/// anything else; the smallest at least [`WANTED_WIDTH`] wide when widths are given (a
/// 6000-pixel original is only a longer download), else the widest. `None` when no rendition
/// has an image type (or none).
pub(crate) fn best_rendition(list: &[Rendition<'_>]) -> Option<usize> {
    list.iter()
        .enumerate()
        .filter(|(_, r)| r.kind.is_none_or(|k| k.trim().to_ascii_lowercase().starts_with("image/")))
        .min_by_key(|&(i, r)| {
            let name = r.name.to_ascii_lowercase();
            let small = name.contains("thumb") || name.contains("icon");
            let size = match r.width {
                Some(w) if w >= WANTED_WIDTH => (0, w),
                Some(w) => (1, u32::MAX - w),
                None => (2, 0),
            };
            (small, size, i)
        })
        .map(|(i, _)| i)
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
    /// Not to be public before this time, RFC 3339 (ninjs and NewsML-G2 `embargoed`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub embargoed: Option<String>,
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
    /// Cleans every text (NUL and other control characters out, see
    /// `dateline_core::text::clean`), drops repeated items (same guid and version) and media
    /// (same address), keeping the first, and trims bodies.
    pub(crate) fn tidy(&mut self) {
        self.clean_text();
        let mut seen = std::collections::HashSet::new();
        self.items.retain(|i| seen.insert((i.guid.clone(), i.version)));
        for item in &mut self.items {
            item.body_html = item.body_html.take().map(|b| b.trim().to_owned()).filter(|b| !b.is_empty());
            // One file named twice (a `media:content` and its `enclosure`) is one medium.
            let mut urls = std::collections::HashSet::new();
            item.media.retain(|m| urls.insert(m.url.trim().to_owned()));
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

impl ParsedFeed {
    /// Every string of the document through `dateline_core::text::clean`, once, before
    /// anything compares or stores it: a guid with a NUL in it is the same guid on every
    /// arrival, and neither database is handed a NUL.
    fn clean_text(&mut self) {
        use dateline_core::text::clean_in_place as clean;
        let some = |s: &mut Option<String>| s.iter_mut().for_each(clean);
        let FeedInfo { title, link, language } = &mut self.feed;
        [title, link, language].into_iter().for_each(some);
        for item in &mut self.items {
            let WireItem {
                guid,
                version: _,
                title,
                link,
                summary,
                body_html,
                published,
                updated,
                authors,
                categories,
                language,
                media,
                place,
                status: _,
                embargoed,
            } = item;
            [guid, title].into_iter().for_each(clean);
            [link, summary, body_html, published, updated, language, place, embargoed]
                .into_iter()
                .for_each(some);
            authors.iter_mut().chain(categories.iter_mut()).for_each(clean);
            for Media { url, kind, caption, credit } in media {
                clean(url);
                [kind, caption, credit].into_iter().for_each(some);
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
            embargoed: self.embargoed.as_deref().and_then(|t| t.parse().ok()),
            json,
            picture: self.media.iter().find(|m| m.may_be_picture()).map(|m| dateline_core::WirePicture {
                url: m.url.trim().to_owned(),
                caption: m.caption.clone().unwrap_or_default(),
                credit: m.credit.clone().unwrap_or_default(),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(name: &'static str, kind: Option<&'static str>, width: Option<u32>) -> Rendition<'static> {
        Rendition { name, kind, width }
    }

    #[test]
    fn the_rendition_fetched_is_big_enough_and_no_bigger() {
        let list = [
            r("thumbnail", Some("image/jpeg"), Some(3000)),
            r("original", Some("image/jpeg"), Some(6000)),
            r("web", Some("image/jpeg"), Some(2048)),
            r("preview", Some("image/jpeg"), Some(640)),
        ];
        assert_eq!(best_rendition(&list), Some(2), "the smallest at least 1920 wide, never the thumbnail");
        let small = [r("a", None, Some(320)), r("b", Some("image/png"), Some(800)), r("c", None, None)];
        assert_eq!(best_rendition(&small), Some(1), "else the widest");
        let video = [r("main", Some("video/mp4"), Some(1920))];
        assert_eq!(best_rendition(&video), None);
        assert_eq!(
            best_rendition(&[r("thumb", None, Some(100))]),
            Some(0),
            "a thumbnail rather than nothing"
        );
    }

    #[test]
    fn only_web_addresses_of_pictures_are_fetched() {
        let media = |url: &str, kind: Option<&str>| Media {
            url: url.into(),
            kind: kind.map(Into::into),
            caption: None,
            credit: None,
        };
        assert!(media("https://img.example.com/a.jpg", Some("image/jpeg")).may_be_picture());
        assert!(media("HTTP://img.example.com/a", None).may_be_picture());
        assert!(!media("https://audio.example.com/a.mp3", Some("audio/mpeg")).may_be_picture());
        assert!(!media("file:///etc/passwd", None).may_be_picture());
        assert!(!media("ftp://img.example.com/a.jpg", Some("image/jpeg")).may_be_picture());
    }
}
