//! Outgoing feeds: RSS 2.0, Atom 1.0 and JSON Feed 1.1 for the whole site and for each
//! section, tag, author and source (the same lists as the pages, see [`ListSpec`]), and
//! the ninjs 2.0 document of any published story. Each feed holds the newest [`ITEMS`]
//! stories with their full text.

use super::SiteContext;
use super::lists::{ListKind, ListSpec, latest_spec, spec_for};
use crate::error::WebError;
use crate::page_cache::{self, PageDeps};
use crate::state::AppState;
use crate::views::{absolute_uri, author_url, section_url, story_url, tag_url};
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::Response;
use dateline_core::{ChangeKey, PageRequest, SiteSettings, Story, StoryStatus};
use jiff::Timestamp;
use serde_json::json;
use std::fmt::Write;

/// Stories in a feed.
pub const ITEMS: u32 = 30;

/// The three feed formats, by the file name that asks for them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FeedFormat {
    Rss,
    Atom,
    Json,
}

impl FeedFormat {
    pub fn from_file(name: &str) -> Option<Self> {
        match name {
            "rss.xml" => Some(Self::Rss),
            "atom.xml" => Some(Self::Atom),
            "feed.json" => Some(Self::Json),
            _ => None,
        }
    }

    fn file(self) -> &'static str {
        match self {
            Self::Rss => "rss.xml",
            Self::Atom => "atom.xml",
            Self::Json => "feed.json",
        }
    }

    fn content_type(self) -> &'static str {
        match self {
            Self::Rss => "application/rss+xml; charset=utf-8",
            Self::Atom => "application/atom+xml; charset=utf-8",
            Self::Json => "application/feed+json; charset=utf-8",
        }
    }
}

/// What a feed is about and where it lives.
struct Channel {
    title: String,
    description: String,
    language: String,
    /// The page the feed mirrors, absolute.
    page_url: String,
    /// The feed's own address, absolute.
    feed_url: String,
}

/// `/rss.xml`, `/atom.xml` and `/feed.json`: the whole site.
pub async fn site_feed(state: AppState, format: FeedFormat) -> Result<Response, WebError> {
    let ctx = SiteContext::load(&state).await?;
    let mut spec = latest_spec();
    spec.heading.clone_from(&ctx.settings.name);
    spec.path = String::new();
    feed(&state, &ctx, spec, format).await
}

/// `/{section,tag,author,source}/{slug}/{rss.xml,atom.xml,feed.json}`.
pub async fn list_feed(
    state: AppState,
    kind: ListKind,
    slug: String,
    file: String,
) -> Result<Response, WebError> {
    let format = FeedFormat::from_file(&file).ok_or(WebError::NotFound)?;
    let ctx = SiteContext::load(&state).await?;
    let mut spec = spec_for(&state, &ctx, kind, &slug).await?;
    spec.heading = format!("{} - {}", spec.heading, ctx.settings.name);
    feed(&state, &ctx, spec, format).await
}

async fn feed(
    state: &AppState,
    ctx: &SiteContext,
    spec: ListSpec,
    format: FeedFormat,
) -> Result<Response, WebError> {
    let settings = &ctx.settings;
    let summaries = state.store.published(spec.filter, PageRequest { offset: 0, limit: ITEMS }).await?;
    let loads = summaries.iter().map(|s| state.store.story(s.id));
    let mut stories: Vec<Story> = futures_util::future::try_join_all(loads)
        .await?
        .into_iter()
        .flatten()
        .filter(|s| s.status == StoryStatus::Published)
        .collect();
    // A live blog's item carries its entries after its body.
    for story in stories.iter_mut().filter(|s| s.coverage.is_some()) {
        let rows = state.store.live_entries(story.id, 0).await?;
        story.body_html = crate::live::body_with_entries(state, story, &rows, settings);
    }
    let key = spec.cache_key();
    let page_path = if spec.path.is_empty() { "/".to_owned() } else { spec.path.clone() };
    let channel = Channel {
        description: spec.intro.clone().unwrap_or_else(|| format!("The latest from {}", spec.heading)),
        title: spec.heading,
        language: spec.language.unwrap_or_else(|| settings.language.clone()),
        page_url: absolute_uri(settings, &page_path),
        feed_url: absolute_uri(settings, &format!("{}/{}", spec.path, format.file())),
    };
    let body = match format {
        FeedFormat::Rss => rss(&channel, &stories, settings),
        FeedFormat::Atom => atom(&channel, &stories, settings),
        FeedFormat::Json => json_feed(&channel, &stories, settings),
    };
    let deps = PageDeps::new(page_cache::FRONT, [key]);
    Ok(deps.attach(([(header::CONTENT_TYPE, format.content_type())], body)))
}

