//! `/kasi`: the Kasi Pelum's inbox (A5). Escalated files from any counter, oldest first:
//! the Kasi re-verifies with the operator, then approves for printing or returns the file
//! with a standard reason and an explanation the applicant gets on paper and in the lookup.

use crate::app_state::{AppState, use_app};
use crate::components::return_notice::{ReturnNotice, ReturnNoticeData};
use crate::i18n::{Lang, use_lang};
use crate::routes::visit::{run_step, step_error};
use leptos::prelude::*;
use leptos::task::spawn_local;
use loket_core::op::{KasiApprove, KasiReturn};
use loket_core::status_link::StatusLink;
use loket_core::ticket::Decision;
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

/// The inbox, today's returned files, and the notice of the file last returned.
#[component]
pub fn KasiPage() -> impl IntoView {
    let app = use_app();
    let lang = use_lang();
    // Memos: the lists change only when their tickets do, not on every sync or tick.
    let files = Memo::new(move |_| {
        app.view
            .with(|v| v.escalated().into_iter().cloned().collect::<Vec<_>>())
    });
    let returned = Memo::new(move |_| {
        let day = app.today();
        app.view.with(|v| {
            day.map(|d| v.returned(d).into_iter().cloned().collect::<Vec<_>>())
                .unwrap_or_default()
        })
    });
    // The notice on screen: the ticket it is for.
    let notice = RwSignal::new(None::<TicketRef>);
    let notice_data = move || {
        let tref = notice.get()?;
        let ticket = app
            .view
            .with(|v| v.ticket(tref.day, &tref.number).cloned())?;
        notice_data(app, &ticket)
    };
    view! {
        <main class="page kasi">
            <section class="card">
                <h1>{move || lang.get().tr("Berkas untuk Kasi", "Files for the Kasi")} " (" {move || files.with(Vec::len)} ")"</h1>
                <p class="empty" hidden=move || !files.with(Vec::is_empty)>{move || lang.get().tr("Tidak ada berkas yang menunggu.", "No file is waiting.")}</p>
                <p class="banner warn" hidden=move || app.may(Action::Decide)>
                    {move || lang.get().tr("Hanya Kasi Pelum yang dapat memutuskan.", "Only the Kasi Pelum may decide.")}
                </p>
                <ul class="files" id="kasi-files">
                    // Keyed: a file arriving or leaving keeps what the Kasi typed in the others.
                    <For
                        each=move || files.get()
                        key=|t: &Ticket| (t.day, t.number.clone())
                        children=move |t: Ticket| view! { <KasiFile ticket=t notice=notice /> }
                    />
                </ul>
            </section>
            {move || notice_data().map(|data| view! {
                <section class="card notice-view" aria-label=move || lang.get().tr("Surat pengembalian", "Return notice")>
                    <div class="actions">
                        <button id="print-notice" class="button primary" on:click=move |_| crate::print_sheet::print_element("return-notice")>
                            {move || lang.get().tr("Cetak surat untuk pemohon", "Print the notice for the applicant")}
                        </button>
                        <button id="close-notice" class="button secondary" on:click=move |_| notice.set(None)>
                            {move || lang.get().tr("Tutup", "Close")}
                        </button>
                    </div>
                    <ReturnNotice data=data />
                </section>
            })}
            <section class="card" hidden=move || returned.with(Vec::is_empty)>
                <h2>{move || lang.get().tr("Dikembalikan hari ini", "Returned today")}</h2>
                <ul class="files" id="returned-files">
                    {move || returned.get().into_iter().map(|t| {
                        let number = t.number.to_string();
                        let key = number.clone();
                        let tref = TicketRef { number: t.number.clone(), day: t.day };
                        let case = app.view.with(|v| v.case_name(&t, lang.get() == Lang::En));
                        view! {
                            <li data-ticket=key>
                                <span class="number">{number}</span> " · " {case}
                                <button class="button secondary print-notice" on:click=move |_| notice.set(Some(tref.clone()))>
                                    {move || lang.get().tr("Surat pengembalian", "Return notice")}
                                </button>
                            </li>
                        }
                    }).collect_view()}
                </ul>
            </section>
        </main>
    }
}

/// The notice of a returned ticket, or `None` if it was not returned.
fn notice_data(app: AppState, t: &Ticket) -> Option<ReturnNoticeData> {
    let decision = t.decision.as_ref()?;
    let Decision::Returned {
        reason,
        explanation,
    } = &decision.what
    else {
        return None;
    };
    let (office_name, when, office) = app.enrolment.with_untracked(|e| {
        e.as_ref().map(|e| {
            let o = &e.office;
            (o.name.clone(), o.date_time(decision.at), o.code.clone())
        })
    })?;
    let v = t.verification.as_ref().map(|v| &v.what);
    let (case_name, to_bring, kasi) = app.view.with_untracked(|view| {
        let case = view.case_of(t);
        let to_bring = v
            .map(|v| {
                v.documents
                    .iter()
                    .filter(|d| d.state != DocState::Valid)
                    .map(|d| {
                        let name = case
                            .and_then(|c| c.documents.iter().find(|doc| doc.code == d.code))
                            .map_or_else(|| d.code.clone(), |doc| doc.name_id.clone());
                        let state = match d.state {
                            DocState::Missing => "tidak ada / missing",
                            _ => "tidak sah / not valid",
                        };
                        format!("{name} ({state})")
                    })
                    .collect()
            })
            .unwrap_or_default();
        let kasi = view
            .staff_member(&decision.by)
            .map(|s| s.name.clone())
            .unwrap_or_default();
        (view.case_name(t, false), to_bring, kasi)
    });
    let origin = window().location().origin().unwrap_or_default();
    Some(ReturnNoticeData {
        office_name,
        number: t.number.to_string(),
        case_name,
        name: v.map(|v| v.name.clone()).unwrap_or_default(),
        nik_masked: v.map(|v| v.nik.masked()).unwrap_or_default(),
        when,
        reason: (
            return_reason(Lang::Id, *reason).into(),
            return_reason(Lang::En, *reason).into(),
        ),
        explanation: explanation.clone(),
        to_bring,
        kasi,
        check_code: t.check.to_string(),
        status_url: format!("{origin}{}", StatusLink::for_ticket(t, &office).page()),
    })
}

#[component]
fn KasiFile(ticket: Ticket, notice: RwSignal<Option<TicketRef>>) -> impl IntoView {
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
    // The documents by name, as the case listed them when the ticket was issued.
    let doc_name = {
        let docs = app.view.with_untracked(|view| {
            view.case_of(&ticket)
                .map(|c| c.documents.clone())
                .unwrap_or_default()
        });
        move |code: &str| {
            docs.iter()
                .find(|d| d.code == code)
                .map_or_else(|| code.to_string(), |d| d.name_id.clone())
        }
    };
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
        let body = OpBody::KasiReturn(KasiReturn {
            ticket: tref.clone(),
            reason: reason.get_untracked(),
            explanation: text.trim().to_string(),
        });
        let tref = tref.clone();
        spawn_local(async move {
            match app.act(body).await {
                // The applicant takes the explanation home on paper.
                Ok(_) => notice.set(Some(tref)),
                Err(e) => error.set(Some(step_error(lang.get_untracked(), &e))),
            }
        });
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
                            <li class:bad=d.state != DocState::Valid>{doc_name(&d.code)} ": " {move || match d.state {
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
