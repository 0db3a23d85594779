//! The one way a picture enters the library: checked, processed off the async threads one
//! at a time so memory stays bounded, stored, recorded. Uploads, agency pictures and demo
//! content all come through [`take_in`]; one leaves it through [`remove`].

use dateline_core::{Media, MediaText, NewMedia};
use dateline_media::{Limits, MediaError, MediaStorage};
use std::sync::Arc;
use tokio::sync::Semaphore;

/// Where pictures are kept and how big they may be.
#[derive(Clone)]
pub struct Pictures {
    pub storage: MediaStorage,
    pub limits: Limits,
    /// One picture is decoded at a time, so memory stays bounded whatever arrives at once.
    gate: Arc<Semaphore>,
}

impl Pictures {
    pub fn new(storage: MediaStorage) -> Self {
        // Processing a rotated 48-megapixel photo peaks near 335 MB; at 30 megapixels it
        // stays near 250 MB, which keeps the whole server within its 300 MB.
        let limits = Limits { max_pixels: 30_000_000, ..Limits::default() };
        Self { storage, limits, gate: Arc::new(Semaphore::new(1)) }
    }
}

/// Why a picture was not taken in.
#[derive(Debug, thiserror::Error)]
pub enum TakeError {
    /// The file itself is the problem; the message is for the editor.
    #[error("{0}")]
    Refused(MediaError),
    #[error("the picture could not be stored: {0}")]
    Storage(MediaError),
    #[error(transparent)]
    Store(#[from] dateline_store::StoreError),
}

/// Checks, processes, stores and records `bytes` as a picture with `text`; `origin` is the
/// agency address it came from (empty for uploads). The same file again is the same picture.
/// Every picture comes in here: uploads (HTML admin, Admin API), wire pictures, demo content.
///
/// # Errors
/// [`TakeError::Refused`] with an editor-facing message when the file is not a picture we
/// accept; storage and database failures otherwise. Nothing is left behind on failure.
pub async fn take_in(
    store: &dyn dateline_store::Store,
    pictures: &Pictures,
    bytes: Vec<u8>,
    text: MediaText,
    origin: &str,
    now: jiff::Timestamp,
) -> Result<Media, TakeError> {
    take_in_as(store, pictures, bytes, text, origin, now, None).await
}

/// [`take_in`], the picture kept under `known_as` when given: the name another Dateline
/// gave it (the hash of the file as it was uploaded there, before its metadata was
/// stripped), so that a site brought over from an export keeps its picture addresses.
///
/// # Errors
/// As [`take_in`].
pub async fn take_in_as(
    store: &dyn dateline_store::Store,
    pictures: &Pictures,
    bytes: Vec<u8>,
    text: MediaText,
    origin: &str,
    now: jiff::Timestamp,
    known_as: Option<&str>,
) -> Result<Media, TakeError> {
    if bytes.len() > pictures.limits.max_bytes {
        return Err(TakeError::Refused(MediaError::TooLarge {
            bytes: bytes.len(),
            max: pictures.limits.max_bytes,
        }));
    }
    let hash = known_as.map_or_else(|| dateline_media::content_hash(&bytes), str::to_owned);
    if let Some(known) = store.media_by_hash(&hash).await? {
        return Ok(known);
    }
    text.validate().map_err(dateline_store::StoreError::Invalid)?;
    let processed = {
        let _permit = pictures
            .gate
            .acquire()
            .await
            .map_err(|_| TakeError::Storage(MediaError::Storage("shutting down".into())))?;
        let limits = pictures.limits;
        tokio::task::spawn_blocking(move || dateline_media::process(&bytes, &limits))
            .await
            .map_err(|e| TakeError::Storage(MediaError::Storage(format!("processing stopped: {e}"))))?
    };
    let processed = processed
        .map_err(|e| if e.is_bad_input() { TakeError::Refused(e) } else { TakeError::Storage(e) })?;
    pictures.storage.put_processed(&hash, &processed).await.map_err(TakeError::Storage)?;
    let new = NewMedia {
        hash,
        format: processed.format.extension().to_owned(),
        width: processed.width,
        height: processed.height,
        bytes: processed.original.len() as u64,
        text,
        origin: origin.to_owned(),
    };
    Ok(store.add_media(&new, now).await?)
}

/// Why a picture was not removed.
#[derive(Debug, thiserror::Error)]
pub enum RemoveError {
    #[error("not allowed")]
    Forbidden,
    #[error("no such picture")]
    NotFound,
    /// Stories show the picture: their ids and headlines.
    #[error("stories show this picture: {}", .0.iter().map(|(_, h)| h.as_str()).collect::<Vec<_>>().join("; "))]
    InUse(Vec<(dateline_core::StoryId, String)>),
    /// The row is gone but some of its files could not be deleted.
    #[error("the picture was removed from the library but its files could not all be deleted: {0}")]
    Storage(MediaError),
    #[error(transparent)]
    Store(dateline_store::StoreError),
}

/// Removes picture `id` for `actor`: refused while any story shows it; otherwise its row,
/// then its original and every variant in storage.
///
/// # Errors
/// [`RemoveError`]: not allowed, no such picture, in use (naming the stories), or a
/// failure of the database or the file storage.
pub async fn remove(
    store: &dyn dateline_store::Store,
    pictures: &Pictures,
    actor: &dateline_core::Actor,
    id: dateline_core::MediaId,
) -> Result<Media, RemoveError> {
    use dateline_core::rights::{self, Action, Target};
    if !rights::may(actor, Action::RemoveMedia, Target::Site) {
        return Err(RemoveError::Forbidden);
    }
    let media = match store.remove_media(id).await {
        Ok(dateline_store::MediaRemoval::Removed(media)) => media,
        Ok(dateline_store::MediaRemoval::InUse(stories)) => return Err(RemoveError::InUse(stories)),
        Err(dateline_store::StoreError::NotFound) => return Err(RemoveError::NotFound),
        Err(e) => return Err(RemoveError::Store(e)),
    };
    let files = pictures
        .storage
        .delete_prefix(&dateline_media::prefix_key(&media.hash))
        .await
        .map_err(RemoveError::Storage)?;
    tracing::info!(%actor, id = media.id.0, files, "picture removed from the library");
    Ok(media)
}
