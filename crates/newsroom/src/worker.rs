//! The newsroom's background work, started and stopped as one: the scheduler, the feed and
//! drop-folder poller, webhook delivery, pruning of expired sessions and old sign-in
//! failures (`sign_in`), writing counted page views and reading the "Most Read" list
//! (`most_read`), and the change-log followers (the search index, and
//! whatever a surface keeps in step, such as the web page cache). Followers read the log
//! when the database announces a change (PostgreSQL `LISTEN/NOTIFY`, [`listen`]) and on a
//! timer: every [`FOLLOW`] where nothing is announced (SQLite, or while the announcing
//! connection is down), every [`FOLLOW_ANNOUNCED`] as a fallback while it is up. Wire pictures run on their
//! own queue (`wire_images`), fed by the take-ins. The binary may add loops of its own
//! ([`Workers::add`], such as the demo wire's timetable, `demo_wire`).
//!
//! [`Workers::stop`] is the graceful shutdown the binary runs on SIGTERM: every loop stops
//! taking work at once, polls and deliveries already running get [`GRACE`] to finish, and
//! those still running then are stopped and their leases released, so the next start (or
//! another node) takes them up at once. Nothing is lost; a delivery cut off mid-request is
//! sent again, with the same `X-Dateline-Delivery` id for the endpoint to recognise.

use crate::Clock;
use crate::search::Search;
use crate::wire_images::WireImages;
use dateline_store::Store;
use futures_util::future::BoxFuture;
use std::sync::Arc;
use std::time::Duration;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

/// How long work already started may run on after a stop is asked for.
pub const GRACE: Duration = Duration::from_secs(7);
/// How often followers read the change log, for changes made by other processes, when the
/// database does not announce them.
pub const FOLLOW: Duration = Duration::from_millis(250);
/// How often followers read the change log while the database announces changes: a
/// fallback only, so an idle node asks the database little.
pub const FOLLOW_ANNOUNCED: Duration = Duration::from_secs(5);
/// How long after a failed attempt the announcements' connection is tried again.
const LISTEN_RETRY: Duration = Duration::from_secs(1);

/// Something kept in step with the store's change log (a cache, an index).
pub trait Follower: Send + Sync + 'static {
    /// Reads `store`'s change log from where it stopped and applies what changed.
    fn follow<'a>(&'a self, store: &'a dyn Store) -> BoxFuture<'a, ()>;
}

impl Follower for Search {
    fn follow<'a>(&'a self, store: &'a dyn Store) -> BoxFuture<'a, ()> {
        Box::pin(async move {
            if let Err(e) = self.catch_up(store).await {
                tracing::warn!(error = %e, "the search index could not follow the change log");
            }
        })
    }
}

/// What the background work runs on.
#[derive(Clone)]
pub struct Background {
    pub store: Arc<dyn Store>,
    pub clock: Clock,
    pub wire_images: WireImages,
    /// The folder drop folders must be under (`[wire] drop_root`).
    pub drop_root: crate::drop_folder::DropRoot,
    /// What the poller and webhook deliveries may reach (the wire pictures' fetcher holds
    /// its own copy).
    pub egress: crate::egress::Egress,
    /// Kept in step with the change log, each on its own loop.
    pub followers: Vec<Arc<dyn Follower>>,
    /// The page views the web layer counts, written by a loop of their own.
    pub most_read: crate::most_read::MostRead,
}

/// The running background work.
pub struct Workers {
    stop: CancellationToken,
    tasks: JoinSet<()>,
}

impl Workers {
    /// Starts every loop on the current runtime.
    pub fn start(work: Background) -> Self {
        let stop = CancellationToken::new();
        let mut tasks = JoinSet::new();
        tasks.spawn(crate::scheduler::run(work.store.clone(), work.clock.clone(), stop.clone()));
        tasks.spawn(crate::poller::run(
            work.store.clone(),
            work.clock.clone(),
            work.wire_images.clone(),
            work.drop_root.clone(),
            work.egress.clone(),
            stop.clone(),
        ));
        tasks.spawn(crate::webhooks::run(
            work.store.clone(),
            work.clock.clone(),
            work.egress.clone(),
            stop.clone(),
        ));
        tasks.spawn(crate::sign_in::run_pruning(work.store.clone(), work.clock.clone(), stop.clone()));
        tasks.spawn(crate::most_read::run(
            work.most_read.clone(),
            work.store.clone(),
            work.clock.clone(),
            stop.clone(),
        ));
        // `true` while the database announces changes; every send wakes the followers.
        let (announced, woken) = tokio::sync::watch::channel(false);
        tasks.spawn(listen(work.store.clone(), announced, stop.clone()));
        for follower in work.followers {
            tasks.spawn(follow(follower, work.store.clone(), woken.clone(), stop.clone()));
        }
        Self { stop, tasks }
    }

