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

/// The longest code of a case or a document.
pub const MAX_CODE: usize = 32;
/// The most cases a catalogue holds (the SOP names seven).
pub const MAX_CASES: usize = 40;
/// The most documents one case asks for (the longest default list has four).
pub const MAX_DOCUMENTS: usize = 24;

/// Whether `code` is a valid code of a case or document: 1 to [`MAX_CODE`] lowercase
/// letters, digits or `_`.
pub fn code_ok(code: &str) -> bool {
    (1..=MAX_CODE).contains(&code.len())
        && code
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

impl CaseCode {
    /// Validates 1 to [`MAX_CODE`] lowercase letters, digits or `_`.
    pub fn new(value: impl Into<String>) -> Result<Self, IdError> {
        let value = value.into();
        if value.is_empty() || value.len() > MAX_CODE {
            return Err(IdError::Length {
                field: "case",
                max: MAX_CODE,
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

/// How a document is brought.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Form {
    /// The original, shown or handed in.
    #[default]
    Original,
    /// Photocopies ([`Document::copies`] of them); the original is shown beside them.
    Copy,
    /// Not a paper: something the office checks (the recording is done, a phone).
    Condition,
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
    /// What it is and where to get it, in Bahasa Indonesia.
    pub about_id: &'static str,
    /// The same in English.
    pub about_en: &'static str,
    /// Original, copies, or a condition.
    pub form: Form,
    /// Photocopies to bring, with [`Form::Copy`].
    pub copies: u8,
}

const KK: DocInfo = DocInfo {
    code: "kk",
    name_id: "Fotokopi Kartu Keluarga (KK)",
    name_en: "Copy of the family card (KK)",
    about_id: "Kartu Keluarga yang memuat nama Anda; bawa juga yang asli untuk dicocokkan. KK dibuat di Disdukcapil.",
    about_en: "The family card that lists you; bring the original too, to be compared. KKs are made by Disdukcapil.",
    form: Form::Copy,
    copies: 1,
};
const PEREKAMAN: DocInfo = DocInfo {
    code: "perekaman",
    name_id: "Sudah perekaman KTP-el",
    name_en: "KTP-el recording done",
    about_id: "Foto, sidik jari dan iris mata sudah direkam. Jika belum, perekaman dilakukan dulu di kantor ini (bawa KK).",
    about_en: "Photo, fingerprints and iris already recorded. If not, the recording is done first at this office (bring the KK).",
    form: Form::Condition,
    copies: 0,
};
const LAPORAN_POLISI: DocInfo = DocInfo {
    code: "laporan_polisi",
    name_id: "Surat keterangan kehilangan dari kepolisian (berlaku 14 hari)",
    name_en: "Police loss report (valid 14 days)",
    about_id: "Dibuat di Polsek atau Polres; berlaku 14 hari sejak dibuat. Bawa yang asli.",
    about_en: "Made at the police station; valid 14 days from its date. Bring the original.",
    form: Form::Original,
    copies: 0,
};
const KTP_RUSAK: DocInfo = DocInfo {
    code: "ktp_rusak",
    name_id: "KTP-el yang rusak (diserahkan kembali)",
    name_en: "The damaged card (handed back)",
    about_id: "Kartu yang rusak diserahkan ke petugas dengan tanda terima.",
    about_en: "The damaged card is handed to the officer, against a receipt.",
    form: Form::Original,
    copies: 0,
};
const KTP_LAMA: DocInfo = DocInfo {
    code: "ktp_lama",
    name_id: "KTP-el lama",
    name_en: "The old KTP-el",
    about_id: "Kartu lama Anda, diserahkan saat kartu baru diterima.",
    about_en: "Your old card, handed in when you receive the new one.",
    form: Form::Original,
    copies: 0,
};
const BUKTI_PERUBAHAN: DocInfo = DocInfo {
    code: "bukti_perubahan",
    name_id: "Dokumen pendukung perubahan data",
    name_en: "Supporting document for the change",
    about_id: "Bukti data yang berubah, misalnya akta nikah atau cerai, ijazah, atau surat keterangan kerja. Bawa yang asli dan 1 fotokopi.",
    about_en: "Proof of the changed data, e.g. a marriage or divorce certificate, a diploma, or an employment letter. Bring the original and 1 copy.",
    form: Form::Copy,
    copies: 1,
};
const SKP: DocInfo = DocInfo {
    code: "skp",
    name_id: "Surat Keterangan Pindah (SKP) / F-1.02",
    name_en: "Moving letter (SKP) / form F-1.02",
    about_id: "Dibuat oleh Disdukcapil daerah asal saat Anda pindah. Bawa yang asli.",
    about_en: "Made by the Disdukcapil of the place you left. Bring the original.",
    form: Form::Original,
    copies: 0,
};
const KK_BARU: DocInfo = DocInfo {
    code: "kk_baru",
    name_id: "Kartu Keluarga (KK) baru",
    name_en: "The new family card (KK)",
    about_id: "KK di alamat baru Anda, dari Disdukcapil. Bawa yang asli dan 1 fotokopi.",
    about_en: "The family card at your new address, from Disdukcapil. Bring the original and 1 copy.",
    form: Form::Copy,
    copies: 1,
};
const BUKTI_ONLINE: DocInfo = DocInfo {
    code: "bukti_online",
    name_id: "Bukti permohonan online (nomor / QR)",
    name_en: "Proof of the online application (reference / QR)",
    about_id: "Nomor atau kode QR dari pesan konfirmasi permohonan online; di layar HP atau dicetak.",
    about_en: "The reference or QR code from the online application's confirmation; on your phone or printed.",
    form: Form::Original,
    copies: 0,
};
const KTP_EL: DocInfo = DocInfo {
    code: "ktp_el",
    name_id: "KTP-el Anda",
    name_en: "Your KTP-el",
    about_id: "Kartu yang sudah terbit atas nama Anda. Bawa yang asli.",
    about_en: "The card already issued in your name. Bring the original.",
    form: Form::Original,
    copies: 0,
};
const HP_IKD: DocInfo = DocInfo {
    code: "hp_ikd",
    name_id: "HP dengan internet dan alamat email aktif",
    name_en: "A phone with internet and an active email address",
    about_id: "Aplikasi Identitas Kependudukan Digital (IKD) dipasang dan diaktifkan di HP Anda bersama petugas.",
    about_en: "The digital ID app (IKD) is installed and activated on your phone with the officer.",
    form: Form::Condition,
    copies: 0,
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
    CaseInfo {
        code: "ikd",
        name_id: "Aktivasi IKD (KTP digital)",
        name_en: "IKD activation (digital ID)",
        documents: &[KTP_EL, HP_IKD],
    },
];

/// A document in an editable catalogue. The fields after the names came later: a
/// catalogue saved before them reads with them empty.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Document {
    /// A stable code, e.g. `kk`.
    pub code: String,
    /// The name in Bahasa Indonesia.
    pub name_id: String,
    /// The name in English.
    pub name_en: String,
    /// What it is and where to get it, one plain line in Bahasa Indonesia.
    #[serde(default)]
    pub about_id: String,
    /// The same in English.
    #[serde(default)]
    pub about_en: String,
    /// Original, copies, or a condition.
    #[serde(default)]
    pub form: Form,
    /// Photocopies to bring, with [`Form::Copy`].
    #[serde(default)]
    pub copies: u8,
}

/// A case in an editable catalogue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
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
#[serde(deny_unknown_fields)]
pub struct Catalogue {
    /// Starts at 1 with the defaults, +1 per edit.
    pub version: u32,
    /// The cases, in the order the counter offers them.
    pub cases: Vec<Case>,
    /// What the public is told besides the documents: when and where. (Came later:
    /// older catalogues read with it empty.)
    #[serde(default)]
    pub notice: Notice,
}

/// The service's hours and place, as the self-check and the status page tell them.
/// Empty fields are not shown.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Notice {
    /// Opening hours for the KTP-el service, in Bahasa Indonesia ("Senin–Jumat 08.00–14.00").
    #[serde(default)]
    pub hours_id: String,
    /// The same in English.
    #[serde(default)]
    pub hours_en: String,
    /// Where the office is, as a visitor finds it.
    #[serde(default)]
    pub address: String,
}

/// The longest name of a case or document.
pub const MAX_NAME: usize = 120;
/// The longest line about a document, or of the notice.
pub const MAX_ABOUT: usize = 300;
/// The most photocopies a document may ask for.
pub const MAX_COPIES: u8 = 10;

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
    /// A line about a document is too long, or the number of copies out of range.
    #[error(
        "case {case}, document {document}: the line about it has at most {MAX_ABOUT} characters and copies are 0 to {MAX_COPIES}"
    )]
    BadAbout { case: String, document: String },
    /// The hours or the address are too long.
    #[error("the hours and the address have at most {MAX_ABOUT} characters each")]
    BadNotice,
    /// More cases, or more documents in one case, than a catalogue may hold.
    #[error("a catalogue has at most {MAX_CASES} cases of at most {MAX_DOCUMENTS} documents each")]
    TooMany,
    /// A document's code is not 1 to [`MAX_CODE`] lowercase letters, digits or `_`.
    #[error("case {case}: a document code has 1 to {MAX_CODE} of a-z, 0-9 and '_'")]
    BadCode { case: String },
}

