//! JSON Feed 1.0 and 1.1, read leniently: ids given as numbers are strings, 1.0's `author`
//! and 1.1's `authors` both count, `image`, `banner_image` and `attachments` are the item's
//! media, and relative addresses are resolved against the address the feed came from, then
//! its `feed_url`, then its `home_page_url`.

use crate::IngestError;
use crate::model::{FeedInfo, Media, ParsedFeed, PubStatus, WireItem};
use crate::prepare::json_error;
use crate::text::{derived_guid, parse_time};
use dateline_core::html::{collapse_whitespace, sanitize_with_base};
use serde_json::Value;
use url::Url;

/// A string field, trimmed; `None` when missing, empty or not a string.
fn string<'a>(value: &'a Value, key: &str) -> Option<&'a str> {
    value.get(key).and_then(Value::as_str).map(str::trim).filter(|s| !s.is_empty())
}

/// A plain-text field on one line, every character kept.
fn plain(value: &Value, key: &str) -> Option<String> {
    string(value, key).map(collapse_whitespace).filter(|s| !s.is_empty())
}

fn resolve(link: &str, base: Option<&Url>) -> String {
    match (Url::parse(link), base) {
        (Ok(u), _) => u.to_string(),
        (Err(_), Some(b)) => b.join(link).map_or_else(|_| link.to_owned(), |u| u.to_string()),
        (Err(_), None) => link.to_owned(),
    }
}

/// The names of 1.1's `authors` or 1.0's `author`.
fn authors(value: &Value) -> Vec<String> {
    let list = match value.get("authors").and_then(Value::as_array) {
        Some(list) => list.iter().collect(),
        None => value.get("author").into_iter().collect::<Vec<_>>(),
    };
    list.into_iter().filter_map(|a| plain(a, "name")).collect()
}

/// Reads a JSON Feed; `address` is where it came from.
///
/// # Errors
/// [`IngestError::Malformed`] for JSON that does not parse.
pub fn parse(text: &str, address: Option<&Url>) -> Result<ParsedFeed, IngestError> {
    let feed: Value = serde_json::from_str(text).map_err(json_error)?;
    let base = address
        .cloned()
        .or_else(|| string(&feed, "feed_url").and_then(|u| Url::parse(u).ok()))
        .or_else(|| string(&feed, "home_page_url").and_then(|u| Url::parse(u).ok()));
    let language = plain(&feed, "language");
    let feed_authors = authors(&feed);
    let items = feed
        .get("items")
        .and_then(Value::as_array)
        .map(|list| list.iter().map(|i| item(i, base.as_ref(), language.as_deref(), &feed_authors)).collect())
        .unwrap_or_default();
    Ok(ParsedFeed {
        feed: FeedInfo {
            title: plain(&feed, "title"),
            link: string(&feed, "home_page_url").map(|l| resolve(l, base.as_ref())),
            language,
        },
        items,
    })
}

fn item(value: &Value, base: Option<&Url>, feed_language: Option<&str>, feed_authors: &[String]) -> WireItem {
    let title = plain(value, "title").unwrap_or_default();
    let link = string(value, "url").or_else(|| string(value, "external_url")).map(|l| resolve(l, base));
    let id = match value.get("id") {
        Some(Value::String(s)) => Some(s.trim().to_owned()),
        Some(n @ Value::Number(_)) => Some(n.to_string()),
        _ => None,
    };
    let guid = id.filter(|i| !i.is_empty()).unwrap_or_else(|| derived_guid(link.as_deref(), &title));
    let body = string(value, "content_html")
        .map(str::to_owned)
        .or_else(|| string(value, "content_text").map(crate::text::text_to_html));
    let mut media = Vec::new();
    for key in ["image", "banner_image"] {
        if let Some(url) = string(value, key) {
            media.push(Media { url: resolve(url, base), kind: None, caption: None, credit: None });
        }
    }
    for attachment in value.get("attachments").and_then(Value::as_array).into_iter().flatten() {
        if let Some(url) = string(attachment, "url") {
            media.push(Media {
                url: resolve(url, base),
                kind: string(attachment, "mime_type").map(str::to_owned),
                caption: plain(attachment, "title"),
                credit: None,
            });
        }
    }
    let tags = value.get("tags").and_then(Value::as_array).into_iter().flatten();
    let mut authors = authors(value);
    if authors.is_empty() {
        authors = feed_authors.to_vec();
    }
    WireItem {
        guid,
        version: None,
        link,
        summary: plain(value, "summary"),
        body_html: body.map(|h| sanitize_with_base(&h, base.map(Url::as_str))),
        published: string(value, "date_published").and_then(parse_time),
        updated: string(value, "date_modified").and_then(parse_time),
        authors,
        categories: tags
            .filter_map(Value::as_str)
            .map(collapse_whitespace)
            .filter(|t| !t.is_empty())
            .collect(),
        language: plain(value, "language").or_else(|| feed_language.map(str::to_owned)),
        media,
        place: None,
        status: PubStatus::Usable,
        embargoed: None,
        title,
    }
}
