//! The queue ticket as printed on a 58 mm thermal roll: the number, the case, a check code
//! and a QR code to the public status page, so a visitor can wait outside the office and
//! still know where their ticket stands.

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

/// What a printed ticket shows; the caller formats dates and builds the URL, so the slip
/// stays a plain view that prints the same online and offline.
#[derive(Clone, Debug, PartialEq)]
pub struct SlipData {
    /// The office's name, printed small at the top.
    pub office_name: String,
    /// The queue number, e.g. "A-017".
    pub number: String,
    /// The service requested, in the visitor's language.
    pub case_name: String,
    /// Whether the ticket is in the priority queue (elderly, disabled, pregnant, ...).
    pub priority: bool,
    /// The local date and time of issue, already formatted.
    pub issued: String,
    /// The 4-character code that, with the number, opens the ticket's status page.
    pub check_code: String,
    /// Absolute URL of the public status page, number and code included.
    pub status_url: String,
}

/// The printable ticket slip, `#ticket-slip`; `style/ticket.css` makes it the only thing
/// that prints while it is on screen.
#[component]
pub fn TicketSlip(data: SlipData) -> impl IntoView {
    let SlipData {
        office_name,
        number,
        case_name,
        priority,
        issued,
        check_code,
        status_url,
    } = data;
    // A URL too long for a QR code must not lose the ticket: the number and code still print.
    let qr = qr_svg_path(&status_url).map(|(size, d)| {
        let view_box = format!("0 0 {size} {size}");
        view! {
            <svg
                class="slip-qr"
                data-testid="slip-qr"
                data-url=status_url
                role="img"
                aria-label="QR status"
                xmlns="http://www.w3.org/2000/svg"
                viewBox=view_box
                shape-rendering="crispEdges"
            >
                <rect width="100%" height="100%" fill="#fff"></rect>
                <path d=d fill="#000"></path>
            </svg>
        }
    });
    view! {
        <article class="slip" id="ticket-slip">
            <p class="slip-office">{office_name}</p>
            <p class="slip-label">"NOMOR ANTREAN"</p>
            <p class="slip-number" data-testid="slip-number">{number}</p>
            <p class="slip-case">{case_name}</p>
            {priority.then(|| view! { <p class="slip-priority">"PRIORITAS"</p> })}
            <p class="slip-issued">{issued}</p>
            <p class="slip-code" data-testid="slip-code">"Kode cek: " <strong>{check_code}</strong></p>
            {qr}
            <p class="slip-scan">
                "Pindai untuk melihat status antrean"
                <br />
                <span lang="en">"Scan to see where your ticket stands"</span>
            </p>
            <p class="slip-free">
                "Layanan ini gratis"
                <br />
                <span lang="en">"This service is free of charge"</span>
            </p>
        </article>
    }
}