/// Text made safe for XML: markup characters escaped, characters XML 1.0 forbids dropped.
pub fn xml(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if c < ' ' || matches!(c, '\u{FFFE}' | '\u{FFFF}') => {}
            c => out.push(c),
        }
    }
    out
}

fn rfc2822(t: Timestamp) -> String {
    jiff::fmt::rfc2822::DateTimePrinter::new().timestamp_to_rfc9110_string(&t).unwrap_or_default()
}

/// When a story last changed for readers.
fn modified(story: &Story) -> Timestamp {
    let published = story.published_at.unwrap_or(story.modified_at);
    story.updated_at.map_or(published, |u| u.max(published))
}

/// The newest change among the stories, for the feed's own date.
fn newest(stories: &[Story]) -> Timestamp {
    stories.iter().map(modified).max().unwrap_or(Timestamp::UNIX_EPOCH)
}

/// An image's MIME type, from its address (feeds need one for enclosures).
fn image_type(url: &str) -> &'static str {
    let lower = url.to_ascii_lowercase();
    let path = lower.split(['?', '#']).next().unwrap_or("");
    match path.rsplit('.').next() {
        Some("png") => "image/png",
        Some("webp") => "image/webp",
        Some("gif") => "image/gif",
        Some("avif") => "image/avif",
        _ => "image/jpeg",
    }
}

fn rss(channel: &Channel, stories: &[Story], settings: &SiteSettings) -> String {
    let mut out = String::with_capacity(4096 + stories.len() * 4096);
    out.push_str(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\" \
         xmlns:atom=\"http://www.w3.org/2005/Atom\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\" \
         xmlns:content=\"http://purl.org/rss/1.0/modules/content/\" xmlns:media=\"http://search.yahoo.com/mrss/\">\n<channel>\n",
    );
    let _ = write!(
        out,
        "<title>{}</title>\n<link>{}</link>\n<description>{}</description>\n<language>{}</language>\n\
         <generator>Dateline</generator>\n<lastBuildDate>{}</lastBuildDate>\n\
         <atom:link href=\"{}\" rel=\"self\" type=\"application/rss+xml\"/>\n",
        xml(&channel.title),
        xml(&channel.page_url),
        xml(&channel.description),
        xml(&channel.language),
        rfc2822(newest(stories)),
        xml(&channel.feed_url),
    );
    for story in stories {
        let url = absolute_uri(settings, &story_url(story.slug.as_str()));
        let _ = write!(
            out,
            "<item>\n<title>{}</title>\n<link>{url}</link>\n<guid isPermaLink=\"true\">{url}</guid>\n<pubDate>{}</pubDate>\n",
            xml(&story.headline),
            rfc2822(story.published_at.unwrap_or(story.modified_at)),
        );
        if !story.standfirst.is_empty() {
            let _ = writeln!(out, "<description>{}</description>", xml(&story.standfirst));
        }
        let _ = writeln!(out, "<content:encoded>{}</content:encoded>", xml(&story.body_html));
        for author in &story.authors {
            let _ = writeln!(out, "<dc:creator>{}</dc:creator>", xml(&author.name));
        }
        let _ = writeln!(out, "<category>{}</category>", xml(&story.section.name));
        for tag in &story.tags {
            let _ = writeln!(out, "<category>{}</category>", xml(&tag.name));
        }
        if let Some(image) = &story.image {
            let src = absolute_uri(settings, &image.url);
            let _ = write!(
                out,
                "<media:content url=\"{}\" medium=\"image\" type=\"{}\">",
                xml(&src),
                image_type(&src)
            );
            let text = if image.caption.is_empty() { &image.alt } else { &image.caption };
            if !text.is_empty() {
                let _ = write!(out, "<media:description>{}</media:description>", xml(text));
            }
            out.push_str("</media:content>\n");
        }
        out.push_str("</item>\n");
    }
    out.push_str("</channel>\n</rss>\n");
    out
}

