//! The public surface as an attacker meets it: guessing check codes and admin codes draws
//! 429 with `Retry-After`, a ticket guessed at is locked even for its right code, old days
//! are not asked for, a bad query string is our JSON 400, every answer carries the
//! security headers, and over a real socket a client slow to send its headers is cut off
//! and connections beyond the limit wait.

#[macro_use]
mod common;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use common::{TestApp, day, issue};
use loket_core::CheckCode;
use loket_server::app;
use loket_server::listen::{Limits, serve};
use loket_server::throttle::{ENROLMENTS_PER_OFFICE_PER_MINUTE, LOOKUP_BURST, WRONG_CODES};
use serde_json::json;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

async fn guessing_a_check_code_locks_the_ticket_even_for_its_right_code() {
    let app = TestApp::limited().await;
    let tablet = app.enrol("Loket 1").await;
    let base = app.staff_office(&tablet).await;
    let op = issue(&tablet, 1);
    app.sync(&tablet, base, std::slice::from_ref(&op)).await;
    let good = CheckCode::from_op(op.id);
    let url = |code: &str| {
        format!(
            "/api/status/{}-001?code={code}&day={}",
            tablet.letter,
            day()
        )
    };
    let (status, _) = app.get(&url(&good.to_string())).await;
    assert_eq!(status, StatusCode::OK);
    for _ in 0..WRONG_CODES {
        let (status, _) = app.get(&url("ZZZZ-ZZZZ")).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }
    let (status, headers, body) = app.send(get(&url(&good.to_string()))).await;
    assert_eq!(
        status,
        StatusCode::TOO_MANY_REQUESTS,
        "locked after {WRONG_CODES} wrong codes"
    );
    let body: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(body["error"], "too_many_requests");
    let retry: u64 = headers["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=15 * 60).contains(&retry), "Retry-After {retry}");
    // Another ticket is not locked by it.
    let (status, _) = app
        .get(&format!(
            "/api/status/{}-002?code=ZZZZ-ZZZZ&day={}",
            tablet.letter,
            day()
        ))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

async fn one_address_asking_too_fast_is_told_to_wait() {
    let app = TestApp::limited().await;
    // Different numbers each time, so no ticket's lockout is what answers.
    let mut answers = Vec::new();
    for n in 1..=LOOKUP_BURST + 1 {
        let (status, _) = app
            .get(&format!(
                "/api/status/A-{n:03}?code=ZZZZ-ZZZZ&day={}",
                day()
            ))
            .await;
        answers.push(status);
    }
    let refused = answers
        .iter()
        .filter(|s| **s == StatusCode::TOO_MANY_REQUESTS)
        .count();
    assert_eq!(refused, 1, "{answers:?}");
    assert_eq!(answers.last(), Some(&StatusCode::TOO_MANY_REQUESTS));
    // The catalogue is paced with it.
    let (status, _) = app.get("/api/catalogue").await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
}

async fn old_days_are_not_asked_for() {
    let app = TestApp::start().await;
    let tablet = app.enrol("Loket 1").await;
    let base = app.staff_office(&tablet).await;
    let op = issue(&tablet, 1);
    app.sync(&tablet, base, std::slice::from_ref(&op)).await;
    let good = CheckCode::from_op(op.id);
    let today = day();
    for far in [today - chrono::Days::new(31), today + chrono::Days::new(1)] {
        let (status, body) = app
            .get(&format!(
                "/api/status/{}-001?code={good}&day={far}",
                tablet.letter
            ))
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{far}: {body}");
    }
}

async fn guessing_admin_codes_draws_429_and_a_right_code_then_waits_too() {
    let app = TestApp::limited().await;
    let mut answers = Vec::new();
    for i in 0..6 {
        let (status, _) = app
            .post(
                "/api/devices",
                None,
                &json!({"code": format!("AAAA-AAAA-AAAA-{i:04}"), "name": "Penebak"}),
            )
            .await;
        answers.push(status);
    }
    assert_eq!(&answers[..5], [StatusCode::UNAUTHORIZED; 5], "{answers:?}");
    assert_eq!(answers[5], StatusCode::TOO_MANY_REQUESTS, "{answers:?}");
    let (status, body) = app
        .post(
            "/api/devices",
            None,
            &json!({"code": app.code, "name": "Loket 1"}),
        )
        .await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
    assert_eq!(app.count("devices").await, 0, "nothing enrolled");
}

async fn a_bad_query_string_is_our_json_400() {
    let app = TestApp::start().await;
    for path in [
        "/api/catalogue?office=51.02.02&office=51.02.03",
        "/api/status/A-001?code=a&code=b",
        "/api/status/A-001?code=a&nik=5102",
        "/api/catalogue?office=51.02.02&all=1",
    ] {
        let (status, body) = app.get(path).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{path}: {body}");
        assert_eq!(body["error"], "invalid_query", "{path}: {body}");
    }
}

async fn every_answer_carries_the_security_headers() {
    let app = TestApp::start().await;
    let dist = app.config.dist.clone();
    std::fs::create_dir_all(dist.join("public")).unwrap();
    std::fs::write(
        dist.join("index.html"),
        "<html><script type=module>import init from '/loket.js';await init();</script></html>",
    )
    .unwrap();
    std::fs::write(
        dist.join("sw.js"),
        "self.addEventListener('fetch', () => {});",
    )
    .unwrap();
    let device = app.enrol("Loket 1").await;
    let requests = [
        (Method::GET, "/api/health", None),
        (Method::GET, "/api/catalogue", None),
        (Method::GET, "/api/status/A-001?code=ZZZZ-ZZZZ", None),
        (Method::POST, "/api/sync", None),
        (Method::POST, "/api/sync", Some(device.token.as_str())),
        (Method::GET, "/api/nowhere", None),
        (Method::DELETE, "/api/health", None),
        (Method::GET, "/", None),
        (Method::GET, "/daftar", None),
        (Method::GET, "/sw.js", None),
        (Method::GET, "/missing.js", None),
    ];
    for (method, path, token) in requests {
        let mut request = Request::builder().method(method.clone()).uri(path);
        if let Some(token) = token {
            request = request
                .header("authorization", format!("Bearer {token}"))
                .header("content-type", "application/json");
        }
        let body = if token.is_some() {
            Body::from(r#"{"cursor":0}"#)
        } else {
            Body::empty()
        };
        let (status, headers, _) = app.send(request.body(body).unwrap()).await;
        let what = format!("{method} {path} ({status})");
        assert_eq!(headers["x-content-type-options"], "nosniff", "{what}");
        assert_eq!(headers["referrer-policy"], "no-referrer", "{what}");
        assert_eq!(headers["x-frame-options"], "DENY", "{what}");
        let csp = headers["content-security-policy"].to_str().unwrap();
        assert!(csp.contains("frame-ancestors 'none'"), "{what}: {csp}");
        assert!(!csp.contains("unsafe-inline"), "{what}: {csp}");
        if path.starts_with("/api") {
            assert_eq!(headers["cache-control"], "no-store", "{what}");
            assert!(csp.starts_with("default-src 'none'"), "{what}: {csp}");
        }
        if matches!(path, "/" | "/daftar" | "/sw.js") {
            // The app's own policy: its wasm and its one inline bootstrap, by hash.
            assert!(csp.contains("'wasm-unsafe-eval'"), "{what}: {csp}");
            assert_eq!(csp.matches("'sha256-").count(), 1, "{what}: {csp}");
            assert!(csp.contains("connect-src 'self'"), "{what}: {csp}");
        }
    }
}

async fn a_page_revalidated_keeps_the_apps_policy() {
    let app = TestApp::start().await;
    let dist = app.config.dist.clone();
    std::fs::create_dir_all(&dist).unwrap();
    std::fs::write(
        dist.join("index.html"),
        "<html><script type=module>await import('/loket.js');</script></html>",
    )
    .unwrap();
    let (_, headers, _) = app.send(get("/")).await;
    let modified = headers["last-modified"].to_str().unwrap().to_owned();
    let again = Request::builder()
        .uri("/")
        .header("if-modified-since", modified)
        .body(Body::empty())
        .unwrap();
    let (status, headers, _) = app.send(again).await;
    // A 304's headers replace the cached page's: a policy of `'none'` here would block
    // the app the next time it opens from its cache.
    assert_eq!(status, StatusCode::NOT_MODIFIED);
    let csp = headers["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("'wasm-unsafe-eval'"), "{csp}");
}

async fn a_client_slow_to_send_its_headers_is_cut_off_and_connections_are_limited() {
    let app_under_test = TestApp::start().await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let limits = Limits {
        max_connections: 2,
        header_read: Duration::from_millis(500),
    };
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(serve(
        listener,
        app(app_under_test.state.clone()),
        limits,
        async {
            let _ = stopped.await;
        },
    ));

    // Half the headers, then nothing: the server closes the connection.
    let mut slow = TcpStream::connect(addr).await.unwrap();
    slow.write_all(b"GET /api/health HTTP/1.1\r\nHost: loket\r\n")
        .await
        .unwrap();
    let mut buf = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(5), slow.read_to_end(&mut buf)).await;
    assert!(
        read.is_ok(),
        "the half-sent request was still held open after 5 s"
    );

    // Two connections held: a third waits until one goes.
    let first = TcpStream::connect(addr).await.unwrap();
    let second = TcpStream::connect(addr).await.unwrap();
    tokio::time::sleep(Duration::from_millis(50)).await;
    let third = tokio::spawn(async move { health(addr).await });
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(
        !third.is_finished(),
        "a third connection was served at once"
    );
    drop(first);
    drop(second);
    let answer = tokio::time::timeout(Duration::from_secs(5), third)
        .await
        .expect("served once the others went")
        .unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");

    let _ = stop.send(());
    server.await.unwrap().unwrap();
    app_under_test.state.store().close().await;
}

/// `GET /api/health` over a new connection; the answer's text.
async fn health(addr: std::net::SocketAddr) -> String {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream
        .write_all(b"GET /api/health HTTP/1.1\r\nHost: loket\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut buf = Vec::new();
    stream.read_to_end(&mut buf).await.unwrap();
    String::from_utf8_lossy(&buf).into_owned()
}

/// Guesses spread over many addresses still meet a pace: the office's, whatever the address.
async fn enrolment_is_paced_per_office_across_addresses() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = common::config(&dir);
    config.database_url = common::database_url(&dir).await;
    // Requests in tests come from no socket (0.0.0.0): believed as a proxy, its
    // X-Forwarded-For names a new address for each guess.
    config.trusted_proxy = vec![std::net::Ipv4Addr::UNSPECIFIED.into()];
    let (state, code) = loket_server::AppState::open(&config).await.unwrap();
    let app = TestApp {
        dir,
        config,
        state,
        code: code.unwrap().display(),
    };
    let mut answers = Vec::new();
    for i in 0..(ENROLMENTS_PER_OFFICE_PER_MINUTE + 1) {
        let body = json!({"code": format!("AAAA-AAAA-AAAA-{i:04}"), "name": "Penebak"});
        let request = Request::post("/api/devices")
            .header("content-type", "application/json")
            .header(
                "x-forwarded-for",
                format!("10.1.{}.{}", i / 200, i % 200 + 1),
            )
            .body(Body::from(body.to_string()))
            .unwrap();
        answers.push(app.send(request).await.0);
    }
    let last = answers.pop().unwrap();
    assert!(
        answers.iter().all(|s| *s == StatusCode::UNAUTHORIZED),
        "{answers:?}"
    );
    assert_eq!(last, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(
        app.count("enrol_failures").await,
        i64::from(ENROLMENTS_PER_OFFICE_PER_MINUTE),
        "each refused guess is counted for the admin"
    );
}

/// A field the server does not know is refused, in a request body or in an op, and
/// nothing is stored.
async fn unknown_fields_are_refused_and_change_nothing() {
    let app = TestApp::start().await;
    let (status, body) = app
        .post(
            "/api/devices",
            None,
            &json!({"code": app.code, "name": "Loket 1", "letter": "Z"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(app.count("devices").await, 0);
    let device = app.enrol("Loket 1").await;
    let mut op = serde_json::to_value(common::signed(issue(&device, 1))).unwrap();
    op["body"]["issue_ticket"]["note"] = json!("x".repeat(10_000));
    let (status, body) = app
        .post(
            "/api/sync",
            Some(&device.token),
            &json!({"cursor": 0, "push": [op]}),
        )
        .await;
    assert!(status.is_client_error(), "{status}: {body}");
    assert_eq!(app.count("ops").await, 0);
}

/// One device's token cannot wear the server down: its round trips are paced, and
/// another device's are not slowed by it.
async fn one_device_syncing_too_fast_is_told_to_wait() {
    let mut app = TestApp::start().await;
    app.state = app
        .state
        .clone()
        .with_throttles(loket_server::throttle::Throttles::new(100_000, 100_000, 10));
    let (one, two) = (app.enrol("Loket 1").await, app.enrol("Loket 2").await);
    let mut answers = Vec::new();
    for _ in 0..3 {
        answers.push(app.sync(&one, 0, &[]).await.0);
    }
    assert_eq!(
        answers,
        [
            StatusCode::OK,
            StatusCode::OK,
            StatusCode::TOO_MANY_REQUESTS
        ],
        "a burst of a fifth of a minute's allowance"
    );
    assert_eq!(app.sync(&two, 0, &[]).await.0, StatusCode::OK);
}

fn get(path: &str) -> Request<Body> {
    Request::builder().uri(path).body(Body::empty()).unwrap()
}

both!(
    guessing_a_check_code_locks_the_ticket_even_for_its_right_code,
    one_address_asking_too_fast_is_told_to_wait,
    old_days_are_not_asked_for,
    guessing_admin_codes_draws_429_and_a_right_code_then_waits_too,
    a_bad_query_string_is_our_json_400,
    every_answer_carries_the_security_headers,
    a_page_revalidated_keeps_the_apps_policy,
    a_client_slow_to_send_its_headers_is_cut_off_and_connections_are_limited,
    enrolment_is_paced_per_office_across_addresses,
    unknown_fields_are_refused_and_change_nothing,
    one_device_syncing_too_fast_is_told_to_wait,
);
