//! Webhook delivery: a worker that sends queued story events to their endpoints as JSON,
//! signed with HMAC-SHA256 of the body under the webhook's secret
//! (`X-Dateline-Signature: sha256=<hex>`), and retries failures with exponential backoff
//! (1 s, 2 s, 4 s ... up to an hour) for [`MAX_ATTEMPTS`] attempts. Every attempt is in the
//! delivery log the admin shows. Deliveries are queued by the store in the transaction of
//! the change itself, so a crash never loses one.
//!
//! Requests go through the egress policy (`crate::egress`), so an endpoint on the
//! newsroom's own network is refused unless `dateline.toml` allows it. A paused endpoint's
//! queued deliveries wait (the store does not hand them out) and go when it is resumed.
//!
//! Endpoints are added and paused here too ([`create`], [`set_active`]), the same way from
//! the HTML admin and the Admin API: the rights table, then the address and events checked.

use crate::Clock;
use crate::admin::{AdminError, guarded};
use crate::egress::{self, Egress};
use dateline_core::rights::{Action, Actor};
use dateline_core::{Delivery, FieldError, StoryEvent, Webhook};
use dateline_store::Store;
use hmac::{KeyInit, Mac};
use jiff::SignedDuration;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

/// Attempts before a delivery is marked failed.
pub const MAX_ATTEMPTS: i64 = 8;
/// How long an endpoint may take to answer.
pub const TIMEOUT: Duration = Duration::from_secs(10);
/// How often the queue is looked at.
pub const TICK: Duration = Duration::from_millis(500);

/// Adds an endpoint told of `events` (every event when empty); returns it with its new
/// signing secret, to show once.
///
/// # Errors
/// [`AdminError::Forbidden`]; [`AdminError::Invalid`] for an address that is not http(s),
/// names an IP address `egress` refuses, or an unknown event; a store or random-generator
/// failure.
pub async fn create(
    store: &dyn Store,
    egress: &Egress,
    actor: &Actor,
    url: &str,
    events: &[String],
    now: jiff::Timestamp,
) -> Result<(Webhook, String), AdminError> {
    let parsed = parse(url, events).and_then(|(url, events)| match egress.refusal("url", &url) {
        Some(refused) => Err(refused),
        None => Ok((url, events)),
    });
    let valid = parsed.as_ref().map(|_| ()).map_err(|e| vec![e.clone()]);
    let secret = dateline_core::secrets::random_hex(24).map_err(AdminError::Secret)?;
    let (url, events) = parsed.unwrap_or_default();
    let hook =
        guarded(actor, Action::ManageWebhooks, valid, store.create_webhook(&url, &secret, &events, now))
            .await?;
    Ok((hook, secret))
}

/// Pauses (`false`) or resumes an endpoint's deliveries.
///
/// # Errors
/// [`AdminError::Forbidden`]; a missing webhook is the store's `NotFound`.
pub async fn set_active(store: &dyn Store, actor: &Actor, id: i64, active: bool) -> Result<(), AdminError> {
    guarded(actor, Action::ManageWebhooks, Ok(()), store.set_webhook_active(id, active)).await
}

/// A webhook's address (http or https, no spaces) and events (all when none are named).
fn parse(url: &str, events: &[String]) -> Result<(String, Vec<StoryEvent>), FieldError> {
    let url = url.trim();
    if !(url.starts_with("http://") || url.starts_with("https://")) || url.contains(char::is_whitespace) {
        return Err(FieldError::new("url", "an http:// or https:// address"));
    }
    let named: Vec<&str> = events.iter().map(|e| e.trim()).filter(|e| !e.is_empty()).collect();
    let events = if named.is_empty() {
        StoryEvent::ALL.to_vec()
    } else {
        named
            .into_iter()
            .map(|e| {
                StoryEvent::parse(e).ok_or_else(|| FieldError::new("events", format!("unknown event {e:?}")))
            })
            .collect::<Result<_, _>>()?
    };
    Ok((url.to_owned(), events))
}

/// The signature header value for `body` under `secret`.
pub fn signature(secret: &str, body: &[u8]) -> String {
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).unwrap_or_else(|_| {
        // HMAC accepts keys of any length; this branch cannot be taken.
        hmac::Hmac::<sha2::Sha256>::new_from_slice(b"").unwrap_or_else(|_| unreachable!())
    });
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// The wait before attempt number `attempts + 1`.
pub fn backoff(attempts: i64) -> SignedDuration {
    SignedDuration::from_secs(1i64 << attempts.clamp(0, 12)).min(SignedDuration::from_hours(1))
}

