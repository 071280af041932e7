//! A3–A5: what the operator checked at the counter (each document, the NIK, the SIAK answer),
//! and the standard reasons the Kasi returns a file or a card is spoiled.

use crate::catalogue::Case;
use crate::nik::Nik;
use serde::{Deserialize, Serialize};
use thiserror::Error;

/// The longest free-text note or explanation.
pub const MAX_NOTE: usize = 500;
/// The longest applicant name (as on the KK).
pub const MAX_APPLICANT_NAME: usize = 100;

/// One document of the case's list, as the operator found it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DocState {
    /// Brought, and valid.
    Valid,
    /// Not brought.
    Missing,
    /// Brought but not valid (expired, damaged, not matching).
    Invalid,
}

/// A document and what the operator found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DocCheck {
    /// The document's code in the catalogue version checked against.
    pub code: String,
    /// What was found.
    pub state: DocState,
}

/// The answer of SIAK, the population database (a separate system the operator looks in).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Siak {
    /// The record matches and the card can be printed.
    Matches,
    /// The record does not match the documents.
    NotMatching,
    /// The record is not yet verified (e.g. recording not finished).
    NotVerified,
}

/// What the operator recorded at A4.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Verification {
    /// The catalogue version the checklist came from.
    pub catalogue: u32,
    /// Each document of the case.
    pub documents: Vec<DocCheck>,
    /// The applicant's NIK, checked by structure.
    pub nik: Nik,
    /// The applicant's name as on the documents.
    pub name: String,
    /// The SIAK answer.
    pub siak: Siak,
    /// The operator's note (why SIAK does not match, what is missing).
    pub note: String,
}

/// A verification record that cannot be kept.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum VerificationError {
    /// The name is empty, too long or holds control characters.
    #[error("the applicant's name has 1 to {MAX_APPLICANT_NAME} characters")]
    BadName,
    /// A note is too long or holds control characters other than line breaks.
    #[error("a note has at most {MAX_NOTE} characters")]
    BadNote,
    /// A document listed twice, or too many documents.
    #[error("the checklist is malformed")]
    BadChecklist,
}

/// Checks a free-text note: at most [`MAX_NOTE`] characters, line breaks allowed.
pub fn check_note(note: &str) -> Result<(), VerificationError> {
    let ok = note.chars().count() <= MAX_NOTE
        && !note
            .chars()
            .any(|c| c.is_control() && c != '\n' && c != '\r');
    if ok {
        Ok(())
    } else {
        Err(VerificationError::BadNote)
    }
}

impl Verification {
    /// Checks the record's shape.
    pub fn check(&self) -> Result<(), VerificationError> {
        crate::text::clean_line(&self.name, MAX_APPLICANT_NAME)
            .ok_or(VerificationError::BadName)?;
        check_note(&self.note)?;
        let mut seen = std::collections::HashSet::new();
        let well_formed = self.documents.len() <= crate::catalogue::MAX_DOCUMENTS
            && self
                .documents
                .iter()
                .all(|d| crate::catalogue::code_ok(&d.code) && seen.insert(&d.code));
        if !well_formed {
            return Err(VerificationError::BadChecklist);
        }
        Ok(())
    }

    /// Whether the file conforms (SOP A4): every document of `case` brought and valid, and
    /// SIAK matches. Only then may it go to printing without the Kasi.
    pub fn conforms(&self, case: &Case) -> bool {
        self.siak == Siak::Matches
            && case.documents.iter().all(|doc| {
                self.documents
                    .iter()
                    .any(|d| d.code == doc.code && d.state == DocState::Valid)
            })
    }
}

/// Why the Kasi returns a file to the applicant (A5), besides the free-text explanation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReturnReason {
    /// A required document is missing.
    DocumentsIncomplete,
    /// The documents do not match each other or SIAK.
    DataMismatch,
    /// Biometric recording (perekaman) is not done yet.
    NotRecorded,
    /// The SIAK record is not yet verified by the Disdukcapil.
    NotVerifiedInSiak,
    /// Something else, said in the explanation.
    Other,
}

