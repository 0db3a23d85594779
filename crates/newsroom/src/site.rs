//! The site's settings (name, address, language, zone, menu, logo, house style), saved the
//! same way from the HTML admin and the Admin API: the rights table first, then the one
//! validation in core (`SiteSettings::validate`, menu links included), then the store.
//! The breaking-news banner is kept with them but set and cleared on its own (an editor's
//! call, not an administrator's), and comes down by itself at its end ([`expire_banner`],
//! from the scheduler). Every change to either reaches every page at once (the store logs
//! it as a change to the whole site).

use crate::admin::{AdminError, guarded};
use dateline_core::rights::{Action, Actor};
use dateline_core::{Banner, SiteSettings};
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
    let save = async {
        // The banner is not one of the settings a settings form sends: it stays as it is.
        let mut settings = settings.clone();
        settings.banner = store.settings().await?.banner;
        store.save_settings(&settings).await
    };
    guarded(actor, Action::ManageSettings, valid, save).await
}

/// Puts `banner` up on every public page (replacing the one up, if any).
///
/// # Errors
/// [`AdminError::Forbidden`], [`AdminError::Invalid`] naming the field, a store failure.
pub async fn set_banner(
    store: &dyn Store,
    actor: &Actor,
    banner: &Banner,
    now: jiff::Timestamp,
) -> Result<(), AdminError> {
    let banner =
        Banner { text: banner.text.trim().to_owned(), link: banner.link.trim().to_owned(), ..banner.clone() };
    let valid = banner.validate(now);
    let save = async {
        let mut settings = store.settings().await?;
        settings.banner = Some(banner);
        store.save_settings(&settings).await
    };
    guarded(actor, Action::SetBanner, valid, save).await
}

/// Takes the banner down from every page; nothing happens when none is up.
///
/// # Errors
/// [`AdminError::Forbidden`], a store failure.
pub async fn clear_banner(store: &dyn Store, actor: &Actor) -> Result<(), AdminError> {
    let save = async {
        let mut settings = store.settings().await?;
        if settings.banner.take().is_some() {
            store.save_settings(&settings).await?;
        }
        Ok(())
    };
    guarded(actor, Action::SetBanner, Ok(()), save).await
}

/// Takes the banner down once its end has come; whether it did (for the scheduler).
///
/// # Errors
/// A store failure.
pub async fn expire_banner(
    store: &dyn Store,
    now: jiff::Timestamp,
) -> Result<bool, dateline_store::StoreError> {
    let mut settings = store.settings().await?;
    match &settings.banner {
        Some(banner) if !banner.is_showing(now) => {
            settings.banner = None;
            store.save_settings(&settings).await?;
            tracing::info!("the breaking banner reached its end and came down");
            Ok(true)
        }
        _ => Ok(false),
    }
}
