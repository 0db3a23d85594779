//! The HTTP face of Dateline: the public news site (home, story pages, section, tag, author
//! and source fronts, the latest river), health checks and theme assets, served by axum from
//! MiniJinja templates. Handlers are thin: parse the request, ask the store, build a view
//! (`views`), render it (`theme`).

mod admin;
pub mod api;
pub mod drop_folder;
mod error;
pub mod media;
pub mod page_cache;
pub mod poller;
mod public;
mod router;
pub mod scheduler;
pub mod search;
mod state;
mod theme;
mod views;
pub mod webhooks;
pub mod wire_images;

pub use error::WebError;
pub use router::router;
pub use state::{AppState, Clock, Parts, SiteCache};
pub use theme::{Theme, ThemeError};

/// Serves `router` on `listener` until the process receives Ctrl-C or SIGTERM, with the
/// scheduler running beside it.
///
/// # Errors
/// The I/O error that stopped the server.
pub async fn serve(listener: tokio::net::TcpListener, state: AppState) -> std::io::Result<()> {
    let scheduler = tokio::spawn(scheduler::run(state.store.clone(), state.clock.clone()));
    let deliveries = tokio::spawn(webhooks::run(state.store.clone(), state.clock.clone()));
    let poller =
        tokio::spawn(poller::run(state.store.clone(), state.clock.clone(), state.wire_images.clone()));
    let page_changes = tokio::spawn(page_cache::run(state.clone()));
    let indexer = tokio::spawn(search::run(state.search.clone(), state.store.clone()));
    let app = router(state).into_make_service_with_connect_info::<std::net::SocketAddr>();
    let result = axum::serve(listener, app).with_graceful_shutdown(shutdown_signal()).await;
    scheduler.abort();
    deliveries.abort();
    poller.abort();
    page_changes.abort();
    indexer.abort();
    result
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}
