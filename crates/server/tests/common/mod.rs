//! Helpers for the server's tests: a fresh SQLite file per test, requests through
//! `app(state).oneshot(...)`, ops built from `loket-core` types, and row counts read
//! straight from the database file.

#![allow(dead_code)] // Each test file uses its own subset.

use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use chrono::{NaiveDate, Utc};
use http_body_util::BodyExt;
use loket_core::catalogue::CaseCode;
use loket_core::{
    CallTicket, CounterNo, DeviceId, DeviceLetter, IssueTicket, OfficeCode, Op, OpBody, OpId, Role,
    StaffId, TicketNo,
};
use loket_server::config::Config;
use loket_server::throttle::Throttles;
use loket_server::{AppState, app};
use serde_json::{Value, json};
use sqlx::AnyPool;
use std::path::PathBuf;
use tempfile::TempDir;
use tower::ServiceExt;

pub const OFFICE: &str = "51.02.02";

/// The database a test runs against: every test runs once on each (see [`both!`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

tokio::task_local! {
    /// The backend of the test running on this task.
    pub static BACKEND: Backend;
}

/// Runs a test body on `backend`: [`TestApp::start`] then opens that database.
pub async fn on<F: std::future::Future<Output = ()>>(backend: Backend, test: F) {
    BACKEND.scope(backend, test).await;
}

/// The test's backend (SQLite outside [`on`]).
pub fn backend() -> Backend {
    BACKEND.try_with(|b| *b).unwrap_or(Backend::Sqlite)
}

/// Declares each named `async fn` a test twice: `sqlite::name` and `postgres::name`.
#[macro_export]
macro_rules! both {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(#[tokio::test]
            async fn $name() {
                $crate::common::on($crate::common::Backend::Sqlite, super::$name()).await;
            })*
        }
        mod postgres {
            $(#[tokio::test]
            async fn $name() {
                $crate::common::on($crate::common::Backend::Postgres, super::$name()).await;
            })*
        }
    };
}

/// A fresh, empty database on the test's backend: a SQLite file in `dir`, or a new
/// database on the PostgreSQL server `cargo xtask test` starts (`LOKET_TEST_POSTGRES_URL`).
pub async fn database_url(dir: &TempDir) -> String {
    match backend() {
        Backend::Sqlite => format!("sqlite://{}", dir.path().join("db/loket.db").display()),
        Backend::Postgres => {
            let admin = std::env::var("LOKET_TEST_POSTGRES_URL").unwrap_or_else(|_| {
                panic!(
                    "the PostgreSQL tests need a server: `cargo xtask test` starts a throwaway \
                     one and sets LOKET_TEST_POSTGRES_URL (or set it to a server of your own)"
                )
            });
            let name = format!("loket_test_{}", uuid::Uuid::now_v7().simple());
            let pool = pg_admin(&admin).await;
            sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                .execute(&pool)
                .await
                .unwrap();
            pool.close().await;
            let base = admin.rsplit_once('/').map_or(admin.as_str(), |(b, _)| b);
            format!("{base}/{name}")
        }
    }
}

async fn pg_admin(url: &str) -> AnyPool {
    sqlx::any::install_default_drivers();
    AnyPool::connect(url).await.unwrap()
}

/// A server on its own temporary database (and an optional `dist` folder).
pub struct TestApp {
    pub dir: TempDir,
    pub config: Config,
    pub state: AppState,
    /// The first admin code, as printed.
    pub code: String,
}

pub fn config(dir: &TempDir) -> Config {
    Config {
        port: 0,
        host: "127.0.0.1".into(),
        database_url: String::new(),
        office: OfficeCode::new(OFFICE).unwrap(),
        office_name: "Kantor Camat Selemadeg Timur".into(),
        utc_offset_minutes: 480,
        dist: dir.path().join("dist"),
        smtp_url: None,
        trusted_proxy: Vec::new(),
        lookups_per_minute: loket_server::throttle::LOOKUPS_PER_MINUTE,
        enrolments_per_minute: loket_server::throttle::ENROLMENTS_PER_MINUTE,
        admin_code_hours: loket_core::enrol::ADMIN_CODE_HOURS,
        syncs_per_minute: loket_server::throttle::SYNCS_PER_DEVICE_PER_MINUTE,
    }
}

