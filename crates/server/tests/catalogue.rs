//! `GET /api/catalogue`: the office and its catalogue in force, for the applicant's
//! self-check, without an account.

#[macro_use]
mod common;

use axum::http::StatusCode;
use common::{OFFICE, TestApp, op_by};
use loket_core::OpBody;
use loket_core::catalogue::Catalogue;
use loket_core::selfcheck::ServiceInfo;

async fn the_self_check_reads_the_catalogue_the_counter_uses() {
    let app = TestApp::start().await;
    let (status, body) = app.get("/api/catalogue").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let info: ServiceInfo = serde_json::from_str(&body.to_string()).unwrap();
    assert_eq!(info.office.as_str(), OFFICE);
    assert_eq!(info.name, "Kantor Camat Selemadeg Timur");
    assert_eq!(info.catalogue, Catalogue::default());
    // The same office named in the query.
    let (status, named) = app.get(&format!("/api/catalogue?office={OFFICE}")).await;
    assert_eq!((status, &named), (StatusCode::OK, &body));

    // The admin edits the list: the self-check reads the new version.
    let device = app.enrol("Loket 1").await;
    let base = app.staff_office(&device).await;
    let mut edited = Catalogue {
        version: 2,
        ..Catalogue::default()
    };
    edited.cases.retain(|c| c.code.as_str() != "ikd");
    edited.notice.hours_id = "Senin–Jumat 08.00–14.00".into();
    let op = op_by(&device, "admin", OpBody::SetCatalogue(edited.clone()));
    let (status, answer) = app.sync(&device, base, &[op]).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(answer["pushed"][0]["outcome"], "applied", "{answer}");
    let (_, body) = app.get("/api/catalogue").await;
    let info: ServiceInfo = serde_json::from_str(&body.to_string()).unwrap();
    assert_eq!(info.catalogue, edited);
}

async fn an_unknown_office_is_not_found() {
    let app = TestApp::start().await;
    for query in ["?office=51.02.09", "?office=not-a-code", "?office="] {
        let (status, body) = app.get(&format!("/api/catalogue{query}")).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{query}: {body}");
        assert_eq!(body["error"], "not_found", "{query}");
    }
}

both!(
    the_self_check_reads_the_catalogue_the_counter_uses,
    an_unknown_office_is_not_found,
);
