//! IPTC ninjs, versions 1.x (flat: `headline`, `body_html`, `subject`) and 2.x/3.x
//! (`headlines`, `bodies`, `subjects`, `renditions`). A ninjs document is one item; a
//! `pubstatus` of withdrawn or canceled is a kill.

use crate::IngestError;
use crate::model::{FeedInfo, Media, ParsedFeed, PubStatus, WireItem};
use crate::prepare::{Input, json_error};
use crate::text::{derived_guid, parse_time, plain, plain_opt};
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
        .map(|list| {
            list.iter().filter_map(|s| str_of(s, "name").map(plain)).filter(|n| !n.is_empty()).collect()
        })
        .unwrap_or_default()
}

fn version(v: &Value) -> Option<i64> {
    match v.get("version")? {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn media(v: &Value) -> Vec<Media> {
    let mut out = Vec::new();
    let mut push = |r: &Value, caption: Option<String>| {
        if let Some(href) = str_of(r, "href") {
            out.push(Media {
                url: href.to_owned(),
                kind: str_of(r, "mimetype").or_else(|| str_of(r, "contenttype")).map(str::to_owned),
                caption,
            });
        }
    };
    if let Some(assoc) = v.get("associations") {
        let items: Vec<&Value> = match assoc {
            Value::Object(map) => map.values().collect(),
            Value::Array(list) => list.iter().collect(),
            _ => vec![],
        };
        for a in items {
            let caption = plain_opt(
                str_of(a, "description_text")
                    .or_else(|| str_of(a, "headline"))
                    .or_else(|| first_value(a, "descriptions", "caption")),
            );
            if let Some(renditions) = a.get("renditions") {
                let list: Vec<&Value> = match renditions {
                    Value::Object(map) => map.values().collect(),
                    Value::Array(list) => list.iter().collect(),
                    _ => vec![],
                };
                if let Some(best) = list.first() {
                    push(best, caption);
                }
            } else {
                push(a, caption);
            }
        }
    }
    out
}

/// Reads one ninjs document.
///
/// # Errors
/// Malformed JSON, or a document without `uri`/`guid` or headline.
pub fn parse(input: &Input) -> Result<ParsedFeed, IngestError> {
    let v: Value = serde_json::from_str(&input.text).map_err(json_error)?;
    let title = str_of(&v, "headline")
        .or_else(|| first_value(&v, "headlines", "main"))
        .map(plain)
        .unwrap_or_default();
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
        .or_else(|| {
            str_of(&v, "body_text")
                .map(|t| t.split("\n\n").map(|p| format!("<p>{}</p>", p.replace('<', "&lt;"))).collect())
        });
    let status = match str_of(&v, "pubstatus") {
        Some("withdrawn" | "canceled" | "cancelled") => PubStatus::Withdrawn,
        _ => PubStatus::Usable,
    };
    let byline = str_of(&v, "byline").or_else(|| str_of(&v, "by")).map(plain).filter(|b| !b.is_empty());
    let mut categories = names(&v, "subject");
    categories.extend(names(&v, "subjects"));
    let item = WireItem {
        guid,
        version: version(&v),
        title,
        link,
        summary: plain_opt(
            str_of(&v, "description_text").or_else(|| first_value(&v, "descriptions", "summary")),
        ),
        body_html: body.map(|b| sanitize(&b)),
        published: str_of(&v, "firstcreated").or_else(|| str_of(&v, "firstpublished")).and_then(parse_time),
        updated: str_of(&v, "versioncreated").and_then(parse_time),
        authors: byline.into_iter().collect(),
        categories,
        language: str_of(&v, "language").map(str::to_owned),
        media: media(&v),
        place: str_of(&v, "located").map(plain).filter(|p| !p.is_empty()),
        status,
    };
    Ok(ParsedFeed { feed: FeedInfo::default(), items: vec![item] })
}