fn atom(channel: &Channel, stories: &[Story], settings: &SiteSettings) -> String {
    let mut out = String::with_capacity(4096 + stories.len() * 4096);
    let _ = write!(
        out,
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"{}\">\n\
         <id>{}</id>\n<title>{}</title>\n<subtitle>{}</subtitle>\n<updated>{}</updated>\n\
         <link rel=\"self\" type=\"application/atom+xml\" href=\"{}\"/>\n<link rel=\"alternate\" type=\"text/html\" href=\"{}\"/>\n\
         <author><name>{}</name><uri>{}</uri></author>\n<generator>Dateline</generator>\n",
        xml(&channel.language),
        xml(&channel.feed_url),
        xml(&channel.title),
        xml(&channel.description),
        newest(stories),
        xml(&channel.feed_url),
        xml(&channel.page_url),
        xml(&settings.name),
        xml(&settings.base_url),
    );
    for story in stories {
        let url = absolute_uri(settings, &story_url(story.slug.as_str()));
        let _ = write!(
            out,
            "<entry xml:lang=\"{}\">\n<id>{url}</id>\n<title type=\"text\">{}</title>\n<link rel=\"alternate\" type=\"text/html\" href=\"{url}\"/>\n\
             <published>{}</published>\n<updated>{}</updated>\n",
            xml(&story.language),
            xml(&story.headline),
            story.published_at.unwrap_or(story.modified_at),
            modified(story),
        );
        for author in &story.authors {
            let _ = writeln!(
                out,
                "<author><name>{}</name><uri>{}</uri></author>",
                xml(&author.name),
                xml(&absolute_uri(settings, &author_url(author.slug.as_str())))
            );
        }
        let _ = writeln!(
            out,
            "<category term=\"{}\" label=\"{}\" scheme=\"{}\"/>",
            xml(story.section.slug.as_str()),
            xml(&story.section.name),
            xml(&absolute_uri(settings, "/section/"))
        );
        for tag in &story.tags {
            let _ = writeln!(
                out,
                "<category term=\"{}\" label=\"{}\" scheme=\"{}\"/>",
                xml(tag.slug.as_str()),
                xml(&tag.name),
                xml(&absolute_uri(settings, "/tag/"))
            );
        }
        if !story.standfirst.is_empty() {
            let _ = writeln!(out, "<summary type=\"text\">{}</summary>", xml(&story.standfirst));
        }
        let _ = writeln!(out, "<content type=\"html\">{}</content>", xml(&story.body_html));
        if let Some(image) = &story.image {
            let src = absolute_uri(settings, &image.url);
            let _ = writeln!(
                out,
                "<link rel=\"enclosure\" type=\"{}\" href=\"{}\"/>",
                image_type(&src),
                xml(&src)
            );
        }
        out.push_str("</entry>\n");
    }
    out.push_str("</feed>\n");
    out
}

fn json_feed(channel: &Channel, stories: &[Story], settings: &SiteSettings) -> String {
    let items: Vec<serde_json::Value> = stories
        .iter()
        .map(|story| {
            let url = absolute_uri(settings, &story_url(story.slug.as_str()));
            let mut item = json!({
                "id": url,
                "url": url,
                "title": story.headline,
                "content_html": story.body_html,
                "date_published": story.published_at.unwrap_or(story.modified_at).to_string(),
                "date_modified": modified(story).to_string(),
                "language": story.language,
                "authors": story.authors.iter().map(|a| json!({
                    "name": a.name,
                    "url": absolute_uri(settings, &author_url(a.slug.as_str())),
                })).collect::<Vec<_>>(),
                "tags": std::iter::once(story.section.name.clone())
                    .chain(story.tags.iter().map(|t| t.name.clone()))
                    .collect::<Vec<_>>(),
            });
            if !story.standfirst.is_empty() {
                item["summary"] = json!(story.standfirst);
            }
            if let Some(image) = &story.image {
                item["image"] = json!(absolute_uri(settings, &image.url));
            }
            item
        })
        .collect();
    let feed = json!({
        "version": "https://jsonfeed.org/version/1.1",
        "title": channel.title,
        "description": channel.description,
        "home_page_url": channel.page_url,
        "feed_url": channel.feed_url,
        "language": channel.language,
        "items": items,
    });
    serde_json::to_string_pretty(&feed).unwrap_or_default()
}

