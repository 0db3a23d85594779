//! IPTC NewsML-G2: a `newsItem`, or a `newsMessage` carrying several. Headline, slugline,
//! dateline, by-line, located, subjects, language, the inline XHTML body, the version and
//! the publication status (`stat:withdrawn` / `stat:canceled` are kills).

use crate::IngestError;
use crate::model::{FeedInfo, ParsedFeed, PubStatus, WireItem};
use crate::prepare::Input;
use crate::text::{parse_time, plain};
use crate::xmltree::{self, Element};
use dateline_core::html::sanitize;

fn text_of(e: Option<&Element>) -> Option<String> {
    e.map(|e| plain(&e.text())).filter(|t| !t.is_empty())
}

fn item(news: &Element) -> Result<WireItem, IngestError> {
    let guid = news
        .attr("guid")
        .map(str::to_owned)
        .ok_or_else(|| IngestError::malformed("NewsML-G2", "a newsItem has no guid"))?;
    let meta = news.child("itemMeta");
    let content = news.child("contentMeta");
    let status = match meta.and_then(|m| m.child("pubStatus")).and_then(|p| p.attr("qcode")) {
        Some(q) if q.ends_with("withdrawn") || q.ends_with("canceled") || q.ends_with("cancelled") => {
            PubStatus::Withdrawn
        }
        _ => PubStatus::Usable,
    };
    let headline = text_of(content.and_then(|c| c.child("headline")));
    let slugline = text_of(content.and_then(|c| c.child("slugline")));
    let body = news.find("inlineXML").map(|x| {
        let html = x.find("body").map_or_else(|| x.inner_html(), Element::inner_html);
        sanitize(&html)
    });
    let body_text_title = news.find("inlineXML").and_then(|x| x.find("h1")).and_then(|h| text_of(Some(h)));
    let categories = content
        .map(|c| {
            c.children_named("subject")
                .filter_map(|s| text_of(s.child("name")).or_else(|| s.attr("qcode").map(str::to_owned)))
                .collect()
        })
        .unwrap_or_default();
    let place = content.and_then(|c| c.child("located")).and_then(|l| text_of(l.child("name")));
    let dateline = text_of(content.and_then(|c| c.child("dateline")));
    Ok(WireItem {
        title: headline.or(body_text_title).or(slugline).unwrap_or_default(),
        version: news.attr("version").and_then(|v| v.trim().parse().ok()),
        link: None,
        summary: text_of(content.and_then(|c| c.child("description"))),
        body_html: body,
        published: meta.and_then(|m| m.child("firstCreated")).map(Element::text).and_then(|t| parse_time(&t)),
        updated: meta.and_then(|m| m.child("versionCreated")).map(Element::text).and_then(|t| parse_time(&t)),
        authors: content.and_then(|c| text_of(c.child("by"))).into_iter().collect(),
        categories,
        language: content.and_then(|c| c.child("language")).and_then(|l| l.attr("tag")).map(str::to_owned),
        media: Vec::new(),
        place: place.or(dateline),
        status,
        guid,
    })
}

/// Reads a NewsML-G2 newsItem or newsMessage.
///
/// # Errors
/// Malformed XML or items without a guid.
pub fn parse(input: &Input) -> Result<ParsedFeed, IngestError> {
    let root = xmltree::parse(&input.text)?;
    let items = match root.name.as_str() {
        "newsItem" => vec![item(&root)?],
        _ => {
            let mut found = Vec::new();
            collect(&root, &mut found);
            found.into_iter().map(item).collect::<Result<_, _>>()?
        }
    };
    Ok(ParsedFeed { feed: FeedInfo::default(), items })
}

fn collect<'a>(e: &'a Element, out: &mut Vec<&'a Element>) {
    for child in e.elements() {
        if child.name == "newsItem" {
            out.push(child);
        } else {
            collect(child, out);
        }
    }
}
