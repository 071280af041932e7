//! Staff sign-in, in the database: PIN hashes (which never leave the server), the
//! credentials issued to staff on devices, and the wrong-PIN counts. The SQL is the same
//! on both databases (numbered parameters, `ON CONFLICT`), so it is written once and
//! implemented for each backend by [`accounts_for!`].

use super::{StoreError, corrupt, id_of};
use loket_core::credential::{Credential, CredentialId, Key};
use loket_core::sign_in::SignedIn;
use loket_core::staff::{PinHash, PinThrottle};
use loket_core::{DeviceId, OfficeCode, StaffId};

/// A credential row: `(id, office, staff, device, key, revoked_ms)`.
pub(super) type CredentialRow = (String, String, String, String, String, Option<i64>);

fn credential_id(id: &str) -> Result<CredentialId, StoreError> {
    uuid::Uuid::parse_str(id)
        .map(CredentialId)
        .map_err(|e| corrupt("credential", id, e))
}

pub(super) fn credential_of(
    (id, office, staff, device, key, revoked_ms): CredentialRow,
) -> Result<Credential, StoreError> {
    Ok(Credential {
        id: credential_id(&id)?,
        office: id_of("credential", &id, OfficeCode::new(office))?,
        staff: id_of("credential", &id, StaffId::new(staff))?,
        device: id_of("credential", &id, DeviceId::new(device))?,
        key: Key::from_hex(&key).ok_or_else(|| corrupt("credential", &id, "a bad key"))?,
        revoked: revoked_ms.is_some(),
    })
}

/// A signed-in row: `(id, staff, device, device name, issued_ms, revoked_ms)`.
pub(super) type SignedInRow = (String, String, String, String, i64, Option<i64>);

pub(super) fn signed_in_of(
    (id, staff, device, device_name, issued_ms, revoked_ms): SignedInRow,
) -> Result<SignedIn, StoreError> {
    Ok(SignedIn {
        credential: credential_id(&id)?,
        staff: id_of("credential", &id, StaffId::new(staff))?,
        device: id_of("credential", &id, DeviceId::new(device))?,
        device_name,
        issued_ms,
        revoked_ms,
    })
}

pub(super) fn throttle_of(
    office: &OfficeCode,
    state: Option<String>,
) -> Result<PinThrottle, StoreError> {
    state.map_or(Ok(PinThrottle::default()), |s| {
        serde_json::from_str(&s).map_err(|e| corrupt("pin throttle", office, e))
    })
}

/// Staff sign-in storage; both backends implement it with the same SQL.
#[allow(async_fn_in_trait)] // Used through `Store`, never as `dyn`.
pub trait Accounts {
    /// A staff member's PIN hash.
    async fn staff_pin(
        &self,
        office: &OfficeCode,
        staff: &StaffId,
    ) -> Result<Option<PinHash>, StoreError>;
    /// Sets (or replaces) a staff member's PIN hash.
    async fn set_staff_pin(
        &self,
        office: &OfficeCode,
        staff: &StaffId,
        pin: &PinHash,
    ) -> Result<(), StoreError>;
    /// Stores the office's first PIN hash, only if the office has none: `false` if it has.
    async fn first_staff_pin(
        &self,
        office: &OfficeCode,
        staff: &StaffId,
        pin: &PinHash,
    ) -> Result<bool, StoreError>;
    /// Wrong PINs counted against `subject` (a staff member or a device).
    async fn pin_throttle(
        &self,
        office: &OfficeCode,
        subject: &str,
    ) -> Result<PinThrottle, StoreError>;
    /// Stores the count of wrong PINs against `subject`.
    async fn set_pin_throttle(
        &self,
        office: &OfficeCode,
        subject: &str,
        throttle: &PinThrottle,
    ) -> Result<(), StoreError>;
    /// Stores a newly issued credential.
    async fn issue_credential(
        &self,
        credential: &Credential,
        issued_ms: i64,
    ) -> Result<(), StoreError>;
    /// The credentials with these ids (those that exist).
    async fn credentials(&self, ids: &[CredentialId]) -> Result<Vec<Credential>, StoreError>;
    /// Revokes a staff member's credentials on `device`, or on every device; returns how
    /// many were revoked now.
    async fn revoke(
        &self,
        office: &OfficeCode,
        staff: &StaffId,
        device: Option<&DeviceId>,
        now_ms: i64,
    ) -> Result<u64, StoreError>;
    /// Every credential of the office, newest first, with its device's name.
    async fn signed_in(&self, office: &OfficeCode) -> Result<Vec<SignedIn>, StoreError>;
}

