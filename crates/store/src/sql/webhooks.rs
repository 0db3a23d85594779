//! Webhooks: endpoints, the outbox of deliveries (written in the same transaction as the
//! story change they report), claiming due deliveries, and the delivery log.

use super::bulk::{Val, insert_bound_rows};
use crate::records::{opt_ts, ts};
use crate::{Result, StoreError};
use dateline_core::{Delivery, DeliveryStatus, StoryEvent, StoryId, Webhook};
use jiff::Timestamp;
use sqlx::{Any, AnyPool, Transaction};

#[derive(sqlx::FromRow)]
struct WebhookRow {
    id: i64,
    url: String,
    events: String,
    active: i64,
    created_at: i64,
}

impl WebhookRow {
    fn into_webhook(self) -> Result<Webhook> {
        Ok(Webhook {
            id: self.id,
            url: self.url,
            events: self.events.split(',').filter_map(StoryEvent::parse).collect(),
            active: self.active != 0,
            created_at: ts(self.created_at)?,
        })
    }
}

pub(crate) async fn create(
    pool: &AnyPool,
    url: &str,
    secret: &str,
    events: &[StoryEvent],
    now: Timestamp,
) -> Result<Webhook> {
    let events: Vec<_> = events.iter().map(|e| e.as_str()).collect();
    let row: WebhookRow = sqlx::query_as(
        "INSERT INTO webhooks (url, secret, events, active, created_at) VALUES ($1, $2, $3, 1, $4) \
         RETURNING id, url, events, active, created_at",
    )
    .bind(url)
    .bind(secret)
    .bind(events.join(","))
    .bind(now.as_second())
    .fetch_one(pool)
    .await?;
    row.into_webhook()
}

pub(crate) async fn list(pool: &AnyPool) -> Result<Vec<Webhook>> {
    let rows: Vec<WebhookRow> =
        sqlx::query_as("SELECT id, url, events, active, created_at FROM webhooks ORDER BY id")
            .fetch_all(pool)
            .await?;
    rows.into_iter().map(WebhookRow::into_webhook).collect()
}

pub(crate) async fn set_active(pool: &AnyPool, id: i64, active: bool) -> Result<()> {
    let done = sqlx::query("UPDATE webhooks SET active = $1 WHERE id = $2")
        .bind(i64::from(active))
        .bind(id)
        .execute(pool)
        .await?;
    if done.rows_affected() == 0 { Err(StoreError::NotFound) } else { Ok(()) }
}

/// Queues `event` about story `id` for every active webhook that wants it, inside the
/// transaction making the change. The payload is a snapshot of the story at that moment.
pub(crate) async fn enqueue(
    tx: &mut Transaction<'static, Any>,
    event: StoryEvent,
    id: StoryId,
    now: Timestamp,
) -> Result<()> {
    enqueue_many(tx, event, &[id], now).await
}

/// [`enqueue`] for many stories at once (a batch of wire copy published together): one
/// look-up of the webhooks, one of the stories per 500, and multi-row inserts.
pub(crate) async fn enqueue_many(
    tx: &mut Transaction<'static, Any>,
    event: StoryEvent,
    ids: &[StoryId],
    now: Timestamp,
) -> Result<()> {
    let hooks: Vec<(i64, String)> =
        sqlx::query_as("SELECT id, events FROM webhooks WHERE active = 1").fetch_all(&mut **tx).await?;
    let targets: Vec<i64> = hooks
        .into_iter()
        .filter(|(_, events)| events.split(',').any(|e| StoryEvent::parse(e) == Some(event)))
        .map(|(id, _)| id)
        .collect();
    if targets.is_empty() || ids.is_empty() {
        return Ok(());
    }
    let base: Option<String> =
        sqlx::query_scalar("SELECT json FROM site_settings WHERE id = 1").fetch_optional(&mut **tx).await?;
    let base_url = base
        .and_then(|j| serde_json::from_str::<serde_json::Value>(&j).ok())
        .and_then(|v| v["base_url"].as_str().map(str::to_owned))
        .unwrap_or_default();
    type StoryRow = (i64, String, String, String, Option<i64>, Option<i64>);
    for chunk in ids.chunks(500) {
        let list: Vec<String> = chunk.iter().map(|id| id.0.to_string()).collect();
        let stories: Vec<StoryRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT id, slug, headline, status, published_at, updated_at FROM stories WHERE id IN ({}) ORDER BY id",
            list.join(", ")
        )))
        .persistent(false) // the list of ids makes it a statement for this call only
        .fetch_all(&mut **tx)
        .await?;
        let mut rows = Vec::with_capacity(stories.len() * targets.len());
        for (id, slug, headline, status, published, updated) in stories {
            let payload = serde_json::json!({
                "event": format!("story.{}", event.as_str()),
                "occurred_at": now.to_string(),
                "story": {
                    "id": id,
                    "slug": slug,
                    "headline": headline,
                    "status": status,
                    "url": format!("{base_url}/story/{slug}"),
                    "published_at": opt_ts(published)?.map(|t| t.to_string()),
                    "updated_at": opt_ts(updated)?.map(|t| t.to_string()),
                },
            })
            .to_string();
            for &hook in &targets {
                rows.push(vec![
                    Val::Int(hook),
                    Val::Text(event.as_str().to_owned()),
                    Val::Int(id),
                    Val::Text(payload.clone()),
                    Val::Text("pending".into()),
                    Val::Int(0),
                    Val::Int(now.as_second()),
                    Val::Int(now.as_second()),
                ]);
            }
        }
        let columns = [
            "webhook_id",
            "event",
            "story_id",
            "payload",
            "status",
            "attempts",
            "next_attempt_at",
            "created_at",
        ];
        insert_bound_rows(tx, "webhook_deliveries", &columns, rows).await?;
    }
    Ok(())
}

