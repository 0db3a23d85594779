//! Backups a site can be rebuilt from after a bad day: one `.tar.zst` file holding a
//! consistent copy of the database, taken while the site keeps serving (SQLite's
//! `VACUUM INTO`), the pictures kept on local disk, and a manifest saying what made it.
//! Restoring checks the manifest (a backup from a newer Dateline is refused), unpacks
//! into a staging folder beside the data, and only then moves it into place, refusing to
//! replace a site that has content unless told to. The search index is not kept: it is
//! rebuilt from the database when the restored site starts.
//!
//! A PostgreSQL database is backed up with `pg_dump` (docs/OPERATIONS.md); pictures kept
//! in S3 are not copied (the bucket has its own versioning and replication).

use dateline_core::rights::{self, Action, Actor, Target};
use dateline_store::Store;
use serde::{Deserialize, Serialize};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

/// The manifest's name inside the archive; written first.
const MANIFEST: &str = "dateline-backup.json";
const DATABASE: &str = "dateline.db";
const MEDIA: &str = "media";
/// What a manifest's `format` says.
const FORMAT: &str = "dateline-backup";

/// What a backup holds, written into it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Manifest {
    pub format: String,
    /// The database schema (`dateline_store::SCHEMA_VERSION` of the Dateline that made it).
    pub schema: i64,
    /// The version of Dateline that made it.
    pub dateline: String,
    /// When it was made, RFC 3339.
    pub created: String,
    pub stories: u64,
    /// Picture files included (0 when pictures are in S3).
    pub media_files: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error("not allowed")]
    Forbidden,
    #[error("{0}")]
    Refused(String),
    #[error("the database failed: {0}")]
    Store(#[from] dateline_store::StoreError),
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

fn allowed(actor: &Actor) -> Result<(), BackupError> {
    if rights::may(actor, Action::MoveSite, Target::Site) { Ok(()) } else { Err(BackupError::Forbidden) }
}

/// Writes a backup of `store` and the pictures in `media_dir` (local storage) to `to`.
/// The file appears whole or not at all.
///
/// # Errors
/// [`BackupError::Refused`] when `to` exists or the store is PostgreSQL; I/O and database
/// failures otherwise (nothing is left at `to`).
pub async fn back_up(
    store: &dyn Store,
    actor: &Actor,
    media_dir: Option<&Path>,
    to: &Path,
) -> Result<Manifest, BackupError> {
    allowed(actor)?;
    if to.exists() {
        return Err(BackupError::Refused(format!("{} exists already; choose a new file", to.display())));
    }
    let partial = with_suffix(to, ".partial");
    let database = with_suffix(to, ".db.partial");
    for leftover in [&partial, &database] {
        let _ = std::fs::remove_file(leftover);
    }
    let stories = store.story_count().await?;
    store.snapshot(&database).await.map_err(|e| match e {
        dateline_store::StoreError::Config(message) => BackupError::Refused(message),
        other => BackupError::Store(other),
    })?;
    let manifest = Manifest {
        format: FORMAT.into(),
        schema: dateline_store::SCHEMA_VERSION,
        dateline: env!("CARGO_PKG_VERSION").into(),
        created: jiff::Timestamp::now().to_string(),
        stories,
        media_files: media_dir.map_or(0, count_files),
    };
    let written = {
        let (manifest, database, partial) = (manifest.clone(), database.clone(), partial.clone());
        let media_dir = media_dir.map(Path::to_owned);
        tokio::task::spawn_blocking(move || {
            write_archive(&manifest, &database, media_dir.as_deref(), &partial)
        })
        .await
        .map_err(|e| BackupError::Refused(format!("the backup stopped: {e}")))?
    };
    let _ = std::fs::remove_file(&database);
    if let Err(e) = written {
        let _ = std::fs::remove_file(&partial);
        return Err(e);
    }
    std::fs::rename(&partial, to)?;
    tracing::info!(%actor, file = %to.display(), stories, "backup written");
    Ok(manifest)
}

pub(crate) fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

fn count_files(dir: &Path) -> u64 {
    let Ok(entries) = std::fs::read_dir(dir) else { return 0 };
    entries
        .flatten()
        .map(|e| match e.file_type() {
            Ok(t) if t.is_dir() => count_files(&e.path()),
            Ok(t) if t.is_file() => 1,
            _ => 0,
        })
        .sum()
}

fn write_archive(
    manifest: &Manifest,
    database: &Path,
    media: Option<&Path>,
    to: &Path,
) -> Result<(), BackupError> {
    let file = std::fs::File::create(to)?;
    let encoder = zstd::Encoder::new(std::io::BufWriter::new(file), 3)?;
    let mut archive = tar::Builder::new(encoder);
    let json = serde_json::to_vec_pretty(manifest).map_err(|e| BackupError::Refused(e.to_string()))?;
    let mut header = tar::Header::new_gnu();
    header.set_size(json.len() as u64);
    header.set_mode(0o600);
    header.set_mtime(jiff::Timestamp::now().as_second().try_into().unwrap_or(0));
    header.set_cksum();
    archive.append_data(&mut header, MANIFEST, json.as_slice())?;
    archive.append_path_with_name(database, DATABASE)?;
    if let Some(media) = media.filter(|m| m.is_dir()) {
        archive.append_dir_all(MEDIA, media)?;
    }
    let encoder = archive.into_inner()?;
    let mut writer = encoder.finish()?;
    writer.flush()?;
    writer.into_inner().map_err(|e| e.into_error())?.sync_all()?;
    Ok(())
}

/// Reads the manifest at the start of a backup.
///
/// # Errors
/// [`BackupError::Refused`] when the file is not a Dateline backup or comes from a newer
/// Dateline.
pub fn read_manifest(file: &Path) -> Result<Manifest, BackupError> {
    let mut archive = open_archive(file)?;
    let mut entries = archive.entries().map_err(|e| not_a_backup(file, &e))?;
    let mut first = entries
        .next()
        .ok_or_else(|| BackupError::Refused(format!("{} is empty, not a Dateline backup", file.display())))?
        .map_err(|e| not_a_backup(file, &e))?;
    manifest_of(file, &mut first)
}

fn open_archive(
    file: &Path,
) -> Result<tar::Archive<zstd::Decoder<'static, std::io::BufReader<std::fs::File>>>, BackupError> {
    let opened =
        std::fs::File::open(file).map_err(|e| BackupError::Refused(format!("{}: {e}", file.display())))?;
    let decoder = zstd::Decoder::new(opened).map_err(|e| not_a_backup(file, &e))?;
    Ok(tar::Archive::new(decoder))
}

