//! `/api/staff/…`: staff sign in on a device with their PIN and get a credential that
//! proves their ops (`loket_core::credential`); the admin sets PINs, sees where staff
//! are signed in, and revokes.
//!
//! Every call needs the device's token; the admin's calls also the admin's credential on
//! that device ([`AuthStaff`]). Wrong PINs are counted per person and per device in the
//! database, so neither a restart nor a second tablet resets a guesser's pause.

use crate::AppState;
use crate::auth::{AuthDevice, random_bytes};
use crate::error::{ApiError, Json};
use crate::pins;
use axum::Router;
use axum::extract::{FromRequestParts, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::routing::{get, post};
use loket_core::credential::{Credential, CredentialId, Key};
use loket_core::roles::Action;
use loket_core::sign_in::{
    FirstAdmin, Issued, Revoke, Revoked, STAFF_HEADER, SetPin, SignIn, SignedIn,
};
use loket_core::staff::{PinThrottle, check_new_pin};
use loket_core::{OfficeCode, StaffId};
use std::time::Duration;

/// The routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/staff/sign-in", post(sign_in))
        .route("/staff/first-admin", post(first_admin))
        .route("/staff/pin", post(set_pin))
        .route("/staff/revoke", post(revoke))
        .route("/staff/signed-in", get(signed_in))
}

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// A new credential for `staff` on the calling device, stored before it is answered.
async fn issue(
    state: &AppState,
    device: &crate::store::Device,
    staff: StaffId,
) -> Result<Issued, ApiError> {
    let id = CredentialId(uuid::Builder::from_random_bytes(random_bytes::<16>()?).into_uuid());
    let key = Key::from_bytes(random_bytes::<32>()?);
    let credential = Credential {
        id,
        office: device.office.clone(),
        staff,
        device: device.id.clone(),
        key: key.clone(),
        revoked: false,
    };
    state
        .store()
        .issue_credential(&credential, now_ms())
        .await?;
    tracing::info!(office = %device.office, device = %device.id, staff = %credential.staff, "credential issued");
    Ok(Issued {
        credential: id,
        key,
    })
}

fn wait_until(until_ms: i64, now_ms: i64) -> ApiError {
    ApiError::TooManyRequests(Duration::from_millis(
        u64::try_from(until_ms.saturating_sub(now_ms)).unwrap_or(0),
    ))
}

async fn sign_in(
    State(state): State<AppState>,
    AuthDevice(device): AuthDevice,
    Json(request): Json<SignIn>,
) -> Result<(StatusCode, Json<Issued>), ApiError> {
    let office = &device.office;
    let subjects = [
        format!("staff:{}", request.staff),
        format!("device:{}", device.id),
    ];
    let now = now_ms();
    let mut throttles = Vec::with_capacity(2);
    for subject in &subjects {
        throttles.push(state.store().pin_throttle(office, subject).await?);
    }
    if let Some(until) = throttles
        .iter()
        .filter(|t| !t.may_try(now))
        .map(PinThrottle::until_ms)
        .max()
    {
        return Err(wait_until(until, now));
    }
    // A new account may sign in before the admin's tablet has synced it (its PIN was set
    // online first); one the admin disabled may not.
    let disabled = state
        .offices()
        .with_state(state.store(), office, |s| {
            s.staff_member(&request.staff).is_some_and(|m| !m.active)
        })
        .await?;
    let stored = if !disabled {
        state.store().staff_pin(office, &request.staff).await?
    } else {
        None
    };
    let right = pins::verify(&request.pin, stored.as_ref(), state.pin_rounds()).await?;
    if !right {
        let mut paused = 0;
        for (subject, throttle) in subjects.iter().zip(&mut throttles) {
            throttle.failed(now);
            paused = paused.max(throttle.until_ms());
            state
                .store()
                .set_pin_throttle(office, subject, throttle)
                .await?;
        }
        tracing::info!(office = %office, device = %device.id, "wrong PIN");
        return Err(if paused > now {
            wait_until(paused, now)
        } else {
            ApiError::WrongPin
        });
    }
    for (subject, throttle) in subjects.iter().zip(&mut throttles) {
        if *throttle != PinThrottle::default() {
            throttle.succeeded();
            state
                .store()
                .set_pin_throttle(office, subject, throttle)
                .await?;
        }
    }
    Ok((
        StatusCode::CREATED,
        Json(issue(&state, &device, request.staff).await?),
    ))
}

