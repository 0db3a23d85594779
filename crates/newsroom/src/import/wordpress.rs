//! A WordPress export (WXR) brought in. The file is read twice, one entry at a time, so
//! its size does not matter: first for what posts refer to (authors' display names,
//! categories, attachments) and to check it whole — a file cut short is refused before
//! anything is written — then for the posts themselves, written in batches.
//!
//! How a post maps: `publish` is published at its original date; `draft`, `pending` and
//! `private` are drafts; `future` is scheduled; `trash` and automatic drafts are skipped.
//! The first category is the section (made when missing), other categories and the tags
//! are tags, the excerpt is the standfirst, `dc:creator` (or Co-Authors Plus's terms) the
//! byline in order; the content becomes the body (`dateline_ingest::wp_content`), then is
//! sanitised. The featured image (`_thumbnail_id`) and inline pictures join the media
//! library. The post's address (`<link>`'s path) and `/?p=ID` answer 301 to its story once
//! it is published. Pages are not imported (counted in the report, as are attachments,
//! menu items and comments): a news site's pages are few and are rebuilt by hand.

use super::body::inline_pictures;
use super::pictures::Taker;
use super::taxonomy::{Names, slug_of};
use super::{Batch, ImportError, OnProgress, Options, Progress, Refusal, Report, allowed, valid};
use dateline_core::import::{ImportedStatus, ImportedStory};
use dateline_core::rights::Actor;
use dateline_core::{MediaText, Prominence, StoryDraft, StoryImage};
use dateline_ingest::wxr::{WxrEntry, WxrItem, WxrReader};
use dateline_store::Store;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::path::Path;

/// What the posts refer to, gathered in the first reading.
#[derive(Default)]
struct Catalogue {
    site: String,
    authors: HashMap<String, String>,
    /// Category slug to name.
    categories: HashMap<String, String>,
    attachments: HashMap<String, Attachment>,
    /// Attachment ids by the post they are attached to.
    attached: HashMap<String, Vec<String>>,
}

struct Attachment {
    url: String,
    alt: String,
    caption: String,
}

/// A post's gallery, from the catalogue.
struct PostGallery<'a> {
    catalogue: &'a Catalogue,
    post: &'a str,
}

impl dateline_ingest::wp_content::Gallery for PostGallery<'_> {
    fn attachment(&self, id: &str) -> Option<String> {
        self.catalogue.attachments.get(id).map(|a| a.url.clone())
    }
    fn attached(&self) -> Vec<String> {
        let ids = self.catalogue.attached.get(self.post).map(Vec::as_slice).unwrap_or_default();
        ids.iter().filter_map(|id| self.attachment(id)).collect()
    }
}

/// Imports the WordPress export at `file`.
///
/// # Errors
/// [`ImportError::Unreadable`] when the file is not a WordPress export, is broken or cut
/// short (found before anything is written); [`ImportError::Forbidden`]. A failure part-way
/// (the database) is not an error: the report's `stopped` says why, and what came in.
pub async fn import(
    store: &dyn Store,
    actor: &Actor,
    file: &Path,
    options: &Options,
    progress: OnProgress,
) -> Result<Report, ImportError> {
    allowed(actor)?;
    let started = std::time::Instant::now();
    let mut report = Report::new("wordpress", options.dry_run);
    let total = std::fs::metadata(file)?.len();
    let catalogue = {
        let file = file.to_owned();
        let progress = progress.clone();
        tokio::task::spawn_blocking(move || catalogue(&file, total, &progress))
            .await
            .map_err(|e| ImportError::Unreadable(format!("reading stopped: {e}")))??
    };
    report.origin = catalogue.site.clone();
    let result = posts(store, actor, file, total, options, &catalogue, &mut report, &progress).await;
    report.seconds = started.elapsed().as_secs_f64();
    // Stopped part-way (the database failed): what came in is in the report, which says why.
    if let Err(e) = result {
        report.stopped = Some(e.to_string());
    }
    Ok(report)
}

fn open(file: &Path) -> Result<WxrReader<std::io::BufReader<std::fs::File>>, ImportError> {
    Ok(WxrReader::new(std::io::BufReader::with_capacity(256 * 1024, std::fs::File::open(file)?)))
}

fn unreadable(e: dateline_ingest::IngestError) -> ImportError {
    ImportError::Unreadable(format!("the file cannot be imported: {e}"))
}

