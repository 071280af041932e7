//! Staff credentials: what proves that the person an op names as its actor made it.
//!
//! A member of staff signs in on a tablet once, online: the server checks their PIN and
//! issues a [`Credential`] for that staff member on that device, with a random [`Key`]
//! both sides keep (the tablet only wrapped under a key derived from the PIN). Every op
//! they record carries a [`Proof`]: an HMAC-SHA256 with the key over the op's canonical
//! bytes ([`Op::signed_bytes`]). The server refuses, op by op, one whose proof does not
//! check ([`check`]), so a device token alone lets nobody act as staff. The proof travels
//! with the op to every device; the key never does.

use crate::ids::{DeviceId, OfficeCode, StaffId};
use crate::op::Op;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use std::fmt;
use thiserror::Error;
use uuid::Uuid;

type HmacSha256 = Hmac<Sha256>;

/// The id of one credential: one staff member signed in on one device.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct CredentialId(pub Uuid);

impl fmt::Display for CredentialId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// A credential's secret: 32 random bytes (made by the server, which does the IO).
#[derive(Clone, PartialEq, Eq)]
pub struct Key([u8; 32]);

impl fmt::Debug for Key {
    /// Never prints the secret.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Key(…)")
    }
}

/// Lowercase hex of `bytes`.
fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    bytes
        .iter()
        .flat_map(|b| [DIGITS[usize::from(b >> 4)], DIGITS[usize::from(b & 15)]])
        .map(char::from)
        .collect()
}

/// Bytes from lowercase hex, `None` for anything else.
fn unhex(text: &str) -> Option<Vec<u8>> {
    let digit = |b: u8| match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        _ => None,
    };
    if !text.len().is_multiple_of(2) {
        return None;
    }
    text.as_bytes()
        .chunks(2)
        .map(|pair| Some(digit(pair[0])? << 4 | digit(pair[1])?))
        .collect()
}

impl Key {
    /// A key from its 32 bytes.
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }

    /// The key's bytes (to wrap it, or to store it on the server).
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// The key as 64 lowercase hex digits.
    pub fn to_hex(&self) -> String {
        hex(&self.0)
    }

    /// A key from 64 lowercase hex digits.
    pub fn from_hex(text: &str) -> Option<Self> {
        unhex(text)?.try_into().ok().map(Self)
    }

    fn mac(&self) -> HmacSha256 {
        // HMAC takes a key of any length: this cannot fail for 32 bytes.
        HmacSha256::new_from_slice(&self.0).unwrap_or_else(|_| unreachable!())
    }

    /// What the tablet shows the server to call staff routes (set a PIN, revoke): derived
    /// from the key, so the key itself never travels after it was issued.
    pub fn call_token(&self) -> String {
        let mut mac = self.mac();
        mac.update(b"loket call token v1");
        hex(&mac.finalize().into_bytes())
    }

    /// Whether `token` is this key's [`Key::call_token`], in time that does not depend
    /// on where they differ.
    pub fn accepts_call(&self, token: &str) -> bool {
        let Some(bytes) = unhex(token) else {
            return false;
        };
        let mut mac = self.mac();
        mac.update(b"loket call token v1");
        mac.verify_slice(&bytes).is_ok()
    }
}

impl Serialize for Key {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_hex())
    }
}

impl<'de> Deserialize<'de> for Key {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Self::from_hex(&text).ok_or_else(|| serde::de::Error::custom("a key is 64 hex digits"))
    }
}

/// What an op carries to show who made it: the credential, and the HMAC of the op's
/// canonical bytes under its key, as hex.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Proof {
    /// The credential whose key made `mac`.
    pub credential: CredentialId,
    /// HMAC-SHA256 of [`Op::signed_bytes`], 64 lowercase hex digits.
    pub mac: String,
}

/// One staff member signed in on one device, as the server keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credential {
    /// Its id.
    pub id: CredentialId,
    /// The office it belongs to.
    pub office: OfficeCode,
    /// Who signed in.
    pub staff: StaffId,
    /// Where.
    pub device: DeviceId,
    /// The secret both sides keep.
    pub key: Key,
    /// The admin revoked it (or the staff member left): nothing it proves is taken.
    pub revoked: bool,
}

