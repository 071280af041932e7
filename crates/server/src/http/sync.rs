//! `POST /api/sync`: one round trip of the sync protocol. The handler authenticates the
//! device and hands the request to [`Offices::round_trip`](crate::ledger::Offices::round_trip),
//! which runs the core's [`loket_core::sync::accept`] and answers with
//! [`loket_core::sync::Accepted::answer`]: every rule of sync lives there.

use crate::AppState;
use crate::auth::AuthDevice;
use crate::error::{ApiError, Json};
use crate::store::RawOp;
use axum::Router;
use axum::extract::State;
use axum::routing::post;
use loket_core::sync::{Origin, SyncRequest, SyncResponse};

/// The route.
pub fn router() -> Router<AppState> {
    Router::new().route("/sync", post(sync))
}

async fn sync(
    State(state): State<AppState>,
    AuthDevice(device): AuthDevice,
    Json(request): Json<SyncRequest>,
) -> Result<Json<SyncResponse<RawOp>>, ApiError> {
    state
        .throttles()
        .sync
        .check(device.id.clone())
        .map_err(ApiError::TooManyRequests)?;
    let origin = Origin {
        office: device.office,
        device: device.id,
        letter: device.letter,
    };
    let pushed = request.push.len();
    let pending = request.pending;
    let response = state
        .offices()
        .round_trip(
            state.store(),
            origin.clone(),
            request,
            chrono::Utc::now(),
            state.pull_limit(),
        )
        .await?;
    let now_ms = response.server_ms;
    if state.sync_worth_noting(&origin.device, now_ms) {
        state
            .store()
            .note_sync(&origin.device, now_ms, pending)
            .await?;
    }
    let new = response.pushed.iter().filter(|p| !p.repeated).count();
    if pushed > 0 {
        tracing::info!(device = %origin.device, pushed, new, "ops appended");
    }
    Ok(Json(response))
}