/// Limits no test of another feature runs into: every request of a test comes from one
/// address, far faster than people send them.
fn loose() -> Throttles {
    Throttles::new(100_000, 100_000, 100_000)
}

impl TestApp {
    /// A server whose public routes are not paced (see [`TestApp::limited`]).
    pub async fn start() -> Self {
        let mut app = Self::limited().await;
        app.state = app.state.with_throttles(loose());
        app
    }

    /// A server with the limits it runs with.
    pub async fn limited() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let mut config = config(&dir);
        config.database_url = database_url(&dir).await;
        let (state, code) = AppState::open(&config).await.unwrap();
        let state = state.with_pin_rounds(loket_core::staff::MIN_ITERATIONS);
        let code = code
            .expect("a fresh database makes an admin code")
            .display();
        Self {
            dir,
            config,
            state,
            code,
        }
    }

    /// A server over a database a test prepared itself (`code` is then unknown: empty).
    pub fn with_state(dir: TempDir, config: Config, state: AppState) -> Self {
        Self {
            dir,
            config,
            state: state.with_throttles(loose()),
            code: String::new(),
        }
    }

    /// Stops this instance and opens a new one on the same database file.
    pub async fn restart(&mut self) {
        self.state.store().close().await;
        let (state, code) = AppState::open(&self.config).await.unwrap();
        assert!(
            code.is_none(),
            "the admin code is made once, not at every start"
        );
        self.state = state
            .with_throttles(loose())
            .with_pin_rounds(loket_core::staff::MIN_ITERATIONS);
    }

    /// A staff call: the device's token, and `staff` (`(credential id, call token)`) in
    /// the staff header; answers the status, the headers and the JSON body (`null` when
    /// there is none).
    pub async fn staff_call(
        &self,
        method: Method,
        path: &str,
        device: &Device,
        staff: Option<(&str, &str)>,
        body: Option<&Value>,
    ) -> (StatusCode, HeaderMap, Value) {
        let mut request = Request::builder()
            .method(method)
            .uri(path)
            .header(header::AUTHORIZATION, format!("Bearer {}", device.token));
        if let Some((id, token)) = staff {
            request = request.header(loket_core::sign_in::STAFF_HEADER, format!("{id} {token}"));
        }
        let request = match body {
            Some(body) => request
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(body.to_string())),
            None => request.body(Body::empty()),
        };
        let (status, headers, body) = self.send(request.unwrap()).await;
        let json = if body.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&body).unwrap()
        };
        (status, headers, json)
    }

    pub async fn send(&self, request: Request<Body>) -> (StatusCode, HeaderMap, Bytes) {
        let response = app(self.state.clone()).oneshot(request).await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let body = response.into_body().collect().await.unwrap().to_bytes();
        (status, headers, body)
    }

    /// A request with a raw body and content type; answers the status and the JSON body.
    pub async fn raw(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        content_type: Option<&str>,
        body: impl Into<Body>,
    ) -> (StatusCode, Value) {
        let mut request = Request::builder().method(method).uri(path);
        if let Some(token) = token {
            request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
        }
        if let Some(content_type) = content_type {
            request = request.header(header::CONTENT_TYPE, content_type);
        }
        let (status, _, body) = self.send(request.body(body.into()).unwrap()).await;
        let json = serde_json::from_slice(&body).unwrap_or_else(|_| {
            panic!(
                "{status}: the body is not JSON: {}",
                String::from_utf8_lossy(&body)
            )
        });
        (status, json)
    }

    pub async fn post(&self, path: &str, token: Option<&str>, body: &Value) -> (StatusCode, Value) {
        self.raw(
            Method::POST,
            path,
            token,
            Some("application/json"),
            body.to_string(),
        )
        .await
    }

    pub async fn get(&self, path: &str) -> (StatusCode, Value) {
        self.raw(Method::GET, path, None, None, Body::empty()).await
    }

    /// Enrols a device with the right code.
    /// A new admin code of the configured office, as an admin makes one for one more
    /// device (the office's other codes keep working).
    pub async fn admin_code(&self) -> String {
        let admin = StaffId::new("admin").unwrap();
        let made = loket_server::new_admin_code(
            self.state.store(),
            &self.config.office,
            self.config.admin_code_hours,
            loket_server::MadeBy::Admin(&admin),
        );
        made.await.unwrap().0.display()
    }

    /// Enrols a device with a new admin code.
    pub async fn enrol(&self, name: &str) -> Device {
        let code = self.admin_code().await;
        let (status, body) = self
            .post("/api/devices", None, &json!({"code": code, "name": name}))
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        Device {
            id: body["device"].as_str().unwrap().to_owned(),
            letter: body["letter"].as_str().unwrap().to_owned(),
            token: body["token"].as_str().unwrap().to_owned(),
            office: body["office"]["code"].as_str().unwrap().to_owned(),
        }
    }

    /// The epoch of an office's log, as the database holds it.
    pub async fn epoch(&self, office: &str) -> String {
        let db = self.db().await;
        let epoch: String = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT epoch FROM offices WHERE code = '{office}'"
        )))
        .fetch_one(&db)
        .await
        .unwrap();
        db.close().await;
        epoch
    }

    /// One sync round trip, from `cursor` of the office's current history; answers the
    /// status and the JSON body.
    ///
    /// The credential every signed op names is issued first, as if its actor had signed
    /// in on the device (see [`TestApp::sync_as_sent`] for a push left as it is).
    pub async fn sync(&self, device: &Device, cursor: u64, push: &[Op]) -> (StatusCode, Value) {
        self.issue_credentials(push).await;
        self.sync_as_sent(device, cursor, push).await
    }

    /// Issues the test credential each signed op of `push` names, unless it is issued.
    pub async fn issue_credentials(&self, push: &[Op]) {
        for op in push {
            let Some(proof) = &op.proof else { continue };
            let credential = loket_core::testing::credential(&op.office, &op.device, &op.actor);
            if credential.id != proof.credential {
                continue;
            }
            let store = self.state.store();
            if store
                .credentials(&[credential.id])
                .await
                .unwrap()
                .is_empty()
            {
                // Pushes sent at once may race to issue it: one insert is enough.
                let issued = store.issue_credential(&credential, 0).await;
                assert!(
                    issued.is_ok()
                        || !store
                            .credentials(&[credential.id])
                            .await
                            .unwrap()
                            .is_empty(),
                    "{issued:?}"
                );
            }
        }
    }

    /// The office's admin on `device`: their account pushed with the core's test
    /// credential (issued). Returns the staff header's parts.
    pub async fn admin_on(&self, device: &Device) -> (String, String) {
        let save = op_by(
            device,
            "admin",
            OpBody::SaveStaff(account("admin", Role::Admin)),
        );
        let (status, answer) = self.sync(device, 0, &[save]).await;
        assert_eq!(status, StatusCode::OK, "{answer}");
        let credential = loket_core::testing::credential(
            &OfficeCode::new(device.office.clone()).unwrap(),
            &DeviceId::new(device.id.clone()).unwrap(),
            &StaffId::new("admin").unwrap(),
        );
        (credential.id.to_string(), credential.key.call_token())
    }

    /// [`TestApp::sync`] without issuing any credential.
    pub async fn sync_as_sent(
        &self,
        device: &Device,
        cursor: u64,
        push: &[Op],
    ) -> (StatusCode, Value) {
        let epoch = self.epoch(&device.office).await;
        let body = if cursor == 0 {
            json!({"cursor": cursor, "push": push})
        } else {
            json!({"epoch": epoch, "cursor": cursor, "push": push})
        };
        self.post("/api/sync", Some(&device.token), &body).await
    }

    /// Sets the office up as a real one starts: pushes [`staff`] from `device` (ops by an
    /// unknown actor are conflicts) and returns the seq it ends at, where a test's own ops
    /// begin.
    pub async fn staff_office(&self, device: &Device) -> u64 {
        let setup = staff(device);
        let (status, answer) = self.sync(device, 0, &setup).await;
        assert_eq!(status, StatusCode::OK, "{answer}");
        assert!(
            answer["pushed"]
                .as_array()
                .is_some_and(|p| p.iter().all(|o| o["outcome"] == "applied")),
            "{answer}"
        );
        setup.len() as u64
    }

    /// A connection pool of its own to the test's database, not through the server.
    pub async fn db(&self) -> AnyPool {
        sqlx::any::install_default_drivers();
        AnyPool::connect(&self.config.database_url).await.unwrap()
    }

    /// Rows in a table, read with a connection of its own, not through the server.
    pub async fn count(&self, table: &str) -> i64 {
        let pool = self.db().await;
        let count =
            sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT COUNT(*) FROM {table}")))
                .fetch_one(&pool)
                .await
                .unwrap();
        pool.close().await;
        count
    }

    pub async fn counts(&self) -> (i64, i64) {
        (self.count("ops").await, self.count("devices").await)
    }

    pub fn dist(&self) -> PathBuf {
        self.config.dist.clone()
    }
}

