//! Health, unknown API routes, and serving the built web app.

#[macro_use]
mod common;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use common::TestApp;

async fn health_answers_ok_and_the_version() {
    let app = TestApp::start().await;
    let (status, body) = app.get("/api/health").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["status"], "ok");
    assert_eq!(body["version"], env!("CARGO_PKG_VERSION"));
}

async fn unknown_api_routes_and_methods_answer_json() {
    let app = TestApp::start().await;
    let (status, body) = app.get("/api/nope").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["error"], "not_found");
    assert!(body["message"].as_str().unwrap().contains("/api/nope"));

    // Even with a built app, an unknown API path must not get index.html.
    std::fs::create_dir_all(app.dist()).unwrap();
    std::fs::write(app.dist().join("index.html"), "<!doctype html>app").unwrap();
    let (status, body) = app.get("/api/devices/nope").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["error"], "not_found");

    let (status, body) = app.get("/api/sync").await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(body["error"], "method_not_allowed");
}

async fn get_page(app: &TestApp, path: &str) -> (StatusCode, Option<String>, String) {
    let request = Request::builder()
        .method(Method::GET)
        .uri(path)
        .body(Body::empty())
        .unwrap();
    let (status, headers, body) = app.send(request).await;
    let cache = headers
        .get(header::CACHE_CONTROL)
        .map(|v| v.to_str().unwrap().to_owned());
    (status, cache, String::from_utf8(body.to_vec()).unwrap())
}

async fn the_app_is_served_with_an_spa_fallback() {
    let app = TestApp::start().await;
    let dist = app.dist();
    std::fs::create_dir_all(&dist).unwrap();
    std::fs::write(
        dist.join("index.html"),
        "<!doctype html><title>Loket</title>",
    )
    .unwrap();
    std::fs::write(dist.join("sw.js"), "// service worker").unwrap();
    std::fs::write(dist.join("loket-0123456789abcdef_bg.wasm"), "wasm").unwrap();

    let (status, cache, body) = get_page(&app, "/").await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("<title>Loket</title>"));
    assert_eq!(cache.as_deref(), Some("no-cache"));

    // A client route loads the app.
    let (status, cache, body) = get_page(&app, "/daftar").await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("<title>Loket</title>"), "{body}");
    assert_eq!(cache.as_deref(), Some("no-cache"));

    let (status, cache, body) = get_page(&app, "/sw.js").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, "// service worker");
    assert_eq!(cache.as_deref(), Some("no-cache"));

    let (status, cache, _) = get_page(&app, "/loket-0123456789abcdef_bg.wasm").await;
    assert_eq!(status, StatusCode::OK);
    assert!(cache.unwrap().contains("immutable"));

    // A client route that merely looks hashed still gets a fresh index.html.
    let (status, cache, body) = get_page(&app, "/op/0123456789abcdef0123456789abcdef").await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("<title>Loket</title>"));
    assert_eq!(cache.as_deref(), Some("no-cache"));

    // A missing asset is a 404, never index.html taken for code.
    let (status, _, body) = get_page(&app, "/loket-fedcba9876543210.js").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(!body.contains("<title>Loket</title>"));
}

async fn the_status_page_gets_the_public_app_and_falls_back_to_the_office_app() {
    let app = TestApp::start().await;
    let dist = app.dist();
    std::fs::create_dir_all(&dist).unwrap();
    std::fs::write(dist.join("index.html"), "<title>Loket</title>").unwrap();
    // Before the public pages are built, the office's app shows them.
    let (status, _, body) = get_page(&app, "/status?n=A-001&c=K7Q2").await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("<title>Loket</title>"), "{body}");

    std::fs::create_dir_all(dist.join("public")).unwrap();
    std::fs::write(dist.join("public/index.html"), "<title>Status</title>").unwrap();
    std::fs::write(
        dist.join("public/loket-public-0123456789abcdef_bg.wasm"),
        "wasm",
    )
    .unwrap();
    for path in ["/status", "/status/", "/status?n=A-001&c=K7Q2&d=2026-11-24"] {
        let (status, cache, body) = get_page(&app, path).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        assert!(body.contains("<title>Status</title>"), "{path}: {body}");
        assert_eq!(cache.as_deref(), Some("no-cache"), "{path}");
    }
    let (status, cache, _) = get_page(&app, "/public/loket-public-0123456789abcdef_bg.wasm").await;
    assert_eq!(status, StatusCode::OK);
    assert!(cache.unwrap().contains("immutable"));
    // Every other route still loads the office's app.
    let (_, _, body) = get_page(&app, "/statuses").await;
    assert!(body.contains("<title>Loket</title>"), "{body}");
}

async fn without_a_built_app_pages_answer_503() {
    let app = TestApp::start().await;
    let (status, _, body) = get_page(&app, "/daftar").await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(body.contains("cargo xtask run"), "{body}");
    // The API works all the same.
    let (status, _) = app.get("/api/health").await;
    assert_eq!(status, StatusCode::OK);
}

async fn precompressed_files_go_to_browsers_that_accept_gzip() {
    let app = TestApp::start().await;
    let dist = app.dist();
    std::fs::create_dir_all(&dist).unwrap();
    std::fs::write(dist.join("index.html"), "<!doctype html>plain").unwrap();
    std::fs::write(dist.join("index.html.gz"), "gzipped index").unwrap();
    std::fs::write(dist.join("loket-0123456789abcdef.js"), "plain js").unwrap();
    std::fs::write(dist.join("loket-0123456789abcdef.js.gz"), "gzipped js").unwrap();
    let get = |path: &str, gzip: bool| {
        let mut request = Request::builder().method(Method::GET).uri(path);
        if gzip {
            request = request.header(header::ACCEPT_ENCODING, "gzip, deflate, br");
        }
        request.body(Body::empty()).unwrap()
    };
    for (path, plain, gzipped) in [
        ("/loket-0123456789abcdef.js", "plain js", "gzipped js"),
        ("/daftar", "<!doctype html>plain", "gzipped index"),
    ] {
        let (status, headers, body) = app.send(get(path, true)).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        assert_eq!(
            headers.get(header::CONTENT_ENCODING).unwrap(),
            "gzip",
            "{path}"
        );
        assert_eq!(body, gzipped.as_bytes(), "{path}");
        let (_, headers, body) = app.send(get(path, false)).await;
        assert!(headers.get(header::CONTENT_ENCODING).is_none(), "{path}");
        assert_eq!(body, plain.as_bytes(), "{path}");
    }
}

both!(
    health_answers_ok_and_the_version,
    unknown_api_routes_and_methods_answer_json,
    the_app_is_served_with_an_spa_fallback,
    the_status_page_gets_the_public_app_and_falls_back_to_the_office_app,
    without_a_built_app_pages_answer_503,
    precompressed_files_go_to_browsers_that_accept_gzip,
);
