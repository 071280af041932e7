//! Client-side routes: the address bar's path ↔ a [`Route`], through the History API.
//!
//! Loket has a handful of fixed paths, so it keeps this small router instead of
//! `leptos_router`, which alone weighed 51 KB gzip of the app: a quarter of the first-load
//! budget on the cheap phones applicants use.

use leptos::prelude::*;

/// A page of the app.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    /// `/`: the counter screen.
    Counter,
    /// `/kasi`: the Kasi's inbox of escalated files.
    Kasi,
    /// `/cetak`: the print queue, blank cards and the handover.
    Print,
    /// `/admin`: staff, counters and standard times.
    Admin,
    /// `/daftar`: enrolling this device.
    Enrol,
    /// `/status`: a ticket's public status, for applicants on their own phones.
    Status,
    /// `/cek-berkas`: the applicant's self-check of the documents to bring.
    SelfCheck,
}

impl Route {
    /// The page a path shows; unknown paths show the counter.
    pub fn parse(path: &str) -> Self {
        match path.trim_end_matches('/') {
            "/daftar" => Route::Enrol,
            "/kasi" => Route::Kasi,
            "/cetak" => Route::Print,
            "/admin" => Route::Admin,
            loket_core::status_link::STATUS_PATH => Route::Status,
            loket_core::selfcheck::SELFCHECK_PATH => Route::SelfCheck,
            _ => Route::Counter,
        }
    }

    /// The path of the page.
    pub fn path(self) -> &'static str {
        match self {
            Route::Counter => "/",
            Route::Kasi => "/kasi",
            Route::Print => "/cetak",
            Route::Admin => "/admin",
            Route::Enrol => "/daftar",
            Route::Status => loket_core::status_link::STATUS_PATH,
            Route::SelfCheck => loket_core::selfcheck::SELFCHECK_PATH,
        }
    }

    /// Whether the page is for the public: it needs no enrolled device and no staff PIN,
    /// and it must not touch the device's stored state.
    pub fn is_public(self) -> bool {
        matches!(self, Route::Status | Route::SelfCheck)
    }
}

/// The current route, kept in step with the address bar.
#[derive(Debug, Clone, Copy)]
pub struct Nav {
    route: RwSignal<Route>,
}

impl Nav {
    /// Reads the current path and follows the back and forward buttons.
    pub fn start() -> Self {
        let path = window().location().pathname().unwrap_or_default();
        let route = RwSignal::new(Route::parse(&path));
        let handle = window_event_listener(leptos::ev::popstate, move |_| {
            let path = window().location().pathname().unwrap_or_default();
            route.set(Route::parse(&path));
        });
        // The listener lives as long as the page.
        std::mem::forget(handle);
        Self { route }
    }

    /// The current route, not tracked.
    pub fn route_untracked(self) -> Route {
        self.route.get_untracked()
    }

    /// The current route (tracked).
    pub fn route(self) -> Route {
        self.route.get()
    }

    /// Goes to `to`, adding a history entry.
    pub fn go(self, to: Route) {
        self.set(to, false);
    }

    /// Goes to `to` in place of the current entry (a redirect).
    pub fn replace(self, to: Route) {
        self.set(to, true);
    }

    fn set(self, to: Route, replace: bool) {
        if self.route.get_untracked() == to {
            return;
        }
        if let Ok(history) = window().history() {
            let path = Some(to.path());
            let _ = if replace {
                history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", path)
            } else {
                history.push_state_with_url(&wasm_bindgen::JsValue::NULL, "", path)
            };
        }
        self.route.set(to);
    }
}

/// The router, from context.
pub fn use_nav() -> Nav {
    expect_context::<Nav>()
}
