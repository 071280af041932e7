//! Identifiers: who did what, where, on which device. Each is validated once, at its edge.

use serde::{Deserialize, Serialize};
use std::fmt;
use thiserror::Error;

/// Why an identifier was refused; the message names the bad value's field.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum IdError {
    /// The value is empty or longer than the field allows.
    #[error("{field} must be 1 to {max} characters long")]
    Length { field: &'static str, max: usize },
    /// The value holds a character the field does not allow.
    #[error("{field} may only contain {allowed}")]
    Charset {
        field: &'static str,
        allowed: &'static str,
    },
    /// The value does not have the field's format.
    #[error("{field} must be {want}")]
    Format {
        field: &'static str,
        want: &'static str,
    },
    /// A number outside the field's range.
    #[error("{field} must be between {min} and {max}")]
    Range {
        field: &'static str,
        min: u32,
        max: u32,
    },
}

/// An operation's id, made on the device (UUIDv7), so a repeated push is recognised.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct OpId(pub uuid::Uuid);

impl fmt::Display for OpId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

fn check_token(
    value: &str,
    field: &'static str,
    max: usize,
    ok: impl Fn(char) -> bool,
    allowed: &'static str,
) -> Result<(), IdError> {
    if value.is_empty() || value.len() > max {
        return Err(IdError::Length { field, max });
    }
    if !value.chars().all(ok) {
        return Err(IdError::Charset { field, allowed });
    }
    Ok(())
}

/// Accepts any token of the field's charset.
fn any_token(_: &str) -> Result<(), IdError> {
    Ok(())
}

/// A kecamatan's Kemendagri code: `PP.KK.CC`, province 11 to 99, regency and district
/// from 01 (e.g. `51.02.02`, Selemadeg Timur). BPS statistics codes look alike but have
/// no dots, so they are refused rather than mixed in.
fn kemendagri(value: &str) -> Result<(), IdError> {
    let parts: Vec<&str> = value.split('.').collect();
    let two_digits = |p: &&str| p.len() == 2 && p.bytes().all(|b| b.is_ascii_digit());
    let ok = parts.len() == 3
        && parts.iter().all(two_digits)
        && parts[0] >= "11"
        && parts[1] != "00"
        && parts[2] != "00";
    if ok {
        Ok(())
    } else {
        Err(IdError::Format {
            field: "office",
            want: "a kecamatan's Kemendagri code PP.KK.CC, e.g. 51.02.02",
        })
    }
}

