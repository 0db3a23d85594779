//! Fronts editors arrange: the stories pinned on each front, and the public ones of them as
//! cards. Saving a front's pins logs its pages as changed; a story's own changes log the
//! front and its section already, so a killed pin leaves at once.

use super::changes;
use crate::Result;
use crate::StoreError;
use crate::records::{SUMMARY_COLUMNS, SummaryRow};
use dateline_core::{FieldError, Front, FrontPins, StoryId, StorySummary};
use sqlx::{Any, AnyPool, AssertSqlSafe, Transaction};

pub(crate) async fn pins(pool: &AnyPool, front: Front) -> Result<FrontPins> {
    let rows: Vec<(i64, i64)> =
        sqlx::query_as("SELECT position, story_id FROM front_slots WHERE front = $1 ORDER BY position")
            .bind(front.key())
            .fetch_all(pool)
            .await?;
    let mut pins = FrontPins::default();
    for (position, story) in rows {
        if position == 0 {
            pins.lead = Some(StoryId(story));
        } else {
            pins.top.push(StoryId(story));
        }
    }
    Ok(pins)
}

pub(crate) async fn set_pins(
    tx: &mut Transaction<'static, Any>,
    front: Front,
    pins: &FrontPins,
) -> Result<()> {
    pins.validate().map_err(StoreError::Invalid)?;
    for id in pins.all() {
        let found: Option<i64> = sqlx::query_scalar("SELECT id FROM stories WHERE id = $1")
            .bind(id.0)
            .fetch_optional(&mut **tx)
            .await?;
        if found.is_none() {
            return Err(StoreError::Invalid(vec![FieldError::new(
                "top",
                format!("no story has the id {id}"),
            )]));
        }
    }
    sqlx::query("DELETE FROM front_slots WHERE front = $1").bind(front.key()).execute(&mut **tx).await?;
    let slots = pins
        .lead
        .map(|id| (0, id))
        .into_iter()
        .chain(pins.top.iter().enumerate().map(|(i, id)| (i as i64 + 1, *id)));
    for (position, id) in slots {
        sqlx::query("INSERT INTO front_slots (front, position, story_id) VALUES ($1, $2, $3)")
            .bind(front.key())
            .bind(position)
            .bind(id.0)
            .execute(&mut **tx)
            .await?;
    }
    changes::record(tx, &[front.change_key()], jiff::Timestamp::now().as_second()).await
}

/// The public ones of `ids` as cards, in the order given.
pub(crate) async fn public_summaries(pool: &AnyPool, ids: &[StoryId]) -> Result<Vec<StorySummary>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let list = ids.iter().map(|id| id.0.to_string()).collect::<Vec<_>>().join(", ");
    let rows: Vec<SummaryRow> = sqlx::query_as(AssertSqlSafe(format!(
        "SELECT {SUMMARY_COLUMNS} FROM stories s JOIN sections sec ON sec.id = s.section_id \
         WHERE s.public_at IS NOT NULL AND s.id IN ({list})"
    )))
    .fetch_all(pool)
    .await?;
    let found: Vec<StorySummary> = rows.into_iter().map(SummaryRow::into_summary).collect::<Result<_>>()?;
    Ok(ids.iter().filter_map(|id| found.iter().find(|s| s.id == *id).cloned()).collect())
}
