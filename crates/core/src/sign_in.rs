//! What the tablet and the server say to each other to sign staff in and manage their
//! credentials (`/api/staff/…`). Every request is sent with the device's token; the
//! admin's calls also with the admin's credential ([`STAFF_HEADER`]).

use crate::credential::{CredentialId, Key};
use crate::ids::{DeviceId, StaffId};
use serde::{Deserialize, Serialize};

/// The header an admin's call carries: `<credential id> <call token>`
/// ([`Key::call_token`]).
pub const STAFF_HEADER: &str = "x-loket-staff";

/// The [`STAFF_HEADER`] value of the credential `credential` with its `key`.
pub fn staff_header(credential: CredentialId, key: &Key) -> String {
    format!("{credential} {}", key.call_token())
}

/// A staff member signs in on this device with their PIN.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignIn {
    /// Who.
    pub staff: StaffId,
    /// Their PIN, as typed (checked by the server, never stored).
    pub pin: String,
}

/// The office's first account: an admin with a PIN, made only while the office has no
/// staff. The tablet then records the admin's account as their own first op.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FirstAdmin {
    /// The new admin's id (made on the tablet).
    pub staff: StaffId,
    /// Their new PIN ([`crate::staff::check_new_pin`]).
    pub pin: String,
}

/// A credential, as the server issues it after a right PIN.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Issued {
    /// Its id, named in every proof.
    pub credential: CredentialId,
    /// Its secret: the tablet keeps it only wrapped under the PIN.
    pub key: Key,
}

/// The admin sets a staff member's PIN (a new account's, or a forgotten one).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SetPin {
    /// Whose.
    pub staff: StaffId,
    /// The new PIN ([`crate::staff::check_new_pin`]).
    pub pin: String,
}

/// The admin revokes a staff member's credentials: on one device, or on all of them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Revoke {
    /// Whose.
    pub staff: StaffId,
    /// Only on this device; `None`: everywhere (the person left the office).
    #[serde(default)]
    pub device: Option<DeviceId>,
}

/// How many credentials a [`Revoke`] revoked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Revoked {
    /// Credentials revoked now (ones revoked before are not counted).
    pub revoked: u32,
}

/// Where a staff member is signed in, for the admin.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedIn {
    /// The credential.
    pub credential: CredentialId,
    /// Who.
    pub staff: StaffId,
    /// On which device.
    pub device: DeviceId,
    /// The device's name, as given at enrolment.
    pub device_name: String,
    /// When the server issued it (Unix ms).
    pub issued_ms: i64,
    /// Revoked (Unix ms), or still good.
    pub revoked_ms: Option<i64>,
}
