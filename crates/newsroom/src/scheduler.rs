//! The scheduler: publishes scheduled stories when their time comes, and takes the
//! breaking banner down at its end. It asks the store
//! every half second, so a story goes live within a second of its time; the store's
//! status check makes each publication happen exactly once, even with several nodes, and a
//! story whose time passed while the process was down goes out at the first tick after a
//! restart.

use crate::Clock;
use dateline_store::Store;
use std::sync::Arc;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// How often due stories are looked for.
pub const TICK: Duration = Duration::from_millis(500);

/// Publishes due stories until `stop`.
pub async fn run(store: Arc<dyn Store>, clock: Clock, stop: CancellationToken) {
    let mut ticker = crate::worker::ticker(TICK);
    while crate::worker::tick(&mut ticker, &stop).await {
        match store.publish_due(clock.now()).await {
            Ok(published) => {
                for id in published {
                    tracing::info!(story.id = %id, "scheduled story published");
                }
            }
            Err(e) => tracing::warn!(error = %e, "scheduler could not publish due stories"),
        }
        if let Err(e) = crate::site::expire_banner(store.as_ref(), clock.now()).await {
            tracing::warn!(error = %e, "scheduler could not take an ended banner down");
        }
    }
}
