//! `POST /api/sync`: one round trip of the sync protocol ([`loket_core::sync`]).
//!
//! The rules are exactly [`loket_core::sync::Ledger::sync`]'s, with SQLite as the log:
//! 1. a cursor past the last seq is refused (409: the device's database was replaced);
//! 2. the whole push is checked before anything is applied, so a bad push changes nothing;
//! 3. in one transaction, each op is appended once: a repeated id answers its stored seq and
//!    outcome, a new one is folded into the office's state and gets the next seq;
//! 4. the ops after the cursor are pulled, a page at a time.

use crate::AppState;
use crate::auth::AuthDevice;
use crate::error::{ApiError, Json};
use axum::Router;
use axum::extract::State;
use axum::routing::post;
use loket_core::sync::{SyncError, SyncRequest, SyncResponse, check_push};

/// The route.
pub fn router() -> Router<AppState> {
    Router::new().route("/sync", post(sync))
}

async fn sync(
    State(state): State<AppState>,
    AuthDevice(device): AuthDevice,
    Json(request): Json<SyncRequest>,
) -> Result<Json<SyncResponse>, ApiError> {
    let office = state
        .office_state(&device.office)
        .ok_or_else(|| ApiError::Internal(format!("device {} has an unknown office", device.id)))?;
    let head = state.store().head().await?;
    if request.cursor > head {
        return Err(SyncError::CursorAhead {
            cursor: request.cursor,
            head,
        }
        .into());
    }
    check_push(&request.push)?;
    let now = chrono::Utc::now();
    for op in &request.push {
        op.validate()?;
        op.check_origin(&device.office, &device.id, &device.letter)?;
        op.check_time(now)?;
    }
    let pushed = if request.push.is_empty() {
        Vec::new()
    } else {
        // A device whose response is lost hangs up, and axum then drops this future. The
        // append runs in its own task so that it always ends with the database and the
        // folded state in step, whether the client still listens or not.
        let store = state.store().clone();
        let push = request.push;
        tokio::spawn(async move {
            // One push at a time per office: ops are ordered and folded as they commit.
            let mut folded = office.lock_owned().await;
            // Fold into a copy, kept only once the ops are committed.
            let mut next = folded.clone();
            let pushed = store.append(&push, |op| next.apply(op)).await?;
            *folded = next;
            Ok::<_, ApiError>(pushed)
        })
        .await
        .map_err(|e| ApiError::Internal(format!("the append task failed: {e}")))??
    };
    let new = pushed.iter().filter(|p| !p.repeated).count();
    if !pushed.is_empty() {
        tracing::info!(device = %device.id, pushed = pushed.len(), new, "ops appended");
    }
    let (ops, more) = state
        .store()
        .ops_after(&device.office, request.cursor, state.pull_limit())
        .await?;
    let cursor = ops.last().map_or(request.cursor, |op| op.seq);
    Ok(Json(SyncResponse {
        pushed,
        ops,
        cursor,
        more,
        server_ms: chrono::Utc::now().timestamp_millis(),
    }))
}
