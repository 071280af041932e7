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

/// What the self-check needs of an office, as the public API answers it: no personal
/// data, only the office and its catalogue in force.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceInfo {
    /// The office's Kemendagri code.
    pub office: crate::ids::OfficeCode,
    /// Its name, as on tickets.
    pub name: String,
    /// The catalogue in force.
    pub catalogue: Catalogue,
}

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

    /// One step back: the last answer is taken back and everything before it kept, so
    /// [`Answers::next`] asks that question again. False when already at the start.
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
/// The link parameter of the office.
pub const OFFICE_KEY: &str = "o";
/// The app's path of the self-check.
pub const SELFCHECK_PATH: &str = "/cek-berkas";

/// A self-check's address: the office and the answers so far, so that a shared link or
/// a QR code reopens the same answer. `/cek-berkas?o=51.02.02&alasan=hilang&laporan=ya`;
/// every part is URL-safe as written.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SelfCheckLink {
    /// The office; `None` means the server's own (its first office).
    pub office: Option<crate::ids::OfficeCode>,
    /// The answers.
    pub answers: Answers,
}

impl SelfCheckLink {
    /// The path and query to open.
    pub fn page(&self) -> String {
        let mut params: Vec<(&str, String)> = Vec::new();
        if let Some(office) = &self.office {
            params.push((OFFICE_KEY, office.to_string()));
        }
        params.extend(self.answers.to_params());
        if params.is_empty() {
            return SELFCHECK_PATH.to_owned();
        }
        let query: Vec<String> = params.iter().map(|(k, v)| format!("{k}={v}")).collect();
        format!("{SELFCHECK_PATH}?{}", query.join("&"))
    }

