//! Enrolment in the database: the admin codes (each enrols one device, until it expires;
//! only their sha256 is kept) and the refused enrolments the admin sees. The SQL is the
//! same on both databases, written once and implemented for each backend by
//! [`enrolment_for!`]. Spending a code happens inside
//! [`Backend::enrol_device`](super::Backend::enrol_device), in the transaction that gives
//! the device its letter, so two devices cannot both spend one code.

use super::{Device, StoreError, corrupt, id_of};
use loket_core::enrol::{DeviceInfo, EnrolFailure, FailureReason};
use loket_core::{DeviceId, DeviceLetter, OfficeCode};

/// A stored admin code: its office and when it expires.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredCode {
    /// The office it enrols into.
    pub office: OfficeCode,
    /// When it stops working (Unix milliseconds).
    pub expires_ms: i64,
}

pub(super) fn stored_code((office, expires_ms): (String, i64)) -> Result<StoredCode, StoreError> {
    Ok(StoredCode {
        office: id_of("admin code", &office, OfficeCode::new(office.clone()))?,
        expires_ms,
    })
}

pub(super) fn reason_text(reason: FailureReason) -> &'static str {
    match reason {
        FailureReason::WrongCode => "wrong_code",
        FailureReason::ExpiredCode => "expired_code",
    }
}

pub(super) fn failure_of(
    (at_ms, client, reason): (i64, String, String),
) -> Result<EnrolFailure, StoreError> {
    let reason = match reason.as_str() {
        "wrong_code" => FailureReason::WrongCode,
        "expired_code" => FailureReason::ExpiredCode,
        other => return Err(corrupt("enrol failure", at_ms, other)),
    };
    Ok(EnrolFailure {
        at_ms,
        client,
        reason,
    })
}

/// Spends an unexpired admin code (`$1` hash, `$2` office, `$3` now in ms), inside
/// [`Backend::enrol_device`](super::Backend::enrol_device)'s transaction: one row
/// affected, or the code no longer works. Numbered parameters read the same on both
/// databases.
pub(super) const SPEND_CODE: &str =
    "DELETE FROM admin_codes WHERE hash = $1 AND office = $2 AND expires_ms > $3";

/// A device row for the admin's list: `(id, name, letter, last_sync_ms, pending,
/// revoked_ms)`.
pub(super) type DeviceInfoRow = (String, String, String, Option<i64>, i64, Option<i64>);

pub(super) fn device_info_of(
    (id, name, letter, last_sync_ms, pending, revoked_ms): DeviceInfoRow,
) -> Result<DeviceInfo, StoreError> {
    Ok(DeviceInfo {
        device: id_of("device", &id, DeviceId::new(id.clone()))?,
        name,
        letter: id_of("device", &id, DeviceLetter::new(letter))?,
        last_sync_ms,
        pending: u32::try_from(pending).unwrap_or(0),
        revoked: revoked_ms.is_some(),
    })
}

/// Refused enrolments kept per office; older ones are dropped as new ones come, so a
/// flood of guesses cannot fill the disk.
pub const FAILURES_KEPT: i64 = 1000;

