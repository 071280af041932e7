//! Queue tickets: the number printed on paper, its check code, and where it stands.

use crate::catalogue::{CaseCode, Document};
use crate::ids::{CounterNo, DeviceId, DeviceLetter, OpId, StaffId};
use crate::standards::Step;
use crate::verification::{DocState, ReturnReason, SpoilReason, Verification};
use crate::visit::Stage;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;

/// A queue number as printed: the issuing device's letter and a serial, e.g. `A-017`.
///
/// It is unique per office and service day because each device has its own letter and
/// counts its own serials; it never changes after issue.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct TicketNo {
    /// The issuing device's letter.
    pub letter: DeviceLetter,
    /// The device's serial for the day, from 1.
    pub serial: u16,
}

impl TicketNo {
    /// Parses `A-017` (also `a17`, `A 17`): what a person types in a lookup box.
    pub fn parse(text: &str) -> Option<Self> {
        let text = text.trim();
        let split = text.find(|c: char| !c.is_ascii_alphabetic())?;
        let (letters, rest) = text.split_at(split);
        let digits = rest.trim_start_matches(['-', ' ']);
        if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit()) || digits.len() > 5 {
            return None;
        }
        let serial: u16 = digits.parse().ok()?;
        if serial == 0 {
            return None;
        }
        let letter = DeviceLetter::new(letters.to_ascii_uppercase()).ok()?;
        Some(Self { letter, serial })
    }
}

impl fmt::Display for TicketNo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{:03}", self.letter, self.serial)
    }
}

/// A short code printed on the ticket; with the number it opens the public status lookup.
///
/// It is derived from the random bits of the issuing op's id, so every device computes the
/// same code and nobody can guess it from the number alone. Eight characters of
/// Crockford's base32 are 40 bits: a guesser at the lookup's pace (a few a minute, a
/// ticket locked after a few wrong codes, a 30-day window) does not find one in a
/// lifetime. People see it grouped, `K7Q2-M9XA`; its last four characters are the code a
/// ticket printed before codes grew carried.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct CheckCode(String);

/// Crockford's base32: no I, L, O or U, so a code read aloud or handwritten stays unambiguous.
const CROCKFORD: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// Characters in a check code (5 bits each).
pub const CHECK_CODE_LEN: usize = 8;

/// The most characters a typed check code may have: its symbols with a dash or spaces
/// between them. The status form's field takes no more.
pub const MAX_TYPED_CHECK_CODE: usize = 2 * CHECK_CODE_LEN;

impl CheckCode {
    /// Eight characters from the last 40 bits of the op id (the random part of a UUIDv7
    /// is its last 62 bits, and 12 more).
    pub fn from_op(id: OpId) -> Self {
        let bits = id.0.as_u128() as u64 & ((1 << (5 * CHECK_CODE_LEN)) - 1);
        let code = (0..CHECK_CODE_LEN)
            .rev()
            .map(|i| char::from(CROCKFORD[((bits >> (i * 5)) & 31) as usize]))
            .collect();
        Self(code)
    }

    /// The code as stored and put in links, ungrouped: `K7Q2M9XA`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Reads a code as people type it: any case, dashes and spaces anywhere, and the
    /// letters Crockford's alphabet leaves out read as the digits they look like (O → 0,
    /// I/L → 1). `None` when what is left is not [`CHECK_CODE_LEN`] symbols of the alphabet.
    pub fn parse(typed: &str) -> Option<Self> {
        // Bounded before it is scanned: a code with spaces is short, a megabyte is not a code.
        if typed.len() > MAX_TYPED_CHECK_CODE {
            return None;
        }
        let code: String = typed
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '-')
            .map(|c| match c.to_ascii_uppercase() {
                'O' => '0',
                'I' | 'L' => '1',
                c => c,
            })
            .collect();
        let ok = code.len() == CHECK_CODE_LEN && code.bytes().all(|b| CROCKFORD.contains(&b));
        ok.then_some(Self(code))
    }
}

/// The grouped form people read and type, `K7Q2-M9XA`.
impl fmt::Display for CheckCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (a, b) = self.0.split_at(self.0.len() / 2);
        write!(f, "{a}-{b}")
    }
}

/// A step done by someone at some time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Done<T> {
    /// What was recorded.
    pub what: T,
    /// Who did it.
    pub by: StaffId,
    /// When, by their device's clock.
    #[serde(with = "crate::wire::millis")]
    pub at: DateTime<Utc>,
}