#[derive(sqlx::FromRow)]
struct DeliveryRow {
    id: i64,
    webhook_id: i64,
    url: String,
    event: String,
    story_id: i64,
    payload: String,
    status: String,
    attempts: i64,
    next_attempt_at: i64,
    last_status_code: Option<i64>,
    last_error: Option<String>,
    created_at: i64,
    delivered_at: Option<i64>,
}

impl DeliveryRow {
    fn into_delivery(self) -> Result<Delivery> {
        Ok(Delivery {
            id: self.id,
            webhook_id: self.webhook_id,
            url: self.url,
            event: self.event,
            story_id: self.story_id,
            payload: self.payload,
            status: match self.status.as_str() {
                "delivered" => DeliveryStatus::Delivered,
                "failed" => DeliveryStatus::Failed,
                _ => DeliveryStatus::Pending,
            },
            attempts: self.attempts,
            next_attempt_at: ts(self.next_attempt_at)?,
            last_status_code: self.last_status_code,
            last_error: self.last_error,
            created_at: ts(self.created_at)?,
            delivered_at: opt_ts(self.delivered_at)?,
        })
    }
}

const DELIVERY_COLUMNS: &str = "d.id, d.webhook_id, w.url, d.event, d.story_id, d.payload, d.status, d.attempts, \
     d.next_attempt_at, d.last_status_code, d.last_error, d.created_at, d.delivered_at";

/// Claims up to `limit` due deliveries of active webhooks for `lease_secs` (another worker
/// skips them meanwhile) and returns them with their webhook's secret. A paused webhook's
/// deliveries stay queued, untried, until it is resumed.
pub(crate) async fn claim_due(
    pool: &AnyPool,
    now: Timestamp,
    limit: u32,
    lease_secs: i64,
) -> Result<Vec<(Delivery, String)>> {
    let rows: Vec<DeliveryRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {DELIVERY_COLUMNS} FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id \
         WHERE d.status = 'pending' AND d.next_attempt_at <= $1 AND w.active = 1 ORDER BY d.next_attempt_at, d.id LIMIT $2"
    )))
    .bind(now.as_second())
    .bind(i64::from(limit))
    .fetch_all(pool)
    .await?;
    let mut claimed = Vec::new();
    for row in rows {
        let done = sqlx::query(
            "UPDATE webhook_deliveries SET next_attempt_at = $1 WHERE id = $2 AND status = 'pending' AND next_attempt_at = $3",
        )
        .bind(now.as_second() + lease_secs)
        .bind(row.id)
        .bind(row.next_attempt_at)
        .execute(pool)
        .await?;
        if done.rows_affected() == 1 {
            let secret: String = sqlx::query_scalar("SELECT secret FROM webhooks WHERE id = $1")
                .bind(row.webhook_id)
                .fetch_one(pool)
                .await?;
            claimed.push((row.into_delivery()?, secret));
        }
    }
    Ok(claimed)
}

/// Makes a claimed, still pending delivery due again at `now` (it was cut off unrecorded).
pub(crate) async fn release(pool: &AnyPool, id: i64, now: Timestamp) -> Result<()> {
    sqlx::query(
        "UPDATE webhook_deliveries SET next_attempt_at = $1 WHERE id = $2 AND status = 'pending' AND next_attempt_at > $1",
    )
    .bind(now.as_second())
    .bind(id)
    .execute(pool)
    .await?;
    Ok(())
}

/// Records an attempt: delivered, retried at `retry_at`, or failed for good (no `retry_at`).
pub(crate) async fn record_attempt(
    pool: &AnyPool,
    id: i64,
    now: Timestamp,
    delivered: bool,
    status_code: Option<i64>,
    error: Option<&str>,
    retry_at: Option<Timestamp>,
) -> Result<()> {
    let status = match (delivered, retry_at) {
        (true, _) => "delivered",
        (false, Some(_)) => "pending",
        (false, None) => "failed",
    };
    sqlx::query(
        "UPDATE webhook_deliveries SET status = $1, attempts = attempts + 1, last_status_code = $2, last_error = $3, \
         next_attempt_at = $4, delivered_at = $5 WHERE id = $6",
    )
    .bind(status)
    .bind(status_code)
    .bind(error.map(str::to_owned))
    .bind(retry_at.unwrap_or(now).as_second())
    .bind(delivered.then_some(now.as_second()))
    .bind(id)
    .execute(pool)
    .await?;
    Ok(())
}

pub(crate) async fn recent(pool: &AnyPool, limit: u32) -> Result<Vec<Delivery>> {
    let rows: Vec<DeliveryRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {DELIVERY_COLUMNS} FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id ORDER BY d.id DESC LIMIT $1"
    )))
    .bind(i64::from(limit))
    .fetch_all(pool)
    .await?;
    rows.into_iter().map(DeliveryRow::into_delivery).collect()
}
