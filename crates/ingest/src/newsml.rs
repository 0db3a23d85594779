//! IPTC NewsML-G2: a `newsItem`, or a `newsMessage` carrying several. Headline, slugline,
//! dateline, by-line, located, subjects, language, the inline XHTML body, the version and
//! the publication status (`stat:withdrawn` / `stat:canceled` are kills).
//!
//! Pictures: a picture item's `remoteContent` renditions give its picture (the best one to
//! fetch, see [`best_rendition`]) with its caption and credit line. In a message, a picture
//! item goes with the text items that link to it (`itemMeta/link@residref`) or share a
//! `packageItem` with it, or, when nothing says, with the message's only text item; a
//! picture that went with text is not an item of its own.

use crate::IngestError;
use crate::model::{FeedInfo, Media, ParsedFeed, PubStatus, Rendition, WireItem, best_rendition};
use crate::prepare::Input;
use crate::text::{line, parse_time};
use crate::xmltree::{self, Element};
use dateline_core::html::sanitize;
use std::collections::HashMap;

fn text_of(e: Option<&Element>) -> Option<String> {
    line(e.map(Element::text).as_deref())
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
        media: picture(news, content).into_iter().collect(),
        place: place.or(dateline),
        status,
        embargoed: meta.and_then(|m| m.child("embargoed")).map(Element::text).and_then(|t| parse_time(&t)),
        guid,
    })
}

/// The picture an item carries as remote content: its best rendition, with the item's
/// caption (a caption description, else any description, else the headline) and credit
/// (its credit line, else the copyright holder, else the by-line).
fn picture(news: &Element, content: Option<&Element>) -> Option<Media> {
    let remotes: Vec<&Element> = news
        .child("contentSet")?
        .children_named("remoteContent")
        .filter(|r| r.attr("href").is_some_and(|h| !h.trim().is_empty()))
        .collect();
    let described: Vec<Rendition<'_>> = remotes
        .iter()
        .map(|r| Rendition {
            name: r.attr("rendition").unwrap_or(""),
            kind: r.attr("contenttype"),
            width: r.attr("width").and_then(|w| w.trim().parse().ok()),
        })
        .collect();
    let chosen = remotes[best_rendition(&described)?];
    let descriptions = || content.into_iter().flat_map(|c| c.children_named("description"));
    let caption = descriptions()
        .find(|d| d.attr("role").is_some_and(|r| r.contains("caption")))
        .or_else(|| descriptions().next())
        .and_then(|d| text_of(Some(d)))
        .or_else(|| text_of(content.and_then(|c| c.child("headline"))));
    let holder =
        news.child("rightsInfo").and_then(|r| r.child("copyrightHolder")).and_then(|h| h.child("name"));
    let credit = text_of(content.and_then(|c| c.child("creditline")))
        .or_else(|| text_of(holder))
        .or_else(|| text_of(content.and_then(|c| c.child("by"))));
    Some(Media {
        url: chosen.attr("href").unwrap_or_default().trim().to_owned(),
        kind: chosen.attr("contenttype").map(str::to_owned),
        caption,
        credit,
    })
}

/// Whether an item is a picture (or graphic) rather than text: as its item class says, or,
/// without one, when it has a picture and no inline text.
fn is_picture(news: &Element, item: &WireItem) -> bool {
    let class = news
        .child("itemMeta")
        .and_then(|m| m.child("itemClass"))
        .and_then(|c| c.attr("qcode"))
        .and_then(|q| q.rsplit(':').next())
        .map(str::to_ascii_lowercase);
    match class.as_deref() {
        Some("picture" | "graphic") => true,
        None | Some("") => news.find("inlineXML").is_none() && !item.media.is_empty(),
        Some(_) => false,
    }
}

/// Reads a NewsML-G2 newsItem or newsMessage.
///
/// # Errors
/// Malformed XML or items without a guid.
pub fn parse(input: &Input) -> Result<ParsedFeed, IngestError> {
    let root = xmltree::parse(&input.text)?;
    let mut news = Vec::new();
    let mut packages = Vec::new();
    if root.name == "newsItem" {
        news.push(&root);
    } else {
        collect(&root, &mut news, &mut packages);
    }
    let items = news.iter().map(|n| item(n)).collect::<Result<Vec<_>, _>>()?;
    Ok(ParsedFeed { feed: FeedInfo::default(), items: with_pictures(&news, &packages, items) })
}

/// Gives the pictures of a message to the text items they go with (see the module
/// documentation); those pictures are then no items of their own.
fn with_pictures(news: &[&Element], packages: &[&Element], mut items: Vec<WireItem>) -> Vec<WireItem> {
    let pictures: Vec<bool> = news.iter().zip(&items).map(|(n, i)| is_picture(n, i)).collect();
    if !pictures.contains(&true) || !pictures.contains(&false) {
        return items;
    }
    let by_guid: HashMap<&str, usize> =
        items.iter().enumerate().map(|(i, item)| (item.guid.as_str(), i)).collect();
    let mut goes_with: Vec<(usize, usize)> = Vec::new();
    for (text, n) in news.iter().enumerate().filter(|(i, _)| !pictures[*i]) {
        let links = n.child("itemMeta").into_iter().flat_map(|m| m.children_named("link"));
        for residref in links.filter_map(|l| l.attr("residref")) {
            if let Some(&p) = by_guid.get(residref.trim()).filter(|p| pictures[**p]) {
                goes_with.push((text, p));
            }
        }
    }
    for package in packages {
        let mut refs = Vec::new();
        item_refs(package, &mut refs);
        let members: Vec<usize> = refs.iter().filter_map(|r| by_guid.get(r.trim()).copied()).collect();
        for &text in members.iter().filter(|m| !pictures[**m]) {
            goes_with.extend(members.iter().filter(|m| pictures[**m]).map(|&p| (text, p)));
        }
    }
    let texts: Vec<usize> = (0..items.len()).filter(|i| !pictures[*i]).collect();
    if goes_with.is_empty() && texts.len() == 1 {
        goes_with.extend((0..items.len()).filter(|i| pictures[*i]).map(|p| (texts[0], p)));
    }
    let mut seen = std::collections::HashSet::new();
    goes_with.retain(|pair| seen.insert(*pair));
    let mut given = vec![false; items.len()];
    for &(text, p) in &goes_with {
        let media = items[p].media.clone();
        items[text].media.extend(media);
        given[p] = true;
    }
    let mut index = 0;
    items.retain(|_| {
        index += 1;
        !given[index - 1]
    });
    items
}

fn collect<'a>(e: &'a Element, news: &mut Vec<&'a Element>, packages: &mut Vec<&'a Element>) {
    for child in e.elements() {
        match child.name.as_str() {
            "newsItem" => news.push(child),
            "packageItem" => packages.push(child),
            _ => collect(child, news, packages),
        }
    }
}

/// The `residref` of every `itemRef` in a package.
fn item_refs<'a>(e: &'a Element, out: &mut Vec<&'a str>) {
    for child in e.elements() {
        if child.name == "itemRef" {
            out.extend(child.attr("residref"));
        } else {
            item_refs(child, out);
        }
    }
}
