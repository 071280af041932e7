//! The handover receipt (*bukti serah terima*, A6): the paper the applicant takes home as
//! proof that the KTP-el (or a temporary Suket) was handed over, and to whom.
//!
//! Labels are bilingual and fixed, not tied to the UI language: the sheet is read later by
//! people who never saw the screen it was printed from.

use leptos::prelude::*;
use loket_core::handover::{BOX_H, BOX_W};

/// Everything the receipt shows, already formatted.
///
/// The page builds it from the handover record so this component stays a pure view and
/// can be printed again from history without the live state.
#[derive(Clone, Debug, PartialEq)]
pub struct ReceiptData {
    /// The office's name, e.g. "Kecamatan Cibinong".
    pub office_name: String,
    /// The office's code, as on its enrolment.
    pub office_code: String,
    /// The queue number the applicant was served under.
    pub number: String,
    /// The service (case) name.
    pub case_name: String,
    /// The NIK with most digits hidden: the receipt may be lost or photographed.
    pub nik_masked: String,
    /// The applicant's name.
    pub name: String,
    /// The handover's local date and time, already formatted in the office's time zone.
    pub when: String,
    /// The operator who handed the document over.
    pub operator: String,
    /// The applicant's signature, from [`loket_core::handover::Signature::svg_path`].
    pub signature_path: String,
    /// A temporary Suket was handed over instead of the card.
    pub suket: bool,
    /// The old or damaged card was handed back to the office.
    pub old_card_returned: bool,
}

/// One row of a printed sheet's table: an Indonesian label with its English gloss.
pub(crate) fn row(
    id: &'static str,
    en: &'static str,
    testid: &'static str,
    value: String,
) -> impl IntoView {
    view! {
        <tr>
            <th scope="row">
                {id} <span class="en" lang="en">" / " {en}</span>
            </th>
            <td data-testid=testid>{value}</td>
        </tr>
    }
}

/// The printable handover receipt, `#receipt`.
///
/// The print stylesheet shows only this element, so a page can print it with
/// `window.print()` whatever else is on screen.
#[component]
pub fn Receipt(data: ReceiptData) -> impl IntoView {
    let ReceiptData {
        office_name,
        office_code,
        number,
        case_name,
        nik_masked,
        name,
        when,
        operator,
        signature_path,
        suket,
        old_card_returned,
    } = data;
    // Enrolled offices are often named "Kantor Camat …" already; saying it twice looks wrong.
    let kind_in_name = office_name.to_lowercase().contains("kantor camat");
    let (document_id, document_en) = if suket {
        (
            "Surat Keterangan (Suket) pengganti KTP-el sementara",
            "Temporary certificate (Suket) in place of the e-KTP",
        )
    } else {
        ("KTP-el", "e-KTP")
    };

    view! {
        <article class="receipt" id="receipt" lang="id" aria-labelledby="receipt-title">
            <header class="receipt-head">
                <p class="receipt-kind" hidden=kind_in_name>
                    "Kantor Camat" <span class="en" lang="en">" / Sub-district office"</span>
                </p>
                <p class="receipt-office" data-testid="receipt-office">{office_name}</p>
                <p class="receipt-code">
                    "Kode kantor" <span class="en" lang="en">" / Office code"</span> ": "
                    <span data-testid="receipt-office-code">{office_code}</span>
                </p>
            </header>
            <h2 class="receipt-title" id="receipt-title">
                "BUKTI SERAH TERIMA KTP-el"
                <span class="receipt-subtitle en" lang="en">"Handover receipt"</span>
            </h2>
            <table class="receipt-table">
                <tbody>
                    {row("Nomor antrean", "Queue number", "receipt-number", number)}
                    {row("Layanan", "Service", "receipt-case", case_name)}
                    {row("NIK", "ID number", "receipt-nik", nik_masked)}
                    {row("Nama", "Name", "receipt-name", name)}
                    {row("Tanggal/waktu", "Date/time", "receipt-when", when)}
                    {row("Petugas", "Officer", "receipt-operator", operator.clone())}
                    <tr>
                        <th scope="row">
                            "Dokumen yang diserahkan"
                            <span class="en" lang="en">" / Document handed over"</span>
                        </th>
                        <td data-testid="receipt-document">
                            {document_id} <span class="en" lang="en">" / " {document_en}</span>
                        </td>
                    </tr>
                </tbody>
            </table>
            {old_card_returned
                .then(|| {
                    view! {
                        <p class="receipt-old-card" data-testid="receipt-old-card">
                            "KTP-el lama/rusak telah diserahkan kembali"
                            <span class="en" lang="en">
                                " / The old or damaged e-KTP was handed back"
                            </span>
                        </p>
                    }
                })}
            <div class="receipt-signs">
                <figure class="receipt-sign">
                    <svg
                        class="receipt-signature"
                        viewBox=format!("0 0 {BOX_W} {BOX_H}")
                        role="img"
                        aria-label="Tanda tangan pemohon / Applicant's signature"
                    >
                        <path
                            data-testid="receipt-signature"
                            d=signature_path
                            fill="none"
                            stroke="#000000"
                            stroke-width="4"
                            stroke-linecap="round"
                            stroke-linejoin="round"
                        ></path>
                    </svg>
                    <figcaption>
                        "Tanda tangan pemohon"
                        <span class="en" lang="en">" / Applicant's signature"</span>
                    </figcaption>
                </figure>
                <figure class="receipt-sign receipt-officer">
                    <div class="receipt-officer-space" aria-hidden="true"></div>
                    <figcaption>
                        <span class="receipt-officer-name" data-testid="receipt-officer-name">
                            {operator}
                        </span>
                        "Petugas"
                        <span class="en" lang="en">" / Officer"</span>
                    </figcaption>
                </figure>
            </div>
        </article>
    }
}
