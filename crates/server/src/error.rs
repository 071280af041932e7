//! The API's one error type, and the `Json` extractor that turns a bad body into it.
//!
//! Every error answers `{"error": "<code>", "message": "<sentence>"}`. A 4xx message names
//! the bad value so the caller can fix it; a 5xx says only "something went wrong" and its
//! detail goes to the log. Messages are never logged for 4xx: a body may hold a NIK.

use crate::ledger::RoundTripError;
use crate::store::StoreError;
use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use loket_core::sync::SyncError;
use loket_core::{ErrorBody, ErrorCode};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::sync::Arc;
use thiserror::Error;

/// The most bytes an API request body may have (a device's largest push fits).
pub const API_BODY_LIMIT: usize = loket_core::sync::MAX_REQUEST_BYTES;

/// The longest an API request may take, its body read included: a push of the largest
/// body over a slow mobile line fits well within it; a client trickling bytes does not.
pub const API_REQUEST_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(60);

/// Everything an API call can answer besides success.
#[derive(Debug, Error)]
pub enum ApiError {
    /// 400 `malformed_json`: the body is not JSON at all.
    #[error("the request body is not valid JSON: {0}")]
    MalformedJson(String),
    /// 415 `unsupported_media_type`: the body was not sent as JSON.
    #[error("the request body must be sent with `Content-Type: application/json`")]
    NotJson,
    /// 413 `payload_too_large`: the body is over [`API_BODY_LIMIT`].
    #[error("the request body is larger than {API_BODY_LIMIT} bytes")]
    TooLarge,
    /// 422 `invalid_body`: JSON of the wrong shape (a missing field, an unknown op kind…).
    #[error("the request body does not have the expected fields: {0}")]
    InvalidBody(String),
    /// 422 `invalid_name`: a device name that is empty, too long once trimmed, or has control characters.
    #[error(
        "the device name must be 1 to {max} printable characters long, {got:?} has {len} after trimming"
    )]
    InvalidName {
        /// The name as sent.
        got: String,
        /// Its length in characters after trimming.
        len: usize,
        /// The most allowed.
        max: usize,
    },
    /// 401 `bad_code`: the admin code is not any office's.
    #[error("that is not an admin code of this server, or it enrolled a device already")]
    BadCode,
    /// 401 `expired_code`: the office's admin code, past its expiry.
    #[error("this admin code has expired: the admin makes a new one")]
    ExpiredCode,
    /// 401 `unauthorized`: no device token, or one no device holds.
    #[error("{0}")]
    Unauthorized(&'static str),
    /// 401 `device_revoked`: the admin revoked this device; it is enrolled again with a
    /// new admin code and its old token (`again`), keeping its work.
    #[error("the admin revoked this device: enrol it again with a new admin code")]
    DeviceRevoked,
    /// 409 `cursor_ahead` / `history_changed` / `op_id_taken`, or 422 `too_many_ops` /
    /// `repeated_in_push` / `wrong_office` / `wrong_device` / `wrong_letter`: a sync that
    /// cannot be taken as a whole (one op the server cannot take never causes this).
    #[error(transparent)]
    Sync(#[from] SyncError),
    /// 409 `office_full`: no device letter is left for a new device.
    #[error("office {0} has no device letter left: A to ZZ are all taken")]
    OfficeFull(loket_core::OfficeCode),
    /// 404 `not_found`: no API route at this path.
    #[error("there is no API route at {0}")]
    NotFound(String),
    /// 405 `method_not_allowed`: the route exists but not with this method.
    #[error("this API route does not accept the method {0}")]
    MethodNotAllowed(String),
    /// 429 `too_many_requests`: this client asked too often, or the record it asks about
    /// drew too many wrong answers; `Retry-After` says when to ask again.
    #[error("too many requests: try again in {} s", .0.as_secs().max(1))]
    TooManyRequests(std::time::Duration),
    /// 408 `request_timeout`: the request was not read and answered in time.
    #[error("the request took longer than the server waits")]
    Timeout,
    /// 400 `invalid_query`: a query string the route cannot read.
    #[error("the query string is not what this route reads: {0}")]
    InvalidQuery(String),
    /// 401 `wrong_pin`: not this staff member's PIN (or nobody can sign in as them).
    #[error("that PIN is not right for this staff member")]
    WrongPin,
    /// 422 `bad_pin`: a new PIN that breaks the rules.
    #[error("the new PIN is not accepted: {0}")]
    BadPin(loket_core::staff::StaffError),
    /// 409 `office_staffed`: the office's first admin exists already.
    #[error("this office already has staff: ask its admin for an account")]
    OfficeStaffed,
    /// 401 `bad_credential`: a staff call without a good credential of this device's.
    #[error(
        "this call needs `x-loket-staff: <credential> <call token>` of a staff member signed in on this device"
    )]
    BadCredential,
    /// 403 `forbidden`: the signed-in staff member may not do this.
    #[error("your role may not do this")]
    Forbidden,
    /// 500 `internal`: a bug or a broken database; the detail is logged, never sent.
    #[error("something went wrong")]
    Internal(String),
}

