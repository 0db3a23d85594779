//! RSS (0.90, 0.91–0.94, 1.0, 2.0) and Atom (0.3, 1.0), read as lenient feed readers read
//! them, from the namespace-aware element tree:
//!
//! - plain-text fields (titles, names, categories) keep every character: the element's text
//!   content, whatever markup is inside it; Atom text constructs by their `type` (`html` is
//!   read as a browser reads it, `xhtml` as the text of its elements);
//! - HTML fields are sanitised, with relative links and pictures made absolute;
//! - links are resolved against `xml:base` (stacked from the root down), then the address
//!   the document came from, then the feed's own site link;
//! - missing core fields fall back to Dublin Core, `rdf:about`, iTunes and Media RSS;
//! - a channel without a title or items is a feed without them, not an error; unknown
//!   elements are ignored.

use crate::IngestError;
use crate::model::{FeedInfo, Media, ParsedFeed, PubStatus, WireItem};
use crate::text::{derived_guid, parse_time, text_to_html};
use crate::xmltree::Element;
use dateline_core::html::{collapse_whitespace, sanitize_with_base, to_text};
use url::Url;

/// The namespaces of the elements this module reads.
mod ns {
    /// RSS 0.91–0.94 and 2.0 have none; RSS 1.0, 0.90 and the short-lived 2.0 namespaces
    /// are the same elements.
    pub const RSS: &[&str] = &[
        "",
        "http://purl.org/rss/1.0/",
        "http://my.netscape.com/rdf/simple/0.9/",
        "http://backend.userland.com/rss2",
        "http://blogs.law.harvard.edu/tech/rss",
        "http://purl.org/net/rss1.1#",
    ];
    pub const ATOM: &[&str] = &["http://www.w3.org/2005/Atom", "http://purl.org/atom/ns#"];
    pub const DC: &[&str] = &["http://purl.org/dc/elements/1.1/", "http://purl.org/dc/terms/"];
    pub const DCTERMS: &[&str] = &["http://purl.org/dc/terms/"];
    pub const CONTENT: &[&str] = &["http://purl.org/rss/1.0/modules/content/"];
    pub const MEDIA: &[&str] = &["http://search.yahoo.com/mrss/", "http://search.yahoo.com/mrss"];
    pub const ITUNES: &[&str] =
        &["http://www.itunes.com/dtds/podcast-1.0.dtd", "http://www.itunes.com/DTDs/Podcast-1.0.dtd"];
    pub const XHTML: &[&str] = &["http://www.w3.org/1999/xhtml"];
}

/// Reads an RSS or Atom document whose root is `root`; `address` is where it came from.
///
/// # Errors
/// [`IngestError::NotAFeed`] for a root that is neither.
pub fn parse(root: &Element, address: Option<&Url>) -> Result<ParsedFeed, IngestError> {
    let scope = Scope { base: address.cloned(), language: None }.enter(root);
    match root.name.as_str() {
        "feed" if ns::ATOM.contains(&root.ns.as_str()) || root.ns.is_empty() => Ok(atom(root, &scope)),
        "rss" | "RDF" | "channel" => Ok(rss(root, &scope)),
        other => Err(IngestError::NotAFeed(format!("XML with root element <{other}>"))),
    }
}

/// What an element inherits: its base address and language.
#[derive(Clone)]
struct Scope {
    base: Option<Url>,
    language: Option<String>,
}

impl Scope {
    /// The scope inside `element`, with its `xml:base` and `xml:lang`.
    fn enter(&self, element: &Element) -> Self {
        let base = match element.attr("base").map(str::trim).filter(|b| !b.is_empty()) {
            Some(b) => self.base.as_ref().map_or_else(|| Url::parse(b).ok(), |base| base.join(b).ok()),
            None => None,
        };
        let language = element.attr("lang").map(str::trim).filter(|l| !l.is_empty()).map(str::to_owned);
        Self {
            base: base.or_else(|| self.base.clone()),
            language: language.or_else(|| self.language.clone()),
        }
    }

    /// The scope with `fallback` as its base when it has none.
    fn or_base(mut self, fallback: Option<&str>) -> Self {
        if self.base.is_none() {
            self.base = fallback.and_then(|f| Url::parse(f).ok());
        }
        self
    }

