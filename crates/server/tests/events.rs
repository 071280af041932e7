//! Live updates: a device listening on `/api/events` hears the moment its office's log
//! grows, from any device; a second stream of one device ends its first; a stopping
//! server ends every stream; no token, no stream.

#[macro_use]
mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use common::{Device, TestApp, issue};
use http_body_util::BodyExt;
use loket_core::sync::live::{EventReader, LiveHead};
use std::time::Duration;
use tower::ServiceExt;

/// Long enough for an event already due; a missed one fails the test.
const SOON: Duration = Duration::from_secs(1);

/// A device's open stream, read as events arrive.
struct Listener {
    body: Body,
    reader: EventReader,
    /// Heads read and not yet asked for.
    heads: std::collections::VecDeque<u64>,
}

/// What a listener heard next.
#[derive(Debug, PartialEq)]
enum Heard {
    Head(u64),
    /// The server ended the stream.
    Ended,
    /// Nothing within the time given.
    Nothing,
}

impl Listener {
    async fn open(app: &TestApp, device: &Device) -> Self {
        let request = Request::get("/api/events")
            .header(header::AUTHORIZATION, format!("Bearer {}", device.token))
            .body(Body::empty())
            .unwrap();
        let response = loket_server::app(app.state.clone())
            .oneshot(request)
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(
            response.headers()[header::CONTENT_TYPE],
            "text/event-stream"
        );
        Self {
            body: response.into_body(),
            reader: EventReader::default(),
            heads: std::collections::VecDeque::new(),
        }
    }

    async fn next(&mut self, within: Duration) -> Heard {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            if let Some(head) = self.heads.pop_front() {
                return Heard::Head(head);
            }
            let frame = match tokio::time::timeout_at(deadline, self.body.frame()).await {
                Err(_) => return Heard::Nothing,
                Ok(None) => return Heard::Ended,
                Ok(Some(frame)) => frame.unwrap(),
            };
            let Ok(data) = frame.into_data() else {
                continue;
            };
            let text = std::str::from_utf8(&data).unwrap().to_owned();
            let events = self.reader.feed(&text).unwrap();
            self.heads.extend(
                events
                    .iter()
                    .filter_map(LiveHead::from_event)
                    .map(|h| h.head),
            );
        }
    }
}

async fn a_step_on_one_device_is_heard_at_once_on_another() {
    let app = TestApp::start().await;
    let (counter, kasi) = (app.enrol("Loket 1").await, app.enrol("HP Kasi").await);
    let base = app.staff_office(&counter).await;
    let mut listening = Listener::open(&app, &kasi).await;
    assert_eq!(
        listening.next(SOON).await,
        Heard::Head(base),
        "where it stands"
    );
    assert_eq!(
        listening.next(Duration::from_millis(200)).await,
        Heard::Nothing
    );
    let (status, _) = app.sync(&counter, base, &[issue(&counter, 1)]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(listening.next(SOON).await, Heard::Head(base + 1));
    // A pull grows nothing, and says nothing.
    app.sync(&counter, base + 1, &[]).await;
    assert_eq!(
        listening.next(Duration::from_millis(200)).await,
        Heard::Nothing
    );
}

async fn a_second_stream_of_a_device_ends_its_first() {
    let app = TestApp::start().await;
    let tablet = app.enrol("Loket 1").await;
    let mut first = Listener::open(&app, &tablet).await;
    assert!(matches!(first.next(SOON).await, Heard::Head(_)));
    let mut second = Listener::open(&app, &tablet).await;
    assert_eq!(first.next(SOON).await, Heard::Ended);
    assert!(matches!(second.next(SOON).await, Heard::Head(_)));
}

async fn a_stopping_server_ends_every_stream() {
    let app = TestApp::start().await;
    let (one, two) = (app.enrol("Loket 1").await, app.enrol("Loket 2").await);
    let mut a = Listener::open(&app, &one).await;
    let mut b = Listener::open(&app, &two).await;
    assert!(matches!(a.next(SOON).await, Heard::Head(_)));
    assert!(matches!(b.next(SOON).await, Heard::Head(_)));
    assert_eq!(app.state.streams().len(), 2);
    app.state.streams().stop();
    assert_eq!(a.next(SOON).await, Heard::Ended);
    assert_eq!(b.next(SOON).await, Heard::Ended);
}

async fn no_token_no_stream() {
    let app = TestApp::start().await;
    for token in [None, Some("not-a-token")] {
        let mut request = Request::get("/api/events");
        if let Some(token) = token {
            request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
        }
        let (status, _, body) = app.send(request.body(Body::empty()).unwrap()).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{token:?}");
        let body: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(body["error"], "unauthorized");
    }
}

both!(
    a_step_on_one_device_is_heard_at_once_on_another,
    a_second_stream_of_a_device_ends_its_first,
    a_stopping_server_ends_every_stream,
    no_token_no_stream,
);
