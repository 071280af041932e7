//! The notice of a returned file (A5): the paper the applicant takes home when the Kasi
//! returns the file, saying why, what to bring, and how to follow it up.
//!
//! Like the receipt, its labels are bilingual and fixed, and it prints on A5 through
//! [`crate::print_sheet`].

use crate::components::qr::QrLink;
use crate::components::receipt::row;
use leptos::prelude::*;

/// Everything the notice shows, already formatted, so it can be printed again later from
/// the ticket alone.
#[derive(Clone, Debug, PartialEq)]
pub struct ReturnNoticeData {
    /// The office's name.
    pub office_name: String,
    /// The queue number the applicant was served under.
    pub number: String,
    /// The service (case) name, in Indonesian.
    pub case_name: String,
    /// The applicant's name as checked at the counter (their own paper).
    pub name: String,
    /// The NIK with most digits hidden: the paper may be lost.
    pub nik_masked: String,
    /// The decision's local date and time.
    pub when: String,
    /// The standard reason in Indonesian and in English.
    pub reason: (String, String),
    /// The Kasi's explanation, as written for the applicant.
    pub explanation: String,
    /// Documents found missing or not valid at the counter, by name.
    pub to_bring: Vec<String>,
    /// The Kasi's name, for the signature line.
    pub kasi: String,
    /// The ticket's check code.
    pub check_code: String,
    /// The ticket's public status page.
    pub status_url: String,
}

/// The printable notice, `#return-notice`.
#[component]
pub fn ReturnNotice(data: ReturnNoticeData) -> impl IntoView {
    let ReturnNoticeData {
        office_name,
        number,
        case_name,
        name,
        nik_masked,
        when,
        reason,
        explanation,
        to_bring,
        kasi,
        check_code,
        status_url,
    } = data;
    let bring = (!to_bring.is_empty()).then(|| {
        view! {
            <h3 class="notice-h">"Dokumen yang perlu dibawa/diperbaiki" <span class="en" lang="en">" / Documents to bring or correct"</span></h3>
            <ul class="notice-docs" data-testid="notice-docs">
                {to_bring.into_iter().map(|d| view! { <li>{d}</li> }).collect_view()}
            </ul>
        }
    });
    view! {
        <article class="receipt return-notice" id="return-notice" lang="id" aria-labelledby="notice-title">
            <header class="receipt-head">
                <p class="receipt-office">{office_name}</p>
            </header>
            <h2 class="receipt-title" id="notice-title">
                "PEMBERITAHUAN BERKAS DIKEMBALIKAN"
                <span class="receipt-subtitle en" lang="en">"Notice: your file is returned"</span>
            </h2>
            <table class="receipt-table">
                <tbody>
                    {row("Nomor antrean", "Queue number", "notice-number", number)}
                    {row("Layanan", "Service", "notice-case", case_name)}
                    {row("Nama", "Name", "notice-name", name)}
                    {row("NIK", "ID number", "notice-nik", nik_masked)}
                    {row("Tanggal/waktu", "Date/time", "notice-when", when)}
                    <tr>
                        <th scope="row">"Alasan" <span class="en" lang="en">" / Reason"</span></th>
                        <td data-testid="notice-reason">{reason.0} <span class="en" lang="en">" / " {reason.1}</span></td>
                    </tr>
                </tbody>
            </table>
            <h3 class="notice-h">"Penjelasan" <span class="en" lang="en">" / Explanation"</span></h3>
            <p class="notice-explanation" data-testid="notice-explanation">{explanation}</p>
            {bring}
            <h3 class="notice-h">"Langkah berikutnya" <span class="en" lang="en">" / What next"</span></h3>
            <div class="notice-next">
                <p>
                    "Lengkapi atau perbaiki berkas, lalu datang kembali dan ambil nomor antrean baru. Layanan ini gratis."
                    <span class="en" lang="en">" Complete or correct the file, then come back and take a new queue number. This service is free of charge."</span>
                </p>
                <p>
                    "Pindai kode QR untuk melihat status berkas ini (kode cek " <strong data-testid="notice-code">{check_code}</strong> ")."
                    <span class="en" lang="en">" Scan the QR code to see this file's status."</span>
                </p>
                <QrLink url=status_url class="notice-qr" />
            </div>
            <div class="receipt-signs">
                <div></div>
                <figure class="receipt-sign receipt-officer">
                    <div class="receipt-officer-space" aria-hidden="true"></div>
                    <figcaption>
                        <span class="receipt-officer-name" data-testid="notice-kasi">{kasi}</span>
                        "Kasi Pelayanan Umum"
                        <span class="en" lang="en">" / Head of public services"</span>
                    </figcaption>
                </figure>
            </div>
        </article>
    }
}
