//! A Ghost export (Settings → Labs → Export, Ghost 4 and 5) brought in, so a newsroom
//! that ran on Ghost can move without losing its archive or its addresses.
//!
//! The export is one JSON document, `{"db": [{"meta": {...}, "data": {...}}]}` (some tools
//! write `"db"` as an object; both are read). Like a WordPress export it is read twice, a
//! row at a time (`ghost_json`), so its size does not matter: first the small tables (tags,
//! users, the links between posts and them, settings) with the whole document checked,
//! then the posts, written in batches. Anything that is not JSON, is cut short, is not a
//! Ghost export or is from a Ghost other than 4 or 5 is refused before anything is written. Every field is
//! optional and read leniently (a string or a number, ISO dates or milliseconds); a post
//! that cannot be mapped is a failure in the report, never the end of the import.
//!
//! How a post maps: `published` (and `sent`, a newsletter-only post) is published at its
//! `published_at`; `draft` is a draft; `scheduled` is scheduled for `published_at`; any
//! other status is skipped. Pages (`type: page`) are counted, not imported. The first
//! public tag by `sort_order` in `posts_tags` (Ghost's primary tag) is the section, made
//! when missing; the other tags are tags, except internal ones (`#name`), which are
//! counted and left out. Authors in `posts_authors` order (a v4 post's `author_id` when
//! there is none) are the byline. `custom_excerpt` is the standfirst. The `html` is the
//! body (`plaintext` as paragraphs when there is no HTML; a post whose words are only in
//! the editor's lexical or mobiledoc fails), sanitised; `__GHOST_URL__` becomes the site's
//! address (the `url` setting, when the export has it; otherwise addresses stay relative).
//! The feature picture (its alt text and caption from `posts_meta` or the post) and inline
//! pictures join the media library, from a copy of `content/images` or fetched. A
//! published post's Ghost address, `/{slug}/` (Ghost's default; custom routes are not
//! known to the export), answers 301 to its story. Members-only and paid posts are
//! imported like public ones: Dateline has no paywall, so once published they are public.

use super::body::inline_pictures;
use super::ghost_json;
use super::pictures::Taker;
use super::taxonomy::{Names, slug_of};
use super::{Batch, ImportError, Note, OnProgress, Options, Progress, Refusal, Report, allowed, valid};
use dateline_core::import::{ImportedStatus, ImportedStory};
use dateline_core::rights::Actor;
use dateline_core::{MediaText, Prominence, StoryDraft, StoryImage};
use dateline_store::Store;
use jiff::Timestamp;
use serde::{Deserialize, Deserializer};
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// What Ghost writes in place of the site's address in HTML and picture addresses.
const GHOST_URL: &str = "__GHOST_URL__";

/// Headlines are cut to this many characters.
const MAX_HEADLINE: usize = dateline_core::MAX_HEADLINE_CHARS;

/// A string, whatever the export has there: numbers written out, `null` and anything else
/// empty.
fn text<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::String(s) => s,
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        _ => String::new(),
    })
}

