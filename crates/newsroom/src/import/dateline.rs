//! A Dateline site in open formats and back: [`export`] writes everything the newsroom owns
//! to a folder or one `.tar.zst` file while the site keeps serving, and [`import`] brings
//! such an export into another Dateline (an empty site gets the same public pages at the
//! same addresses).
//!
//! # The export
//!
//! A folder, or the same files in this order inside a `.tar.zst`:
//!
//! | file | what |
//! |---|---|
//! | `manifest.json` | `format` (`dateline-export`), `format_version`, the database `schema`, the `dateline` version, when it was `created`, the `site`, `counts`, and the `ninjs` version and extension namespace |
//! | `settings.json` | the site settings (name, address, language, time zone, menu, house style, logo) |
//! | `sections.json`, `tags.json`, `authors.json` | arrays, each entry with its `id` and `slug` |
//! | `sources.json` | the agencies with their credit and their wire settings (`wire`; never a push token) |
//! | `media.jsonl` | one picture of the library a line: its words (alt text, caption, credit, focal point), origin, hash, format, size, and `file` |
//! | `media/{hash}.{ext}` | each picture's original as stored |
//! | `stories.jsonl` | one story a line, every status, oldest id first (below) |
//! | `redirects.json` | old addresses: `{"kind": "slug" or "path", "from", "story"}` |
//!
//! Each line of `stories.jsonl` is an IPTC ninjs 2.0 document (`uri`, `type`, `version`,
//! `firstcreated`, `versioncreated`, `contentcreated`, `pubstatus` — `usable` when
//! published, `canceled` when killed, `withheld` otherwise —, `headlines`, `descriptions`,
//! `bodies` with the HTML, `subjects`, `people`, `places`, `organisations`, `by`,
//! `located`, `infosources`, `associations`, `language`) with one more member, `dateline`:
//! Dateline's own fields in the extension namespace [`NINJS_EXTENSION`] (named in the
//! manifest): `id`, `slug`, `status`, the `section`, `source`, `tags` (with their kinds)
//! and `authors` (in byline order) by slug and name, the Markdown `body_source`,
//! `standfirst`, `dateline_place`, `credit`, `prominence`, the `image` with its alt text,
//! caption, credit and focal point, every time (`created_at`, `modified_at`,
//! `first_published_at`, `published_at`, `updated_at`, `scheduled_at`), `embargo_until`, `version`,
//! `translation_of` and the `corrections`. The ninjs 2.0 schema allows no extra member, so
//! a strict validator needs `dateline` removed first.
//!
//! **Not exported**: accounts, password hashes, sessions, API tokens, push tokens, webhooks
//! and their secrets, the wire desk's items and the sign-in log: an export is meant to be
//! handed around, and a moved site makes its accounts and tokens anew. Revisions and the
//! story history are not exported either (each story comes with its current state).
//!
//! Stories are read from the store a page of [`PAGE`] at a time and written as they come,
//! so an export holds a few hundred stories in memory whatever the site's size. The export
//! is written beside its target and renamed when complete: it appears whole or not at all.
//!
//! # The import
//!
//! The export is read twice, an entry at a time: first checked whole (a manifest from a
//! newer Dateline, a file cut short, a folder without a manifest or a line that is not JSON
//! is refused before anything is written), then brought in: the settings, the sections,
//! tags, authors and sources by slug (made when missing, kept when present), the pictures
//! (through [`crate::media::take_in_as`], so their variants are made, with their words and
//! under their own hash, so their addresses stay), the stories through
//! `Store::import_stories` (origin `dateline:<base URL>`, the exported id as the external
//! id, the same slug), each then given its status, times and corrections
//! (`Store::restore_imported_story`), and last the old addresses. Running it again changes
//! nothing; a story changed on the old site since gets a new revision and the old site's
//! state (one killed here stays killed). Sources' wire settings are not applied (the old
//! site may still be polling the same feeds): they are counted in the report.

use super::{ImportError, Note, OnProgress, Options, Progress, Report, allowed};
use crate::media::{Pictures, TakeError};
use dateline_core::import::{ImportOutcome, ImportedStatus, ImportedStory};
use dateline_core::rights::Actor;
use dateline_core::{
    AdminStoryFilter, AuthorId, Correction, Media, MediaText, NewAuthor, NewSection, NewSource, NewTag,
    PageRequest, Prominence, SectionId, SiteSettings, Slug, SourceId, Story, StoryDraft, StoryId, StoryImage,
    StoryStatus, TagId, TagKind,
};
use dateline_media::{ImageFormat, MediaError};
use dateline_store::{Store, StoreError};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::collections::{HashMap, HashSet};
use std::io::{BufRead, BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

/// What a manifest's `format` says.
pub const FORMAT: &str = "dateline-export";
/// The layout of the export; a newer one is refused.
pub const FORMAT_VERSION: u32 = 1;
/// The namespace of the `dateline` member of each ninjs story.
pub const NINJS_EXTENSION: &str = "https://dateline.example/ninjs-ext/1";
const NINJS_SCHEMA: &str = "http://www.iptc.org/std/ninjs/ninjs-schema_2.0.json";

/// Stories (and pictures) read from the store at a time; also stories written per
/// transaction on import.
const PAGE: u32 = 500;

const MANIFEST: &str = "manifest.json";
const SETTINGS: &str = "settings.json";
const SECTIONS: &str = "sections.json";
const TAGS: &str = "tags.json";
const AUTHORS: &str = "authors.json";
const SOURCES: &str = "sources.json";
const MEDIA_WORDS: &str = "media.jsonl";
const MEDIA_DIR: &str = "media";
const STORIES: &str = "stories.jsonl";
const REDIRECTS: &str = "redirects.json";
/// The files every export has, in the order they are written into an archive (pictures
/// go between `media.jsonl` and `stories.jsonl`).
const FILES: [&str; 10] =
    [MANIFEST, SETTINGS, SECTIONS, TAGS, AUTHORS, SOURCES, MEDIA_WORDS, MEDIA_DIR, STORIES, REDIRECTS];
/// Marks a folder an export is being written into, so a stopped one is recognised.
const PARTIAL_MARK: &str = ".dateline-export-partial";

/// Largest manifest, and largest other JSON file, read.
const MAX_MANIFEST: u64 = 1 << 20;
const MAX_JSON: u64 = 256 << 20;
/// Longest line of `stories.jsonl` or `media.jsonl`.
const MAX_LINE: u64 = 32 << 20;

// ---------------------------------------------------------------------------------------
// The format
// ---------------------------------------------------------------------------------------

/// `manifest.json`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Manifest {
    pub format: String,
    #[serde(default = "first_format")]
    pub format_version: u32,
    /// The database schema of the Dateline that made it (`dateline_store::SCHEMA_VERSION`).
    pub schema: i64,
    /// The version of Dateline that made it.
    #[serde(default)]
    pub dateline: String,
    /// When it was made, RFC 3339.
    #[serde(default)]
    pub created: String,
    #[serde(default)]
    pub site: SiteRef,
    #[serde(default)]
    pub counts: Counts,
    #[serde(default)]
    pub ninjs: NinjsInfo,
    /// What an export never holds.
    #[serde(default)]
    pub not_exported: Vec<String>,
}

