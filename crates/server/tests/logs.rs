//! Logs name the route template, never the filled-in path, query, token or body.

#[macro_use]
mod common;

use axum::body::Body;
use axum::http::{Method, Request, header};
use common::{TestApp, issue};
use serde_json::json;
use std::io::Write;
use std::sync::{Arc, Mutex};

/// Collects everything the subscriber writes.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

async fn requests_are_logged_by_route_without_personal_data() {
    let app = TestApp::start().await;
    let device = app.enrol("Loket 1").await;
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    // The test runs on one thread, so a thread-local default sees every event.
    let _guard = tracing::subscriber::set_default(subscriber);

    let nik = "5102021234567890";
    app.sync(&device, 0, &[issue(&device, 1)]).await;
    let body = json!({"cursor": 0, "nik": nik}).to_string();
    app.raw(
        Method::POST,
        "/api/sync",
        Some(&device.token),
        Some("application/json"),
        body,
    )
    .await;
    let request = Request::builder()
        .method(Method::GET)
        .uri(format!("/status/{nik}?nik={nik}"))
        .header(header::AUTHORIZATION, format!("Bearer {}", device.token))
        .body(Body::empty())
        .unwrap();
    app.send(request).await;
    app.get(&format!("/api/people/{nik}")).await;

    let logs = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(
        logs.contains("/api/sync"),
        "the route template is logged:\n{logs}"
    );
    assert!(logs.contains("status=422"), "{logs}");
    assert!(!logs.contains(nik), "a NIK reached the log:\n{logs}");
    assert!(
        !logs.contains(&device.token),
        "a token reached the log:\n{logs}"
    );
}

both!(requests_are_logged_by_route_without_personal_data,);
