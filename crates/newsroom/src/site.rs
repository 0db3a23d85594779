//! The site's settings (name, address, language, zone, menu, logo, house style), saved the
//! same way from the HTML admin and the Admin API: the rights table first, then the one
//! validation in core (`SiteSettings::validate`, menu links included), then the store.

use dateline_core::rights::{self, Action, Actor, Target};
use dateline_core::{FieldError, SiteSettings};
use dateline_store::{Store, StoreError};

/// Why settings were not saved.
#[derive(Debug, thiserror::Error)]
pub enum SiteError {
    #[error("not allowed")]
    Forbidden,
    #[error("invalid: {0}")]
    Invalid(FieldError),
    #[error("store: {0}")]
    Store(#[source] StoreError),
}

impl From<StoreError> for SiteError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Invalid(mut errors) if errors.len() == 1 => Self::Invalid(errors.remove(0)),
            other => Self::Store(other),
        }
    }
}

/// Saves the site's settings for `actor`; every page shows them from the next request on.
///
/// # Errors
/// [`SiteError::Forbidden`], [`SiteError::Invalid`] naming the field, a store failure.
pub async fn save_settings(
    store: &dyn Store,
    actor: &Actor,
    settings: &SiteSettings,
) -> Result<(), SiteError> {
    if !rights::may(actor, Action::ManageSettings, Target::Site) {
        return Err(SiteError::Forbidden);
    }
    settings.validate().map_err(SiteError::Invalid)?;
    store.save_settings(settings).await?;
    tracing::info!(%actor, "site settings saved");
    Ok(())
}
