//! Logs: each request is one span with its method, its route *template*, status and
//! latency. Never the filled-in path, query, headers or body: a path may hold a ticket
//! code, a body a NIK, a header a device token.

use axum::extract::{MatchedPath, Request};
use axum::http::Response;
use std::io::IsTerminal;
use std::time::Duration;
use tower_http::classify::{ServerErrorsAsFailures, SharedClassifier};
use tower_http::trace::{MakeSpan, OnResponse, TraceLayer};
use tracing::Span;
use tracing_subscriber::EnvFilter;

/// Starts logging to stderr, filtered by `RUST_LOG` (default `info`).
pub fn init() {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    // A second init (tests in one process) keeps the first subscriber; that is fine.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .try_init();
}

/// Names the span after the route template, e.g. `/api/sync`.
#[derive(Debug, Clone, Copy)]
pub struct RouteSpan;

impl<B> MakeSpan<B> for RouteSpan {
    fn make_span(&mut self, request: &Request<B>) -> Span {
        // Requests no route matched (the web app's files, unknown API paths) are all
        // logged under one name: their paths are exactly what must not be logged.
        let route = request
            .extensions()
            .get::<MatchedPath>()
            .map_or("(unmatched)", MatchedPath::as_str);
        tracing::info_span!(
            "request",
            method = %request.method(),
            route,
            status = tracing::field::Empty,
            latency_ms = tracing::field::Empty,
        )
    }
}

/// Records status and latency on the span and logs one line per response.
#[derive(Debug, Clone, Copy)]
pub struct RecordResponse;

impl<B> OnResponse<B> for RecordResponse {
    fn on_response(self, response: &Response<B>, latency: Duration, span: &Span) {
        let status = response.status().as_u16();
        // Whole microseconds, shown as milliseconds: enough precision, short lines.
        let latency_ms = latency.as_micros() as f64 / 1000.0;
        span.record("status", status);
        span.record("latency_ms", latency_ms);
        tracing::info!(status, latency_ms, "response");
    }
}

/// The request-logging layer used by [`crate::app`].
pub fn trace_layer()
-> TraceLayer<SharedClassifier<ServerErrorsAsFailures>, RouteSpan, (), RecordResponse> {
    TraceLayer::new_for_http()
        .make_span_with(RouteSpan)
        .on_request(())
        .on_response(RecordResponse)
}
