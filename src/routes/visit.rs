//! The ticket at the operator's counter, step by step (A2–A4): recall, no-show, back to the
//! queue, arrival, documents received, and the verification checklist with the NIK and the
//! SIAK answer, ending ready to print or escalated to the Kasi. Also: call a given number,
//! and the running time of the step against its standard.

use crate::app_state::{ActionError, use_app};
use crate::i18n::{Lang, use_lang};
use leptos::prelude::*;
use leptos::task::spawn_local;
use loket_core::catalogue::Case;
use loket_core::nik::{Nik, NikError, Sex};
use loket_core::op::{CallTicket, Escalate, Verify};
use loket_core::standards::{Timing, timing};
use loket_core::verification::{DocCheck, DocState, Siak, Verification};
use loket_core::{CounterNo, OpBody, Stage, Ticket, TicketNo, TicketRef};

/// Says what went wrong with a step, in the user's language.
pub fn step_error(lang: Lang, e: &ActionError) -> String {
    match e {
        ActionError::Refused(reason) => crate::components::conflicts::conflict_text(lang, reason),
        ActionError::Locked => lang
            .tr(
                "Tablet terkunci: masuk dulu.",
                "The tablet is locked: sign in first.",
            )
            .into(),
        _ => lang
            .tr(
                "Gagal menyimpan; tidak ada yang berubah. Coba lagi.",
                "Could not save; nothing changed. Try again.",
            )
            .into(),
    }
}

/// Runs a step and reports a refusal in `error`.
pub fn run_step(body: OpBody, error: RwSignal<Option<String>>) {
    let app = use_app();
    let lang = use_lang();
    spawn_local(async move {
        match app.act(body).await {
            Ok(_) => error.set(None),
            Err(e) => error.set(Some(step_error(lang.get_untracked(), &e))),
        }
    });
}

/// Calls a number typed by the operator (an applicant who came back after a no-show).
#[component]
pub fn CallNumber(counter: RwSignal<u8>) -> impl IntoView {
    let app = use_app();
    let lang = use_lang();
    let typed = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let l = lang.get_untracked();
        let (Some(number), Some(day), Ok(counter)) = (
            TicketNo::parse(&typed.get_untracked()),
            app.today(),
            CounterNo::new(counter.get_untracked()),
        ) else {
            error.set(Some(
                l.tr("Tulis nomor seperti A-017.", "Type a number like A-017.")
                    .into(),
            ));
            return;
        };
        typed.set(String::new());
        run_step(
            OpBody::CallTicket(CallTicket {
                number,
                day,
                counter,
            }),
            error,
        );
    };
    view! {
        <form class="call-number" on:submit=submit>
            <label for="call-number">{move || lang.get().tr("Panggil nomor tertentu", "Call a given number")}</label>
            <div class="inline">
                <input id="call-number" type="text" autocomplete="off" placeholder="A-017" maxlength="8"
                    prop:value=typed on:input=move |ev| typed.set(event_target_value(&ev)) />
                <button id="call-number-submit" class="button secondary" type="submit">
                    {move || lang.get().tr("Panggil", "Call")}
                </button>
            </div>
            <p class="form-error" role="alert" hidden=move || error.get().is_none()>{move || error.get()}</p>
        </form>
    }
}

fn minutes_seconds(ms: i64) -> String {
    let s = ms.max(0) / 1000;
    format!("{}:{:02}", s / 60, s % 60)
}

/// The running step's time against its standard, and the visit's total.
#[component]
pub fn StepTimer(ticket: Signal<Option<Ticket>>) -> impl IntoView {
    let app = use_app();
    let lang = use_lang();
    let figures = move || {
        let t = ticket.get()?;
        let span = t.steps.last().filter(|s| s.end.is_none())?;
        let now = app.now.get().timestamp_millis();
        let elapsed = now - span.start;
        let standard = app.view.with(|v| v.standards().of(span.step));
        let state = timing(chrono::Duration::milliseconds(elapsed), standard);
        let total = now - t.issued_at.timestamp_millis();
        Some((span.step, elapsed, standard.num_minutes(), state, total))
    };
    view! {
        {move || figures().map(|(step, elapsed, standard, state, total)| {
            let class = match state {
                Timing::OnTime => "timer ontime",
                Timing::Near => "timer near",
                Timing::Over => "timer over",
            };
            let l = lang.get();
            view! {
                <p class=class data-testid="step-timer" data-step=format!("{step:?}")>
                    <strong>{format!("{step:?}")}</strong> " "
                    {minutes_seconds(elapsed)} " / " {standard} " " {l.tr("menit", "min")}
                    <span class="total">{l.tr(" · total kunjungan ", " · visit total ")}{minutes_seconds(total)}</span>
                </p>
            }
        })}
    }
}

