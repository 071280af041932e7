//! The applicant's self-check, "Apa yang harus saya bawa?": a few questions, one at a
//! time, and the documents to bring, from the office's own [`Catalogue`], the same list the
//! counter's checklist is made from. No account and no personal data: the answers are a
//! reason and a few yes/no follow-ups, which fit in a short link.
//!
//! [`Answers::next`] says which question comes next (none: the answer is ready), and
//! [`advise`] makes the answer. Follow-ups never change the list of documents (it is the
//! case's, as the counter checks it); they add [`Warning`]s about what to sort out first.

use crate::catalogue::{Case, CaseCode, Catalogue, Document};
use serde::{Deserialize, Serialize};

/// Why the applicant comes: the first question's answers, each the case the counter
/// issues a number for. Cases the admin added are offered after these, by their names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Reason {
    /// A first card, at 17.
    TurnedSeventeen,
    /// A first card after marrying before 17.
    Married,
    /// The card is lost.
    Lost,
    /// The card is damaged.
    Damaged,
    /// Data on the card changed (name, status, job, …).
    DataChanged,
    /// Moved in from or out to another place.
    Moved,
    /// Printing an application made online.
    OnlineReprint,
    /// Activating the digital ID (IKD) on a phone.
    Ikd,
}

impl Reason {
    /// Every reason, in the order the question offers them.
    pub const ALL: [Reason; 8] = [
        Reason::TurnedSeventeen,
        Reason::Married,
        Reason::Lost,
        Reason::Damaged,
        Reason::DataChanged,
        Reason::Moved,
        Reason::OnlineReprint,
        Reason::Ikd,
    ];

    /// The catalogue case this reason is served as.
    pub fn case(self) -> &'static str {
        match self {
            Self::TurnedSeventeen | Self::Married => "baru",
            Self::Lost => "hilang",
            Self::Damaged => "rusak",
            Self::DataChanged => "ubah_data",
            Self::Moved => "pindah",
            Self::OnlineReprint => "cetak_online",
            Self::Ikd => "ikd",
        }
    }

    /// The follow-up questions of this reason, in order.
    pub fn follow_ups(self) -> &'static [Question] {
        match self {
            Self::TurnedSeventeen | Self::Married => &[Question::Recorded],
            Self::Lost => &[Question::ReportFresh],
            Self::Damaged => &[Question::HasDamagedCard],
            Self::DataChanged | Self::Moved => &[Question::HasOldCard],
            Self::OnlineReprint => &[Question::HasReference],
            Self::Ikd => &[Question::HasCard, Question::HasPhone],
        }
    }
}

/// A yes/no follow-up question.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Question {
    /// Has the biometric recording (perekaman) been done?
    Recorded,
    /// Was the police loss report made within the last 14 days?
    ReportFresh,
    /// Do you still have the damaged card?
    HasDamagedCard,
    /// Do you still have the old card?
    HasOldCard,
    /// Do you have the online application's reference or QR code?
    HasReference,
    /// Has your KTP-el been issued (you hold it)?
    HasCard,
    /// Do you have a smartphone with internet and an email address?
    HasPhone,
}

impl Question {
    /// Its name in a link: `?laporan=ya`.
    pub fn key(self) -> &'static str {
        match self {
            Self::Recorded => "perekaman",
            Self::ReportFresh => "laporan",
            Self::HasDamagedCard => "ktp_rusak",
            Self::HasOldCard => "ktp_lama",
            Self::HasReference => "bukti",
            Self::HasCard => "ktp",
            Self::HasPhone => "hp",
        }
    }

    /// The warning an answer "no" brings.
    fn warning_if_no(self) -> Warning {
        match self {
            Self::Recorded => Warning::RecordFirst,
            Self::ReportFresh => Warning::ReportFirst,
            Self::HasDamagedCard | Self::HasOldCard => Warning::CountsAsLost,
            Self::HasReference => Warning::FindReference,
            Self::HasCard => Warning::CardFirst,
            Self::HasPhone => Warning::PhoneNeeded,
        }
    }
}

