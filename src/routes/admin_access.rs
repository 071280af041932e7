//! The admin's view of where each staff member is signed in, and revoking: a lost
//! tablet, or a person who left the office. Read from the server (who holds credentials),
//! so it needs the connection; what it lists is the server's, never re-checked here.

use crate::app_state::{ActionError, use_app};
use crate::i18n::use_lang;
use crate::routes::lock::unlock_error;
use leptos::prelude::*;
use leptos::task::spawn_local;
use loket_core::sign_in::SignedIn;

/// The "signed in on" card of `/admin`.
#[component]
pub fn AccessSection() -> impl IntoView {
    let app = use_app();
    let lang = use_lang();
    let t = move |id, en| lang.get().tr(id, en);
    let rows = RwSignal::new(None::<Vec<SignedIn>>);
    let error = RwSignal::new(None::<&'static str>);
    let busy = RwSignal::new(false);
    let load = move || {
        busy.set(true);
        spawn_local(async move {
            let result = app.signed_in().await;
            busy.set(false);
            match result {
                Ok(list) => {
                    error.set(None);
                    rows.set(Some(list));
                }
                Err(e) => error.set(Some(unlock_error(lang.get_untracked(), &e))),
            }
        });
    };
    load();
    let revoke = move |row: SignedIn| {
        busy.set(true);
        spawn_local(async move {
            let result: Result<u32, ActionError> = app.revoke(row.staff, Some(row.device)).await;
            busy.set(false);
            match result {
                Ok(_) => load(),
                Err(e) => error.set(Some(unlock_error(lang.get_untracked(), &e))),
            }
        });
    };
    let name_of = move |row: &SignedIn| {
        app.view.with(|v| {
            v.staff_member(&row.staff)
                .map_or_else(|| row.staff.to_string(), |s| s.name.clone())
        })
    };
    let when = move |ms: i64| app.office_time(ms);
    view! {
        <section class="card" aria-labelledby="access-title">
            <h2 id="access-title">{move || t("Masuk di perangkat", "Signed in on devices")}</h2>
            <p class="hint">{move || t(
                "Cabut akses bila tablet hilang atau staf berhenti: langkah yang dibuat dengan akses itu ditolak server sejak saat itu.",
                "Revoke access when a tablet is lost or a person leaves: steps made with it are refused by the server from then on.",
            )}</p>
            <ul class="staff-list" id="access-list">
                {move || rows.get().unwrap_or_default().into_iter().map(|row| {
                    let active = row.revoked_ms.is_none();
                    let target = row.clone();
                    view! {
                        <li data-staff=row.staff.to_string() data-device=row.device.to_string() class:inactive=!active>
                            <span class="name">{name_of(&row)}</span>
                            <span class="role">{row.device_name.clone()}</span>
                            <span class="state">{
                                let since = when(row.issued_ms);
                                move || if active {
                                    format!("{} {since}", t("sejak", "since"))
                                } else {
                                    t("dicabut", "revoked").to_owned()
                                }
                            }</span>
                            {active.then(|| view! {
                                <button type="button" class="button secondary revoke" disabled=busy
                                    on:click=move |_| revoke(target.clone())>
                                    {move || t("Cabut akses", "Revoke")}
                                </button>
                            })}
                        </li>
                    }
                }).collect_view()}
            </ul>
            <p class="form-error" role="alert" data-testid="access-error" hidden=move || error.get().is_none()>{move || error.get()}</p>
            <button id="access-reload" type="button" class="button secondary" disabled=busy on:click=move |_| load()>
                {move || t("Muat ulang", "Reload")}
            </button>
        </section>
    }
}