/// The Kasi's decision (A5).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    /// Approved for printing, with what was checked.
    Approved {
        /// The Kasi's note.
        note: String,
    },
    /// Returned to the applicant.
    Returned {
        /// The standard reason.
        reason: ReturnReason,
        /// The explanation given to the applicant.
        explanation: String,
    },
}

/// The card (or the Suket) produced.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Printed {
    /// A temporary certificate instead of a card: no blank card was left.
    pub suket: bool,
}

/// A blank card spoiled while printing this ticket's card.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Spoiled {
    /// Why.
    pub reason: SpoilReason,
    /// Details.
    pub note: String,
}

/// The handover (A6); the signature stays in its op, so the folded view stays small.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Handed {
    /// The op holding the signature, for reprinting the receipt.
    pub op: OpId,
    /// The old card was handed back.
    pub old_card_returned: bool,
}

/// When a step of the visit started and ended, from its ops' times (ms since the epoch).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepSpan {
    /// The SOP step.
    pub step: Step,
    /// When it started.
    pub start: i64,
    /// When it ended, if it has.
    pub end: Option<i64>,
}

/// A ticket as the fold sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ticket {
    /// The printed number.
    pub number: TicketNo,
    /// The service day it belongs to.
    #[serde(with = "crate::wire::day")]
    pub day: NaiveDate,
    /// Why the applicant came.
    pub case: CaseCode,
    /// The priority lane (elderly, disabled, pregnant) is called first.
    pub priority: bool,
    /// When it was issued, by the issuing device's clock.
    #[serde(with = "crate::wire::millis")]
    pub issued_at: DateTime<Utc>,
    /// The device that issued it.
    pub device: DeviceId,
    /// The op that issued it.
    pub op: OpId,
    /// The public lookup code.
    pub check: CheckCode,
    /// The catalogue version in force when it was issued.
    pub catalogue: u32,
    /// Where the visit stands.
    pub stage: Stage,
    /// Who called it last (A2).
    pub called_by: Option<StaffId>,
    /// The operator's checklist (A4).
    pub verification: Option<Done<Verification>>,
    /// Why it went to the Kasi (A4).
    pub escalation: Option<Done<String>>,
    /// The Kasi's decision (A5).
    pub decision: Option<Done<Decision>>,
    /// The card or Suket.
    pub printed: Option<Done<Printed>>,
    /// Blank cards spoiled on the way.
    pub spoiled: Vec<Done<Spoiled>>,
    /// The handover (A6).
    pub handover: Option<Done<Handed>>,
    /// Each step's start and end.
    pub steps: Vec<StepSpan>,
}