/// Admin codes and refused enrolments; both backends implement it with the same SQL.
#[allow(async_fn_in_trait)] // Used through `Store`, never as `dyn`.
pub trait Enrolments {
    /// Stores a new code's hash; with `replace`, the office's other unspent codes stop
    /// working (`reset-admin-code`: a code that may have leaked is void).
    async fn add_admin_code(
        &self,
        office: &OfficeCode,
        hash: &str,
        made_ms: i64,
        expires_ms: i64,
        made_by: &str,
        replace: bool,
    ) -> Result<(), StoreError>;
    /// The unspent code with this hash, expired or not.
    async fn admin_code(&self, hash: &str) -> Result<Option<StoredCode>, StoreError>;
    /// Drops an expired code (it can never be spent).
    async fn drop_admin_code(&self, hash: &str) -> Result<(), StoreError>;
    /// Whether the office has an unspent code that works at `now_ms`.
    async fn has_live_code(&self, office: &OfficeCode, now_ms: i64) -> Result<bool, StoreError>;
    /// How many devices the office ever enrolled.
    async fn device_count(&self, office: &OfficeCode) -> Result<i64, StoreError>;
    /// Records a refused enrolment, dropping the office's oldest beyond [`FAILURES_KEPT`].
    async fn record_enrol_failure(
        &self,
        office: &OfficeCode,
        failure: &EnrolFailure,
    ) -> Result<(), StoreError>;
    /// Notes that `device` synced at `at_ms` holding `pending` ops.
    async fn note_sync(
        &self,
        device: &DeviceId,
        at_ms: i64,
        pending: u32,
    ) -> Result<(), StoreError>;
    /// Revokes `device` of `office`; `false` when the office has no such device.
    async fn revoke_device(
        &self,
        office: &OfficeCode,
        device: &DeviceId,
        now_ms: i64,
    ) -> Result<bool, StoreError>;
    /// Enrols `device` again (revoked or not) with a new token and name, spending the admin
    /// code with hash `code_hash` in the same transaction ([`StoreError::CodeSpent`] and
    /// nothing written when it no longer works). Its id and letter stay; the token it came
    /// with (`presented_hash`) and the code are kept until the new token is heard from, for
    /// [`Enrolments::repeat_enrol_again`].
    async fn enrol_again(
        &self,
        device: &Device,
        name: &str,
        token_hash: &str,
        presented_hash: &str,
        code_hash: &str,
        now_ms: i64,
    ) -> Result<Device, StoreError>;
    /// The device a token names for enrolling again: its current token, or the one it was
    /// enrolled again from while the new one has not been heard from (the answer may have
    /// been lost).
    async fn device_for_again(&self, presented_hash: &str) -> Result<Option<Device>, StoreError>;
    /// An enrolment again tried once more with the same old token and the same (spent) code
    /// after its answer was lost: the device gets `token_hash` as its token, if it was
    /// enrolled again from that token with that code after `since_ms` and has not synced
    /// with the new token since. `None` changes nothing.
    async fn repeat_enrol_again(
        &self,
        presented_hash: &str,
        code_hash: &str,
        token_hash: &str,
        since_ms: i64,
    ) -> Result<Option<Device>, StoreError>;
    /// The office's devices, in enrolment order.
    async fn devices(&self, office: &OfficeCode) -> Result<Vec<DeviceInfo>, StoreError>;
    /// How many refused enrolments since `since_ms`, and the newest `limit` of them.
    async fn enrol_failures(
        &self,
        office: &OfficeCode,
        since_ms: i64,
        limit: usize,
    ) -> Result<(u64, Vec<EnrolFailure>), StoreError>;
}