/// A number, written as one or as a string; 0 when it is neither.
fn number<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::Number(n) => n.as_f64().unwrap_or_default(),
        Value::String(s) => s.trim().parse().unwrap_or_default(),
        _ => 0.0,
    })
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Post {
    #[serde(deserialize_with = "text")]
    id: String,
    #[serde(deserialize_with = "text")]
    title: String,
    #[serde(deserialize_with = "text")]
    slug: String,
    #[serde(deserialize_with = "text")]
    html: String,
    #[serde(deserialize_with = "text")]
    plaintext: String,
    mobiledoc: Value,
    lexical: Value,
    #[serde(deserialize_with = "text")]
    feature_image: String,
    #[serde(deserialize_with = "text")]
    feature_image_alt: String,
    #[serde(deserialize_with = "text")]
    feature_image_caption: String,
    #[serde(deserialize_with = "text")]
    custom_excerpt: String,
    #[serde(deserialize_with = "text")]
    excerpt: String,
    #[serde(deserialize_with = "text")]
    status: String,
    #[serde(rename = "type", deserialize_with = "text")]
    kind: String,
    /// Ghost before 4 marked pages with `page: true`.
    page: Value,
    /// The only author of a post in exports without `posts_authors`.
    #[serde(deserialize_with = "text")]
    author_id: String,
    created_at: Value,
    published_at: Value,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Tag {
    #[serde(deserialize_with = "text")]
    id: String,
    #[serde(deserialize_with = "text")]
    name: String,
    #[serde(deserialize_with = "text")]
    slug: String,
    #[serde(deserialize_with = "text")]
    visibility: String,
}

impl Tag {
    /// Ghost's internal tags (`#name`) organise posts for themes; they are not topics.
    fn internal(&self) -> bool {
        self.visibility == "internal" || self.name.starts_with('#')
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct User {
    #[serde(deserialize_with = "text")]
    id: String,
    #[serde(deserialize_with = "text")]
    name: String,
    #[serde(deserialize_with = "text")]
    slug: String,
}

/// A row of `posts_tags` or `posts_authors`.
#[derive(Deserialize, Default)]
#[serde(default)]
struct Link {
    #[serde(deserialize_with = "text")]
    post_id: String,
    /// `tag_id` or `author_id`.
    #[serde(rename = "tag_id", alias = "author_id", deserialize_with = "text")]
    linked: String,
    #[serde(deserialize_with = "number")]
    sort_order: f64,
}

/// A row of `posts_meta` (Ghost 5 keeps the feature picture's words there).
#[derive(Deserialize, Default)]
#[serde(default)]
struct PostMeta {
    #[serde(deserialize_with = "text")]
    post_id: String,
    #[serde(deserialize_with = "text")]
    feature_image_alt: String,
    #[serde(deserialize_with = "text")]
    feature_image_caption: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Setting {
    #[serde(deserialize_with = "text")]
    key: String,
    #[serde(deserialize_with = "text")]
    value: String,
}

/// The export, read and indexed.
struct Export {
    /// The site's address without a trailing slash, empty when the export does not say.
    site: String,
    size: u64,
    tags: HashMap<String, Tag>,
    users: HashMap<String, User>,
    /// Tag ids by post, in `sort_order`.
    post_tags: HashMap<String, Vec<String>>,
    /// Author ids by post, in `sort_order`.
    post_authors: HashMap<String, Vec<String>>,
    meta: HashMap<String, PostMeta>,
}

/// Imports the Ghost export at `file`.
///
/// # Errors
/// [`ImportError::Unreadable`] when the file is missing, not JSON, cut short, not a Ghost
/// export or from a Ghost other than 4 or 5 (nothing is written then);
/// [`ImportError::Forbidden`]. A failure part-way (the database) is not an error: the
/// report's `stopped` says why, and what came in.
pub async fn import(
    store: &dyn Store,
    actor: &Actor,
    file: &Path,
    options: &Options,
    progress: OnProgress,
) -> Result<Report, ImportError> {
    allowed(actor)?;
    let started = std::time::Instant::now();
    let mut report = Report::new("ghost", options.dry_run);
    let export = {
        let file = file.to_owned();
        tokio::task::spawn_blocking(move || read(&file))
            .await
            .map_err(|e| ImportError::Unreadable(format!("reading stopped: {e}")))??
    };
    progress(Progress { read: export.size / 2, total: export.size, posts: 0 });
    report.origin = if export.site.is_empty() { "unknown".to_owned() } else { export.site.clone() };
    report.count("internal tags", export.tags.values().filter(|t| t.internal()).count() as u64);
    let result = posts(store, actor, file, options, &export, &mut report, &progress).await;
    report.seconds = started.elapsed().as_secs_f64();
    // Stopped part-way (the database failed): what came in is in the report, which says why.
    if let Err(e) = result {
        report.stopped = Some(e.to_string());
    }
    Ok(report)
}

fn not_ghost(why: &str) -> ImportError {
    ImportError::Unreadable(format!("not a Ghost export: {why}"))
}

/// The tables the first reading keeps, with `db[0].meta`.
#[derive(Default)]
struct Catalogue {
    meta: Value,
    tables: HashMap<String, Vec<Value>>,
}

/// The small tables posts refer to.
const REFERRED: [&str; 6] = ["settings", "tags", "users", "posts_tags", "posts_authors", "posts_meta"];

impl ghost_json::Tables for Catalogue {
    fn meta(&mut self, meta: Value) {
        self.meta = meta;
    }
    fn wants(&self, table: &str) -> bool {
        REFERRED.contains(&table)
    }
    fn row(&mut self, table: &str, row: Value) -> Result<(), String> {
        self.tables.entry(table.to_owned()).or_default().push(row);
        Ok(())
    }
}

fn unreadable(e: ghost_json::WalkError) -> ImportError {
    match e {
        ghost_json::WalkError::NotJson(why) => ImportError::Unreadable(format!("not JSON: {why}")),
        ghost_json::WalkError::NotGhost(why) => not_ghost(&why),
    }
}

fn open(file: &Path) -> Result<std::fs::File, ImportError> {
    std::fs::File::open(file).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => ImportError::Unreadable("there is no such file".into()),
        _ => ImportError::Unreadable(format!("the file cannot be read: {e}")),
    })
}

/// The first reading: the whole file checked, the tables posts refer to kept and indexed.
fn read(file: &Path) -> Result<Export, ImportError> {
    let opened = open(file)?;
    let size = opened.metadata().map(|m| m.len()).unwrap_or(0);
    let mut catalogue = Catalogue::default();
    let shape = ghost_json::walk(opened, Arc::default(), &mut catalogue).map_err(unreadable)?;
    if !shape.posts {
        return Err(not_ghost("no db[0].data.posts"));
    }
    let version = catalogue.meta.get("version").map_or_else(String::new, |v| match v {
        Value::String(s) => s.trim().to_owned(),
        other => other.to_string(),
    });
    let major = version.split('.').next().and_then(|m| m.parse::<u32>().ok());
    if !matches!(major, Some(4 | 5)) {
        let which = if version.is_empty() {
            "without a version (db[0].meta.version)".to_owned()
        } else {
            format!("of version {version}")
        };
        return Err(ImportError::Unreadable(format!(
            "a Ghost export {which}; Dateline reads versions 4 and 5"
        )));
    }
    let data = &mut catalogue.tables;
    let site = rows::<Setting>(data, "settings")
        .into_iter()
        .find(|s| s.key == "url")
        .map(|s| s.value.trim().trim_end_matches('/').to_owned())
        .filter(|url| url.starts_with("https://") || url.starts_with("http://"))
        .unwrap_or_default();
    Ok(Export {
        site,
        size,
        tags: rows::<Tag>(data, "tags").into_iter().map(|t| (t.id.clone(), t)).collect(),
        users: rows::<User>(data, "users").into_iter().map(|u| (u.id.clone(), u)).collect(),
        post_tags: links(rows(data, "posts_tags")),
        post_authors: links(rows(data, "posts_authors")),
        meta: rows::<PostMeta>(data, "posts_meta").into_iter().map(|m| (m.post_id.clone(), m)).collect(),
    })
}

/// The second reading's hand-over: each post, as it is read, to the writer.
struct PostsOnly(tokio::sync::mpsc::Sender<Value>);

impl ghost_json::Tables for PostsOnly {
    fn meta(&mut self, _: Value) {}
    fn wants(&self, table: &str) -> bool {
        table == "posts"
    }
    fn row(&mut self, _: &str, row: Value) -> Result<(), String> {
        self.0.blocking_send(row).map_err(|_| "the import stopped".to_owned())
    }
}

/// The rows of one table of the export; rows that are not objects are passed over.
fn rows<T: for<'de> Deserialize<'de>>(data: &mut HashMap<String, Vec<Value>>, table: &str) -> Vec<T> {
    data.remove(table).unwrap_or_default().into_iter().filter_map(|r| T::deserialize(r).ok()).collect()
}

/// Link rows as the ids each post links to, in `sort_order` (then in file order).
fn links(rows: Vec<Link>) -> HashMap<String, Vec<String>> {
    let mut by_post: HashMap<String, Vec<(f64, usize, String)>> = HashMap::new();
    for (i, row) in rows.into_iter().enumerate() {
        by_post.entry(row.post_id).or_default().push((row.sort_order, i, row.linked));
    }
    by_post
        .into_iter()
        .map(|(post, mut ids)| {
            ids.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
            let mut ordered: Vec<String> = Vec::with_capacity(ids.len());
            for (_, _, id) in ids {
                if !ordered.contains(&id) {
                    ordered.push(id);
                }
            }
            (post, ordered)
        })
        .collect()
}

/// The posts mapped and written in batches.
async fn posts(
    store: &dyn Store,
    actor: &Actor,
    file: &Path,
    options: &Options,
    export: &Export,
    report: &mut Report,
    progress: &OnProgress,
) -> Result<(), ImportError> {
    let (send, mut receive) = tokio::sync::mpsc::channel::<Value>(64);
    let read = Arc::new(AtomicU64::new(0));
    let reading = {
        let (file, read) = (file.to_owned(), read.clone());
        tokio::task::spawn_blocking(move || -> Result<(), ImportError> {
            let opened = open(&file)?;
            ghost_json::walk(opened, read, &mut PostsOnly(send)).map(drop).map_err(unreadable)
        })
    };
    let language = store.settings().await?.language;
    let mut names = Names::load(store, options.dry_run).await?;
    let mut taker = Taker::new(store, &options.pictures, options.media.clone());
    let site = if export.site.is_empty() { "unknown" } else { export.site.as_str() };
    let mut batch = Batch {
        store,
        origin: format!("ghost:{site}"),
        actor,
        dry_run: options.dry_run,
        posts: Vec::new(),
        bytes: 0,
    };
    let total = export.size;
    let mut handled = 0u64;
    let mut i = 0usize;
    while let Some(value) = receive.recv().await {
        i += 1;
        let post = match Post::deserialize(&value) {
            Ok(post) => post,
            Err(e) => {
                let id = value.get("id").map_or_else(|| format!("#{i}"), ToString::to_string);
                report.fail(&id, "?", &format!("the post cannot be read: {e}"));
                continue;
            }
        };
        let page = match &post.page {
            Value::Bool(b) => *b,
            Value::Number(n) => n.as_i64() == Some(1),
            _ => false,
        };
        match post.kind.as_str() {
            "page" => report.count("pages", 1),
            _ if page => report.count("pages", 1),
            "post" | "" => {
                handled += 1;
                match map(&post, export, &language, &mut names, &mut taker, options.dry_run, report).await? {
                    Ok(story) => batch.push(story, post.title.clone(), report).await?,
                    Err(Refusal::Skip(reason)) => report.skip(&post.id, &post.title, &reason),
                    Err(Refusal::Fail(reason)) => report.fail(&post.id, &post.title, &reason),
                }
                if handled.is_multiple_of(100) {
                    let read = total / 2 + read.load(Ordering::Relaxed).min(total) / 2;
                    progress(Progress { read, total, posts: handled });
                }
            }
            other => report.count(&format!("{other} entries"), 1),
        }
    }
    // The file was checked whole before; it can only fail now if it changed meanwhile.
    reading.await.map_err(|e| ImportError::Unreadable(format!("reading stopped: {e}")))??;
    batch.flush(report).await?;
    progress(Progress { read: total, total, posts: handled });
    Ok(())
}

async fn map(
    post: &Post,
    export: &Export,
    language: &str,
    names: &mut Names<'_>,
    taker: &mut Taker<'_>,
    dry_run: bool,
    report: &mut Report,
) -> Result<Result<ImportedStory, Refusal>, ImportError> {
    let published_at = when(&post.published_at);
    let status = match (post.status.as_str(), published_at) {
        ("published" | "sent", Some(at)) => ImportedStatus::Published(at),
        ("published" | "sent", None) => {
            return Ok(Err(Refusal::Fail("published, but its date (published_at) cannot be read".into())));
        }
        ("scheduled", Some(at)) => ImportedStatus::Scheduled(at),
        ("draft" | "scheduled", _) => ImportedStatus::Draft,
        ("", _) => return Ok(Err(Refusal::Skip("it has no status".into()))),
        (other, _) => return Ok(Err(Refusal::Skip(format!("status {other:?} is not one Dateline imports")))),
    };
    if post.id.is_empty() {
        return Ok(Err(Refusal::Fail("it has no id".into())));
    }
    // Ghost's titles are plain text, not HTML.
    let headline = dateline_core::text::cut_at_word(
        &dateline_core::html::collapse_whitespace(&post.title),
        MAX_HEADLINE,
    );
    if headline.is_empty() {
        return Ok(Err(Refusal::Fail("it has no title".into())));
    }
    let site = export.site.as_str();
    // The body: HTML, else the plain text as paragraphs.
    let html = if !post.html.trim().is_empty() {
        post.html.replace(GHOST_URL, site)
    } else if !post.plaintext.trim().is_empty() {
        paragraphs(&post.plaintext)
    } else if written(&post.lexical) || written(&post.mobiledoc) {
        return Ok(Err(Refusal::Fail(
            "its words are only in Ghost's editor format (lexical or mobiledoc), with no HTML".into(),
        )));
    } else {
        String::new()
    };
    // Section, tags, authors.
    let tag_ids = export.post_tags.get(&post.id).map(Vec::as_slice).unwrap_or_default();
    let tags_of_post: Vec<&Tag> = tag_ids.iter().filter_map(|id| export.tags.get(id)).collect();
    let mut public = tags_of_post.iter().filter(|t| !t.internal());
    let section = match public.next() {
        Some(primary) => names.section(&primary.slug, &primary.name, report).await?,
        None => names.section("news", "News", report).await?,
    };
    let mut tags = Vec::new();
    for tag in public {
        if let Some(id) = names.tag(&tag.slug, &tag.name, report).await?
            && !tags.contains(&id)
        {
            tags.push(id);
        }
    }
    let author_ids: Vec<&str> = match export.post_authors.get(&post.id) {
        Some(ids) if !ids.is_empty() => ids.iter().map(String::as_str).collect(),
        _ if !post.author_id.is_empty() => vec![post.author_id.as_str()],
        _ => Vec::new(),
    };
    let mut authors = Vec::new();
    let mut bylines: Vec<(&str, &str)> = Vec::new();
    for id in &author_ids {
        let Some(user) = export.users.get(*id) else { continue };
        let name = if user.name.trim().is_empty() { user.slug.as_str() } else { user.name.as_str() };
        bylines.push((id, name));
        if let Some(author) = names.author(name, report).await?
            && !authors.contains(&author)
        {
            authors.push(author);
        }
    }
    // The body sanitised, its pictures and the feature picture.
    let base = (!site.is_empty()).then_some(site);
    let mut body = dateline_core::html::sanitize_with_base(&html, base);
    let meta = export.meta.get(&post.id);
    let pick = |from_meta: Option<&String>, from_post: &String| {
        from_meta.filter(|s| !s.trim().is_empty()).unwrap_or(from_post).trim().to_owned()
    };
    let alt = pick(meta.map(|m| &m.feature_image_alt), &post.feature_image_alt);
    let caption = dateline_core::html::to_text(&pick(
        meta.map(|m| &m.feature_image_caption),
        &post.feature_image_caption,
    ));
    let feature_url = post.feature_image.trim().replace(GHOST_URL, site);
    let mut image = None;
    if !feature_url.is_empty() {
        let mut picture = StoryImage {
            url: feature_url.clone(),
            alt: alt.clone(),
            caption: caption.clone(),
            credit: String::new(),
            width: None,
            height: None,
            focal: None,
        };
        let mut usable = feature_url.starts_with("https://") || feature_url.starts_with("http://");
        let mut noted = false;
        if !dry_run && !taker.skips() {
            let text = MediaText { alt: alt.clone(), caption: caption.clone(), ..MediaText::default() };
            match taker.take(&feature_url, &text).await {
                Ok(media) => {
                    report.pictures_taken += 1;
                    picture =
                        StoryImage { alt: alt.clone(), caption: caption.clone(), ..media.story_image() };
                    usable = true;
                }
                Err(reason) => {
                    report.pictures_missing.push(Note {
                        id: post.id.clone(),
                        title: feature_url.clone(),
                        reason,
                    });
                    noted = true;
                }
            }
        }
        if usable {
            image = Some(picture);
        } else if !noted && !dry_run {
            report.pictures_missing.push(Note {
                id: post.id.clone(),
                title: feature_url.clone(),
                reason: "a relative address, and the export does not give the site's (the url setting)"
                    .into(),
            });
        }
    }
    if !dry_run && !taker.skips() {
        body = inline_pictures(&body, &post.id, taker, report).await;
    }
    let standfirst = if post.custom_excerpt.trim().is_empty() { &post.excerpt } else { &post.custom_excerpt };
    let slug = slug_of(&post.slug, "").filter(|_| !post.slug.is_empty());
    let draft = StoryDraft {
        headline,
        standfirst: standfirst.trim().to_owned(),
        body,
        dateline_place: String::new(),
        credit: String::new(),
        section,
        source: None,
        tags,
        authors,
        language: language.to_owned(),
        slug,
        image,
        prominence: Prominence::Normal,
        translation_of: None,
        embargo_until: None,
    };
    let draft = match valid(draft) {
        Ok(draft) => draft,
        Err(refusal) => return Ok(Err(refusal)),
    };
    let old_paths: Vec<String> =
        if post.slug.trim().is_empty() { Vec::new() } else { vec![format!("/{}/", post.slug.trim())] };
    if matches!(status, ImportedStatus::Published(_)) {
        report.redirects += old_paths
            .iter()
            .filter(|p| dateline_core::import::redirect_path(p).is_some_and(|p| p != "/"))
            .count() as u64;
    }
    let fingerprint =
        fingerprint(post, published_at, (&feature_url, &alt, &caption), &tags_of_post, &bylines);
    Ok(Ok(ImportedStory {
        external_id: post.id.clone(),
        fingerprint,
        draft,
        status,
        created_at: when(&post.created_at).or(published_at).unwrap_or_else(Timestamp::now),
        old_paths,
    }))
}

/// A time as Ghost writes it: ISO 8601 (`2024-03-14T09:30:00.000Z`, or without a zone,
/// in UTC) or milliseconds since 1970, as a number or a string.
fn when(value: &Value) -> Option<Timestamp> {
    let millis = |ms: i64| Timestamp::from_millisecond(ms).ok();
    match value {
        Value::Number(n) => n.as_i64().or_else(|| n.as_f64().map(|f| f as i64)).and_then(millis),
        Value::String(s) => {
            let s = s.trim();
            if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) {
                return s.parse().ok().and_then(millis);
            }
            s.parse::<Timestamp>().ok().or_else(|| {
                let civil = s.parse::<jiff::civil::DateTime>().ok()?;
                jiff::tz::TimeZone::UTC.to_timestamp(civil).ok()
            })
        }
        _ => None,
    }
}

/// Plain text as HTML paragraphs (blank lines between them, line breaks kept).
fn paragraphs(text: &str) -> String {
    let escape = |s: &str| s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;");
    text.replace("\r\n", "\n")
        .split("\n\n")
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| format!("<p>{}</p>", escape(p).replace('\n', "<br>")))
        .collect::<Vec<_>>()
        .join("\n\n")
}

