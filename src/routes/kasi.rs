//! `/kasi`: the Kasi Pelum's inbox (A5). Escalated files from any counter, oldest first:
//! the Kasi re-verifies with the operator, then approves for printing or returns the file
//! with a standard reason and an explanation the applicant gets on paper and in the lookup.

use crate::app_state::use_app;
use crate::i18n::{Lang, use_lang};
use crate::routes::visit::run_step;
use leptos::prelude::*;
use loket_core::op::{KasiApprove, KasiReturn};
use loket_core::verification::{DocState, ReturnReason, Siak};
use loket_core::{Action, OpBody, Ticket, TicketRef};

/// A return reason's name on screen.
pub fn return_reason(lang: Lang, r: ReturnReason) -> &'static str {
    match r {
        ReturnReason::DocumentsIncomplete => {
            lang.tr("Dokumen tidak lengkap", "Documents incomplete")
        }
        ReturnReason::DataMismatch => lang.tr("Data tidak sesuai", "Data do not match"),
        ReturnReason::NotRecorded => lang.tr("Belum perekaman", "Not yet recorded"),
        ReturnReason::NotVerifiedInSiak => {
            lang.tr("Belum terverifikasi di SIAK", "Not verified in SIAK")
        }
        ReturnReason::Other => lang.tr("Lainnya", "Other"),
    }
}

/// The inbox.
#[component]
pub fn KasiPage() -> impl IntoView {
    let app = use_app();
    let lang = use_lang();
    let files = move || {
        app.view
            .with(|v| v.escalated().into_iter().cloned().collect::<Vec<_>>())
    };
    view! {
        <main class="page kasi">
            <section class="card">
                <h1>{move || lang.get().tr("Berkas untuk Kasi", "Files for the Kasi")} " (" {move || files().len()} ")"</h1>
                <p class="empty" hidden=move || !files().is_empty()>{move || lang.get().tr("Tidak ada berkas yang menunggu.", "No file is waiting.")}</p>
                <p class="banner warn" hidden=move || app.may(Action::Decide)>
                    {move || lang.get().tr("Hanya Kasi Pelum yang dapat memutuskan.", "Only the Kasi Pelum may decide.")}
                </p>
                <ul class="files" id="kasi-files">
                    {move || files().into_iter().map(|t| view! { <KasiFile ticket=t /> }).collect_view()}
                </ul>
            </section>
        </main>
    }
}

#[component]
fn KasiFile(ticket: Ticket) -> impl IntoView {
    let app = use_app();
    let lang = use_lang();
    let t = move |id, en| lang.get().tr(id, en);
    let error = RwSignal::new(None::<String>);
    let note = RwSignal::new(String::new());
    let reason = RwSignal::new(ReturnReason::DocumentsIncomplete);
    let explanation = RwSignal::new(String::new());
    let tref = TicketRef {
        number: ticket.number.clone(),
        day: ticket.day,
    };
    let number = ticket.number.to_string();
    let key = number.clone();
    let case = app
        .view
        .with_untracked(|v| v.case_name(&ticket, lang.get_untracked() == Lang::En));
    let v = ticket.verification.clone();
    let why = ticket
        .escalation
        .as_ref()
        .map(|e| e.what.clone())
        .unwrap_or_default();
    let approve = {
        let tref = tref.clone();
        move |_| {
            run_step(
                OpBody::KasiApprove(KasiApprove {
                    ticket: tref.clone(),
                    note: note.get_untracked(),
                }),
                error,
            )
        }
    };
    let give_back = move |_| {
        let text = explanation.get_untracked();
        if text.trim().is_empty() {
            error.set(Some(
                lang.get_untracked()
                    .tr(
                        "Tulis penjelasan untuk pemohon.",
                        "Write the explanation for the applicant.",
                    )
                    .into(),
            ));
            return;
        }
        run_step(
            OpBody::KasiReturn(KasiReturn {
                ticket: tref.clone(),
                reason: reason.get_untracked(),
                explanation: text.trim().to_string(),
            }),
            error,
        )
    };
    view! {
        <li class="file" data-ticket=key>
            <h2><span class="number">{number}</span> " · " {case}</h2>
            <p class="reason"><strong>{move || t("Alasan operator: ", "Operator's reason: ")}</strong>{why}</p>
            {v.map(|v| {
                let docs = v.what.documents.clone();
                view! {
                    <dl class="facts">
                        <dt>{move || t("Nama", "Name")}</dt><dd>{v.what.name.clone()}</dd>
                        <dt>"NIK"</dt><dd>{v.what.nik.as_str().to_string()}</dd>
                        <dt>"SIAK"</dt><dd>{move || match v.what.siak {
                            Siak::Matches => t("Sesuai", "Matches"),
                            Siak::NotMatching => t("Tidak sesuai", "Not matching"),
                            Siak::NotVerified => t("Belum terverifikasi", "Not yet verified"),
                        }}</dd>
                    </dl>
                    <ul class="doc-summary">
                        {docs.into_iter().map(|d| view! {
                            <li class:bad=d.state != DocState::Valid>{d.code.clone()} ": " {move || match d.state {
                                DocState::Valid => t("ada & sah", "present & valid"),
                                DocState::Missing => t("tidak ada", "missing"),
                                DocState::Invalid => t("tidak sah", "not valid"),
                            }}</li>
                        }).collect_view()}
                    </ul>
                }
            })}
            <p class="form-error" role="alert" data-testid="kasi-error" hidden=move || error.get().is_none()>{move || error.get()}</p>
            <div class="decide" hidden=move || !app.may(Action::Decide)>
                <label>{move || t("Catatan pemeriksaan ulang", "Re-verification note")}
                    <input type="text" class="approve-note" maxlength="500" prop:value=note on:input=move |ev| note.set(event_target_value(&ev)) />
                </label>
                <button class="button primary approve" on:click=approve>{move || t("Setujui untuk dicetak", "Approve for printing")}</button>
                <label>{move || t("Alasan dikembalikan", "Reason for returning")}
                    <select class="return-reason" on:change=move |ev| {
                        let i: usize = event_target_value(&ev).parse().unwrap_or(0);
                        reason.set(ReturnReason::ALL[i.min(ReturnReason::ALL.len() - 1)]);
                    }>
                        {ReturnReason::ALL.iter().enumerate().map(|(i, r)| view! {
                            <option value=i.to_string()>{move || return_reason(lang.get(), *r)}</option>
                        }).collect_view()}
                    </select>
                </label>
                <label>{move || t("Penjelasan untuk pemohon (tanpa data pribadi)", "Explanation for the applicant (no personal data)")}
                    <textarea class="return-text" rows="2" maxlength="500" prop:value=explanation on:input=move |ev| explanation.set(event_target_value(&ev))></textarea>
                </label>
                <button class="button secondary give-back" on:click=give_back>{move || t("Kembalikan ke pemohon", "Return to the applicant")}</button>
            </div>
        </li>
    }
}