/// Something to sort out before coming, from a follow-up answered "no".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Warning {
    /// The biometric recording comes first (it is done at the office, with the KK).
    RecordFirst,
    /// A police loss report of the last 14 days is needed: get one first.
    ReportFirst,
    /// Without the old card the case is a lost card: a police report is needed.
    CountsAsLost,
    /// The online application's reference is in its confirmation message.
    FindReference,
    /// IKD is activated for a card already issued.
    CardFirst,
    /// IKD needs a smartphone with internet and an email address.
    PhoneNeeded,
}

/// The applicant's answers so far: the case they come for and each follow-up answered.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Answers {
    /// The reason chosen, or a case the admin added (chosen by its code).
    pub choice: Option<Choice>,
    /// Follow-ups answered, in the order they were asked.
    pub answered: Vec<(Question, bool)>,
}

/// The first question's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Choice {
    /// One of the reasons every office has.
    Reason(Reason),
    /// A case the office added to its catalogue.
    Other(CaseCode),
}

impl Choice {
    /// The case code it is served as.
    pub fn case(&self) -> &str {
        match self {
            Self::Reason(r) => r.case(),
            Self::Other(code) => code.as_str(),
        }
    }

    /// Its name in a link: the reason's own, or the case code.
    pub fn key(&self) -> &str {
        match self {
            Self::Reason(r) => reason_key(*r),
            Self::Other(code) => code.as_str(),
        }
    }

    fn follow_ups(&self) -> &'static [Question] {
        match self {
            Self::Reason(r) => r.follow_ups(),
            Self::Other(_) => &[],
        }
    }
}

fn reason_key(reason: Reason) -> &'static str {
    match reason {
        Reason::TurnedSeventeen => "baru_17",
        Reason::Married => "baru_nikah",
        Reason::Lost => "hilang",
        Reason::Damaged => "rusak",
        Reason::DataChanged => "ubah_data",
        Reason::Moved => "pindah",
        Reason::OnlineReprint => "cetak_online",
        Reason::Ikd => "ikd",
    }
}

impl Answers {
    /// The question to ask now, or `None` when the answer is ready. `Some(None)` is the
    /// first question (why do you come?).
    pub fn next(&self) -> Option<Option<Question>> {
        let Some(choice) = &self.choice else {
            return Some(None);
        };
        choice
            .follow_ups()
            .iter()
            .find(|q| self.get(**q).is_none())
            .map(|q| Some(*q))
    }

    /// The answer given to `question`, if any.
    pub fn get(&self, question: Question) -> Option<bool> {
        self.answered
            .iter()
            .find(|(q, _)| *q == question)
            .map(|(_, a)| *a)
    }

    /// Chooses the reason: follow-ups of another reason are dropped, those it shares kept
    /// (going back to change the reason keeps what still applies).
    pub fn choose(&mut self, choice: Choice) {
        let keep = choice.follow_ups();
        self.answered.retain(|(q, _)| keep.contains(q));
        self.choice = Some(choice);
    }

    /// Answers a follow-up, replacing an earlier answer to it.
    pub fn answer(&mut self, question: Question, yes: bool) {
        match self.answered.iter_mut().find(|(q, _)| *q == question) {
            Some(slot) => slot.1 = yes,
            None => self.answered.push((question, yes)),
        }
    }

    /// One step back: the last answer is taken back (kept in `self` is everything before
    /// it). Returns the question to ask again, `None` for the first; false if at the start.
    pub fn back(&mut self) -> bool {
        if self.answered.pop().is_some() {
            return true;
        }
        self.choice.take().is_some()
    }

