//! The HTTP face of Dateline: the public news site (home, story pages, section, tag, author
//! and source fronts, the latest river, feeds, sitemaps, search), the newsroom's HTML admin,
//! the Admin, Content and wire push APIs, health checks and theme assets, served by axum from
//! MiniJinja templates. Handlers are thin: parse the request, make one call to the newsroom
//! (`dateline-newsroom`) or read the store, build a view (`views`), render it (`theme`).
//! Nothing here runs in the background: the binary starts the newsroom's workers beside
//! [`serve`], with the page cache among their change-log followers ([`AppState::background`]).

mod admin;
pub mod api;
pub mod client;
mod embed;
mod error;
mod input;
pub mod live;
pub mod media;
pub mod metrics;
pub mod page_cache;
mod page_views;
mod public;
mod router;
mod server;
mod state;
mod theme;
mod views;

pub use dateline_newsroom::{search, wire_images};
pub use error::WebError;
pub use router::router;
pub use server::{Limits, serve_with};
pub use state::{AppState, Clock, Parts, SiteCache};
pub use theme::{Theme, ThemeError};

/// Serves `router` on `listener` with the default [`Limits`] until `shutdown` completes;
/// requests already running are answered first.
///
/// # Errors
/// The I/O error that stopped the server.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    serve_with(listener, state, Limits::default(), shutdown).await
}
