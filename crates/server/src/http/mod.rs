//! The JSON API under `/api`: one module per feature, each owning its routes, merged here.
//!
//! Every answer that is not a success is an [`ApiError`] JSON body, including unknown
//! routes, wrong methods and bodies over [`API_BODY_LIMIT`].

pub mod catalogue;
pub mod devices;
pub mod health;
pub mod status;
pub mod sync;

use crate::AppState;
use crate::error::{API_BODY_LIMIT, ApiError};
use axum::Router;
use axum::extract::{DefaultBodyLimit, OriginalUri};
use axum::http::Method;
use tower_http::compression::CompressionLayer;

/// The API's routes, to be nested at `/api`.
pub fn router() -> Router<AppState> {
    Router::new()
        .merge(health::router())
        .merge(devices::router())
        .merge(sync::router())
        .merge(status::router())
        .merge(catalogue::router())
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(API_BODY_LIMIT))
        // A pull of other devices' ops is repetitive JSON: gzip makes it several times
        // smaller for a tablet on a slow line (only when the client asks for it).
        .layer(CompressionLayer::new().gzip(true))
}

async fn not_found(OriginalUri(uri): OriginalUri) -> ApiError {
    ApiError::NotFound(uri.path().to_owned())
}

async fn method_not_allowed(method: Method) -> ApiError {
    ApiError::MethodNotAllowed(method.to_string())
}
