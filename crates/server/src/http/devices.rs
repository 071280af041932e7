//! `/api/devices`: enrol a device ("Daftarkan perangkat") with an admin code, and, for the
//! office's admin, make a new code and see the refused attempts.
//!
//! The device gets an id, the next free letter of its office (for its ticket numbers) and a
//! token it sends as `Authorization: Bearer` from then on; the server keeps only the
//! token's hash. A code enrols one device, before it expires: it is spent in the
//! transaction that enrols the device. Attempts are paced per client address and per
//! office, an address that keeps guessing is locked out, and each refused attempt is
//! recorded for the admin with a keyed hash of the address, never the address.

use crate::AppState;
use crate::auth::{new_device_id, new_token, random_bytes, sha256_hex};
use crate::error::{ApiError, Json};
use crate::http::staff::AuthStaff;
use crate::store::Device;
use crate::throttle::ClientAddr;
use crate::{MadeBy, admin_code, new_admin_code};
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use loket_core::enrol::{
    AdminCodeIssued, DeviceInfo, EnrolFailure, EnrolFailures, EnrolRequest, Enrolment,
    FAILURES_SHOWN, FailureReason, MAX_NAME, RevokeDevice,
};
use loket_core::roles::Action;
use loket_core::{OfficeCode, StaffId};
use std::net::IpAddr;

/// The actor a newly enrolled device acts as until staff sign in with their own PINs.
const ENROLLING_ACTOR: &str = "admin";
/// Hex digits of the keyed address hash the admin sees: enough to tell addresses apart.
const CLIENT_HASH_LEN: usize = 10;
/// The span the admin's count of refused attempts covers.
const FAILURE_SPAN_MS: i64 = 24 * 3_600_000;

/// The routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/devices", post(enrol).get(list))
        .route("/devices/codes", post(make_code))
        .route("/devices/revoke", post(revoke))
        .route("/devices/failures", get(failures))
}

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

async fn enrol(
    State(state): State<AppState>,
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
    // The code names the office: each office on this server has its own. A code that is
    // no office's counts against the server's own office, the one its enrol page serves.
    let hash = admin_code::typed_hash(&request.code);
    let stored = state.store().admin_code(&hash).await?;
    let office = stored
        .as_ref()
        .map_or_else(|| state.office().clone(), |c| c.office.clone());
    throttles
        .enrol_office
        .check(office.clone())
        .map_err(ApiError::TooManyRequests)?;
    let now = now_ms();
    if stored.is_none()
        && let Some(old) = request.again.as_deref()
    {
        // The same request again after its answer was lost: the code is spent, by this
        // very device, and the tablet still has only its old token.
        let token = new_token()?;
        let window_ms = i64::from(state.admin_code_hours()) * 3_600_000;
        let repeated = state
            .store()
            .repeat_enrol_again(
                &sha256_hex(old),
                &hash,
                &sha256_hex(&token),
                now - window_ms,
            )
            .await?;
        if let Some(device) = repeated {
            return enrolled(&state, device, token).await;
        }
    }
    let Some(code) = stored else {
        refused(&state, &office, client, FailureReason::WrongCode).await?;
        return Err(ApiError::BadCode);
    };
    if code.expires_ms <= now {
        state.store().drop_admin_code(&hash).await?;
        refused(&state, &office, client, FailureReason::ExpiredCode).await?;
        return Err(ApiError::ExpiredCode);
    }
    let Some(name) = request.clean_name() else {
        return Err(ApiError::InvalidName {
            got: request.name.clone(),
            len: request.name.trim().chars().count(),
            max: MAX_NAME,
        });
    };
    let token = new_token()?;
    let device = match request.again.as_deref() {
        // The same device again (it was revoked, or lost its token): found by its old
        // token, in the office the code is for, keeping its id and letter.
        Some(old) => {
            let presented = sha256_hex(old);
            let known = state
                .store()
                .device_for_again(&presented)
                .await?
                .filter(|d| d.office == office)
                .ok_or(ApiError::Unauthorized(
                    "no device of this office held that token: enrol it as a new device",
                ))?;
            state
                .store()
                .enrol_again(&known, name, &sha256_hex(&token), &presented, &hash, now)
                .await?
        }
        None => {
            state
                .store()
                .enrol_device(
                    &office,
                    &new_device_id()?,
                    name,
                    &sha256_hex(&token),
                    &hash,
                    now,
                )
                .await?
        }
    };
    enrolled(&state, device, token).await
}