/// Why an op's proof does not show that its actor made it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Error)]
#[serde(rename_all = "snake_case")]
pub enum ProofProblem {
    /// The op carries no proof (made before its maker signed in, or forged).
    #[error("the op carries no proof of who made it")]
    Missing,
    /// The server issued no such credential.
    #[error("no such credential")]
    UnknownCredential,
    /// The credential is another person's, another device's or another office's.
    #[error("the credential is not the actor's on this device")]
    NotTheirs,
    /// The credential was revoked.
    #[error("the credential was revoked")]
    Revoked,
    /// The MAC is not the op's under the credential's key: the op was changed, or forged.
    #[error("the proof does not match the op")]
    BadMac,
}

/// The proof for `op` (whose own `proof` is ignored) under credential `id` with `key`.
pub fn prove(id: CredentialId, key: &Key, op: &Op) -> Proof {
    let mut mac = key.mac();
    mac.update(&op.signed_bytes());
    Proof {
        credential: id,
        mac: hex(&mac.finalize().into_bytes()),
    }
}

/// Checks that `op`'s proof was made with `credential` (what the server holds under the
/// proof's credential id, `None` when it holds nothing) by the op's actor on its device.
pub fn check(op: &Op, credential: Option<&Credential>) -> Result<(), ProofProblem> {
    let proof = op.proof.as_ref().ok_or(ProofProblem::Missing)?;
    let credential = credential
        .filter(|c| c.id == proof.credential)
        .ok_or(ProofProblem::UnknownCredential)?;
    if credential.office != op.office
        || credential.device != op.device
        || credential.staff != op.actor
    {
        return Err(ProofProblem::NotTheirs);
    }
    if credential.revoked {
        return Err(ProofProblem::Revoked);
    }
    let mac_bytes = unhex(&proof.mac).ok_or(ProofProblem::BadMac)?;
    let mut mac = credential.key.mac();
    mac.update(&op.signed_bytes());
    mac.verify_slice(&mac_bytes)
        .map_err(|_| ProofProblem::BadMac)
}

/// A credential as the tablet keeps it between sign-ins: the key masked with bits
/// derived from the PIN, and a check value from the same derivation, so the right PIN
/// unlocks offline and a wrong one is told apart without the server.
///
/// The derivation (PBKDF2-HMAC-SHA256, 512 bits: the first half masks, the second
/// checks) is the browser's, natively; this type holds only the rule. It is as strong as
/// the PIN and its rounds against someone who copies the tablet's storage: a stolen
/// tablet's credentials are revoked by the admin.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WrappedKey {
    /// The credential it unlocks.
    pub credential: CredentialId,
    /// 16 random bytes as hex.
    pub salt: String,
    /// PBKDF2 rounds.
    pub iterations: u32,
    /// The key XOR the first 32 derived bytes, as hex.
    pub masked: String,
    /// The last 32 derived bytes, as hex.
    pub check: String,
}

/// How many bytes the PIN derivation of a [`WrappedKey`] makes.
pub const WRAP_BYTES: usize = 64;

impl WrappedKey {
    /// `key` of `credential` wrapped with `derived` (the PIN's derivation with `salt`
    /// and `iterations`).
    pub fn wrap(
        credential: CredentialId,
        key: &Key,
        salt: &[u8],
        iterations: u32,
        derived: &[u8; WRAP_BYTES],
    ) -> Self {
        let masked: Vec<u8> = key
            .0
            .iter()
            .zip(&derived[..32])
            .map(|(k, d)| k ^ d)
            .collect();
        Self {
            credential,
            salt: hex(salt),
            iterations,
            masked: hex(&masked),
            check: hex(&derived[32..]),
        }
    }

    /// The salt's bytes (`None` if the stored text is damaged).
    pub fn salt_bytes(&self) -> Option<Vec<u8>> {
        unhex(&self.salt)
    }

