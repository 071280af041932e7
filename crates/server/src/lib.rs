//! The Loket backend: the sync API devices push their ops to, device enrolment, and the
//! built web app, over one database (SQLite, or PostgreSQL for many offices).
//!
//! Code map: [`config`] (flags and environment), [`store`] (all SQL), [`ledger`] (each
//! office's live state and the sync round trip), [`http`] (one module per feature, each
//! owning its routes), [`auth`] (device tokens), [`admin_code`] (the
//! enrolment secret), [`static_files`] (the app), [`error`] (the one error type), [`headers`] (security headers),
//! [`telemetry`] (logs that never hold personal data).
//!
//! Architecture invariant: handlers never write SQL, and the rules of a step live in
//! `loket-core`: sync is the core's [`loket_core::sync::accept`] over a lookup of the
//! database, the same function the in-memory `Ledger` of the property tests runs.

pub mod admin_code;
pub mod auth;
pub mod config;
pub mod error;
pub mod headers;
pub mod http;
pub mod ledger;
pub mod listen;
pub mod maintenance;
pub mod pins;
pub mod static_files;
pub mod store;
pub mod telemetry;
pub mod throttle;

use crate::admin_code::AdminCode;
use crate::config::Config;
use crate::error::ApiError;
use crate::ledger::Offices;
use crate::store::{LogHead, Store, StoreError};
use axum::Router;
use loket_core::sync::Epoch;
use loket_core::{Office, OfficeCode, StaffId};
use std::path::Path;
use std::sync::Arc;
use thiserror::Error;

/// Why the server could not start (or reset the admin code).
#[derive(Debug, Error)]
pub enum StartError {
    /// The database could not be opened, migrated or read.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// No admin code could be made.
    #[error("cannot make an admin code: {0}")]
    AdminCode(ApiError),
    /// The operating system gave no randomness for a new epoch.
    #[error("cannot make a new log epoch: {0}")]
    NoRandomness(ApiError),
}

/// What every handler shares. Cheap to clone.
#[derive(Clone)]
pub struct AppState {
    store: Store,
    /// Each office's folded state; pushes are ordered and folded one at a time per office.
    offices: Offices,
    /// The office named by the configuration (`LOKET_OFFICE`): the public lookup's default.
    office: OfficeCode,
    dist: Arc<Path>,
    pull_limit: usize,
    /// PBKDF2 rounds of new PIN hashes (tests use fewer).
    pin_rounds: u32,
    throttles: throttle::Throttles,
    trusted: throttle::TrustedProxies,
    /// Hours a new admin code works.
    admin_code_hours: u32,
    /// The devices listening live, and the stop that ends their streams.
    streams: http::events::Streams,
    /// When each device's sync was last written down (`http::sync`).
    synced: Arc<std::sync::Mutex<std::collections::HashMap<loket_core::DeviceId, i64>>>,
}

impl AppState {
    /// Opens the database, makes sure the configured office exists, and folds every
    /// office's ops. Returns the new admin code too when the office had none.
    pub async fn open(config: &Config) -> Result<(Self, Option<AdminCode>), StartError> {
        let store = Store::connect(&config.database_url).await?;
        store.ensure_office(&config.office(), &new_epoch()?).await?;
        // An office with no device yet, and no code that still works, needs one to start.
        let new_code = if store.device_count(&config.office).await? == 0
            && !store.has_live_code(&config.office, now_ms()).await?
        {
            let made = new_admin_code(
                &store,
                &config.office,
                config.admin_code_hours,
                MadeBy::Server,
            );
            Some(made.await?.0)
        } else {
            None
        };
        let offices = Offices::default();
        for office in store.offices().await? {
            offices.load(&store, &office.code).await?;
        }
        let state = Self {
            store,
            offices,
            office: config.office.clone(),
            dist: Arc::from(config.dist.as_path()),
            pull_limit: loket_core::sync::MAX_PULL,
            pin_rounds: loket_core::staff::PIN_ITERATIONS,
            throttles: throttle::Throttles::new(
                config.lookups_per_minute,
                config.enrolments_per_minute,
                config.syncs_per_minute,
            ),
            trusted: throttle::TrustedProxies(config.trusted_proxy.clone().into()),
            admin_code_hours: config.admin_code_hours,
            streams: http::events::Streams::default(),
            synced: Arc::default(),
        };
        Ok((state, new_code))
    }

    /// The same state with another page size for pulls (tests use small pages).
    pub fn with_pull_limit(mut self, limit: usize) -> Self {
        self.pull_limit = limit.max(1);
        self
    }

    /// The same state hashing new PINs with `rounds` (at least the core's minimum): tests
    /// use few, so a sign-in does not take a second unoptimised.
    pub fn with_pin_rounds(mut self, rounds: u32) -> Self {
        self.pin_rounds = rounds.max(loket_core::staff::MIN_ITERATIONS);
        self
    }

    /// PBKDF2 rounds of new PIN hashes.
    pub fn pin_rounds(&self) -> u32 {
        self.pin_rounds
    }

    /// The storage.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Every office's live state.
    pub fn offices(&self) -> &Offices {
        &self.offices
    }

    /// The office named by the configuration.
    pub fn office(&self) -> &OfficeCode {
        &self.office
    }

    /// The most ops one pull returns.
    pub fn pull_limit(&self) -> usize {
        self.pull_limit
    }

    /// The public routes' limits.
    pub fn throttles(&self) -> &throttle::Throttles {
        &self.throttles
    }

