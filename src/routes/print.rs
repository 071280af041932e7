//! `/cetak`: blank-card stock, the print queue (print, spoiled card, Suket when no card is
//! left), and the handover (A6) with the applicant's signature and the printed receipt,
//! which can be reprinted later.

use crate::app_state::use_app;
use crate::components::receipt::{Receipt, ReceiptData};
use crate::components::signature_pad::SignaturePad;
use crate::i18n::{Lang, use_lang};
use crate::routes::visit::run_step;
use leptos::prelude::*;
use leptos::task::spawn_local;
use loket_core::handover::Signature;
use loket_core::op::{HandOver, ReceiveStock, SpoilCard};
use loket_core::state::LOW_STOCK;
use loket_core::verification::SpoilReason;
use loket_core::{Action, OpBody, Ticket, TicketRef};

fn tref(t: &Ticket) -> TicketRef {
    TicketRef {
        number: t.number.clone(),
        day: t.day,
    }
}

fn spoil_reason(lang: Lang, r: SpoilReason) -> &'static str {
    match r {
        SpoilReason::Misprint => lang.tr("Salah cetak", "Misprint"),
        SpoilReason::Ribbon => lang.tr("Pita/tinta habis", "Ribbon or ink failed"),
        SpoilReason::FaultyBlank => lang.tr("Blanko rusak", "Faulty blank"),
        SpoilReason::Other => lang.tr("Lainnya", "Other"),
    }
}

/// The print page.
#[component]
pub fn PrintPage() -> impl IntoView {
    let receipt = RwSignal::new(None::<ReceiptData>);
    view! {
        <main class="page print">
            <Show when=move || receipt.get().is_none() fallback=move || view! { <ReceiptView receipt=receipt /> }>
                <div class="columns">
                    <div>
                        <StockSection />
                        <PrintQueue />
                    </div>
                    <HandOverSection receipt=receipt />
                </div>
            </Show>
        </main>
    }
}

#[component]
fn StockSection() -> impl IntoView {
    let app = use_app();
    let lang = use_lang();
    let t = move |id, en| lang.get().tr(id, en);
    let count = RwSignal::new(String::new());
    let note = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let stock = move || app.view.with(|v| v.stock());
    let receive = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let l = lang.get_untracked();
        let Ok(n) = count.get_untracked().trim().parse::<u32>() else {
            error.set(Some(
                l.tr("Isi jumlah keping.", "Enter the number of cards.")
                    .into(),
            ));
            return;
        };
        if note.get_untracked().trim().is_empty() {
            error.set(Some(
                l.tr("Isi nomor surat jalan.", "Enter the delivery note number.")
                    .into(),
            ));
            return;
        }
        run_step(
            OpBody::ReceiveStock(ReceiveStock {
                count: n,
                delivery_note: note.get_untracked().trim().to_string(),
            }),
            error,
        );
        count.set(String::new());
        note.set(String::new());
    };
    view! {
        <section class="card stock" aria-labelledby="stock-title">
            <h2 id="stock-title">{move || t("Blanko KTP-el", "Blank cards")}</h2>
            <p class="stock-figures">
                <span>{move || t("Sisa: ", "On hand: ")}<strong data-testid="stock-on-hand">{move || stock().on_hand()}</strong></span>
                <span>{move || t("Diterima: ", "Received: ")}{move || stock().received()}</span>
                <span>{move || t("Terpakai: ", "Used: ")}{move || stock().used()}</span>
                <span>{move || t("Rusak: ", "Spoiled: ")}{move || stock().spoiled()}</span>
            </p>
            <p class="banner warn" data-testid="stock-low" hidden=move || !stock().is_low(LOW_STOCK)>
                {move || if stock().on_hand() == 0 {
                    t("Blanko habis: pencetakan tidak bisa; terbitkan Suket.", "No blank cards: printing is impossible; issue a Suket.")
                } else {
                    t("Stok blanko menipis.", "Blank cards are running low.")
                }}
            </p>
            <form on:submit=receive hidden=move || !app.may(Action::ReceiveStock)>
                <h3>{move || t("Terima kiriman blanko", "Receive a delivery")}</h3>
                <div class="inline">
                    <input id="stock-count" type="number" min="1" inputmode="numeric" aria-label=move || t("Jumlah keping", "Cards")
                        prop:value=count on:input=move |ev| count.set(event_target_value(&ev)) />
                    <input id="stock-note" type="text" maxlength="64" aria-label=move || t("Nomor surat jalan", "Delivery note number")
                        placeholder=move || t("No. surat jalan", "Delivery note no.")
                        prop:value=note on:input=move |ev| note.set(event_target_value(&ev)) />
                    <button id="stock-receive" class="button primary" type="submit">{move || t("Catat", "Record")}</button>
                </div>
                <p class="form-error" role="alert" hidden=move || error.get().is_none()>{move || error.get()}</p>
            </form>
        </section>
    }
}