fn first_format() -> u32 {
    1
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct SiteRef {
    pub name: String,
    pub base_url: String,
}

/// How many of each thing the export holds.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(default)]
pub struct Counts {
    pub stories: u64,
    pub sections: u64,
    pub tags: u64,
    pub authors: u64,
    pub sources: u64,
    pub redirects: u64,
    /// Pictures in the library (lines of `media.jsonl`).
    pub media: u64,
    /// Of those, the ones whose original is in the export.
    pub media_files: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct NinjsInfo {
    pub version: String,
    pub schema: String,
    /// The member of each story holding Dateline's own fields.
    pub extension_member: String,
    pub extension_namespace: String,
}

impl Default for NinjsInfo {
    fn default() -> Self {
        Self {
            version: "2.0".into(),
            schema: NINJS_SCHEMA.into(),
            extension_member: "dateline".into(),
            extension_namespace: NINJS_EXTENSION.into(),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct SectionRecord {
    id: i64,
    slug: String,
    name: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    language: Option<String>,
    #[serde(default)]
    position: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct TagRecord {
    id: i64,
    slug: String,
    name: String,
    kind: TagKind,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct AuthorRecord {
    id: i64,
    slug: String,
    name: String,
    #[serde(default)]
    bio: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct SourceRecord {
    id: i64,
    slug: String,
    name: String,
    credit: String,
    /// How its copy arrives; `None` when typed in by hand.
    #[serde(default)]
    wire: Option<WireRecord>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct WireRecord {
    kind: String,
    location: Option<String>,
    /// The slug of the section its stories go to.
    section: Option<String>,
    byline: String,
    language: Option<String>,
    auto_publish: bool,
    poll_seconds: i64,
    /// Whether it had a push token (a new one must be made: tokens are not exported).
    had_push_token: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct MediaRecord {
    id: i64,
    /// The library's name for the picture (the SHA-256 of the file first uploaded): its
    /// addresses are `/media/{hash}/...`.
    hash: String,
    format: String,
    width: u32,
    height: u32,
    bytes: u64,
    alt: String,
    caption: String,
    credit: String,
    focal_x: u8,
    focal_y: u8,
    origin: String,
    created_at: Timestamp,
    /// `media/{hash}.{format}`, or `None` when the original could not be had.
    file: Option<String>,
    /// SHA-256 of that file as written.
    #[serde(default)]
    file_sha256: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct RedirectRecord {
    /// `slug` (an old slug of the story) or `path` (an old address of an imported post).
    kind: String,
    from: String,
    /// The story's id in the export.
    story: i64,
}

/// A section, source, tag or author as a story names it.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct NameRef {
    slug: String,
    name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    kind: Option<TagKind>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    credit: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct ImageRecord {
    url: String,
    #[serde(default)]
    alt: String,
    #[serde(default)]
    caption: String,
    #[serde(default)]
    credit: String,
    #[serde(default)]
    width: Option<u32>,
    #[serde(default)]
    height: Option<u32>,
    #[serde(default)]
    focal: Option<(u8, u8)>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct CorrectionRecord {
    note: String,
    created_at: Timestamp,
}

/// The `dateline` member of a story line.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct StoryExt {
    id: i64,
    slug: String,
    status: StoryStatus,
    section: NameRef,
    #[serde(default)]
    source: Option<NameRef>,
    #[serde(default)]
    tags: Vec<NameRef>,
    #[serde(default)]
    authors: Vec<NameRef>,
    body_source: String,
    #[serde(default)]
    standfirst: String,
    #[serde(default)]
    dateline_place: String,
    #[serde(default)]
    credit: String,
    #[serde(default)]
    prominence: Prominence,
    #[serde(default)]
    image: Option<ImageRecord>,
    created_at: Timestamp,
    modified_at: Timestamp,
    #[serde(default)]
    first_published_at: Option<Timestamp>,
    #[serde(default)]
    published_at: Option<Timestamp>,
    #[serde(default)]
    updated_at: Option<Timestamp>,
    #[serde(default)]
    scheduled_at: Option<Timestamp>,
    /// Not public before this time (an embargo).
    #[serde(default)]
    embargo_until: Option<Timestamp>,
    #[serde(default = "first_version")]
    version: i64,
    #[serde(default)]
    translation_of: Option<i64>,
    #[serde(default)]
    corrections: Vec<CorrectionRecord>,
}

fn first_version() -> i64 {
    1
}

/// What the import reads of a story line: the ninjs headline and language, and the
/// extension.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct StoryLine {
    headline: String,
    language: String,
    dateline: StoryExt,
}

impl StoryLine {
    fn from_ninjs(value: &Value) -> Result<Self, String> {
        let ext = value.get("dateline").ok_or("it has no `dateline` member (not a Dateline story)")?;
        let dateline: StoryExt =
            serde_json::from_value(ext.clone()).map_err(|e| format!("its `dateline` member: {e}"))?;
        let headline = value
            .get("headlines")
            .and_then(Value::as_array)
            .and_then(|list| {
                list.iter()
                    .find(|h| h.get("role").and_then(Value::as_str) == Some("main"))
                    .or_else(|| list.first())
            })
            .and_then(|h| h.get("value"))
            .and_then(Value::as_str)
            .ok_or("it has no headline")?
            .to_owned();
        let language = value.get("language").and_then(Value::as_str).ok_or("it has no language")?.to_owned();
        Ok(Self { headline, language, dateline })
    }
}

// ---------------------------------------------------------------------------------------
// Export
// ---------------------------------------------------------------------------------------

/// Why an export was not written (nothing is left at its target).
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("not allowed")]
    Forbidden,
    /// The target is taken or unusable; the message is for the operator.
    #[error("{0}")]
    Refused(String),
    #[error("the database failed: {0}")]
    Store(#[from] StoreError),
    #[error("the pictures could not be read: {0}")]
    Media(#[from] MediaError),
    #[error("writing the export failed: {0}")]
    Io(#[from] std::io::Error),
}

/// Where export progress goes: (stories written, stories in all).
pub type OnExportProgress<'a> = &'a (dyn Fn(u64, u64) + Send + Sync);

/// Writes everything the newsroom owns (see the module documentation) to `to`: a folder
/// (made; it must not exist or be empty) or, when its name ends in `.tar.zst`, one file
/// (which must not exist). The site keeps serving meanwhile.
///
/// # Errors
/// [`ExportError::Refused`] when `to` is taken; database, storage and I/O failures (nothing
/// is left at `to`).
pub async fn export(
    store: &dyn Store,
    actor: &Actor,
    pictures: &Pictures,
    to: &Path,
    progress: OnExportProgress<'_>,
) -> Result<Manifest, ExportError> {
    if allowed(actor).is_err() {
        return Err(ExportError::Forbidden);
    }
    let name = to.to_string_lossy();
    let archive = name.ends_with(".tar.zst");
    if !archive && [".tar", ".zst", ".gz", ".tgz", ".zip", ".xz"].iter().any(|e| name.ends_with(e)) {
        return Err(ExportError::Refused(format!(
            "{}: an export is a folder or a .tar.zst file; give a folder or FILE.tar.zst",
            to.display()
        )));
    }
    if archive && to.exists() {
        return Err(ExportError::Refused(format!("{} exists already; choose a new file", to.display())));
    }
    if !archive && to.exists() && !is_empty_dir(to) {
        return Err(ExportError::Refused(format!(
            "{} exists and is not an empty folder; choose a new one",
            to.display()
        )));
    }
    let staging = crate::backup::with_suffix(to, if archive { ".partial.d" } else { ".partial" });
    if staging.exists() {
        if staging.join(PARTIAL_MARK).is_file() {
            std::fs::remove_dir_all(&staging)?;
        } else {
            return Err(ExportError::Refused(format!(
                "{} is in the way (the export is written there first); move it",
                staging.display()
            )));
        }
    }
    std::fs::create_dir_all(staging.join(MEDIA_DIR))?;
    std::fs::write(staging.join(PARTIAL_MARK), b"")?;
    let written = write_tree(store, pictures, &staging, progress).await;
    let manifest = match written {
        Ok(manifest) => manifest,
        Err(e) => {
            let _ = std::fs::remove_dir_all(&staging);
            return Err(e);
        }
    };
    std::fs::remove_file(staging.join(PARTIAL_MARK))?;
    if archive {
        let partial = crate::backup::with_suffix(to, ".partial");
        let packed = {
            let (staging, partial) = (staging.clone(), partial.clone());
            tokio::task::spawn_blocking(move || pack(&staging, &partial))
                .await
                .map_err(|e| ExportError::Refused(format!("the export stopped: {e}")))?
        };
        let _ = std::fs::remove_dir_all(&staging);
        if let Err(e) = packed {
            let _ = std::fs::remove_file(&partial);
            return Err(e.into());
        }
        std::fs::rename(&partial, to)?;
    } else {
        if to.exists() {
            std::fs::remove_dir(to)?;
        }
        std::fs::rename(&staging, to)?;
    }
    tracing::info!(%actor, to = %to.display(), stories = manifest.counts.stories, "site exported");
    Ok(manifest)
}

fn is_empty_dir(path: &Path) -> bool {
    std::fs::read_dir(path).is_ok_and(|mut entries| entries.next().is_none())
}

/// Writes every file of the export into `dir`, the manifest last.
async fn write_tree(
    store: &dyn Store,
    pictures: &Pictures,
    dir: &Path,
    progress: OnExportProgress<'_>,
) -> Result<Manifest, ExportError> {
    let settings = store.settings().await?;
    let mut counts = Counts::default();

    let sections: Vec<SectionRecord> = store
        .sections()
        .await?
        .into_iter()
        .map(|s| SectionRecord {
            id: s.id.0,
            slug: s.slug.to_string(),
            name: s.name,
            description: s.description,
            language: s.language,
            position: s.position,
        })
        .collect();
    let section_slugs: HashMap<SectionId, String> =
        sections.iter().map(|s| (SectionId(s.id), s.slug.clone())).collect();
    let tags: Vec<TagRecord> = store
        .tags()
        .await?
        .into_iter()
        .map(|t| TagRecord { id: t.id.0, slug: t.slug.to_string(), name: t.name, kind: t.kind })
        .collect();
    let authors: Vec<AuthorRecord> = store
        .authors()
        .await?
        .into_iter()
        .map(|a| AuthorRecord { id: a.id.0, slug: a.slug.to_string(), name: a.name, bio: a.bio })
        .collect();
    let wire: HashMap<SourceId, dateline_core::WireSource> =
        store.wire_sources().await?.into_iter().map(|w| (w.source.id, w)).collect();
    let sources: Vec<SourceRecord> = store
        .sources()
        .await?
        .into_iter()
        .map(|s| {
            let wire = wire.get(&s.id).filter(|w| w.config.kind != "manual").map(|w| WireRecord {
                kind: w.config.kind.clone(),
                location: w.config.location.clone(),
                section: w.config.section.and_then(|id| section_slugs.get(&id).cloned()),
                byline: w.config.byline.clone(),
                language: w.config.language.clone(),
                auto_publish: w.config.auto_publish,
                poll_seconds: w.poll_seconds,
                had_push_token: w.has_push_token,
            });
            SourceRecord { id: s.id.0, slug: s.slug.to_string(), name: s.name, credit: s.credit, wire }
        })
        .collect();
    (counts.sections, counts.tags, counts.authors, counts.sources) =
        (sections.len() as u64, tags.len() as u64, authors.len() as u64, sources.len() as u64);
    write_json(&dir.join(SETTINGS), &settings)?;
    write_json(&dir.join(SECTIONS), &sections)?;
    write_json(&dir.join(TAGS), &tags)?;
    write_json(&dir.join(AUTHORS), &authors)?;
    write_json(&dir.join(SOURCES), &sources)?;

    write_media(store, pictures, dir, &mut counts).await?;
    write_stories(store, &settings, dir, &mut counts, progress).await?;

    let redirects: Vec<RedirectRecord> = store
        .redirects()
        .await?
        .into_iter()
        .map(|(from, story, is_path)| RedirectRecord {
            kind: if is_path { "path" } else { "slug" }.into(),
            from,
            story: story.0,
        })
        .collect();
    counts.redirects = redirects.len() as u64;
    write_json(&dir.join(REDIRECTS), &redirects)?;

    let manifest = Manifest {
        format: FORMAT.into(),
        format_version: FORMAT_VERSION,
        schema: dateline_store::SCHEMA_VERSION,
        dateline: env!("CARGO_PKG_VERSION").into(),
        created: Timestamp::now().to_string(),
        site: SiteRef { name: settings.name.clone(), base_url: settings.base_url.clone() },
        counts,
        ninjs: NinjsInfo::default(),
        not_exported: [
            "accounts",
            "password hashes",
            "sessions",
            "API tokens",
            "push tokens",
            "webhooks and their secrets",
            "wire desk items",
            "revisions and story history",
        ]
        .map(str::to_owned)
        .to_vec(),
    };
    write_json(&dir.join(MANIFEST), &manifest)?;
    Ok(manifest)
}

fn write_json(path: &Path, value: &impl Serialize) -> Result<(), ExportError> {
    let mut out = BufWriter::new(std::fs::File::create(path)?);
    serde_json::to_writer_pretty(&mut out, value).map_err(std::io::Error::from)?;
    out.write_all(b"\n")?;
    out.into_inner().map_err(|e| e.into_error())?.sync_all()?;
    Ok(())
}

fn write_line(out: &mut impl Write, value: &impl Serialize) -> std::io::Result<()> {
    serde_json::to_writer(&mut *out, value).map_err(std::io::Error::from)?;
    out.write_all(b"\n")
}

/// `media.jsonl` and the originals, a page of the library at a time.
async fn write_media(
    store: &dyn Store,
    pictures: &Pictures,
    dir: &Path,
    counts: &mut Counts,
) -> Result<(), ExportError> {
    let mut out = BufWriter::new(std::fs::File::create(dir.join(MEDIA_WORDS))?);
    let mut seen = HashSet::new();
    let mut offset = 0u64;
    loop {
        let page = store.media_list(PageRequest { offset, limit: PAGE }).await?;
        offset += page.len() as u64;
        let last = page.len() < PAGE as usize;
        for media in page {
            if !seen.insert(media.id) {
                continue;
            }
            let record = write_original(pictures, dir, &media).await?;
            counts.media += 1;
            counts.media_files += u64::from(record.file.is_some());
            write_line(&mut out, &record)?;
        }
        if last {
            break;
        }
    }
    out.into_inner().map_err(|e| e.into_error())?.sync_all()?;
    Ok(())
}

async fn write_original(pictures: &Pictures, dir: &Path, media: &Media) -> Result<MediaRecord, ExportError> {
    let mut record = MediaRecord {
        id: media.id.0,
        hash: media.hash.clone(),
        format: media.format.clone(),
        width: media.width,
        height: media.height,
        bytes: media.bytes,
        alt: media.text.alt.clone(),
        caption: media.text.caption.clone(),
        credit: media.text.credit.clone(),
        focal_x: media.text.focal_x,
        focal_y: media.text.focal_y,
        origin: media.origin.clone(),
        created_at: media.created_at,
        file: None,
        file_sha256: None,
    };
    let safe_hash = media.hash.len() == 64 && media.hash.bytes().all(|b| b.is_ascii_hexdigit());
    let format = ImageFormat::from_extension(&media.format);
    let (true, Some(format)) = (safe_hash, format) else {
        tracing::warn!(hash = %media.hash, format = %media.format, "a library picture with an unusable name is exported without its file");
        return Ok(record);
    };
    let key = dateline_media::variant_key(&media.hash, None, format);
    let Some(bytes) = pictures.storage.get(&key).await? else {
        tracing::warn!(key, "a library picture's original is missing; exported without its file");
        return Ok(record);
    };
    let name = format!("{MEDIA_DIR}/{}.{}", media.hash, format.extension());
    std::fs::write(dir.join(&name), &bytes)?;
    record.file_sha256 = Some(dateline_media::content_hash(&bytes));
    record.file = Some(name);
    Ok(record)
}

/// `stories.jsonl`: every story, oldest id first. The ids are gathered from the newsroom's
/// list a page at a time (last saved first), then once more from its top for stories
/// saved meanwhile (which move there); each story is then read and written on its own.
async fn write_stories(
    store: &dyn Store,
    settings: &SiteSettings,
    dir: &Path,
    counts: &mut Counts,
    progress: OnExportProgress<'_>,
) -> Result<(), ExportError> {
    let started = Timestamp::now();
    let filter = AdminStoryFilter::default();
    let mut ids = std::collections::BTreeSet::new();
    let mut offset = 0u64;
    loop {
        let page = store.admin_stories(&filter, PageRequest { offset, limit: PAGE }).await?;
        offset += page.len() as u64;
        let last = page.len() < PAGE as usize;
        ids.extend(page.into_iter().map(|s| s.id));
        if last {
            break;
        }
    }
    let since = started - jiff::SignedDuration::from_secs(2);
    let mut offset = 0u64;
    loop {
        let page = store.admin_stories(&filter, PageRequest { offset, limit: PAGE }).await?;
        offset += page.len() as u64;
        let done = page.len() < PAGE as usize || page.last().is_none_or(|s| s.modified_at < since);
        ids.extend(page.into_iter().filter(|s| s.modified_at >= since).map(|s| s.id));
        if done {
            break;
        }
    }
    let total = ids.len() as u64;
    let mut out = BufWriter::with_capacity(1 << 20, std::fs::File::create(dir.join(STORIES))?);
    for id in ids {
        let Some(story) = store.story(id).await? else { continue };
        write_line(&mut out, &ninjs_of(&story, settings))?;
        counts.stories += 1;
        if counts.stories.is_multiple_of(u64::from(PAGE)) {
            progress(counts.stories, total);
        }
    }
    out.into_inner().map_err(|e| e.into_error())?.sync_all()?;
    progress(counts.stories, total);
    Ok(())
}

fn name_ref(slug: &Slug, name: &str) -> NameRef {
    NameRef { slug: slug.to_string(), name: name.to_owned(), kind: None, credit: None }
}

/// A story as a ninjs 2.0 document with Dateline's own fields in its `dateline` member.
fn ninjs_of(story: &Story, settings: &SiteSettings) -> Value {
    let base = settings.base_url.trim_end_matches('/');
    let absolute = |path: &str| if path.starts_with('/') { format!("{base}{path}") } else { path.to_owned() };
    let pubstatus = match story.status {
        StoryStatus::Published => "usable",
        StoryStatus::Killed => "canceled",
        _ => "withheld",
    };
    let mut doc = json!({
        "standard": {"name": "ninjs", "version": "2.0", "schema": NINJS_SCHEMA},
        "uri": absolute(&format!("/story/{}", story.slug)),
        "type": "text",
        "representationtype": "full",
        "version": story.version.to_string(),
        "firstcreated": story.created_at.to_string(),
        "versioncreated": story.modified_at.to_string(),
        "contentcreated": story.created_at.to_string(),
        "pubstatus": pubstatus,
        "language": story.language,
        "headlines": [{"role": "main", "value": story.headline}],
        "bodies": [{"role": "main", "contenttype": "text/html", "value": story.body_html}],
        "copyrightholder": settings.name,
        "altids": [{"role": "dateline-id", "value": story.id.to_string()}],
    });
    if let Some(at) = story.scheduled_at.filter(|_| story.status == StoryStatus::Scheduled) {
        doc["embargoed"] = json!(at.to_string());
    }
    if !story.standfirst.is_empty() {
        doc["descriptions"] =
            json!([{"role": "summary", "contenttype": "text/plain", "value": story.standfirst}]);
    }
    let uri = |kind: &str, slug: &Slug| absolute(&format!("/{kind}/{slug}"));
    let mut subjects = vec![json!({
        "name": story.section.name, "rel": "section", "uri": uri("section", &story.section.slug),
    })];
    let mut people: Vec<Value> = story
        .authors
        .iter()
        .map(|a| json!({"name": a.name, "rel": "author", "uri": uri("author", &a.slug)}))
        .collect();
    let mut places = Vec::new();
    if !story.dateline_place.is_empty() {
        doc["located"] = json!(story.dateline_place);
        places.push(json!({"name": story.dateline_place, "rel": "located"}));
    }
    let mut organisations = Vec::new();
    for tag in &story.tags {
        let entry = json!({"name": tag.name, "rel": "subject", "uri": uri("tag", &tag.slug)});
        match tag.kind {
            TagKind::Topic => subjects.push(entry),
            TagKind::Person => people.push(entry),
            TagKind::Place => places.push(entry),
            TagKind::Organisation => organisations.push(entry),
        }
    }
    doc["subjects"] = json!(subjects);
    for (key, list) in [("people", people), ("places", places), ("organisations", organisations)] {
        if !list.is_empty() {
            doc[key] = json!(list);
        }
    }
    if !story.authors.is_empty() {
        doc["by"] = json!(story.authors.iter().map(|a| a.name.as_str()).collect::<Vec<_>>().join(", "));
    }
    if let Some(source) = &story.source {
        doc["infosources"] =
            json!([{"name": source.name, "role": "originating_agency", "uri": uri("source", &source.slug)}]);
    }
    if let Some(image) = &story.image {
        let src = absolute(&image.url);
        let mut rendition = json!({"name": "original", "href": src});
        if let (Some(w), Some(h)) = (image.width, image.height) {
            rendition["width"] = json!(w);
            rendition["height"] = json!(h);
        }
        doc["associations"] = json!([{
            "name": "featureimage",
            "uri": src,
            "type": "picture",
            "headlines": [{"value": image.alt}],
            "descriptions": [{"role": "caption", "value": image.caption}],
            "by": image.credit,
            "renditions": [rendition],
        }]);
    }
    let ext = StoryExt {
        id: story.id.0,
        slug: story.slug.to_string(),
        status: story.status,
        section: name_ref(&story.section.slug, &story.section.name),
        source: story
            .source
            .as_ref()
            .map(|s| NameRef { credit: Some(s.credit.clone()), ..name_ref(&s.slug, &s.name) }),
        tags: story
            .tags
            .iter()
            .map(|t| NameRef { kind: Some(t.kind), ..name_ref(&t.slug, &t.name) })
            .collect(),
        authors: story.authors.iter().map(|a| name_ref(&a.slug, &a.name)).collect(),
        body_source: story.body_source.clone(),
        standfirst: story.standfirst.clone(),
        dateline_place: story.dateline_place.clone(),
        credit: story.credit.clone(),
        prominence: story.prominence,
        image: story.image.as_ref().map(|i| ImageRecord {
            url: i.url.clone(),
            alt: i.alt.clone(),
            caption: i.caption.clone(),
            credit: i.credit.clone(),
            width: i.width,
            height: i.height,
            focal: i.focal,
        }),
        created_at: story.created_at,
        modified_at: story.modified_at,
        first_published_at: story.first_published_at,
        published_at: story.published_at,
        updated_at: story.updated_at,
        scheduled_at: story.scheduled_at,
        embargo_until: story.embargo_until,
        version: story.version,
        translation_of: story.translation_of.map(|t| t.0),
        corrections: story
            .corrections
            .iter()
            .map(|c| CorrectionRecord { note: c.note.clone(), created_at: c.created_at })
            .collect(),
    };
    doc["dateline"] = serde_json::to_value(ext).unwrap_or(Value::Null);
    doc
}

/// Packs the export folder into a `.tar.zst` in the order [`import`] reads it.
fn pack(dir: &Path, to: &Path) -> std::io::Result<()> {
    let file = std::fs::File::create(to)?;
    let encoder = zstd::Encoder::new(BufWriter::new(file), 3)?;
    let mut archive = tar::Builder::new(encoder);
    archive.mode(tar::HeaderMode::Deterministic);
    for name in FILES {
        if name == MEDIA_DIR {
            let mut files: Vec<PathBuf> = std::fs::read_dir(dir.join(MEDIA_DIR))?
                .filter_map(Result::ok)
                .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
                .map(|e| e.path())
                .collect();
            files.sort();
            for path in files {
                let Some(file_name) = path.file_name() else { continue };
                let inside = Path::new(MEDIA_DIR).join(file_name);
                archive.append_path_with_name(&path, inside)?;
            }
        } else {
            archive.append_path_with_name(dir.join(name), name)?;
        }
    }
    let encoder = archive.into_inner()?;
    let mut writer = encoder.finish()?;
    writer.flush()?;
    writer.into_inner().map_err(|e| e.into_error())?.sync_all()
}

// ---------------------------------------------------------------------------------------
// Reading an export (both passes)
// ---------------------------------------------------------------------------------------

/// One thing read from an export, in the order the import needs.
enum Item {
    Manifest(Box<Manifest>),
    Settings(Box<SiteSettings>),
    Sections(Vec<SectionRecord>),
    Tags(Vec<TagRecord>),
    Authors(Vec<AuthorRecord>),
    Sources(Vec<SourceRecord>),
    MediaWords(Box<MediaRecord>),
    /// A picture's file: its bytes (when they were wanted), or why they were not read.
    MediaFile {
        name: String,
        bytes: Result<Vec<u8>, String>,
    },
    /// A line of `stories.jsonl` (numbered from 1), parsed as JSON.
    Story {
        line: u64,
        value: Box<Value>,
    },
    Redirects(Vec<RedirectRecord>),
}

fn unreadable(what: impl std::fmt::Display) -> ImportError {
    ImportError::Unreadable(what.to_string())
}

/// Where in the order an entry belongs (`None`: not part of an export, ignored).
fn stage(name: &str) -> Option<u8> {
    match name {
        MANIFEST => Some(0),
        SETTINGS | SECTIONS | TAGS | AUTHORS | SOURCES => Some(1),
        MEDIA_WORDS => Some(2),
        STORIES => Some(4),
        REDIRECTS => Some(5),
        n if n.strip_prefix("media/").is_some_and(|f| !f.is_empty() && !f.contains('/')) => Some(3),
        _ => None,
    }
}

/// Reads an export entry by entry. `sink` gets each item and answers whether to go on.
struct Reader<'a> {
    /// Read the pictures' bytes (the second pass), or only check they are whole.
    media_bytes: bool,
    max_media: u64,
    sink: &'a mut dyn FnMut(Item) -> Result<bool, ImportError>,
    seen: HashSet<&'static str>,
    stage: u8,
    /// The sink wanted no more.
    stopped: bool,
}

impl Reader<'_> {
    /// Reads the export at `path`, a folder or a `.tar.zst`.
    fn read(&mut self, path: &Path) -> Result<(), ImportError> {
        if path.is_dir() {
            self.read_dir(path)?;
        } else if path.is_file() {
            self.read_archive(path)?;
        } else {
            return Err(unreadable(format!("{} is neither a folder nor a file", path.display())));
        }
        if self.stopped {
            return Ok(());
        }
        for name in FILES {
            if name != MEDIA_DIR && !self.seen.contains(name) {
                return Err(unreadable(format!("the export has no {name}: it is incomplete")));
            }
        }
        Ok(())
    }

    fn read_dir(&mut self, dir: &Path) -> Result<(), ImportError> {
        if !dir.join(MANIFEST).is_file() {
            return Err(unreadable(format!(
                "{} is not a Dateline export (it has no {MANIFEST})",
                dir.display()
            )));
        }
        for name in FILES {
            if name == MEDIA_DIR {
                let folder = dir.join(MEDIA_DIR);
                if !folder.is_dir() {
                    continue;
                }
                let mut files: Vec<(String, PathBuf)> = std::fs::read_dir(&folder)?
                    .filter_map(Result::ok)
                    .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
                    .filter_map(|e| Some((format!("{MEDIA_DIR}/{}", e.file_name().to_str()?), e.path())))
                    .collect();
                files.sort();
                for (name, path) in files {
                    let size = std::fs::metadata(&path)?.len();
                    let mut file = std::fs::File::open(&path)?;
                    if !self.entry(&name, size, &mut file)? {
                        return Ok(());
                    }
                }
                continue;
            }
            let path = dir.join(name);
            if !path.is_file() {
                return Err(unreadable(format!("the export has no {name}: it is incomplete")));
            }
            let size = std::fs::metadata(&path)?.len();
            let mut file = BufReader::new(std::fs::File::open(&path)?);
            if !self.entry(name, size, &mut file)? {
                return Ok(());
            }
        }
        Ok(())
    }

    fn read_archive(&mut self, file: &Path) -> Result<(), ImportError> {
        let broken = |e: &dyn std::fmt::Display| {
            unreadable(format!("{} is not a readable Dateline export ({e})", file.display()))
        };
        let opened = std::fs::File::open(file)?;
        let decoder = zstd::Decoder::new(opened).map_err(|e| broken(&e))?;
        let mut archive = tar::Archive::new(decoder);
        let mut prefix: Option<String> = None;
        for entry in archive.entries().map_err(|e| broken(&e))? {
            let mut entry = entry.map_err(|e| broken(&e))?;
            if !entry.header().entry_type().is_file() {
                continue;
            }
            let raw = entry.path().map_err(|e| broken(&e))?.to_string_lossy().into_owned();
            let raw = raw.trim_start_matches("./").to_owned();
            let name = match &prefix {
                None => {
                    // The first file is the manifest, maybe inside one folder.
                    let Some(folder) =
                        raw.strip_suffix(MANIFEST).filter(|f| f.is_empty() || f.ends_with('/'))
                    else {
                        return Err(unreadable(format!(
                            "{} is not a Dateline export (it does not start with {MANIFEST})",
                            file.display()
                        )));
                    };
                    prefix = Some(folder.to_owned());
                    MANIFEST.to_owned()
                }
                Some(folder) => match raw.strip_prefix(folder.as_str()) {
                    Some(name) => name.to_owned(),
                    None => continue,
                },
            };
            let size = entry.size();
            if !self.entry(&name, size, &mut entry).map_err(|e| match e {
                ImportError::Io(io) => broken(&io),
                other => other,
            })? {
                return Ok(());
            }
        }
        if prefix.is_none() {
            return Err(unreadable(format!("{} is empty, not a Dateline export", file.display())));
        }
        Ok(())
    }

    /// One file of the export; `Ok(false)` when the sink wants no more.
    fn entry(&mut self, name: &str, size: u64, reader: &mut dyn Read) -> Result<bool, ImportError> {
        let Some(stage) = stage(name) else {
            return Ok(true);
        };
        let go_on = self.item(name, stage, size, reader)?;
        self.stopped |= !go_on;
        Ok(go_on)
    }

    fn item(&mut self, name: &str, stage: u8, size: u64, reader: &mut dyn Read) -> Result<bool, ImportError> {
        if stage < self.stage {
            return Err(unreadable(format!(
                "{name} comes too late in the archive (the import reads an export in the order `dateline export` writes it): unpack it and import the folder"
            )));
        }
        if stage == 0 && !self.seen.is_empty() {
            return Err(unreadable("the export has two manifests"));
        }
        self.stage = stage;
        if let Some(known) = FILES.iter().find(|f| **f == name)
            && !self.seen.insert(known)
        {
            return Err(unreadable(format!("the export has {name} twice")));
        }
        let json = |cap: u64, reader: &mut dyn Read| -> Result<Vec<u8>, ImportError> {
            let mut bytes = Vec::new();
            reader.take(cap + 1).read_to_end(&mut bytes)?;
            if bytes.len() as u64 > cap {
                return Err(unreadable(format!("{name} is too large (over {} MB)", cap >> 20)));
            }
            Ok(bytes)
        };
        let parse = |bytes: &[u8]| -> Result<Value, ImportError> {
            serde_json::from_slice(bytes).map_err(|e| unreadable(format!("{name} cannot be read: {e}")))
        };
        let item = match name {
            MANIFEST => Item::Manifest(Box::new(check_manifest(&json(MAX_MANIFEST, reader)?)?)),
            SETTINGS => Item::Settings(Box::new(typed(name, parse(&json(MAX_JSON, reader)?)?)?)),
            SECTIONS => Item::Sections(typed(name, parse(&json(MAX_JSON, reader)?)?)?),
            TAGS => Item::Tags(typed(name, parse(&json(MAX_JSON, reader)?)?)?),
            AUTHORS => Item::Authors(typed(name, parse(&json(MAX_JSON, reader)?)?)?),
            SOURCES => Item::Sources(typed(name, parse(&json(MAX_JSON, reader)?)?)?),
            REDIRECTS => Item::Redirects(typed(name, parse(&json(MAX_JSON, reader)?)?)?),
            MEDIA_WORDS => {
                let mut lines = BufReader::new(reader);
                let mut n = 0u64;
                while let Some(line) = next_line(&mut lines, name, &mut n)? {
                    let record: MediaRecord = serde_json::from_slice(&line)
                        .map_err(|e| unreadable(format!("line {n} of {name} cannot be read: {e}")))?;
                    if !(self.sink)(Item::MediaWords(Box::new(record)))? {
                        return Ok(false);
                    }
                }
                return Ok(true);
            }
            STORIES => {
                let mut lines = BufReader::with_capacity(1 << 20, reader);
                let mut n = 0u64;
                while let Some(line) = next_line(&mut lines, name, &mut n)? {
                    let value: Value = serde_json::from_slice(&line).map_err(|e| {
                        unreadable(format!(
                            "line {n} of {name} is not JSON ({e}): the export is damaged or cut short"
                        ))
                    })?;
                    if !(self.sink)(Item::Story { line: n, value: Box::new(value) })? {
                        return Ok(false);
                    }
                }
                return Ok(true);
            }
            _ => {
                let bytes = if size > self.max_media {
                    std::io::copy(reader, &mut std::io::sink())?;
                    Err(format!("the file is too large ({size} bytes)"))
                } else if self.media_bytes {
                    let mut bytes = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
                    reader.take(self.max_media + 1).read_to_end(&mut bytes)?;
                    Ok(bytes)
                } else {
                    std::io::copy(reader, &mut std::io::sink())?;
                    Ok(Vec::new())
                };
                Item::MediaFile { name: name.to_owned(), bytes }
            }
        };
        (self.sink)(item)
    }
}

/// The next line that is not blank, without its line end; `n` counts lines.
fn next_line(reader: &mut impl BufRead, name: &str, n: &mut u64) -> Result<Option<Vec<u8>>, ImportError> {
    loop {
        let mut line = Vec::new();
        let read = reader.take(MAX_LINE + 1).read_until(b'\n', &mut line)?;
        if read == 0 {
            return Ok(None);
        }
        *n += 1;
        if line.len() as u64 > MAX_LINE {
            return Err(unreadable(format!("line {n} of {name} is too long (over {} MB)", MAX_LINE >> 20)));
        }
        while line.last().is_some_and(|b| *b == b'\n' || *b == b'\r') {
            line.pop();
        }
        if !line.iter().all(u8::is_ascii_whitespace) {
            return Ok(Some(line));
        }
    }
}

fn typed<T: serde::de::DeserializeOwned>(name: &str, value: Value) -> Result<T, ImportError> {
    serde_json::from_value(value).map_err(|e| unreadable(format!("{name} cannot be read: {e}")))
}

/// The manifest, if it is one this Dateline reads.
fn check_manifest(bytes: &[u8]) -> Result<Manifest, ImportError> {
    let value: Value = serde_json::from_slice(bytes)
        .map_err(|e| unreadable(format!("not a Dateline export: {MANIFEST} is not JSON ({e})")))?;
    let format = value.get("format").and_then(Value::as_str).unwrap_or("");
    if format != FORMAT {
        return Err(unreadable(format!("not a Dateline export ({MANIFEST} says format {format:?})")));
    }
    let schema = value.get("schema").and_then(Value::as_i64).unwrap_or(0);
    let format_version = value.get("format_version").and_then(Value::as_u64).unwrap_or(1);
    if schema > dateline_store::SCHEMA_VERSION || format_version > u64::from(FORMAT_VERSION) {
        let made_by = value.get("dateline").and_then(Value::as_str).unwrap_or("?");
        return Err(unreadable(format!(
            "the export was made by a newer Dateline ({made_by}: schema {schema}, export format {format_version}); \
             this one reads schemas up to {} and export format {FORMAT_VERSION}: upgrade first",
            dateline_store::SCHEMA_VERSION
        )));
    }
    serde_json::from_value(value).map_err(|e| unreadable(format!("{MANIFEST} cannot be read: {e}")))
}

/// The manifest of the export at `path` (a folder or a `.tar.zst`), read alone: a quick
/// look before anything is opened, as [`import`] checks the whole export anyway.
///
/// # Errors
/// [`ImportError::Unreadable`] when there is no manifest, it is not a Dateline export's, or
/// it comes from a newer Dateline.
pub fn read_manifest(path: &Path) -> Result<Manifest, ImportError> {
    let mut manifest = None;
    let mut sink = |item: Item| -> Result<bool, ImportError> {
        if let Item::Manifest(m) = item {
            manifest = Some(*m);
        }
        Ok(false)
    };
    Reader {
        media_bytes: false,
        max_media: 0,
        sink: &mut sink,
        seen: HashSet::new(),
        stage: 0,
        stopped: false,
    }
    .read(path)?;
    manifest.ok_or_else(|| unreadable(format!("the export has no {MANIFEST}")))
}

/// What the first reading found.
struct Checked {
    manifest: Manifest,
    stories: u64,
    /// Story lines that are not Dateline stories, with the reason (they fail).
    bad_stories: u64,
    media_files: u64,
}

/// The first reading: the whole export checked, nothing kept but counts.
fn check(path: &Path, max_media: u64) -> Result<Checked, ImportError> {
    let mut manifest = None;
    let (mut stories, mut bad_stories, mut media_files) = (0u64, 0u64, 0u64);
    let mut sink = |item: Item| -> Result<bool, ImportError> {
        match item {
            Item::Manifest(m) => manifest = Some(*m),
            Item::Story { value, .. } => {
                stories += 1;
                bad_stories += u64::from(StoryLine::from_ninjs(&value).is_err());
            }
            Item::MediaFile { .. } => media_files += 1,
            _ => {}
        }
        Ok(true)
    };
    Reader { media_bytes: false, max_media, sink: &mut sink, seen: HashSet::new(), stage: 0, stopped: false }
        .read(path)?;
    let manifest = manifest.ok_or_else(|| unreadable(format!("the export has no {MANIFEST}")))?;
    if stories != manifest.counts.stories {
        return Err(unreadable(format!(
            "{STORIES} holds {stories} stories, the manifest says {}: the export is incomplete",
            manifest.counts.stories
        )));
    }
    Ok(Checked { manifest, stories, bad_stories, media_files })
}

// ---------------------------------------------------------------------------------------
// Import
// ---------------------------------------------------------------------------------------

/// Imports the Dateline export at `path` (a folder or a `.tar.zst`). `options.media` is not
/// used: the pictures come from the export.
///
/// # Errors
/// [`ImportError::Unreadable`] when the export is not one, is damaged or cut short, or
/// comes from a newer Dateline (found before anything is written). A failure part-way
/// (the database, the file changing under the import) is not an error: the report says
/// why it stopped (`stopped`) and what came in before.
pub async fn import(
    store: &dyn Store,
    actor: &Actor,
    path: &Path,
    options: &Options,
    progress: OnProgress,
) -> Result<Report, ImportError> {
    allowed(actor)?;
    let started = std::time::Instant::now();
    let mut report = Report::new("dateline", options.dry_run);
    let max_media = options.pictures.limits.max_bytes as u64;
    let checked = {
        let path = path.to_owned();
        tokio::task::spawn_blocking(move || check(&path, max_media))
            .await
            .map_err(|e| unreadable(format!("reading stopped: {e}")))??
    };
    let base_url = checked.manifest.site.base_url.trim_end_matches('/').to_owned();
    report.origin = if base_url.is_empty() { "export".to_owned() } else { base_url };
    let total = checked.stories;
    if options.dry_run {
        report.posts.imported = checked.stories - checked.bad_stories;
        report.posts.failed = checked.bad_stories;
        report.pictures_taken = checked.media_files;
        report.redirects = checked.manifest.counts.redirects;
        report.seconds = started.elapsed().as_secs_f64();
        return Ok(report);
    }
    let mut run = Run {
        store,
        actor,
        pictures: &options.pictures,
        origin: format!("dateline:{}", report.origin),
        names: Names::default(),
        media_words: HashMap::new(),
        batch: Vec::new(),
        ids: HashMap::new(),
        translations: Vec::new(),
        handled: 0,
        total,
        progress,
    };
    let result = run.all(path, max_media, &mut report).await;
    if let Err(e) = result {
        report.stopped = Some(e.to_string());
    }
    report.seconds = started.elapsed().as_secs_f64();
    tracing::info!(%actor, origin = %report.origin, imported = report.posts.imported, stopped = ?report.stopped, "Dateline export imported");
    Ok(report)
}

/// Ids on this site of what the export names by slug.
#[derive(Default)]
struct Names {
    sections: HashMap<String, SectionId>,
    tags: HashMap<String, TagId>,
    authors: HashMap<String, AuthorId>,
    sources: HashMap<String, SourceId>,
}

/// The second reading under way.
struct Run<'a> {
    store: &'a dyn Store,
    actor: &'a Actor,
    pictures: &'a Pictures,
    origin: String,
    names: Names,
    /// The words of each picture file, by its name in the export.
    media_words: HashMap<String, MediaRecord>,
    batch: Vec<(ImportedStory, StoryExt, String)>,
    /// Exported story id to the story here.
    ids: HashMap<i64, StoryId>,
    /// Stories given their state here that translate another (its exported id).
    translations: Vec<(StoryId, i64)>,
    handled: u64,
    total: u64,
    progress: OnProgress,
}

impl Run<'_> {
    async fn all(&mut self, path: &Path, max_media: u64, report: &mut Report) -> Result<(), ImportError> {
        let (send, mut receive) = tokio::sync::mpsc::channel::<Result<Item, ImportError>>(8);
        let path = path.to_owned();
        let reading = tokio::task::spawn_blocking(move || {
            let failed = send.clone();
            let mut sink =
                |item: Item| -> Result<bool, ImportError> { Ok(send.blocking_send(Ok(item)).is_ok()) };
            let read = Reader {
                media_bytes: true,
                max_media,
                sink: &mut sink,
                seen: HashSet::new(),
                stage: 0,
                stopped: false,
            }
            .read(&path);
            if let Err(e) = read {
                let _ = failed.blocking_send(Err(e));
            }
        });
        self.load_names().await?;
        while let Some(item) = receive.recv().await {
            match item? {
                Item::Manifest(_) => {}
                Item::Settings(settings) => self.settings(*settings, report).await?,
                Item::Sections(list) => {
                    for s in list {
                        self.section(
                            &s.slug,
                            &s.name,
                            &s.description,
                            s.language.clone(),
                            s.position,
                            report,
                        )
                        .await?;
                    }
                }
                Item::Tags(list) => {
                    for t in list {
                        self.tag(&t.slug, &t.name, t.kind, report).await?;
                    }
                }
                Item::Authors(list) => {
                    for a in list {
                        self.author(&a.slug, &a.name, &a.bio, report).await?;
                    }
                }
                Item::Sources(list) => {
                    for s in list {
                        self.source(&s.slug, &s.name, &s.credit).await?;
                        if s.wire.is_some() {
                            report.count("sources' wire settings (set them anew)", 1);
                        }
                    }
                }
                Item::MediaWords(record) => {
                    if let Some(file) = record.file.clone() {
                        self.media_words.insert(file, *record);
                    } else {
                        report.pictures_missing.push(Note {
                            id: record.id.to_string(),
                            title: record.hash.clone(),
                            reason: "its original was not in the export".into(),
                        });
                    }
                }
                Item::MediaFile { name, bytes } => self.picture(&name, bytes, report).await?,
                Item::Story { line, value } => self.story(line, &value, report).await?,
                Item::Redirects(list) => {
                    self.flush(report).await?;
                    self.redirects(&list, report).await?;
                }
            }
        }
        reading.await.map_err(|e| unreadable(format!("reading stopped: {e}")))?;
        self.flush(report).await?;
        self.link_translations(report).await?;
        (self.progress)(Progress { read: self.total, total: self.total, posts: self.handled });
        Ok(())
    }

    async fn load_names(&mut self) -> Result<(), StoreError> {
        let store = self.store;
        self.names.sections =
            store.sections().await?.into_iter().map(|s| (s.slug.to_string(), s.id)).collect();
        self.names.tags = store.tags().await?.into_iter().map(|t| (t.slug.to_string(), t.id)).collect();
        self.names.authors = store.authors().await?.into_iter().map(|a| (a.slug.to_string(), a.id)).collect();
        self.names.sources = store.sources().await?.into_iter().map(|s| (s.slug.to_string(), s.id)).collect();
        Ok(())
    }

    async fn settings(&mut self, settings: SiteSettings, report: &mut Report) -> Result<(), StoreError> {
        if self.store.settings().await? == settings {
            return Ok(());
        }
        match self.store.save_settings(&settings).await {
            Ok(()) => Ok(()),
            Err(StoreError::Invalid(errors)) => {
                let reasons: Vec<String> = errors.iter().map(ToString::to_string).collect();
                tracing::warn!(reasons = reasons.join("; "), "the export's settings were not taken");
                report.count("settings (invalid: this site's kept)", 1);
                Ok(())
            }
            Err(e) => Err(e),
        }
    }

    async fn section(
        &mut self,
        slug: &str,
        name: &str,
        description: &str,
        language: Option<String>,
        position: i64,
        report: &mut Report,
    ) -> Result<Option<SectionId>, StoreError> {
        if let Some(id) = self.names.sections.get(slug) {
            return Ok(Some(*id));
        }
        let Ok(parsed) = Slug::parse(slug) else { return Ok(None) };
        let new = NewSection {
            slug: parsed,
            name: name.to_owned(),
            description: description.to_owned(),
            language,
            position,
        };
        let id = self.store.create_section(&new).await?.id;
        report.sections_created.push(name.to_owned());
        self.names.sections.insert(slug.to_owned(), id);
        Ok(Some(id))
    }

    async fn tag(
        &mut self,
        slug: &str,
        name: &str,
        kind: TagKind,
        report: &mut Report,
    ) -> Result<Option<TagId>, StoreError> {
        if let Some(id) = self.names.tags.get(slug) {
            return Ok(Some(*id));
        }
        let Ok(parsed) = Slug::parse(slug) else { return Ok(None) };
        let id = self.store.create_tag(&NewTag { slug: parsed, name: name.to_owned(), kind }).await?.id;
        report.tags_created += 1;
        self.names.tags.insert(slug.to_owned(), id);
        Ok(Some(id))
    }

    async fn author(
        &mut self,
        slug: &str,
        name: &str,
        bio: &str,
        report: &mut Report,
    ) -> Result<Option<AuthorId>, StoreError> {
        if let Some(id) = self.names.authors.get(slug) {
            return Ok(Some(*id));
        }
        let Ok(parsed) = Slug::parse(slug) else { return Ok(None) };
        let new = NewAuthor { slug: parsed, name: name.to_owned(), bio: bio.to_owned() };
        let id = self.store.create_author(&new).await?.id;
        report.authors_created.push(name.to_owned());
        self.names.authors.insert(slug.to_owned(), id);
        Ok(Some(id))
    }

    async fn source(&mut self, slug: &str, name: &str, credit: &str) -> Result<Option<SourceId>, StoreError> {
        if let Some(id) = self.names.sources.get(slug) {
            return Ok(Some(*id));
        }
        let Ok(parsed) = Slug::parse(slug) else { return Ok(None) };
        let credit = if credit.trim().is_empty() { name } else { credit };
        let new = NewSource { slug: parsed, name: name.to_owned(), credit: credit.to_owned() };
        let id = self.store.create_source(&new).await?.id;
        tracing::info!(slug, "source created");
        self.names.sources.insert(slug.to_owned(), id);
        Ok(Some(id))
    }

    /// A picture file: into the library under the hash it had there (so its addresses
    /// stay), with its words.
    async fn picture(
        &mut self,
        name: &str,
        bytes: Result<Vec<u8>, String>,
        report: &mut Report,
    ) -> Result<(), ImportError> {
        let Some(record) = self.media_words.remove(name) else {
            report.count("picture files not in media.jsonl", 1);
            return Ok(());
        };
        let taken = match bytes {
            Ok(bytes) => take_picture(self.store, self.pictures, &record, bytes).await?,
            Err(reason) => Err(reason),
        };
        match taken {
            Ok(_) => report.pictures_taken += 1,
            Err(reason) => {
                report.pictures_missing.push(Note { id: record.id.to_string(), title: record.hash, reason });
            }
        }
        Ok(())
    }

    async fn story(&mut self, line: u64, value: &Value, report: &mut Report) -> Result<(), ImportError> {
        self.handled += 1;
        if self.handled.is_multiple_of(100) {
            (self.progress)(Progress { read: self.handled, total: self.total, posts: self.handled });
        }
        let parsed = match StoryLine::from_ninjs(value) {
            Ok(parsed) => parsed,
            Err(reason) => {
                let title = headline_of(value);
                report.fail(&format!("line {line}"), &title, &reason);
                return Ok(());
            }
        };
        match self.map(&parsed, report).await? {
            Ok(post) => {
                self.batch.push((post, parsed.dateline, parsed.headline));
                if self.batch.len() >= PAGE as usize {
                    self.flush(report).await?;
                }
            }
            Err(reason) => report.fail(&parsed.dateline.id.to_string(), &parsed.headline, &reason),
        }
        Ok(())
    }

    /// The story a line becomes, or why it cannot.
    async fn map(
        &mut self,
        line: &StoryLine,
        report: &mut Report,
    ) -> Result<Result<ImportedStory, String>, StoreError> {
        let ext = &line.dateline;
        let Ok(slug) = Slug::parse(&ext.slug) else {
            return Ok(Err(format!("its slug {:?} is not one", ext.slug)));
        };
        let next_position = i64::try_from(self.names.sections.len()).unwrap_or(0) + 1;
        let Some(section) =
            self.section(&ext.section.slug, &ext.section.name, "", None, next_position, report).await?
        else {
            return Ok(Err(format!("its section's slug {:?} is not one", ext.section.slug)));
        };
        let source = match &ext.source {
            None => None,
            Some(s) => match self.source(&s.slug, &s.name, s.credit.as_deref().unwrap_or("")).await? {
                Some(id) => Some(id),
                None => return Ok(Err(format!("its source's slug {:?} is not one", s.slug))),
            },
        };
        let mut tags = Vec::with_capacity(ext.tags.len());
        for t in &ext.tags {
            match self.tag(&t.slug, &t.name, t.kind.unwrap_or(TagKind::Topic), report).await? {
                Some(id) => tags.push(id),
                None => return Ok(Err(format!("its tag slug {:?} is not one", t.slug))),
            }
        }
        let mut authors = Vec::with_capacity(ext.authors.len());
        for a in &ext.authors {
            match self.author(&a.slug, &a.name, "", report).await? {
                Some(id) => authors.push(id),
                None => return Ok(Err(format!("its author slug {:?} is not one", a.slug))),
            }
        }
        let draft = StoryDraft {
            headline: line.headline.clone(),
            standfirst: ext.standfirst.clone(),
            body: ext.body_source.clone(),
            dateline_place: ext.dateline_place.clone(),
            credit: ext.credit.clone(),
            section,
            source,
            tags,
            authors,
            language: line.language.clone(),
            slug: Some(slug),
            image: ext.image.as_ref().map(|i| StoryImage {
                url: i.url.clone(),
                alt: i.alt.clone(),
                caption: i.caption.clone(),
                credit: i.credit.clone(),
                width: i.width,
                height: i.height,
                focal: i.focal,
            }),
            prominence: ext.prominence,
            translation_of: None,
            embargo_until: ext.embargo_until,
        };
        if let Err(errors) = draft.validate() {
            return Ok(Err(errors.iter().map(ToString::to_string).collect::<Vec<_>>().join("; ")));
        }
        let status = match ext.status {
            StoryStatus::Published => match ext.published_at {
                Some(at) => ImportedStatus::Published(at),
                None => return Ok(Err("published, but without its publication time".into())),
            },
            StoryStatus::Scheduled => match ext.scheduled_at {
                Some(at) => ImportedStatus::Scheduled(at),
                None => return Ok(Err("scheduled, but without its time".into())),
            },
            // Given their status once stored.
            StoryStatus::Draft | StoryStatus::Unpublished | StoryStatus::Killed => ImportedStatus::Draft,
        };
        let fingerprint = hex::encode(Sha256::digest(serde_json::to_vec(line).unwrap_or_default()));
        Ok(Ok(ImportedStory {
            external_id: ext.id.to_string(),
            fingerprint,
            draft,
            status,
            created_at: ext.created_at,
            old_paths: Vec::new(),
        }))
    }

    /// Writes the stories waiting, then gives each its state from the export.
    async fn flush(&mut self, report: &mut Report) -> Result<(), ImportError> {
        if self.batch.is_empty() {
            return Ok(());
        }
        let batch = std::mem::take(&mut self.batch);
        let posts: Vec<ImportedStory> = batch.iter().map(|(post, ..)| post.clone()).collect();
        let outcomes = self.store.import_stories(&self.origin, &posts, self.actor, Timestamp::now()).await?;
        for ((post, ext, headline), outcome) in batch.iter().zip(outcomes) {
            let (id, restore) = match outcome {
                ImportOutcome::Imported(id) => {
                    report.posts.imported += 1;
                    (id, true)
                }
                ImportOutcome::Updated(id) => {
                    report.posts.updated += 1;
                    (id, true)
                }
                ImportOutcome::Unchanged(id) => {
                    report.posts.unchanged += 1;
                    (id, false)
                }
                ImportOutcome::Skipped(reason) => {
                    report.skip(&post.external_id, headline, &reason);
                    continue;
                }
            };
            self.ids.insert(ext.id, id);
            let Some(mut story) = self.store.story(id).await? else { continue };
            if story.slug.as_str() != ext.slug {
                tracing::warn!(id = ext.id, slug = %ext.slug, now = %story.slug, "an imported story's slug was taken here");
            }
            // An import that stopped between writing a batch and restoring it left its
            // stories at version 1 (any change here since would have moved it on).
            let restore = restore || (story.version == 1 && differs(&story, ext));
            if !restore {
                // Or between restoring and linking the translations.
                if let Some(original) = ext.translation_of
                    && story.translation_of.is_none()
                    && story.version == ext.version
                {
                    self.translations.push((id, original));
                }
                continue;
            }
            apply(&mut story, ext);
            if let Err(e) = self.store.restore_imported_story(id, &story).await {
                match e {
                    StoreError::Invalid(errors) => {
                        let reason = errors.iter().map(ToString::to_string).collect::<Vec<_>>().join("; ");
                        report.fail(
                            &post.external_id,
                            headline,
                            &format!("its state could not be given: {reason}"),
                        );
                    }
                    other => return Err(other.into()),
                }
                continue;
            }
            if let Some(original) = ext.translation_of {
                self.translations.push((id, original));
            }
        }
        Ok(())
    }

    /// Makes stories translations of their originals, once all are in.
    async fn link_translations(&mut self, report: &mut Report) -> Result<(), ImportError> {
        for (id, original) in std::mem::take(&mut self.translations) {
            let Some(&here) = self.ids.get(&original) else {
                report.count("translation links to stories not in the export", 1);
                continue;
            };
            let Some(mut story) = self.store.story(id).await? else { continue };
            story.translation_of = Some(here);
            match self.store.restore_imported_story(id, &story).await {
                Ok(()) => {}
                Err(StoreError::Invalid(_)) => report.count("translation links that could not be made", 1),
                Err(e) => return Err(e.into()),
            }
        }
        Ok(())
    }

    async fn redirects(&mut self, list: &[RedirectRecord], report: &mut Report) -> Result<(), ImportError> {
        let mut wanted = Vec::with_capacity(list.len());
        for r in list {
            let Some(&story) = self.ids.get(&r.story) else {
                report.count("old addresses of stories not imported", 1);
                continue;
            };
            match r.kind.as_str() {
                "slug" => wanted.push((r.from.clone(), story, false)),
                "path" => wanted.push((r.from.clone(), story, true)),
                _ => report.count("old addresses of an unknown kind", 1),
            }
        }
        for chunk in wanted.chunks(PAGE as usize) {
            self.store.add_redirects(chunk).await?;
        }
        // Counted whole, so that a second run says the same.
        report.redirects += wanted.len() as u64;
        Ok(())
    }
}

/// The story's first headline, for the report.
fn headline_of(value: &Value) -> String {
    value
        .pointer("/headlines/0/value")
        .and_then(Value::as_str)
        .map(|h| dateline_core::text::cut_at_word(h, 120))
        .unwrap_or_default()
}

/// Whether the story's state here is not the export's.
fn differs(story: &Story, ext: &StoryExt) -> bool {
    let corrections: Vec<(&str, Timestamp)> =
        story.corrections.iter().map(|c| (c.note.as_str(), c.created_at)).collect();
    let wanted: Vec<(&str, Timestamp)> =
        ext.corrections.iter().map(|c| (c.note.trim(), c.created_at)).collect();
    story.status != ext.status
        || story.version != ext.version
        || story.first_published_at != ext.first_published_at
        || story.published_at != ext.published_at
        || story.updated_at != ext.updated_at
        || story.scheduled_at != ext.scheduled_at
        || corrections != wanted
}

/// The export's state on the story as stored here (the translation is linked later).
fn apply(story: &mut Story, ext: &StoryExt) {
    story.status = ext.status;
    story.created_at = ext.created_at;
    story.modified_at = ext.modified_at;
    story.first_published_at = ext.first_published_at;
    story.published_at = ext.published_at;
    story.updated_at = ext.updated_at;
    story.scheduled_at = ext.scheduled_at;
    story.version = ext.version;
    story.translation_of = None;
    story.corrections = ext
        .corrections
        .iter()
        .map(|c| Correction { note: c.note.clone(), created_at: c.created_at })
        .collect();
}

/// Takes a picture file of the export into the library under the hash it had (the file
/// stored is what the old site kept of the upload, whose hash named it): through
/// [`crate::media::take_in`] when the hashes agree, else checked, processed and stored the
/// same way under the old name. `Ok(Err(reason))` when the file is refused.
async fn take_picture(
    store: &dyn Store,
    pictures: &Pictures,
    record: &MediaRecord,
    bytes: Vec<u8>,
) -> Result<Result<Media, String>, ImportError> {
    if let Some(known) = store.media_by_hash(&record.hash).await? {
        return Ok(Ok(known));
    }
    let text = MediaText {
        alt: record.alt.clone(),
        caption: record.caption.clone(),
        credit: record.credit.clone(),
        focal_x: record.focal_x,
        focal_y: record.focal_y,
    };
    if let Err(errors) = text.validate() {
        return Ok(Err(errors.iter().map(ToString::to_string).collect::<Vec<_>>().join("; ")));
    }
    let hash = dateline_media::content_hash(&bytes);
    if record.file_sha256.as_ref().is_some_and(|sum| *sum != hash) {
        return Ok(Err("the file is damaged (its checksum differs from media.jsonl's)".into()));
    }
    // The stored original has had its metadata stripped, so its hash is not the name the
    // library knows it by: kept under that name, its addresses stay the same.
    if record.hash.len() != 64 || !record.hash.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Ok(Err(format!("{:?} is not a picture's name", record.hash)));
    }
    let known_as = (hash != record.hash).then_some(record.hash.as_str());
    match crate::media::take_in_as(store, pictures, bytes, text, &record.origin, Timestamp::now(), known_as)
        .await
    {
        Ok(media) => Ok(Ok(media)),
        Err(TakeError::Refused(e)) => Ok(Err(e.to_string())),
        Err(TakeError::Store(e)) => Err(e.into()),
        Err(TakeError::Storage(e)) => Err(ImportError::Unreadable(format!("the picture store failed: {e}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use dateline_core::{Author, Section, Source, Tag};

    fn story() -> Story {
        let at = |s: i64| Timestamp::from_second(1_780_000_000 + s).unwrap();
        let slug = |s: &str| Slug::parse(s).unwrap();
        Story {
            id: StoryId(7),
            slug: slug("budget-passed"),
            headline: "Budget passed".into(),
            standfirst: "After a long night.".into(),
            body_source: "The **budget** passed.".into(),
            body_html: "<p>The <strong>budget</strong> passed.</p>\n".into(),
            dateline_place: "Islamabad".into(),
            credit: "Staff".into(),
            section: Section {
                id: SectionId(2),
                slug: slug("business"),
                name: "Business".into(),
                description: String::new(),
                language: None,
                position: 1,
            },
            source: Some(Source {
                id: SourceId(3),
                slug: slug("app"),
                name: "APP".into(),
                credit: "APP".into(),
            }),
            tags: vec![Tag {
                id: TagId(4),
                slug: slug("karachi"),
                name: "Karachi".into(),
                kind: TagKind::Place,
            }],
            authors: vec![Author {
                id: AuthorId(5),
                slug: slug("hina-baig"),
                name: "Hina Baig".into(),
                bio: String::new(),
            }],
            language: "en".into(),
            status: StoryStatus::Published,
            prominence: Prominence::Top,
            image: Some(StoryImage {
                url: "/media/abc/original.jpg".into(),
                alt: "A hall".into(),
                caption: "The hall".into(),
                credit: "APP".into(),
                width: Some(1280),
                height: Some(720),
                focal: Some((40, 60)),
            }),
            created_at: at(0),
            first_published_at: Some(at(60)),
            published_at: Some(at(120)),
            updated_at: Some(at(600)),
            modified_at: at(700),
            scheduled_at: None,
            embargo_until: Some(at(7200)),
            coverage: None,
            created_by: None,
            corrections: vec![Correction { note: "A figure was wrong.".into(), created_at: at(650) }],
            translation_of: Some(StoryId(1)),
            version: 4,
        }
    }

    #[test]
    fn a_story_line_is_ninjs_and_keeps_everything() {
        let settings =
            SiteSettings { base_url: "https://news.example.com".into(), ..SiteSettings::default() };
        let doc = ninjs_of(&story(), &settings);
        assert_eq!(doc["uri"], "https://news.example.com/story/budget-passed");
        assert_eq!(doc["type"], "text");
        assert_eq!(doc["pubstatus"], "usable");
        assert_eq!(doc["version"], "4");
        assert_eq!(doc["headlines"][0]["value"], "Budget passed");
        assert_eq!(doc["descriptions"][0]["role"], "summary");
        assert_eq!(doc["bodies"][0]["contenttype"], "text/html");
        assert_eq!(doc["places"][1]["name"], "Karachi");
        assert_eq!(doc["people"][0]["rel"], "author");
        assert_eq!(
            doc["associations"][0]["renditions"][0]["href"],
            "https://news.example.com/media/abc/original.jpg"
        );
        let line = StoryLine::from_ninjs(&doc).unwrap();
        let mut back = story();
        apply(&mut back, &line.dateline);
        back.translation_of = Some(StoryId(1));
        assert_eq!(back, story(), "the state survives the trip");
        assert!(!differs(&story(), &line.dateline));
        let ext = &line.dateline;
        assert_eq!(
            (ext.slug.as_str(), ext.section.slug.as_str(), ext.body_source.as_str()),
            ("budget-passed", "business", "The **budget** passed.")
        );
        assert_eq!(
            (ext.tags[0].kind, ext.authors[0].slug.as_str(), ext.prominence),
            (Some(TagKind::Place), "hina-baig", Prominence::Top)
        );
        assert_eq!(ext.image.as_ref().unwrap().focal, Some((40, 60)));
        assert_eq!(ext.embargo_until, story().embargo_until, "the embargo comes along");
        let killed = Story { status: StoryStatus::Killed, ..story() };
        assert_eq!(ninjs_of(&killed, &settings)["pubstatus"], "canceled");
        let mut foreign = doc.clone();
        foreign.as_object_mut().unwrap().remove("dateline");
        assert!(StoryLine::from_ninjs(&foreign).unwrap_err().contains("dateline"));
    }

    #[test]
    fn manifests_of_newer_exports_are_refused() {
        let manifest = |v: Value| check_manifest(&serde_json::to_vec(&v).unwrap());
        let ok = manifest(json!({"format": FORMAT, "schema": dateline_store::SCHEMA_VERSION}));
        assert_eq!(ok.unwrap().format_version, 1);
        for newer in [
            json!({"format": FORMAT, "schema": 999}),
            json!({"format": FORMAT, "format_version": 2, "schema": 1}),
        ] {
            let Err(ImportError::Unreadable(message)) = manifest(newer) else { panic!("accepted") };
            assert!(message.contains("newer Dateline"), "{message}");
        }
        let Err(ImportError::Unreadable(message)) =
            manifest(json!({"format": "dateline-backup", "schema": 1}))
        else {
            panic!("accepted")
        };
        assert!(message.contains("not a Dateline export"), "{message}");
        assert!(check_manifest(b"{\"format\": ").is_err());
    }

    #[test]
    fn entries_are_placed_in_the_order_of_an_export() {
        assert_eq!(stage("manifest.json"), Some(0));
        assert_eq!(stage("media/abc.jpg"), Some(3));
        assert_eq!(stage("media/sub/abc.jpg"), None);
        assert_eq!(stage("media/"), None);
        assert!(stage("media.jsonl") < stage("media/a.png") && stage("media/a.png") < stage("stories.jsonl"));
        assert_eq!(stage("notes.txt"), None);
    }
}