    /// The key, if `derived` comes from the right PIN; compares the check value in time
    /// that does not depend on where it differs.
    pub fn unwrap_with(&self, derived: &[u8; WRAP_BYTES]) -> Option<Key> {
        let check = unhex(&self.check)?;
        let masked = unhex(&self.masked)?;
        if check.len() != 32 || masked.len() != 32 {
            return None;
        }
        let diff = check
            .iter()
            .zip(&derived[32..])
            .fold(0u8, |acc, (a, b)| acc | (a ^ b));
        if diff != 0 {
            return None;
        }
        let mut key = [0u8; 32];
        for (k, (m, d)) in key.iter_mut().zip(masked.iter().zip(&derived[..32])) {
            *k = m ^ d;
        }
        Some(Key(key))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::*;

    fn credential(op: &Op) -> Credential {
        Credential {
            id: CredentialId(Uuid::from_u128(7)),
            office: op.office.clone(),
            staff: op.actor.clone(),
            device: op.device.clone(),
            key: Key::from_bytes([9; 32]),
            revoked: false,
        }
    }

    fn unsigned() -> Op {
        let mut op = issue(1, "dev-a", "A", 1, false, 0);
        op.proof = None;
        op
    }

    #[test]
    fn a_proof_holds_for_its_op_only() {
        let mut op = unsigned();
        let c = credential(&op);
        assert_eq!(check(&op, Some(&c)), Err(ProofProblem::Missing));
        op.proof = Some(prove(c.id, &c.key, &op));
        assert_eq!(check(&op, Some(&c)), Ok(()));
        assert_eq!(check(&op, None), Err(ProofProblem::UnknownCredential));
        // The same proof on a changed op: the priority flipped.
        let mut changed = op.clone();
        if let crate::OpBody::IssueTicket(t) = &mut changed.body {
            t.priority = true;
        }
        assert_eq!(check(&changed, Some(&c)), Err(ProofProblem::BadMac));
        // Another key under the same id.
        let other = Credential {
            key: Key::from_bytes([8; 32]),
            ..c.clone()
        };
        assert_eq!(check(&op, Some(&other)), Err(ProofProblem::BadMac));
        let revoked = Credential {
            revoked: true,
            ..c.clone()
        };
        assert_eq!(check(&op, Some(&revoked)), Err(ProofProblem::Revoked));
        let someone_else = Credential {
            staff: crate::StaffId::new("staff-admin").unwrap(),
            ..c.clone()
        };
        assert_eq!(
            check(&op, Some(&someone_else)),
            Err(ProofProblem::NotTheirs)
        );
        let mut forged_actor = op.clone();
        forged_actor.actor = crate::StaffId::new("staff-admin").unwrap();
        assert_eq!(check(&forged_actor, Some(&c)), Err(ProofProblem::NotTheirs));
    }

    #[test]
    fn keys_read_back_and_never_print() {
        let key = Key::from_bytes([0xab; 32]);
        assert_eq!(Key::from_hex(&key.to_hex()), Some(key.clone()));
        assert_eq!(Key::from_hex("ab"), None);
        assert_eq!(Key::from_hex(&"AB".repeat(32)), None);
        assert!(!format!("{key:?}").contains("ab"));
        let token = key.call_token();
        assert!(key.accepts_call(&token));
        assert!(!Key::from_bytes([1; 32]).accepts_call(&token));
        assert!(!key.accepts_call("zz"));
        assert_ne!(token, key.to_hex());
    }

    #[test]
    fn a_proof_survives_the_wire() {
        let mut op = unsigned();
        let c = credential(&op);
        op.proof = Some(prove(c.id, &c.key, &op));
        let text = serde_json::to_string(&op).unwrap();
        let back: Op = serde_json::from_str(&text).unwrap();
        assert_eq!(check(&back, Some(&c)), Ok(()));
    }

    #[test]
    fn a_wrapped_key_opens_with_its_derivation_only() {
        let key = Key::from_bytes([42; 32]);
        let id = CredentialId(Uuid::from_u128(3));
        let mut derived = [0u8; WRAP_BYTES];
        for (i, b) in derived.iter_mut().enumerate() {
            *b = (i as u8).wrapping_mul(7);
        }
        let wrapped = WrappedKey::wrap(id, &key, &[5; 16], 600_000, &derived);
        assert_ne!(
            wrapped.masked,
            key.to_hex(),
            "the key is not stored as it is"
        );
        assert_eq!(wrapped.unwrap_with(&derived), Some(key));
        assert_eq!(wrapped.salt_bytes(), Some(vec![5; 16]));
        let mut wrong = derived;
        wrong[40] ^= 1;
        assert_eq!(wrapped.unwrap_with(&wrong), None);
        let text = serde_json::to_string(&wrapped).unwrap();
        let back: WrappedKey = serde_json::from_str(&text).unwrap();
        assert_eq!(back.unwrap_with(&derived), Some(Key::from_bytes([42; 32])));
    }
}