/// The first reading: the whole file checked, what posts refer to kept.
fn catalogue(file: &Path, total: u64, progress: &OnProgress) -> Result<Catalogue, ImportError> {
    let mut reader = open(file)?;
    let mut catalogue = Catalogue::default();
    let mut n = 0u64;
    while let Some(entry) = reader.next_entry().map_err(unreadable)? {
        match entry {
            WxrEntry::Site { link, .. } => catalogue.site = link,
            WxrEntry::Author(a) => {
                let name = if a.display_name.is_empty() { a.login.clone() } else { a.display_name };
                catalogue.authors.insert(a.login, name);
            }
            WxrEntry::Term(t) if t.taxonomy == "category" => {
                catalogue.categories.insert(t.slug, t.name);
            }
            WxrEntry::Item(item) if item.post_type == "attachment" => {
                if let Some(url) = item.attachment_url.clone() {
                    let parent = item.meta("_wp_attachment_parent").unwrap_or("").to_owned();
                    let alt = item.meta("_wp_attachment_image_alt").unwrap_or("").to_owned();
                    let caption = dateline_core::html::to_text(&item.excerpt);
                    if !parent.is_empty() {
                        catalogue.attached.entry(parent).or_default().push(item.id.clone());
                    }
                    catalogue.attachments.insert(item.id.clone(), Attachment { url, alt, caption });
                }
            }
            _ => {}
        }
        n += 1;
        if n.is_multiple_of(1000) {
            progress(Progress { read: reader.position() / 2, total, posts: 0 });
        }
    }
    Ok(catalogue)
}

/// The second reading: posts mapped and written in batches. The file is read on a blocking
/// thread and handed over through a short queue, so memory holds a few posts at a time.
#[allow(clippy::too_many_arguments)]
async fn posts(
    store: &dyn Store,
    actor: &Actor,
    file: &Path,
    total: u64,
    options: &Options,
    catalogue: &Catalogue,
    report: &mut Report,
    progress: &OnProgress,
) -> Result<(), ImportError> {
    let (send, mut receive) = tokio::sync::mpsc::channel::<Result<(WxrEntry, u64), ImportError>>(32);
    let path = file.to_owned();
    let reading = tokio::task::spawn_blocking(move || {
        let mut reader = match open(&path) {
            Ok(r) => r,
            Err(e) => return drop(send.blocking_send(Err(e))),
        };
        loop {
            let next = reader.next_entry().map_err(unreadable).map(|e| e.map(|e| (e, reader.position())));
            let stop = !matches!(next, Ok(Some(_)));
            let sent = match next {
                Ok(Some(entry)) => send.blocking_send(Ok(entry)),
                Ok(None) => Ok(()),
                Err(e) => send.blocking_send(Err(e)),
            };
            if stop || sent.is_err() {
                return;
            }
        }
    });
    let language = store.settings().await?.language;
    let mut names = Names::load(store, options.dry_run).await?;
    let mut taker = Taker::new(store, &options.pictures, options.media.clone());
    let mut batch = Batch {
        store,
        origin: format!("wordpress:{}", catalogue.site),
        actor,
        dry_run: options.dry_run,
        posts: Vec::new(),
        bytes: 0,
    };
    let mut handled = 0u64;
    while let Some(next) = receive.recv().await {
        let (entry, read) = next?;
        match entry {
            WxrEntry::Item(item) => {
                report.count("comments", item.comments as u64);
                match item.post_type.as_str() {
                    "post" => {
                        handled += 1;
                        let title = item.title.clone();
                        match map(
                            &item,
                            catalogue,
                            &language,
                            &mut names,
                            &mut taker,
                            options.dry_run,
                            report,
                        )
                        .await?
                        {
                            Ok(story) => batch.push(story, title, report).await?,
                            Err(Refusal::Skip(reason)) => report.skip(&item.id, &title, &reason),
                            Err(Refusal::Fail(reason)) => report.fail(&item.id, &title, &reason),
                        }
                        if handled.is_multiple_of(100) {
                            progress(Progress { read: total / 2 + read / 2, total, posts: handled });
                        }
                    }
                    "page" => report.count("pages", 1),
                    "attachment" => report.count("attachments", 1),
                    "nav_menu_item" => report.count("menu items", 1),
                    other => report.count(&format!("{other} entries"), 1),
                }
            }
            WxrEntry::TooLarge { name, bytes } => {
                report.fail(
                    "?",
                    &format!("<{name}>"),
                    &format!("an entry of over {bytes} bytes, too large to import"),
                );
            }
            _ => {}
        }
    }
    reading.await.map_err(|e| ImportError::Unreadable(format!("reading stopped: {e}")))?;
    batch.flush(report).await?;
    progress(Progress { read: total, total, posts: handled });
    Ok(())
}

/// Headlines are cut to this many characters.
const MAX_HEADLINE: usize = dateline_core::MAX_HEADLINE_CHARS;