impl ReturnReason {
    /// Every reason, in the order the Kasi is offered them.
    pub const ALL: [ReturnReason; 5] = [
        ReturnReason::DocumentsIncomplete,
        ReturnReason::DataMismatch,
        ReturnReason::NotRecorded,
        ReturnReason::NotVerifiedInSiak,
        ReturnReason::Other,
    ];
}

/// Why a blank card was spoiled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SpoilReason {
    /// Printed wrong (misaligned, wrong data).
    Misprint,
    /// The ribbon or ink failed mid-print.
    Ribbon,
    /// The blank itself was faulty (chip, surface).
    FaultyBlank,
    /// Something else.
    Other,
}

impl SpoilReason {
    /// Every reason, in the order offered.
    pub const ALL: [SpoilReason; 4] = [
        SpoilReason::Misprint,
        SpoilReason::Ribbon,
        SpoilReason::FaultyBlank,
        SpoilReason::Other,
    ];
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::{CaseCode, Catalogue};

    fn record(states: &[(&str, DocState)], siak: Siak) -> Verification {
        Verification {
            catalogue: 1,
            documents: states
                .iter()
                .map(|(code, state)| DocCheck {
                    code: (*code).into(),
                    state: *state,
                })
                .collect(),
            nik: "5102024107900001".to_string().try_into().unwrap(),
            name: "Ni Made Ayu".into(),
            siak,
            note: String::new(),
        }
    }

    #[test]
    fn a_file_conforms_only_with_every_document_valid_and_siak_matching() {
        let catalogue = Catalogue::default();
        let case = catalogue.case(&CaseCode::new("hilang").unwrap()).unwrap();
        let all: Vec<(&str, DocState)> = case
            .documents
            .iter()
            .map(|d| (d.code.as_str(), DocState::Valid))
            .collect();
        assert!(record(&all, Siak::Matches).conforms(case));
        assert!(!record(&all, Siak::NotVerified).conforms(case));
        let mut missing = all.clone();
        missing[0].1 = DocState::Missing;
        assert!(!record(&missing, Siak::Matches).conforms(case));
        assert!(!record(&all[1..], Siak::Matches).conforms(case));
    }

    #[test]
    fn names_notes_and_lists_are_bounded() {
        let mut r = record(&[("kk", DocState::Valid)], Siak::Matches);
        assert_eq!(r.check(), Ok(()));
        r.note = "baris satu\nbaris dua".into();
        assert_eq!(r.check(), Ok(()));
        r.note = "x".repeat(MAX_NOTE + 1);
        assert_eq!(r.check(), Err(VerificationError::BadNote));
        r.note.clear();
        r.name = "  ".into();
        assert_eq!(r.check(), Err(VerificationError::BadName));
        r.name = "Ayu\u{0}".into();
        assert_eq!(r.check(), Err(VerificationError::BadName));
        let twice = record(
            &[("kk", DocState::Valid), ("kk", DocState::Missing)],
            Siak::Matches,
        );
        assert_eq!(twice.check(), Err(VerificationError::BadChecklist));
        let huge = "k".repeat(900_000);
        let long_code = record(&[(huge.as_str(), DocState::Valid)], Siak::Matches);
        assert_eq!(long_code.check(), Err(VerificationError::BadChecklist));
        let codes: Vec<String> = (0..=crate::catalogue::MAX_DOCUMENTS)
            .map(|i| format!("d{i}"))
            .collect();
        let states: Vec<(&str, DocState)> = codes
            .iter()
            .map(|c| (c.as_str(), DocState::Valid))
            .collect();
        assert_eq!(
            record(&states, Siak::Matches).check(),
            Err(VerificationError::BadChecklist)
        );
        assert_eq!(record(&states[1..], Siak::Matches).check(), Ok(()));
    }
}