/// Implements [`Accounts`] for a backend with a `pool` field.
macro_rules! accounts_for {
    ($store:ty) => {
        impl $crate::store::accounts::Accounts for $store {
            async fn staff_pin(
                &self,
                office: &loket_core::OfficeCode,
                staff: &loket_core::StaffId,
            ) -> Result<Option<loket_core::staff::PinHash>, $crate::store::StoreError> {
                let row: Option<(String, i32, String)> = sqlx::query_as(
                    "SELECT salt, iterations, hash FROM staff_pins WHERE office = $1 AND staff = $2",
                )
                .bind(office.as_str())
                .bind(staff.as_str())
                .fetch_optional(&self.pool)
                .await?;
                Ok(row.map(|(salt, iterations, hash)| loket_core::staff::PinHash {
                    salt,
                    iterations: u32::try_from(iterations).unwrap_or(0),
                    hash,
                }))
            }

            async fn set_staff_pin(
                &self,
                office: &loket_core::OfficeCode,
                staff: &loket_core::StaffId,
                pin: &loket_core::staff::PinHash,
            ) -> Result<(), $crate::store::StoreError> {
                sqlx::query(
                    "INSERT INTO staff_pins (office, staff, salt, iterations, hash)
                     VALUES ($1, $2, $3, $4, $5)
                     ON CONFLICT (office, staff)
                     DO UPDATE SET salt = excluded.salt, iterations = excluded.iterations, hash = excluded.hash",
                )
                .bind(office.as_str())
                .bind(staff.as_str())
                .bind(&pin.salt)
                .bind(i32::try_from(pin.iterations).unwrap_or(i32::MAX))
                .bind(&pin.hash)
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn first_staff_pin(
                &self,
                office: &loket_core::OfficeCode,
                staff: &loket_core::StaffId,
                pin: &loket_core::staff::PinHash,
            ) -> Result<bool, $crate::store::StoreError> {
                let done = sqlx::query(
                    "INSERT INTO staff_pins (office, staff, salt, iterations, hash)
                     SELECT $1, $2, $3, $4, $5
                     WHERE NOT EXISTS (SELECT 1 FROM staff_pins WHERE office = $1)",
                )
                .bind(office.as_str())
                .bind(staff.as_str())
                .bind(&pin.salt)
                .bind(i32::try_from(pin.iterations).unwrap_or(i32::MAX))
                .bind(&pin.hash)
                .execute(&self.pool)
                .await?;
                Ok(done.rows_affected() == 1)
            }

            async fn pin_throttle(
                &self,
                office: &loket_core::OfficeCode,
                subject: &str,
            ) -> Result<loket_core::staff::PinThrottle, $crate::store::StoreError> {
                let state: Option<String> = sqlx::query_scalar(
                    "SELECT state FROM pin_throttles WHERE office = $1 AND subject = $2",
                )
                .bind(office.as_str())
                .bind(subject)
                .fetch_optional(&self.pool)
                .await?;
                $crate::store::accounts::throttle_of(office, state)
            }

            async fn set_pin_throttle(
                &self,
                office: &loket_core::OfficeCode,
                subject: &str,
                throttle: &loket_core::staff::PinThrottle,
            ) -> Result<(), $crate::store::StoreError> {
                let state = serde_json::to_string(throttle)
                    .map_err(|e| $crate::store::corrupt("pin throttle", office, e))?;
                sqlx::query(
                    "INSERT INTO pin_throttles (office, subject, state) VALUES ($1, $2, $3)
                     ON CONFLICT (office, subject) DO UPDATE SET state = excluded.state",
                )
                .bind(office.as_str())
                .bind(subject)
                .bind(state)
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn issue_credential(
                &self,
                c: &loket_core::credential::Credential,
                issued_ms: i64,
            ) -> Result<(), $crate::store::StoreError> {
                sqlx::query(
                    "INSERT INTO credentials (id, office, staff, device, key, issued_ms, revoked_ms)
                     VALUES ($1, $2, $3, $4, $5, $6, NULL)",
                )
                .bind(c.id.to_string())
                .bind(c.office.as_str())
                .bind(c.staff.as_str())
                .bind(c.device.as_str())
                .bind(c.key.to_hex())
                .bind(issued_ms)
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn credentials(
                &self,
                ids: &[loket_core::credential::CredentialId],
            ) -> Result<Vec<loket_core::credential::Credential>, $crate::store::StoreError> {
                let mut found = Vec::with_capacity(ids.len());
                // A push names one or two credentials (its device's staff), rarely more.
                for id in ids {
                    let row: Option<$crate::store::accounts::CredentialRow> = sqlx::query_as(
                        "SELECT id, office, staff, device, key, revoked_ms FROM credentials WHERE id = $1",
                    )
                    .bind(id.to_string())
                    .fetch_optional(&self.pool)
                    .await?;
                    if let Some(row) = row {
                        found.push($crate::store::accounts::credential_of(row)?);
                    }
                }
                Ok(found)
            }

            async fn revoke(
                &self,
                office: &loket_core::OfficeCode,
                staff: &loket_core::StaffId,
                device: Option<&loket_core::DeviceId>,
                now_ms: i64,
            ) -> Result<u64, $crate::store::StoreError> {
                let done = sqlx::query(
                    "UPDATE credentials SET revoked_ms = $1
                     WHERE office = $2 AND staff = $3 AND revoked_ms IS NULL
                       AND ($4 = '' OR device = $4)",
                )
                .bind(now_ms)
                .bind(office.as_str())
                .bind(staff.as_str())
                .bind(device.map_or("", |d| d.as_str()))
                .execute(&self.pool)
                .await?;
                Ok(done.rows_affected())
            }

            async fn signed_in(
                &self,
                office: &loket_core::OfficeCode,
            ) -> Result<Vec<loket_core::sign_in::SignedIn>, $crate::store::StoreError> {
                let rows: Vec<$crate::store::accounts::SignedInRow> = sqlx::query_as(
                    "SELECT c.id, c.staff, c.device, d.name, c.issued_ms, c.revoked_ms
                     FROM credentials c JOIN devices d ON d.id = c.device
                     WHERE c.office = $1 ORDER BY c.issued_ms DESC, c.id",
                )
                .bind(office.as_str())
                .fetch_all(&self.pool)
                .await?;
                rows.into_iter()
                    .map($crate::store::accounts::signed_in_of)
                    .collect()
            }
        }
    };
}

pub(super) use accounts_for;
