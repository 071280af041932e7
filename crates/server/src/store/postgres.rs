//! The PostgreSQL backend, for many offices on one server. Commits are durable by
//! PostgreSQL's default (`synchronous_commit = on`).
//!
//! Writes that read before they write lock the office's row first (`FOR UPDATE`), so two
//! enrolments or pushes of one office queue instead of racing.

use super::{
    Backend, Device, DeviceRow, HeadRow, LogHead, Lookup, OfficeRow, OpColumns, OpRow, RawOp,
    StoreError, append_rows, db_int, device_of, head_of, next_letter, now, office_of, raw::raw_op,
    server_op,
};
use loket_core::sync::{Epoch, ServerOp};
use loket_core::{DeviceId, Office, OfficeCode, OpId};
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use std::str::FromStr;
use std::time::Duration;

/// How long a request waits for a free connection before failing.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(10);

/// The PostgreSQL store. Cheap to clone: the pool is shared.
#[derive(Debug, Clone)]
pub struct PgStore {
    pool: PgPool,
}

super::enrolment::enrolment_for!(PgStore);
super::accounts::accounts_for!(PgStore);

impl PgStore {
    /// Connects and migrates the database (which must exist).
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        let options = PgConnectOptions::from_str(url)?;
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(ACQUIRE_TIMEOUT)
            .connect_with(options)
            .await?;
        sqlx::migrate!("./migrations/postgres").run(&pool).await?;
        Ok(Self { pool })
    }
}

impl Backend for PgStore {
    async fn close(&self) {
        self.pool.close().await;
    }

    async fn ensure_office(&self, office: &Office, epoch: &Epoch) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO offices (code, name, utc_offset_minutes, created_at, epoch, head)
             VALUES ($1, $2, $3, $4, $5, 0)
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
             VALUES ($1, $2, $3, $4, $5, 0) ON CONFLICT (code) DO NOTHING",
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
            sqlx::query_as("SELECT code, name, utc_offset_minutes FROM offices WHERE code = $1")
                .bind(code.as_str())
                .fetch_optional(&self.pool)
                .await?;
        row.map(office_of).transpose()
    }

    async fn setting(&self, office: &OfficeCode, key: &str) -> Result<Option<String>, StoreError> {
        Ok(
            sqlx::query_scalar("SELECT value FROM settings WHERE office = $1 AND key = $2")
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
            "INSERT INTO settings (office, key, value) VALUES ($1, $2, $3)
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
        let mut tx = self.pool.begin().await?;
        // Letters are handed out one enrolment at a time per office.
        sqlx::query("SELECT code FROM offices WHERE code = $1 FOR UPDATE")
            .bind(office.as_str())
            .execute(&mut *tx)
            .await?;
        let spent = sqlx::query(super::enrolment::SPEND_CODE)
            .bind(code_hash)
            .bind(office.as_str())
            .bind(now_ms)
            .execute(&mut *tx)
            .await?;
        if spent.rows_affected() != 1 {
            return Err(StoreError::CodeSpent);
        }
        let enrolled: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM devices WHERE office = $1")
            .bind(office.as_str())
            .fetch_one(&mut *tx)
            .await?;
        let letter = next_letter(office, enrolled)?;
        sqlx::query(
            "INSERT INTO devices (id, office, name, letter, token_hash, created_at)
             VALUES ($1, $2, $3, $4, $5, $6)",
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
            " FROM devices WHERE token_hash = $1"
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
            sqlx::query_as("SELECT code, epoch, head FROM offices WHERE code = $1")
                .bind(office.as_str())
                .fetch_optional(&mut *tx)
                .await?;
        let head = head_of(head.ok_or_else(|| StoreError::NoOffice(office.clone()))?)?;
        let known: Vec<OpRow> = if ids.is_empty() {
            Vec::new()
        } else {
            let ids: Vec<String> = ids.iter().map(ToString::to_string).collect();
            sqlx::query_as("SELECT seq, body, outcome FROM ops WHERE id = ANY($1)")
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
            "SELECT seq, body, outcome FROM ops WHERE office = $1 AND seq > $2 ORDER BY seq LIMIT $3",
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
        let mut tx = self.pool.begin().await?;
        let moved = sqlx::query("UPDATE offices SET head = $1 WHERE code = $2 AND head = $3")
            .bind(db_int(last.seq))
            .bind(office.as_str())
            .bind(db_int(head))
            .execute(&mut *tx)
            .await?;
        if moved.rows_affected() != 1 {
            return Err(StoreError::HeadMoved(office.clone()));
        }
        // Every row in one statement, one column an array: a push of many ops is one round
        // trip to the database, not one per op.
        let column = |f: fn(&OpColumns) -> &str| rows.iter().map(f).collect::<Vec<&str>>();
        let seqs: Vec<i64> = rows.iter().map(|r| r.seq).collect();
        sqlx::query(
            "INSERT INTO ops (office, seq, id, device, actor, kind, at, body, outcome, received_at)
             SELECT $1, r.*, $10 FROM UNNEST($2::BIGINT[], $3::TEXT[], $4::TEXT[], $5::TEXT[],
                 $6::TEXT[], $7::TEXT[], $8::TEXT[], $9::TEXT[]) AS r",
        )
        .bind(office.as_str())
        .bind(seqs)
        .bind(column(|r| &r.id))
        .bind(column(|r| &r.device))
        .bind(column(|r| &r.actor))
        .bind(column(|r| r.kind))
        .bind(column(|r| &r.at))
        .bind(column(|r| &r.body))
        .bind(column(|r| &r.outcome))
        .bind(now())
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(raw)
    }

    async fn office_log(&self, office: &OfficeCode) -> Result<Vec<ServerOp>, StoreError> {
        let rows: Vec<OpRow> =
            sqlx::query_as("SELECT seq, body, outcome FROM ops WHERE office = $1 ORDER BY seq")
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
            "UPDATE offices SET epoch = $1, head = GREATEST(head, $2,
                 COALESCE((SELECT MAX(seq) FROM ops WHERE ops.office = offices.code), 0))
             WHERE code = $3",
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
