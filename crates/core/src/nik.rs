//! The NIK (*Nomor Induk Kependudukan*), the 16-digit population number, checked by its
//! structure: `PP KK CC DDMMYY SSSS` = province, regency, district of first registration,
//! birth date (women: day + 40), serial. There is no check digit, so this is all that can
//! be checked offline; whether the record exists is SIAK's answer, recorded separately.
//!
//! A NIK is never refused for its region: residents may have first registered elsewhere.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::fmt;
use thiserror::Error;

/// Why a typed NIK is not a NIK.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum NikError {
    /// Not 16 digits long (spaces, dots and dashes are ignored).
    #[error("a NIK has 16 digits, this has {0}")]
    Length(usize),
    /// A character that is not a digit.
    #[error("a NIK has only digits; {0:?} is not one")]
    NotDigit(char),
    /// Digits 7–12 are not a birth date, even with the +40 for women. (The digits are not
    /// repeated here: a birth date is personal data, and errors may be logged.)
    #[error("digits 7-12 are not a birth date")]
    BadDate,
    /// The serial (digits 13–16) is 0000, which is never given out.
    #[error("the serial (last 4 digits) cannot be 0000")]
    ZeroSerial,
}

/// Sex as the NIK encodes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sex {
    /// Day of birth as is (01–31).
    Male,
    /// Day of birth + 40 (41–71).
    Female,
}

/// A NIK whose structure is valid.
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Nik(String);

impl fmt::Debug for Nik {
    /// Masked like `Display`, so a NIK never reaches a log through `{:?}`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Nik({})", self.masked())
    }
}

/// What a NIK says, for the operator to confirm against the documents.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NikInfo {
    /// Province, regency and district of first registration, e.g. `510202`.
    pub region: u32,
    /// The birth date, its century chosen so it is not after `today`.
    pub birth_date: NaiveDate,
    /// The sex.
    pub sex: Sex,
    /// The serial, from 1.
    pub serial: u16,
}

impl Nik {
    /// Checks a typed NIK; spaces, dots and dashes between digits are ignored. `today` picks
    /// the century of the two-digit birth year: the latest that puts the birth date on or
    /// before it.
    pub fn parse(text: &str, today: NaiveDate) -> Result<(Self, NikInfo), NikError> {
        let digits: String = text
            .chars()
            .filter(|c| !matches!(c, ' ' | '.' | '-'))
            .collect();
        if let Some(c) = digits.chars().find(|c| !c.is_ascii_digit()) {
            return Err(NikError::NotDigit(c));
        }
        if digits.len() != 16 {
            return Err(NikError::Length(digits.len()));
        }
        let num = |r: std::ops::Range<usize>| -> u32 {
            // Only ASCII digits remain, so every slice parses.
            digits[r].parse().unwrap_or_default()
        };
        let (day, month, yy) = (num(6..8), num(8..10), num(10..12) as i32);
        let (sex, day) = if day > 40 {
            (Sex::Female, day - 40)
        } else {
            (Sex::Male, day)
        };
        // The two-digit year: the latest century that gives a real date not after today.
        let birth_date = [2000, 1900]
            .into_iter()
            .filter_map(|century| NaiveDate::from_ymd_opt(century + yy, month, day))
            .find(|d| *d <= today)
            .ok_or(NikError::BadDate)?;
        let serial = num(12..16) as u16;
        if serial == 0 {
            return Err(NikError::ZeroSerial);
        }
        let info = NikInfo {
            region: num(0..6),
            birth_date,
            sex,
            serial,
        };
        Ok((Self(digits), info))
    }

    /// The digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// For receipts and public views: region and serial kept, the birth date hidden,
    /// e.g. `510202******0001`.
    pub fn masked(&self) -> String {
        format!("{}******{}", &self.0[..6], &self.0[12..])
    }
}

impl TryFrom<String> for Nik {
    type Error = NikError;
    /// Checks the structure against a far-future day, so a stored NIK always reads back.
    fn try_from(value: String) -> Result<Self, NikError> {
        let far = NaiveDate::from_ymd_opt(2999, 12, 31).unwrap_or(NaiveDate::MAX);
        Self::parse(&value, far).map(|(nik, _)| nik)
    }
}

impl From<Nik> for String {
    fn from(value: Nik) -> String {
        value.0
    }
}