async fn map(
    item: &WxrItem,
    catalogue: &Catalogue,
    language: &str,
    names: &mut Names<'_>,
    taker: &mut Taker<'_>,
    dry_run: bool,
    report: &mut Report,
) -> Result<Result<ImportedStory, Refusal>, ImportError> {
    let now = jiff::Timestamp::now();
    let status = match (item.status.as_str(), item.date) {
        ("publish", Some(at)) => ImportedStatus::Published(at),
        ("publish", None) => return Ok(Err(Refusal::Fail("published, but its date cannot be read".into()))),
        ("future", Some(at)) => ImportedStatus::Scheduled(at),
        ("draft" | "pending" | "private" | "future", _) => ImportedStatus::Draft,
        ("trash", _) => return Ok(Err(Refusal::Skip("in the trash".into()))),
        ("auto-draft", _) => return Ok(Err(Refusal::Skip("an automatic draft".into()))),
        (other, _) => return Ok(Err(Refusal::Skip(format!("status {other:?} is not one Dateline imports")))),
    };
    if item.id.is_empty() {
        return Ok(Err(Refusal::Fail("it has no wp:post_id".into())));
    }
    let headline = dateline_core::text::cut_at_word(&dateline_core::html::to_text(&item.title), MAX_HEADLINE);
    if headline.is_empty() {
        return Ok(Err(Refusal::Fail("it has no title".into())));
    }
    // Sections, tags, authors.
    let mut categories = item.terms.iter().filter(|(taxonomy, _, _)| taxonomy == "category");
    let section = match categories.next() {
        Some((_, slug, name)) => {
            let name = catalogue.categories.get(slug).map_or(name.as_str(), String::as_str);
            names.section(slug, name, report).await?
        }
        None => names.section("news", "News", report).await?,
    };
    let mut tags = Vec::new();
    for (taxonomy, slug, name) in categories.chain(item.terms.iter().filter(|(t, _, _)| t == "post_tag")) {
        if taxonomy == "category" || taxonomy == "post_tag" {
            tags.extend(names.tag(slug, name, report).await?);
        }
    }
    let mut authors = Vec::new();
    for login in &item.creators {
        let name = catalogue.authors.get(login).map_or(login.as_str(), String::as_str);
        authors.extend(names.author(name, report).await?);
    }
    // The body, its pictures, the featured picture.
    let gallery = PostGallery { catalogue, post: &item.id };
    let content = dateline_ingest::wp_content::to_html(&item.content, &gallery);
    for (name, n) in &content.converted {
        *report.shortcodes_converted.entry(name.clone()).or_default() += u64::from(*n);
    }
    for (name, n) in &content.dropped {
        *report.shortcodes_dropped.entry(name.clone()).or_default() += u64::from(*n);
    }
    let base = (!catalogue.site.is_empty()).then_some(catalogue.site.as_str());
    let mut body = dateline_core::html::sanitize_with_base(&content.html, base);
    let featured = item.meta("_thumbnail_id").and_then(|id| catalogue.attachments.get(id));
    let mut image = featured.map(|a| StoryImage {
        url: a.url.clone(),
        alt: a.alt.clone(),
        caption: a.caption.clone(),
        credit: String::new(),
        width: None,
        height: None,
        focal: None,
    });
    if !dry_run && !taker.skips() {
        if let Some(picture) = &mut image {
            let text = MediaText {
                alt: picture.alt.clone(),
                caption: picture.caption.clone(),
                ..MediaText::default()
            };
            match taker.take(&picture.url, &text).await {
                Ok(media) => {
                    report.pictures_taken += 1;
                    *picture = StoryImage {
                        alt: picture.alt.clone(),
                        caption: picture.caption.clone(),
                        ..media.story_image()
                    };
                }
                Err(reason) => report.pictures_missing.push(super::Note {
                    id: item.id.clone(),
                    title: picture.url.clone(),
                    reason,
                }),
            }
        }
        body = inline_pictures(&body, &item.id, taker, report).await;
    }
    let slug = slug_of(&item.slug, "").filter(|_| !item.slug.is_empty());
    let draft = StoryDraft {
        headline,
        standfirst: dateline_core::html::to_text(&item.excerpt),
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
    let mut old_paths = vec![format!("/?p={}", item.id)];
    if let Ok(link) = url::Url::parse(&item.link) {
        let mut path = link.path().to_owned();
        if let Some(query) = link.query() {
            path = format!("{path}?{query}");
        }
        old_paths.push(path);
    }
    if matches!(status, ImportedStatus::Published(_)) {
        report.redirects += old_paths
            .iter()
            .filter(|p| dateline_core::import::redirect_path(p).is_some_and(|p| p != "/"))
            .count() as u64;
    }
    Ok(Ok(ImportedStory {
        external_id: item.id.clone(),
        fingerprint: fingerprint(item),
        draft,
        status,
        created_at: item.date.unwrap_or(now),
        old_paths,
    }))
}

/// Everything the import takes from a post, digested: a different digest on a later run
/// means the post changed.
fn fingerprint(item: &WxrItem) -> String {
    let mut hash = Sha256::new();
    for part in [&item.title, &item.slug, &item.status, &item.content, &item.excerpt, &item.link] {
        hash.update(part.as_bytes());
        hash.update([0]);
    }
    hash.update(item.date.map(|d| d.as_second()).unwrap_or_default().to_le_bytes());
    for (taxonomy, slug, name) in &item.terms {
        hash.update(format!("{taxonomy}\0{slug}\0{name}\0").as_bytes());
    }
    for login in &item.creators {
        hash.update(format!("{login}\0").as_bytes());
    }
    hash.update(item.meta("_thumbnail_id").unwrap_or("").as_bytes());
    hex::encode(hash.finalize())
}