/// The answer to an enrolment: the device, its office and its new token.
async fn enrolled(
    state: &AppState,
    device: Device,
    token: String,
) -> Result<(StatusCode, Json<Enrolment>), ApiError> {
    state.forget_synced(&device.id);
    let office = &device.office;
    let info = state
        .store()
        .office(office)
        .await?
        .ok_or_else(|| ApiError::Internal(format!("office {office} is not in the database")))?;
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

/// Counts a refused attempt: against the address (its lockout) and in the office's list.
async fn refused(
    state: &AppState,
    office: &OfficeCode,
    client: IpAddr,
    reason: FailureReason,
) -> Result<(), ApiError> {
    state.throttles().wrong_admin_code.strike(&client);
    let fresh = hex::encode(random_bytes::<16>()?);
    let salt = state.store().client_salt(office, &fresh).await?;
    let mut keyed = sha256_hex(&format!("{salt}/{client}"));
    keyed.truncate(CLIENT_HASH_LEN);
    let failure = EnrolFailure {
        at_ms: now_ms(),
        client: keyed,
        reason,
    };
    state.store().record_enrol_failure(office, &failure).await?;
    tracing::warn!(office = %office, client = %failure.client, ?reason, "enrolment refused");
    Ok(())
}

/// `POST /api/devices/codes`: a new admin code, for one more device of the admin's office.
async fn make_code(
    State(state): State<AppState>,
    staff: AuthStaff,
) -> Result<(StatusCode, Json<AdminCodeIssued>), ApiError> {
    staff.may(&state, Action::Administer).await?;
    let office = &staff.credential.office;
    let by = MadeBy::Admin(&staff.credential.staff);
    let (code, expires_ms) = new_admin_code(state.store(), office, state.admin_code_hours(), by)
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    tracing::info!(office = %office, staff = %staff.credential.staff, "admin code made");
    Ok((
        StatusCode::CREATED,
        Json(AdminCodeIssued {
            code: code.display(),
            expires_ms,
        }),
    ))
}

/// `GET /api/devices`: the office's devices, when each last synced and what it held
/// pending then, for its admin.
async fn list(
    State(state): State<AppState>,
    staff: AuthStaff,
) -> Result<Json<Vec<DeviceInfo>>, ApiError> {
    staff.may(&state, Action::Administer).await?;
    Ok(Json(state.store().devices(&staff.credential.office).await?))
}

/// `POST /api/devices/revoke`: the admin revokes a device of the office (a lost tablet). Its
/// token stops working at once, its live stream ends; its staff credentials stay as they
/// are (revoke those too when the tablet is lost for good). 404 for a device the office
/// does not have.
async fn revoke(
    State(state): State<AppState>,
    staff: AuthStaff,
    Json(request): Json<RevokeDevice>,
) -> Result<StatusCode, ApiError> {
    staff.may(&state, Action::Administer).await?;
    let office = &staff.credential.office;
    if !state
        .store()
        .revoke_device(office, &request.device, now_ms())
        .await?
    {
        return Err(ApiError::NotFound(format!("device {}", request.device)));
    }
    state.streams().end(&request.device);
    tracing::info!(office = %office, device = %request.device, staff = %staff.credential.staff, "device revoked");
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /api/devices/failures`: the office's refused enrolments, for its admin.
async fn failures(
    State(state): State<AppState>,
    staff: AuthStaff,
) -> Result<Json<EnrolFailures>, ApiError> {
    staff.may(&state, Action::Administer).await?;
    let since = now_ms() - FAILURE_SPAN_MS;
    let (last_day, recent) = state
        .store()
        .enrol_failures(&staff.credential.office, since, FAILURES_SHOWN)
        .await?;
    Ok(Json(EnrolFailures { last_day, recent }))
}
