//! Calls to the Loket server. The only module that knows URLs and status codes.
//! It uses the browser's `fetch` directly: a small app bundle matters on a cheap phone.

use loket_core::PublicStatus;
use loket_core::credential::{CredentialId, Key};
use loket_core::enrol::{AdminCodeIssued, DeviceInfo, EnrolFailures, EnrolRequest, Enrolment};
use loket_core::sign_in::{
    FirstAdmin, Issued, Revoke, Revoked, STAFF_HEADER, SetPin, SignIn, SignedIn, staff_header,
};
use loket_core::status_link::StatusLink;
use loket_core::sync::{SyncRequest, SyncResponse};
use loket_core::{ErrorBody, ErrorCode};
use serde::Serialize;
use serde::de::DeserializeOwned;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{Headers, RequestInit, Response};

/// Why a call failed, in the terms the UI explains to staff.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApiError {
    /// No answer: offline, or the server is down.
    #[error("the server cannot be reached")]
    Unreachable,
    /// The server refused our credential (401).
    #[error("not authorised: {0:?}")]
    Unauthorised(ErrorCode),
    /// The server refused the request itself (other 4xx), with its error code.
    #[error("refused ({code:?}): {message}")]
    Refused {
        status: u16,
        code: ErrorCode,
        message: String,
    },
    /// The server failed (5xx) or answered something unreadable.
    #[error("server error {0}")]
    Server(u16),
}

/// POSTs `body` as JSON and reads the JSON answer, mapping failures to [`ApiError`].
async fn post<B: Serialize, T: DeserializeOwned>(
    path: &str,
    token: Option<&str>,
    body: &B,
) -> Result<T, ApiError> {
    send(path, &post_init(token, None, body)?).await
}

/// A POST of `body` as JSON, with the device's token and a signed-in person's
/// `staff` header ([`STAFF_HEADER`]) when given.
fn post_init<B: Serialize>(
    token: Option<&str>,
    staff: Option<&str>,
    body: &B,
) -> Result<RequestInit, ApiError> {
    let body = serde_json::to_vec(body).map_err(|_| ApiError::Server(0))?;
    let headers = Headers::new().map_err(|_| ApiError::Server(0))?;
    let _ = headers.set("Content-Type", "application/json");
    if let Some(token) = token {
        let _ = headers.set("Authorization", &format!("Bearer {token}"));
    }
    if let Some(staff) = staff {
        let _ = headers.set(STAFF_HEADER, staff);
    }
    let init = RequestInit::new();
    init.set_method("POST");
    init.set_headers(&headers);
    // Bytes, not a string: a push of 2,000 ops is not turned into UTF-16 and back.
    init.set_body(&js_sys::Uint8Array::from(body.as_slice()));
    Ok(init)
}

/// GETs `path` and reads the JSON answer. Never from the HTTP cache: a status seen a
/// minute ago is exactly what the caller does not want.
async fn get<T: DeserializeOwned>(path: &str) -> Result<T, ApiError> {
    let init = RequestInit::new();
    init.set_method("GET");
    init.set_cache(web_sys::RequestCache::NoStore);
    send(path, &init).await
}

/// Sends one request and maps the answer: JSON on success, [`ApiError`] otherwise.
async fn send<T: DeserializeOwned>(path: &str, init: &RequestInit) -> Result<T, ApiError> {
    let (status, body) = send_bytes(path, init).await?;
    serde_json::from_slice(&body).map_err(|_| ApiError::Server(status))
}

/// Sends one request: the status and body (as text) of a success, [`ApiError`] otherwise.
async fn send_text(path: &str, init: &RequestInit) -> Result<(u16, String), ApiError> {
    let (status, body) = send_bytes(path, init).await?;
    String::from_utf8(body)
        .map(|text| (status, text))
        .map_err(|_| ApiError::Server(status))
}

/// Sends one request: the status and body of a success, [`ApiError`] otherwise. The body
/// is read as bytes, copied once into memory here (a pull page of megabytes read as text
/// would be decoded to UTF-16 and encoded back).
async fn send_bytes(path: &str, init: &RequestInit) -> Result<(u16, Vec<u8>), ApiError> {
    let window = web_sys::window().ok_or(ApiError::Unreachable)?;
    let response: Response = JsFuture::from(window.fetch_with_str_and_init(path, init))
        .await
        .map_err(|_| ApiError::Unreachable)?
        .dyn_into()
        .map_err(|_| ApiError::Unreachable)?;
    let status = response.status();
    let body = match response.array_buffer() {
        Ok(promise) => JsFuture::from(promise)
            .await
            .ok()
            .map(|buffer| js_sys::Uint8Array::new(&buffer).to_vec()),
        Err(_) => None,
    }
    // A body cut off mid-way is a lost answer, like no answer at all.
    .ok_or(ApiError::Unreachable)?;
    if response.ok() {
        return Ok((status, body));
    }
    let (code, message) = serde_json::from_slice::<ErrorBody>(&body)
        .map(|b| (b.error, b.message))
        .unwrap_or((ErrorCode::Unknown, String::new()));
    match status {
        401 => Err(ApiError::Unauthorised(code)),
        400..=499 => Err(ApiError::Refused {
            status,
            code,
            message,
        }),
        _ => Err(ApiError::Server(status)),
    }
}