fn not_a_backup(file: &Path, e: &dyn std::fmt::Display) -> BackupError {
    BackupError::Refused(format!("{} is not a readable Dateline backup ({e})", file.display()))
}

fn manifest_of(file: &Path, entry: &mut tar::Entry<'_, impl Read>) -> Result<Manifest, BackupError> {
    let is_manifest = entry.path().is_ok_and(|p| p == Path::new(MANIFEST));
    if !is_manifest || entry.size() > 64 * 1024 {
        return Err(BackupError::Refused(format!(
            "{} is not a Dateline backup (no manifest)",
            file.display()
        )));
    }
    let mut json = Vec::new();
    entry.read_to_end(&mut json).map_err(|e| not_a_backup(file, &e))?;
    let manifest: Manifest = serde_json::from_slice(&json).map_err(|e| not_a_backup(file, &e))?;
    if manifest.format != FORMAT {
        return Err(BackupError::Refused(format!("{} is not a Dateline backup", file.display())));
    }
    if manifest.schema > dateline_store::SCHEMA_VERSION {
        return Err(BackupError::Refused(format!(
            "{} was made by a newer Dateline ({}, schema {}); this one reads schemas up to {}: upgrade first",
            file.display(),
            manifest.dateline,
            manifest.schema,
            dateline_store::SCHEMA_VERSION
        )));
    }
    Ok(manifest)
}

/// Whether the site in `data` has anything to lose: stories in its database, or pictures.
async fn has_content(data: &Path) -> Result<bool, BackupError> {
    if count_files(&data.join(MEDIA)) > 0 {
        return Ok(true);
    }
    if !data.join(DATABASE).exists() {
        return Ok(false);
    }
    let store = dateline_store::open(&dateline_store::Location::SqliteDir(data.to_owned())).await?;
    Ok(store.story_count().await? > 0)
}

