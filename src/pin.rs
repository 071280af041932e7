//! A signed-in person's credential, kept on the tablet wrapped under their PIN: the
//! PIN's derivation runs in the browser's WebCrypto (PBKDF2-HMAC-SHA256), natively, fast
//! on a cheap phone and at no cost to the bundle. The rule (masking, checking) is
//! `loket_core::credential::WrappedKey`'s; the PIN itself is checked by the server at the
//! first sign-in on a tablet.

use js_sys::{Array, ArrayBuffer, Uint8Array};
use loket_core::credential::{Key, WRAP_BYTES, WrappedKey};
use loket_core::sign_in::Issued;
use loket_core::staff::PIN_ITERATIONS;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

/// The browser cannot hash: WebCrypto is missing (a page not served over https or from
/// localhost) or refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NoCrypto;

fn crypto() -> Result<web_sys::Crypto, NoCrypto> {
    web_sys::window()
        .ok_or(NoCrypto)?
        .crypto()
        .map_err(|_| NoCrypto)
}

/// PBKDF2-HMAC-SHA256 of `secret` with `salt` and `iterations`: [`WRAP_BYTES`] bytes.
async fn derive(secret: &[u8], salt: &[u8], iterations: u32) -> Result<[u8; WRAP_BYTES], NoCrypto> {
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
        .derive_bits_with_object(&params, &key, WRAP_BYTES as u32 * 8)
        .map_err(|_| NoCrypto)?;
    let bits: ArrayBuffer = JsFuture::from(bits)
        .await
        .map_err(|_| NoCrypto)?
        .unchecked_into();
    Uint8Array::new(&bits)
        .to_vec()
        .try_into()
        .map_err(|_| NoCrypto)
}

/// The credential `issued` wrapped under `pin`, with fresh random salt.
pub async fn wrap(pin: &str, issued: &Issued) -> Result<WrappedKey, NoCrypto> {
    let mut salt = [0u8; 16];
    crypto()?
        .get_random_values_with_u8_array(&mut salt)
        .map_err(|_| NoCrypto)?;
    let derived = derive(pin.as_bytes(), &salt, PIN_ITERATIONS).await?;
    Ok(WrappedKey::wrap(
        issued.credential,
        &issued.key,
        &salt,
        PIN_ITERATIONS,
        &derived,
    ))
}

/// The key in `wrapped` if `pin` is the PIN it was wrapped under.
pub async fn unwrap(pin: &str, wrapped: &WrappedKey) -> Result<Option<Key>, NoCrypto> {
    let Some(salt) = wrapped.salt_bytes() else {
        return Ok(None);
    };
    let derived = derive(pin.as_bytes(), &salt, wrapped.iterations).await?;
    Ok(wrapped.unwrap_with(&derived))
}