#[component]
fn PrintQueue() -> impl IntoView {
    let app = use_app();
    let lang = use_lang();
    let t = move |id, en| lang.get().tr(id, en);
    let error = RwSignal::new(None::<String>);
    // A memo: the list (and the spoil reasons chosen in it) is redrawn only when it changes.
    let queue = Memo::new(move |_| {
        app.view
            .with(|v| v.print_queue().into_iter().cloned().collect::<Vec<_>>())
    });
    let empty_stock = move || app.view.with(|v| v.stock().on_hand() == 0);
    view! {
        <section class="card" aria-labelledby="queue-title">
            <h2 id="queue-title">{move || t("Antrean cetak", "Print queue")} " (" {move || queue.with(Vec::len)} ")"</h2>
            <p class="form-error" role="alert" data-testid="print-error" hidden=move || error.get().is_none()>{move || error.get()}</p>
            <p class="empty" hidden=move || !queue.with(Vec::is_empty)>{move || t("Tidak ada yang menunggu cetak.", "Nothing waits to be printed.")}</p>
            <ol class="print-queue" id="print-queue">
                {move || queue.get().into_iter().map(|tk| {
                    let r = tref(&tk);
                    let (r1, r2, r3) = (r.clone(), r.clone(), r);
                    let reason = RwSignal::new(SpoilReason::Misprint);
                    let name = tk.verification.as_ref().map(|v| v.what.name.clone()).unwrap_or_default();
                    view! {
                        <li data-ticket=tk.number.to_string()>
                            <span class="number">{tk.number.to_string()}</span>
                            <span class="name">{name}</span>
                            <div class="actions">
                                <button class="button primary print-card" disabled=empty_stock
                                    on:click=move |_| run_step(OpBody::PrintCard(r1.clone()), error)>
                                    {move || t("Catat tercetak", "Record printed")}
                                </button>
                                <select class="spoil-reason" aria-label=move || t("Alasan rusak", "Why spoiled") on:change=move |ev| {
                                    let i: usize = event_target_value(&ev).parse().unwrap_or(0);
                                    reason.set(SpoilReason::ALL[i.min(SpoilReason::ALL.len() - 1)]);
                                }>
                                    {SpoilReason::ALL.iter().enumerate().map(|(i, r)| view! {
                                        <option value=i.to_string()>{move || spoil_reason(lang.get(), *r)}</option>
                                    }).collect_view()}
                                </select>
                                <button class="button secondary spoil-card" disabled=empty_stock
                                    on:click=move |_| run_step(OpBody::SpoilCard(SpoilCard {
                                        ticket: r2.clone(),
                                        reason: reason.get_untracked(),
                                        note: String::new(),
                                    }), error)>
                                    {move || t("Catat blanko rusak", "Record a spoiled card")}
                                </button>
                                <button class="button secondary issue-suket" hidden=move || !empty_stock()
                                    on:click=move |_| run_step(OpBody::IssueSuket(r3.clone()), error)>
                                    {move || t("Terbitkan Suket", "Issue a Suket")}
                                </button>
                            </div>
                        </li>
                    }
                }).collect_view()}
            </ol>
        </section>
    }
}

/// What the receipt shows for a handed-over ticket, with the signature from its op.
fn receipt_data(
    app: crate::app_state::AppState,
    lang: Lang,
    t: &Ticket,
    signature: &Signature,
) -> ReceiptData {
    let (office_name, office_code, when) = app.enrolment.with_untracked(|e| {
        e.as_ref().map_or_else(Default::default, |e| {
            let at = t.handover.as_ref().map_or(t.issued_at, |h| h.at);
            (
                e.office.name.clone(),
                e.office.code.to_string(),
                e.office.date_time(at),
            )
        })
    });
    let operator = t
        .handover
        .as_ref()
        .and_then(|h| {
            app.view
                .with_untracked(|v| v.staff_member(&h.by).map(|s| s.name.clone()))
        })
        .unwrap_or_default();
    let v = t.verification.as_ref().map(|v| &v.what);
    ReceiptData {
        office_name,
        office_code,
        number: t.number.to_string(),
        case_name: app
            .view
            .with_untracked(|v| v.case_name(t, lang == Lang::En)),
        nik_masked: v.map(|v| v.nik.masked()).unwrap_or_default(),
        name: v.map(|v| v.name.clone()).unwrap_or_default(),
        when,
        operator,
        signature_path: signature.svg_path(),
        suket: t.printed.as_ref().is_some_and(|p| p.what.suket),
        old_card_returned: t
            .handover
            .as_ref()
            .is_some_and(|h| h.what.old_card_returned),
    }
}

