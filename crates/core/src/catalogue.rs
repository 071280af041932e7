//! Service cases: why an applicant came, and which documents they bring. The list is data
//! the admin edits ([`Catalogue`], versioned); the SOP's and FIELD-NOTES.md's defaults are
//! [`DEFAULT_CASES`].

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

/// A document an applicant brings, as shown to people.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DocInfo {
    /// A stable code, e.g. `kk`.
    pub code: &'static str,
    /// The name in Bahasa Indonesia.
    pub name_id: &'static str,
    /// The name in English.
    pub name_en: &'static str,
}

const KK: DocInfo = DocInfo {
    code: "kk",
    name_id: "Fotokopi Kartu Keluarga (KK)",
    name_en: "Copy of the family card (KK)",
};
const PEREKAMAN: DocInfo = DocInfo {
    code: "perekaman",
    name_id: "Sudah perekaman KTP-el",
    name_en: "KTP-el recording done",
};
const LAPORAN_POLISI: DocInfo = DocInfo {
    code: "laporan_polisi",
    name_id: "Surat keterangan kehilangan dari kepolisian (berlaku 14 hari)",
    name_en: "Police loss report (valid 14 days)",
};
const KTP_RUSAK: DocInfo = DocInfo {
    code: "ktp_rusak",
    name_id: "KTP-el yang rusak (diserahkan kembali)",
    name_en: "The damaged card (handed back)",
};
const KTP_LAMA: DocInfo = DocInfo {
    code: "ktp_lama",
    name_id: "KTP-el lama",
    name_en: "The old KTP-el",
};
const BUKTI_PERUBAHAN: DocInfo = DocInfo {
    code: "bukti_perubahan",
    name_id: "Dokumen pendukung perubahan data",
    name_en: "Supporting document for the change",
};
const SKP: DocInfo = DocInfo {
    code: "skp",
    name_id: "Surat Keterangan Pindah (SKP) / F-1.02",
    name_en: "Moving letter (SKP) / form F-1.02",
};
const KK_BARU: DocInfo = DocInfo {
    code: "kk_baru",
    name_id: "Kartu Keluarga (KK) baru",
    name_en: "The new family card (KK)",
};
const BUKTI_ONLINE: DocInfo = DocInfo {
    code: "bukti_online",
    name_id: "Bukti permohonan online (nomor / QR)",
    name_en: "Proof of the online application (reference / QR)",
};

/// A service case as shown to people: its code, its name in both languages, and the
/// documents the applicant brings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CaseInfo {
    /// The stable code stored in ops.
    pub code: &'static str,
    /// The name in Bahasa Indonesia.
    pub name_id: &'static str,
    /// The name in English.
    pub name_en: &'static str,
    /// What the applicant brings (FIELD-NOTES.md; since 2024 no RT/RW cover letter).
    pub documents: &'static [DocInfo],
}

/// The default cases (FIELD-NOTES.md, "Documents by case"), in the order the counter offers them.
pub const DEFAULT_CASES: &[CaseInfo] = &[
    CaseInfo {
        code: "baru",
        name_id: "KTP-el baru",
        name_en: "New card",
        documents: &[KK, PEREKAMAN],
    },
    CaseInfo {
        code: "hilang",
        name_id: "Hilang",
        name_en: "Lost",
        documents: &[LAPORAN_POLISI, KK],
    },
    CaseInfo {
        code: "rusak",
        name_id: "Rusak",
        name_en: "Damaged",
        documents: &[KTP_RUSAK, KK],
    },
    CaseInfo {
        code: "ubah_data",
        name_id: "Perubahan data",
        name_en: "Change of data",
        documents: &[KK, KTP_LAMA, BUKTI_PERUBAHAN],
    },
    CaseInfo {
        code: "pindah",
        name_id: "Pindah domisili",
        name_en: "Moved domicile",
        documents: &[SKP, KTP_LAMA, KK_BARU],
    },
    CaseInfo {
        code: "cetak_online",
        name_id: "Cetak permohonan online",
        name_en: "Online reprint",
        documents: &[BUKTI_ONLINE],
    },
];

/// A document in an editable catalogue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Document {
    /// A stable code, e.g. `kk`.
    pub code: String,
    /// The name in Bahasa Indonesia.
    pub name_id: String,
    /// The name in English.
    pub name_en: String,
}

/// A case in an editable catalogue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Case {
    /// The code stored in ops.
    pub code: CaseCode,
    /// The name in Bahasa Indonesia.
    pub name_id: String,
    /// The name in English.
    pub name_en: String,
    /// What the applicant brings.
    pub documents: Vec<Document>,
}

/// The cases and their documents as an office has them: data the admin edits. Each edit
/// makes a new version, and a ticket keeps the version it was checked against.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Catalogue {
    /// Starts at 1 with the defaults, +1 per edit.
    pub version: u32,
    /// The cases, in the order the counter offers them.
    pub cases: Vec<Case>,
}

/// An edited catalogue that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CatalogueError {
    /// No case at all: the counter could not issue a number.
    #[error("the catalogue has no case")]
    Empty,
    /// Two cases share a code.
    #[error("two cases have the code {0}")]
    DuplicateCase(String),
    /// A case lists the same document twice.
    #[error("case {case} lists document {document} twice")]
    DuplicateDocument { case: String, document: String },
    /// A name is empty or too long.
    #[error("case {0} has an empty or over-long name")]
    BadName(String),
}

