//! Device authentication: the random token a device gets at enrolment, and the extractor
//! that turns `Authorization: Bearer <token>` into the [`Device`] holding it.
//!
//! Only the token's sha256 is stored. A token is 256 random bits, so its plain hash is
//! enough (no salt or slow hash needed), and looking a device up by that hash leaks
//! nothing an attacker could use to guess the token.

use crate::AppState;
use crate::error::ApiError;
use crate::store::Device;
use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use loket_core::DeviceId;
use sha2::{Digest, Sha256};

/// Random bytes from the operating system.
pub(crate) fn random_bytes<const N: usize>() -> Result<[u8; N], ApiError> {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes)
        .map_err(|e| ApiError::Internal(format!("no randomness from the OS: {e}")))?;
    Ok(bytes)
}

/// The sha256 of a secret, as lowercase hex: what the database keeps instead of the secret.
pub fn sha256_hex(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// Compares two digests in time independent of where they differ.
pub(crate) fn same_digest(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |diff, (x, y)| diff | (x ^ y))
            == 0
}

/// A new device token: 32 random bytes as hex.
pub fn new_token() -> Result<String, ApiError> {
    Ok(hex::encode(random_bytes::<32>()?))
}

/// A new device id: `dev-` and 16 random bytes as hex.
pub fn new_device_id() -> Result<DeviceId, ApiError> {
    let id = format!("dev-{}", hex::encode(random_bytes::<16>()?));
    DeviceId::new(id).map_err(|e| ApiError::Internal(format!("made a bad device id: {e}")))
}

/// The device that sent the request, from its bearer token; 401 without a known one.
#[derive(Debug, Clone)]
pub struct AuthDevice(pub Device);

impl FromRequestParts<AppState> for AuthDevice {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let header = parts
            .headers
            .get(AUTHORIZATION)
            .ok_or(ApiError::Unauthorized(
                "this call needs `Authorization: Bearer <device token>`",
            ))?;
        let token = header
            .to_str()
            .ok()
            .and_then(|value| value.split_once(' '))
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            .map(|(_, token)| token.trim())
            .filter(|token| !token.is_empty())
            .ok_or(ApiError::Unauthorized(
                "the Authorization header must read `Bearer <device token>`",
            ))?;
        let hash = sha256_hex(token);
        let Some(device) = state.store().device_by_token_hash(&hash).await? else {
            // The token a device was enrolled again from, whose answer it never got: it
            // must enrol again (with the same code, or a fresh one), as a revoked one does.
            if state.store().device_for_again(&hash).await?.is_some() {
                return Err(ApiError::DeviceRevoked);
            }
            return Err(ApiError::Unauthorized(
                "no device holds this token: enrol the device again",
            ));
        };
        if device.revoked {
            return Err(ApiError::DeviceRevoked);
        }
        Ok(Self(device))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digests_compare_by_value() {
        let a = sha256_hex("one");
        assert!(same_digest(&a, &sha256_hex("one")));
        assert!(!same_digest(&a, &sha256_hex("two")));
        assert!(!same_digest(&a, "short"));
    }

    #[test]
    fn tokens_and_ids_are_fresh_and_valid() {
        let (a, b) = (new_token().unwrap(), new_token().unwrap());
        assert_eq!(a.len(), 64);
        assert_ne!(a, b);
        let id = new_device_id().unwrap();
        assert!(id.as_str().starts_with("dev-") && id.as_str().len() == 36);
    }
}
