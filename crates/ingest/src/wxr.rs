//! WordPress's export format (WXR 1.0 to 1.2: RSS 2.0 with `wp:`, `content:`, `excerpt:`
//! and `dc:` elements), read one entry at a time so that an export of several gigabytes
//! never has to fit in memory: the site's own fields, its authors, categories and tags,
//! then its items (posts, pages, attachments, menu items...). What an item says is handed
//! over as it is written; `wp_content` turns a post's content into a story body, and the
//! newsroom's importer decides what each item becomes.

use crate::IngestError;
use crate::xmltree::{Element, ElementStream, Streamed};
use jiff::Timestamp;

/// One entry is at most this large (a post with its content and comments); a larger one
/// is skipped and reported, never held.
pub const MAX_ENTRY_BYTES: usize = 64 * 1024 * 1024;

/// WXR versions this reader knows.
const VERSIONS: [&str; 3] = ["1.0", "1.1", "1.2"];

/// One thing in the export.
#[derive(Debug, Clone, PartialEq)]
pub enum WxrEntry {
    /// The site the export came from (its `<link>` or `wp:base_blog_url`).
    Site {
        title: String,
        link: String,
    },
    Author(WxrAuthor),
    Term(WxrTerm),
    Item(Box<WxrItem>),
    /// An entry over [`MAX_ENTRY_BYTES`], skipped.
    TooLarge {
        name: String,
        bytes: usize,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WxrAuthor {
    pub login: String,
    pub display_name: String,
}

/// A category or a tag (`wp:category`, `wp:tag`, or a `wp:term` of another taxonomy).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WxrTerm {
    /// `category`, `post_tag`, or the taxonomy of a `wp:term`.
    pub taxonomy: String,
    pub slug: String,
    pub name: String,
    /// The parent category's slug, empty for none.
    pub parent: String,
}

/// An item as the export writes it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct WxrItem {
    /// `wp:post_id`.
    pub id: String,
    pub title: String,
    pub link: String,
    /// `wp:post_name`.
    pub slug: String,
    /// `post`, `page`, `attachment`, `nav_menu_item`...
    pub post_type: String,
    /// `publish`, `draft`, `pending`, `private`, `future`, `trash`, `inherit`...
    pub status: String,
    /// The post's date, in UTC (`wp:post_date_gmt`, else `pubDate`, else `wp:post_date`).
    pub date: Option<Timestamp>,
    /// Author logins (`dc:creator`), the byline order of Co-Authors Plus (`author` terms)
    /// when it has them.
    pub creators: Vec<String>,
    /// `content:encoded`, as written.
    pub content: String,
    /// `excerpt:encoded`.
    pub excerpt: String,
    /// Categories and tags, in the order written: (taxonomy, slug, name).
    pub terms: Vec<(String, String, String)>,
    /// `wp:postmeta` pairs.
    pub meta: Vec<(String, String)>,
    /// For attachments: the file's address.
    pub attachment_url: Option<String>,
    pub comments: usize,
}

impl WxrItem {
    /// The value of the first `wp:postmeta` with this key.
    pub fn meta(&self, key: &str) -> Option<&str> {
        self.meta.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }
}

/// A WordPress export being read.
pub struct WxrReader<R> {
    stream: ElementStream<R>,
    version: Option<String>,
    title: String,
    site_told: bool,
}

impl<R: std::io::BufRead> WxrReader<R> {
    pub fn new(input: R) -> Self {
        Self {
            stream: ElementStream::new(input, 2, MAX_ENTRY_BYTES),
            version: None,
            title: String::new(),
            site_told: false,
        }
    }

    /// Bytes read so far (for a progress bar).
    pub fn position(&self) -> u64 {
        self.stream.position
    }