    /// Reads a page's query string (with or without its `?`); what is not understood is
    /// left out, as in [`Answers::from_params`].
    pub fn parse_query(query: &str) -> Self {
        let pairs: Vec<(&str, &str)> = query
            .trim_start_matches('?')
            .split('&')
            .filter_map(|pair| pair.split_once('='))
            .collect();
        let office = pairs
            .iter()
            .find(|(k, _)| *k == OFFICE_KEY)
            .and_then(|(_, v)| crate::ids::OfficeCode::new(*v).ok());
        Self {
            office,
            answers: Answers::from_params(pairs),
        }
    }
}

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
            let case = catalogue
                .cases
                .iter()
                .find(|c| c.code.as_str() == r.case())?;
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::Document;

    fn walk(reason: Reason, replies: &[bool]) -> Answers {
        let mut answers = Answers::default();
        answers.choose(Choice::Reason(reason));
        for &yes in replies {
            let Some(Some(q)) = answers.next() else {
                panic!("no question left for {reason:?}");
            };
            answers.answer(q, yes);
        }
        answers
    }

    fn codes(docs: &[Document]) -> Vec<&str> {
        docs.iter().map(|d| d.code.as_str()).collect()
    }

    /// Each reason's documents and warnings, worked by hand from the default catalogue
    /// (FIELD-NOTES.md, "Documents by case").
    #[test]
    fn every_path_answers_the_case_documents_worked_by_hand() {
        use Reason::*;
        use Warning::*;
        let c = Catalogue::default();
        // (reason, the follow-ups' replies, the documents, the warnings)
        type Path = (
            Reason,
            &'static [bool],
            &'static [&'static str],
            &'static [Warning],
        );
        let cases: &[Path] = &[
            (TurnedSeventeen, &[true], &["kk", "perekaman"], &[]),
            (
                TurnedSeventeen,
                &[false],
                &["kk", "perekaman"],
                &[RecordFirst],
            ),
            (Married, &[true], &["kk", "perekaman"], &[]),
            (Married, &[false], &["kk", "perekaman"], &[RecordFirst]),
            (Lost, &[true], &["laporan_polisi", "kk"], &[]),
            (Lost, &[false], &["laporan_polisi", "kk"], &[ReportFirst]),
            (Damaged, &[true], &["ktp_rusak", "kk"], &[]),
            (Damaged, &[false], &["ktp_rusak", "kk"], &[CountsAsLost]),
            (
                DataChanged,
                &[true],
                &["kk", "ktp_lama", "bukti_perubahan"],
                &[],
            ),
            (
                DataChanged,
                &[false],
                &["kk", "ktp_lama", "bukti_perubahan"],
                &[CountsAsLost],
            ),
            (Moved, &[true], &["skp", "ktp_lama", "kk_baru"], &[]),
            (
                Moved,
                &[false],
                &["skp", "ktp_lama", "kk_baru"],
                &[CountsAsLost],
            ),
            (OnlineReprint, &[true], &["bukti_online"], &[]),
            (OnlineReprint, &[false], &["bukti_online"], &[FindReference]),
            (Ikd, &[true, true], &["ktp_el", "hp_ikd"], &[]),
            (Ikd, &[true, false], &["ktp_el", "hp_ikd"], &[PhoneNeeded]),
            (Ikd, &[false, true], &["ktp_el", "hp_ikd"], &[CardFirst]),
            (
                Ikd,
                &[false, false],
                &["ktp_el", "hp_ikd"],
                &[CardFirst, PhoneNeeded],
            ),
        ];
        for (reason, replies, docs, warnings) in cases {
            let answers = walk(*reason, replies);
            assert_eq!(answers.next(), None, "{reason:?} {replies:?}");
            let advice = advise(&c, &answers).unwrap();
            assert_eq!(codes(advice.documents()), *docs, "{reason:?} {replies:?}");
            assert_eq!(advice.warnings, *warnings, "{reason:?} {replies:?}");
            assert_eq!(advice.catalogue_version, 1);
            // The list is the counter's: the catalogue case itself.
            let case = c.case(&CaseCode::new(reason.case()).unwrap()).unwrap();
            assert_eq!(&advice.case, case);
        }
        // Every reason is covered, every path of it.
        for reason in Reason::ALL {
            let paths = 1usize << reason.follow_ups().len();
            let listed = cases.iter().filter(|(r, ..)| *r == reason).count();
            assert_eq!(listed, paths, "{reason:?}");
        }
    }

    #[test]
    fn questions_come_one_at_a_time_and_back_keeps_earlier_answers() {
        let mut answers = Answers::default();
        assert_eq!(answers.next(), Some(None));
        assert_eq!(
            advise(&Catalogue::default(), &answers),
            Err(AdviceError::Unfinished)
        );
        answers.choose(Choice::Reason(Reason::Ikd));
        assert_eq!(answers.next(), Some(Some(Question::HasCard)));
        answers.answer(Question::HasCard, true);
        assert_eq!(answers.next(), Some(Some(Question::HasPhone)));
        answers.answer(Question::HasPhone, false);
        assert_eq!(answers.next(), None);
        // Back from the answer: the last question again, the first answer kept.
        assert!(answers.back());
        assert_eq!(answers.next(), Some(Some(Question::HasPhone)));
        assert_eq!(answers.get(Question::HasCard), Some(true));
        assert!(answers.back());
        assert!(answers.back());
        assert_eq!(answers.next(), Some(None));
        assert!(!answers.back());
        // Changing the reason keeps the follow-ups the new one shares.
        let mut answers = walk(Reason::DataChanged, &[false]);
        answers.choose(Choice::Reason(Reason::Moved));
        assert_eq!(answers.next(), None);
        assert_eq!(answers.get(Question::HasOldCard), Some(false));
        answers.choose(Choice::Reason(Reason::Lost));
        assert_eq!(answers.next(), Some(Some(Question::ReportFresh)));
        assert_eq!(answers.get(Question::HasOldCard), None);
    }

    #[test]
    fn a_link_reopens_the_same_answers() {
        let answers = walk(Reason::Ikd, &[false, true]);
        let params = answers.to_params();
        assert_eq!(
            params,
            [
                ("alasan", "ikd".into()),
                ("ktp", "tidak".into()),
                ("hp", "ya".into())
            ]
        );
        let back = Answers::from_params(params.iter().map(|(k, v)| (*k, v.as_str())));
        assert_eq!(back, answers);
        // A link cut short, or mistyped, opens the questions where it stops making sense.
        let cut = Answers::from_params([("alasan", "ikd"), ("hp", "ya")]);
        assert_eq!(cut.next(), Some(Some(Question::HasCard)));
        assert_eq!(cut.get(Question::HasPhone), None);
        let odd = Answers::from_params([("alasan", "ikd"), ("ktp", "mungkin")]);
        assert_eq!(odd.next(), Some(Some(Question::HasCard)));
        assert_eq!(
            Answers::from_params([("alasan", "Bad Code!")]),
            Answers::default()
        );
        assert_eq!(
            Answers::from_params([("utm_source", "wa")]),
            Answers::default()
        );
    }

    #[test]
    fn a_catalogue_edit_changes_the_answer_and_its_version() {
        let mut edited = Catalogue {
            version: 2,
            ..Catalogue::default()
        };
        let lost = edited
            .cases
            .iter_mut()
            .find(|c| c.code.as_str() == "hilang")
            .unwrap();
        lost.documents.retain(|d| d.code != "kk");
        edited.cases.push(Case {
            code: CaseCode::new("surat_pindah_keluar").unwrap(),
            name_id: "Surat pindah keluar".into(),
            name_en: "Moving-out letter".into(),
            documents: vec![Document {
                code: "kk".into(),
                name_id: "KK asli".into(),
                name_en: "The original KK".into(),
                ..Document::default()
            }],
        });
        let advice = advise(&edited, &walk(Reason::Lost, &[true])).unwrap();
        assert_eq!(codes(advice.documents()), ["laporan_polisi"]);
        assert_eq!(advice.catalogue_version, 2);
        // The added case is offered after the reasons, and answered from its own list.
        let offered = offers(&edited);
        assert_eq!(offered.len(), Reason::ALL.len() + 1);
        let last = offered.last().unwrap();
        assert_eq!(
            last.choice,
            Choice::Other(CaseCode::new("surat_pindah_keluar").unwrap())
        );
        let mut answers = Answers::default();
        answers.choose(last.choice.clone());
        assert_eq!(answers.next(), None);
        assert_eq!(
            codes(advise(&edited, &answers).unwrap().documents()),
            ["kk"]
        );
        // A case the office removed is not offered, and an old link to it says so.
        edited.cases.retain(|c| c.code.as_str() != "ikd");
        assert!(
            offers(&edited)
                .iter()
                .all(|o| o.choice != Choice::Reason(Reason::Ikd))
        );
        assert_eq!(
            advise(&edited, &walk(Reason::Ikd, &[true, true])),
            Err(AdviceError::NoCase("ikd".into()))
        );
    }

    #[test]
    fn a_link_names_its_office_and_answers() {
        let link = SelfCheckLink {
            office: Some(crate::ids::OfficeCode::new("51.02.02").unwrap()),
            answers: walk(Reason::Lost, &[false]),
        };
        assert_eq!(
            link.page(),
            "/cek-berkas?o=51.02.02&alasan=hilang&laporan=tidak"
        );
        assert_eq!(SelfCheckLink::parse_query(&link.page()[11..]), link);
        assert_eq!(SelfCheckLink::default().page(), "/cek-berkas");
        let odd = SelfCheckLink::parse_query("?o=bogus&alasan=rusak&fbclid=x");
        assert_eq!(odd.office, None);
        assert_eq!(odd.answers.choice, Some(Choice::Reason(Reason::Damaged)));
    }

    proptest::proptest! {
        /// Any way through the questions, with steps back, ends at an answer whose
        /// documents are the case's, and its link reopens it.
        #[test]
        fn any_walk_round_trips_through_its_link(steps in proptest::collection::vec(0u8..12, 0..30)) {
            let catalogue = Catalogue::default();
            let offered = offers(&catalogue);
            let mut answers = Answers::default();
            for step in steps {
                match (answers.next(), step) {
                    (_, 0) => { answers.back(); }
                    (Some(None), n) => answers.choose(offered[n as usize % offered.len()].choice.clone()),
                    (Some(Some(q)), n) => answers.answer(q, n % 2 == 0),
                    (None, _) => {}
                }
            }
            let params = answers.to_params();
            let back = Answers::from_params(params.iter().map(|(k, v)| (*k, v.as_str())));
            proptest::prop_assert_eq!(&back, &answers);
            if answers.next().is_none() {
                let advice = advise(&catalogue, &answers).unwrap();
                let case = answers.choice.as_ref().unwrap().case();
                proptest::prop_assert_eq!(advice.case.code.as_str(), case);
            }
        }
    }
}
