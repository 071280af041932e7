//! `/admin`: staff accounts (name, role, PIN), the office's counters, the standard times and
//! the service list ([`crate::routes::admin_catalogue`]).
//! Everything here is an op like any other: it works offline and reaches every device.

use crate::app_state::use_app;
use crate::i18n::use_lang;
use crate::routes::lock::{pin_label, pin_problem, role_name, unlock_error};
use crate::routes::visit::run_step;
use leptos::prelude::*;
use leptos::task::spawn_local;
use loket_core::op::SetCounters;
use loket_core::roles::Role;
use loket_core::staff::Staff;
use loket_core::standards::Step;
use loket_core::{Action, OpBody, StaffId};

const ROLES: [Role; 4] = [Role::Operator, Role::Kasi, Role::Staff, Role::Admin];

/// The admin page.
#[component]
pub fn AdminPage() -> impl IntoView {
    let app = use_app();
    let lang = use_lang();
    view! {
        <main class="page admin">
            <Show when=move || app.may(Action::Administer) fallback=move || view! {
                <p class="banner warn">{move || lang.get().tr("Halaman ini hanya untuk admin.", "This page is for the admin only.")}</p>
            }>
                <div class="columns">
                    <StaffSection />
                    <div>
                        <crate::routes::admin_devices::DeviceListSection />
                        <crate::routes::admin_devices::NewDeviceSection />
                        <crate::routes::admin_access::AccessSection />
                        <CountersSection />
                        <StandardsSection />
                    </div>
                </div>
                <crate::routes::admin_catalogue::CatalogueSection />
            </Show>
        </main>
    }
}

#[component]
fn StaffSection() -> impl IntoView {
    let app = use_app();
    let lang = use_lang();
    let t = move |id, en| lang.get().tr(id, en);
    let name = RwSignal::new(String::new());
    let role = RwSignal::new(Role::Operator);
    let pin = RwSignal::new(String::new());
    let editing = RwSignal::new(None::<StaffId>);
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let staff = move || app.view.with(|v| v.staff().cloned().collect::<Vec<_>>());
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let l = lang.get_untracked();
        let (n, p) = (name.get_untracked(), pin.get_untracked());
        if n.trim().is_empty() {
            error.set(Some(l.tr("Isi nama.", "Enter a name.").into()));
            return;
        }
        if let Some(problem) = pin_problem(l, &p) {
            error.set(Some(problem.into()));
            return;
        }
        busy.set(true);
        spawn_local(async move {
            let result = async {
                let id = editing
                    .get_untracked()
                    .unwrap_or_else(crate::app_state::new_staff_id);
                let account = Staff {
                    id: id.clone(),
                    name: n.trim().to_string(),
                    role: role.get_untracked(),
                    active: true,
                };
                // The PIN goes to the server only (it never travels in an op).
                app.set_pin(id, p).await?;
                app.act(OpBody::SaveStaff(account)).await
            }
            .await;
            busy.set(false);
            match result {
                Ok(_) => {
                    error.set(None);
                    name.set(String::new());
                    pin.set(String::new());
                    editing.set(None);
                }
                Err(crate::app_state::ActionError::Refused(r)) => {
                    error.set(Some(crate::components::conflicts::conflict_text(l, &r)))
                }
                Err(e) => error.set(Some(unlock_error(l, &e).into())),
            }
        });
    };
    let toggle = move |s: Staff| {
        let mut s = s;
        s.active = !s.active;
        run_step(OpBody::SaveStaff(s), error);
    };
    view! {
        <section class="card" aria-labelledby="staff-title">
            <h2 id="staff-title">{move || t("Staf", "Staff")}</h2>
            <ul class="staff-list" id="staff-list">
                {move || staff().into_iter().map(|s| {
                    let edit = s.clone();
                    let flip = s.clone();
                    view! {
                        <li data-staff=s.id.to_string() class:inactive=!s.active>
                            <span class="name">{s.name.clone()}</span>
                            <span class="role">{move || role_name(lang.get(), s.role)}</span>
                            <span class="state">{move || if s.active { t("aktif", "active") } else { t("nonaktif", "disabled") }}</span>
                            <button type="button" class="button secondary" on:click=move |_| {
                                editing.set(Some(edit.id.clone()));
                                name.set(edit.name.clone());
                                role.set(edit.role);
                                pin.set(String::new());
                            }>{move || t("Ubah / PIN baru", "Edit / new PIN")}</button>
                            <button type="button" class="button secondary" on:click=move |_| toggle(flip.clone())>
                                {move || if s.active { t("Nonaktifkan", "Disable") } else { t("Aktifkan", "Enable") }}
                            </button>
                        </li>
                    }
                }).collect_view()}
            </ul>
            <form on:submit=submit id="staff-form">
                <h3>{move || if editing.get().is_some() { t("Ubah akun", "Edit account") } else { t("Tambah staf", "Add staff") }}</h3>
                <label for="staff-name">{move || t("Nama", "Name")}</label>
                <input id="staff-name" type="text" maxlength="80" prop:value=name on:input=move |ev| name.set(event_target_value(&ev)) />
                <label for="staff-role">{move || t("Peran", "Role")}</label>
                <select id="staff-role" on:change=move |ev| {
                    let i: usize = event_target_value(&ev).parse().unwrap_or(0);
                    role.set(ROLES[i.min(ROLES.len() - 1)]);
                }>
                    {ROLES.iter().enumerate().map(|(i, r)| view! {
                        <option value=i.to_string() selected=move || role.get() == *r>{move || role_name(lang.get(), *r)}</option>
                    }).collect_view()}
                </select>
                <label for="staff-pin">{move || pin_label(lang.get())}</label>
                <input id="staff-pin" type="password" inputmode="numeric" autocomplete="new-password" maxlength=loket_core::staff::MAX_PIN
                    prop:value=pin on:input=move |ev| pin.set(event_target_value(&ev)) />
                <p class="form-error" role="alert" data-testid="staff-error" hidden=move || error.get().is_none()>{move || error.get()}</p>
                <button id="staff-save" class="button primary" type="submit" disabled=busy>{move || t("Simpan", "Save")}</button>
            </form>
        </section>
    }
}

