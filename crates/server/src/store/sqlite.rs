//! The SQLite backend, the embedded default: one file, WAL, and `synchronous=FULL` so an
//! op the server answered survives a power cut.
//!
//! Writes that read before they write (enrolment, a push) open their transaction with
//! `BEGIN IMMEDIATE`: SQLite then takes the write lock up front, so two of them queue on
//! the busy timeout instead of failing half way with "database is locked".

use super::{
    Backend, Device, DeviceRow, HeadRow, LogHead, Lookup, OfficeRow, OpRow, RawOp, StoreError,
    append_rows, corrupt, db_int, device_of, head_of, next_letter, now, office_of, raw::raw_op,
    server_op,
};
use loket_core::sync::{Epoch, ServerOp};
use loket_core::{DeviceId, Office, OfficeCode, OpId};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

/// How long a writer waits for another's lock before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// The SQLite store. Cheap to clone: the pool is shared.
#[derive(Debug, Clone)]
pub struct SqliteStore {
    pool: SqlitePool,
}

super::enrolment::enrolment_for!(SqliteStore);
super::accounts::accounts_for!(SqliteStore);

impl SqliteStore {
    /// Opens (creating the file and its folder when missing) and migrates the database.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        let options = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            // A commit is on disk before the device is told: NORMAL may lose the last
            // transactions on a power cut, and those ops would then be answered twice.
            .synchronous(SqliteSynchronous::Full)
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
        sqlx::migrate!("./migrations/sqlite").run(&pool).await?;
        Ok(Self { pool })
    }
}

impl SqliteStore {
    /// Writes a consistent copy of the database to `file` (`VACUUM INTO`), while it runs.
    pub async fn backup(&self, file: &Path) -> Result<(), StoreError> {
        sqlx::query("VACUUM INTO ?")
            .bind(file.display().to_string())
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}

/// The database file a `sqlite://` URL names.
pub fn file_of(url: &str) -> Result<PathBuf, StoreError> {
    Ok(SqliteConnectOptions::from_str(url)?
        .get_filename()
        .to_path_buf())
}

fn is_memory(file: &Path) -> bool {
    file.as_os_str() == ":memory:"
}

impl Backend for SqliteStore {
    async fn close(&self) {
        self.pool.close().await;
    }

    async fn ensure_office(&self, office: &Office, epoch: &Epoch) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO offices (code, name, utc_offset_minutes, created_at, epoch, head)
             VALUES (?, ?, ?, ?, ?, 0)
             ON CONFLICT (code) DO UPDATE
             SET name = excluded.name, utc_offset_minutes = excluded.utc_offset_minutes",
        )
        .bind(office.code.as_str())
        .bind(&office.name)
        .bind(office.utc_offset_minutes)
        .bind(now())
        .bind(epoch.as_str())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn add_office(&self, office: &Office, epoch: &Epoch) -> Result<(), StoreError> {
        let added = sqlx::query(
            "INSERT INTO offices (code, name, utc_offset_minutes, created_at, epoch, head)
             VALUES (?, ?, ?, ?, ?, 0) ON CONFLICT (code) DO NOTHING",
        )
        .bind(office.code.as_str())
        .bind(&office.name)
        .bind(office.utc_offset_minutes)
        .bind(now())
        .bind(epoch.as_str())
        .execute(&self.pool)
        .await?;
        if added.rows_affected() == 0 {
            return Err(StoreError::OfficeExists(office.code.clone()));
        }
        Ok(())
    }

    async fn offices(&self) -> Result<Vec<Office>, StoreError> {
        let rows: Vec<OfficeRow> =
            sqlx::query_as("SELECT code, name, utc_offset_minutes FROM offices ORDER BY code")
                .fetch_all(&self.pool)
                .await?;
        rows.into_iter().map(office_of).collect()
    }

    async fn office(&self, code: &OfficeCode) -> Result<Option<Office>, StoreError> {
        let row: Option<OfficeRow> =
            sqlx::query_as("SELECT code, name, utc_offset_minutes FROM offices WHERE code = ?")
                .bind(code.as_str())
                .fetch_optional(&self.pool)
                .await?;
        row.map(office_of).transpose()
    }

    async fn setting(&self, office: &OfficeCode, key: &str) -> Result<Option<String>, StoreError> {
        Ok(
            sqlx::query_scalar("SELECT value FROM settings WHERE office = ? AND key = ?")
                .bind(office.as_str())
                .bind(key)
                .fetch_optional(&self.pool)
                .await?,
        )
    }