    /// `link` made absolute (as written when that is impossible).
    fn resolve(&self, link: &str) -> String {
        let link = link.trim();
        match (Url::parse(link), &self.base) {
            (Ok(u), _) => u.to_string(),
            (Err(_), Some(base)) => base.join(link).map_or_else(|_| link.to_owned(), |u| u.to_string()),
            (Err(_), None) => link.to_owned(),
        }
    }

    fn sanitize(&self, html: &str) -> String {
        sanitize_with_base(html, self.base.as_ref().map(Url::as_str))
    }
}

/// An element's text content on one line: every character, markup inside dropped.
fn text(element: &Element) -> String {
    collapse_whitespace(&element.text())
}

/// The first non-empty text among `candidates`.
fn first_text<'a>(candidates: impl IntoIterator<Item = Option<&'a Element>>) -> Option<String> {
    candidates.into_iter().flatten().map(text).find(|t| !t.is_empty())
}

/// A name as RSS writes it: `editor@example.com (Jane Doe)` is Jane Doe.
fn person(written: &str) -> String {
    let written = written.trim();
    match (written.find('('), written.ends_with(')')) {
        (Some(open), true) if written[..open].contains('@') => {
            written[open + 1..written.len() - 1].trim().to_owned()
        }
        _ => written.to_owned(),
    }
}

fn non_empty(list: Vec<String>) -> Vec<String> {
    list.into_iter().filter(|s| !s.is_empty()).collect()
}

// ---------------------------------------------------------------------------------------
// RSS

fn rss(root: &Element, root_scope: &Scope) -> ParsedFeed {
    let channel = if root.name == "channel" { Some(root) } else { root.get(ns::RSS, "channel") };
    let channel_scope = channel.map_or_else(|| root_scope.clone(), |c| root_scope.enter(c));
    let link = channel.and_then(|c| rss_link(c, &channel_scope));
    let language = channel
        .and_then(|c| first_text([c.get(ns::RSS, "language"), c.get(ns::DC, "language")]))
        .or_else(|| channel_scope.language.clone());
    let title = channel.and_then(|c| first_text([c.get(ns::RSS, "title"), c.get(ns::DC, "title")]));
    // Items are the channel's children in RSS 0.9x and 2.0, its siblings in RSS 0.90 and 1.0.
    let in_channel =
        channel.filter(|c| !std::ptr::eq(*c, root)).into_iter().flat_map(|c| c.all(ns::RSS, "item"));
    let items = root
        .all(ns::RSS, "item")
        .map(|item| (item, root_scope))
        .chain(in_channel.map(|item| (item, &channel_scope)))
        .map(|(item, scope)| rss_item(item, &scope.enter(item).or_base(link.as_deref()), language.as_deref()))
        .collect();
    ParsedFeed { feed: FeedInfo { title, link, language }, items }
}

/// A channel's or item's web page: `<link>`, else an Atom alternate link.
fn rss_link(element: &Element, scope: &Scope) -> Option<String> {
    element
        .all(ns::RSS, "link")
        .map(text)
        .find(|l| !l.is_empty())
        .map(|l| scope.resolve(&l))
        .or_else(|| atom_link(element, "alternate", scope))
}

