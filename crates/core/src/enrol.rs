//! Enrolling a device at an office: the messages both sides share.

use crate::ids::{DeviceId, DeviceLetter, StaffId};
use crate::office::Office;
use serde::{Deserialize, Serialize};

/// A device asks to join the office, with the admin's code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnrolRequest {
    /// The admin code printed by the server on first run.
    pub code: String,
    /// A name staff recognise, e.g. "Tablet loket 1".
    pub name: String,
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
}
