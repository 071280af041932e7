//! Calls to the Loket server. The only module that knows URLs and status codes.

use gloo_net::http::{Request, Response};
use loket_core::enrol::{EnrolRequest, Enrolment, ErrorBody};
use loket_core::sync::{SyncRequest, SyncResponse};
use serde::de::DeserializeOwned;

/// Why a call failed, in the terms the UI explains to staff.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApiError {
    /// No answer: offline, or the server is down.
    #[error("the server cannot be reached")]
    Unreachable,
    /// The server refused our credential (401).
    #[error("not authorised: {0}")]
    Unauthorised(String),
    /// The server refused the request itself (other 4xx), with its error code.
    #[error("refused ({code}): {message}")]
    Refused {
        status: u16,
        code: String,
        message: String,
    },
    /// The server failed (5xx) or answered something unreadable.
    #[error("server error {0}")]
    Server(u16),
}

async fn read<T: DeserializeOwned>(response: Response) -> Result<T, ApiError> {
    let status = response.status();
    if response.ok() {
        return response
            .json::<T>()
            .await
            .map_err(|_| ApiError::Server(status));
    }
    let body = response.json::<ErrorBody>().await.ok();
    let (code, message) = body.map(|b| (b.error, b.message)).unwrap_or_default();
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
    let response = Request::post("/api/devices")
        .json(request)
        .map_err(|_| ApiError::Server(0))?
        .send()
        .await
        .map_err(|_| ApiError::Unreachable)?;
    read(response).await
}

/// One sync round trip.
pub async fn sync(token: &str, request: &SyncRequest) -> Result<SyncResponse, ApiError> {
    let response = Request::post("/api/sync")
        .header("Authorization", &format!("Bearer {token}"))
        .json(request)
        .map_err(|_| ApiError::Server(0))?
        .send()
        .await
        .map_err(|_| ApiError::Unreachable)?;
    read(response).await
}
