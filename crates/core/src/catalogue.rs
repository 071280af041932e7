//! Service cases: why an applicant came. The list is data (the admin will edit it, see
//! FIELD-NOTES.md); this module holds the code type and the SOP's defaults.

use crate::ids::IdError;
use serde::{Deserialize, Serialize};
use std::fmt;

/// A service case's code, e.g. `baru` (new card) or `hilang` (lost).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CaseCode(String);

impl CaseCode {
    /// Validates 1–32 lowercase letters, digits or `_`.
    pub fn new(value: impl Into<String>) -> Result<Self, IdError> {
        let value = value.into();
        if value.is_empty() || value.len() > 32 {
            return Err(IdError::Length {
                field: "case",
                max: 32,
            });
        }
        if !value
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        {
            return Err(IdError::Charset {
                field: "case",
                allowed: "a-z, 0-9 and '_'",
            });
        }
        Ok(Self(value))
    }

    /// The code as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for CaseCode {
    type Error = IdError;
    fn try_from(value: String) -> Result<Self, IdError> {
        Self::new(value)
    }
}

impl From<CaseCode> for String {
    fn from(value: CaseCode) -> String {
        value.0
    }
}

impl fmt::Display for CaseCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A service case as shown to people: its code and its name in both languages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CaseInfo {
    /// The stable code stored in ops.
    pub code: &'static str,
    /// The name in Bahasa Indonesia.
    pub name_id: &'static str,
    /// The name in English.
    pub name_en: &'static str,
}

/// The default cases (FIELD-NOTES.md, "Documents by case"), in the order the counter offers them.
pub const DEFAULT_CASES: &[CaseInfo] = &[
    CaseInfo {
        code: "baru",
        name_id: "KTP-el baru",
        name_en: "New card",
    },
    CaseInfo {
        code: "hilang",
        name_id: "Hilang",
        name_en: "Lost",
    },
    CaseInfo {
        code: "rusak",
        name_id: "Rusak",
        name_en: "Damaged",
    },
    CaseInfo {
        code: "ubah_data",
        name_id: "Perubahan data",
        name_en: "Change of data",
    },
    CaseInfo {
        code: "pindah",
        name_id: "Pindah domisili",
        name_en: "Moved domicile",
    },
    CaseInfo {
        code: "cetak_online",
        name_id: "Cetak permohonan online",
        name_en: "Online reprint",
    },
];

/// Looks a default case up by its code.
pub fn default_case(code: &CaseCode) -> Option<&'static CaseInfo> {
    DEFAULT_CASES.iter().find(|c| c.code == code.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_codes_are_valid_and_distinct() {
        let mut seen = std::collections::HashSet::new();
        for case in DEFAULT_CASES {
            let code = CaseCode::new(case.code).unwrap();
            assert!(seen.insert(case.code));
            assert_eq!(default_case(&code), Some(case));
        }
    }

    #[test]
    fn bad_codes_are_refused() {
        assert!(CaseCode::new("").is_err());
        assert!(CaseCode::new("Baru").is_err());
        assert!(CaseCode::new("x".repeat(33)).is_err());
    }
}
