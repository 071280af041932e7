//! The office a device belongs to, and its service day.

use crate::ids::OfficeCode;
use chrono::{DateTime, Duration, NaiveDate, Timelike, Utc};
use serde::{Deserialize, Serialize};

/// A Kantor Camat as devices know it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Office {
    /// Kemendagri code, e.g. `51.02.02`.
    pub code: OfficeCode,
    /// The name printed on tickets and receipts.
    pub name: String,
    /// Minutes east of UTC: 420 WIB, 480 WITA, 540 WIT.
    pub utc_offset_minutes: i32,
}

impl Office {
    /// The office's local date at `at`: queue numbers start again each service day.
    pub fn service_day(&self, at: DateTime<Utc>) -> NaiveDate {
        self.local_time(at).date()
    }

    /// The office's local wall-clock time at `at`.
    pub fn local_time(&self, at: DateTime<Utc>) -> chrono::NaiveDateTime {
        // A time at the very edge of chrono's range stays as it is rather than panicking.
        at.checked_add_signed(Duration::minutes(i64::from(self.utc_offset_minutes)))
            .unwrap_or(at)
            .naive_utc()
    }

    /// `HH:MM` in the office's time, as printed on tickets.
    pub fn hhmm(&self, at: DateTime<Utc>) -> String {
        let t = self.local_time(at);
        format!("{:02}:{:02}", t.hour(), t.minute())
    }

    /// `DD-MM-YYYY HH:MM` in the office's time, as printed on the ticket, the receipt and
    /// the return notice: each its own moment's date, which for a card collected days
    /// later is not the ticket's service day.
    pub fn date_time(&self, at: DateTime<Utc>) -> String {
        self.local_time(at).format("%d-%m-%Y %H:%M").to_string()
    }

    /// `HH:MM:SS` in the office's time.
    pub fn hhmmss(&self, at: DateTime<Utc>) -> String {
        let t = self.local_time(at);
        format!("{:02}:{:02}:{:02}", t.hour(), t.minute(), t.second())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_day_turns_at_local_midnight() {
        let wita = Office {
            code: OfficeCode::new("51.02.02").unwrap(),
            name: "Kantor Camat Selemadeg Timur".into(),
            utc_offset_minutes: 480,
        };
        // 15:59 UTC is 23:59 WITA; 16:00 UTC is midnight the next day.
        let before = DateTime::parse_from_rfc3339("2026-11-24T15:59:00Z")
            .unwrap()
            .to_utc();
        let after = DateTime::parse_from_rfc3339("2026-11-24T16:00:00Z")
            .unwrap()
            .to_utc();
        assert_eq!(wita.service_day(before).to_string(), "2026-11-24");
        assert_eq!(wita.service_day(after).to_string(), "2026-11-25");
        assert_eq!(wita.hhmm(before), "23:59");
        assert_eq!(wita.hhmmss(after), "00:00:00");
        assert_eq!(wita.date_time(before), "24-11-2026 23:59");
        assert_eq!(wita.date_time(after), "25-11-2026 00:00");
        // The end of time does not panic.
        let _ = wita.service_day(DateTime::<Utc>::MAX_UTC);
    }
}
