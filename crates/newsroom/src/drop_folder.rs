//! NewsML-G2 drop folders: an agency (or an FTP or rsync job) writes files into a folder,
//! and each `*.xml` file there is read and taken in like a push. A file is moved to
//! `processed/` only after its items are committed, so a crash at any moment loses nothing,
//! and reading the same file again changes nothing. A file that cannot be read goes to
//! `failed/` with the reason in `NAME.error.txt` beside it, and editors see the error in the
//! source's status. Writers should write under another name (such as `.tmp`) and rename the
//! finished file to `*.xml`, so that a half-written file is never read. Pictures the items
//! carry are fetched afterwards by `wire_images`.

use crate::wire::TakeInError;
use crate::wire_images::WireImages;
use dateline_core::{PollOutcome, SourceId};
use dateline_store::Store;
use jiff::Timestamp;
use std::path::{Path, PathBuf};

/// Files taken per look, so one flood of files cannot hold the poller for long.
pub const FILES_PER_SCAN: usize = 500;

/// Takes in the finished files waiting in `folder`, oldest name first; their items' pictures
/// go to `images`.
pub async fn scan(
    store: &dyn Store,
    images: &WireImages,
    source: SourceId,
    folder: &Path,
    now: Timestamp,
) -> PollOutcome {
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
                    let note = target.with_file_name(format!("{name}.error.txt"));
                    let _ = tokio::fs::write(note, format!("{reason}\n")).await;
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

/// `*.xml` regular files directly in `folder`, by name.
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
    let limit = dateline_ingest::prepare::MAX_BYTES;
    let size = tokio::fs::metadata(file).await.map_err(|e| TakeIn::Unreadable(e.to_string()))?.len();
    if size > limit as u64 {
        return Err(TakeIn::Unreadable(format!("the file is larger than {limit} bytes")));
    }
    let bytes = tokio::fs::read(file).await.map_err(|e| TakeIn::Unreadable(e.to_string()))?;
    match crate::wire::take_in(store, images, source, &bytes, Some(dateline_ingest::Format::NewsMl), now)
        .await
    {
        Ok(_) => Ok(()),
        Err(TakeInError::Unreadable(e)) => Err(TakeIn::Unreadable(e.to_string())),
        Err(TakeInError::Store(e)) => Err(TakeIn::Store(e)),
    }
}

/// Moves `file` into the sub-folder `into` of its folder (made when missing).
async fn move_into(file: &Path, into: &str) -> std::io::Result<PathBuf> {
    let folder = file.parent().unwrap_or(Path::new(".")).join(into);
    tokio::fs::create_dir_all(&folder).await?;
    let target = folder.join(file.file_name().unwrap_or_default());
    tokio::fs::rename(file, &target).await?;
    Ok(target)
}
