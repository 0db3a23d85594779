//! NewsML-G2 drop folders: an agency (or an FTP or rsync job) writes files into a folder,
//! and each `*.xml` file there is read and taken in like a push. A file is moved to
//! `processed/` only after its items are committed, so a crash at any moment loses nothing,
//! and reading the same file again changes nothing. A file that cannot be read goes to
//! `failed/` with the reason in `NAME.error.txt` beside it, and editors see the error in the
//! source's status. Writers should write under another name (such as `.tmp`) and rename the
//! finished file to `*.xml`, so that a half-written file is never read. Pictures the items
//! carry are fetched afterwards by `wire_images`.
//!
//! A drop folder turns files into stories and moves files about, so it may only be a folder
//! under the one root the operator names (`[wire] drop_root` in `dateline.toml`, a
//! [`DropRoot`]); with no root, there are no drop folders. The folder is resolved (every
//! symlink followed) and must stay inside the root, when it is saved and again at every
//! look; files that are symlinks are never read, and nothing is written through one.

use crate::wire::TakeInError;
use crate::wire_images::WireImages;
use dateline_core::{PollOutcome, SourceId};
use dateline_store::Store;
use jiff::Timestamp;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Files taken per look, so one flood of files cannot hold the poller for long.
pub const FILES_PER_SCAN: usize = 500;

/// The folder every drop folder must be under (`[wire] drop_root`), or none: then no drop
/// folder may be set or looked at.
#[derive(Debug, Clone, Default)]
pub struct DropRoot(Option<Arc<Path>>);

impl DropRoot {
    pub fn new(root: Option<PathBuf>) -> Self {
        Self(root.map(Arc::from))
    }

    /// `location` as the real folder it names (symlinks followed), which must exist and be
    /// inside the root.
    ///
    /// # Errors
    /// A message for the editor: no root set, the root or the folder missing, or the folder
    /// outside the root (through `..` or a symlink).
    pub fn resolve(&self, location: &str) -> Result<PathBuf, String> {
        let Some(root) = &self.0 else {
            return Err("drop folders are off on this server: the operator sets [wire] drop_root \
                 in dateline.toml"
                .into());
        };
        let root = std::fs::canonicalize(root)
            .map_err(|e| format!("the drop root {} cannot be read: {e}", root.display()))?;
        let folder = std::fs::canonicalize(location)
            .map_err(|e| format!("the drop folder {location} cannot be read: {e}"))?;
        if !folder.starts_with(&root) {
            return Err(format!("the drop folder must be inside {}", root.display()));
        }
        if !folder.is_dir() {
            return Err(format!("{location} is not a folder"));
        }
        Ok(folder)
    }
}

/// Takes in the finished files waiting in the drop folder `location`, oldest name first;
/// their items' pictures go to `images`. A folder that is not (or no longer) inside `root`
/// is not looked at: the look fails with the reason, which editors see.
pub async fn scan(
    store: &dyn Store,
    images: &WireImages,
    source: SourceId,
    root: &DropRoot,
    location: &str,
    now: Timestamp,
) -> PollOutcome {
    let folder = match root.resolve(location) {
        Ok(folder) => folder,
        Err(error) => return PollOutcome::Failure { error },
    };
    let folder = folder.as_path();
    let files = match waiting_files(folder).await {
        Ok(files) => files,
        Err(e) => {
            return PollOutcome::Failure {
                error: format!("cannot read the drop folder {}: {e}", folder.display()),
            };
        }
    };
    let mut unreadable = Vec::new();
    for file in files {
        let name = file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        match take_in(store, images, source, &file, now).await {
            Ok(()) => {
                if let Err(e) = move_into(&file, "processed").await {
                    return PollOutcome::Failure {
                        error: format!("{name} was taken in but cannot be moved: {e}"),
                    };
                }
            }
            Err(TakeIn::Unreadable(reason)) => {
                tracing::warn!(%source, file = %file.display(), %reason, "drop-folder file refused");
                let moved = move_into(&file, "failed").await;
                if let Ok(target) = &moved {
                    write_note(&target.with_file_name(format!("{name}.error.txt")), &reason).await;
                }
                unreadable.push(match moved {
                    Ok(_) => format!("{name}: {reason} (moved to failed/)"),
                    Err(e) => format!("{name}: {reason} (and it cannot be moved: {e})"),
                });
            }
            // The database is the trouble, not the file: leave it for the next look.
            Err(TakeIn::Store(e)) => {
                return PollOutcome::Failure { error: format!("storing {name} failed: {e}") };
            }
        }
    }
    if unreadable.is_empty() {
        PollOutcome::Success { etag: None, last_modified: None }
    } else {
        PollOutcome::Failure { error: unreadable.join("; ") }
    }
}

