//! Storage: the one module that speaks SQL. Handlers see typed methods (append ops, read
//! after a cursor, devices, settings), so a PostgreSQL store can later stand beside this
//! SQLite one without touching a handler.
//!
//! Writes that read before they write (enrolment, a push) open their transaction with
//! `BEGIN IMMEDIATE`: SQLite then takes the write lock up front, so two of them queue on
//! the busy timeout instead of failing half way with "database is locked".

use chrono::{SecondsFormat, Utc};
use loket_core::sync::{Pushed, ServerOp};
use loket_core::{DeviceId, DeviceLetter, IdError, Office, OfficeCode, Op, OpId, Outcome};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use std::path::Path;
use std::str::FromStr;
use std::time::Duration;
use thiserror::Error;

/// How long a writer waits for another's lock before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// The settings key of an office's admin code hash.
const ADMIN_CODE_KEY: &str = "admin_code_sha256";

/// Why a storage call failed.
#[derive(Debug, Error)]
pub enum StoreError {
    /// The database said no.
    #[error("database error: {0}")]
    Db(#[from] sqlx::Error),
    /// The schema could not be brought up to date.
    #[error("database migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
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
    /// An op id already stored for another device: ids are global, so this is not a retry.
    #[error("op id {0} is already taken by another device's op")]
    OpIdTaken(OpId),
    /// Every device letter of the office is in use.
    #[error("office {0} has no device letter left (A to ZZ are all taken)")]
    OfficeFull(OfficeCode),
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
}

/// The SQLite store. Cheap to clone: the pool is shared.
#[derive(Debug, Clone)]
pub struct Store {
    pool: SqlitePool,
}

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

/// SQLite integers are signed; sequence numbers never go below 1.
fn seq_of(value: i64) -> u64 {
    u64::try_from(value).unwrap_or(0)
}

fn id_of<T>(what: &'static str, key: &str, value: Result<T, IdError>) -> Result<T, StoreError> {
    value.map_err(|e| corrupt(what, key, e))
}

impl Store {
    /// Opens (creating the file and its folder when missing) and migrates the database.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        let options = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(BUSY_TIMEOUT);
        let file = options.get_filename();
        if let Some(dir) = file.parent().filter(|d| !d.as_os_str().is_empty())
            && !is_memory(file)
        {
            std::fs::create_dir_all(dir).map_err(|source| StoreError::CreateDir {
                path: dir.display().to_string(),
                source,
            })?;
        }
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .connect_with(options)
            .await?;
        sqlx::migrate!("./migrations").run(&pool).await?;
        Ok(Self { pool })
    }