macro_rules! token_id {
    ($(#[$doc:meta])* $name:ident, $field:literal, $max:literal) => {
        token_id!($(#[$doc])* $name, $field, $max, any_token);
    };
    ($(#[$doc:meta])* $name:ident, $field:literal, $max:literal, $check:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            /// Validates and wraps the value.
            pub fn new(value: impl Into<String>) -> Result<Self, IdError> {
                let value = value.into();
                check_token(
                    &value,
                    $field,
                    $max,
                    |c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.',
                    "letters, digits, '-', '_' and '.'",
                )?;
                $check(&value)?;
                Ok(Self(value))
            }

            /// The value as text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl TryFrom<String> for $name {
            type Error = IdError;
            fn try_from(value: String) -> Result<Self, IdError> {
                Self::new(value)
            }
        }

        impl From<$name> for String {
            fn from(value: $name) -> String {
                value.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

token_id!(
    /// An office (Kantor Camat), by its Kemendagri code, e.g. `51.02.02`.
    OfficeCode,
    "office",
    8,
    kemendagri
);
token_id!(
    /// A device enrolled at an office, named by the server at enrolment.
    DeviceId,
    "device",
    64
);
token_id!(
    /// A member of staff, the actor of an op.
    StaffId,
    "actor",
    64
);

/// The letter(s) a device puts in front of its ticket numbers (`A`, `B`, … `Z`, `AA`, …).
///
/// The server hands out one per device per office, so numbers issued offline on two devices
/// at once can never collide.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct DeviceLetter(String);

impl DeviceLetter {
    /// Validates one or two capital letters.
    pub fn new(value: impl Into<String>) -> Result<Self, IdError> {
        let value = value.into();
        check_token(
            &value,
            "letter",
            2,
            |c| c.is_ascii_uppercase(),
            "capital letters A-Z",
        )?;
        Ok(Self(value))
    }

    /// The `index`-th letter in enrolment order: 0 → `A`, 25 → `Z`, 26 → `AA`, up to `ZZ`.
    pub fn nth(index: u32) -> Result<Self, IdError> {
        const N: u32 = 26;
        let letter = |i: u32| char::from(b'A' + i as u8);
        if index < N {
            Ok(Self(letter(index).to_string()))
        } else if index < N + N * N {
            let i = index - N;
            Ok(Self(format!("{}{}", letter(i / N), letter(i % N))))
        } else {
            Err(IdError::Range {
                field: "device letter index",
                min: 0,
                max: N + N * N - 1,
            })
        }
    }

    /// The letters as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for DeviceLetter {
    type Error = IdError;
    fn try_from(value: String) -> Result<Self, IdError> {
        Self::new(value)
    }
}

impl From<DeviceLetter> for String {
    fn from(value: DeviceLetter) -> String {
        value.0
    }
}

impl fmt::Display for DeviceLetter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A service counter (*loket*) number, 1 to 99.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "u8", into = "u8")]
pub struct CounterNo(u8);

impl CounterNo {
    /// Validates the range 1..=99.
    pub fn new(value: u8) -> Result<Self, IdError> {
        if (1..=99).contains(&value) {
            Ok(Self(value))
        } else {
            Err(IdError::Range {
                field: "counter",
                min: 1,
                max: 99,
            })
        }
    }

    /// The number.
    pub fn get(self) -> u8 {
        self.0
    }
}

impl TryFrom<u8> for CounterNo {
    type Error = IdError;
    fn try_from(value: u8) -> Result<Self, IdError> {
        Self::new(value)
    }
}

impl From<CounterNo> for u8 {
    fn from(value: CounterNo) -> u8 {
        value.0
    }
}

impl fmt::Display for CounterNo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn letters_run_a_to_zz() {
        let nth = |i| DeviceLetter::nth(i).map(|l| l.0);
        assert_eq!(nth(0).as_deref(), Ok("A"));
        assert_eq!(nth(25).as_deref(), Ok("Z"));
        assert_eq!(nth(26).as_deref(), Ok("AA"));
        assert_eq!(nth(27).as_deref(), Ok("AB"));
        assert_eq!(nth(26 + 26 * 26 - 1).as_deref(), Ok("ZZ"));
        assert!(nth(26 + 26 * 26).is_err());
    }

    #[test]
    fn letters_are_distinct() {
        let all: std::collections::HashSet<_> =
            (0..702).map(|i| DeviceLetter::nth(i).unwrap()).collect();
        assert_eq!(all.len(), 702);
    }

    #[test]
    fn ids_refuse_bad_values() {
        assert!(OfficeCode::new("51.02.02").is_ok());
        assert!(OfficeCode::new("").is_err());
        assert!(OfficeCode::new("a b").is_err());
        assert!(OfficeCode::new("51.71.01").is_ok());
        for bad in [
            "5102.02",
            "51.02",
            "51.02.02.2001",
            "05.02.02",
            "51.00.02",
            "51.02.00",
            "51.0a.02",
            "510202",
        ] {
            assert!(OfficeCode::new(bad).is_err(), "{bad}");
        }
        assert!(StaffId::new("x".repeat(65)).is_err());
        assert!(DeviceLetter::new("a").is_err());
        assert!(DeviceLetter::new("ABC").is_err());
        assert!(CounterNo::new(0).is_err());
        assert!(CounterNo::new(100).is_err());
        let bad: Result<CounterNo, _> = serde_json::from_str("0");
        assert!(bad.is_err());
    }
}