    /// The answers as link parameters: `("alasan", "hilang"), ("laporan", "ya")`.
    pub fn to_params(&self) -> Vec<(&'static str, String)> {
        let mut params = Vec::new();
        if let Some(choice) = &self.choice {
            params.push((REASON_KEY, choice.key().to_owned()));
        }
        for (q, yes) in &self.answered {
            params.push((q.key(), if *yes { "ya" } else { "tidak" }.to_owned()));
        }
        params
    }

    /// Answers from link parameters; anything not understood is left out, so an old or
    /// mistyped link opens the questions where it stops making sense.
    pub fn from_params<'a>(params: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        let mut answers = Answers::default();
        let params: Vec<(&str, &str)> = params.into_iter().collect();
        let value = |key: &str| params.iter().find(|(k, _)| *k == key).map(|(_, v)| *v);
        let Some(reason) = value(REASON_KEY) else {
            return answers;
        };
        let choice = match Reason::ALL.iter().find(|r| reason_key(**r) == reason) {
            Some(r) => Choice::Reason(*r),
            None => match CaseCode::new(reason) {
                Ok(code) => Choice::Other(code),
                Err(_) => return answers,
            },
        };
        answers.choose(choice.clone());
        for q in choice.follow_ups() {
            match value(q.key()) {
                Some("ya") => answers.answer(*q, true),
                Some("tidak") => answers.answer(*q, false),
                // Later answers mean nothing without this one.
                _ => break,
            }
        }
        answers
    }
}

/// The link parameter of the first question.
pub const REASON_KEY: &str = "alasan";

/// A case the first question offers: the reasons every office has (those its catalogue
/// serves), then the cases the admin added.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Offer {
    /// What choosing it sets.
    pub choice: Choice,
    /// The catalogue's case it is served as.
    pub case: Case,
}

/// What the first question offers with `catalogue`.
pub fn offers(catalogue: &Catalogue) -> Vec<Offer> {
    let mut offers: Vec<Offer> = Reason::ALL
        .iter()
        .filter_map(|r| {
            let case = catalogue.cases.iter().find(|c| c.code.as_str() == r.case())?;
            Some(Offer {
                choice: Choice::Reason(*r),
                case: case.clone(),
            })
        })
        .collect();
    for case in &catalogue.cases {
        if !Reason::ALL.iter().any(|r| r.case() == case.code.as_str()) {
            offers.push(Offer {
                choice: Choice::Other(case.code.clone()),
                case: case.clone(),
            });
        }
    }
    offers
}

/// The self-check's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Advice {
    /// The case, as the catalogue has it: its documents are what the counter checks.
    pub case: Case,
    /// The catalogue version the list comes from.
    pub catalogue_version: u32,
    /// What to sort out before coming, from the follow-ups.
    pub warnings: Vec<Warning>,
}

impl Advice {
    /// The documents to bring, in the catalogue's order.
    pub fn documents(&self) -> &[Document] {
        &self.case.documents
    }
}

/// Why there is no answer yet.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AdviceError {
    /// Questions remain.
    #[error("the self-check has questions left")]
    Unfinished,
    /// The office's catalogue has no such case (it was removed, or a link is old).
    #[error("the office's catalogue has no case {0}")]
    NoCase(String),
}

/// The answer to finished `answers` from `catalogue`.
pub fn advise(catalogue: &Catalogue, answers: &Answers) -> Result<Advice, AdviceError> {
    if answers.next().is_some() {
        return Err(AdviceError::Unfinished);
    }
    let choice = answers.choice.as_ref().ok_or(AdviceError::Unfinished)?;
    let case = catalogue
        .cases
        .iter()
        .find(|c| c.code.as_str() == choice.case())
        .ok_or_else(|| AdviceError::NoCase(choice.case().to_owned()))?;
    let mut warnings: Vec<Warning> = Vec::new();
    for (q, yes) in &answers.answered {
        let w = q.warning_if_no();
        if !yes && !warnings.contains(&w) {
            warnings.push(w);
        }
    }
    Ok(Advice {
        case: case.clone(),
        catalogue_version: catalogue.version,
        warnings,
    })
}