fn rss_item(item: &Element, scope: &Scope, feed_language: Option<&str>) -> WireItem {
    let title = first_text([
        item.get(ns::RSS, "title"),
        item.get(ns::DC, "title"),
        item.get(ns::ITUNES, "title"),
        item.get(ns::MEDIA, "title"),
    ])
    .unwrap_or_default();
    let guid = item.get(ns::RSS, "guid").map(text).filter(|g| !g.is_empty());
    let permalink = item.get(ns::RSS, "guid").and_then(|g| g.attr("isPermaLink")).map(str::trim);
    let about = item.attr("about").map(str::trim).filter(|a| !a.is_empty());
    // A guid is the item's address when it says so, or when it looks like one and does not
    // say otherwise (`isPermaLink` is true unless written false).
    let guid_link = guid.as_deref().filter(|g| match permalink {
        Some(p) => p.eq_ignore_ascii_case("true"),
        None => g.starts_with("http://") || g.starts_with("https://"),
    });
    let link = rss_link(item, scope)
        .or_else(|| guid_link.map(|g| scope.resolve(g)))
        .or_else(|| about.filter(|a| a.starts_with("http")).map(|a| scope.resolve(a)));
    let guid = match (guid, permalink) {
        (Some(g), Some(p)) if p.eq_ignore_ascii_case("true") => scope.resolve(&g),
        (Some(g), _) => g,
        (None, _) => about.map_or_else(|| derived_guid(link.as_deref(), &title), str::to_owned),
    };

    let content = item
        .get(ns::CONTENT, "encoded")
        .map(|c| c.text())
        .or_else(|| item.get(ns::XHTML, "body").map(Element::inner_html))
        .filter(|c| !c.trim().is_empty());
    let description = item
        .get(ns::RSS, "description")
        .or_else(|| item.get(ns::DC, "description"))
        .map(|d| d.text())
        .filter(|d| !d.trim().is_empty());
    let spoken = item.get(ns::ITUNES, "summary").map(text).filter(|s| !s.is_empty());
    let (body_html, summary) = match (content, description) {
        (Some(body), description) => (Some(body), description.map(|d| to_text(&d)).or(spoken)),
        (None, Some(description)) => (Some(description), None),
        (None, None) => (spoken.as_deref().map(text_to_html), None),
    };

    let dated =
        |candidates: &[Option<&Element>]| candidates.iter().flatten().find_map(|e| parse_time(&e.text()));
    let published = dated(&[
        item.get(ns::RSS, "pubDate"),
        item.get(ns::DC, "date"),
        item.get(ns::DCTERMS, "issued"),
        item.get(ns::DCTERMS, "created"),
        item.get(ns::ATOM, "published"),
    ]);
    let updated = dated(&[item.get(ns::DCTERMS, "modified"), item.get(ns::ATOM, "updated")]);

    let mut authors: Vec<String> = item.all(ns::RSS, "author").map(|a| person(&text(a))).collect();
    authors.extend(item.all(ns::DC, "creator").map(text));
    if authors.iter().all(String::is_empty) {
        authors.extend(item.all(ns::ITUNES, "author").map(text));
        authors.extend(atom_people(item));
    }
    let mut categories: Vec<String> = item.all(ns::RSS, "category").map(text).collect();
    categories.extend(item.all(ns::DC, "subject").map(text));

    let mut media = media_rss(item, scope);
    media.extend(item.all(ns::RSS, "enclosure").filter_map(|e| enclosure(e, "url", scope)));
    media.extend(
        item.all(ns::ATOM, "link")
            .filter(|l| l.attr("rel") == Some("enclosure"))
            .filter_map(|l| enclosure(l, "href", scope)),
    );
    media.extend(thumbnails(item, scope));

    WireItem {
        guid,
        version: None,
        link,
        summary,
        body_html: body_html.map(|h| scope.sanitize(&h)),
        published,
        updated,
        authors: non_empty(authors),
        categories: non_empty(categories),
        language: first_text([item.get(ns::DC, "language")])
            .or_else(|| scope.language.clone())
            .or_else(|| feed_language.map(str::to_owned)),
        media,
        place: None,
        status: PubStatus::Usable,
        embargoed: None,
        title,
    }
}

/// An `<enclosure url type>` or Atom `<link rel="enclosure" href type>`.
fn enclosure(element: &Element, url_attribute: &str, scope: &Scope) -> Option<Media> {
    let url = element.attr(url_attribute).map(str::trim).filter(|u| !u.is_empty())?;
    Some(Media {
        url: scope.resolve(url),
        kind: element.attr("type").map(str::trim).filter(|t| !t.is_empty()).map(str::to_owned),
        caption: element.attr("title").map(collapse_whitespace).filter(|t| !t.is_empty()),
        credit: None,
    })
}

/// Media RSS: `media:content` on the item and inside each `media:group`, each with the
/// nearest description (or title) and credit, its own first.
fn media_rss(item: &Element, scope: &Scope) -> Vec<Media> {
    let caption_of = |e: &Element| first_text([e.get(ns::MEDIA, "description"), e.get(ns::MEDIA, "title")]);
    let credit_of = |e: &Element| first_text([e.get(ns::MEDIA, "credit")]);
    let item_caption = caption_of(item);
    let item_credit = credit_of(item);
    let mut out = Vec::new();
    let groups = std::iter::once((item, None, None))
        .chain(item.all(ns::MEDIA, "group").map(|g| (g, caption_of(g), credit_of(g))));
    for (parent, group_caption, group_credit) in groups {
        for content in parent.all(ns::MEDIA, "content") {
            let Some(url) = content.attr("url").map(str::trim).filter(|u| !u.is_empty()) else { continue };
            let kind =
                content.attr("type").map(str::trim).filter(|t| !t.is_empty()).map(str::to_owned).or_else(
                    || {
                        content
                            .attr("medium")
                            .map(str::trim)
                            .filter(|m| !m.is_empty() && *m != "image")
                            .map(|m| format!("{m}/*"))
                    },
                );
            out.push(Media {
                url: scope.resolve(url),
                kind,
                caption: caption_of(content)
                    .or_else(|| group_caption.clone())
                    .or_else(|| item_caption.clone()),
                credit: credit_of(content).or_else(|| group_credit.clone()).or_else(|| item_credit.clone()),
            });
        }
    }
    out
}