/// An enrolled device, as the enrolment answered.
#[derive(Debug, Clone)]
pub struct Device {
    pub id: String,
    pub letter: String,
    pub token: String,
    pub office: String,
}

pub fn day() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 24).unwrap()
}

pub fn no(letter: &str, serial: u16) -> TicketNo {
    TicketNo {
        letter: DeviceLetter::new(letter).unwrap(),
        serial,
    }
}

/// An op the device makes as the operator `operator`.
pub fn op(device: &Device, body: OpBody) -> Op {
    op_by(device, "operator", body)
}

/// An op the device makes as `actor`.
/// An op the device makes as `actor`, signed with the actor's credential on the device
/// ([`loket_core::testing::credential`], which [`TestApp::sync`] issues). A test that
/// changes it afterwards signs it again with [`signed`].
pub fn op_by(device: &Device, actor: &str, body: OpBody) -> Op {
    signed(Op {
        id: OpId(uuid::Uuid::now_v7()),
        office: OfficeCode::new(device.office.clone()).unwrap(),
        device: DeviceId::new(device.id.clone()).unwrap(),
        actor: StaffId::new(actor).unwrap(),
        at: Utc::now(),
        body,
        proof: None,
    })
}

pub use loket_core::testing::signed;

pub use loket_core::testing::account;

