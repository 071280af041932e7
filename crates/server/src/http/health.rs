//! `GET /api/health`: whether the server is up, and which version it runs.

use crate::AppState;
use crate::error::Json;
use axum::Router;
use axum::routing::get;
use serde::Serialize;

/// The health answer.
#[derive(Debug, Serialize)]
pub struct Health {
    /// Always `ok` when the server answers at all.
    pub status: &'static str,
    /// The server crate's version.
    pub version: &'static str,
}

/// The route.
pub fn router() -> Router<AppState> {
    Router::new().route("/health", get(health))
}

async fn health() -> Json<Health> {
    Json(Health {
        status: "ok",
        version: env!("CARGO_PKG_VERSION"),
    })
}
