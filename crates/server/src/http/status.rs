//! `GET /api/status/{number}?code=…[&day=YYYY-MM-DD]`: the public lookup behind the paper
//! ticket (SOP: anyone looks up a status by its queue number). It answers only with what
//! `loket-core` lets the public see, and the same 404 for a wrong code as for an unknown
//! number or a day outside the last [`RECENT_DAYS`] (`loket_core::status_link`), so it tells a guesser nothing; one
//! client address asks at a limited pace, and a ticket whose code was guessed wrong
//! [`crate::throttle::WRONG_CODES`] times is locked for a while.

use crate::AppState;
use crate::error::{ApiError, Json, Query};
use crate::throttle::ClientAddr;
use axum::Router;
use axum::extract::{Path, State};
use axum::routing::get;
use loket_core::status_link::RECENT_DAYS;
use loket_core::{OfficeCode, PublicStatus, TicketNo};
use serde::Deserialize;

/// The route.
pub fn router() -> Router<AppState> {
    Router::new().route("/status/{number}", get(status))
}

/// The query string. Both fields are optional so that no query string is ever refused
/// with anything but our own answers.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Lookup {
    /// The check code printed on the ticket.
    code: Option<String>,
    /// The service day; today in the office's time zone when absent.
    day: Option<String>,
    /// The office (Kemendagri code) on a server of several; the configured one when absent.
    office: Option<String>,
}

async fn status(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    Path(number): Path<String>,
    Query(lookup): Query<Lookup>,
) -> Result<Json<PublicStatus>, ApiError> {
    let throttles = state.throttles();
    throttles
        .lookup
        .check(client)
        .map_err(ApiError::TooManyRequests)?;
    let unknown = || ApiError::NotFound("no ticket with this number and code".into());
    let number = TicketNo::parse(&number).ok_or_else(unknown)?;
    let code = match lookup.office.as_deref() {
        Some(text) => OfficeCode::new(text).map_err(|_| unknown())?,
        None => state.office().clone(),
    };
    // An office that does not exist answers like a ticket that does not.
    let office = state.store().office(&code).await?.ok_or_else(unknown)?;
    let day = match lookup.day.as_deref() {
        Some(text) => loket_core::wire::day::parse(text)
            .ok_or_else(|| ApiError::InvalidBody(format!("{text:?} is not a day (YYYY-MM-DD)")))?,
        None => office.service_day(chrono::Utc::now()),
    };
    let today = office.service_day(chrono::Utc::now());
    if day > today || (today - day).num_days() > RECENT_DAYS {
        return Err(unknown());
    }
    let ticket = format!("{}/{day}/{number}", office.code);
    if let Some(wait) = throttles.wrong_code.locked(&ticket) {
        return Err(ApiError::TooManyRequests(wait));
    }
    let check = lookup.code.unwrap_or_default();
    let status = state
        .offices()
        .with_state(state.store(), &office.code, |s| {
            s.public_status(day, &number, &check)
        })
        .await?;
    match status {
        Some(status) => Ok(Json(status)),
        None => {
            throttles.wrong_code.strike(&ticket);
            Err(unknown())
        }
    }
}