/// The office's first staff, made on `device`: the admin `admin` (who creates themselves),
/// the operator `operator` and the Kasi `kasi`; and six counters. Push them first: ops by unknown actors
/// are conflicts.
pub fn staff(device: &Device) -> Vec<Op> {
    let mut ops = vec![op_by(
        device,
        "admin",
        OpBody::SaveStaff(account("admin", Role::Admin)),
    )];
    for (id, role) in [("operator", Role::Operator), ("kasi", Role::Kasi)] {
        ops.push(op_by(device, "admin", OpBody::SaveStaff(account(id, role))));
    }
    // Tests call to counters up to 5.
    let counters = loket_core::op::SetCounters { count: 6 };
    ops.push(op_by(device, "admin", OpBody::SetCounters(counters)));
    ops
}

/// The device issues its own ticket `<letter>-<serial>`.
pub fn issue(device: &Device, serial: u16) -> Op {
    op(
        device,
        OpBody::IssueTicket(IssueTicket {
            number: no(&device.letter, serial),
            day: day(),
            case: CaseCode::new("baru").unwrap(),
            priority: false,
            catalogue: None,
        }),
    )
}

/// The device calls ticket `<letter>-<serial>` to a counter.
pub fn call(device: &Device, letter: &str, serial: u16, counter: u8) -> Op {
    op(
        device,
        OpBody::CallTicket(CallTicket {
            number: no(letter, serial),
            day: day(),
            counter: CounterNo::new(counter).unwrap(),
        }),
    )
}

/// The seqs of a sync answer's `pushed`.
pub fn pushed_seqs(body: &Value) -> Vec<u64> {
    body["pushed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["seq"].as_u64().unwrap())
        .collect()
}

/// The seqs of a sync answer's pulled `ops`.
pub fn pulled_seqs(body: &Value) -> Vec<u64> {
    body["ops"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["seq"].as_u64().unwrap())
        .collect()
}
