//! `GET /api/status/{number}?code=…[&day=YYYY-MM-DD]`: the public lookup behind the paper
//! ticket (SOP: anyone looks up a status by its queue number). It answers only with what
//! `loket-core` lets the public see, and the same 404 for a wrong code as for an unknown
//! number, so it tells a guesser nothing.

use crate::AppState;
use crate::error::{ApiError, Json};
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::routing::get;
use loket_core::{PublicStatus, TicketNo};
use serde::Deserialize;

/// The route.
pub fn router() -> Router<AppState> {
    Router::new().route("/status/{number}", get(status))
}

/// The query string. Both fields are optional so that no query string is ever refused
/// with anything but our own answers.
#[derive(Deserialize)]
struct Lookup {
    /// The check code printed on the ticket.
    code: Option<String>,
    /// The service day; today in the office's time zone when absent.
    day: Option<String>,
}

async fn status(
    State(state): State<AppState>,
    Path(number): Path<String>,
    Query(lookup): Query<Lookup>,
) -> Result<Json<PublicStatus>, ApiError> {
    let unknown = || ApiError::NotFound("no ticket with this number and code".into());
    let number = TicketNo::parse(&number).ok_or_else(unknown)?;
    let office = state.store().office(state.office()).await?.ok_or_else(|| {
        ApiError::Internal(format!("office {} is not in the database", state.office()))
    })?;
    let day = match lookup.day.as_deref() {
        Some(text) => loket_core::wire::day::parse(text)
            .ok_or_else(|| ApiError::InvalidBody(format!("{text:?} is not a day (YYYY-MM-DD)")))?,
        None => office.service_day(chrono::Utc::now()),
    };
    let folded = state
        .office_state(state.office())
        .ok_or_else(|| ApiError::Internal("the configured office has no state".into()))?;
    let code = lookup.code.unwrap_or_default();
    let status = folded.lock().await.public_status(day, &number, &code);
    status.map(Json).ok_or_else(unknown)
}