async fn first_admin(
    State(state): State<AppState>,
    AuthDevice(device): AuthDevice,
    Json(request): Json<FirstAdmin>,
) -> Result<(StatusCode, Json<Issued>), ApiError> {
    check_new_pin(&request.pin).map_err(ApiError::BadPin)?;
    let office = &device.office;
    // Until the first admin's account has synced, the office has no staff and the call
    // may be made again (a tablet whose answer was lost); after it, never.
    let staffed = state
        .offices()
        .with_state(state.store(), office, |s| s.staff().next().is_some())
        .await?;
    if staffed {
        return Err(ApiError::OfficeStaffed);
    }
    let hash = pins::hash_new(&request.pin, state.pin_rounds()).await?;
    state
        .store()
        .set_staff_pin(office, &request.staff, &hash)
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(issue(&state, &device, request.staff).await?),
    ))
}

async fn set_pin(
    State(state): State<AppState>,
    admin: AuthStaff,
    Json(request): Json<SetPin>,
) -> Result<StatusCode, ApiError> {
    admin.may(&state, Action::Administer).await?;
    check_new_pin(&request.pin).map_err(ApiError::BadPin)?;
    let hash = pins::hash_new(&request.pin, state.pin_rounds()).await?;
    state
        .store()
        .set_staff_pin(&admin.credential.office, &request.staff, &hash)
        .await?;
    tracing::info!(office = %admin.credential.office, staff = %request.staff, by = %admin.credential.staff, "PIN set");
    Ok(StatusCode::NO_CONTENT)
}

async fn revoke(
    State(state): State<AppState>,
    admin: AuthStaff,
    Json(request): Json<Revoke>,
) -> Result<Json<Revoked>, ApiError> {
    admin.may(&state, Action::Administer).await?;
    let revoked = state
        .store()
        .revoke(
            &admin.credential.office,
            &request.staff,
            request.device.as_ref(),
            now_ms(),
        )
        .await?;
    tracing::info!(office = %admin.credential.office, staff = %request.staff, revoked, "credentials revoked");
    Ok(Json(Revoked {
        revoked: u32::try_from(revoked).unwrap_or(u32::MAX),
    }))
}

async fn signed_in(
    State(state): State<AppState>,
    admin: AuthStaff,
) -> Result<Json<Vec<SignedIn>>, ApiError> {
    admin.may(&state, Action::Administer).await?;
    Ok(Json(
        state.store().signed_in(&admin.credential.office).await?,
    ))
}

/// The staff member calling, proven by a credential of the calling device
/// ([`STAFF_HEADER`]) that is not revoked; 401 without one.
#[derive(Debug, Clone)]
pub struct AuthStaff {
    /// Their credential.
    pub credential: Credential,
}

impl AuthStaff {
    /// 403 unless the caller is an active member of staff whose role may do `action`.
    pub(crate) async fn may(&self, state: &AppState, action: Action) -> Result<(), ApiError> {
        let staff = self.credential.staff.clone();
        let allowed = state
            .offices()
            .with_state(state.store(), &self.credential.office, |s| {
                s.may(&staff, action)
            })
            .await?;
        if allowed {
            Ok(())
        } else {
            Err(ApiError::Forbidden)
        }
    }
}

impl FromRequestParts<AppState> for AuthStaff {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let AuthDevice(device) = AuthDevice::from_request_parts(parts, state).await?;
        let (id, token) = parts
            .headers
            .get(STAFF_HEADER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().split_once(' '))
            .ok_or(ApiError::BadCredential)?;
        let id = uuid::Uuid::parse_str(id)
            .map(CredentialId)
            .map_err(|_| ApiError::BadCredential)?;
        let credential = state
            .store()
            .credentials(&[id])
            .await?
            .into_iter()
            .next()
            .filter(|c| !c.revoked && c.device == device.id && same_office(c, &device.office))
            .filter(|c| c.key.accepts_call(token.trim()))
            .ok_or(ApiError::BadCredential)?;
        Ok(Self { credential })
    }
}

fn same_office(credential: &Credential, office: &OfficeCode) -> bool {
    &credential.office == office
}