/// Enrols this device with the admin's code.
pub async fn enrol(request: &EnrolRequest) -> Result<Enrolment, ApiError> {
    post("/api/devices", None, request).await
}

/// The public status of a ticket; a wrong number or code is a 404 (`Refused`).
pub async fn status(link: &StatusLink) -> Result<PublicStatus, ApiError> {
    get(&link.api_path()).await
}

/// The office's catalogue in force, for the self-check (`None`: the server's own office),
/// with the JSON it came as, which the page keeps for offline visits (no serialiser for
/// the catalogue in the public app).
pub async fn catalogue(
    office: Option<&loket_core::OfficeCode>,
) -> Result<(loket_core::selfcheck::ServiceInfo, String), ApiError> {
    let path = match office {
        Some(code) => format!("/api/catalogue?office={code}"),
        None => "/api/catalogue".to_owned(),
    };
    let init = RequestInit::new();
    init.set_method("GET");
    init.set_cache(web_sys::RequestCache::NoStore);
    let (status, text) = send_text(&path, &init).await?;
    let info = serde_json::from_str(&text).map_err(|_| ApiError::Server(status))?;
    Ok((info, text))
}

/// One sync round trip.
pub async fn sync(token: &str, request: &SyncRequest) -> Result<SyncResponse, ApiError> {
    post("/api/sync", Some(token), request).await
}

/// Signs `request.staff` in on this device: the server checks the PIN and issues a
/// credential (401 `wrong_pin`, 429 after too many).
pub async fn sign_in(token: &str, request: &SignIn) -> Result<Issued, ApiError> {
    post("/api/staff/sign-in", Some(token), request).await
}

/// Makes the office's first admin (409 `office_staffed` once it has staff).
pub async fn first_admin(token: &str, request: &FirstAdmin) -> Result<Issued, ApiError> {
    post("/api/staff/first-admin", Some(token), request).await
}

/// The admin (signed in with `credential` and `key`) sets a staff member's PIN.
pub async fn set_pin(
    token: &str,
    credential: CredentialId,
    key: &Key,
    request: &SetPin,
) -> Result<(), ApiError> {
    let init = post_init(Some(token), Some(&staff_header(credential, key)), request)?;
    send_text("/api/staff/pin", &init).await.map(drop)
}

/// A GET of `path` as the signed-in person of this device (a staff route).
async fn staff_get<T: DeserializeOwned>(
    path: &str,
    token: &str,
    credential: CredentialId,
    key: &Key,
) -> Result<T, ApiError> {
    let headers = Headers::new().map_err(|_| ApiError::Server(0))?;
    let _ = headers.set("Authorization", &format!("Bearer {token}"));
    let _ = headers.set(STAFF_HEADER, &staff_header(credential, key));
    let init = RequestInit::new();
    init.set_method("GET");
    init.set_headers(&headers);
    init.set_cache(web_sys::RequestCache::NoStore);
    send(path, &init).await
}

/// Where each staff member is signed in (the admin only).
pub async fn signed_in(
    token: &str,
    credential: CredentialId,
    key: &Key,
) -> Result<Vec<SignedIn>, ApiError> {
    staff_get("/api/staff/signed-in", token, credential, key).await
}

/// A new admin code that enrols one more device (the admin only).
pub async fn make_admin_code(
    token: &str,
    credential: CredentialId,
    key: &Key,
) -> Result<AdminCodeIssued, ApiError> {
    let init = post_init(Some(token), Some(&staff_header(credential, key)), &())?;
    send("/api/devices/codes", &init).await
}

/// The office's devices, with when each last synced (the admin only).
pub async fn devices(
    token: &str,
    credential: CredentialId,
    key: &Key,
) -> Result<Vec<DeviceInfo>, ApiError> {
    staff_get("/api/devices", token, credential, key).await
}

/// Revokes a device of the office (the admin only).
pub async fn revoke_device(
    token: &str,
    credential: CredentialId,
    key: &Key,
    request: &loket_core::enrol::RevokeDevice,
) -> Result<(), ApiError> {
    let init = post_init(Some(token), Some(&staff_header(credential, key)), request)?;
    send_text("/api/devices/revoke", &init).await.map(drop)
}

/// The office's refused enrolments (the admin only).
pub async fn enrol_failures(
    token: &str,
    credential: CredentialId,
    key: &Key,
) -> Result<EnrolFailures, ApiError> {
    staff_get("/api/devices/failures", token, credential, key).await
}

/// Revokes a staff member's credentials on one device or all (the admin only).
pub async fn revoke(
    token: &str,
    credential: CredentialId,
    key: &Key,
    request: &Revoke,
) -> Result<Revoked, ApiError> {
    let init = post_init(Some(token), Some(&staff_header(credential, key)), request)?;
    send("/api/staff/revoke", &init).await
}