impl ApiError {
    /// The status and the stable code clients switch on.
    pub fn status_and_code(&self) -> (StatusCode, ErrorCode) {
        use StatusCode as S;
        match self {
            Self::MalformedJson(_) => (S::BAD_REQUEST, ErrorCode::MalformedJson),
            Self::NotJson => (S::UNSUPPORTED_MEDIA_TYPE, ErrorCode::UnsupportedMediaType),
            Self::TooLarge => (S::PAYLOAD_TOO_LARGE, ErrorCode::PayloadTooLarge),
            Self::InvalidBody(_) => (S::UNPROCESSABLE_ENTITY, ErrorCode::InvalidBody),
            Self::InvalidName { .. } => (S::UNPROCESSABLE_ENTITY, ErrorCode::InvalidName),
            Self::BadCode => (S::UNAUTHORIZED, ErrorCode::BadCode),
            Self::ExpiredCode => (S::UNAUTHORIZED, ErrorCode::ExpiredCode),
            Self::Unauthorized(_) => (S::UNAUTHORIZED, ErrorCode::Unauthorized),
            Self::DeviceRevoked => (S::UNAUTHORIZED, ErrorCode::DeviceRevoked),
            Self::Sync(e) => {
                let code = e.code();
                let status = match e {
                    SyncError::CursorAhead { .. }
                    | SyncError::HistoryChanged { .. }
                    | SyncError::IdReused(_) => S::CONFLICT,
                    // Only a device checks order; the server never builds this error.
                    SyncError::OutOfOrder { .. } => S::INTERNAL_SERVER_ERROR,
                    _ => S::UNPROCESSABLE_ENTITY,
                };
                (status, code)
            }
            Self::OfficeFull(_) => (S::CONFLICT, ErrorCode::OfficeFull),
            Self::NotFound(_) => (S::NOT_FOUND, ErrorCode::NotFound),
            Self::MethodNotAllowed(_) => (S::METHOD_NOT_ALLOWED, ErrorCode::MethodNotAllowed),
            Self::TooManyRequests(_) => (S::TOO_MANY_REQUESTS, ErrorCode::TooManyRequests),
            Self::Timeout => (S::REQUEST_TIMEOUT, ErrorCode::RequestTimeout),
            Self::InvalidQuery(_) => (S::BAD_REQUEST, ErrorCode::InvalidQuery),
            Self::WrongPin => (S::UNAUTHORIZED, ErrorCode::WrongPin),
            Self::BadPin(_) => (S::UNPROCESSABLE_ENTITY, ErrorCode::BadPin),
            Self::OfficeStaffed => (S::CONFLICT, ErrorCode::OfficeStaffed),
            Self::BadCredential => (S::UNAUTHORIZED, ErrorCode::BadCredential),
            Self::Forbidden => (S::FORBIDDEN, ErrorCode::Forbidden),
            Self::Internal(_) => (S::INTERNAL_SERVER_ERROR, ErrorCode::Internal),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code) = self.status_and_code();
        let message = if status.is_server_error() {
            // The detail may name tables or rows: it goes to the log, not to the caller.
            tracing::error!(error = %self, detail = ?self, "request failed");
            "something went wrong".to_owned()
        } else {
            self.to_string()
        };
        let retry_after = match &self {
            Self::TooManyRequests(wait) => Some(wait.as_secs().max(1)),
            _ => None,
        };
        let body = ErrorBody {
            error: code,
            message,
        };
        let mut response = (status, axum::Json(body)).into_response();
        if let Some(secs) = retry_after {
            response
                .headers_mut()
                .insert(axum::http::header::RETRY_AFTER, secs.into());
        }
        response
    }
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::OfficeFull(office) => Self::OfficeFull(office),
            // Another device spent the code a moment earlier: to this one it is not a code.
            StoreError::CodeSpent => Self::BadCode,
            other => Self::Internal(other.to_string()),
        }
    }
}

