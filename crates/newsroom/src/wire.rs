//! The one way agency copy enters the newsroom: a push to the API, a polled feed and a
//! drop-folder file all hand their bytes to [`take_in`], which parses them, stores every item
//! in one transaction (published, held, updated or killed by the source's rules, a kill
//! holding against any re-send) and queues the items' pictures. What differs between the
//! three is only how the bytes arrive.

use crate::admin::{AdminError, guarded};
use crate::drop_folder::DropRoot;
use crate::wire_images::WireImages;
use dateline_core::rights::{Action, Actor};
use dateline_core::{
    DeskAction, FieldError, IncomingItem, IngestAction, SourceId, StoryId, WireConfig, WireSource,
};
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

/// Parses `bytes` (as `format`, or sniffed when `None`; relative links resolved against
/// `address`, where the bytes came from, when known), stores the items for `source` in one
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
    address: Option<&str>,
    now: Timestamp,
) -> Result<TakenIn, TakeInError> {
    let parsed = dateline_ingest::parse(bytes, format, address)?;
    let items: Vec<IncomingItem> = parsed.items.iter().map(dateline_ingest::WireItem::incoming).collect();
    let actions = store.ingest_items(source, bytes, &items, now).await?;
    images.after_ingest(source, &items, &actions);
    Ok(TakenIn { items, actions })
}

/// Where a source's copy may come from: feeds from the addresses `egress` admits, drop
/// folders inside `drop_root`.
#[derive(Clone, Copy)]
pub struct Origins<'a> {
    pub egress: &'a crate::egress::Egress,
    pub drop_root: &'a DropRoot,
}

/// Saves how a source's copy arrives (checked by `WireConfig::validate`, a feed's address
/// against `origins.egress`, a drop folder resolved inside `origins.drop_root` and saved as the real
/// folder); a polled source is looked at again at once; a source no longer pushed to loses
/// its push token. The same for the HTML admin and the Admin API.
///
/// # Errors
/// [`AdminError::Forbidden`] unless the actor manages sources; [`AdminError::Invalid`]
/// with every field problem (a drop folder when no root is set, or outside it, included);
/// a store failure.
pub async fn configure(
    store: &dyn Store,
    origins: Origins<'_>,
    actor: &Actor,
    source: SourceId,
    config: &WireConfig,
    poll_seconds: i64,
    now: Timestamp,
) -> Result<(), AdminError> {
    let mut config = config.clone();
    let feed = config.location.as_deref().filter(|_| WireConfig::is_feed(&config.kind));
    let mut valid =
        match (config.validate(poll_seconds), feed.and_then(|l| origins.egress.refusal("location", l))) {
            (valid, None) => valid,
            (Ok(()), Some(refused)) => Err(vec![refused]),
            (Err(mut errors), Some(refused)) => {
                errors.push(refused);
                Err(errors)
            }
        };
    if config.kind == "drop-newsml"
        && let (Ok(()), Some(location)) = (&valid, config.location.as_deref())
    {
        match origins.drop_root.resolve(location) {
            Ok(folder) => config.location = Some(folder.display().to_string()),
            Err(message) => valid = Err(vec![FieldError::new("location", message)]),
        }
    }
    guarded(
        actor,
        Action::ManageSources,
        valid,
        store.save_wire_settings(source, &config, poll_seconds, None, now),
    )
    .await
}

/// Issues a new push token for a push source (the old one stops working at once) and
/// returns it, to show once; only its hash is kept.
///
/// # Errors
/// [`AdminError::Forbidden`]; [`AdminError::Invalid`] for a source that is not pushed to;
/// a store or random-generator failure.
pub async fn new_push_token(
    store: &dyn Store,
    actor: &Actor,
    source: &WireSource,
) -> Result<String, AdminError> {
    let valid = if WireConfig::is_push(&source.config.kind) {
        Ok(())
    } else {
        Err(vec![FieldError::new("kind", "only push sources have a push token")])
    };
    let token = dateline_core::secrets::new_token("dl_push_").map_err(AdminError::Secret)?;
    let hash = dateline_core::secrets::token_hash(&token);
    guarded(actor, Action::ManageSources, valid, store.set_push_token(source.source.id, Some(&hash))).await?;
    Ok(token)
}

/// Revokes a source's push token: its pushes are refused until a new token is issued.
///
/// # Errors
/// [`AdminError::Forbidden`]; a store failure.
pub async fn revoke_push_token(store: &dyn Store, actor: &Actor, source: SourceId) -> Result<(), AdminError> {
    guarded(actor, Action::ManageSources, Ok(()), store.set_push_token(source, None)).await
}

/// Why a push was refused before its body was read.
#[derive(Debug, thiserror::Error)]
pub enum PushRefused {
    /// No token, or not this source's.
    #[error("send this source's push token")]
    Unauthorized,
    /// The token is this source's, but the source is not (or no longer) a push source.
    #[error("this source does not take pushes")]
    NotPushSource,
    #[error(transparent)]
    Store(#[from] dateline_store::StoreError),
}

/// Checks a push to `source` with the bearer `token` (the secret, as sent): the token must
/// be this source's, and the source a push source.
///
/// # Errors
/// [`PushRefused`].
pub async fn check_push(store: &dyn Store, source: SourceId, token: &str) -> Result<(), PushRefused> {
    if token.is_empty() {
        return Err(PushRefused::Unauthorized);
    }
    let found = store.source_by_push_token(&dateline_core::secrets::token_hash(token)).await?;
    if found != Some(source) {
        return Err(PushRefused::Unauthorized);
    }
    let kind = store.wire_source(source).await?.map(|w| w.config.kind);
    if !kind.is_some_and(|k| WireConfig::is_push(&k)) {
        return Err(PushRefused::NotPushSource);
    }
    Ok(())
}

/// The wire desk's decision on a held item: publish it as a story, make it a draft to
/// edit, or ignore it. Returns the story made, if any.
///
/// # Errors
/// [`AdminError::Forbidden`] unless the actor works the wire desk; the store's refusal (an
/// item already acted on is [`AdminError::Invalid`]).
pub async fn act_on_item(
    store: &dyn Store,
    actor: &Actor,
    item: i64,
    action: DeskAction,
    now: Timestamp,
) -> Result<Option<StoryId>, AdminError> {
    guarded(actor, Action::ActOnWire, Ok(()), store.act_on_wire_item(item, action, actor, now)).await
}