impl Default for Catalogue {
    /// Version 1: the SOP's cases and FIELD-NOTES' documents.
    fn default() -> Self {
        let owned = |d: &DocInfo| Document {
            code: d.code.into(),
            name_id: d.name_id.into(),
            name_en: d.name_en.into(),
        };
        let cases = DEFAULT_CASES
            .iter()
            .filter_map(|c| {
                Some(Case {
                    code: CaseCode::new(c.code).ok()?,
                    name_id: c.name_id.into(),
                    name_en: c.name_en.into(),
                    documents: c.documents.iter().map(owned).collect(),
                })
            })
            .collect();
        Self { version: 1, cases }
    }
}

impl Catalogue {
    /// A case by its code.
    pub fn case(&self, code: &CaseCode) -> Option<&Case> {
        self.cases.iter().find(|c| &c.code == code)
    }

    /// Checks an edited catalogue before it replaces this one.
    pub fn validate(&self) -> Result<(), CatalogueError> {
        if self.cases.is_empty() {
            return Err(CatalogueError::Empty);
        }
        let name_ok = |n: &str| crate::text::clean_line(n, 120).is_some();
        let mut codes = std::collections::HashSet::new();
        for case in &self.cases {
            if !codes.insert(case.code.as_str()) {
                return Err(CatalogueError::DuplicateCase(case.code.to_string()));
            }
            if !name_ok(&case.name_id) || !name_ok(&case.name_en) {
                return Err(CatalogueError::BadName(case.code.to_string()));
            }
            let mut docs = std::collections::HashSet::new();
            for doc in &case.documents {
                if !docs.insert(doc.code.as_str()) {
                    return Err(CatalogueError::DuplicateDocument {
                        case: case.code.to_string(),
                        document: doc.code.clone(),
                    });
                }
                if !name_ok(&doc.name_id) || !name_ok(&doc.name_en) {
                    return Err(CatalogueError::BadName(case.code.to_string()));
                }
            }
        }
        Ok(())
    }
}

/// A code for a case or document the admin adds, made from its name (`"Surat Nikah"` →
/// `surat_nikah`) so the stored ops stay readable; `taken` says which codes are in use,
/// and a number is added until the code is free. Always a valid [`CaseCode`].
pub fn code_for(name: &str, taken: impl Fn(&str) -> bool) -> String {
    let mut base = String::new();
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            base.push(c.to_ascii_lowercase());
        } else if !base.is_empty() && !base.ends_with('_') {
            base.push('_');
        }
    }
    // Room for a `_NNN` suffix within the 32 characters a code may have.
    base.truncate(24);
    let base = base.trim_end_matches('_');
    let base = if base.is_empty() { "baru" } else { base };
    let mut code = base.to_string();
    let mut n = 2u32;
    while taken(&code) {
        code = format!("{base}_{n}");
        n += 1;
    }
    code
}

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
    fn the_default_catalogue_is_valid_and_lists_field_notes_documents() {
        let catalogue = Catalogue::default();
        assert_eq!(catalogue.version, 1);
        assert_eq!(catalogue.validate(), Ok(()));
        assert_eq!(catalogue.cases.len(), DEFAULT_CASES.len());
        let docs = |code: &str| -> Vec<String> {
            let case = catalogue.case(&CaseCode::new(code).unwrap()).unwrap();
            case.documents.iter().map(|d| d.code.clone()).collect()
        };
        assert_eq!(docs("hilang"), ["laporan_polisi", "kk"]);
        assert_eq!(docs("pindah"), ["skp", "ktp_lama", "kk_baru"]);
        assert_eq!(docs("cetak_online"), ["bukti_online"]);
    }

    #[test]
    fn an_edited_catalogue_is_checked() {
        let mut c = Catalogue::default();
        c.cases[1].code = c.cases[0].code.clone();
        assert_eq!(
            c.validate(),
            Err(CatalogueError::DuplicateCase("baru".into()))
        );
        let mut c = Catalogue::default();
        let kk = c.cases[0].documents[0].clone();
        c.cases[0].documents.push(kk);
        assert!(matches!(
            c.validate(),
            Err(CatalogueError::DuplicateDocument { .. })
        ));
        let mut c = Catalogue::default();
        c.cases[2].name_id = "  ".into();
        assert_eq!(c.validate(), Err(CatalogueError::BadName("rusak".into())));
        let empty = Catalogue {
            version: 2,
            cases: vec![],
        };
        assert_eq!(empty.validate(), Err(CatalogueError::Empty));
        let c = Catalogue::default();
        let json = serde_json::to_string(&c).unwrap();
        assert_eq!(serde_json::from_str::<Catalogue>(&json).unwrap(), c);
    }

    #[test]
    fn new_codes_come_from_names_and_never_clash() {
        let none = |_: &str| false;
        assert_eq!(code_for("Surat Nikah (asli)", none), "surat_nikah_asli");
        assert_eq!(code_for("  ", none), "baru");
        let taken = ["kk", "kk_2"];
        assert_eq!(code_for("KK", |c| taken.contains(&c)), "kk_3");
    }

    proptest::proptest! {
        #[test]
        fn a_code_made_from_any_name_is_valid_and_free(
            name in "\\PC{0,60}",
            taken in proptest::collection::hash_set("[a-z_]{1,6}", 0..20),
        ) {
            let code = code_for(&name, |c| taken.contains(c));
            proptest::prop_assert!(CaseCode::new(code.clone()).is_ok(), "{code:?}");
            proptest::prop_assert!(!taken.contains(&code));
        }
    }

    #[test]
    fn bad_codes_are_refused() {
        assert!(CaseCode::new("").is_err());
        assert!(CaseCode::new("Baru").is_err());
        assert!(CaseCode::new("x".repeat(33)).is_err());
    }
}