    async fn set_setting(
        &self,
        office: &OfficeCode,
        key: &str,
        value: &str,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO settings (office, key, value) VALUES (?, ?, ?)
             ON CONFLICT (office, key) DO UPDATE SET value = excluded.value",
        )
        .bind(office.as_str())
        .bind(key)
        .bind(value)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn enrol_device(
        &self,
        office: &OfficeCode,
        id: &DeviceId,
        name: &str,
        token_hash: &str,
        code_hash: &str,
        now_ms: i64,
    ) -> Result<Device, StoreError> {
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let spent = sqlx::query(super::enrolment::SPEND_CODE)
            .bind(code_hash)
            .bind(office.as_str())
            .bind(now_ms)
            .execute(&mut *tx)
            .await?;
        if spent.rows_affected() != 1 {
            return Err(StoreError::CodeSpent);
        }
        let enrolled: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM devices WHERE office = ?")
            .bind(office.as_str())
            .fetch_one(&mut *tx)
            .await?;
        let letter = next_letter(office, enrolled)?;
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
            revoked: false,
        })
    }

    async fn device_by_token_hash(&self, hash: &str) -> Result<Option<Device>, StoreError> {
        let row: Option<DeviceRow> = sqlx::query_as(concat!(
            "SELECT ",
            super::device_columns!(),
            " FROM devices WHERE token_hash = ?"
        ))
        .bind(hash)
        .fetch_optional(&self.pool)
        .await?;
        row.map(device_of).transpose()
    }

    async fn heads(&self) -> Result<Vec<LogHead>, StoreError> {
        let rows: Vec<HeadRow> =
            sqlx::query_as("SELECT code, epoch, head FROM offices ORDER BY code")
                .fetch_all(&self.pool)
                .await?;
        rows.into_iter().map(head_of).collect()
    }

    async fn lookup(&self, office: &OfficeCode, ids: &[OpId]) -> Result<Lookup, StoreError> {
        // One read transaction: the head and the known ids agree with each other.
        let mut tx = self.pool.begin().await?;
        let head: Option<HeadRow> =
            sqlx::query_as("SELECT code, epoch, head FROM offices WHERE code = ?")
                .bind(office.as_str())
                .fetch_optional(&mut *tx)
                .await?;
        let head = head_of(head.ok_or_else(|| StoreError::NoOffice(office.clone()))?)?;
        let known: Vec<OpRow> = if ids.is_empty() {
            Vec::new()
        } else {
            let ids: Vec<String> = ids.iter().map(ToString::to_string).collect();
            let ids = serde_json::to_string(&ids).map_err(|e| corrupt("request", "ids", e))?;
            sqlx::query_as(
                "SELECT seq, body, outcome FROM ops
                 WHERE id IN (SELECT value FROM json_each(?))",
            )
            .bind(ids)
            .fetch_all(&mut *tx)
            .await?
        };
        tx.commit().await?;
        Ok(Lookup {
            epoch: head.epoch,
            head: head.head,
            known: known.into_iter().map(server_op).collect::<Result<_, _>>()?,
        })
    }

    async fn tail(
        &self,
        office: &OfficeCode,
        cursor: u64,
        limit: usize,
    ) -> Result<Vec<RawOp>, StoreError> {
        let rows: Vec<OpRow> = sqlx::query_as(
            "SELECT seq, body, outcome FROM ops WHERE office = ? AND seq > ? ORDER BY seq LIMIT ?",
        )
        .bind(office.as_str())
        .bind(db_int(cursor))
        .bind(db_int(limit as u64))
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(raw_op).collect()
    }

    async fn append(
        &self,
        office: &OfficeCode,
        head: u64,
        ops: &[ServerOp],
    ) -> Result<Vec<RawOp>, StoreError> {
        let Some(last) = ops.last() else {
            return Ok(Vec::new());
        };
        let (rows, raw) = append_rows(ops)?;
        // Every row in one statement: a push of many ops costs one call into SQLite.
        let rows = serde_json::to_string(&rows).map_err(|e| corrupt("op", last.seq, e))?;
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let moved = sqlx::query("UPDATE offices SET head = ? WHERE code = ? AND head = ?")
            .bind(db_int(last.seq))
            .bind(office.as_str())
            .bind(db_int(head))
            .execute(&mut *tx)
            .await?;
        if moved.rows_affected() != 1 {
            return Err(StoreError::HeadMoved(office.clone()));
        }
        sqlx::query(
            "INSERT INTO ops (office, seq, id, device, actor, kind, at, body, outcome, received_at)
             SELECT ?, value ->> '$.seq', value ->> '$.id', value ->> '$.device',
                    value ->> '$.actor', value ->> '$.kind', value ->> '$.at',
                    value ->> '$.body', value ->> '$.outcome', ?
             FROM json_each(?) ORDER BY key",
        )
        .bind(office.as_str())
        .bind(now())
        .bind(rows)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(raw)
    }

    async fn office_log(&self, office: &OfficeCode) -> Result<Vec<ServerOp>, StoreError> {
        let rows: Vec<OpRow> =
            sqlx::query_as("SELECT seq, body, outcome FROM ops WHERE office = ? ORDER BY seq")
                .bind(office.as_str())
                .fetch_all(&self.pool)
                .await?;
        rows.into_iter().map(server_op).collect()
    }

    async fn mark_restored(
        &self,
        office: &OfficeCode,
        epoch: &Epoch,
        lost_head: u64,
    ) -> Result<(), StoreError> {
        let marked = sqlx::query(
            "UPDATE offices SET epoch = ?, head = MAX(head, ?,
                 COALESCE((SELECT MAX(seq) FROM ops WHERE ops.office = offices.code), 0))
             WHERE code = ?",
        )
        .bind(epoch.as_str())
        .bind(db_int(lost_head))
        .bind(office.as_str())
        .execute(&self.pool)
        .await?;
        if marked.rows_affected() == 0 {
            return Err(StoreError::NoOffice(office.clone()));
        }
        Ok(())
    }
}