#[component]
fn HandOverSection(receipt: RwSignal<Option<ReceiptData>>) -> impl IntoView {
    let app = use_app();
    let lang = use_lang();
    let t = move |id, en| lang.get().tr(id, en);
    let error = RwSignal::new(None::<String>);
    let ready = Memo::new(move |_| {
        app.view
            .with(|v| v.to_hand_over().into_iter().cloned().collect::<Vec<_>>())
    });
    let done = move || {
        app.view.with(|v| {
            v.handed_over()
                .into_iter()
                .take(20)
                .cloned()
                .collect::<Vec<_>>()
        })
    };
    let chosen = RwSignal::new(None::<Ticket>);
    let signature = RwSignal::new(Signature::default());
    let old_card = RwSignal::new(false);
    let hand_over = move |_| {
        let Some(tk) = chosen.get_untracked() else {
            return;
        };
        let sig = signature.get_untracked();
        if sig.check().is_err() {
            error.set(Some(
                lang.get_untracked()
                    .tr(
                        "Tanda tangan belum lengkap: minta pemohon menandatangani penuh.",
                        "The signature is not complete: ask the applicant to sign in full.",
                    )
                    .into(),
            ));
            return;
        }
        spawn_local(async move {
            let body = OpBody::HandOver(HandOver {
                ticket: tref(&tk),
                signature: sig.clone(),
                old_card_returned: old_card.get_untracked(),
            });
            match app.act(body).await {
                Ok(op) => {
                    error.set(None);
                    let now = app
                        .view
                        .with_untracked(|v| v.ticket(tk.day, &tk.number).cloned());
                    chosen.set(None);
                    signature.set(Signature::default());
                    old_card.set(false);
                    if let Some(now) =
                        now.filter(|n| n.handover.as_ref().is_some_and(|h| h.what.op == op.id))
                    {
                        receipt.set(Some(receipt_data(app, lang.get_untracked(), &now, &sig)));
                    }
                }
                Err(e) => error.set(Some(crate::routes::visit::step_error(
                    lang.get_untracked(),
                    &e,
                ))),
            }
        });
    };
    let reprint = move |tk: Ticket| {
        spawn_local(async move {
            let Some(h) = tk.handover.as_ref() else {
                return;
            };
            if let Some(op) = app.stored_op(h.what.op).await
                && let OpBody::HandOver(body) = op.body
            {
                receipt.set(Some(receipt_data(
                    app,
                    lang.get_untracked(),
                    &tk,
                    &body.signature,
                )));
            }
        });
    };
    view! {
        <section class="card handover" aria-labelledby="handover-title">
            <h2 id="handover-title">{move || t("Serah terima (A6)", "Handover (A6)")}</h2>
            <p class="empty" hidden=move || !ready.with(Vec::is_empty)>{move || t("Tidak ada KTP-el yang menunggu diambil.", "No card waits for its applicant.")}</p>
            <ul class="to-hand-over" id="to-hand-over">
                {move || ready.get().into_iter().map(|tk| {
                    let pick = tk.clone();
                    let number = tk.number.to_string();
                    let key = number.clone();
                    let pressed = {
                        let n = tk.number.clone();
                        move || chosen.with(|c| c.as_ref().is_some_and(|c| c.number == n)).to_string()
                    };
                    view! {
                        <li data-ticket=key>
                            <button class="button secondary choose" aria-pressed=pressed on:click=move |_| chosen.set(Some(pick.clone()))>
                                {number} " · " {tk.verification.as_ref().map(|v| v.what.name.clone())}
                                {tk.printed.as_ref().is_some_and(|p| p.what.suket).then_some(" (Suket)")}
                            </button>
                        </li>
                    }
                }).collect_view()}
            </ul>
            <div class="sign" hidden=move || chosen.get().is_none()>
                <SignaturePad signature=signature />
                <label class="check">
                    <input id="old-card" type="checkbox" prop:checked=old_card on:change=move |ev| old_card.set(event_target_checked(&ev)) />
                    <span>{move || t("KTP-el lama/rusak diserahkan kembali", "The old or damaged card was handed back")}</span>
                </label>
                <p class="form-error" role="alert" data-testid="handover-error" hidden=move || error.get().is_none()>{move || error.get()}</p>
                <button id="hand-over" class="button primary big" on:click=hand_over disabled=move || !app.may(Action::HandOver)>
                    {move || t("Serahkan dan cetak bukti", "Hand over and print the receipt")}
                </button>
            </div>
            <h3>{move || t("Sudah diserahkan", "Handed over")}</h3>
            <ul class="handed" id="handed-over">
                {move || done().into_iter().map(|tk| {
                    let again = tk.clone();
                    view! {
                        <li data-ticket=tk.number.to_string()>
                            <span class="number">{tk.number.to_string()}</span>
                            <button class="button secondary reprint" on:click=move |_| reprint(again.clone())>
                                {move || t("Cetak ulang bukti", "Reprint receipt")}
                            </button>
                        </li>
                    }
                }).collect_view()}
            </ul>
        </section>
    }
}

#[component]
fn ReceiptView(receipt: RwSignal<Option<ReceiptData>>) -> impl IntoView {
    let lang = use_lang();
    let t = move |id, en| lang.get().tr(id, en);
    view! {
        <div class="receipt-view">
            <div class="actions no-print">
                <button id="print-receipt" class="button primary" on:click=move |_| crate::print_sheet::print_element("receipt")>
                    {move || t("Cetak bukti serah terima", "Print the receipt")}
                </button>
                <button id="close-receipt" class="button secondary" on:click=move |_| receipt.set(None)>
                    {move || t("Selesai", "Done")}
                </button>
            </div>
            {move || receipt.get().map(|data| view! { <Receipt data=data /> })}
        </div>
    }
}
