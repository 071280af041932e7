//! The admin code: the secret that enrols a device ("Daftarkan perangkat").
//!
//! It is made on the first start (or by `loket-server reset-admin-code`), printed once to
//! the terminal (never through tracing), and stored only as its sha256. Sixteen characters
//! of Crockford's base32 give 80 random bits; the alphabet has no I, L, O or U, and what
//! is typed is read leniently (lowercase, spaces, dashes, O for 0, I or L for 1).

use crate::auth::{random_bytes, same_digest, sha256_hex};
use crate::error::ApiError;
use std::fmt;

/// Crockford's base32: 32 symbols, none easily confused when read aloud or copied by hand.
const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
/// Characters in a code: 16 × 5 bits = 80 bits.
const LEN: usize = 16;

/// A freshly made admin code. Its `Debug` hides it so it cannot slip into a log.
#[derive(Clone, PartialEq, Eq)]
pub struct AdminCode(String);

impl AdminCode {
    /// Makes a new random code.
    pub fn generate() -> Result<Self, ApiError> {
        let bytes = random_bytes::<10>()?;
        let bits = bytes
            .iter()
            .fold(0u128, |acc, &b| (acc << 8) | u128::from(b));
        let code = (0..LEN)
            .rev()
            .map(|i| char::from(ALPHABET[((bits >> (i * 5)) & 31) as usize]))
            .collect();
        Ok(Self(code))
    }

    /// The code as people read it: `XXXX-XXXX-XXXX-XXXX`.
    pub fn display(&self) -> String {
        let chars: Vec<char> = self.0.chars().collect();
        chars
            .chunks(4)
            .map(|c| c.iter().collect::<String>())
            .collect::<Vec<_>>()
            .join("-")
    }

    /// What the database keeps.
    pub fn hash(&self) -> String {
        sha256_hex(&self.0)
    }
}

impl fmt::Debug for AdminCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AdminCode(<hidden>)")
    }
}

/// A typed code in the stored form: dashes and spaces dropped, capitals, and the look-alike
/// letters read as the digits Crockford's alphabet means.
fn normalize(typed: &str) -> String {
    typed
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .map(|c| match c.to_ascii_uppercase() {
            'O' => '0',
            'I' | 'L' => '1',
            other => other,
        })
        .collect()
}

/// Whether a typed code matches the stored hash.
pub fn matches(typed: &str, stored_hash: &str) -> bool {
    same_digest(&typed_hash(typed), stored_hash)
}

/// The hash a typed code is stored under, to find the office it belongs to.
pub fn typed_hash(typed: &str) -> String {
    sha256_hex(&normalize(typed))
}

/// The box printed to the terminal when a code is made.
pub fn banner(url: &str, code: &AdminCode, first: bool) -> String {
    let title = if first {
        "Kode admin pertama / first admin code"
    } else {
        "Kode admin baru / new admin code"
    };
    let lines = [
        format!("Loket: {url}"),
        String::new(),
        format!("{title}: {}", code.display()),
        String::new(),
        "Pakai kode ini untuk \"Daftarkan perangkat\" (mendaftarkan tablet).".to_owned(),
        "Use it to enrol a device (\"Daftarkan perangkat\").".to_owned(),
        "Kode ini hanya ditampilkan sekali / it is shown only this once.".to_owned(),
        "Kode baru / a new code: loket-server reset-admin-code".to_owned(),
    ];
    let width = lines.iter().map(|l| l.chars().count()).max().unwrap_or(0);
    let rule = "═".repeat(width + 2);
    let mut out = format!("╔{rule}╗\n");
    for line in &lines {
        let pad = width - line.chars().count();
        out.push_str(&format!("║ {line}{} ║\n", " ".repeat(pad)));
    }
    out.push_str(&format!("╚{rule}╝"));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_16_symbols_in_groups_of_four() {
        let code = AdminCode::generate().unwrap();
        let shown = code.display();
        assert_eq!(shown.len(), 19, "{shown}");
        assert_eq!(shown.matches('-').count(), 3);
        assert!(
            shown
                .chars()
                .all(|c| c == '-' || ALPHABET.contains(&(c as u8)))
        );
        assert_ne!(code, AdminCode::generate().unwrap());
        assert_eq!(format!("{code:?}"), "AdminCode(<hidden>)");
    }

    #[test]
    fn typed_codes_are_read_leniently() {
        let code = AdminCode("0123ABCDEFGH1JKM".into());
        let hash = code.hash();
        assert!(matches("0123-ABCD-EFGH-1JKM", &hash));
        assert!(matches(" o123 abcd efgh ljkm ", &hash));
        assert!(matches("O123ABCDEFGHIJKM", &hash));
        assert!(!matches("0123-ABCD-EFGH-1JKN", &hash));
        assert!(!matches("", &hash));
    }

    #[test]
    fn the_banner_shows_url_and_code() {
        let code = AdminCode("ABCDEFGHJKMNPQRS".into());
        let text = banner("http://127.0.0.1:8080/", &code, true);
        assert!(text.contains("http://127.0.0.1:8080/"));
        assert!(text.contains("Kode admin pertama / first admin code: ABCD-EFGH-JKMN-PQRS"));
        assert!(text.contains("Daftarkan perangkat"));
        let widths: Vec<usize> = text.lines().map(|l| l.chars().count()).collect();
        assert!(widths.windows(2).all(|w| w[0] == w[1]), "{text}");
    }
}