    /// Waits for queries in flight, then closes every connection (and checkpoints the WAL).
    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// Creates the office, or updates its name and time zone to the configured ones.
    pub async fn ensure_office(&self, office: &Office) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO offices (code, name, utc_offset_minutes, created_at) VALUES (?, ?, ?, ?)
             ON CONFLICT (code) DO UPDATE
             SET name = excluded.name, utc_offset_minutes = excluded.utc_offset_minutes",
        )
        .bind(office.code.as_str())
        .bind(&office.name)
        .bind(office.utc_offset_minutes)
        .bind(now())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Every office, by code.
    pub async fn offices(&self) -> Result<Vec<Office>, StoreError> {
        let rows: Vec<(String, String, i32)> =
            sqlx::query_as("SELECT code, name, utc_offset_minutes FROM offices ORDER BY code")
                .fetch_all(&self.pool)
                .await?;
        rows.into_iter()
            .map(|(code, name, utc_offset_minutes)| {
                Ok(Office {
                    code: id_of("office", &code, OfficeCode::new(code.clone()))?,
                    name,
                    utc_offset_minutes,
                })
            })
            .collect()
    }

    /// One office.
    pub async fn office(&self, code: &OfficeCode) -> Result<Option<Office>, StoreError> {
        let row: Option<(String, i32)> =
            sqlx::query_as("SELECT name, utc_offset_minutes FROM offices WHERE code = ?")
                .bind(code.as_str())
                .fetch_optional(&self.pool)
                .await?;
        Ok(row.map(|(name, utc_offset_minutes)| Office {
            code: code.clone(),
            name,
            utc_offset_minutes,
        }))
    }

    /// The sha256 (hex) of the office's admin code, if one was ever made.
    pub async fn admin_code_hash(&self, office: &OfficeCode) -> Result<Option<String>, StoreError> {
        let value = sqlx::query_scalar("SELECT value FROM settings WHERE office = ? AND key = ?")
            .bind(office.as_str())
            .bind(ADMIN_CODE_KEY)
            .fetch_optional(&self.pool)
            .await?;
        Ok(value)
    }

    /// Stores the sha256 (hex) of a new admin code, replacing the old one.
    pub async fn set_admin_code_hash(
        &self,
        office: &OfficeCode,
        hash: &str,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO settings (office, key, value) VALUES (?, ?, ?)
             ON CONFLICT (office, key) DO UPDATE SET value = excluded.value",
        )
        .bind(office.as_str())
        .bind(ADMIN_CODE_KEY)
        .bind(hash)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Enrols a device with the office's next free letter, in one transaction, so two
    /// enrolments at once cannot take the same letter (`UNIQUE(office, letter)` backs it).
    pub async fn enrol_device(
        &self,
        office: &OfficeCode,
        id: &DeviceId,
        name: &str,
        token_hash: &str,
    ) -> Result<Device, StoreError> {
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let enrolled: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM devices WHERE office = ?")
            .bind(office.as_str())
            .fetch_one(&mut *tx)
            .await?;
        let letter = u32::try_from(enrolled)
            .ok()
            .and_then(|n| DeviceLetter::nth(n).ok())
            .ok_or_else(|| StoreError::OfficeFull(office.clone()))?;
        sqlx::query(
            "INSERT INTO devices (id, office, name, letter, token_hash, created_at)
             VALUES (?, ?, ?, ?, ?, ?)",
        )
        .bind(id.as_str())
        .bind(office.as_str())
        .bind(name)
        .bind(letter.as_str())
        .bind(token_hash)
        .bind(now())
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(Device {
            id: id.clone(),
            office: office.clone(),
            name: name.to_owned(),
            letter,
        })
    }

    /// The device holding a token, found by the token's sha256 (hex).
    pub async fn device_by_token_hash(&self, hash: &str) -> Result<Option<Device>, StoreError> {
        let row: Option<(String, String, String, String)> =
            sqlx::query_as("SELECT id, office, name, letter FROM devices WHERE token_hash = ?")
                .bind(hash)
                .fetch_optional(&self.pool)
                .await?;
        row.map(|(id, office, name, letter)| {
            Ok(Device {
                id: id_of("device", &id, DeviceId::new(id.clone()))?,
                office: id_of("device", &id, OfficeCode::new(office))?,
                name,
                letter: id_of("device", &id, DeviceLetter::new(letter))?,
            })
        })
        .transpose()
    }

    /// The highest sequence number given out, across all offices (0 when there is none).
    pub async fn head(&self) -> Result<u64, StoreError> {
        let head: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(seq), 0) FROM ops")
            .fetch_one(&self.pool)
            .await?;
        Ok(seq_of(head))
    }

    /// Every op of an office in server order, to fold its state at start-up.
    pub async fn office_ops(&self, office: &OfficeCode) -> Result<Vec<Op>, StoreError> {
        let rows: Vec<(i64, String)> =
            sqlx::query_as("SELECT seq, body FROM ops WHERE office = ? ORDER BY seq")
                .bind(office.as_str())
                .fetch_all(&self.pool)
                .await?;
        rows.into_iter()
            .map(|(seq, body)| serde_json::from_str(&body).map_err(|e| corrupt("op", seq, e)))
            .collect()
    }

    /// Appends ops in one transaction, in order: an id already stored answers its stored
    /// seq and outcome (`repeated`); a new op gets its outcome from `apply` and the next seq.
    ///
    /// The caller validated the ops (office, device, id version) before. If this fails,
    /// nothing was written, but `apply` may have been called: the caller must then drop
    /// whatever state `apply` changed.
    pub async fn append(
        &self,
        ops: &[Op],
        mut apply: impl FnMut(&Op) -> Outcome + Send,
    ) -> Result<Vec<Pushed>, StoreError> {
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let received_at = now();
        let mut pushed = Vec::with_capacity(ops.len());
        for op in ops {
            let id = op.id.to_string();
            let known: Option<(i64, String, String)> =
                sqlx::query_as("SELECT seq, device, outcome FROM ops WHERE id = ?")
                    .bind(&id)
                    .fetch_optional(&mut *tx)
                    .await?;
            if let Some((seq, device, outcome)) = known {
                if device != op.device.as_str() {
                    return Err(StoreError::OpIdTaken(op.id));
                }
                let outcome = serde_json::from_str(&outcome).map_err(|e| corrupt("op", seq, e))?;
                pushed.push(Pushed {
                    id: op.id,
                    seq: seq_of(seq),
                    outcome,
                    repeated: true,
                });
                continue;
            }
            let outcome = apply(op);
            let body = serde_json::to_string(op).map_err(|e| corrupt("op", &id, e))?;
            let outcome_json =
                serde_json::to_string(&outcome).map_err(|e| corrupt("op", &id, e))?;
            let seq: i64 = sqlx::query_scalar(
                "INSERT INTO ops (id, office, device, actor, kind, at, body, outcome, received_at)
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING seq",
            )
            .bind(&id)
            .bind(op.office.as_str())
            .bind(op.device.as_str())
            .bind(op.actor.as_str())
            .bind(op.kind())
            .bind(op.at.to_rfc3339_opts(SecondsFormat::Millis, true))
            .bind(body)
            .bind(outcome_json)
            .bind(&received_at)
            .fetch_one(&mut *tx)
            .await?;
            pushed.push(Pushed {
                id: op.id,
                seq: seq_of(seq),
                outcome,
                repeated: false,
            });
        }
        tx.commit().await?;
        Ok(pushed)
    }

    /// Up to `limit` ops of an office after `cursor`, in server order, and whether more wait.
    pub async fn ops_after(
        &self,
        office: &OfficeCode,
        cursor: u64,
        limit: usize,
    ) -> Result<(Vec<ServerOp>, bool), StoreError> {
        // One row past the page tells whether there are more, without a second query.
        let fetch = i64::try_from(limit.saturating_add(1)).unwrap_or(i64::MAX);
        let rows: Vec<(i64, String, String)> = sqlx::query_as(
            "SELECT seq, body, outcome FROM ops WHERE office = ? AND seq > ? ORDER BY seq LIMIT ?",
        )
        .bind(office.as_str())
        .bind(i64::try_from(cursor).unwrap_or(i64::MAX))
        .bind(fetch)
        .fetch_all(&self.pool)
        .await?;
        let more = rows.len() > limit;
        let ops = rows
            .into_iter()
            .take(limit)
            .map(|(seq, body, outcome)| {
                Ok(ServerOp {
                    seq: seq_of(seq),
                    op: serde_json::from_str(&body).map_err(|e| corrupt("op", seq, e))?,
                    outcome: serde_json::from_str(&outcome).map_err(|e| corrupt("op", seq, e))?,
                })
            })
            .collect::<Result<_, StoreError>>()?;
        Ok((ops, more))
    }
}

fn is_memory(file: &Path) -> bool {
    file.as_os_str() == ":memory:"
}
