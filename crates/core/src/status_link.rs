//! The address of a ticket's public status page, as the QR code on the ticket carries it:
//! `/status?n=A-017&c=K7Q2M9XA&d=2026-11-24&o=51.02.02`.
//!
//! The day is part of the link so that a ticket scanned after midnight (or a file returned
//! yesterday) still opens its own status rather than today's ticket with the same number;
//! the office is, so that on a server shared by several offices it opens that office's A-017.
//! Every part is URL-safe as written, so the link needs no percent-encoding.

use crate::ids::OfficeCode;
use crate::ticket::{CheckCode, Ticket, TicketNo};
use crate::wire;
use chrono::NaiveDate;

/// The days back a ticket can be looked up (a returned file comes back within days); an
/// older one answers like a ticket that never was.
pub const RECENT_DAYS: i64 = 30;

/// The app's path of the public status page.
pub const STATUS_PATH: &str = "/status";

/// What a status lookup needs: the number, its check code, and the day when known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusLink {
    /// The queue number.
    pub number: TicketNo,
    /// The check code as typed or printed (upper-cased, letters and digits only).
    pub code: String,
    /// The service day; `None` means today, as the server reckons it.
    pub day: Option<NaiveDate>,
    /// The office; `None` means the server's own (its first office).
    pub office: Option<OfficeCode>,
}

/// Why a status link or a typed lookup cannot be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum LinkError {
    /// The number is missing or not a queue number like `A-017`.
    #[error("not a queue number")]
    Number,
    /// The check code is missing, too long, or has characters no code has.
    #[error("not a check code")]
    Code,
    /// The day is not a date written `YYYY-MM-DD`.
    #[error("not a day")]
    Day,
    /// The office is not a Kemendagri code like `51.02.02`.
    #[error("not an office")]
    Office,
}

impl StatusLink {
    /// The link printed on `ticket` of `office`.
    pub fn for_ticket(ticket: &Ticket, office: &OfficeCode) -> Self {
        Self {
            number: ticket.number.clone(),
            code: ticket.check.as_str().to_string(),
            day: Some(ticket.day),
            office: Some(office.clone()),
        }
    }

    /// A lookup typed by hand: the day is left to the server (today).
    pub fn typed(number: &str, code: &str) -> Result<Self, LinkError> {
        Ok(Self {
            number: TicketNo::parse(number).ok_or(LinkError::Number)?,
            code: clean_code(code)?,
            day: None,
            office: None,
        })
    }

    /// Reads a page's query string (with or without its leading `?`). Unknown keys are
    /// ignored, so a link with tracking parameters added by a messaging app still works.
    pub fn parse_query(query: &str) -> Result<Self, LinkError> {
        let (mut number, mut code, mut day, mut office) = (None, None, None, None);
        for pair in query.trim_start_matches('?').split('&') {
            match pair.split_once('=') {
                Some(("n", v)) => number = Some(v),
                Some(("c", v)) => code = Some(v),
                Some(("d", v)) => day = Some(v),
                Some(("o", v)) => office = Some(v),
                _ => {}
            }
        }
        let mut link = Self::typed(
            number.ok_or(LinkError::Number)?,
            code.ok_or(LinkError::Code)?,
        )?;
        link.day = match day {
            Some(text) => Some(wire::day::parse(text).ok_or(LinkError::Day)?),
            None => None,
        };
        link.office = match office {
            Some(text) => Some(OfficeCode::new(text).map_err(|_| LinkError::Office)?),
            None => None,
        };
        Ok(link)
    }

    /// The query string of the page, `?n=…&c=…[&d=…][&o=…]`.
    pub fn query(&self) -> String {
        let mut q = format!("?n={}&c={}", self.number, self.code);
        if let Some(day) = self.day {
            q.push_str("&d=");
            q.push_str(&day.format("%Y-%m-%d").to_string());
        }
        if let Some(office) = &self.office {
            q.push_str("&o=");
            q.push_str(office.as_str());
        }
        q
    }

    /// The page's path and query, to append to the office's origin.
    pub fn page(&self) -> String {
        format!("{STATUS_PATH}{}", self.query())
    }

    /// The server's JSON endpoint for this lookup.
    pub fn api_path(&self) -> String {
        let mut p = format!("/api/status/{}?code={}", self.number, self.code);
        if let Some(day) = self.day {
            p.push_str("&day=");
            p.push_str(&day.format("%Y-%m-%d").to_string());
        }
        if let Some(office) = &self.office {
            p.push_str("&office=");
            p.push_str(office.as_str());
        }
        p
    }
}

