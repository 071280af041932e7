//! QR codes drawn as SVG: black squares on white, sharp at any print resolution.

use leptos::prelude::*;
use qrcodegen::{QrCode, QrCodeEcc};
use std::fmt::Write as _;

/// Modules of white border around the code; the QR standard asks for 4 so that phone
/// scanners find the finder patterns, and thermal paper edges are not reliably white.
const QUIET_ZONE: i32 = 4;

/// Encodes `text` as a QR code (error correction Medium, which survives a smudged thermal
/// print) and returns the side length in modules, quiet zone included, and an SVG path
/// `d` drawing one unit square per dark module. `None` when the text is too long to encode.
pub fn qr_svg_path(text: &str) -> Option<(usize, String)> {
    let qr = QrCode::encode_text(text, QrCodeEcc::Medium).ok()?;
    let size = qr.size();
    // About half the modules are dark, each about 16 bytes of path.
    let mut d = String::with_capacity(usize::try_from(size * size * 8).unwrap_or(0));
    for y in 0..size {
        for x in 0..size {
            if qr.get_module(x, y) {
                // Writing to a String cannot fail.
                let _ = write!(d, "M{},{}h1v1h-1z", x + QUIET_ZONE, y + QUIET_ZONE);
            }
        }
    }
    let total = usize::try_from(size + 2 * QUIET_ZONE).ok()?;
    Some((total, d))
}

/// The QR code of a link, as an `<svg>` with `class`; the link is in `data-url` so tests
/// and curious staff can read what a scan opens. Nothing when the link is too long.
#[component]
pub fn QrLink(url: String, class: &'static str) -> impl IntoView {
    qr_svg_path(&url).map(|(size, d)| {
        view! {
            <svg
                class=class
                data-testid=class
                data-url=url
                role="img"
                aria-label="QR status"
                xmlns="http://www.w3.org/2000/svg"
                viewBox=format!("0 0 {size} {size}")
                shape-rendering="crispEdges"
            >
                <rect width="100%" height="100%" fill="#fff"></rect>
                <path d=d fill="#000"></path>
            </svg>
        }
    })
}