#[component]
fn CountersSection() -> impl IntoView {
    let app = use_app();
    let lang = use_lang();
    let t = move |id, en| lang.get().tr(id, en);
    let count = RwSignal::new(app.view.with_untracked(|v| v.counters()).to_string());
    let error = RwSignal::new(None::<String>);
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        match count.get_untracked().trim().parse::<u8>() {
            Ok(n) if (1..=loket_core::op::MAX_COUNTERS).contains(&n) => {
                run_step(OpBody::SetCounters(SetCounters { count: n }), error)
            }
            _ => error.set(Some(
                lang.get_untracked()
                    .tr("Jumlah loket 1 sampai 20.", "1 to 20 counters.")
                    .into(),
            )),
        }
    };
    view! {
        <form class="card" on:submit=save>
            <h2>{move || t("Loket", "Counters")}</h2>
            <label for="counters">{move || t("Jumlah loket di kantor", "Counters in the office")}</label>
            <input id="counters" type="number" min="1" max="20" prop:value=count on:input=move |ev| count.set(event_target_value(&ev)) />
            <p class="form-error" role="alert" hidden=move || error.get().is_none()>{move || error.get()}</p>
            <button id="counters-save" class="button primary" type="submit">{move || t("Simpan", "Save")}</button>
        </form>
    }
}

#[component]
fn StandardsSection() -> impl IntoView {
    let app = use_app();
    let lang = use_lang();
    let t = move |id, en| lang.get().tr(id, en);
    let error = RwSignal::new(None::<String>);
    let values: Vec<(Step, RwSignal<String>)> = Step::WALK_IN
        .iter()
        .map(|s| {
            let m = app
                .view
                .with_untracked(|v| v.standards().of(*s).num_minutes());
            (*s, RwSignal::new(m.to_string()))
        })
        .collect();
    let fields = values.clone();
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let mut times = app.view.with_untracked(|v| v.standards().clone());
        for (step, value) in &values {
            let ok = value
                .get_untracked()
                .trim()
                .parse::<u16>()
                .ok()
                .is_some_and(|m| times.set(*step, m).is_ok());
            if !ok {
                error.set(Some(
                    lang.get_untracked()
                        .tr(
                            "Waktu standar 1 sampai 240 menit.",
                            "A standard is 1 to 240 minutes.",
                        )
                        .into(),
                ));
                return;
            }
        }
        run_step(OpBody::SetStandards(times), error);
    };
    view! {
        <form class="card standards" on:submit=save>
            <h2>{move || t("Waktu standar (menit)", "Standard times (minutes)")}</h2>
            <div class="grid">
                {fields.into_iter().map(|(step, value)| view! {
                    <label>{format!("{step:?}")}
                        <input type="number" min="1" max="240" data-step=format!("{step:?}") prop:value=value on:input=move |ev| value.set(event_target_value(&ev)) />
                    </label>
                }).collect_view()}
            </div>
            <p class="form-error" role="alert" hidden=move || error.get().is_none()>{move || error.get()}</p>
            <button id="standards-save" class="button primary" type="submit">{move || t("Simpan", "Save")}</button>
        </form>
    }
}
