//! Staff accounts: a name and a role, synced to every device; and the rules of the PIN
//! that signs a person in. The PIN is checked by the server against a salted slow hash
//! (PBKDF2-HMAC-SHA256) that never leaves it; a tablet keeps only the person's credential,
//! wrapped under a key derived from the PIN, so it can unlock offline
//! ([`crate::credential`]). The hashing runs at the edges; this module holds the rules.

use crate::ids::StaffId;
use crate::roles::Role;
use serde::{Deserialize, Serialize};
use thiserror::Error;

/// PBKDF2 rounds for a new PIN hash on the server and for the key that wraps a credential
/// on a tablet (OWASP's figure for PBKDF2-HMAC-SHA256): slow enough to hinder guessing a
/// stolen hash, about half a second on a cheap phone.
pub const PIN_ITERATIONS: u32 = 600_000;
/// Fewer rounds than this is not a hash any Loket device made (hashes of 2026 had 100,000).
pub const MIN_ITERATIONS: u32 = 10_000;
/// The fewest digits of a new or changed PIN.
pub const MIN_PIN: usize = 6;
/// The most digits of a PIN.
pub const MAX_PIN: usize = 8;
/// The longest staff name.
pub const MAX_STAFF_NAME: usize = 80;

/// The shared tablet locks itself after this long without a tap.
pub const IDLE_LOCK_MS: i64 = 5 * 60 * 1000;
/// After this many wrong PINs in a row, signing in waits [`PIN_PAUSE_MS`].
pub const MAX_PIN_TRIES: u32 = 5;
/// How long signing in waits after [`MAX_PIN_TRIES`] wrong PINs; each further wrong PIN
/// doubles it, up to [`MAX_PIN_PAUSE_MS`].
pub const PIN_PAUSE_MS: i64 = 30_000;
/// The longest pause after wrong PINs: an hour.
pub const MAX_PIN_PAUSE_MS: i64 = 60 * 60 * 1000;

/// Whether a session last active at `active_ms` has been idle long enough to lock at `now_ms`.
pub fn is_idle(active_ms: i64, now_ms: i64) -> bool {
    now_ms - active_ms > IDLE_LOCK_MS
}

/// Wrong PINs in a row (on a tablet, or on the server for a person or a device), so a
/// guesser is slowed down more with every try. Kept on disk by whoever counts, so a
/// reload or a restart does not reset it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PinThrottle {
    fails: u32,
    until_ms: i64,
}

impl PinThrottle {
    /// Whether a PIN may be tried at `now_ms`.
    pub fn may_try(&self, now_ms: i64) -> bool {
        now_ms >= self.until_ms
    }

    /// When a PIN may be tried again (Unix ms).
    pub fn until_ms(&self) -> i64 {
        self.until_ms
    }

    /// Counts a wrong PIN at `now_ms`; `true` when the next try must now wait. From the
    /// [`MAX_PIN_TRIES`]th wrong PIN on, every one pauses, twice as long as the last.
    pub fn failed(&mut self, now_ms: i64) -> bool {
        self.fails = self.fails.saturating_add(1);
        let Some(over) = self.fails.checked_sub(MAX_PIN_TRIES) else {
            return false;
        };
        let pause = PIN_PAUSE_MS
            .saturating_mul(1_i64 << over.min(20))
            .min(MAX_PIN_PAUSE_MS);
        self.until_ms = now_ms.saturating_add(pause);
        true
    }

    /// A right PIN: the count starts again.
    pub fn succeeded(&mut self) {
        *self = Self::default();
    }
}

/// Why a PIN or an account cannot be saved.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum StaffError {
    /// A new PIN is [`MIN_PIN`] to [`MAX_PIN`] digits.
    #[error("a PIN has {MIN_PIN} to {MAX_PIN} digits")]
    PinLength,
    /// Only digits: the tablet shows a number pad.
    #[error("a PIN has only digits")]
    PinNotDigits,
    /// `0000`, `1234`, `9876`: the first guesses anyone tries.
    #[error("this PIN is too easy to guess")]
    PinTooEasy,
    /// The name is empty, too long or holds control characters.
    #[error("a name has 1 to {MAX_STAFF_NAME} characters")]
    BadName,
    /// The stored hash is not one a Loket device makes.
    #[error("the PIN hash is malformed")]
    BadHash,
}

/// Checks a PIN a person chose, before it is hashed. (A PIN typed to sign in is only
/// compared, so PINs chosen under older rules keep working.)
pub fn check_new_pin(pin: &str) -> Result<(), StaffError> {
    if !(MIN_PIN..=MAX_PIN).contains(&pin.chars().count()) {
        return Err(StaffError::PinLength);
    }
    let digits: Vec<i16> = pin
        .chars()
        .map(|c| c.to_digit(10).map(|d| d as i16))
        .collect::<Option<_>>()
        .ok_or(StaffError::PinNotDigits)?;
    let steps: Vec<i16> = digits.windows(2).map(|w| w[1] - w[0]).collect();
    if steps.iter().all(|s| *s == steps[0]) && steps[0].abs() <= 1 {
        return Err(StaffError::PinTooEasy);
    }
    Ok(())
}

