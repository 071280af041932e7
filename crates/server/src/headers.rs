//! Security headers on every answer: no sniffing, no referrer, no framing, and a
//! Content-Security-Policy. The API's answers may load nothing at all; the app's pages and
//! workers get a policy that allows the app's own files, its WebAssembly, and exactly the
//! inline bootstrap scripts Trunk writes into the built HTML (by their SHA-256), nothing else.

use axum::Router;
use axum::http::HeaderValue;
use axum::http::header::{
    CACHE_CONTROL, CONTENT_SECURITY_POLICY, REFERRER_POLICY, X_CONTENT_TYPE_OPTIONS,
    X_FRAME_OPTIONS,
};
use base64::Engine;
use sha2::{Digest, Sha256};
use tower::ServiceBuilder;
use tower_http::set_header::SetResponseHeaderLayer;

/// The policy of an answer that is not a page: it may load, run and frame nothing.
const NOTHING: &str =
    "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

type Set = SetResponseHeaderLayer<HeaderValue>;

/// `router` with the headers every answer carries unless its handler set them: the app's
/// pages set their own policy ([`app_policy`]).
pub fn apply<S: Clone + Send + Sync + 'static>(router: Router<S>) -> Router<S> {
    router.layer(
        ServiceBuilder::new()
            .layer(SetResponseHeaderLayer::overriding(
                X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            ))
            .layer(SetResponseHeaderLayer::overriding(
                REFERRER_POLICY,
                HeaderValue::from_static("no-referrer"),
            ))
            .layer(SetResponseHeaderLayer::overriding(
                X_FRAME_OPTIONS,
                HeaderValue::from_static("DENY"),
            ))
            .layer(SetResponseHeaderLayer::if_not_present(
                CONTENT_SECURITY_POLICY,
                HeaderValue::from_static(NOTHING),
            )),
    )
}

/// `Cache-Control: no-store` for the API's answers that do not say otherwise: a pull
/// carries citizens' names and NIKs, which no cache on the way may keep.
pub fn no_store() -> Set {
    SetResponseHeaderLayer::if_not_present(CACHE_CONTROL, HeaderValue::from_static("no-store"))
}

/// The policy of the app's pages and scripts, allowing the inline scripts of `pages`
/// (the built HTML files) by their hashes.
pub fn app_policy<'a>(pages: impl IntoIterator<Item = &'a str>) -> HeaderValue {
    let mut scripts = String::new();
    for page in pages {
        for script in inline_scripts(page) {
            let hash = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(script));
            scripts.push_str(&format!(" 'sha256-{hash}'"));
        }
    }
    let policy = format!(
        "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'{scripts}; \
         style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; \
         worker-src 'self'; manifest-src 'self'; object-src 'none'; base-uri 'none'; \
         form-action 'self'; frame-ancestors 'none'"
    );
    // Hashes are base64 and the rest is fixed text, so the value is always valid.
    HeaderValue::from_str(&policy).unwrap_or_else(|_| HeaderValue::from_static(NOTHING))
}

/// The bodies of the `<script>` elements without a `src` in `html`, exactly as written
/// (the bytes a browser hashes).
fn inline_scripts(html: &str) -> Vec<&str> {
    let mut found = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find("<script") {
        let after = &rest[start..];
        let Some(tag_end) = after.find('>') else {
            break;
        };
        let tag = &after[..tag_end];
        let body_and_more = &after[tag_end + 1..];
        let Some(body_end) = body_and_more.find("</script") else {
            break;
        };
        if !tag.contains("src") {
            found.push(&body_and_more[..body_end]);
        }
        rest = &body_and_more[body_end..];
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_inline_scripts_are_hashed_and_exactly_as_written() {
        let html = "<head><script defer src=/register-sw.js></script>\
                    <script type=module>import init from '/a.js';\nawait init();</script></head>";
        assert_eq!(
            inline_scripts(html),
            vec!["import init from '/a.js';\nawait init();"]
        );
        let policy = app_policy([html]);
        let policy = policy.to_str().unwrap_or_default();
        let expected = base64::engine::general_purpose::STANDARD
            .encode(Sha256::digest("import init from '/a.js';\nawait init();"));
        assert!(policy.contains(&format!("'sha256-{expected}'")), "{policy}");
        assert_eq!(policy.matches("'sha256-").count(), 1, "{policy}");
        assert!(!policy.contains("unsafe-inline"), "{policy}");
    }

    #[test]
    fn a_page_without_inline_scripts_allows_none() {
        let policy = app_policy(["<p>no scripts</p><script src=x.js></script>"]);
        assert!(!policy.to_str().unwrap_or_default().contains("sha256"));
    }
}
