//! The poller: looks at NewsML-G2 drop folders (see `drop_folder`) and fetches RSS, Atom
//! and JSON Feed sources at their interval with a
//! conditional GET (ETag / Last-Modified, so an unchanged feed costs a 304), a timeout, a
//! size cap, gzip and at most five redirects, through the egress policy (`crate::egress`:
//! public addresses only unless allowed), and takes the items in like a push (their
//! pictures are then fetched by `wire_images`). A failing
//! or hostile source only backs off itself (the store doubles its wait, up to an hour) and
//! has its error recorded for editors; every source is fetched on its own task, so none
//! can hold up another.

use crate::Clock;
use crate::drop_folder::DropRoot;
use crate::egress::{self, Egress};
use crate::wire_images::WireImages;
use dateline_core::{DuePoll, PollOutcome};
use dateline_store::Store;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

/// How long a feed may take to answer.
pub const TIMEOUT: Duration = Duration::from_secs(20);
/// How often due sources are looked for.
pub const TICK: Duration = Duration::from_millis(500);
/// Sources polled at once, so a flood of due sources cannot open unbounded connections.
pub const MAX_POLLS: usize = 8;

/// A feed as fetched: its bytes, the address it says it is at (`Content-Location`, else the
/// address after redirects), and what the poll records.
struct Fetched {
    body: Vec<u8>,
    address: String,
    outcome: PollOutcome,
}

async fn fetch(client: &egress::Client, poll: &DuePoll) -> Result<Option<Fetched>, String> {
    let mut request = client.request(reqwest::Method::GET, &poll.url).map_err(|e| e.to_string())?;
    if let Some(etag) = &poll.etag {
        request = request.header("if-none-match", etag);
    }
    if let Some(lm) = &poll.last_modified {
        request = request.header("if-modified-since", lm);
    }
    let mut response = request.send().await.map_err(|e| egress::describe(&e))?;
    let status = response.status();
    if status == reqwest::StatusCode::NOT_MODIFIED {
        return Ok(None);
    }
    if !status.is_success() {
        return Err(format!("the feed answered {status}"));
    }
    let header = |name: &str| response.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
    let outcome = PollOutcome::Success { etag: header("etag"), last_modified: header("last-modified") };
    let fetched_from = response.url().clone();
    let address = header("content-location")
        .and_then(|l| fetched_from.join(l.trim()).ok())
        .unwrap_or(fetched_from)
        .to_string();
    let limit = dateline_ingest::prepare::MAX_BYTES;
    let mut body = Vec::new();
    while let Some(chunk) =
        response.chunk().await.map_err(|e| format!("reading the feed failed: {}", egress::describe(&e)))?
    {
        body.extend_from_slice(&chunk);
        if body.len() > limit {
            return Err(format!("the feed is larger than {limit} bytes"));
        }
    }
    Ok(Some(Fetched { body, address, outcome }))
}

async fn poll_one(
    store: Arc<dyn Store>,
    client: egress::Client,
    clock: Clock,
    images: WireImages,
    drop_root: DropRoot,
    poll: DuePoll,
) {
    let outcome = if poll.kind == "drop-newsml" {
        crate::drop_folder::scan(&*store, &images, poll.source, &drop_root, &poll.url, clock.now()).await
    } else {
        fetch_and_take_in(&*store, &client, &clock, &images, &poll).await
    };
    if let PollOutcome::Failure { error } = &outcome {
        tracing::warn!(source = %poll.source, location = %poll.url, %error, "poll failed");
    }
    if let Err(e) = store.record_poll(poll.source, clock.now(), &outcome).await {
        tracing::error!(source = %poll.source, error = %e, "could not record a poll");
    }
}

async fn fetch_and_take_in(
    store: &dyn Store,
    client: &egress::Client,
    clock: &Clock,
    images: &WireImages,
    poll: &DuePoll,
) -> PollOutcome {
    match fetch(client, poll).await {
        Ok(None) => PollOutcome::Success { etag: None, last_modified: None },
        Ok(Some(Fetched { body, address, outcome })) => {
            match crate::wire::take_in(store, images, poll.source, &body, None, Some(&address), clock.now())
                .await
            {
                Ok(_) => outcome,
                Err(e) => PollOutcome::Failure { error: e.to_string() },
            }
        }
        Err(error) => PollOutcome::Failure { error },
    }
}

/// Polls due sources until `stop`, at most [`MAX_POLLS`] at a time, reaching only what
/// `egress` admits; their items' pictures go to `images`; drop folders are looked at only
/// inside `drop_root`. Polls still running [`GRACE`] after the stop are cut off and their sources
/// released, to be polled again at the next start (taking an item in twice changes nothing).
///
/// [`GRACE`]: crate::worker::GRACE
pub async fn run(
    store: Arc<dyn Store>,
    clock: Clock,
    images: WireImages,
    drop_root: DropRoot,
    egress: Egress,
    stop: CancellationToken,
) {
    let options = egress::Options { timeout: TIMEOUT, max_redirects: 5, user_agent: "Dateline-Poller/1" };
    let client = match egress.client(&options) {
        Ok(c) => c,
        Err(e) => {
            tracing::error!(error = %e, "the feed poller could not start");
            return;
        }
    };
    let mut ticker = crate::worker::ticker(TICK);
    let lease = TIMEOUT.as_secs() as i64 * 3;
    let mut running = JoinSet::new();
    let mut owners = HashMap::new();
    while crate::worker::tick(&mut ticker, &stop).await {
        while let Some(done) = running.try_join_next_with_id() {
            owners.remove(&done.map_or_else(|e| e.id(), |(id, ())| id));
        }
        let free = MAX_POLLS.saturating_sub(running.len());
        if free == 0 {
            continue;
        }
        match store.claim_polls(clock.now(), lease, free as u32).await {
            Ok(due) => {
                for poll in due {
                    let source = poll.source;
                    let task = running.spawn(poll_one(
                        store.clone(),
                        client.clone(),
                        clock.clone(),
                        images.clone(),
                        drop_root.clone(),
                        poll,
                    ));
                    owners.insert(task.id(), source);
                }
            }
            Err(e) => tracing::warn!(error = %e, "could not read the poll schedule"),
        }
    }
    for source in crate::worker::drain(&mut running, &mut owners, &stop).await {
        tracing::info!(%source, "poll cut off by the shutdown; the source is due again");
        if let Err(e) = store.release_poll(source, clock.now()).await {
            tracing::error!(%source, error = %e, "could not release a poll");
        }
    }
}