/// Pictures of last resort: `media:thumbnail` (on the item, its groups or contents) and an
/// episode's `itunes:image`, each once.
fn thumbnails(item: &Element, scope: &Scope) -> Vec<Media> {
    let mut places = vec![item];
    places.extend(item.all(ns::MEDIA, "group"));
    let holders: Vec<&Element> =
        places.iter().flat_map(|p| std::iter::once(*p).chain(p.all(ns::MEDIA, "content"))).collect();
    let urls = holders
        .iter()
        .flat_map(|h| h.all(ns::MEDIA, "thumbnail").filter_map(|t| t.attr("url")))
        .chain(item.all(ns::ITUNES, "image").filter_map(|i| i.attr("href")))
        .map(str::trim)
        .filter(|u| !u.is_empty());
    let mut out: Vec<Media> = Vec::new();
    for url in urls {
        let url = scope.resolve(url);
        if !out.iter().any(|m| m.url == url) {
            out.push(Media { url, kind: None, caption: None, credit: None });
        }
    }
    out
}

// ---------------------------------------------------------------------------------------
// Atom

fn atom(root: &Element, scope: &Scope) -> ParsedFeed {
    let link = atom_link(root, "alternate", scope);
    let authors = atom_people(root);
    let items = root
        .all(ns::ATOM, "entry")
        .map(|entry| atom_entry(entry, &scope.enter(entry).or_base(link.as_deref()), &authors))
        .collect();
    ParsedFeed {
        feed: FeedInfo {
            title: root.get(ns::ATOM, "title").map(construct_text).filter(|t| !t.is_empty()),
            link,
            language: scope.language.clone(),
        },
        items,
    }
}

/// The `href` of the first Atom link with relation `rel` (a link without one is
/// `alternate`), resolved in its own scope.
fn atom_link(element: &Element, rel: &str, scope: &Scope) -> Option<String> {
    element
        .all(ns::ATOM, "link")
        .filter(|l| l.attr("rel").map(str::trim).filter(|r| !r.is_empty()).unwrap_or("alternate") == rel)
        .find_map(|l| {
            l.attr("href").map(str::trim).filter(|h| !h.is_empty()).map(|h| scope.enter(l).resolve(h))
        })
}

/// The names of an Atom element's authors.
fn atom_people(element: &Element) -> Vec<String> {
    element.all(ns::ATOM, "author").filter_map(|a| first_text([a.get(ns::ATOM, "name")])).collect()
}

