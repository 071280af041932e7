//! Storage: the only module that speaks SQL, with one backend per database (the embedded
//! SQLite default, and PostgreSQL for many offices on one server). Handlers see the typed
//! methods of [`Store`]; both backends implement [`Backend`], so they cannot drift apart,
//! and `DATABASE_URL` picks one (`sqlite://…` or `postgres://…`).
//!
//! A push is read and written in two steps around the core's rules: [`Store::lookup`]
//! reads what `loket_core::sync::accept` needs to decide pushes (the office's epoch and
//! head, the pushed ids already stored), and [`Store::append`] writes what it appended, in
//! one transaction that fails if the head moved meanwhile. Answers read ops as stored
//! JSON ([`RawOp`], [`Store::tail`]), never parsed.

mod accounts;
mod enrolment;
mod postgres;
mod raw;
mod sqlite;

pub use accounts::Accounts;
pub use enrolment::{Enrolments, FAILURES_KEPT, StoredCode};
pub use raw::RawOp;

use chrono::{SecondsFormat, Utc};
use loket_core::credential::{Credential, CredentialId};
use loket_core::enrol::{DeviceInfo, EnrolFailure};
use loket_core::sign_in::SignedIn;
use loket_core::staff::{PinHash, PinThrottle};
use loket_core::sync::{Epoch, ServerOp};
use loket_core::{DeviceId, DeviceLetter, IdError, Office, OfficeCode, OpId, StaffId};
use serde::Serialize;
use thiserror::Error;

/// The settings key of an office's secret for hashing client addresses.
const CLIENT_SALT_KEY: &str = "client_salt";

/// Why a storage call failed.
#[derive(Debug, Error)]
pub enum StoreError {
    /// The database said no.
    #[error("database error: {0}")]
    Db(#[from] sqlx::Error),
    /// The schema could not be brought up to date.
    #[error("database migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// `DATABASE_URL` names no database Loket can use.
    #[error("DATABASE_URL must start with sqlite:// or postgres://, not {0:?}")]
    UnknownScheme(String),
    /// The database file's folder could not be created.
    #[error("cannot create the database folder {path}: {source}")]
    CreateDir {
        /// The folder.
        path: String,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// A stored row no longer reads as what was written (a bug or a hand edit).
    #[error("stored {what} #{key} cannot be read: {detail}")]
    Corrupt {
        /// The kind of row.
        what: &'static str,
        /// Its key.
        key: String,
        /// What is wrong with it.
        detail: String,
    },
    /// Every device letter of the office is in use.
    #[error("office {0} has no device letter left (A to ZZ are all taken)")]
    OfficeFull(OfficeCode),
    /// No office has this code.
    #[error("there is no office {0}")]
    NoOffice(OfficeCode),
    /// An office with this code exists already.
    #[error("office {0} exists already")]
    OfficeExists(OfficeCode),
    /// A command that works on a SQLite file only.
    #[error(
        "`{0}` works on the SQLite database only; for PostgreSQL use pg_dump and pg_restore, then `loket-server mark-restored`"
    )]
    NotSqlite(&'static str),
    /// The admin code was spent (or expired) while the enrolment was being decided:
    /// nothing was written.
    #[error("the admin code was spent meanwhile")]
    CodeSpent,
    /// The office's log grew while a push was being decided (another server process
    /// writes to the same database): nothing was written.
    #[error("the log of office {0} moved while a push was decided")]
    HeadMoved(OfficeCode),
}

/// An enrolled device.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Device {
    /// Its id, the `device` of every op it makes.
    pub id: DeviceId,
    /// The office it belongs to.
    pub office: OfficeCode,
    /// What the admin called it.
    pub name: String,
    /// The letter in front of its ticket numbers.
    pub letter: DeviceLetter,
    /// Revoked by the admin: its token works only to enrol it again.
    pub revoked: bool,
}