/// Whether a lexical or mobiledoc document (a JSON string, or already parsed) has words or
/// cards in it: what would be lost if a post without HTML were imported empty.
fn written(editor: &Value) -> bool {
    fn walk(v: &Value) -> bool {
        match v {
            Value::Object(map) => map.iter().any(|(key, v)| match (key.as_str(), v) {
                // Lexical's text and pictures.
                ("text" | "src", Value::String(s)) => !s.trim().is_empty(),
                // Mobiledoc's cards (pictures, embeds, HTML).
                ("cards", Value::Array(cards)) => !cards.is_empty(),
                _ => walk(v),
            }),
            // A mobiledoc marker: `[type, markups, closed, "text"]`.
            Value::Array(items) => {
                (items.len() == 4
                    && items[0].is_number()
                    && items[1].is_array()
                    && items[3].as_str().is_some_and(|s| !s.trim().is_empty()))
                    || items.iter().any(walk)
            }
            _ => false,
        }
    }
    match editor {
        Value::String(s) if s.trim().is_empty() => false,
        Value::String(s) => serde_json::from_str::<Value>(s).map_or(true, |doc| walk(&doc)),
        other => walk(other),
    }
}

/// Everything the import takes from a post, digested: a different digest on a later run
/// means the post changed.
fn fingerprint(
    post: &Post,
    published_at: Option<Timestamp>,
    (feature, alt, caption): (&str, &str, &str),
    tags: &[&Tag],
    authors: &[(&str, &str)],
) -> String {
    let mut hash = Sha256::new();
    for part in [
        &post.title,
        &post.slug,
        &post.html,
        &post.plaintext,
        &post.custom_excerpt,
        &post.excerpt,
        &post.status,
    ] {
        hash.update(part.as_bytes());
        hash.update([0]);
    }
    for part in [feature, alt, caption] {
        hash.update(part.as_bytes());
        hash.update([0]);
    }
    hash.update(published_at.map(|d| d.as_second()).unwrap_or_default().to_le_bytes());
    for tag in tags {
        hash.update(format!("tag\0{}\0{}\0{}\0", tag.id, tag.slug, tag.name).as_bytes());
    }
    for (id, name) in authors {
        hash.update(format!("author\0{id}\0{name}\0").as_bytes());
    }
    hex::encode(hash.finalize())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_read_as_ghost_writes_them() {
        let at = |v: Value| when(&v).map(|t| t.to_string());
        assert_eq!(at(Value::from("2024-03-14T09:30:00.000Z")).as_deref(), Some("2024-03-14T09:30:00Z"));
        assert_eq!(at(Value::from("2024-03-14 09:30:00")).as_deref(), Some("2024-03-14T09:30:00Z"));
        assert_eq!(at(Value::from(1_710_408_600_000_i64)).as_deref(), Some("2024-03-14T09:30:00Z"));
        assert_eq!(at(Value::from("1710408600000")).as_deref(), Some("2024-03-14T09:30:00Z"));
        assert_eq!(at(Value::Null), None);
        assert_eq!(at(Value::from("yesterday")), None);
    }

    #[test]
    fn plain_text_becomes_escaped_paragraphs() {
        assert_eq!(
            paragraphs("One & <two>\nthree\r\n\r\nFour"),
            "<p>One &amp; &lt;two&gt;<br>three</p>\n\n<p>Four</p>"
        );
    }

    #[test]
    fn editor_documents_with_words_are_noticed() {
        let lexical =
            r#"{"root":{"children":[{"children":[{"type":"text","text":"Hello"}],"type":"paragraph"}]}}"#;
        let empty_lexical = r#"{"root":{"children":[{"children":[],"type":"paragraph"}],"type":"root"}}"#;
        let mobiledoc = r#"{"version":"0.3.1","atoms":[],"cards":[],"markups":[],"sections":[[1,"p",[[0,[],0,"Hello"]]]]}"#;
        let empty_mobiledoc =
            r#"{"version":"0.3.1","atoms":[],"cards":[],"markups":[],"sections":[[1,"p",[]]]}"#;
        assert!(written(&Value::from(lexical)) && written(&Value::from(mobiledoc)));
        assert!(!written(&Value::from(empty_lexical)) && !written(&Value::from(empty_mobiledoc)));
        assert!(!written(&Value::Null) && !written(&Value::from("")));
    }

    #[test]
    fn links_follow_sort_order_then_file_order() {
        let link =
            |post: &str, id: &str, sort_order| Link { post_id: post.into(), linked: id.into(), sort_order };
        let by_post =
            links(vec![link("p", "b", 1.0), link("p", "a", 0.0), link("p", "c", 1.0), link("q", "a", 0.0)]);
        assert_eq!(by_post["p"], ["a", "b", "c"]);
        assert_eq!(by_post["q"], ["a"]);
    }
}