/// A check code as people type it ([`CheckCode::parse`]), kept in its stored form. Whether
/// it is the *right* code is the server's to say.
fn clean_code(code: &str) -> Result<String, LinkError> {
    CheckCode::parse(code)
        .map(|c| c.as_str().to_string())
        .ok_or(LinkError::Code)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn day() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 24).unwrap()
    }

    #[test]
    fn a_link_reads_back_as_written() {
        let link = StatusLink::parse_query("?n=A-017&c=K7Q2M9XA&d=2026-11-24").unwrap();
        assert_eq!(link.number.to_string(), "A-017");
        assert_eq!(link.code, "K7Q2M9XA");
        assert_eq!(link.day, Some(day()));
        assert_eq!(
            link.office, None,
            "a ticket printed before offices were in the link"
        );
        assert_eq!(link.page(), "/status?n=A-017&c=K7Q2M9XA&d=2026-11-24");
        assert_eq!(
            link.api_path(),
            "/api/status/A-017?code=K7Q2M9XA&day=2026-11-24"
        );
        let link = StatusLink::parse_query("?n=A-017&c=K7Q2M9XA&d=2026-11-24&o=51.02.03").unwrap();
        assert_eq!(
            link.office.as_ref().map(OfficeCode::as_str),
            Some("51.02.03")
        );
        assert_eq!(
            link.page(),
            "/status?n=A-017&c=K7Q2M9XA&d=2026-11-24&o=51.02.03"
        );
        assert_eq!(
            link.api_path(),
            "/api/status/A-017?code=K7Q2M9XA&day=2026-11-24&office=51.02.03"
        );
    }

    #[test]
    fn typed_lookups_are_forgiving_about_case_and_spacing() {
        let link = StatusLink::typed(" a17 ", " k7q2-m9xa ").unwrap();
        assert_eq!(link.number.to_string(), "A-017");
        assert_eq!(link.code, "K7Q2M9XA");
        assert_eq!(link.day, None);
        assert_eq!(link.api_path(), "/api/status/A-017?code=K7Q2M9XA");
    }

    #[test]
    fn a_code_copied_as_printed_still_opens_the_link() {
        let link = StatusLink::parse_query("n=A-017&c=k7q2-m9xa").unwrap();
        assert_eq!(link.code, "K7Q2M9XA");
        assert_eq!(
            StatusLink::typed("A-017", "K7Q2"),
            Err(LinkError::Code),
            "a code of fewer than 40 bits"
        );
    }

    #[test]
    fn extra_parameters_are_ignored() {
        let link = StatusLink::parse_query("fbclid=x&n=B-004&utm=y&c=ZZ99ZZ99").unwrap();
        assert_eq!(link.number.to_string(), "B-004");
    }

    #[test]
    fn broken_links_say_which_part_is_wrong() {
        assert_eq!(StatusLink::parse_query(""), Err(LinkError::Number));
        assert_eq!(
            StatusLink::parse_query("c=K7Q2M9XA"),
            Err(LinkError::Number)
        );
        assert_eq!(
            StatusLink::parse_query("n=017&c=K7Q2M9XA"),
            Err(LinkError::Number)
        );
        assert_eq!(StatusLink::parse_query("n=A-017"), Err(LinkError::Code));
        assert_eq!(StatusLink::parse_query("n=A-017&c="), Err(LinkError::Code));
        assert_eq!(
            StatusLink::parse_query("n=A-017&c=K7Q2M9XA<script>"),
            Err(LinkError::Code)
        );
        assert_eq!(
            StatusLink::parse_query("n=A-017&c=K7Q2M9XAK"),
            Err(LinkError::Code)
        );
        assert_eq!(
            StatusLink::parse_query("n=A-017&c=K7Q2M9XA&d=2026-02-30"),
            Err(LinkError::Day)
        );
        assert_eq!(
            StatusLink::parse_query("n=A-017&c=K7Q2M9XA&d=yesterday"),
            Err(LinkError::Day)
        );
        assert_eq!(
            StatusLink::parse_query("n=A-017&c=K7Q2M9XA&o=5102"),
            Err(LinkError::Office)
        );
    }

    proptest! {
        /// Whatever ticket it is printed on, the link opens that ticket again, and it never
        /// needs escaping.
        #[test]
        fn printed_links_round_trip(
            letter in "[A-Z]{1,2}",
            serial in 1u16..=9999,
            code in "[0-9A-HJKMNP-TV-Z]{8}",
            offset in 0i64..3000,
            office in "[1-9][1-9]\\.0[1-9]\\.[1-9][0-9]",
        ) {
            let day = day() + chrono::Duration::days(offset);
            let link = StatusLink {
                number: TicketNo::parse(&format!("{letter}-{serial}")).unwrap(),
                code,
                day: Some(day),
                office: Some(OfficeCode::new(office).unwrap()),
            };
            let page = link.page();
            prop_assert!(page.bytes().all(|b| b.is_ascii_alphanumeric() || b"/?=&-.".contains(&b)));
            let query = page.strip_prefix(STATUS_PATH).unwrap();
            prop_assert_eq!(StatusLink::parse_query(query).unwrap(), link);
        }
    }
}