impl From<RoundTripError> for ApiError {
    fn from(error: RoundTripError) -> Self {
        match error {
            RoundTripError::Sync(e) => Self::Sync(e),
            RoundTripError::Store(e) => match Arc::try_unwrap(e) {
                Ok(e) => e.into(),
                Err(shared) => Self::Internal(shared.to_string()),
            },
            RoundTripError::Task(detail) => Self::Internal(detail),
        }
    }
}

impl From<JsonRejection> for ApiError {
    fn from(rejection: JsonRejection) -> Self {
        match rejection {
            JsonRejection::JsonDataError(e) => Self::InvalidBody(inner_text(&e.body_text())),
            JsonRejection::JsonSyntaxError(e) => Self::MalformedJson(inner_text(&e.body_text())),
            JsonRejection::MissingJsonContentType(_) => Self::NotJson,
            JsonRejection::BytesRejection(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                Self::TooLarge
            }
            other => Self::MalformedJson(other.body_text()),
        }
    }
}

/// axum's text is "Failed to …: <serde's message>"; keep serde's part, which names the value.
fn inner_text(text: &str) -> String {
    text.split_once(": ")
        .map_or(text, |(_, inner)| inner)
        .to_owned()
}

impl From<axum::extract::rejection::QueryRejection> for ApiError {
    fn from(rejection: axum::extract::rejection::QueryRejection) -> Self {
        Self::InvalidQuery(inner_text(&rejection.body_text()))
    }
}

/// `axum::extract::Query`, but a query string it cannot read answers our JSON error.
#[derive(Debug, Clone, Copy, Default)]
pub struct Query<T>(pub T);

impl<S, T> axum::extract::FromRequestParts<S> for Query<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &S,
    ) -> Result<Self, Self::Rejection> {
        let axum::extract::Query(value) =
            axum::extract::Query::<T>::from_request_parts(parts, state).await?;
        Ok(Self(value))
    }
}

/// `axum::Json`, but a body it cannot read answers our JSON error instead of plain text.
#[derive(Debug, Clone, Copy, Default)]
pub struct Json<T>(pub T);

impl<S, T> FromRequest<S> for Json<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let axum::Json(value) = axum::Json::<T>::from_request(req, state).await?;
        Ok(Self(value))
    }
}

impl<T: Serialize> IntoResponse for Json<T> {
    fn into_response(self) -> Response {
        axum::Json(self.0).into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn server_errors_hide_their_detail() {
        use http_body_util::BodyExt;
        let response = ApiError::Internal("table ops is locked".into()).into_response();
        assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
        let body = response.into_body().collect().await.unwrap().to_bytes();
        let body: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(body["error"], "internal");
        assert_eq!(body["message"], "something went wrong");
    }

    #[test]
    fn inner_text_keeps_serdes_message() {
        assert_eq!(
            inner_text("Failed to parse the request body as JSON: cursor: expected u64"),
            "cursor: expected u64"
        );
        assert_eq!(inner_text("no colon"), "no colon");
    }
}