/// A salted PBKDF2-HMAC-SHA256 hash of a PIN, as lowercase hex.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PinHash {
    /// 16 random bytes.
    pub salt: String,
    /// The PBKDF2 rounds.
    pub iterations: u32,
    /// 32 bytes of derived key.
    pub hash: String,
}

impl std::fmt::Debug for PinHash {
    /// Never prints the hash: it could be attacked offline.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PinHash({} rounds)", self.iterations)
    }
}

impl PinHash {
    /// Checks the shape: hex of the right lengths and enough rounds.
    pub fn check(&self) -> Result<(), StaffError> {
        let hex = |s: &str, len: usize| {
            s.len() == len && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
        };
        if hex(&self.salt, 32)
            && hex(&self.hash, 64)
            && (MIN_ITERATIONS..=10_000_000).contains(&self.iterations)
        {
            Ok(())
        } else {
            Err(StaffError::BadHash)
        }
    }

    /// Whether `derived` (the hash computed from a typed PIN with this salt and rounds)
    /// is this hash. Compares every byte, so timing says nothing of how much matched.
    pub fn matches(&self, derived: &str) -> bool {
        self.hash.len() == derived.len()
            && self
                .hash
                .bytes()
                .zip(derived.bytes())
                .fold(0u8, |acc, (a, b)| acc | (a ^ b))
                == 0
    }
}

/// A member of staff as the admin keeps them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Staff {
    /// Stable id, the actor of their ops.
    pub id: StaffId,
    /// The name shown on the lock screen and on receipts.
    pub name: String,
    /// What they may do.
    pub role: Role,
    /// A person who left keeps their history but can no longer unlock.
    pub active: bool,
}

impl Staff {
    /// Checks the account before it is saved.
    pub fn check(&self) -> Result<(), StaffError> {
        crate::text::clean_line(&self.name, MAX_STAFF_NAME).ok_or(StaffError::BadName)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn easy_or_malformed_pins_are_refused() {
        assert_eq!(check_new_pin("482913"), Ok(()));
        assert_eq!(check_new_pin("70707071"), Ok(()));
        assert_eq!(check_new_pin("7070"), Err(StaffError::PinLength));
        assert_eq!(check_new_pin("48291"), Err(StaffError::PinLength));
        assert_eq!(check_new_pin("123"), Err(StaffError::PinLength));
        assert_eq!(check_new_pin("123456789"), Err(StaffError::PinLength));
        assert_eq!(check_new_pin("12a456"), Err(StaffError::PinNotDigits));
        assert_eq!(check_new_pin("０１２３４５"), Err(StaffError::PinNotDigits));
        for easy in ["000000", "123456", "987654", "55555555"] {
            assert_eq!(check_new_pin(easy), Err(StaffError::PinTooEasy), "{easy}");
        }
    }

    fn hash() -> PinHash {
        PinHash {
            salt: "00112233445566778899aabbccddeeff".into(),
            iterations: PIN_ITERATIONS,
            hash: "ab".repeat(32),
        }
    }

    #[test]
    fn a_hash_must_look_like_one_and_never_prints() {
        assert_eq!(hash().check(), Ok(()));
        let mut weak = hash();
        weak.iterations = 1;
        assert_eq!(weak.check(), Err(StaffError::BadHash));
        let mut upper = hash();
        upper.salt = upper.salt.to_uppercase();
        assert_eq!(upper.check(), Err(StaffError::BadHash));
        assert!(!format!("{:?}", hash()).contains("abab"));
    }

    #[test]
    fn wrong_pins_pause_unlocking_after_five_and_longer_each_time() {
        let mut t = PinThrottle::default();
        for _ in 1..MAX_PIN_TRIES {
            assert!(!t.failed(1_000));
            assert!(t.may_try(1_000));
        }
        assert!(t.failed(1_000));
        assert!(!t.may_try(1_000 + PIN_PAUSE_MS - 1));
        assert!(t.may_try(1_000 + PIN_PAUSE_MS));
        // The sixth wrong PIN pauses twice as long, the seventh four times.
        assert!(t.failed(100_000));
        assert_eq!(t.until_ms(), 100_000 + 2 * PIN_PAUSE_MS);
        assert!(t.failed(200_000));
        assert_eq!(t.until_ms(), 200_000 + 4 * PIN_PAUSE_MS);
        for _ in 0..40 {
            t.failed(300_000);
        }
        assert_eq!(t.until_ms(), 300_000 + MAX_PIN_PAUSE_MS);
        // It is kept as JSON and read back the same.
        let text = serde_json::to_string(&t).unwrap();
        assert_eq!(serde_json::from_str::<PinThrottle>(&text).unwrap(), t);
        t.succeeded();
        assert_eq!(t, PinThrottle::default());
        assert!(!is_idle(0, IDLE_LOCK_MS));
        assert!(is_idle(0, IDLE_LOCK_MS + 1));
    }

    #[test]
    fn matching_needs_every_byte() {
        let h = hash();
        assert!(h.matches(&"ab".repeat(32)));
        assert!(!h.matches(&format!("{}ac", "ab".repeat(31))));
        assert!(!h.matches("ab"));
    }
}