/// The ticket at this counter and the buttons for its next step.
#[component]
pub fn AtCounter(counter: RwSignal<u8>) -> impl IntoView {
    let app = use_app();
    let lang = use_lang();
    let error = RwSignal::new(None::<String>);
    // Memos: a sync or the clock's tick that leaves this ticket as it was must not
    // notify, or the checklist below would be rebuilt and lose what the operator typed.
    let ticket = Memo::new(move |_| {
        let day = app.today()?;
        let counter = CounterNo::new(counter.get()).ok()?;
        app.view.with(|v| v.at_counter(day, counter).cloned())
    });
    let step_of = Memo::new(move |_| {
        ticket.with(|t| t.as_ref().map(|t| (t.number.clone(), t.stage.clone())))
    });
    let step = move |make: fn(TicketRef) -> OpBody| {
        if let Some(t) = ticket.get_untracked() {
            run_step(
                make(TicketRef {
                    number: t.number,
                    day: t.day,
                }),
                error,
            );
        }
    };
    let t = move |id, en| lang.get().tr(id, en);
    view! {
        <section class="at-counter" data-testid="at-counter" hidden=move || ticket.get().is_none()>
            <h3>
                {move || t("Di loket ini: ", "At this counter: ")}
                <span class="number" data-testid="at-counter-number">{move || ticket.get().map(|t| t.number.to_string())}</span>
                " " <span class="stage" data-testid="at-counter-stage">{move || ticket.get().map(|t| t.stage.name())}</span>
            </h3>
            <StepTimer ticket=ticket.into() />
            <p class="form-error" role="alert" data-testid="step-error" hidden=move || error.get().is_none()>{move || error.get()}</p>
            {move || match step_of.get().map(|(_, stage)| stage) {
                Some(Stage::Called { missed, .. }) => view! {
                    <p class="hint" hidden=missed == 0>{move || format!("{} {missed}", t("Tidak hadir sebelumnya:", "Missed before:"))}</p>
                    <div class="actions">
                        <button id="arrive" class="button primary" on:click=move |_| step(OpBody::Arrive)>{move || t("Pemohon hadir", "Applicant is here")}</button>
                        <button id="recall" class="button secondary" on:click=move |_| step(OpBody::Recall)>{move || t("Panggil ulang", "Call again")}</button>
                        <button id="no-show" class="button secondary" on:click=move |_| step(OpBody::NoShow)>{move || t("Tidak hadir", "No-show")}</button>
                        <button id="requeue" class="button secondary" on:click=move |_| step(OpBody::Requeue)>{move || t("Kembalikan ke antrean", "Back to the queue")}</button>
                    </div>
                }.into_any(),
                Some(Stage::Arrived { .. }) => view! {
                    <div class="actions">
                        <button id="receive-documents" class="button primary" on:click=move |_| step(OpBody::ReceiveDocuments)>
                            {move || t("Dokumen diterima, mulai periksa", "Documents received, start checking")}
                        </button>
                    </div>
                }.into_any(),
                Some(Stage::Verifying { .. }) => view! { <Checklist ticket=ticket.into() error=error /> }.into_any(),
                _ => ().into_any(),
            }}
        </section>
    }
}

fn doc_state_label(lang: Lang, state: DocState) -> &'static str {
    match state {
        DocState::Valid => lang.tr("Ada & sah", "Present & valid"),
        DocState::Missing => lang.tr("Tidak ada", "Missing"),
        DocState::Invalid => lang.tr("Tidak sah", "Not valid"),
    }
}

