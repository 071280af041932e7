//! How times and days look on the wire and in storage. Chosen to be cheap to parse in the
//! browser: a time is milliseconds since the epoch, a service day is `YYYY-MM-DD` read by
//! hand, so the app does not carry chrono's general format parser.

/// A `DateTime<Utc>` as integer milliseconds since the Unix epoch.
pub mod millis {
    pub use chrono::serde::ts_milliseconds::{deserialize, serialize};
}

/// A `NaiveDate` as `YYYY-MM-DD`.
pub mod day {
    use chrono::{Datelike, NaiveDate};
    use serde::{Deserialize, Deserializer, Serializer, de::Error};

    /// Writes `YYYY-MM-DD`.
    pub fn serialize<S: Serializer>(day: &NaiveDate, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&format_args!(
            "{:04}-{:02}-{:02}",
            day.year(),
            day.month(),
            day.day()
        ))
    }

    /// Reads `YYYY-MM-DD`, refusing anything that is not a real date.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<NaiveDate, D::Error> {
        let text = <&str>::deserialize(d)?;
        parse(text).ok_or_else(|| D::Error::custom(format!("'{text}' is not a date (YYYY-MM-DD)")))
    }

    /// Parses `YYYY-MM-DD`.
    pub fn parse(text: &str) -> Option<NaiveDate> {
        let b = text.as_bytes();
        if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
            return None;
        }
        let num = |r: std::ops::Range<usize>| -> Option<u32> {
            let part = text.get(r)?;
            if part.bytes().all(|c| c.is_ascii_digit()) {
                part.parse().ok()
            } else {
                None
            }
        };
        NaiveDate::from_ymd_opt(num(0..4)? as i32, num(5..7)?, num(8..10)?)
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn days_parse_only_when_real() {
            assert_eq!(parse("2026-11-24"), NaiveDate::from_ymd_opt(2026, 11, 24));
            assert_eq!(parse("2024-02-29"), NaiveDate::from_ymd_opt(2024, 2, 29));
            for bad in [
                "2025-02-29",
                "2026-13-01",
                "2026-1-01",
                "26-11-24",
                "2026/11/24",
                "2026-11-2x",
                "+026-11-24",
            ] {
                assert_eq!(parse(bad), None, "{bad}");
            }
        }
    }
}