    /// Adds a loop to the running work, stopped with the rest: `work` is given the stop
    /// token and must end soon after it is cancelled.
    pub fn add<F>(&mut self, work: impl FnOnce(CancellationToken) -> F)
    where
        F: std::future::Future<Output = ()> + Send + 'static,
    {
        self.tasks.spawn(work(self.stop.clone()));
    }

    /// Stops taking work, gives work already running [`GRACE`] to finish, releases what is
    /// still running then, and returns when every loop has ended.
    pub async fn stop(mut self) {
        self.stop.cancel();
        // Each loop ends itself within GRACE; this bound only guards against a bug.
        let ended = tokio::time::timeout(GRACE + Duration::from_secs(2), async {
            while self.tasks.join_next().await.is_some() {}
        })
        .await;
        if ended.is_err() {
            tracing::error!("background work did not stop in time; stopping it now");
            self.tasks.shutdown().await;
        }
    }
}

/// Runs `follower` when `woken` is sent to, and on a timer ([`FOLLOW`], or
/// [`FOLLOW_ANNOUNCED`] while `woken` holds `true`), until `stop`.
async fn follow(
    follower: Arc<dyn Follower>,
    store: Arc<dyn Store>,
    woken: tokio::sync::watch::Receiver<bool>,
    stop: CancellationToken,
) {
    let mut woken = Some(woken);
    loop {
        let period = match &woken {
            Some(w) if *w.borrow() => FOLLOW_ANNOUNCED,
            _ => FOLLOW,
        };
        let wake = async {
            match woken.as_mut() {
                Some(w) => w.changed().await.is_ok(),
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            biased;
            () = stop.cancelled() => return,
            open = wake => {
                if !open {
                    // Nothing announces changes (SQLite): the timer alone.
                    woken = None;
                }
            }
            () = tokio::time::sleep(period) => {}
        }
        follower.follow(store.as_ref()).await;
    }
}

/// Listens to the database's change announcements ([`Store::change_notices`]) and wakes
/// the followers through `announced` for each, and once when the connection is (re)made
/// (changes meanwhile were not announced); `announced` holds whether it is up. Ends at once
/// where the database announces nothing, dropping `announced`; otherwise tries again every
/// [`LISTEN_RETRY`] while the database is away, until `stop`.
pub async fn listen(
    store: Arc<dyn Store>,
    announced: tokio::sync::watch::Sender<bool>,
    stop: CancellationToken,
) {
    loop {
        let connected = tokio::select! {
            biased;
            () = stop.cancelled() => return,
            connected = store.change_notices() => connected,
        };
        match connected {
            Ok(None) => return,
            Ok(Some(mut notices)) => {
                tracing::debug!("following the change log by announcement");
                announced.send_replace(true);
                loop {
                    let next = tokio::select! {
                        biased;
                        () = stop.cancelled() => return,
                        next = notices.next() => next,
                    };
                    match next {
                        Ok(_) => announced.send_modify(|_| {}),
                        Err(e) => {
                            tracing::warn!(error = %e, "change announcements lost; reading the change log on a timer");
                            break;
                        }
                    }
                }
                announced.send_replace(false);
            }
            Err(e) => {
                tracing::warn!(error = %e, "change announcements unavailable; reading the change log on a timer")
            }
        }
        tokio::select! {
            biased;
            () = stop.cancelled() => return,
            () = tokio::time::sleep(LISTEN_RETRY) => {}
        }
    }
}

/// Waits for the next tick; `false` once `stop` is cancelled.
pub(crate) async fn tick(ticker: &mut tokio::time::Interval, stop: &CancellationToken) -> bool {
    tokio::select! {
        // A stop wins over a tick that is also due: no new work once a stop is asked for.
        biased;
        () = stop.cancelled() => false,
        _ = ticker.tick() => true,
    }
}

/// A loop's ticker: every `period`, a late tick delayed rather than bunched.
pub(crate) fn ticker(period: Duration) -> tokio::time::Interval {
    let mut ticker = tokio::time::interval(period);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    ticker
}

/// Waits for `running` (started work, each task answering what to release if cut off)
/// until all have ended, or, once `stop` is cancelled, for at most [`GRACE`] more; then
/// stops the rest and returns what each of those left to release.
pub(crate) async fn drain<T: 'static>(
    running: &mut JoinSet<()>,
    owners: &mut std::collections::HashMap<tokio::task::Id, T>,
    stop: &CancellationToken,
) -> Vec<T> {
    let deadline = async {
        stop.cancelled().await;
        tokio::time::sleep(GRACE).await;
    };
    tokio::pin!(deadline);
    loop {
        tokio::select! {
            next = running.join_next_with_id() => match next {
                Some(Ok((id, ()))) => { owners.remove(&id); }
                Some(Err(e)) => { owners.remove(&e.id()); }
                None => return Vec::new(),
            },
            () = &mut deadline => {
                running.abort_all();
                while let Some(next) = running.join_next_with_id().await {
                    if let Ok((id, ())) = next { owners.remove(&id); }
                }
                return owners.drain().map(|(_, v)| v).collect();
            }
        }
    }
}
