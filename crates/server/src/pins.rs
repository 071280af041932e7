//! PIN hashes on the server: PBKDF2-HMAC-SHA256 of the PIN with a random salt (the
//! shapes, rounds and comparison are `loket_core::staff`'s). The slow hash runs on a
//! blocking thread, so a sign-in never stalls the requests around it.

use crate::auth::random_bytes;
use crate::error::ApiError;
use loket_core::staff::PinHash;
use sha2::Sha256;

/// PBKDF2-HMAC-SHA256 of `pin` with `salt` and `rounds`, 32 bytes as lowercase hex.
fn derive(pin: &[u8], salt: &[u8], rounds: u32) -> String {
    let mut out = [0u8; 32];
    pbkdf2::pbkdf2_hmac::<Sha256>(pin, salt, rounds, &mut out);
    hex::encode(out)
}

async fn derive_blocking(pin: String, salt: Vec<u8>, rounds: u32) -> Result<String, ApiError> {
    tokio::task::spawn_blocking(move || derive(pin.as_bytes(), &salt, rounds))
        .await
        .map_err(|e| ApiError::Internal(format!("the PIN hash task failed: {e}")))
}

/// A new salted hash of `pin` with `rounds`.
pub async fn hash_new(pin: &str, rounds: u32) -> Result<PinHash, ApiError> {
    let salt = random_bytes::<16>()?;
    let hash = derive_blocking(pin.to_owned(), salt.to_vec(), rounds).await?;
    Ok(PinHash {
        salt: hex::encode(salt),
        iterations: rounds,
        hash,
    })
}

/// Whether `pin` is the PIN behind `stored`; with nothing stored the same work is done
/// (against a throwaway salt), so the time taken does not tell who has an account.
pub async fn verify(pin: &str, stored: Option<&PinHash>, rounds: u32) -> Result<bool, ApiError> {
    let Some(stored) = stored.filter(|s| s.check().is_ok()) else {
        derive_blocking(pin.to_owned(), vec![0; 16], rounds).await?;
        return Ok(false);
    };
    let salt = hex::decode(&stored.salt)
        .map_err(|e| ApiError::Internal(format!("a stored PIN salt is not hex: {e}")))?;
    let derived = derive_blocking(pin.to_owned(), salt, stored.iterations).await?;
    Ok(stored.matches(&derived))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derive_matches_rfc_7914s_pbkdf2_sha256_vector() {
        // RFC 7914 §11: PBKDF2-HMAC-SHA256("passwd", "salt", 1), first 32 bytes.
        assert_eq!(
            derive(b"passwd", b"salt", 1),
            "55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc"
        );
    }

    #[tokio::test]
    async fn a_hash_accepts_its_pin_only() {
        let hash = hash_new("482913", 10_000).await.unwrap();
        assert_eq!(hash.check(), Ok(()));
        assert!(verify("482913", Some(&hash), 10_000).await.unwrap());
        assert!(!verify("482914", Some(&hash), 10_000).await.unwrap());
        assert!(!verify("482913", None, 10_000).await.unwrap());
        assert_ne!(
            hash,
            hash_new("482913", 10_000).await.unwrap(),
            "fresh salt"
        );
    }
}
