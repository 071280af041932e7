//! The ops this device made that did not take effect (conflicts), said to the staff on
//! every page: an op is never dropped silently.

use crate::app_state::use_app;
use crate::i18n::use_lang;
use leptos::prelude::*;
use loket_core::state::ConflictReason;

/// The conflicts of this device's ops, newest last; hidden when there are none.
#[component]
pub fn MyConflicts() -> impl IntoView {
    let app = use_app();
    let lang = use_lang();
    let mine = move || {
        let device = app.enrolment.with(|e| e.as_ref().map(|e| e.device.clone()));
        device.map_or_else(Vec::new, |device| {
            app.view.with(|v| {
                v.conflicts_of(&device)
                    .map(|c| c.reason.clone())
                    .collect::<Vec<_>>()
            })
        })
    };
    view! {
        <section class="card conflicts" data-testid="conflicts" role="status" hidden=move || mine().is_empty()>
            <h2>{move || lang.get().t().conflicts_title}</h2>
            <ul>
                {move || mine().iter().map(|c| view! { <li>{conflict_text(lang.get(), c)}</li> }).collect_view()}
            </ul>
        </section>
    }
}

/// A conflict's reason, said to the person who made the op.
pub fn conflict_text(lang: crate::i18n::Lang, reason: &ConflictReason) -> String {
    use ConflictReason as R;
    let t = lang.t();
    match reason {
        R::AlreadyCalled {
            number, counter, ..
        } => format!("{number} {} {counter}", t.conflict_already_called),
        R::UnknownTicket { number } => format!("{number} {}", t.conflict_unknown),
        R::DuplicateNumber { number } => format!("{number} {}", t.conflict_duplicate),
        R::WrongStage { number, .. } => format!(
            "{number}: {}",
            lang.tr(
                "langkah ini tidak sesuai tahap tiket (sudah dikerjakan di perangkat lain?)",
                "this step does not fit where the ticket stands (done on another device?)"
            )
        ),
        R::Unproven { problem } => {
            use loket_core::credential::ProofProblem as P;
            match problem {
                P::Revoked => lang.tr(
                    "Akses akun ini di tablet ini sudah dicabut admin; langkah ditolak. Masuk lagi dengan PIN.",
                    "The admin revoked this account on this tablet; the step was refused. Sign in again with the PIN.",
                ),
                _ => lang.tr(
                    "Server tidak dapat memastikan siapa yang membuat langkah ini; langkah ditolak.",
                    "The server could not confirm who made this step; it was refused.",
                ),
            }
            .into()
        }
        R::UnknownActor { .. } => lang
            .tr(
                "Dibuat oleh akun yang tidak dikenal kantor ini.",
                "Made by an account this office does not know.",
            )
            .into(),
        R::NotAllowed { .. } => lang
            .tr(
                "Peran akun ini tidak boleh melakukan langkah tersebut; langkah ditolak.",
                "This account's role may not take that step; it was refused.",
            )
            .into(),
        R::NotConforming { number } => format!(
            "{number}: {}",
            lang.tr(
                "berkas belum lengkap/sesuai, harus diteruskan ke Kasi.",
                "the file does not conform and must go to the Kasi."
            )
        ),
        R::NoBlankCards => lang
            .tr(
                "Blanko KTP-el habis: pencetakan ditolak. Terbitkan Suket.",
                "No blank cards left: the print was refused. Issue a Suket.",
            )
            .into(),
        R::UnknownCounter { counter } => format!(
            "{} {counter} {}",
            lang.tr("Loket", "Counter"),
            lang.tr("tidak ada di kantor ini.", "does not exist in this office.")
        ),
        R::StaleCatalogue { current } => format!(
            "{} {current}.",
            lang.tr(
                "Daftar layanan sudah diubah di perangkat lain; versi sekarang",
                "The service list was changed on another device; now version",
            )
        ),
        R::LastAdmin => lang
            .tr(
                "Kantor harus tetap punya satu admin aktif.",
                "The office must keep one active admin.",
            )
            .into(),
        R::Malformed { .. } => lang
            .tr(
                "Server menolak langkah ini karena isinya tidak sah (aplikasi perlu diperbarui?). Langkah lain tetap tersimpan.",
                "The server refused this step because its content is not valid (does the app need updating?). Other steps are kept.",
            )
            .into(),
        R::BadTime { .. } => lang
            .tr(
                "Server menolak langkah ini karena jam perangkat salah saat itu. Atur jam, lalu ulangi langkahnya.",
                "The server refused this step because the device clock was wrong at the time. Set the clock and take the step again.",
            )
            .into(),
    }
}