/// `/story/{slug}/ninjs.json`: the story as IPTC ninjs 2.0, for partners and syndication.
pub async fn ninjs(State(state): State<AppState>, Path(slug): Path<String>) -> Result<Response, WebError> {
    let story = state.store.story_by_slug(&slug).await?.ok_or(WebError::NotFound)?;
    match story.status {
        StoryStatus::Published => {}
        StoryStatus::Killed => return Err(WebError::Gone("This story has been removed.")),
        _ => return Err(WebError::NotFound),
    }
    let ctx = SiteContext::load(&state).await?;
    let mut doc = ninjs_of(&story, &ctx.settings);
    let entries = dateline_newsroom::live::entries(state.store.as_ref(), story.id).await?;
    add_live_entries(&mut doc, &story, &entries, &ctx.settings);
    let body = serde_json::to_string_pretty(&doc).unwrap_or_default();
    let deps = PageDeps::new(
        page_cache::story_cache_control(&story, state.clock.now()),
        [ChangeKey::Story(story.id)],
    );
    Ok(deps.attach(([(header::CONTENT_TYPE, "application/json; charset=utf-8")], body)))
}

/// A live blog's entries in its ninjs document: each a `text` association named
/// `entry-ID` (newest first), with its time, title, writer and body.
fn add_live_entries(
    doc: &mut serde_json::Value,
    story: &Story,
    entries: &[dateline_core::LiveEntry],
    settings: &SiteSettings,
) {
    if entries.is_empty() {
        return;
    }
    let url = absolute_uri(settings, &story_url(story.slug.as_str()));
    let mut associations = doc["associations"].as_array().cloned().unwrap_or_default();
    for e in entries {
        let mut entry = json!({
            "name": format!("entry-{}", e.id),
            "type": "text",
            "uri": format!("{url}#entry-{}", e.id),
            "versioncreated": e.edited_at.unwrap_or(e.posted_at).to_string(),
            "firstcreated": e.posted_at.to_string(),
            "bodies": [{"role": "main", "contenttype": "text/html", "value": e.body_html}],
        });
        if !e.title.is_empty() {
            entry["headlines"] = json!([{"role": "main", "value": e.title}]);
        }
        if !e.author.is_empty() {
            entry["by"] = json!(e.author);
        }
        associations.push(entry);
    }
    doc["associations"] = json!(associations);
}

fn ninjs_of(story: &Story, settings: &SiteSettings) -> serde_json::Value {
    let url = absolute_uri(settings, &story_url(story.slug.as_str()));
    let mut doc = json!({
        "$schema": "http://www.iptc.org/std/ninjs/ninjs-schema_2.0.json",
        "uri": url,
        "type": "text",
        "representationtype": "complete",
        "version": story.version.to_string(),
        "firstcreated": story.first_published_at.or(story.published_at).unwrap_or(story.created_at).to_string(),
        "versioncreated": modified(story).to_string(),
        "pubstatus": "usable",
        "language": story.language,
        "headlines": [{"role": "main", "value": story.headline}],
        "bodies": [{"role": "main", "contenttype": "text/html", "value": story.body_html}],
        "subjects": std::iter::once(json!({
            "name": story.section.name,
            "uri": absolute_uri(settings, &section_url(story.section.slug.as_str())),
        }))
        .chain(story.tags.iter().map(|t| json!({"name": t.name, "uri": absolute_uri(settings, &tag_url(t.slug.as_str()))})))
        .collect::<Vec<_>>(),
        "copyrightholder": settings.name,
    });
    if !story.standfirst.is_empty() {
        doc["descriptions"] =
            json!([{"role": "summary", "contenttype": "text/plain", "value": story.standfirst}]);
    }
    if !story.authors.is_empty() {
        doc["by"] = json!(story.authors.iter().map(|a| a.name.as_str()).collect::<Vec<_>>().join(", "));
        doc["people"] = json!(
            story
                .authors
                .iter()
                .map(|a| json!({
                    "name": a.name,
                    "rel": "author",
                    "uri": absolute_uri(settings, &author_url(a.slug.as_str())),
                }))
                .collect::<Vec<_>>()
        );
    }
    if !story.dateline_place.is_empty() {
        doc["located"] = json!(story.dateline_place);
        doc["places"] = json!([{"name": story.dateline_place, "rel": "located"}]);
    }
    if let Some(source) = &story.source {
        doc["infosources"] = json!([{"name": source.name, "role": "originating_agency"}]);
    }
    if let Some(image) = &story.image {
        let src = absolute_uri(settings, &image.url);
        doc["associations"] = json!([{
            "name": "featureimage",
            "type": "picture",
            "uri": src,
            "headlines": [{"value": image.alt}],
            "descriptions": [{"role": "caption", "value": image.caption}],
            "renditions": [{"name": "original", "href": src, "mimetype": image_type(&src)}],
        }]);
    }
    doc
}