/// Sends one delivery and records the outcome.
async fn deliver(
    store: &dyn Store,
    client: &egress::Client,
    clock: &Clock,
    delivery: Delivery,
    secret: String,
) {
    let body = delivery.payload.clone().into_bytes();
    let result = match client.request(reqwest::Method::POST, &delivery.url) {
        Ok(request) => request
            .header("content-type", "application/json")
            .header("x-dateline-event", format!("story.{}", delivery.event))
            .header("x-dateline-delivery", delivery.id.to_string())
            .header("x-dateline-signature", signature(&secret, &body))
            .body(body)
            .send()
            .await
            .map_err(|e| egress::describe(&e)),
        Err(denied) => Err(denied.to_string()),
    };
    let now = clock.now();
    let (ok, code, error) = match result {
        Ok(response) if response.status().is_success() => {
            (true, Some(i64::from(response.status().as_u16())), None)
        }
        Ok(response) => (
            false,
            Some(i64::from(response.status().as_u16())),
            Some(format!("endpoint answered {}", response.status())),
        ),
        Err(e) => (false, None, Some(e)),
    };
    let attempts = delivery.attempts + 1;
    let retry_at = (!ok && attempts < MAX_ATTEMPTS).then(|| now + backoff(delivery.attempts));
    if let Some(e) = &error {
        tracing::warn!(delivery = delivery.id, url = %delivery.url, attempts, error = %e, "webhook delivery failed");
    }
    if let Err(e) =
        store.record_delivery_attempt(delivery.id, now, ok, code, error.as_deref(), retry_at).await
    {
        tracing::error!(delivery = delivery.id, error = %e, "could not record a webhook attempt");
    }
}

/// Delivers due webhook events until `stop`, reaching only what `egress` admits; deliveries
/// still running [`GRACE`] after it are cut off and left pending, to be sent again at the
/// next start.
///
/// [`GRACE`]: crate::worker::GRACE
pub async fn run(store: Arc<dyn Store>, clock: Clock, egress: Egress, stop: CancellationToken) {
    let options = egress::Options { timeout: TIMEOUT, max_redirects: 3, user_agent: "Dateline-Webhooks/1" };
    let client = match egress.client(&options) {
        Ok(c) => c,
        Err(e) => {
            tracing::error!(error = %e, "webhook client could not start");
            return;
        }
    };
    let mut ticker = crate::worker::ticker(TICK);
    let lease = TIMEOUT.as_secs() as i64 * 3;
    while crate::worker::tick(&mut ticker, &stop).await {
        let due = match store.claim_deliveries(clock.now(), 16, lease).await {
            Ok(due) => due,
            Err(e) => {
                tracing::warn!(error = %e, "could not read the webhook queue");
                continue;
            }
        };
        // Endpoints are independent: a slow one must not hold up the others.
        let mut sends = JoinSet::new();
        let mut owners = HashMap::new();
        for (delivery, secret) in due {
            let id = delivery.id;
            let (store, client, clock) = (store.clone(), client.clone(), clock.clone());
            let task =
                sends.spawn(async move { deliver(store.as_ref(), &client, &clock, delivery, secret).await });
            owners.insert(task.id(), id);
        }
        for id in crate::worker::drain(&mut sends, &mut owners, &stop).await {
            tracing::info!(delivery = id, "webhook delivery cut off by the shutdown; it stays queued");
            if let Err(e) = store.release_delivery(id, clock.now()).await {
                tracing::error!(delivery = id, error = %e, "could not release a webhook delivery");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_is_hmac_sha256_hex() {
        // RFC 4231 test case 2.
        let sig = signature("Jefe", b"what do ya want for nothing?");
        assert_eq!(sig, "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    }

    #[test]
    fn backoff_doubles_and_is_capped() {
        assert_eq!(backoff(0), SignedDuration::from_secs(1));
        assert_eq!(backoff(3), SignedDuration::from_secs(8));
        assert_eq!(backoff(30), SignedDuration::from_hours(1));
    }
}
