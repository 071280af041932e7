//! `POST /api/devices`: enrol a device ("Daftarkan perangkat") with the admin code.
//!
//! The device gets an id, the next free letter of its office (for its ticket numbers) and a
//! token it sends as `Authorization: Bearer` from then on; the server keeps only the
//! token's hash.

use crate::AppState;
use crate::admin_code;
use crate::auth::{new_device_id, new_token, sha256_hex};
use crate::error::{ApiError, Json};
use crate::throttle::ClientAddr;
use axum::Router;
use axum::http::StatusCode;
use axum::routing::post;
use loket_core::StaffId;
use loket_core::enrol::{EnrolRequest, Enrolment, MAX_NAME};

/// The actor a newly enrolled device acts as until staff sign in with their own PINs.
const ENROLLING_ACTOR: &str = "admin";

/// The route.
pub fn router() -> Router<AppState> {
    Router::new().route("/devices", post(enrol))
}

async fn enrol(
    axum::extract::State(state): axum::extract::State<AppState>,
    ClientAddr(client): ClientAddr,
    Json(request): Json<EnrolRequest>,
) -> Result<(StatusCode, Json<Enrolment>), ApiError> {
    let throttles = state.throttles();
    throttles
        .enrol
        .check(client)
        .map_err(ApiError::TooManyRequests)?;
    if let Some(wait) = throttles.wrong_admin_code.locked(&client) {
        return Err(ApiError::TooManyRequests(wait));
    }
    // The code names the office: each office on this server has its own.
    let Some(office) = state
        .store()
        .office_by_admin_code_hash(&admin_code::typed_hash(&request.code))
        .await?
    else {
        throttles.wrong_admin_code.strike(&client);
        return Err(ApiError::BadCode);
    };
    let Some(name) = request.clean_name() else {
        return Err(ApiError::InvalidName {
            got: request.name.clone(),
            len: request.name.trim().chars().count(),
            max: MAX_NAME,
        });
    };
    let info = state
        .store()
        .office(&office)
        .await?
        .ok_or_else(|| ApiError::Internal(format!("office {office} is not in the database")))?;
    let token = new_token()?;
    let device = state
        .store()
        .enrol_device(&office, &new_device_id()?, name, &sha256_hex(&token))
        .await?;
    let actor = StaffId::new(ENROLLING_ACTOR)
        .map_err(|e| ApiError::Internal(format!("bad built-in actor: {e}")))?;
    tracing::info!(office = %office, device = %device.id, letter = %device.letter, "device enrolled");
    Ok((
        StatusCode::CREATED,
        Json(Enrolment {
            device: device.id,
            letter: device.letter,
            office: info,
            token,
            actor,
        }),
    ))
}
