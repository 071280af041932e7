//! The queue ticket as printed on a 58 mm thermal roll: the number, the case, a check code
//! and a QR code to the public status page, so a visitor can wait outside the office and
//! still know where their ticket stands.

use crate::components::qr::QrLink;
use leptos::prelude::*;

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
    view! {
        <article class="slip" id="ticket-slip">
            <p class="slip-office">{office_name}</p>
            <p class="slip-label">"NOMOR ANTREAN"</p>
            <p class="slip-number" data-testid="slip-number">{number}</p>
            <p class="slip-case">{case_name}</p>
            {priority.then(|| view! { <p class="slip-priority">"PRIORITAS"</p> })}
            <p class="slip-issued">{issued}</p>
            <p class="slip-code" data-testid="slip-code">"Kode cek: " <strong>{check_code}</strong></p>
            // A URL too long for a QR code must not lose the ticket: the number and code still print.
            <QrLink url=status_url class="slip-qr" />
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