fn atom_entry(entry: &Element, scope: &Scope, feed_authors: &[String]) -> WireItem {
    let title = entry.get(ns::ATOM, "title").map(construct_text).unwrap_or_default();
    let content = entry.get(ns::ATOM, "content");
    let link = atom_link(entry, "alternate", scope).or_else(|| {
        content.and_then(|c| c.attr("src")).map(str::trim).filter(|s| !s.is_empty()).map(|s| scope.resolve(s))
    });
    let id = entry.get(ns::ATOM, "id").map(text).filter(|i| !i.is_empty());
    let guid = match id {
        // An id written as a path on the site is that address.
        Some(id) if id.starts_with('/') || id.starts_with("./") || id.starts_with("../") => {
            scope.resolve(&id)
        }
        Some(id) => id,
        None => derived_guid(link.as_deref(), &title),
    };
    let body = content.and_then(|c| construct_html(c, scope)).filter(|b| !b.trim().is_empty());
    let summary = entry.get(ns::ATOM, "summary");
    let (body_html, summary) = match body {
        Some(body) => (Some(body), summary.map(construct_text).filter(|s| !s.is_empty())),
        None => (summary.and_then(|s| construct_html(s, scope)), None),
    };
    let dated = |names: &[&str]| {
        names.iter().find_map(|n| entry.get(ns::ATOM, n).and_then(|e| parse_time(&e.text())))
    };
    let mut authors = atom_people(entry);
    if authors.is_empty() {
        authors = entry.get(ns::ATOM, "source").map(atom_people).unwrap_or_default();
    }
    if authors.is_empty() {
        authors = feed_authors.to_vec();
    }
    let mut media = media_rss(entry, scope);
    media.extend(
        entry
            .all(ns::ATOM, "link")
            .filter(|l| l.attr("rel") == Some("enclosure"))
            .filter_map(|l| enclosure(l, "href", &scope.enter(l))),
    );
    media.extend(thumbnails(entry, scope));
    WireItem {
        guid,
        version: None,
        link,
        summary,
        body_html,
        published: dated(&["published", "issued", "created"]),
        updated: dated(&["updated", "modified"]),
        authors: non_empty(authors),
        categories: non_empty(
            entry
                .all(ns::ATOM, "category")
                .map(|c| {
                    collapse_whitespace(
                        c.attr("label").filter(|l| !l.trim().is_empty()).or(c.attr("term")).unwrap_or(""),
                    )
                })
                .chain(entry.all(ns::DC, "subject").map(text))
                .collect(),
        ),
        language: content.and_then(|c| scope.enter(c).language).or_else(|| scope.language.clone()),
        media,
        place: None,
        status: PubStatus::Usable,
        embargoed: None,
        title,
    }
}

/// How an Atom text construct is written.
enum Construct {
    Text(String),
    Html(String),
    /// Inline XHTML: the element holding it.
    Xhtml,
}

/// Reads an Atom text construct (`title`, `summary`, `content`): its `type` (1.0: `text`,
/// `html`, `xhtml` or a MIME type; 0.3: a MIME type) and 0.3 `mode` (`xml`, `escaped`,
/// `base64`).
fn construct(element: &Element) -> Construct {
    let kind = element.attr("type").map_or_else(String::new, |t| t.trim().to_ascii_lowercase());
    let mode = element.attr("mode").map_or_else(String::new, |m| m.trim().to_ascii_lowercase());
    let written = if mode == "base64" {
        use base64::Engine;
        let packed: String = element.text().split_whitespace().collect();
        let decoded = base64::engine::general_purpose::STANDARD.decode(packed.as_bytes()).unwrap_or_default();
        String::from_utf8_lossy(&decoded).into_owned()
    } else {
        element.text()
    };
    let html = kind == "html" || kind == "text/html" || mode == "escaped";
    let xhtml =
        kind == "xhtml" || kind == "application/xhtml+xml" || (mode == "xml" && kind.contains("html"));
    if xhtml && mode != "base64" && mode != "escaped" {
        Construct::Xhtml
    } else if html || (mode == "base64" && kind.contains("html")) {
        Construct::Html(written)
    } else {
        Construct::Text(written)
    }
}

/// An inline XHTML construct's content without its wrapper `<div>`.
fn xhtml_content(element: &Element) -> &Element {
    let mut inside = element.elements();
    match (inside.next(), inside.next()) {
        (Some(div), None)
            if div.name == "div"
                && element
                    .children
                    .iter()
                    .all(|n| !matches!(n, crate::xmltree::Node::Text(t) if !t.trim().is_empty())) =>
        {
            div
        }
        _ => element,
    }
}

/// A text construct as plain text: every character of a `text` one, what a browser shows
/// of an `html` one, the text of an `xhtml` one.
fn construct_text(element: &Element) -> String {
    match construct(element) {
        Construct::Text(t) => collapse_whitespace(&t),
        Construct::Html(h) => to_text(&h),
        Construct::Xhtml => text(xhtml_content(element)),
    }
}

/// A text construct as sanitised HTML, resolved in its own scope.
fn construct_html(element: &Element, scope: &Scope) -> Option<String> {
    let scope = scope.enter(element);
    let html = match construct(element) {
        Construct::Text(t) => text_to_html(&t),
        Construct::Html(h) => h,
        Construct::Xhtml => xhtml_content(element).inner_html(),
    };
    Some(scope.sanitize(&html)).filter(|h| !h.trim().is_empty())
}
