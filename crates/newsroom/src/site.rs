//! The site's settings (name, address, language, zone, menu, logo, house style), saved the
//! same way from the HTML admin and the Admin API: the rights table first, then the one
//! validation in core (`SiteSettings::validate`, menu links included), then the store.

use crate::admin::{AdminError, guarded};
use dateline_core::SiteSettings;
use dateline_core::rights::{Action, Actor};
use dateline_store::Store;

/// Saves the site's settings for `actor`; every page shows them from the next request on.
///
/// # Errors
/// [`AdminError::Forbidden`], [`AdminError::Invalid`] naming the field, a store failure.
pub async fn save_settings(
    store: &dyn Store,
    actor: &Actor,
    settings: &SiteSettings,
) -> Result<(), AdminError> {
    let valid = settings.validate().map_err(|e| vec![e]);
    guarded(actor, Action::ManageSettings, valid, store.save_settings(settings)).await
}