/// What deciding pushes needs of an office's log, read in one transaction.
#[derive(Debug, Clone)]
pub struct Lookup {
    /// The history the log is.
    pub epoch: Epoch,
    /// The last sequence number given out.
    pub head: u64,
    /// The pushed ids already stored, with their ops (of any office: ids are global).
    pub known: Vec<ServerOp>,
}

/// An office's head and epoch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogHead {
    /// The office.
    pub office: OfficeCode,
    /// The history.
    pub epoch: Epoch,
    /// The last sequence number given out.
    pub head: u64,
}

/// What each database does; [`Store`] picks one at run time.
#[allow(async_fn_in_trait)] // Used through `Store`, never as `dyn`.
pub trait Backend {
    /// Waits for queries in flight, then closes every connection.
    async fn close(&self);
    /// Creates the office with history `epoch`, or updates its name and time zone.
    async fn ensure_office(&self, office: &Office, epoch: &Epoch) -> Result<(), StoreError>;
    /// Creates a new office; fails if its code is taken.
    async fn add_office(&self, office: &Office, epoch: &Epoch) -> Result<(), StoreError>;
    /// Every office, by code.
    async fn offices(&self) -> Result<Vec<Office>, StoreError>;
    /// One office.
    async fn office(&self, code: &OfficeCode) -> Result<Option<Office>, StoreError>;
    /// A setting of an office.
    async fn setting(&self, office: &OfficeCode, key: &str) -> Result<Option<String>, StoreError>;
    /// Sets a setting of an office.
    async fn set_setting(
        &self,
        office: &OfficeCode,
        key: &str,
        value: &str,
    ) -> Result<(), StoreError>;
    /// Enrols a device with the office's next free letter, spending the admin code with
    /// hash `code_hash` (unexpired at `now_ms`), in one transaction:
    /// [`StoreError::CodeSpent`] and nothing written when the code no longer works.
    async fn enrol_device(
        &self,
        office: &OfficeCode,
        id: &DeviceId,
        name: &str,
        token_hash: &str,
        code_hash: &str,
        now_ms: i64,
    ) -> Result<Device, StoreError>;
    /// The device holding a token, found by the token's sha256 (hex).
    async fn device_by_token_hash(&self, hash: &str) -> Result<Option<Device>, StoreError>;
    /// Every office's epoch and head.
    async fn heads(&self) -> Result<Vec<LogHead>, StoreError>;
    /// What deciding pushes of `office` needs: see [`Lookup`].
    async fn lookup(&self, office: &OfficeCode, ids: &[OpId]) -> Result<Lookup, StoreError>;
    /// Up to `limit` ops of `office` after `cursor`, in order, as stored.
    async fn tail(
        &self,
        office: &OfficeCode,
        cursor: u64,
        limit: usize,
    ) -> Result<Vec<RawOp>, StoreError>;
    /// Writes appended ops (the next sequence numbers after `head`) in one durable
    /// transaction and statement; [`StoreError::HeadMoved`] and nothing written if the head
    /// is not `head`. Returns them as stored.
    async fn append(
        &self,
        office: &OfficeCode,
        head: u64,
        ops: &[ServerOp],
    ) -> Result<Vec<RawOp>, StoreError>;
    /// Every op of an office in server order, to fold its state at start-up.
    async fn office_log(&self, office: &OfficeCode) -> Result<Vec<ServerOp>, StoreError>;
    /// Gives an office's log a new history after a restore, its next sequence numbers
    /// after `lost_head` at least, so none is given twice.
    async fn mark_restored(
        &self,
        office: &OfficeCode,
        epoch: &Epoch,
        lost_head: u64,
    ) -> Result<(), StoreError>;
}

/// The database, whichever it is. Cheap to clone: pools are shared.
#[derive(Debug, Clone)]
pub enum Store {
    /// The embedded default.
    Sqlite(sqlite::SqliteStore),
    /// Many offices on one server.
    Postgres(postgres::PgStore),
}

