//! View structs made for the templates: each holds exactly what a template shows, already
//! formatted in the site's house style and zone. Store types never reach a template.

use dateline_core::house_style::{DatelinePart, DatelinePartKind};
use dateline_core::text::{cut_at_word, teaser};
use dateline_core::{Section, SiteSettings, Story, StoryImage, StorySummary, TextDirection, Translation};
use jiff::Timestamp;
use serde::Serialize;

/// Characters a headline may take in a narrow list before it is cut.
const SHORT_HEADLINE_CHARS: usize = 70;
const TEASER_CHARS: usize = 110;

#[derive(Debug, Serialize)]
pub struct MenuEntry {
    pub label: String,
    pub url: String,
    pub active: bool,
}

/// The site header and footer: name, today's date in the site's zone, menu.
#[derive(Debug, Serialize)]
pub struct SiteView {
    pub name: String,
    pub base_url: String,
    pub language: String,
    pub dir: &'static str,
    pub today: String,
    pub menu: Vec<MenuEntry>,
    /// The breaking-news banner, while it is up.
    pub banner: Option<BannerView>,
}

/// The breaking-news banner as pages show it.
#[derive(Debug, Serialize)]
pub struct BannerView {
    pub text: String,
    /// Empty for none.
    pub link: String,
}

impl SiteView {
    /// `current_path` marks the matching menu entry as active.
    pub fn new(settings: &SiteSettings, sections: &[Section], now: Timestamp, current_path: &str) -> Self {
        let menu = if settings.menu.is_empty() {
            sections.iter().map(|s| (s.name.clone(), section_url(s.slug.as_str()))).collect::<Vec<_>>()
        } else {
            settings.menu.iter().map(|m| (m.label.clone(), m.url.clone())).collect()
        };
        Self {
            name: settings.name.clone(),
            base_url: settings.base_url.clone(),
            language: settings.language.clone(),
            dir: settings.direction.as_str(),
            today: settings.house_style.header_date(now, &settings.time_zone()),
            banner: settings
                .banner
                .as_ref()
                .filter(|b| b.is_showing(now))
                .map(|b| BannerView { text: b.text.clone(), link: b.link.clone() }),
            menu: menu
                .into_iter()
                .map(|(label, url)| MenuEntry {
                    active: !current_path.is_empty() && url == current_path,
                    label,
                    url,
                })
                .collect(),
        }
    }
}

/// Metadata of the page: title, description, canonical URL, language, social cards and
/// structured data.
#[derive(Debug, Serialize)]
pub struct PageMeta {
    pub title: String,
    pub description: String,
    pub canonical: String,
    pub lang: String,
    pub dir: &'static str,
    pub og_type: &'static str,
    pub image: Option<String>,
    pub json_ld: Option<serde_json::Value>,
    pub robots: Option<&'static str>,
    /// The list whose RSS, Atom and JSON feeds the page links to, besides the site's.
    pub feed_path: Option<String>,
    /// The page in each language it exists in (`hreflang` links); empty when only one.
    pub alternates: Vec<Alternate>,
}

/// One language version of a page.
#[derive(Debug, Serialize)]
pub struct Alternate {
    /// A language tag, or `x-default` for the version to show when none matches.
    pub lang: String,
    pub url: String,
}

impl PageMeta {
    /// A plain page of the site (fronts, lists, errors) in the site's language.
    pub fn simple(settings: &SiteSettings, title: &str, description: &str, path: &str) -> Self {
        Self {
            title: title.to_owned(),
            description: description.to_owned(),
            canonical: format!("{}{path}", settings.base_url),
            lang: settings.language.clone(),
            dir: settings.direction.as_str(),
            og_type: "website",
            image: None,
            json_ld: None,
            robots: None,
            feed_path: None,
            alternates: Vec::new(),
        }
    }
}

pub fn story_url(slug: &str) -> String {
    format!("/story/{slug}")
}
pub fn section_url(slug: &str) -> String {
    format!("/section/{slug}")
}
pub fn tag_url(slug: &str) -> String {
    format!("/tag/{slug}")
}
pub fn author_url(slug: &str) -> String {
    format!("/author/{slug}")
}
pub fn source_url(slug: &str) -> String {
    format!("/source/{slug}")
}

/// An absolute URL for `url` (kept as is when already absolute).
pub fn absolute(settings: &SiteSettings, url: &str) -> String {
    if url.starts_with('/') { format!("{}{url}", settings.base_url) } else { url.to_owned() }
}