impl Default for Catalogue {
    /// Version 1: the SOP's cases and FIELD-NOTES' documents.
    fn default() -> Self {
        let owned = |d: &DocInfo| Document {
            code: d.code.into(),
            name_id: d.name_id.into(),
            name_en: d.name_en.into(),
            about_id: d.about_id.into(),
            about_en: d.about_en.into(),
            form: d.form,
            copies: d.copies,
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
        Self {
            version: 1,
            cases,
            notice: Notice::default(),
        }
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
        if self.cases.len() > MAX_CASES
            || self.cases.iter().any(|c| c.documents.len() > MAX_DOCUMENTS)
        {
            return Err(CatalogueError::TooMany);
        }
        let name_ok = |n: &str| crate::text::clean_line(n, MAX_NAME).is_some();
        // Optional lines: empty, or a clean line.
        let line_ok = |n: &str| n.is_empty() || crate::text::clean_line(n, MAX_ABOUT).is_some();
        let notice = &self.notice;
        if !line_ok(&notice.hours_id) || !line_ok(&notice.hours_en) || !line_ok(&notice.address) {
            return Err(CatalogueError::BadNotice);
        }
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
                if !code_ok(&doc.code) {
                    return Err(CatalogueError::BadCode {
                        case: case.code.to_string(),
                    });
                }
                if !docs.insert(doc.code.as_str()) {
                    return Err(CatalogueError::DuplicateDocument {
                        case: case.code.to_string(),
                        document: doc.code.clone(),
                    });
                }
                if !name_ok(&doc.name_id) || !name_ok(&doc.name_en) {
                    return Err(CatalogueError::BadName(case.code.to_string()));
                }
                if !line_ok(&doc.about_id) || !line_ok(&doc.about_en) || doc.copies > MAX_COPIES {
                    return Err(CatalogueError::BadAbout {
                        case: case.code.to_string(),
                        document: doc.code.clone(),
                    });
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
    // Room for a `_NNN` suffix within the MAX_CODE characters a code may have.
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
            notice: Notice::default(),
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
    fn a_catalogue_is_bounded_in_codes_cases_and_documents() {
        let mut long_code = Catalogue::default();
        long_code.cases[0].documents[0].code = "k".repeat(MAX_CODE + 1);
        assert!(matches!(
            long_code.validate(),
            Err(CatalogueError::BadCode { .. })
        ));
        let mut odd_code = Catalogue::default();
        odd_code.cases[0].documents[0].code = "Surat Nikah".into();
        assert!(odd_code.validate().is_err());
        let mut at_most = Catalogue::default();
        at_most.cases[0].documents[0].code = "k".repeat(MAX_CODE);
        assert_eq!(at_most.validate(), Ok(()));

        let mut many_docs = Catalogue::default();
        let template = many_docs.cases[0].documents[0].clone();
        many_docs.cases[0].documents = (0..=MAX_DOCUMENTS)
            .map(|i| Document {
                code: format!("d{i}"),
                ..template.clone()
            })
            .collect();
        assert_eq!(many_docs.validate(), Err(CatalogueError::TooMany));
        many_docs.cases[0].documents.pop();
        assert_eq!(many_docs.validate(), Ok(()));

        let mut many_cases = Catalogue::default();
        let case = many_cases.cases[0].clone();
        many_cases.cases = (0..=MAX_CASES)
            .map(|i| Case {
                code: CaseCode::new(format!("c{i}")).unwrap(),
                ..case.clone()
            })
            .collect();
        assert_eq!(many_cases.validate(), Err(CatalogueError::TooMany));
    }

    #[test]
    fn bad_codes_are_refused() {
        assert!(CaseCode::new("").is_err());
        assert!(CaseCode::new("Baru").is_err());
        assert!(CaseCode::new("x".repeat(33)).is_err());
    }
}