impl fmt::Display for Nik {
    /// Shows the masked form: a full NIK is shown only where a screen asks for it by name.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.masked())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Datelike;
    use proptest::prelude::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 24).unwrap()
    }

    fn check(text: &str, expected: Result<(&str, Sex, u16), NikError>) {
        let got = Nik::parse(text, today())
            .map(|(_, info)| (info.birth_date.to_string(), info.sex, info.serial));
        let expected = expected.map(|(d, s, n)| (d.to_string(), s, n));
        assert_eq!(got, expected, "{text}");
    }

    #[test]
    fn valid_niks_decode_birth_date_and_sex() {
        // From a real-looking Selemadeg Timur NIK down to the edge cases of the date.
        check("5102020508900001", Ok(("1990-08-05", Sex::Male, 1)));
        check("5102024508900002", Ok(("1990-08-05", Sex::Female, 2)));
        check("5102027112050123", Ok(("2005-12-31", Sex::Female, 123)));
        check("3171 0101 0100 9999", Ok(("2000-01-01", Sex::Male, 9999)));
        check("51.02.02-290200-0007", Ok(("2000-02-29", Sex::Male, 7)));
    }

    #[test]
    fn the_century_is_the_latest_not_in_the_future() {
        check("5102020101260001", Ok(("2026-01-01", Sex::Male, 1)));
        check("5102020101270001", Ok(("1927-01-01", Sex::Male, 1)));
        // 25 December 2026 is still to come, so it is 1926.
        check("5102022512260001", Ok(("1926-12-25", Sex::Male, 1)));
        // 29 February exists in 2000 but not in 1900: 2000, and never refused for it.
        check("5102022902000001", Ok(("2000-02-29", Sex::Male, 1)));
    }

    #[test]
    fn bad_niks_say_why() {
        check("510202050890000", Err(NikError::Length(15)));
        check("51020205089000011", Err(NikError::Length(17)));
        check("", Err(NikError::Length(0)));
        check("51020205O8900001", Err(NikError::NotDigit('O')));
        check("5102020013900001", Err(NikError::BadDate));
        check("5102023202900001", Err(NikError::BadDate));
        check("5102027202900001", Err(NikError::BadDate));
        check("5102024002900001", Err(NikError::BadDate));
        check("5102022902010001", Err(NikError::BadDate));
        check("5102020508900000", Err(NikError::ZeroSerial));
    }

    #[test]
    fn any_region_is_accepted() {
        check("0000000508900001", Ok(("1990-08-05", Sex::Male, 1)));
        check("9999990508900001", Ok(("1990-08-05", Sex::Male, 1)));
    }

    #[test]
    fn public_views_see_a_masked_nik() {
        let (nik, _) = Nik::parse("5102024508900002", today()).unwrap();
        assert_eq!(format!("{nik:?}"), "Nik(510202******0002)");
        assert_eq!(nik.masked(), "510202******0002");
        assert_eq!(nik.to_string(), "510202******0002");
        assert_eq!(nik.as_str(), "5102024508900002");
    }

    #[test]
    fn stored_niks_read_back_and_bad_ones_do_not() {
        let json =
            serde_json::to_string(&Nik::parse("5102024508900002", today()).unwrap().0).unwrap();
        assert_eq!(json, "\"5102024508900002\"");
        let back: Nik = serde_json::from_str(&json).unwrap();
        assert_eq!(back.as_str(), "5102024508900002");
        assert!(serde_json::from_str::<Nik>("\"5102020508900000\"").is_err());
    }

    proptest! {
        #[test]
        fn every_real_birth_date_round_trips(
            region in 0u32..1_000_000,
            days in 0i64..36_524,
            female: bool,
            serial in 1u16..10_000,
        ) {
            let born = today() - chrono::Duration::days(days);
            let day = born.day() + if female { 40 } else { 0 };
            let text = format!("{region:06}{day:02}{:02}{:02}{serial:04}", born.month(), born.year() % 100);
            let (nik, info) = Nik::parse(&text, today()).unwrap();
            prop_assert_eq!(nik.as_str(), text.as_str());
            prop_assert_eq!(info.birth_date, born);
            prop_assert_eq!(info.sex, if female { Sex::Female } else { Sex::Male });
            prop_assert_eq!(info.serial, serial);
            prop_assert_eq!(info.region, region);
        }

        #[test]
        fn anything_else_is_refused_not_a_panic(text in "\\PC{0,24}") {
            if let Ok((nik, _)) = Nik::parse(&text, today()) {
                prop_assert_eq!(nik.as_str().len(), 16);
                prop_assert!(nik.as_str().bytes().all(|b| b.is_ascii_digit()));
            }
        }
    }
}
