//! The Loket backend: the sync API devices push their ops to, device enrolment, and the
//! built web app, over one SQLite database.
//!
//! Code map: [`config`] (flags and environment), [`store`] (all SQL), [`http`] (one module
//! per feature, each owning its routes), [`auth`] (device tokens), [`admin_code`] (the
//! enrolment secret), [`static_files`] (the app), [`error`] (the one error type),
//! [`telemetry`] (logs that never hold personal data).
//!
//! Architecture invariant: handlers never write SQL, and the rules of a step live in
//! `loket-core`: this crate orders ops, stores them and folds them with the core's code,
//! exactly as [`loket_core::sync::Ledger`] does in memory.

pub mod admin_code;
pub mod auth;
pub mod config;
pub mod error;
pub mod http;
pub mod static_files;
pub mod store;
pub mod telemetry;

use crate::admin_code::AdminCode;
use crate::config::Config;
use crate::error::ApiError;
use crate::store::{Store, StoreError};
use axum::Router;
use loket_core::{OfficeCode, OfficeState};
use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;
use thiserror::Error;
use tokio::sync::Mutex;

/// Why the server could not start (or reset the admin code).
#[derive(Debug, Error)]
pub enum StartError {
    /// The database could not be opened, migrated or read.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// No admin code could be made.
    #[error("cannot make an admin code: {0}")]
    AdminCode(ApiError),
}

/// What every handler shares. Cheap to clone.
#[derive(Clone)]
pub struct AppState {
    store: Store,
    /// Each office's folded state. The mutex serialises pushes per office, so ops are
    /// ordered and folded one push at a time, as the in-memory `Ledger` does.
    offices: Arc<HashMap<OfficeCode, Arc<Mutex<OfficeState>>>>,
    /// The office devices enrol into.
    office: OfficeCode,
    dist: Arc<Path>,
    pull_limit: usize,
}

impl AppState {
    /// Opens the database, makes sure the configured office exists, and folds every
    /// office's ops. Returns the new admin code too when the office had none.
    pub async fn open(config: &Config) -> Result<(Self, Option<AdminCode>), StartError> {
        let store = Store::connect(&config.database_url).await?;
        store.ensure_office(&config.office()).await?;
        let new_code = if store.admin_code_hash(&config.office).await?.is_none() {
            Some(new_admin_code(&store, &config.office).await?)
        } else {
            None
        };
        let mut offices = HashMap::new();
        for office in store.offices().await? {
            let ops = store.office_ops(&office.code).await?;
            let state = OfficeState::fold(&ops);
            tracing::info!(office = %office.code, ops = ops.len(), "folded office state");
            offices.insert(office.code, Arc::new(Mutex::new(state)));
        }
        let state = Self {
            store,
            offices: Arc::new(offices),
            office: config.office.clone(),
            dist: Arc::from(config.dist.as_path()),
            pull_limit: loket_core::sync::MAX_PULL,
        };
        Ok((state, new_code))
    }

    /// The same state with another page size for pulls (tests use small pages).
    pub fn with_pull_limit(mut self, limit: usize) -> Self {
        self.pull_limit = limit.max(1);
        self
    }

    /// The storage.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The office devices enrol into.
    pub fn office(&self) -> &OfficeCode {
        &self.office
    }

    /// The most ops one pull returns.
    pub fn pull_limit(&self) -> usize {
        self.pull_limit
    }

    /// The built web app's folder.
    pub fn dist(&self) -> &Path {
        &self.dist
    }

    /// An office's folded state, behind the lock that serialises its pushes.
    pub fn office_state(&self, office: &OfficeCode) -> Option<Arc<Mutex<OfficeState>>> {
        self.offices.get(office).cloned()
    }
}

async fn new_admin_code(store: &Store, office: &OfficeCode) -> Result<AdminCode, StartError> {
    let code = AdminCode::generate().map_err(StartError::AdminCode)?;
    store.set_admin_code_hash(office, &code.hash()).await?;
    Ok(code)
}

/// `loket-server reset-admin-code`: replaces the office's admin code and returns the new one.
pub async fn reset_admin_code(config: &Config) -> Result<AdminCode, StartError> {
    let store = Store::connect(&config.database_url).await?;
    store.ensure_office(&config.office()).await?;
    let code = new_admin_code(&store, &config.office).await;
    store.close().await;
    code
}

/// The whole application: `/api/...` and the web app, ready to serve or to call in tests.
pub fn app(state: AppState) -> Router {
    Router::new()
        .nest("/api", http::router())
        .merge(static_files::router())
        .layer(telemetry::trace_layer())
        .with_state(state)
}