/// Calls the same method on whichever backend this is.
macro_rules! each {
    ($self:ident . $method:ident ( $($arg:expr),* )) => {
        match $self {
            Store::Sqlite(s) => s.$method($($arg),*).await,
            Store::Postgres(s) => s.$method($($arg),*).await,
        }
    };
}

impl Store {
    /// Opens and migrates the database `url` names (creating a SQLite file and its folder
    /// when missing).
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        if url.starts_with("sqlite:") {
            Ok(Self::Sqlite(sqlite::SqliteStore::connect(url).await?))
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Self::Postgres(postgres::PgStore::connect(url).await?))
        } else {
            let scheme = url.split_once("://").map_or(url, |(s, _)| s);
            Err(StoreError::UnknownScheme(scheme.to_owned()))
        }
    }

    /// Writes a consistent copy of a SQLite database to `file` while the server runs
    /// (PostgreSQL is backed up with its own `pg_dump`).
    pub async fn backup(&self, file: &std::path::Path) -> Result<(), StoreError> {
        match self {
            Self::Sqlite(s) => s.backup(file).await,
            Self::Postgres(_) => Err(StoreError::NotSqlite("backup")),
        }
    }

    /// The file of a `sqlite://` database URL.
    pub fn sqlite_file(url: &str) -> Result<std::path::PathBuf, StoreError> {
        if url.starts_with("sqlite:") {
            sqlite::file_of(url)
        } else {
            Err(StoreError::NotSqlite("restore"))
        }
    }

    /// Which database this is, for start-up lines.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Sqlite(_) => "SQLite",
            Self::Postgres(_) => "PostgreSQL",
        }
    }

    /// See [`Backend::close`].
    pub async fn close(&self) {
        each!(self.close())
    }

    /// See [`Backend::ensure_office`].
    pub async fn ensure_office(&self, office: &Office, epoch: &Epoch) -> Result<(), StoreError> {
        each!(self.ensure_office(office, epoch))
    }

    /// See [`Backend::add_office`].
    pub async fn add_office(&self, office: &Office, epoch: &Epoch) -> Result<(), StoreError> {
        each!(self.add_office(office, epoch))
    }

    /// See [`Backend::offices`].
    pub async fn offices(&self) -> Result<Vec<Office>, StoreError> {
        each!(self.offices())
    }

    /// See [`Backend::office`].
    pub async fn office(&self, code: &OfficeCode) -> Result<Option<Office>, StoreError> {
        each!(self.office(code))
    }

    /// The office's secret for hashing client addresses ([`Enrolments`]' failures): made
    /// at random the first time it is needed, so a hash cannot be reversed by hashing
    /// every address there is.
    pub async fn client_salt(
        &self,
        office: &OfficeCode,
        fresh: &str,
    ) -> Result<String, StoreError> {
        if let Some(salt) = each!(self.setting(office, CLIENT_SALT_KEY))? {
            return Ok(salt);
        }
        each!(self.set_setting(office, CLIENT_SALT_KEY, fresh))?;
        Ok(fresh.to_owned())
    }

    /// See [`Backend::enrol_device`].
    pub async fn enrol_device(
        &self,
        office: &OfficeCode,
        id: &DeviceId,
        name: &str,
        token_hash: &str,
        code_hash: &str,
        now_ms: i64,
    ) -> Result<Device, StoreError> {
        each!(self.enrol_device(office, id, name, token_hash, code_hash, now_ms))
    }

    /// See [`Backend::device_by_token_hash`].
    pub async fn device_by_token_hash(&self, hash: &str) -> Result<Option<Device>, StoreError> {
        each!(self.device_by_token_hash(hash))
    }

    /// See [`Backend::heads`].
    pub async fn heads(&self) -> Result<Vec<LogHead>, StoreError> {
        each!(self.heads())
    }

    /// See [`Backend::lookup`].
    pub async fn lookup(&self, office: &OfficeCode, ids: &[OpId]) -> Result<Lookup, StoreError> {
        each!(self.lookup(office, ids))
    }

    /// See [`Backend::tail`].
    pub async fn tail(
        &self,
        office: &OfficeCode,
        cursor: u64,
        limit: usize,
    ) -> Result<Vec<RawOp>, StoreError> {
        each!(self.tail(office, cursor, limit))
    }

    /// See [`Backend::append`].
    pub async fn append(
        &self,
        office: &OfficeCode,
        head: u64,
        ops: &[ServerOp],
    ) -> Result<Vec<RawOp>, StoreError> {
        each!(self.append(office, head, ops))
    }

    /// See [`Backend::office_log`].
    pub async fn office_log(&self, office: &OfficeCode) -> Result<Vec<ServerOp>, StoreError> {
        each!(self.office_log(office))
    }

    /// See [`Backend::mark_restored`].
    pub async fn mark_restored(
        &self,
        office: &OfficeCode,
        epoch: &Epoch,
        lost_head: u64,
    ) -> Result<(), StoreError> {
        each!(self.mark_restored(office, epoch, lost_head))
    }

    /// See [`Accounts::staff_pin`].
    pub async fn staff_pin(
        &self,
        office: &OfficeCode,
        staff: &StaffId,
    ) -> Result<Option<PinHash>, StoreError> {
        each!(self.staff_pin(office, staff))
    }

    /// See [`Accounts::set_staff_pin`].
    pub async fn set_staff_pin(
        &self,
        office: &OfficeCode,
        staff: &StaffId,
        pin: &PinHash,
    ) -> Result<(), StoreError> {
        each!(self.set_staff_pin(office, staff, pin))
    }

    /// See [`Accounts::first_staff_pin`].
    pub async fn first_staff_pin(
        &self,
        office: &OfficeCode,
        staff: &StaffId,
        pin: &PinHash,
    ) -> Result<bool, StoreError> {
        each!(self.first_staff_pin(office, staff, pin))
    }

    /// See [`Accounts::pin_throttle`].
    pub async fn pin_throttle(
        &self,
        office: &OfficeCode,
        subject: &str,
    ) -> Result<PinThrottle, StoreError> {
        each!(self.pin_throttle(office, subject))
    }

    /// See [`Accounts::set_pin_throttle`].
    pub async fn set_pin_throttle(
        &self,
        office: &OfficeCode,
        subject: &str,
        throttle: &PinThrottle,
    ) -> Result<(), StoreError> {
        each!(self.set_pin_throttle(office, subject, throttle))
    }

    /// See [`Accounts::issue_credential`].
    pub async fn issue_credential(
        &self,
        credential: &Credential,
        issued_ms: i64,
    ) -> Result<(), StoreError> {
        each!(self.issue_credential(credential, issued_ms))
    }

    /// See [`Accounts::credentials`].
    pub async fn credentials(&self, ids: &[CredentialId]) -> Result<Vec<Credential>, StoreError> {
        each!(self.credentials(ids))
    }

    /// See [`Accounts::revoke`].
    pub async fn revoke(
        &self,
        office: &OfficeCode,
        staff: &StaffId,
        device: Option<&DeviceId>,
        now_ms: i64,
    ) -> Result<u64, StoreError> {
        each!(self.revoke(office, staff, device, now_ms))
    }

    /// See [`Enrolments::add_admin_code`].
    pub async fn add_admin_code(
        &self,
        office: &OfficeCode,
        hash: &str,
        made_ms: i64,
        expires_ms: i64,
        made_by: &str,
        replace: bool,
    ) -> Result<(), StoreError> {
        each!(self.add_admin_code(office, hash, made_ms, expires_ms, made_by, replace))
    }

    /// See [`Enrolments::admin_code`].
    pub async fn admin_code(&self, hash: &str) -> Result<Option<StoredCode>, StoreError> {
        each!(self.admin_code(hash))
    }

    /// See [`Enrolments::drop_admin_code`].
    pub async fn drop_admin_code(&self, hash: &str) -> Result<(), StoreError> {
        each!(self.drop_admin_code(hash))
    }

    /// See [`Enrolments::has_live_code`].
    pub async fn has_live_code(
        &self,
        office: &OfficeCode,
        now_ms: i64,
    ) -> Result<bool, StoreError> {
        each!(self.has_live_code(office, now_ms))
    }

    /// See [`Enrolments::device_count`].
    pub async fn device_count(&self, office: &OfficeCode) -> Result<i64, StoreError> {
        each!(self.device_count(office))
    }

    /// See [`Enrolments::record_enrol_failure`].
    pub async fn record_enrol_failure(
        &self,
        office: &OfficeCode,
        failure: &EnrolFailure,
    ) -> Result<(), StoreError> {
        each!(self.record_enrol_failure(office, failure))
    }

    /// See [`Enrolments::note_sync`].
    pub async fn note_sync(
        &self,
        device: &DeviceId,
        at_ms: i64,
        pending: u32,
    ) -> Result<(), StoreError> {
        each!(self.note_sync(device, at_ms, pending))
    }

    /// See [`Enrolments::revoke_device`].
    pub async fn revoke_device(
        &self,
        office: &OfficeCode,
        device: &DeviceId,
        now_ms: i64,
    ) -> Result<bool, StoreError> {
        each!(self.revoke_device(office, device, now_ms))
    }

    /// See [`Enrolments::enrol_again`].
    pub async fn enrol_again(
        &self,
        device: &Device,
        name: &str,
        token_hash: &str,
        presented_hash: &str,
        code_hash: &str,
        now_ms: i64,
    ) -> Result<Device, StoreError> {
        each!(self.enrol_again(device, name, token_hash, presented_hash, code_hash, now_ms))
    }

    /// See [`Enrolments::device_for_again`].
    pub async fn device_for_again(
        &self,
        presented_hash: &str,
    ) -> Result<Option<Device>, StoreError> {
        each!(self.device_for_again(presented_hash))
    }

    /// See [`Enrolments::repeat_enrol_again`].
    pub async fn repeat_enrol_again(
        &self,
        presented_hash: &str,
        code_hash: &str,
        token_hash: &str,
        since_ms: i64,
    ) -> Result<Option<Device>, StoreError> {
        each!(self.repeat_enrol_again(presented_hash, code_hash, token_hash, since_ms))
    }

    /// See [`Enrolments::devices`].
    pub async fn devices(&self, office: &OfficeCode) -> Result<Vec<DeviceInfo>, StoreError> {
        each!(self.devices(office))
    }

    /// See [`Enrolments::enrol_failures`].
    pub async fn enrol_failures(
        &self,
        office: &OfficeCode,
        since_ms: i64,
        limit: usize,
    ) -> Result<(u64, Vec<EnrolFailure>), StoreError> {
        each!(self.enrol_failures(office, since_ms, limit))
    }

    /// See [`Accounts::signed_in`].
    pub async fn signed_in(&self, office: &OfficeCode) -> Result<Vec<SignedIn>, StoreError> {
        each!(self.signed_in(office))
    }
}

