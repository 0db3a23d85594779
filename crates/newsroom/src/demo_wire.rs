//! The demo wire's timetable: agency copy (as the bytes an agency would push) handed to the
//! one wire take-in ([`crate::wire::take_in`]) at set times after the start, so that
//! `dateline serve --demo` shows the wire desk at work — items held, grouped with another
//! agency's copy, updated and withdrawn — exactly as real pushes, polls and drop folders make
//! it. The copy itself is written by the binary (`dateline`'s `demo_wire`); this loop only
//! keeps time, and runs beside the other background work ([`crate::Workers::add`]).

use crate::Clock;
use crate::wire::{TakeInError, TakenIn};
use crate::wire_images::WireImages;
use dateline_core::{IngestAction, SourceId};
use dateline_ingest::Format;
use dateline_store::Store;
use std::sync::Arc;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// One document of the timetable: sent `after` the start, as `source`'s copy.
#[derive(Debug, Clone)]
pub struct Dispatch {
    pub after: Duration,
    pub source: SourceId,
    pub format: Format,
    pub bytes: Vec<u8>,
}

/// How often a document the database failed to store is tried again, and how long apart (an
/// agency whose push failed sends it again).
const TRIES: u32 = 3;
const RETRY_AFTER: Duration = Duration::from_secs(1);

/// Sends each document of `timetable` at its time, in the order of their times, `speed`
/// times faster than real time (1 is real time; 0 is taken as 1), until the timetable is
/// done or `stop`. Returns what receiving each document did, in order.
pub async fn run(
    store: Arc<dyn Store>,
    images: WireImages,
    clock: Clock,
    mut timetable: Vec<Dispatch>,
    speed: u32,
    stop: CancellationToken,
) -> Vec<IngestAction> {
    timetable.sort_by_key(|d| d.after);
    let started = tokio::time::Instant::now();
    let mut done = Vec::with_capacity(timetable.len());
    for dispatch in timetable {
        let due = started + dispatch.after / speed.max(1);
        tokio::select! {
            biased;
            () = stop.cancelled() => break,
            () = tokio::time::sleep_until(due) => {}
        }
        match send(store.as_ref(), &images, &clock, &dispatch, &stop).await {
            Some(taken) => {
                for (item, action) in taken.items.iter().zip(&taken.actions) {
                    tracing::info!(source = %dispatch.source, guid = %item.guid, ?action, "demo wire item taken in");
                }
                done.extend(taken.actions);
            }
            None if stop.is_cancelled() => break,
            None => {}
        }
    }
    done
}

/// Takes one document in, trying again a few times while the database fails.
async fn send(
    store: &dyn Store,
    images: &WireImages,
    clock: &Clock,
    dispatch: &Dispatch,
    stop: &CancellationToken,
) -> Option<TakenIn> {
    for attempt in 1..=TRIES {
        let taken = crate::wire::take_in(
            store,
            images,
            dispatch.source,
            &dispatch.bytes,
            Some(dispatch.format),
            None,
            clock.now(),
        )
        .await;
        match taken {
            Ok(taken) => return Some(taken),
            Err(TakeInError::Unreadable(e)) => {
                tracing::error!(source = %dispatch.source, error = %e, "a demo wire document was refused");
                return None;
            }
            Err(TakeInError::Store(e)) => {
                tracing::warn!(source = %dispatch.source, attempt, error = %e, "a demo wire document was not stored");
                tokio::select! {
                    () = stop.cancelled() => return None,
                    () = tokio::time::sleep(RETRY_AFTER) => {}
                }
            }
        }
    }
    None
}
