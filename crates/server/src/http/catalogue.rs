//! `GET /api/catalogue[?office=51.02.02]`: what the applicant's self-check needs, the office and
//! its catalogue in force (the counter's own list of cases and documents). Public: it
//! holds nothing personal.

use crate::AppState;
use crate::error::{ApiError, Json, Query};
use axum::Router;
use axum::extract::State;
use axum::routing::get;
use loket_core::OfficeCode;
use loket_core::selfcheck::ServiceInfo;
use serde::Deserialize;

/// The route.
pub fn router() -> Router<AppState> {
    Router::new().route("/catalogue", get(catalogue))
}

/// The query string: the office on a server of several, the configured one when absent.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Which {
    office: Option<String>,
}

async fn catalogue(
    State(state): State<AppState>,
    crate::throttle::ClientAddr(client): crate::throttle::ClientAddr,
    Query(which): Query<Which>,
) -> Result<Json<ServiceInfo>, ApiError> {
    // Public, so paced like the status lookup it sits beside.
    state
        .throttles()
        .lookup
        .check(client)
        .map_err(ApiError::TooManyRequests)?;
    let unknown = || ApiError::NotFound("no such office".into());
    let code = match which.office.as_deref() {
        Some(text) => OfficeCode::new(text).map_err(|_| unknown())?,
        None => state.office().clone(),
    };
    let office = state.store().office(&code).await?.ok_or_else(unknown)?;
    let catalogue = state
        .offices()
        .with_state(state.store(), &office.code, |s| s.catalogue().clone())
        .await?;
    Ok(Json(ServiceInfo {
        office: office.code,
        name: office.name,
        catalogue,
    }))
}