/// [`absolute`], written as a URI ([`to_uri`]): for what machines read (sitemaps, feeds).
pub fn absolute_uri(settings: &SiteSettings, url: &str) -> String {
    to_uri(&absolute(settings, url))
}

/// An address as a URI (RFC 3987's mapping of an IRI): every byte outside ASCII, and every
/// ASCII character a URI does not allow (space, `"`, `<`, `>`, `\`, `^`, `` ` ``, `{`, `|`,
/// `}`, controls), percent-encoded; a `%` not starting an escape becomes `%25`; the rest,
/// escapes included, left as it is. `/story/کراچی` becomes `/story/%DA%A9%D8%B1...`.
/// Pages show readable addresses; sitemaps, feeds and `Location` headers carry this form.
pub fn to_uri(iri: &str) -> String {
    let bytes = iri.as_bytes();
    let mut out = String::with_capacity(iri.len());
    for (i, &b) in bytes.iter().enumerate() {
        let allowed = b.is_ascii_alphanumeric() || b"-._~:/?#[]@!$&'()*+,;=".contains(&b);
        let escape =
            b == b'%' && bytes.get(i + 1..i + 3).is_some_and(|hex| hex.iter().all(u8::is_ascii_hexdigit));
        if allowed || escape {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[derive(Debug, Serialize)]
pub struct Link {
    pub name: String,
    pub url: String,
}

/// A picture as templates show it: with its size (no layout shift), responsive sources
/// when it is from the library, and the point to keep in view when cropped.
#[derive(Debug, Clone, Serialize)]
pub struct ImageView {
    pub url: String,
    pub alt: String,
    pub caption: String,
    pub credit: String,
    pub width: Option<u32>,
    pub height: Option<u32>,
    pub sources: Option<crate::media::Sources>,
    /// Classes that set the crop's `object-position` to the focal point, rounded to tens of
    /// percent (the content security policy allows no inline styles), e.g. `fx-30 fy-70`.
    pub focal_class: Option<String>,
}

impl From<&StoryImage> for ImageView {
    fn from(i: &StoryImage) -> Self {
        Self {
            url: i.url.clone(),
            alt: i.alt.clone(),
            caption: i.caption.clone(),
            credit: i.credit.clone(),
            width: i.width,
            height: i.height,
            sources: crate::media::sources(i),
            focal_class: i.focal.filter(|f| *f != (50, 50)).map(|(x, y)| {
                let tens = |p: u8| (u16::from(p.min(100)) + 5) / 10 * 10;
                format!("fx-{} fy-{}", tens(x), tens(y))
            }),
        }
    }
}

/// A story on a front page or in a list.
#[derive(Debug, Serialize)]
pub struct Card {
    pub headline: String,
    pub headline_short: String,
    pub url: String,
    pub standfirst: String,
    pub teaser: String,
    pub section: Option<Link>,
    pub published_iso: String,
    pub published_display: String,
    pub image: Option<ImageView>,
    pub lang: String,
    pub dir: &'static str,
}

impl Card {
    pub fn new(s: &StorySummary, settings: &SiteSettings) -> Self {
        Self {
            headline_short: cut_at_word(&s.headline, SHORT_HEADLINE_CHARS),
            headline: s.headline.clone(),
            url: story_url(s.slug.as_str()),
            teaser: teaser(&s.standfirst, TEASER_CHARS),
            standfirst: s.standfirst.clone(),
            section: Some(Link { name: s.section_name.clone(), url: section_url(s.section_slug.as_str()) }),
            published_iso: s.published_at.to_string(),
            published_display: settings.house_style.byline_moment(s.published_at, &settings.time_zone()),
            image: s.image.as_ref().map(ImageView::from),
            dir: TextDirection::of_language(&s.language).as_str(),
            lang: s.language.clone(),
        }
    }

    pub fn list(stories: &[StorySummary], settings: &SiteSettings) -> Vec<Self> {
        stories.iter().map(|s| Self::new(s, settings)).collect()
    }
}

#[derive(Debug, Serialize)]
pub struct Moment {
    pub display: String,
    pub iso: String,
}

#[derive(Debug, Serialize)]
pub struct CorrectionView {
    pub note: String,
    pub display: String,
    pub iso: String,
}

#[derive(Debug, Serialize)]
pub struct TagLink {
    pub name: String,
    pub url: String,
    pub kind: &'static str,
}

/// One piece of the dateline; the date carries its machine-readable time.
#[derive(Debug, Serialize)]
pub struct DatelineSegment {
    #[serde(flatten)]
    pub part: DatelinePart,
    pub iso: Option<String>,
}

/// Everything the story page shows of the story itself.
#[derive(Debug, Serialize)]
pub struct StoryView {
    pub headline: String,
    pub standfirst: String,
    pub body_html: String,
    pub lang: String,
    pub dir: &'static str,
    pub authors: Vec<Link>,
    pub byline_published: String,
    pub published_iso: String,
    pub updated: Option<Moment>,
    pub corrections: Vec<CorrectionView>,
    pub dateline: Vec<DatelineSegment>,
    pub image: Option<ImageView>,
    pub section: Link,
    pub tags: Vec<TagLink>,
    pub source: Option<Link>,
}

impl StoryView {
    /// The view of a published story (`published_at` falls back to `modified_at` for a
    /// story being previewed before publication).
    pub fn new(story: &Story, settings: &SiteSettings) -> Self {
        let tz = settings.time_zone();
        let style = &settings.house_style;
        let published = story.published_at.unwrap_or(story.modified_at);
        let moment = |at: Timestamp| style.byline_moment(at, &tz);
        Self {
            headline: story.headline.clone(),
            standfirst: story.standfirst.clone(),
            body_html: story.body_html.clone(),
            lang: story.language.clone(),
            dir: story.direction().as_str(),
            authors: story
                .authors
                .iter()
                .map(|a| Link { name: a.name.clone(), url: author_url(a.slug.as_str()) })
                .collect(),
            byline_published: format!("Published {}", moment(published)),
            published_iso: published.to_string(),
            updated: story
                .updated_at
                .filter(|u| *u > published)
                .map(|u| Moment { display: format!("Updated {}", moment(u)), iso: u.to_string() }),
            corrections: story
                .corrections
                .iter()
                .map(|c| CorrectionView {
                    note: c.note.clone(),
                    display: moment(c.created_at),
                    iso: c.created_at.to_string(),
                })
                .collect(),
            dateline: style
                .dateline(&story.dateline_place, &story.credit, published, &tz)
                .into_iter()
                .map(|part| DatelineSegment {
                    iso: (part.kind == DatelinePartKind::Date).then(|| published.to_string()),
                    part,
                })
                .collect(),
            image: story.image.as_ref().map(ImageView::from),
            section: Link { name: story.section.name.clone(), url: section_url(story.section.slug.as_str()) },
            tags: story
                .tags
                .iter()
                .map(|t| TagLink {
                    name: t.name.clone(),
                    url: tag_url(t.slug.as_str()),
                    kind: t.kind.as_str(),
                })
                .collect(),
            source: story
                .source
                .as_ref()
                .map(|s| Link { name: s.name.clone(), url: source_url(s.slug.as_str()) }),
        }
    }
}

/// The site as a schema.org `NewsMediaOrganization`, with its logo (`logo` may be a path).
pub fn publisher(settings: &SiteSettings, logo: &str) -> serde_json::Value {
    serde_json::json!({
        "@type": "NewsMediaOrganization",
        "@id": format!("{}/#publisher", settings.base_url),
        "name": settings.name,
        "url": format!("{}/", settings.base_url),
        "logo": {"@type": "ImageObject", "url": absolute(settings, logo)},
    })
}

/// The schema.org `WebSite` of the home page, with the site search as its action.
pub fn website_json_ld(settings: &SiteSettings, publisher: &serde_json::Value) -> serde_json::Value {
    let base = &settings.base_url;
    serde_json::json!({
        "@context": "https://schema.org",
        "@graph": [
            {
                "@type": "WebSite",
                "@id": format!("{base}/#website"),
                "name": settings.name,
                "url": format!("{base}/"),
                "inLanguage": settings.language,
                "publisher": {"@id": format!("{base}/#publisher")},
                "potentialAction": {
                    "@type": "SearchAction",
                    "target": {"@type": "EntryPoint", "urlTemplate": format!("{base}/search?q={{search_term_string}}")},
                    "query-input": "required name=search_term_string",
                },
            },
            publisher,
        ],
    })
}

/// The schema.org `CollectionPage` of a list (section, tag, author, source, latest), with
/// its place under the home page.
pub fn collection_json_ld(meta: &PageMeta, heading: &str, settings: &SiteSettings) -> serde_json::Value {
    let base = &settings.base_url;
    serde_json::json!({
        "@context": "https://schema.org",
        "@type": "CollectionPage",
        "name": meta.title,
        "description": meta.description,
        "url": meta.canonical,
        "inLanguage": meta.lang,
        "isPartOf": {"@type": "WebSite", "@id": format!("{base}/#website"), "name": settings.name, "url": format!("{base}/")},
        "breadcrumb": {
            "@type": "BreadcrumbList",
            "itemListElement": [
                {"@type": "ListItem", "position": 1, "name": settings.name, "item": format!("{base}/")},
                {"@type": "ListItem", "position": 2, "name": heading, "item": meta.canonical},
            ],
        },
    })
}

/// The page metadata of a story: social cards, schema.org `NewsArticle` and the links to
/// its published `translations`.
pub fn story_meta(
    story: &Story,
    settings: &SiteSettings,
    publisher: &serde_json::Value,
    translations: &[Translation],
) -> PageMeta {
    let url = absolute(settings, &story_url(story.slug.as_str()));
    let published = story.published_at.unwrap_or(story.modified_at);
    let image = story.image.as_ref().map(|i| absolute(settings, &i.url));
    let description = if story.standfirst.is_empty() {
        teaser(&story.headline, 200)
    } else {
        teaser(&story.standfirst, 300)
    };
    let authors: Vec<_> = story
        .authors
        .iter()
        .map(|a| serde_json::json!({"@type": "Person", "name": a.name, "url": absolute(settings, &author_url(a.slug.as_str()))}))
        .collect();
    let mut json_ld = serde_json::json!({
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": story.headline,
        "description": description,
        "datePublished": published.to_string(),
        "dateModified": story.updated_at.unwrap_or(published).max(published).to_string(),
        "author": authors,
        "publisher": publisher,
        "articleSection": story.section.name,
        "inLanguage": story.language,
        "mainEntityOfPage": {"@type": "WebPage", "@id": url},
        "url": url,
    });
    if !story.dateline_place.is_empty() {
        json_ld["dateline"] = serde_json::Value::from(story.dateline_place.clone());
    }
    if let Some(img) = &image {
        json_ld["image"] = serde_json::json!([img]);
    }
    let mut alternates = Vec::new();
    if !translations.is_empty() {
        let url_of = |t: &Translation| absolute(settings, &story_url(t.slug.as_str()));
        let original = match story.translation_of {
            None => {
                json_ld["workTranslation"] =
                    translations.iter().map(|t| serde_json::json!({"@id": url_of(t)})).collect();
                Some(url.clone())
            }
            Some(_) => translations.iter().find(|t| t.original).map(url_of),
        };
        if let Some(original) = &original
            && story.translation_of.is_some()
        {
            json_ld["translationOfWork"] = serde_json::json!({"@id": original});
        }
        alternates.push(Alternate { lang: story.language.clone(), url: url.clone() });
        alternates
            .extend(translations.iter().map(|t| Alternate { lang: t.language.clone(), url: url_of(t) }));
        if let Some(original) = original {
            alternates.push(Alternate { lang: "x-default".into(), url: original });
        }
    }
    PageMeta {
        title: story.headline.clone(),
        description,
        canonical: url,
        lang: story.language.clone(),
        dir: story.direction().as_str(),
        og_type: "article",
        image,
        json_ld: Some(json_ld),
        robots: None,
        feed_path: None,
        alternates,
    }
}

/// Previous/next links of a paginated list.
#[derive(Debug, Serialize)]
pub struct Pagination {
    pub page: u32,
    pub prev_url: Option<String>,
    pub next_url: Option<String>,
}

impl Pagination {
    pub fn new(path: &str, page: u32, has_more: bool) -> Self {
        let url = |p: u32| {
            if p <= 1 { path.to_owned() } else { format!("{path}?page={p}") }
        };
        Self { page, prev_url: (page > 1).then(|| url(page - 1)), next_url: has_more.then(|| url(page + 1)) }
    }
}

#[cfg(test)]
mod tests {
    use super::to_uri;

    #[test]
    fn addresses_become_uris() {
        assert_eq!(
            to_uri("https://example.com/story/کراچی-بارش"),
            "https://example.com/story/%DA%A9%D8%B1%D8%A7%DA%86%DB%8C-%D8%A8%D8%A7%D8%B1%D8%B4"
        );
        assert_eq!(
            to_uri("/search?q=a b&x=\"<>\"|^`{}\\"),
            "/search?q=a%20b&x=%22%3C%3E%22%7C%5E%60%7B%7D%5C"
        );
        assert_eq!(to_uri("/a%2Fb%zz%4"), "/a%2Fb%25zz%254", "escapes kept, a lone % escaped");
        let plain = "https://user@example.com:8080/a-b_c.d~e/f?g=h&i=j;k=l+m*n!o$p'q(r)s,t#u[v]w";
        assert_eq!(to_uri(plain), plain);
        assert!(to_uri("\u{7f}\n\t").bytes().all(|b| b.is_ascii_graphic()));
    }
}