fn nik_error(lang: Lang, e: &NikError) -> &'static str {
    match e {
        NikError::Length(_) => lang.tr("NIK harus 16 angka.", "A NIK has 16 digits."),
        NikError::NotDigit(_) => lang.tr("NIK hanya berisi angka.", "A NIK has digits only."),
        NikError::BadDate => lang.tr(
            "Angka 7–12 bukan tanggal lahir (perempuan: tanggal + 40).",
            "Digits 7–12 are not a birth date (women: day + 40).",
        ),
        NikError::ZeroSerial => lang.tr(
            "Nomor urut (4 angka terakhir) tidak boleh 0000.",
            "The serial (last 4 digits) cannot be 0000.",
        ),
    }
}

/// A4: the checklist for the ticket's case.
#[component]
fn Checklist(ticket: Signal<Option<Ticket>>, error: RwSignal<Option<String>>) -> impl IntoView {
    let app = use_app();
    let lang = use_lang();
    let t = move |id, en| lang.get().tr(id, en);
    let case = move || -> Option<(u32, Case)> {
        let tk = ticket.get()?;
        // The list the ticket was issued under: what the applicant was told to bring.
        app.view
            .with(|v| v.case_of(&tk).map(|c| (tk.catalogue, c.clone())))
    };
    let docs = RwSignal::new(Vec::<DocCheck>::new());
    let nik = RwSignal::new(String::new());
    let name = RwSignal::new(String::new());
    let siak = RwSignal::new(None::<Siak>);
    let note = RwSignal::new(String::new());
    let reason = RwSignal::new(String::new());
    let state_of =
        move |code: &str| docs.with(|d| d.iter().find(|d| d.code == code).map(|d| d.state));
    let set_state = move |code: String, state: DocState| {
        docs.update(|d| match d.iter_mut().find(|d| d.code == code) {
            Some(doc) => doc.state = state,
            None => d.push(DocCheck { code, state }),
        })
    };
    let decoded = move || {
        let today = app.today()?;
        let text = nik.get();
        (!text.trim().is_empty()).then(|| Nik::parse(&text, today))
    };
    let record = move || -> Option<Verification> {
        let (version, case) = case()?;
        let today = app.today()?;
        let (nik, _) = Nik::parse(&nik.get(), today).ok()?;
        let documents = case
            .documents
            .iter()
            .filter_map(|d| {
                state_of(&d.code).map(|state| DocCheck {
                    code: d.code.clone(),
                    state,
                })
            })
            .collect();
        let v = Verification {
            catalogue: version,
            documents,
            nik,
            name: name.get().trim().to_string(),
            siak: siak.get()?,
            note: note.get(),
        };
        v.check().ok().map(|()| v)
    };
    let conforms = move || {
        let (_, case) = case()?;
        record().map(|v| v.conforms(&case))
    };
    let tref = move || {
        ticket.get_untracked().map(|t| TicketRef {
            number: t.number,
            day: t.day,
        })
    };
    let ready = move |_| {
        if let (Some(ticket), Some(verification)) = (tref(), record()) {
            run_step(
                OpBody::VerifyDocuments(Verify {
                    ticket,
                    verification,
                }),
                error,
            );
        }
    };
    let escalate = move |_| {
        let l = lang.get_untracked();
        let why = reason.get_untracked();
        if why.trim().is_empty() {
            error.set(Some(
                l.tr("Tulis alasan untuk Kasi.", "Write the reason for the Kasi.")
                    .into(),
            ));
            return;
        }
        if let (Some(ticket), Some(verification)) = (tref(), record()) {
            run_step(
                OpBody::Escalate(Escalate {
                    ticket,
                    verification,
                    reason: why.trim().to_string(),
                }),
                error,
            );
        }
    };
    let siak_options = [
        (
            Siak::Matches,
            "siak-matches",
            "Sesuai, siap cetak",
            "Matches, ready to print",
        ),
        (
            Siak::NotMatching,
            "siak-not-matching",
            "Tidak sesuai",
            "Not matching",
        ),
        (
            Siak::NotVerified,
            "siak-not-verified",
            "Belum terverifikasi",
            "Not yet verified",
        ),
    ];
    view! {
        <div class="checklist" id="checklist">
            <h4>{move || t("Dokumen yang wajib", "Required documents")}</h4>
            <ul class="docs">
                {move || case().map(|(_, case)| case.documents.into_iter().map(|d| {
                    let code = d.code.clone();
                    let label = move || if lang.get() == Lang::Id { d.name_id.clone() } else { d.name_en.clone() };
                    view! {
                        <li data-doc=code.clone()>
                            <span class="doc-name">{label}</span>
                            <span class="doc-states" role="group">
                                {[DocState::Valid, DocState::Missing, DocState::Invalid].into_iter().map(|st| {
                                    let code = code.clone();
                                    let code2 = code.clone();
                                    view! {
                                        <button type="button" class="chip" data-state=format!("{st:?}").to_lowercase()
                                            aria-pressed=move || (state_of(&code) == Some(st)).to_string()
                                            on:click=move |_| set_state(code2.clone(), st)>
                                            {move || doc_state_label(lang.get(), st)}
                                        </button>
                                    }
                                }).collect_view()}
                            </span>
                        </li>
                    }
                }).collect_view())}
            </ul>
            <label for="nik">{move || t("NIK (16 angka)", "NIK (16 digits)")}</label>
            <input id="nik" type="text" inputmode="numeric" autocomplete="off" maxlength="24"
                prop:value=nik on:input=move |ev| nik.set(event_target_value(&ev)) />
            {move || match decoded() {
                Some(Ok((_, info))) => view! {
                    <p class="nik-ok" data-testid="nik-decoded">
                        {t("Tanggal lahir: ", "Born: ")} {info.birth_date.format("%d-%m-%Y").to_string()}
                        " · " {match info.sex { Sex::Male => t("Laki-laki", "Male"), Sex::Female => t("Perempuan", "Female") }}
                        " — " {t("cocokkan dengan dokumen.", "check against the documents.")}
                    </p>
                }.into_any(),
                Some(Err(e)) => view! { <p class="form-error" data-testid="nik-error">{nik_error(lang.get(), &e)}</p> }.into_any(),
                None => ().into_any(),
            }}
            <label for="applicant-name">{move || t("Nama pemohon (sesuai KK)", "Applicant's name (as on the KK)")}</label>
            <input id="applicant-name" type="text" autocomplete="off" maxlength="100"
                prop:value=name on:input=move |ev| name.set(event_target_value(&ev)) />
            <h4>{move || t("Hasil cek di SIAK", "Result of the SIAK check")}</h4>
            <div class="chips" role="group">
                {siak_options.into_iter().map(|(value, id, label_id, label_en)| view! {
                    <button type="button" class="chip" id=id aria-pressed=move || (siak.get() == Some(value)).to_string()
                        on:click=move |_| siak.set(Some(value))>
                        {move || lang.get().tr(label_id, label_en)}
                    </button>
                }).collect_view()}
            </div>
            <label for="verify-note">{move || t("Catatan (tanpa data pribadi)", "Note (no personal data)")}</label>
            <textarea id="verify-note" rows="2" maxlength="500" prop:value=note on:input=move |ev| note.set(event_target_value(&ev))></textarea>
            <div class="actions">
                <button id="ready-to-print" class="button primary" disabled=move || conforms() != Some(true) on:click=ready>
                    {move || t("Sesuai — siap cetak", "Conforms — ready to print")}
                </button>
            </div>
            <p class="hint" hidden=move || conforms() != Some(false)>
                {move || t("Berkas tidak lengkap atau SIAK tidak sesuai: teruskan ke Kasi.", "Incomplete, or SIAK does not match: escalate to the Kasi.")}
            </p>
            <label for="escalate-reason">{move || t("Alasan diteruskan ke Kasi", "Reason for the Kasi")}</label>
            <input id="escalate-reason" type="text" maxlength="500" prop:value=reason on:input=move |ev| reason.set(event_target_value(&ev)) />
            <div class="actions">
                <button id="escalate" class="button secondary" disabled=move || record().is_none() on:click=escalate>
                    {move || t("Teruskan ke Kasi", "Escalate to the Kasi")}
                </button>
            </div>
            <p class="hint" hidden=move || record().is_some()>
                {move || t("Tandai semua dokumen, isi NIK yang valid, nama dan hasil SIAK.", "Mark every document, enter a valid NIK, the name and the SIAK result.")}
            </p>
        </div>
    }
}
