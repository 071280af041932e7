//! The JSON API under `/api`: one module per feature, each owning its routes, merged here.
//!
//! Every answer that is not a success is an [`ApiError`] JSON body, including unknown
//! routes, wrong methods and bodies over [`API_BODY_LIMIT`].

pub mod catalogue;
pub mod devices;
pub mod events;
pub mod health;
pub mod staff;
pub mod status;
pub mod sync;

use crate::AppState;
use crate::error::{API_BODY_LIMIT, API_REQUEST_TIMEOUT, ApiError};
use axum::Router;
use axum::error_handling::HandleErrorLayer;
use axum::extract::{DefaultBodyLimit, OriginalUri};
use axum::http::Method;
use tower_http::compression::CompressionLayer;

/// The API's routes, to be nested at `/api`.
pub fn router() -> Router<AppState> {
    Router::new()
        .merge(health::router())
        .merge(devices::router())
        .merge(sync::router())
        .merge(events::router())
        .merge(staff::router())
        .merge(status::router())
        .merge(catalogue::router())
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(API_BODY_LIMIT))
        .layer(
            tower::ServiceBuilder::new()
                .layer(HandleErrorLayer::new(timed_out))
                .layer(tower::timeout::TimeoutLayer::new(API_REQUEST_TIMEOUT)),
        )
        // A pull of other devices' ops is repetitive JSON: gzip makes it several times
        // smaller for a tablet on a slow line (only when the client asks for it).
        .layer(CompressionLayer::new().gzip(true))
        .layer(crate::headers::no_store())
}

async fn not_found(OriginalUri(uri): OriginalUri) -> ApiError {
    ApiError::NotFound(uri.path().to_owned())
}

/// The only error the layers below raise is the timeout's.
async fn timed_out(_: tower::BoxError) -> ApiError {
    ApiError::Timeout
}

async fn method_not_allowed(method: Method) -> ApiError {
    ApiError::MethodNotAllowed(method.to_string())
}
