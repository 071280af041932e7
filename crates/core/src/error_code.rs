//! The codes of every error the server answers, shared by the server (which sends them)
//! and the app (which translates them for staff), so neither matches on strings.

use serde::{Deserialize, Serialize};

/// A stable, snake_case error code: `{"error": "<code>", "message": "…"}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The body is not JSON at all.
    MalformedJson,
    /// The body was not sent as JSON.
    UnsupportedMediaType,
    /// The body is too large.
    PayloadTooLarge,
    /// JSON of the wrong shape (a missing field, an unknown op kind…).
    InvalidBody,
    /// A device name that is empty, too long or has control characters.
    InvalidName,
    /// The admin code is wrong (mistyped, or spent already).
    BadCode,
    /// The admin code was right but is past its expiry: the admin makes a new one.
    ExpiredCode,
    /// No device token, or one no device holds.
    Unauthorized,
    /// The device was revoked by the admin: it keeps its work and is enrolled again.
    DeviceRevoked,
    /// The device's cursor is past the server's log (the server lost ops).
    CursorAhead,
    /// The device's cursor belongs to another history of the log (a restore).
    HistoryChanged,
    /// A push with more ops than one round may carry.
    TooManyOps,
    /// The same op twice in one push.
    RepeatedInPush,
    /// A pushed op of another office.
    WrongOffice,
    /// A pushed op of another device.
    WrongDevice,
    /// A ticket issued under another device's letter.
    WrongLetter,
    /// An op id already taken by a different op.
    OpIdTaken,
    /// No device letter is left for a new device.
    OfficeFull,
    /// No such route or record.
    NotFound,
    /// The route does not take this method.
    MethodNotAllowed,
    /// Too many requests from this client, or too many wrong answers for this record:
    /// the answer's `Retry-After` says when to try again.
    TooManyRequests,
    /// The request took longer than the server waits.
    RequestTimeout,
    /// A query string that is not what the route reads.
    InvalidQuery,
    /// The PIN is not this staff member's (or nobody can sign in as them).
    WrongPin,
    /// A new PIN that breaks the rules (`staff::check_new_pin`).
    BadPin,
    /// The office already has staff: its first admin exists.
    OfficeStaffed,
    /// A staff call without a good credential of this device's (missing, revoked, wrong).
    BadCredential,
    /// The signed-in staff member may not do this.
    Forbidden,
    /// The server failed; the detail is in its log.
    Internal,
    /// A code this build does not know (a newer server): treated as a refusal.
    #[serde(other)]
    Unknown,
}

/// The JSON body of every error the server answers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    /// What went wrong, for the app to translate.
    pub error: ErrorCode,
    /// An English sentence naming the bad value, for logs and developers.
    pub message: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_snake_case_and_unknown_ones_still_read() {
        let text = serde_json::to_string(&ErrorCode::CursorAhead).unwrap();
        assert_eq!(text, "\"cursor_ahead\"");
        let body: ErrorBody =
            serde_json::from_str(r#"{"error":"something_new","message":"x"}"#).unwrap();
        assert_eq!(body.error, ErrorCode::Unknown);
        let body: ErrorBody =
            serde_json::from_str(r#"{"error":"history_changed","message":"x"}"#).unwrap();
        assert_eq!(body.error, ErrorCode::HistoryChanged);
    }
}
