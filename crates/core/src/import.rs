//! Stories brought over from another system: what an importer (WordPress, Ghost, a Dateline
//! export) hands the store for each post, and what became of it. The importer maps the
//! post's fields; the store decides, post by post, whether it is new, unchanged or changed.

use crate::{StoryDraft, StoryId};
use jiff::Timestamp;

/// A post as the story it becomes.
#[derive(Debug, Clone)]
pub struct ImportedStory {
    /// The post's id in the system it came from (unique within one origin).
    pub external_id: String,
    /// A digest of everything the import takes from the post: a different one on a later
    /// run means the post changed there.
    pub fingerprint: String,
    pub draft: StoryDraft,
    pub status: ImportedStatus,
    /// When the post was first written.
    pub created_at: Timestamp,
    /// Its old addresses (paths such as `/2019/05/03/a-post/` or `/?p=123`), redirected to
    /// the story while it is published.
    pub old_paths: Vec<String>,
}

/// Where the post stood in the system it came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportedStatus {
    /// Public since this time.
    Published(Timestamp),
    Draft,
    /// To be published at this time.
    Scheduled(Timestamp),
}

/// What an import did with one post.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImportOutcome {
    /// A new story.
    Imported(StoryId),
    /// The post changed since the last import: its story has a new revision.
    Updated(StoryId),
    /// Imported before and not changed since.
    Unchanged(StoryId),
    /// Left out, with the reason.
    Skipped(String),
}

/// An old address as it is kept and looked up: percent-escapes decoded, no trailing slash
/// (the root stays `/`), the query kept only for `?p=` (WordPress's short links).
pub fn redirect_path(path_and_query: &str) -> Option<String> {
    let (path, query) = match path_and_query.split_once('?') {
        Some((path, query)) => (path, Some(query)),
        None => (path_and_query, None),
    };
    if !path.starts_with('/') {
        return None;
    }
    let decoded = percent_decode(path)?;
    let trimmed = decoded.trim_end_matches('/');
    let mut out = if trimmed.is_empty() { "/".to_owned() } else { trimmed.to_owned() };
    if let Some(id) = query.and_then(|q| q.split('&').find_map(|pair| pair.strip_prefix("p="))) {
        if id.is_empty() || !id.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        out = format!("{out}?p={id}");
    }
    Some(out)
}

/// `text` with `%XX` escapes decoded; `None` when they do not make UTF-8.
fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                (Some(hi), Some(lo)) => {
                    out.push((hi * 16 + lo) as u8);
                    i += 3;
                }
                _ => {
                    out.push(b'%');
                    i += 1;
                }
            },
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn old_addresses_are_kept_one_way() {
        assert_eq!(redirect_path("/2019/05/03/a-post/").as_deref(), Some("/2019/05/03/a-post"));
        assert_eq!(redirect_path("/2019/05/03/a-post").as_deref(), Some("/2019/05/03/a-post"));
        assert_eq!(redirect_path("/?p=123").as_deref(), Some("/?p=123"));
        assert_eq!(redirect_path("/?p=12x"), None);
        assert_eq!(redirect_path("/?s=rain").as_deref(), Some("/"));
        assert_eq!(redirect_path("/%D8%A7%D8%B1%D8%AF%D9%88/").as_deref(), Some("/اردو"));
        assert_eq!(redirect_path("/%d8%a7%d8%b1%d8%af%d9%88").as_deref(), Some("/اردو"));
        assert_eq!(redirect_path("/100%"), Some("/100%".to_owned()));
        assert_eq!(redirect_path("/%FF"), None, "not UTF-8");
        assert_eq!(redirect_path("relative"), None);
    }
}
