//! IPTC ninjs, versions 1.x (flat: `headline`, `body_html`, `subject`) and 2.x/3.x
//! (`headlines`, `bodies`, `subjects`, `renditions`). A ninjs document is one item; a
//! `pubstatus` of withdrawn or canceled is a kill.

use crate::IngestError;
use crate::model::{FeedInfo, Media, ParsedFeed, PubStatus, Rendition, WireItem, best_rendition};
use crate::prepare::{Input, json_error};
use crate::text::{derived_guid, line, parse_time, text_to_html};
use dateline_core::html::sanitize;
use serde_json::Value;

fn str_of<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str).filter(|s| !s.trim().is_empty())
}

/// The first `value` of a ninjs 2 list such as `headlines`, preferring role `main`.
fn first_value<'a>(v: &'a Value, key: &str, role: &str) -> Option<&'a str> {
    let list = v.get(key)?.as_array()?;
    list.iter()
        .find(|e| str_of(e, "role") == Some(role))
        .or_else(|| list.first())
        .and_then(|e| str_of(e, "value"))
}

fn names(v: &Value, key: &str) -> Vec<String> {
    v.get(key)
        .and_then(Value::as_array)
        .map(|list| list.iter().filter_map(|s| line(str_of(s, "name"))).collect())
        .unwrap_or_default()
}

fn version(v: &Value) -> Option<i64> {
    match v.get("version")? {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// The renditions of an association (a map by name, or a list), with their names.
fn renditions(a: &Value) -> Vec<(&str, &Value)> {
    match a.get("renditions") {
        Some(Value::Object(map)) => map.iter().map(|(name, r)| (name.as_str(), r)).collect(),
        Some(Value::Array(list)) => {
            list.iter().map(|r| (str_of(r, "name").or_else(|| str_of(r, "title")).unwrap_or(""), r)).collect()
        }
        _ => Vec::new(),
    }
}

fn media(v: &Value) -> Vec<Media> {
    let mut out = Vec::new();
    let Some(assoc) = v.get("associations") else { return out };
    let items: Vec<&Value> = match assoc {
        Value::Object(map) => map.values().collect(),
        Value::Array(list) => list.iter().collect(),
        _ => vec![],
    };
    for a in items {
        let caption = line(
            str_of(a, "description_text")
                .or_else(|| str_of(a, "headline"))
                .or_else(|| first_value(a, "descriptions", "caption")),
        );
        // The agency's credit line; else who holds the rights; else the photographer.
        let credit = line(
            str_of(a, "creditline")
                .or_else(|| str_of(a, "copyrightholder"))
                .or_else(|| str_of(a, "byline"))
                .or_else(|| str_of(a, "by")),
        );
        let list = renditions(a);
        let chosen = if list.is_empty() {
            Some(a)
        } else {
            let described: Vec<Rendition<'_>> = list
                .iter()
                .map(|(name, r)| Rendition { name, kind: kind_of(r), width: width_of(r) })
                .collect();
            // Not a picture (a video, say): its first rendition, as listed.
            best_rendition(&described).or(Some(0)).and_then(|i| list.get(i)).map(|(_, r)| *r)
        };
        if let Some(href) = chosen.and_then(|r| str_of(r, "href")) {
            out.push(Media {
                url: href.to_owned(),
                kind: chosen.and_then(kind_of).map(str::to_owned),
                caption,
                credit,
            });
        }
    }
    out
}

fn kind_of(r: &Value) -> Option<&str> {
    str_of(r, "mimetype").or_else(|| str_of(r, "contenttype"))
}

fn width_of(r: &Value) -> Option<u32> {
    r.get("width").and_then(Value::as_u64).and_then(|w| u32::try_from(w).ok())
}

/// Reads one ninjs document.
///
/// # Errors
/// Malformed JSON, or a document without `uri`/`guid` or headline.
pub fn parse(input: &Input) -> Result<ParsedFeed, IngestError> {
    let v: Value = serde_json::from_str(&input.text).map_err(json_error)?;
    let title =
        line(str_of(&v, "headline").or_else(|| first_value(&v, "headlines", "main"))).unwrap_or_default();
    let link = str_of(&v, "uri").filter(|u| u.starts_with("http")).map(str::to_owned);
    let guid = str_of(&v, "guid")
        .or_else(|| str_of(&v, "uri"))
        .map(str::to_owned)
        .unwrap_or_else(|| derived_guid(link.as_deref(), &title));
    if title.is_empty() && str_of(&v, "pubstatus").is_none() {
        return Err(IngestError::malformed("ninjs", "the item has no headline"));
    }
    let body = str_of(&v, "body_html")
        .map(str::to_owned)
        .or_else(|| {
            let bodies = v.get("bodies")?.as_array()?;
            let html = bodies.iter().find(|b| str_of(b, "contenttype").is_some_and(|c| c.contains("html")));
            html.or_else(|| bodies.first()).and_then(|b| str_of(b, "value")).map(str::to_owned)
        })
        .or_else(|| str_of(&v, "body_text").map(text_to_html));
    let status = match str_of(&v, "pubstatus") {
        Some("withdrawn" | "canceled" | "cancelled") => PubStatus::Withdrawn,
        _ => PubStatus::Usable,
    };
    let byline = line(str_of(&v, "byline").or_else(|| str_of(&v, "by")));
    let mut categories = names(&v, "subject");
    categories.extend(names(&v, "subjects"));
    let item = WireItem {
        guid,
        version: version(&v),
        title,
        link,
        summary: line(str_of(&v, "description_text").or_else(|| first_value(&v, "descriptions", "summary"))),
        body_html: body.map(|b| sanitize(&b)),
        published: str_of(&v, "firstcreated").or_else(|| str_of(&v, "firstpublished")).and_then(parse_time),
        updated: str_of(&v, "versioncreated").and_then(parse_time),
        authors: byline.into_iter().collect(),
        categories,
        language: str_of(&v, "language").map(str::to_owned),
        media: media(&v),
        place: line(str_of(&v, "located")),
        status,
        embargoed: str_of(&v, "embargoed").and_then(parse_time),
    };
    Ok(ParsedFeed { feed: FeedInfo::default(), items: vec![item] })
}
