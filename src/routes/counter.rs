//! `/`: the counter screen: issue a walk-in number (A1), call the next one (A2), and the
//! waiting list, ordered by the core's queue rules.

use crate::app_state::{ActionError, use_app};
use crate::components::ticket_slip::{SlipData, TicketSlip};
use crate::i18n::{Texts, use_lang};
use crate::print_sheet;
use leptos::prelude::*;
use leptos::task::spawn_local;
use loket_core::catalogue::CaseCode;
use loket_core::state::WAITING_SHOWN;
use loket_core::status_link::StatusLink;
use loket_core::{CounterNo, Ticket};

fn action_error(t: &'static Texts, e: ActionError) -> &'static str {
    match e {
        ActionError::SaveFailed => t.save_failed,
        ActionError::SerialsExhausted => t.serials_exhausted,
        ActionError::QueueEmpty => t.queue_empty,
        ActionError::NotEnrolled => t.not_enrolled,
        ActionError::ClockWrong => t.clock_refused,
        ActionError::Refused(_) | ActionError::Locked => t.step_refused,
        ActionError::NoCrypto
        | ActionError::WrongPin
        | ActionError::TooManyTries
        | ActionError::Offline
        | ActionError::NotAccepted => t.save_failed,
    }
}

/// The counter page.
#[component]
pub fn CounterPage() -> impl IntoView {
    let app = use_app();
    let lang = use_lang();
    let t = move || lang.get().t();
    let first_case = app
        .view
        .with_untracked(|v| v.catalogue().cases.first().map(|c| c.code.to_string()));
    let case = RwSignal::new(first_case.unwrap_or_default());
    let priority = RwSignal::new(false);
    let counter = RwSignal::new(app.counter().map_or(1, CounterNo::get));
    let last_issued = RwSignal::new(None::<Ticket>);
    let serving = RwSignal::new(None::<Ticket>);
    let message = RwSignal::new(None::<&'static str>);

    // The buttons stay disabled while their action runs: a double tap is one action.
    let issuing = RwSignal::new(false);
    let calling = RwSignal::new(false);
    let issue = move || {
        issuing.set(true);
        spawn_local(async move {
            let result = match CaseCode::new(case.get_untracked()) {
                Ok(code) => app.issue_ticket(code, priority.get_untracked()).await,
                Err(_) => Err(ActionError::SaveFailed),
            };
            issuing.set(false);
            match result {
                Ok(ticket) => {
                    message.set(None);
                    priority.set(false);
                    last_issued.set(Some(ticket));
                }
                Err(e) => message.set(Some(action_error(t(), e))),
            }
        });
    };
    let call = move || {
        calling.set(true);
        spawn_local(async move {
            let result = match CounterNo::new(counter.get_untracked()) {
                Ok(c) => {
                    app.set_counter(c);
                    app.call_next(c).await
                }
                Err(_) => Err(ActionError::SaveFailed),
            };
            calling.set(false);
            match result {
                Ok(ticket) => {
                    message.set(None);
                    serving.set(Some(ticket));
                }
                Err(e) => message.set(Some(action_error(t(), e))),
            }
        });
    };

    // A memo: computed once per change of the queue, however many places read it. How
    // many wait, and the first WAITING_SHOWN of them.
    let queue = Memo::new(move |_| {
        let day = app.today();
        app.view.with(|v| match day {
            Some(day) => {
                let all = v.waiting(day);
                let shown = all.iter().take(WAITING_SHOWN).map(|t| (*t).clone());
                (all.len(), shown.collect::<Vec<_>>())
            }
            None => (0, Vec::new()),
        })
    });
    let waiting_count = move || queue.with(|q| q.0);
    let more_waiting = move || waiting_count().saturating_sub(WAITING_SHOWN);
    let called_to = |ticket: &Ticket| {
        ticket
            .stage
            .counter()
            .map(|c| c.to_string())
            .unwrap_or_default()
    };
    // Named from the catalogue version the ticket was issued under.
    let case_name = move |ticket: &Ticket| {
        let english = lang.get() == crate::i18n::Lang::En;
        app.view.with(|v| v.case_name(ticket, english))
    };
    let time_of = move |ticket: &Ticket| {
        app.enrolment.with(|e| {
            e.as_ref()
                .map(|e| e.office.hhmm(ticket.issued_at))
                .unwrap_or_default()
        })
    };

    // What the paper ticket shows, in the office's time and with the link of its QR code.
    let slip_data = move |ticket: &Ticket| {
        let (office_name, issued, office) = app.enrolment.with_untracked(|e| {
            e.as_ref()
                .map(|e| {
                    let o = &e.office;
                    (
                        o.name.clone(),
                        o.date_time(ticket.issued_at),
                        Some(o.code.clone()),
                    )
                })
                .unwrap_or_default()
        });
        let origin = window().location().origin().unwrap_or_default();
        SlipData {
            office_name,
            number: ticket.number.to_string(),
            // The paper is read away from the screen: always in Indonesian.
            case_name: app.view.with_untracked(|v| v.case_name(ticket, false)),
            priority: ticket.priority,
            issued,
            check_code: ticket.check.to_string(),
            status_url: match &office {
                Some(office) => {
                    format!("{origin}{}", StatusLink::for_ticket(ticket, office).page())
                }
                None => String::new(),
            },
        }
    };

    view! {
        <main class="page counter">
            <p class="banner error" role="alert" data-testid="action-error" hidden=move || message.get().is_none()>{move || message.get()}</p>
            <div class="columns">
                <section class="card issue" aria-labelledby="issue-title">
                    <h2 id="issue-title">{move || t().issue_title}</h2>
                    <label for="issue-case">{move || t().case_label}</label>
                    <select
                        id="issue-case"
                        prop:value=case
                        on:change=move |ev| case.set(event_target_value(&ev))
                    >
                        // The office's catalogue in force: the admin's list, synced.
                        {move || {
                            let english = lang.get() == crate::i18n::Lang::En;
                            app.view.with(|v| v.catalogue().cases.clone())
                                .into_iter()
                                .map(|c| {
                                    let code = c.code.to_string();
                                    let value = code.clone();
                                    let name = if english { c.name_en } else { c.name_id };
                                    view! {
                                        <option value=value selected=move || case.get() == code>{name}</option>
                                    }
                                })
                                .collect_view()
                        }}
                    </select>
                    <label class="check">
                        <input
                            id="issue-priority"
                            type="checkbox"
                            prop:checked=priority
                            on:change=move |ev| priority.set(event_target_checked(&ev))
                        />
                        <span>
                            <strong>{move || t().priority_label}</strong>
                            <small>{move || t().priority_hint}</small>
                        </span>
                    </label>
                    <button
                        id="issue-ticket"
                        class="button primary big"
                        disabled=move || issuing.get()
                        on:click=move |_| {
                            issue();
                        }
                    >
                        {move || t().issue_button}
                    </button>
                    <div class="ticket-out" aria-live="polite">
                        <span class="label">{move || t().last_ticket}</span>
                        <span class="number" data-testid="last-ticket">
                            {move || last_issued.get().map(|t| t.number.to_string()).unwrap_or_else(|| "—".into())}
                        </span>
                        {move || last_issued.get().map(|tk| view! {
                            <span class="meta">
                                {case_name(&tk)} " · " {time_of(&tk)} " · "
                                {t().check_code} " " <code>{tk.check.to_string()}</code>
                            </span>
                        })}
                    </div>
                    {move || last_issued.get().map(|tk| {
                        let data = slip_data(&tk);
                        view! {
                            <button id="print-ticket" class="button primary" on:click=move |_| print_sheet::print_element("ticket-slip")>
                                {move || lang.get().tr("Cetak tiket", "Print the ticket")}
                            </button>
                            <TicketSlip data=data />
                        }
                    })}
                </section>
                <section class="card serve" aria-labelledby="serve-title">
                    <h2 id="serve-title">{move || t().serve_title}</h2>
                    <div class="serve-controls">
                        <label for="counter-no">{move || t().counter_label}</label>
                        <select
                            id="counter-no"
                            prop:value=move || counter.get().to_string()
                            on:change=move |ev| {
                                if let Ok(n) = event_target_value(&ev).parse() {
                                    counter.set(n)
                                }
                            }
                        >
                            {move || (1..=app.view.with(|v| v.counters()))
                                .map(|n| view! { <option value=n.to_string() selected=move || counter.get() == n>{n}</option> })
                                .collect_view()}
                        </select>
                        <button
                            id="call-next"
                            class="button primary big"
                            disabled=move || waiting_count() == 0 || calling.get()
                            on:click=move |_| {
                                call();
                            }
                        >
                            {move || t().call_next}
                        </button>
                    </div>
                    <crate::routes::visit::CallNumber counter=counter />
                    <div class="now-serving" aria-live="assertive">
                        <span class="label">{move || t().now_serving}</span>
                        <span class="number" data-testid="now-serving">
                            {move || serving.get().map(|t| t.number.to_string()).unwrap_or_else(|| "—".into())}
                        </span>
                        {move || serving.get().map(|tk| view! {
                            <span class="meta">{t().counter_label} " " {called_to(&tk)} " · " {case_name(&tk)}</span>
                        })}
                    </div>
                    <crate::routes::visit::AtCounter counter=counter />
                    <h3>{move || t().waiting_title} " (" {waiting_count} ")"</h3>
                    <ol id="waiting" class="waiting">
                        // WAITING_SHOWN rows at most: drawn anew on each change, which costs
                        // less bundle than a keyed list.
                        {move || {
                            let lang = lang.get();
                            let t = lang.t();
                            queue.get()
                                .1
                                .into_iter()
                                .map(|tk| {
                                    let number = tk.number.to_string();
                                    let label = number.clone();
                                    view! {
                                        <li data-ticket=number class:priority=tk.priority>
                                            <span class="number">{label}</span>
                                            <span class="case">{case_name(&tk)}</span>
                                            <span class="time">{time_of(&tk)}</span>
                                            <span class="badge" hidden=!tk.priority>{t.priority_badge}</span>
                                        </li>
                                    }
                                })
                                .collect_view()
                        }}
                    </ol>
                    <p class="more-waiting" data-testid="more-waiting" hidden=move || more_waiting() == 0>
                        {move || match lang.get() {
                            crate::i18n::Lang::Id => format!("… dan {} lainnya menunggu", more_waiting()),
                            crate::i18n::Lang::En => format!("… and {} more waiting", more_waiting()),
                        }}
                    </p>
                    <p class="empty" hidden=move || waiting_count() != 0>{move || t().waiting_empty}</p>
                </section>
            </div>
        </main>
    }
}
