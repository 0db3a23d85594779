//! `/healthz` says the process is alive; `/readyz` says it can reach its database, so a load
//! balancer only sends readers to nodes that can answer them.

use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;

pub async fn alive() -> &'static str {
    "ok\n"
}

pub async fn ready(State(state): State<AppState>) -> (StatusCode, &'static str) {
    match state.store.ping().await {
        Ok(()) => (StatusCode::OK, "ready\n"),
        Err(e) => {
            tracing::warn!(error = %e, "readiness check failed");
            (StatusCode::SERVICE_UNAVAILABLE, "database unreachable\n")
        }
    }
}