    /// The next entry; `None` at the end.
    ///
    /// # Errors
    /// [`IngestError::Malformed`] for broken XML or a file cut short;
    /// [`IngestError::NotAFeed`] when this is not a WordPress export or is one of a version
    /// this reader does not know.
    pub fn next_entry(&mut self) -> Result<Option<WxrEntry>, IngestError> {
        loop {
            let element = match self.stream.next_element()? {
                None if self.version.is_none() => {
                    return Err(IngestError::NotAFeed(
                        "not a WordPress export: it has no <wp:wxr_version>".into(),
                    ));
                }
                None => return Ok(None),
                Some(Streamed::TooLarge { name, bytes }) => {
                    return Ok(Some(WxrEntry::TooLarge { name, bytes }));
                }
                Some(Streamed::Element(e)) => e,
            };
            let wp = is_wp(&element.ns);
            match element.name.as_str() {
                "wxr_version" if wp => {
                    let version = element.text().trim().to_owned();
                    if !VERSIONS.contains(&version.as_str()) {
                        return Err(IngestError::NotAFeed(format!(
                            "a WordPress export of version {version}; Dateline reads versions 1.0 to 1.2"
                        )));
                    }
                    self.version = Some(version);
                }
                "title" if element.ns.is_empty() => self.title = element.text().trim().to_owned(),
                "link" | "base_blog_url" if !self.site_told && (element.ns.is_empty() || wp) => {
                    let link = element.text().trim().to_owned();
                    if link.starts_with("http") {
                        self.site_told = true;
                        return Ok(Some(WxrEntry::Site { title: self.title.clone(), link }));
                    }
                }
                _ if self.version.is_none() && (element.name == "item" || wp) => {
                    return Err(IngestError::NotAFeed(
                        "not a WordPress export: no <wp:wxr_version> before its entries".into(),
                    ));
                }
                "author" if wp => {
                    return Ok(Some(WxrEntry::Author(WxrAuthor {
                        login: child_text(&element, "author_login"),
                        display_name: child_text(&element, "author_display_name"),
                    })));
                }
                "category" if wp => {
                    return Ok(Some(WxrEntry::Term(WxrTerm {
                        taxonomy: "category".into(),
                        slug: child_text(&element, "category_nicename"),
                        name: child_text(&element, "cat_name"),
                        parent: child_text(&element, "category_parent"),
                    })));
                }
                "tag" if wp => {
                    return Ok(Some(WxrEntry::Term(WxrTerm {
                        taxonomy: "post_tag".into(),
                        slug: child_text(&element, "tag_slug"),
                        name: child_text(&element, "tag_name"),
                        parent: String::new(),
                    })));
                }
                "term" if wp => {
                    return Ok(Some(WxrEntry::Term(WxrTerm {
                        taxonomy: child_text(&element, "term_taxonomy"),
                        slug: child_text(&element, "term_slug"),
                        name: child_text(&element, "term_name"),
                        parent: child_text(&element, "term_parent"),
                    })));
                }
                "item" if element.ns.is_empty() => return Ok(Some(WxrEntry::Item(Box::new(item(&element))))),
                _ => {}
            }
        }
    }
}

fn is_wp(ns: &str) -> bool {
    ns.starts_with("http://wordpress.org/export/") && !ns.ends_with("/excerpt/")
}

/// The trimmed text of the first child named `name` (in any namespace).
fn child_text(element: &Element, name: &str) -> String {
    element.child(name).map(|c| c.text().trim().to_owned()).unwrap_or_default()
}

fn item(element: &Element) -> WxrItem {
    let mut item = WxrItem::default();
    let mut gmt = None;
    let mut local = None;
    let mut pub_date = None;
    let mut coauthors = Vec::new();
    for child in element.elements() {
        let wp = is_wp(&child.ns);
        match (child.name.as_str(), wp) {
            ("post_id", true) => item.id = child.text().trim().to_owned(),
            ("title", false) => item.title = child.text().trim().to_owned(),
            ("link", false) => item.link = child.text().trim().to_owned(),
            ("pubDate", false) => pub_date = crate::text::parse_timestamp(&child.text()),
            ("creator", false) => {
                let login = child.text().trim().to_owned();
                if !login.is_empty() {
                    item.creators.push(login);
                }
            }
            ("encoded", false) if child.ns.ends_with("/excerpt/") => item.excerpt = child.text(),
            ("encoded", false) => item.content = child.text(),
            ("post_name", true) => item.slug = child.text().trim().to_owned(),
            ("post_type", true) => item.post_type = child.text().trim().to_owned(),
            ("status", true) => item.status = child.text().trim().to_owned(),
            ("post_date_gmt", true) => gmt = crate::text::parse_timestamp(&child.text()),
            ("post_date", true) => local = crate::text::parse_timestamp(&child.text()),
            ("attachment_url", true) => {
                item.attachment_url = Some(child.text().trim().to_owned()).filter(|u| !u.is_empty());
            }
            ("postmeta", true) => {
                item.meta.push((child_text(child, "meta_key"), child_text(child, "meta_value")))
            }
            ("comment", true) => item.comments += 1,
            ("category", false) => {
                let taxonomy = child.attr("domain").unwrap_or("category").to_owned();
                let slug = child.attr("nicename").unwrap_or("").to_owned();
                let name = child.text().trim().to_owned();
                if taxonomy == "author" {
                    // Co-Authors Plus keeps the byline as `author` terms, `cap-LOGIN`.
                    coauthors.push(slug.strip_prefix("cap-").unwrap_or(&slug).to_owned());
                } else {
                    item.terms.push((taxonomy, slug, name));
                }
            }
            _ => {}
        }
    }
    if !coauthors.is_empty() {
        item.creators = coauthors;
    }
    // Drafts carry placeholder dates (`0000-00-00`, 1970, `-0001`): not a date.
    let real = |t: &Timestamp| t.as_second() > 86_400 * 366;
    item.date = gmt.filter(real).or(pub_date.filter(real)).or(local.filter(real));
    item
}
