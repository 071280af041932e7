//! Reading the page as it is now, without waiting. Each read is one script run in the page,
//! so a list re-rendered halfway through is never read as a mix of old and new elements.
//!
//! These follow the app's DOM contract: `#app[data-ready]`, `#waiting [data-ticket]`,
//! `#sync-badge[data-online][data-pending]`, `[data-testid=…]`.

use crate::Profile;
use loket_core::TicketNo;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use thirtyfour::prelude::*;

async fn script<T: DeserializeOwned>(p: &Profile, js: &str) -> WebDriverResult<T> {
    p.driver.execute(js, Vec::new()).await?.convert()
}

/// Whether `#app` says its IndexedDB store is loaded (`data-ready="true"`).
pub async fn ready(p: &Profile) -> WebDriverResult<bool> {
    script(
        p,
        "const a = document.getElementById('app'); \
         return !!a && a.getAttribute('data-ready') === 'true';",
    )
    .await
}

/// The page's path, e.g. `/daftar`.
pub async fn path(p: &Profile) -> WebDriverResult<String> {
    script(p, "return location.pathname;").await
}

/// Whether an element matching `selector` is in the page.
pub async fn exists(p: &Profile, selector: &str) -> WebDriverResult<bool> {
    p.driver
        .execute(
            "return document.querySelector(arguments[0]) !== null;",
            vec![serde_json::Value::from(selector)],
        )
        .await?
        .convert()
}

/// The visible text of the element matching `selector`, trimmed; `None` if there is none.
pub async fn text(p: &Profile, selector: &str) -> WebDriverResult<Option<String>> {
    p.driver
        .execute(
            "const e = document.querySelector(arguments[0]); \
             return e === null ? null : e.innerText.trim();",
            vec![serde_json::Value::from(selector)],
        )
        .await?
        .convert()
}

/// The whole page's visible text, for failure messages.
pub async fn body_text(p: &Profile) -> WebDriverResult<String> {
    script(
        p,
        "return document.body ? document.body.innerText : '(no body)';",
    )
    .await
}

/// The `data-ticket` of every waiting ticket in `#waiting`, in the order shown.
pub async fn waiting(p: &Profile) -> WebDriverResult<Vec<String>> {
    script(
        p,
        "return Array.from(document.querySelectorAll('#waiting [data-ticket]'))\
         .map(e => e.getAttribute('data-ticket'));",
    )
    .await
}

/// The ticket number in `text` (`A-001`, also inside a longer label), normalised.
pub fn ticket_no(text: &str) -> Option<String> {
    text.split(|c: char| c.is_whitespace() || matches!(c, ':' | ',' | '(' | ')' | '→'))
        .filter(|word| word.contains('-'))
        .find_map(TicketNo::parse)
        .map(|t| t.to_string())
}

/// The number of the ticket issued last (`[data-testid=last-ticket]`).
pub async fn last_ticket(p: &Profile) -> WebDriverResult<Option<String>> {
    Ok(text(p, "[data-testid=last-ticket]")
        .await?
        .as_deref()
        .and_then(ticket_no))
}

/// The number being served (`[data-testid=now-serving]`).
pub async fn now_serving(p: &Profile) -> WebDriverResult<Option<String>> {
    Ok(text(p, "[data-testid=now-serving]")
        .await?
        .as_deref()
        .and_then(ticket_no))
}

/// What the sync badge says.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Badge {
    /// `#sync-badge` is in the page.
    pub present: bool,
    /// `data-online`, as written.
    pub online: Option<String>,
    /// `data-pending`, as written.
    pub pending: Option<String>,
    /// `data-cursor`, as written: how far into the office's log the tablet stands.
    pub cursor: Option<String>,
    /// `[data-testid=sync-error]` is shown.
    pub error_shown: bool,
    /// `[data-testid=last-sync]`'s text.
    pub last_sync: Option<String>,
}

impl Badge {
    /// `data-pending` as a number.
    pub fn pending(&self) -> Option<u64> {
        self.pending.as_deref()?.trim().parse().ok()
    }

    /// `data-cursor` as a number.
    pub fn cursor(&self) -> Option<u64> {
        self.cursor.as_deref()?.trim().parse().ok()
    }

    /// `data-online` as a flag.
    pub fn online(&self) -> Option<bool> {
        match self.online.as_deref()? {
            "true" => Some(true),
            "false" => Some(false),
            _ => None,
        }
    }
}

/// The sync badge's state.
pub async fn badge(p: &Profile) -> WebDriverResult<Badge> {
    script(
        p,
        "const b = document.getElementById('sync-badge'); \
         const e = document.querySelector('[data-testid=sync-error]'); \
         const s = document.querySelector('[data-testid=last-sync]'); \
         const shown = x => !!x && x.getClientRects().length > 0 \
             && getComputedStyle(x).visibility !== 'hidden'; \
         return { present: !!b, \
                  online: b && b.getAttribute('data-online'), \
                  pending: b && b.getAttribute('data-pending'), \
                  cursor: b && b.getAttribute('data-cursor'), \
                  error_shown: shown(e), \
                  last_sync: s && s.innerText.trim() };",
    )
    .await
}

/// Whether a service worker controls the page (so it would open with the server down).
pub async fn service_worker_controls(p: &Profile) -> WebDriverResult<bool> {
    script(
        p,
        "return !!(navigator.serviceWorker && navigator.serviceWorker.controller);",
    )
    .await
}

/// One sheet sent to the printer, as recorded after [`crate::action::record_printing`].
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Printed {
    /// The id of the element printed (`ticket-slip`, `receipt`, `return-notice`).
    pub sheet: String,
    /// Its text.
    pub text: String,
    /// How many elements in the printed copy carry an id (the page's own stay unique).
    pub ids: u32,
}

/// The sheets of the last print, oldest first; empty when nothing was printed.
pub async fn printed(p: &Profile) -> WebDriverResult<Vec<Printed>> {
    let value = p
        .driver
        .execute("return window.__printed || []", vec![])
        .await?
        .json()
        .clone();
    Ok(serde_json::from_value(value).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::ticket_no;

    #[test]
    fn ticket_numbers_are_read_from_labels() {
        assert_eq!(ticket_no("A-001").as_deref(), Some("A-001"));
        assert_eq!(ticket_no("Nomor: B-017").as_deref(), Some("B-017"));
        assert_eq!(ticket_no("A-003 → Loket 2").as_deref(), Some("A-003"));
        assert_eq!(ticket_no("(AB-1234)").as_deref(), Some("AB-1234"));
        assert_eq!(ticket_no("Loket 1"), None);
        assert_eq!(ticket_no("—"), None);
        assert_eq!(ticket_no(""), None);
    }
}
