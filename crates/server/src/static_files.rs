//! The built web app, served from the `--dist` folder.
//!
//! A path that names no file gets `index.html`, so client routes such as `/daftar` load the
//! app (an SPA fallback); the public pages (`/status`) get `public/index.html`, their own
//! small app; a missing *asset* (`.js`, `.wasm`, …) stays a 404 so a stale page
//! never takes HTML for code. `index.html` and `sw.js` must be revalidated on every load,
//! or a device would keep an old app; files whose names carry a content hash never change
//! and may be cached for a year.

use crate::AppState;
use axum::Router;
use axum::extract::{Request, State};
use axum::http::header::{
    CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE, HeaderName, HeaderValue,
};
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use tower::ServiceExt;
use tower_http::services::{ServeDir, ServeFile};

/// Extensions of files the app loads as code or assets: missing ones are a 404, not the app.
const ASSET_EXTENSIONS: &[&str] = &[
    "js",
    "mjs",
    "wasm",
    "css",
    "map",
    "json",
    "webmanifest",
    "png",
    "jpg",
    "jpeg",
    "svg",
    "ico",
    "webp",
    "woff",
    "woff2",
    "ttf",
    "txt",
    "html",
];

/// Paths of the public pages, and the folder of `--dist` holding their own small app
/// (built from `public.html`): an applicant's phone loads that, not the office's app.
const PUBLIC_PAGES: &[&str] = &[
    loket_core::status_link::STATUS_PATH,
    loket_core::selfcheck::SELFCHECK_PATH,
];
const PUBLIC_DIR: &str = "public";
/// The public pages' service worker (`public/public-sw.js`, built into `dist/public/`).
const PUBLIC_WORKER: &str = "/public/public-sw.js";

const NO_CACHE: HeaderValue = HeaderValue::from_static("no-cache");
const IMMUTABLE: HeaderValue = HeaderValue::from_static("public, max-age=31536000, immutable");

/// Every path the API does not claim.
pub fn router() -> Router<AppState> {
    Router::new().fallback(serve)
}

async fn serve(State(state): State<AppState>, request: Request) -> Response {
    let dist = state.dist();
    let index = dist.join("index.html");
    if !tokio::fs::try_exists(&index).await.unwrap_or(false) {
        let message = format!(
            "Loket's web app is not built: {} has no index.html. Run `cargo xtask run`.\n",
            dist.display()
        );
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            [(CONTENT_TYPE, "text/plain; charset=utf-8")],
            message,
        )
            .into_response();
    }
    let path = request.uri().path().to_owned();
    let is_read = matches!(*request.method(), Method::GET | Method::HEAD);
    let result = if is_asset(&path) || !is_read {
        ServeDir::new(dist)
            .precompressed_gzip()
            .oneshot(request)
            .await
    } else {
        // The office's app can show the public pages too, should their own be missing.
        let public_index = dist.join(PUBLIC_DIR).join("index.html");
        let page = if PUBLIC_PAGES.contains(&path.trim_end_matches('/'))
            && tokio::fs::try_exists(&public_index).await.unwrap_or(false)
        {
            public_index
        } else {
            index.clone()
        };
        // `cargo xtask` gzips the app at build time; a browser that accepts gzip gets that.
        ServeDir::new(dist)
            .precompressed_gzip()
            .fallback(ServeFile::new(page).precompressed_gzip())
            .oneshot(request)
            .await
    };
    let mut response = match result {
        Ok(response) => response.into_response(),
        Err(never) => match never {},
    };
    // Only a real asset file may be cached for long: a client route that merely looks
    // hashed (`/op/<hex id>`) is answered with index.html, which must stay fresh.
    let cache = if response.status().is_success() && is_asset(&path) && is_hashed(&path) {
        IMMUTABLE
    } else {
        NO_CACHE
    };
    response.headers_mut().insert(CACHE_CONTROL, cache);
    // Every answer of the app's files, not only pages and scripts: a 304 carries no type,
    // and its headers replace the cached page's, policy included.
    {
        let pages = [
            tokio::fs::read_to_string(&index).await.unwrap_or_default(),
            tokio::fs::read_to_string(dist.join(PUBLIC_DIR).join("index.html"))
                .await
                .unwrap_or_default(),
        ];
        response.headers_mut().insert(
            CONTENT_SECURITY_POLICY,
            crate::headers::app_policy(pages.iter().map(String::as_str)),
        );
    }
    if path == PUBLIC_WORKER {
        // The worker lives with the public app's files but serves the self-check's path.
        response.headers_mut().insert(
            HeaderName::from_static("service-worker-allowed"),
            HeaderValue::from_static(loket_core::selfcheck::SELFCHECK_PATH),
        );
    }
    response
}

fn file_name(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

fn is_asset(path: &str) -> bool {
    file_name(path)
        .rsplit_once('.')
        .is_some_and(|(_, ext)| ASSET_EXTENSIONS.contains(&ext.to_ascii_lowercase().as_str()))
}

/// Trunk names built files `name-<16+ hex digits>[_bg].ext`: such a name changes with content.
fn is_hashed(path: &str) -> bool {
    let name = file_name(path);
    if name.ends_with(".html") {
        return false;
    }
    name.split(['-', '.', '_'])
        .any(|part| part.len() >= 16 && part.chars().all(|c| c.is_ascii_hexdigit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn assets_and_client_routes_are_told_apart() {
        assert!(is_asset("/loket-0123456789abcdef_bg.wasm"));
        assert!(is_asset("/sw.js"));
        assert!(!is_asset("/daftar"));
        assert!(!is_asset("/kantor/51.02.02"));
        assert!(!is_asset("/"));
    }

    #[test]
    fn only_content_hashed_names_are_immutable() {
        assert!(is_hashed("/loket-0123456789abcdef_bg.wasm"));
        assert!(is_hashed("/style-0123456789abcdef0123.css"));
        assert!(!is_hashed("/sw.js"));
        assert!(!is_hashed("/index.html"));
        assert!(!is_hashed("/icon-192.png"));
    }
}