/// Now, as stored in `created_at` and `received_at` columns.
fn now() -> String {
    Utc::now().to_rfc3339_opts(SecondsFormat::Millis, true)
}

fn corrupt(what: &'static str, key: impl ToString, detail: impl ToString) -> StoreError {
    StoreError::Corrupt {
        what,
        key: key.to_string(),
        detail: detail.to_string(),
    }
}

/// Integers are signed in both databases; sequence numbers never go below 0.
fn seq_of(value: i64) -> u64 {
    u64::try_from(value).unwrap_or(0)
}

/// A sequence number or count as the databases bind it.
fn db_int(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

fn id_of<T>(what: &'static str, key: &str, value: Result<T, IdError>) -> Result<T, StoreError> {
    value.map_err(|e| corrupt(what, key, e))
}

/// An op row: `(seq, body, outcome)` as stored.
type OpRow = (i64, String, String);

fn server_op((seq, body, outcome): OpRow) -> Result<ServerOp, StoreError> {
    Ok(ServerOp {
        seq: seq_of(seq),
        op: serde_json::from_str(&body).map_err(|e| corrupt("op", seq, e))?,
        outcome: serde_json::from_str(&outcome).map_err(|e| corrupt("op", seq, e))?,
    })
}

/// An office row: `(code, name, utc_offset_minutes)`.
type OfficeRow = (String, String, i32);

fn office_of((code, name, utc_offset_minutes): OfficeRow) -> Result<Office, StoreError> {
    Ok(Office {
        code: id_of("office", &code, OfficeCode::new(code.clone()))?,
        name,
        utc_offset_minutes,
    })
}

/// The columns of a [`DeviceRow`], in its order, for `concat!` into every query that reads a
/// device (a literal, so the queries stay `&'static str` built at compile time).
macro_rules! device_columns {
    () => {
        "id, office, name, letter, revoked_ms"
    };
}
pub(crate) use device_columns;

/// A device row: `(id, office, name, letter, revoked_ms)`.
type DeviceRow = (String, String, String, String, Option<i64>);

fn device_of((id, office, name, letter, revoked_ms): DeviceRow) -> Result<Device, StoreError> {
    Ok(Device {
        id: id_of("device", &id, DeviceId::new(id.clone()))?,
        office: id_of("device", &id, OfficeCode::new(office))?,
        name,
        letter: id_of("device", &id, DeviceLetter::new(letter))?,
        revoked: revoked_ms.is_some(),
    })
}

/// A head row: `(code, epoch, head)`.
type HeadRow = (String, String, i64);

fn head_of((code, epoch, head): HeadRow) -> Result<LogHead, StoreError> {
    Ok(LogHead {
        epoch: Epoch::parse(&epoch).ok_or_else(|| corrupt("office", &code, "a bad epoch"))?,
        office: id_of("office", &code, OfficeCode::new(code.clone()))?,
        head: seq_of(head),
    })
}

/// The letter of the office's `enrolled + 1`th device.
fn next_letter(office: &OfficeCode, enrolled: i64) -> Result<DeviceLetter, StoreError> {
    u32::try_from(enrolled)
        .ok()
        .and_then(|n| DeviceLetter::nth(n).ok())
        .ok_or_else(|| StoreError::OfficeFull(office.clone()))
}

/// An op's columns as stored.
#[derive(Serialize)]
struct OpColumns {
    id: String,
    seq: i64,
    device: String,
    actor: String,
    kind: &'static str,
    at: String,
    body: String,
    outcome: String,
}

fn columns(o: &ServerOp) -> Result<OpColumns, StoreError> {
    let id = o.op.id.to_string();
    Ok(OpColumns {
        seq: db_int(o.seq),
        device: o.op.device.to_string(),
        actor: o.op.actor.to_string(),
        kind: o.op.kind(),
        at: o.op.at.to_rfc3339_opts(SecondsFormat::Millis, true),
        body: serde_json::to_string(&o.op).map_err(|e| corrupt("op", &id, e))?,
        outcome: serde_json::to_string(&o.outcome).map_err(|e| corrupt("op", &id, e))?,
        id,
    })
}

impl OpColumns {
    /// The op as an answer hands it back.
    fn raw(&self) -> Result<RawOp, StoreError> {
        RawOp::new(seq_of(self.seq), &self.body, &self.outcome)
    }
}

/// The columns of ops about to be appended, and the ops as answers will hand them back.
fn append_rows(ops: &[ServerOp]) -> Result<(Vec<OpColumns>, Vec<RawOp>), StoreError> {
    let rows = ops.iter().map(columns).collect::<Result<Vec<_>, _>>()?;
    let raw = rows.iter().map(OpColumns::raw).collect::<Result<_, _>>()?;
    Ok((rows, raw))
}