/// Restores the backup `file` into the data folder `data` (SQLite). A site with content is
/// replaced only with `force`. The backup is unpacked and checked beside the data first:
/// a broken backup leaves the folder as it was.
///
/// # Errors
/// [`BackupError::Refused`] for a file that is not a backup, is broken, comes from a newer
/// Dateline, or would overwrite a site without `force`.
pub async fn restore(actor: &Actor, file: &Path, data: &Path, force: bool) -> Result<Manifest, BackupError> {
    allowed(actor)?;
    let manifest = read_manifest(file)?;
    if !force && has_content(data).await? {
        return Err(BackupError::Refused(format!(
            "{} already holds a site with content; restore into an empty folder, or add --force to replace it",
            data.display()
        )));
    }
    std::fs::create_dir_all(data)?;
    let staging = data.join(".restoring");
    if staging.exists() {
        std::fs::remove_dir_all(&staging)?;
    }
    std::fs::create_dir_all(&staging)?;
    let unpacked = {
        let (file, staging) = (file.to_owned(), staging.clone());
        tokio::task::spawn_blocking(move || unpack(&file, &staging))
            .await
            .map_err(|e| BackupError::Refused(format!("the restore stopped: {e}")))?
    };
    if let Err(e) = unpacked {
        let _ = std::fs::remove_dir_all(&staging);
        return Err(e);
    }
    // The copy must open and hold what the manifest says before it replaces anything.
    let checked = async {
        let store = dateline_store::open(&dateline_store::Location::SqliteDir(staging.clone())).await?;
        let stories = store.story_count().await?;
        drop(store);
        if stories != manifest.stories {
            return Err(BackupError::Refused(format!(
                "the backup's database holds {stories} stories, its manifest says {}",
                manifest.stories
            )));
        }
        Ok(())
    }
    .await;
    if let Err(e) = checked {
        let _ = std::fs::remove_dir_all(&staging);
        return Err(e);
    }
    for old in ["dateline.db", "dateline.db-wal", "dateline.db-shm", "dateline.db-journal"] {
        let _ = std::fs::remove_file(data.join(old));
    }
    for old in [MEDIA, "search"] {
        if data.join(old).exists() {
            std::fs::remove_dir_all(data.join(old))?;
        }
    }
    for name in ["dateline.db", "dateline.db-wal", "dateline.db-shm"] {
        if staging.join(name).exists() {
            std::fs::rename(staging.join(name), data.join(name))?;
        }
    }
    if staging.join(MEDIA).exists() {
        std::fs::rename(staging.join(MEDIA), data.join(MEDIA))?;
    }
    std::fs::remove_dir_all(&staging)?;
    tracing::info!(%actor, file = %file.display(), stories = manifest.stories, "backup restored");
    Ok(manifest)
}

/// Unpacks the database and pictures of a backup into `into`; nothing else is taken, and no
/// entry may leave the folder.
fn unpack(file: &Path, into: &Path) -> Result<(), BackupError> {
    let mut archive = open_archive(file)?;
    let entries = archive.entries().map_err(|e| not_a_backup(file, &e))?;
    let mut seen_database = false;
    let mut first = true;
    for entry in entries {
        let mut entry = entry.map_err(|e| not_a_backup(file, &e))?;
        if first {
            manifest_of(file, &mut entry)?;
            first = false;
            continue;
        }
        let path = entry.path().map_err(|e| not_a_backup(file, &e))?.into_owned();
        let wanted = path == Path::new(DATABASE) || path.starts_with(MEDIA);
        if !wanted {
            continue;
        }
        seen_database |= path == Path::new(DATABASE);
        let unpacked = entry.unpack_in(into).map_err(|e| not_a_backup(file, &e))?;
        if !unpacked {
            return Err(BackupError::Refused(format!(
                "{} has an entry outside its folder: {}",
                file.display(),
                path.display()
            )));
        }
    }
    if !seen_database {
        return Err(BackupError::Refused(format!("{} has no database in it", file.display())));
    }
    Ok(())
}
