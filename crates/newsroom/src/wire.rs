//! The one way agency copy enters the newsroom: a push to the API, a polled feed and a
//! drop-folder file all hand their bytes to [`take_in`], which parses them, stores every item
//! in one transaction (published, held, updated or killed by the source's rules, a kill
//! holding against any re-send) and queues the items' pictures. What differs between the
//! three is only how the bytes arrive.

use crate::wire_images::WireImages;
use dateline_core::{IncomingItem, IngestAction, SourceId};
use dateline_ingest::Format;
use dateline_store::Store;
use jiff::Timestamp;

/// Why copy was not taken in.
#[derive(Debug, thiserror::Error)]
pub enum TakeInError {
    /// The bytes are not copy we can read; the message is for the agency or the editor.
    #[error(transparent)]
    Unreadable(#[from] dateline_ingest::IngestError),
    /// The database failed; the copy itself may be fine and should be sent again.
    #[error("storing failed: {0}")]
    Store(#[from] dateline_store::StoreError),
}

/// What happened to each item taken in, in the order the copy had them.
pub struct TakenIn {
    pub items: Vec<IncomingItem>,
    pub actions: Vec<IngestAction>,
}

/// Parses `bytes` (as `format`, or sniffed when `None`), stores the items for `source` in one
/// transaction committed before this returns, and queues their pictures on `images`.
///
/// # Errors
/// [`TakeInError::Unreadable`] for bytes that are not ninjs, NewsML-G2 or a feed (nothing is
/// stored); [`TakeInError::Store`] when the database fails (nothing is stored either).
pub async fn take_in(
    store: &dyn Store,
    images: &WireImages,
    source: SourceId,
    bytes: &[u8],
    format: Option<Format>,
    now: Timestamp,
) -> Result<TakenIn, TakeInError> {
    let parsed = dateline_ingest::parse(bytes, format)?;
    let items: Vec<IncomingItem> = parsed.items.iter().map(dateline_ingest::WireItem::incoming).collect();
    let actions = store.ingest_items(source, bytes, &items, now).await?;
    images.after_ingest(source, &items, &actions);
    Ok(TakenIn { items, actions })
}