impl Ticket {
    /// Queue order: priority first, then the oldest; the number breaks ties so every device
    /// orders the same tickets the same way.
    pub fn queue_key(&self) -> (bool, DateTime<Utc>, &TicketNo) {
        (!self.priority, self.issued_at, &self.number)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(text: &str, expected: Option<&str>) {
        assert_eq!(
            TicketNo::parse(text).map(|t| t.to_string()).as_deref(),
            expected,
            "{text}"
        );
    }

    #[test]
    fn ticket_numbers_parse_as_typed() {
        check("A-017", Some("A-017"));
        check("a17", Some("A-017"));
        check(" B 4 ", Some("B-004"));
        check("AB-1234", Some("AB-1234"));
        check("A-000", None);
        check("A-", None);
        check("-17", None);
        check("ABC-1", None);
        check("A-1x", None);
        check("A-999999", None);
    }

    #[test]
    fn check_codes_match_as_people_type_them() {
        let code = CheckCode("1V0SK7Q2".into());
        for typed in [
            "1V0SK7Q2",
            "1v0s-k7q2",
            " 1v0s k7q2 ",
            "lVOS-K7Q2",
            "IVoSk7q2",
        ] {
            assert!(code.matches(typed), "{typed}");
        }
        for typed in ["1V0S", "1V0SK7Q", "1V0SK7Q22", "2V0SK7Q2", "", "1V0SK7QU"] {
            assert!(!code.matches(typed), "{typed}");
        }
        assert!(!code.matches(&"1V0SK7Q2 ".repeat(10_000)));
    }

    #[test]
    fn check_codes_are_eight_unambiguous_characters_shown_in_two_groups() {
        let id = OpId(uuid::Uuid::from_u128(
            0x0123_4567_89ab_cdef_0123_4567_89ab_cdef,
        ));
        let code = CheckCode::from_op(id);
        assert_eq!(code.as_str().len(), CHECK_CODE_LEN);
        assert!(
            code.as_str()
                .chars()
                .all(|c| CROCKFORD.contains(&(c as u8)))
        );
        assert_eq!(code, CheckCode::from_op(id));
        let shown = code.to_string();
        assert_eq!(shown.len(), CHECK_CODE_LEN + 1);
        assert_eq!(&shown[4..5], "-");
        assert_eq!(CheckCode::parse(&shown), Some(code.clone()));
        let other = OpId(uuid::Uuid::from_u128(
            0x0123_4567_89ab_cdef_0123_4567_89ab_cdee,
        ));
        assert_ne!(code, CheckCode::from_op(other));
    }

    #[test]
    fn a_code_printed_before_codes_grew_is_the_second_group() {
        // The four-character code was the last 20 bits of the id; it is now the last four.
        let id = OpId(uuid::Uuid::from_u128(
            0x0123_4567_89ab_cdef_0123_4567_89ab_cdef,
        ));
        let bits = id.0.as_u128() as u32 & 0xF_FFFF;
        let old: String = (0..4)
            .rev()
            .map(|i| char::from(CROCKFORD[((bits >> (i * 5)) & 31) as usize]))
            .collect();
        assert!(CheckCode::from_op(id).as_str().ends_with(&old));
    }

    proptest::proptest! {
        /// Every op's code has 40 bits of its id: two ids differing in any of them differ in code.
        #[test]
        fn codes_carry_forty_bits(id: u128, bit in 0u32..40) {
            let a = CheckCode::from_op(OpId(uuid::Uuid::from_u128(id)));
            let b = CheckCode::from_op(OpId(uuid::Uuid::from_u128(id ^ (1 << bit))));
            proptest::prop_assert_ne!(a, b);
        }
    }
}

/// What anyone holding the paper ticket may learn: where it stands and how many are before
/// it, or the Kasi's explanation. Never a name or a NIK.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublicStatus {
    /// The number as printed.
    pub number: String,
    /// Its service day.
    #[serde(with = "crate::wire::day")]
    pub day: NaiveDate,
    /// Where it stands.
    pub stage: PublicStage,
    /// What the applicant brings for the ticket's case, while that still matters (not
    /// once the card is handed over or the number has left the queue).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bring: Option<PublicDocuments>,
}

/// The documents of a ticket's case, from the catalogue version it was issued under: the
/// counter's checklist, with what the operator found once the file was checked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublicDocuments {
    /// The case's name in Bahasa Indonesia.
    pub case_id: String,
    /// The case's name in English.
    pub case_en: String,
    /// The catalogue version the list comes from.
    pub catalogue: u32,
    /// The documents; for a returned file those missing or invalid come first.
    pub documents: Vec<PublicDocument>,
}

/// One document of [`PublicDocuments`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublicDocument {
    /// The document as the catalogue has it.
    pub document: Document,
    /// What the operator found, once the file was checked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub found: Option<DocState>,
}

/// A ticket's stage as the public sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PublicStage {
    /// Waiting, with this many called before it.
    Waiting {
        /// How many waiting tickets will be called first.
        ahead: usize,
    },
    /// Called to this counter.
    Called {
        /// The counter.
        counter: CounterNo,
    },
    /// At this counter, the documents being checked.
    AtCounter {
        /// The counter.
        counter: CounterNo,
    },
    /// With the Kasi Pelum for a decision.
    WithKasi,
    /// Waiting for the card to be printed.
    Printing,
    /// Printed (or a Suket made): come to the counter to sign for it.
    Ready {
        /// A temporary certificate instead of a card.
        suket: bool,
    },
    /// Handed over.
    Done,
    /// Returned to the applicant, for a standard reason. The Kasi's explanation is free
    /// text that may name a person or hold a NIK: it stays on the printed notice the
    /// applicant is given, never in this public answer.
    Returned {
        /// The standard reason.
        reason: ReturnReason,
    },
    /// Missed too many calls and left the queue: take a new number.
    Left,
}

impl CheckCode {
    /// Whether `typed` is this code, read as [`CheckCode::parse`] reads it.
    pub fn matches(&self, typed: &str) -> bool {
        Self::parse(typed).is_some_and(|t| t == *self)
    }
}
