//! PIN hashing with the browser's WebCrypto (PBKDF2-HMAC-SHA256): the slow hash runs in
//! native code, fast on a cheap phone, and costs the bundle nothing. The rules (rounds,
//! shapes, comparison) are `loket_core::staff`'s.

use js_sys::{Array, ArrayBuffer, Uint8Array};
use loket_core::staff::{PIN_ITERATIONS, PinHash};
use std::fmt::Write;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

/// The browser cannot hash: WebCrypto is missing (a page not served over https or from
/// localhost) or refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NoCrypto;

fn hex(bytes: &[u8]) -> String {
    bytes.iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

fn unhex(text: &str) -> Option<Vec<u8>> {
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

fn crypto() -> Result<web_sys::Crypto, NoCrypto> {
    web_sys::window()
        .ok_or(NoCrypto)?
        .crypto()
        .map_err(|_| NoCrypto)
}

/// PBKDF2-HMAC-SHA256 of `secret` with `salt` and `iterations`, 32 bytes as lowercase hex.
pub async fn derive(secret: &[u8], salt: &[u8], iterations: u32) -> Result<String, NoCrypto> {
    let crypto = crypto()?;
    // `crypto.subtle` is undefined outside a secure context; calling into it would throw.
    let subtle = js_sys::Reflect::get(&crypto, &JsValue::from_str("subtle"))
        .ok()
        .filter(|s| !s.is_undefined())
        .ok_or(NoCrypto)?
        .unchecked_into::<web_sys::SubtleCrypto>();
    let usages = Array::of1(&JsValue::from_str("deriveBits"));
    let key_data = Uint8Array::from(secret);
    let key = subtle
        .import_key_with_str("raw", &key_data, "PBKDF2", false, &usages)
        .map_err(|_| NoCrypto)?;
    let key: web_sys::CryptoKey = JsFuture::from(key)
        .await
        .map_err(|_| NoCrypto)?
        .unchecked_into();
    let salt = Uint8Array::from(salt);
    let params = web_sys::Pbkdf2Params::new_with_str("PBKDF2", "SHA-256", iterations, &salt);
    let bits = subtle
        .derive_bits_with_object(&params, &key, 256)
        .map_err(|_| NoCrypto)?;
    let bits: ArrayBuffer = JsFuture::from(bits)
        .await
        .map_err(|_| NoCrypto)?
        .unchecked_into();
    Ok(hex(&Uint8Array::new(&bits).to_vec()))
}

/// A new salted hash of `pin`, with fresh random salt.
pub async fn hash_new(pin: &str) -> Result<PinHash, NoCrypto> {
    let mut salt = [0u8; 16];
    crypto()?
        .get_random_values_with_u8_array(&mut salt)
        .map_err(|_| NoCrypto)?;
    let hash = derive(pin.as_bytes(), &salt, PIN_ITERATIONS).await?;
    Ok(PinHash {
        salt: hex(&salt),
        iterations: PIN_ITERATIONS,
        hash,
    })
}

/// Whether `pin` is the PIN behind `stored`.
pub async fn verify(pin: &str, stored: &PinHash) -> Result<bool, NoCrypto> {
    let Some(salt) = unhex(&stored.salt) else {
        return Ok(false);
    };
    let derived = derive(pin.as_bytes(), &salt, stored.iterations).await?;
    Ok(stored.matches(&derived))
}
