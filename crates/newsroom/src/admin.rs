//! What the administrative services share: one error for a change refused or failed, and
//! the one order they check in — the rights table, then the input, then the store.

use dateline_core::FieldError;
use dateline_core::rights::{self, Action, Actor, Target};
use dateline_store::StoreError;

/// Why an administrative change (settings, taxonomy, webhooks, wire sources, the wire
/// desk) was not made.
#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    #[error("not allowed")]
    Forbidden,
    #[error("invalid: {}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
    Invalid(Vec<FieldError>),
    /// The store's answer: a slug already taken, no such entry...
    #[error(transparent)]
    Store(StoreError),
    #[error("the system's random generator failed")]
    Secret(#[source] dateline_core::secrets::SecretError),
}

impl From<StoreError> for AdminError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Invalid(errors) => Self::Invalid(errors),
            other => Self::Store(other),
        }
    }
}

/// Runs `write` if `actor` may do `action` and the entry is `valid`.
pub(crate) async fn guarded<T>(
    actor: &Actor,
    action: Action,
    valid: Result<(), Vec<FieldError>>,
    write: impl Future<Output = Result<T, StoreError>>,
) -> Result<T, AdminError> {
    if !rights::may(actor, action, Target::Site) {
        return Err(AdminError::Forbidden);
    }
    valid.map_err(AdminError::Invalid)?;
    let done = write.await?;
    tracing::info!(%actor, ?action, "administrative change made");
    Ok(done)
}