/// `*.xml` regular files directly in `folder`, by name; symlinks are not files here.
async fn waiting_files(folder: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut entries = tokio::fs::read_dir(folder).await?;
    let mut files = Vec::new();
    while let Some(entry) = entries.next_entry().await? {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        let finished = name.to_ascii_lowercase().ends_with(".xml") && !name.starts_with('.');
        if finished && entry.file_type().await?.is_file() {
            files.push(entry.path());
        }
    }
    files.sort();
    files.truncate(FILES_PER_SCAN);
    Ok(files)
}

enum TakeIn {
    Unreadable(String),
    Store(dateline_store::StoreError),
}

async fn take_in(
    store: &dyn Store,
    images: &WireImages,
    source: SourceId,
    file: &Path,
    now: Timestamp,
) -> Result<(), TakeIn> {
    let bytes = read_regular(file).await.map_err(TakeIn::Unreadable)?;
    match crate::wire::take_in(
        store,
        images,
        source,
        &bytes,
        Some(dateline_ingest::Format::NewsMl),
        None,
        now,
    )
    .await
    {
        Ok(_) => Ok(()),
        Err(TakeInError::Unreadable(e)) => Err(TakeIn::Unreadable(e.to_string())),
        Err(TakeInError::Store(e)) => Err(TakeIn::Store(e)),
    }
}

/// The bytes of `file`, which must be a regular file and no symlink, also when it was
/// swapped for one since it was listed (the file opened must be the file looked at).
async fn read_regular(file: &Path) -> Result<Vec<u8>, String> {
    use tokio::io::AsyncReadExt;
    let limit = dateline_ingest::prepare::MAX_BYTES;
    let seen = tokio::fs::symlink_metadata(file).await.map_err(|e| e.to_string())?;
    if !seen.file_type().is_file() {
        return Err("not a regular file (a symlink is never read)".into());
    }
    let opened = tokio::fs::File::open(file).await.map_err(|e| e.to_string())?;
    let meta = opened.metadata().await.map_err(|e| e.to_string())?;
    if (meta.dev(), meta.ino()) != (seen.dev(), seen.ino()) {
        return Err("the file was replaced while being read".into());
    }
    if meta.len() > limit as u64 {
        return Err(format!("the file is larger than {limit} bytes"));
    }
    let mut bytes = Vec::new();
    opened.take(limit as u64 + 1).read_to_end(&mut bytes).await.map_err(|e| e.to_string())?;
    if bytes.len() > limit {
        return Err(format!("the file is larger than {limit} bytes"));
    }
    Ok(bytes)
}

/// Moves `file` into the sub-folder `into` of its folder (made when missing), which must be
/// a real folder: a symlink there would move the file out of the drop root.
async fn move_into(file: &Path, into: &str) -> std::io::Result<PathBuf> {
    let folder = file.parent().unwrap_or(Path::new(".")).join(into);
    if let Err(e) = tokio::fs::create_dir(&folder).await
        && e.kind() != std::io::ErrorKind::AlreadyExists
    {
        return Err(e);
    }
    if !tokio::fs::symlink_metadata(&folder).await?.file_type().is_dir() {
        return Err(std::io::Error::other(format!("{into}/ is not a folder (a symlink is never followed)")));
    }
    let target = folder.join(file.file_name().unwrap_or_default());
    tokio::fs::rename(file, &target).await?;
    Ok(target)
}

/// Writes the reason a file failed beside it, as a new file: whatever was at that name (a
/// symlink planted there, say) is removed, never written through.
async fn write_note(note: &Path, reason: &str) {
    use tokio::io::AsyncWriteExt;
    let _ = tokio::fs::remove_file(note).await;
    let file = tokio::fs::OpenOptions::new().write(true).create_new(true).open(note).await;
    if let Ok(mut file) = file {
        let _ = file.write_all(format!("{reason}\n").as_bytes()).await;
    }
}
