//! Enrolling a device at an office: the messages both sides share.

use crate::ids::{DeviceId, DeviceLetter, StaffId};
use crate::office::Office;
use serde::{Deserialize, Serialize};

/// A device asks to join the office, with the admin's code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnrolRequest {
    /// The admin code printed by the server on first run.
    pub code: String,
    /// A name staff recognise, e.g. "Tablet loket 1".
    pub name: String,
    /// The token this device held before it was revoked: it is enrolled again as the
    /// same device (its id, its letter, and so its pending work, kept).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub again: Option<String>,
}

/// The longest device name, in characters.
pub const MAX_NAME: usize = 60;

impl EnrolRequest {
    /// The device name as it will be kept: trimmed, 1 to [`MAX_NAME`] characters, no
    /// control characters. `None` when it is not acceptable.
    pub fn clean_name(&self) -> Option<&str> {
        crate::text::clean_line(&self.name, MAX_NAME)
    }
}

/// How long an admin code enrols a device unless the server is told otherwise: a working
/// day and a night, time to walk the code from the office head to the new tablet.
pub const ADMIN_CODE_HOURS: u32 = 24;

/// The longest an admin code may be set to live (`LOKET_ADMIN_CODE_HOURS`): a week.
pub const MAX_ADMIN_CODE_HOURS: u32 = 7 * 24;

/// Failed enrolments the admin's list shows (the count covers all of the last day).
pub const FAILURES_SHOWN: usize = 20;

/// A new admin code, made by an admin on a device: it enrols one device, once, until
/// it expires.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdminCodeIssued {
    /// The code as people read it, `XXXX-XXXX-XXXX-XXXX`. Shown once.
    pub code: String,
    /// When it stops working (Unix milliseconds).
    pub expires_ms: i64,
}

/// Why an enrolment with a code was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FailureReason {
    /// No office has this code: mistyped, guessed, or used already.
    WrongCode,
    /// The office's code, past its expiry.
    ExpiredCode,
}

/// One refused enrolment, as the admin sees it: no address, only its keyed hash, so
/// repeated tries from one place show as one, and nothing personal is kept.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnrolFailure {
    /// When (Unix milliseconds).
    pub at_ms: i64,
    /// A short keyed hash of the client's address.
    pub client: String,
    /// Why it was refused.
    pub reason: FailureReason,
}

/// The refused enrolments of an office, for its admin.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnrolFailures {
    /// How many in the last 24 hours.
    pub last_day: u64,
    /// The newest, at most [`FAILURES_SHOWN`].
    pub recent: Vec<EnrolFailure>,
}

/// A device that has not synced for this long while holding ops is left behind: the
/// admin's list says so (its work is not on the server, or it is not being used).
pub const LEFT_BEHIND_MS: i64 = 60 * 60 * 1000;

/// An enrolled device, as the admin's list shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceInfo {
    /// Its id.
    pub device: DeviceId,
    /// What the admin called it.
    pub name: String,
    /// The letter of its tickets.
    pub letter: DeviceLetter,
    /// When it last synced (Unix ms), if it ever did.
    pub last_sync_ms: Option<i64>,
    /// The ops it held pending when it last synced.
    pub pending: u32,
    /// Revoked by the admin: it cannot sync until it is enrolled again.
    #[serde(default)]
    pub revoked: bool,
}

/// The admin revokes a device.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RevokeDevice {
    /// The device.
    pub device: DeviceId,
}

impl DeviceInfo {
    /// Whether, at `now_ms`, the device holds work the server does not have and has not
    /// synced for [`LEFT_BEHIND_MS`] (or never synced at all).
    pub fn left_behind(&self, now_ms: i64) -> bool {
        match self.last_sync_ms {
            None => true,
            Some(at) => self.pending > 0 && now_ms - at > LEFT_BEHIND_MS,
        }
    }
}

/// What a device keeps after enrolment: who it is, where, and its sync credential.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Enrolment {
    /// The device's id, stamped on every op it makes.
    pub device: DeviceId,
    /// The letter in front of its ticket numbers.
    pub letter: DeviceLetter,
    /// The office it belongs to.
    pub office: Office,
    /// The bearer token for sync; kept on the device only.
    pub token: String,
    /// The member of staff ops are made as, until staff unlock the tablet with their own PIN.
    pub actor: StaffId,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(text: &str) -> Option<String> {
        EnrolRequest {
            code: String::new(),
            name: text.into(),
            again: None,
        }
        .clean_name()
        .map(str::to_owned)
    }

    #[test]
    fn device_names_are_trimmed_and_bounded() {
        assert_eq!(name("  Tablet loket 1 "), Some("Tablet loket 1".into()));
        assert_eq!(name("   "), None);
        assert_eq!(name(&"é".repeat(60)), Some("é".repeat(60)));
        assert_eq!(name(&"é".repeat(61)), None);
        assert_eq!(name("Tablet\u{0}1"), None);
    }

    #[test]
    fn a_device_with_old_pending_work_is_left_behind() {
        let device = |last_sync_ms, pending| DeviceInfo {
            device: DeviceId::new("dev-a").unwrap(),
            name: "Loket 1".into(),
            letter: DeviceLetter::new("A").unwrap(),
            last_sync_ms,
            pending,
            revoked: false,
        };
        let now = 10 * LEFT_BEHIND_MS;
        assert!(device(None, 0).left_behind(now), "never synced");
        assert!(
            !device(Some(0), 0).left_behind(now),
            "idle, nothing pending"
        );
        assert!(
            !device(Some(now - 60_000), 3).left_behind(now),
            "synced a minute ago"
        );
        assert!(device(Some(now - LEFT_BEHIND_MS - 1), 3).left_behind(now));
    }

    #[test]
    fn a_request_with_a_field_it_does_not_know_is_refused() {
        let ok = r#"{"code":"X","name":"Loket 1"}"#;
        assert!(serde_json::from_str::<EnrolRequest>(ok).is_ok());
        let extra = r#"{"code":"X","name":"Loket 1","letter":"A"}"#;
        assert!(serde_json::from_str::<EnrolRequest>(extra).is_err());
    }
}