    /// The same state with other limits (tests use small ones).
    pub fn with_throttles(mut self, throttles: throttle::Throttles) -> Self {
        self.throttles = throttles;
        self
    }

    /// The devices listening live (`/api/events`); [`http::events::Streams::stop`] ends
    /// their streams when the server stops.
    pub fn streams(&self) -> &http::events::Streams {
        &self.streams
    }

    /// Whether a sync of `device` at `now_ms` should be written down: the first since
    /// the start, or the first [`NOTE_SYNC_EVERY_MS`] after the last one written (a tablet
    /// syncing after every tap must not cost a write each time).
    pub fn sync_worth_noting(&self, device: &loket_core::DeviceId, now_ms: i64) -> bool {
        let mut synced = self.synced.lock().unwrap_or_else(|p| p.into_inner());
        match synced.get(device) {
            Some(&at) if now_ms - at < NOTE_SYNC_EVERY_MS => false,
            _ => {
                synced.insert(device.clone(), now_ms);
                true
            }
        }
    }

    /// Forgets when `device` last synced, so its next sync is written down: after it is
    /// enrolled again, that write is what closes the window for repeating the enrolment.
    pub fn forget_synced(&self, device: &loket_core::DeviceId) {
        let mut synced = self.synced.lock().unwrap_or_else(|p| p.into_inner());
        synced.remove(device);
    }

    /// Hours a new admin code works.
    pub fn admin_code_hours(&self) -> u32 {
        self.admin_code_hours
    }

    /// The built web app's folder.
    pub fn dist(&self) -> &Path {
        &self.dist
    }
}

/// How stale the admin's list of devices may be: a device's sync is written down at most
/// this often.
pub const NOTE_SYNC_EVERY_MS: i64 = 5_000;

/// A new random epoch for a log's history.
pub fn new_epoch() -> Result<Epoch, StartError> {
    auth::random_bytes::<16>()
        .map(Epoch::from_bytes)
        .map_err(StartError::NoRandomness)
}

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// Who makes an admin code.
#[derive(Debug, Clone, Copy)]
pub enum MadeBy<'a> {
    /// The server: printed at the first start, or by `reset-admin-code`, which voids the
    /// office's other unspent codes (one may have leaked).
    Server,
    /// An admin on a signed-in device (the admin page), for one more device.
    Admin(&'a StaffId),
}

/// A new admin code of `office`, working for `hours`; only its hash is stored.
pub async fn new_admin_code(
    store: &Store,
    office: &OfficeCode,
    hours: u32,
    by: MadeBy<'_>,
) -> Result<(AdminCode, i64), StartError> {
    let code = AdminCode::generate().map_err(StartError::AdminCode)?;
    let now = now_ms();
    let expires = now + i64::from(hours) * 3_600_000;
    let (made_by, replace) = match by {
        MadeBy::Server => ("server", true),
        MadeBy::Admin(staff) => (staff.as_str(), false),
    };
    store
        .add_admin_code(office, &code.hash(), now, expires, made_by, replace)
        .await?;
    Ok((code, expires))
}

/// `loket-server reset-admin-code`: a new admin code for the office, voiding its others.
pub async fn reset_admin_code(config: &Config) -> Result<AdminCode, StartError> {
    let store = Store::connect(&config.database_url).await?;
    store.ensure_office(&config.office(), &new_epoch()?).await?;
    let code = new_admin_code(
        &store,
        &config.office,
        config.admin_code_hours,
        MadeBy::Server,
    )
    .await;
    store.close().await;
    code.map(|(code, _)| code)
}

/// `loket-server office add CODE NAME`: a new office on this server, with its first admin
/// code (returned, to be printed once).
pub async fn add_office(config: &Config, office: &Office) -> Result<AdminCode, StartError> {
    let store = Store::connect(&config.database_url).await?;
    let added = store.add_office(office, &new_epoch()?).await;
    let code = match added {
        Ok(()) => new_admin_code(
            &store,
            &office.code,
            config.admin_code_hours,
            MadeBy::Server,
        )
        .await
        .map(|(code, _)| code),
        Err(e) => Err(e.into()),
    };
    store.close().await;
    code
}

/// After a backup was restored into the database: every office's log becomes a new
/// history, its sequence numbers going on after those in `lost_heads` (what the database
/// had given out before the restore), so devices that synced since the backup notice,
/// send their ops again, and no number is given twice. Returns the offices marked.
pub async fn mark_restored(
    config: &Config,
    lost_heads: &[LogHead],
) -> Result<Vec<LogHead>, StartError> {
    let store = Store::connect(&config.database_url).await?;
    let result = async {
        for head in store.heads().await? {
            let lost = lost_heads
                .iter()
                .find(|h| h.office == head.office)
                .map_or(0, |h| h.head);
            store
                .mark_restored(&head.office, &new_epoch()?, lost)
                .await?;
        }
        Ok(store.heads().await?)
    }
    .await;
    store.close().await;
    result
}

/// Every office's epoch and head, as the database holds them now.
pub async fn heads(config: &Config) -> Result<Vec<LogHead>, StartError> {
    let store = Store::connect(&config.database_url).await?;
    let heads = store.heads().await;
    store.close().await;
    Ok(heads?)
}

/// The whole application: `/api/...` and the web app, ready to serve or to call in tests.
pub fn app(state: AppState) -> Router {
    let trusted = state.trusted.clone();
    let routes = Router::new()
        .nest("/api", http::router())
        .merge(static_files::router())
        .layer(axum::Extension(trusted));
    headers::apply(routes)
        .layer(telemetry::trace_layer())
        .with_state(state)
}