/// Implements [`Enrolments`] for a backend with a `pool` field.
macro_rules! enrolment_for {
    ($store:ty) => {
        impl $crate::store::enrolment::Enrolments for $store {
            async fn add_admin_code(
                &self,
                office: &loket_core::OfficeCode,
                hash: &str,
                made_ms: i64,
                expires_ms: i64,
                made_by: &str,
                replace: bool,
            ) -> Result<(), $crate::store::StoreError> {
                let mut tx = self.pool.begin().await?;
                if replace {
                    sqlx::query("DELETE FROM admin_codes WHERE office = $1")
                        .bind(office.as_str())
                        .execute(&mut *tx)
                        .await?;
                }
                // Codes past their time are of no use to anyone; they go as new ones come.
                sqlx::query("DELETE FROM admin_codes WHERE office = $1 AND expires_ms <= $2")
                    .bind(office.as_str())
                    .bind(made_ms)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query(
                    "INSERT INTO admin_codes (hash, office, made_ms, expires_ms, made_by)
                     VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(hash)
                .bind(office.as_str())
                .bind(made_ms)
                .bind(expires_ms)
                .bind(made_by)
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(())
            }

            async fn admin_code(
                &self,
                hash: &str,
            ) -> Result<Option<$crate::store::enrolment::StoredCode>, $crate::store::StoreError>
            {
                let row: Option<(String, i64)> =
                    sqlx::query_as("SELECT office, expires_ms FROM admin_codes WHERE hash = $1")
                        .bind(hash)
                        .fetch_optional(&self.pool)
                        .await?;
                row.map($crate::store::enrolment::stored_code).transpose()
            }

            async fn drop_admin_code(&self, hash: &str) -> Result<(), $crate::store::StoreError> {
                sqlx::query("DELETE FROM admin_codes WHERE hash = $1")
                    .bind(hash)
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            async fn has_live_code(
                &self,
                office: &loket_core::OfficeCode,
                now_ms: i64,
            ) -> Result<bool, $crate::store::StoreError> {
                let n: i64 = sqlx::query_scalar(
                    "SELECT COUNT(*) FROM admin_codes WHERE office = $1 AND expires_ms > $2",
                )
                .bind(office.as_str())
                .bind(now_ms)
                .fetch_one(&self.pool)
                .await?;
                Ok(n > 0)
            }

            async fn device_count(
                &self,
                office: &loket_core::OfficeCode,
            ) -> Result<i64, $crate::store::StoreError> {
                Ok(
                    sqlx::query_scalar("SELECT COUNT(*) FROM devices WHERE office = $1")
                        .bind(office.as_str())
                        .fetch_one(&self.pool)
                        .await?,
                )
            }

            async fn record_enrol_failure(
                &self,
                office: &loket_core::OfficeCode,
                failure: &loket_core::enrol::EnrolFailure,
            ) -> Result<(), $crate::store::StoreError> {
                let mut tx = self.pool.begin().await?;
                sqlx::query(
                    "INSERT INTO enrol_failures (office, at_ms, client, reason)
                     VALUES ($1, $2, $3, $4)",
                )
                .bind(office.as_str())
                .bind(failure.at_ms)
                .bind(&failure.client)
                .bind($crate::store::enrolment::reason_text(failure.reason))
                .execute(&mut *tx)
                .await?;
                sqlx::query(
                    "DELETE FROM enrol_failures WHERE office = $1 AND id NOT IN
                     (SELECT id FROM enrol_failures WHERE office = $1 ORDER BY id DESC LIMIT $2)",
                )
                .bind(office.as_str())
                .bind($crate::store::enrolment::FAILURES_KEPT)
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(())
            }

            async fn note_sync(
                &self,
                device: &loket_core::DeviceId,
                at_ms: i64,
                pending: u32,
            ) -> Result<(), $crate::store::StoreError> {
                // A sync with the token means it arrived: an enrolment again can no longer be repeated.
                sqlx::query(
                    "UPDATE devices SET last_sync_ms = $1, pending = $2,
                         previous_token_hash = NULL, again_code_hash = NULL, again_ms = NULL
                     WHERE id = $3",
                )
                    .bind(at_ms)
                    .bind(i64::from(pending))
                    .bind(device.as_str())
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            async fn revoke_device(
                &self,
                office: &loket_core::OfficeCode,
                device: &loket_core::DeviceId,
                now_ms: i64,
            ) -> Result<bool, $crate::store::StoreError> {
                let done = sqlx::query(
                    "UPDATE devices SET revoked_ms = COALESCE(revoked_ms, $1),
                         previous_token_hash = NULL, again_code_hash = NULL, again_ms = NULL
                     WHERE office = $2 AND id = $3",
                )
                .bind(now_ms)
                .bind(office.as_str())
                .bind(device.as_str())
                .execute(&self.pool)
                .await?;
                Ok(done.rows_affected() == 1)
            }

            async fn enrol_again(
                &self,
                device: &$crate::store::Device,
                name: &str,
                token_hash: &str,
                presented_hash: &str,
                code_hash: &str,
                now_ms: i64,
            ) -> Result<$crate::store::Device, $crate::store::StoreError> {
                let mut tx = self.pool.begin().await?;
                let spent = sqlx::query($crate::store::enrolment::SPEND_CODE)
                    .bind(code_hash)
                    .bind(device.office.as_str())
                    .bind(now_ms)
                    .execute(&mut *tx)
                    .await?;
                if spent.rows_affected() != 1 {
                    return Err($crate::store::StoreError::CodeSpent);
                }
                sqlx::query(
                    "UPDATE devices SET token_hash = $1, name = $2, revoked_ms = NULL,
                         previous_token_hash = $3, again_code_hash = $4, again_ms = $5
                     WHERE id = $6",
                )
                .bind(token_hash)
                .bind(name)
                .bind(presented_hash)
                .bind(code_hash)
                .bind(now_ms)
                .bind(device.id.as_str())
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok($crate::store::Device {
                    name: name.to_owned(),
                    revoked: false,
                    ..device.clone()
                })
            }

            async fn device_for_again(
                &self,
                presented_hash: &str,
            ) -> Result<Option<$crate::store::Device>, $crate::store::StoreError> {
                let row: Option<$crate::store::DeviceRow> = sqlx::query_as(concat!(
                    "SELECT ",
                    $crate::store::device_columns!(),
                    " FROM devices WHERE token_hash = $1 OR previous_token_hash = $1"
                ))
                .bind(presented_hash)
                .fetch_optional(&self.pool)
                .await?;
                row.map($crate::store::device_of).transpose()
            }

            async fn repeat_enrol_again(
                &self,
                presented_hash: &str,
                code_hash: &str,
                token_hash: &str,
                since_ms: i64,
            ) -> Result<Option<$crate::store::Device>, $crate::store::StoreError> {
                // One conditional statement: of two repeats at once, both may win in turn, and
                // a device revoked meanwhile is not given a token.
                let row: Option<$crate::store::DeviceRow> = sqlx::query_as(concat!(
                    "UPDATE devices SET token_hash = $1
                     WHERE previous_token_hash = $2 AND again_code_hash = $3 AND again_ms > $4
                       AND revoked_ms IS NULL
                     RETURNING ",
                    $crate::store::device_columns!()
                ))
                .bind(token_hash)
                .bind(presented_hash)
                .bind(code_hash)
                .bind(since_ms)
                .fetch_optional(&self.pool)
                .await?;
                row.map($crate::store::device_of).transpose()
            }

            async fn devices(
                &self,
                office: &loket_core::OfficeCode,
            ) -> Result<Vec<loket_core::enrol::DeviceInfo>, $crate::store::StoreError> {
                let rows: Vec<$crate::store::enrolment::DeviceInfoRow> = sqlx::query_as(
                    "SELECT id, name, letter, last_sync_ms, CAST(pending AS BIGINT), revoked_ms FROM devices
                     WHERE office = $1 ORDER BY created_at, id",
                )
                .bind(office.as_str())
                .fetch_all(&self.pool)
                .await?;
                rows.into_iter()
                    .map($crate::store::enrolment::device_info_of)
                    .collect()
            }

            async fn enrol_failures(
                &self,
                office: &loket_core::OfficeCode,
                since_ms: i64,
                limit: usize,
            ) -> Result<(u64, Vec<loket_core::enrol::EnrolFailure>), $crate::store::StoreError>
            {
                let count: i64 = sqlx::query_scalar(
                    "SELECT COUNT(*) FROM enrol_failures WHERE office = $1 AND at_ms >= $2",
                )
                .bind(office.as_str())
                .bind(since_ms)
                .fetch_one(&self.pool)
                .await?;
                let rows: Vec<(i64, String, String)> = sqlx::query_as(
                    "SELECT at_ms, client, reason FROM enrol_failures WHERE office = $1
                     ORDER BY id DESC LIMIT $2",
                )
                .bind(office.as_str())
                .bind(i64::try_from(limit).unwrap_or(i64::MAX))
                .fetch_all(&self.pool)
                .await?;
                let recent = rows
                    .into_iter()
                    .map($crate::store::enrolment::failure_of)
                    .collect::<Result<_, _>>()?;
                Ok((u64::try_from(count).unwrap_or(0), recent))
            }
        }
    };
}

pub(super) use enrolment_for;
