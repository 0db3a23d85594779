//! RSS (0.9x, 1.0, 2.0), Atom (0.3, 1.0) and JSON Feed, read by `feed-rs` from prepared
//! input and turned into [`WireItem`]s: links made absolute against the feed's site, HTML
//! sanitised, plain fields stripped of markup, missing ids derived from link and title.

use crate::IngestError;
use crate::model::{FeedInfo, Media, ParsedFeed, PubStatus, WireItem};
use crate::prepare::Input;
use crate::text::{derived_guid, plain, plain_opt, rfc3339};
use dateline_core::html::sanitize_with_base;
use feed_rs::model::{Entry, Feed, Link};

/// The alternate (or first) link of an entry or feed.
fn main_link(links: &[Link]) -> Option<&str> {
    links
        .iter()
        .find(|l| l.rel.as_deref().is_none_or(|r| r == "alternate"))
        .or_else(|| links.first())
        .map(|l| l.href.as_str())
        .filter(|h| !h.trim().is_empty())
}

fn absolute(link: &str, base: Option<&url::Url>) -> String {
    match (url::Url::parse(link), base) {
        (Ok(u), _) => u.to_string(),
        (Err(_), Some(b)) => b.join(link).map(|u| u.to_string()).unwrap_or_else(|_| link.to_owned()),
        (Err(_), None) => link.to_owned(),
    }
}

fn item(entry: Entry, base: Option<&url::Url>, feed_language: Option<&str>) -> WireItem {
    let title = entry.title.as_ref().map(|t| plain(&t.content)).unwrap_or_default();
    let link = main_link(&entry.links)
        .map(|l| absolute(l, entry.base.as_deref().and_then(|b| url::Url::parse(b).ok()).as_ref().or(base)));
    let item_base = link.clone().or_else(|| base.map(ToString::to_string));
    let body = entry.content.as_ref().and_then(|c| c.body.clone()).filter(|b| !b.trim().is_empty());
    let summary_html = entry.summary.as_ref().map(|s| s.content.clone()).filter(|s| !s.trim().is_empty());
    let body_html =
        body.clone().or_else(|| summary_html.clone()).map(|h| sanitize_with_base(&h, item_base.as_deref()));
    let summary = if body.is_some() { plain_opt(summary_html.as_deref()) } else { None };
    let guid = if entry.id.trim().is_empty() {
        derived_guid(link.as_deref(), &title)
    } else {
        entry.id.trim().to_owned()
    };
    let media = entry
        .media
        .iter()
        .flat_map(|m| {
            let caption = m
                .description
                .as_ref()
                .map(|d| plain(&d.content))
                .or_else(|| m.title.as_ref().map(|t| plain(&t.content)));
            let credit = m.credits.iter().map(|c| plain(&c.entity)).find(|c| !c.is_empty());
            m.content.iter().filter_map(move |c| {
                c.url.as_ref().map(|u| Media {
                    url: u.to_string(),
                    kind: c.content_type.as_ref().map(ToString::to_string),
                    caption: caption.clone().filter(|c| !c.is_empty()),
                    credit: credit.clone(),
                })
            })
        })
        .collect();
    WireItem {
        guid,
        version: None,
        link,
        summary,
        body_html,
        published: entry.published.and_then(|t| rfc3339(t.timestamp(), t.timestamp_subsec_nanos())),
        updated: entry.updated.and_then(|t| rfc3339(t.timestamp(), t.timestamp_subsec_nanos())),
        authors: entry
            .authors
            .iter()
            .filter_map(|p| p.name.as_deref().map(plain))
            .filter(|n| !n.is_empty())
            .collect(),
        categories: entry
            .categories
            .iter()
            .map(|c| plain(c.label.as_deref().unwrap_or(&c.term)))
            .filter(|c| !c.is_empty())
            .collect(),
        language: entry.language.clone().or_else(|| feed_language.map(str::to_owned)),
        media,
        place: None,
        status: PubStatus::Usable,
        title,
    }
}

/// Reads an RSS, Atom or JSON feed.
///
/// # Errors
/// [`IngestError::Malformed`] with `feed-rs`'s reason.
pub fn parse(input: &Input) -> Result<ParsedFeed, IngestError> {
    let parser = feed_rs::parser::Builder::new()
        .sanitize_content(false)
        .id_generator(|_links, _title, _uri| String::new())
        .timestamp_parser(|text| {
            let t = crate::text::parse_timestamp(text)?;
            chrono::DateTime::from_timestamp(t.as_second(), u32::try_from(t.subsec_nanosecond()).unwrap_or(0))
        })
        .build();
    let json_fixed = lenient_json_feed(&input.text, input.is_json);
    let source = upgrade_atom03(&json_fixed);
    let feed: Feed = parser.parse(source.as_bytes()).map_err(|e| IngestError::malformed("feed", e))?;
    let link = main_link(&feed.links).map(str::to_owned);
    let base = link.as_deref().and_then(|l| url::Url::parse(l).ok());
    let language = feed.language.clone();
    let mut items: Vec<WireItem> =
        feed.entries.into_iter().map(|e| item(e, base.as_ref(), language.as_deref())).collect();
    apply_entry_languages(&source, &mut items);
    Ok(ParsedFeed {
        feed: FeedInfo {
            title: feed.title.map(|t| plain(&t.content)).filter(|t| !t.is_empty()),
            link,
            language,
        },
        items,
    })
}

/// Atom 0.3 is Atom 1.0's draft: same shape, other namespace and names. Reading it as 1.0
/// after renaming is what lenient readers do.
fn upgrade_atom03(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.contains("http://purl.org/atom/ns#") {
        return std::borrow::Cow::Borrowed(text);
    }
    let upgraded = text
        .replace("http://purl.org/atom/ns#", "http://www.w3.org/2005/Atom")
        .replace("<modified>", "<updated>")
        .replace("</modified>", "</updated>")
        .replace("<issued>", "<published>")
        .replace("</issued>", "</published>")
        .replace("<tagline", "<subtitle")
        .replace("</tagline>", "</subtitle>")
        .replace("mode=\"escaped\"", "")
        .replace("mode='escaped'", "");
    std::borrow::Cow::Owned(upgraded)
}

/// JSON Feeds in the wild give item ids as numbers; the format says strings.
fn lenient_json_feed(text: &str, is_json: bool) -> std::borrow::Cow<'_, str> {
    if !is_json {
        return std::borrow::Cow::Borrowed(text);
    }
    let Ok(mut value) = serde_json::from_str::<serde_json::Value>(text) else {
        return std::borrow::Cow::Borrowed(text);
    };
    let mut changed = false;
    if let Some(items) = value.get_mut("items").and_then(|i| i.as_array_mut()) {
        for item in items {
            if let Some(id) = item.get_mut("id").filter(|id| id.is_number()) {
                *id = serde_json::Value::String(id.to_string());
                changed = true;
            }
        }
    }
    if changed { std::borrow::Cow::Owned(value.to_string()) } else { std::borrow::Cow::Borrowed(text) }
}

/// Atom entries may carry their own `xml:lang` (an Urdu entry in an English feed), which
/// `feed-rs` does not report: read it from the document, entry by entry.
fn apply_entry_languages(text: &str, items: &mut [WireItem]) {
    if !text.contains("xml:lang") {
        return;
    }
    let Ok(root) = crate::xmltree::parse(text) else { return };
    if root.name != "feed" {
        return;
    }
    for (entry, item) in root.children_named("entry").zip(items.iter_mut()) {
        if let Some(lang) = entry.attr("lang").filter(|l| !l.is_empty()) {
            item.language = Some(lang.to_owned());
        }
    }
}
