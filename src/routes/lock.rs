//! The lock screen of the shared tablet: a person taps their name and types their PIN
//! (checked offline against the synced hash). On a new office with no staff at all, the
//! person who enrolled the device creates the first admin account here.

use crate::app_state::{ActionError, use_app};
use crate::i18n::{Lang, use_lang};
use crate::nav::Route;
use leptos::prelude::*;
use leptos::task::spawn_local;
use loket_core::roles::Role;
use loket_core::staff::check_new_pin;
use loket_core::{Action, CounterNo, StaffId};

/// A role's name on screen.
pub fn role_name(lang: Lang, role: Role) -> &'static str {
    match role {
        Role::Operator => lang.tr("Operator", "Operator"),
        Role::Kasi => lang.tr("Kasi Pelum", "Kasi Pelum"),
        Role::Staff => lang.tr("Staf", "Staff"),
        Role::Admin => lang.tr("Admin", "Admin"),
    }
}

/// Formats a text once, from the core's limits, for the life of the page.
macro_rules! once_text {
    ($($arg:tt)*) => {{
        static TEXT: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| format!($($arg)*));
        TEXT.as_str()
    }};
}

/// The label of a new PIN's field: "PIN (6–8 angka)", from the core's rule.
pub fn pin_label(lang: Lang) -> &'static str {
    use loket_core::staff::{MAX_PIN, MIN_PIN};
    lang.tr(
        once_text!("PIN ({MIN_PIN}–{MAX_PIN} angka)"),
        once_text!("PIN ({MIN_PIN}–{MAX_PIN} digits)"),
    )
}

/// Why a PIN cannot be used, in the user's language.
pub fn pin_problem(lang: Lang, pin: &str) -> Option<&'static str> {
    use loket_core::staff::StaffError as E;
    check_new_pin(pin).err().map(|e| match e {
        E::PinLength => {
            use loket_core::staff::{MAX_PIN, MIN_PIN};
            lang.tr(
                once_text!("PIN terdiri dari {MIN_PIN}–{MAX_PIN} angka."),
                once_text!("A PIN has {MIN_PIN}–{MAX_PIN} digits."),
            )
        }
        E::PinNotDigits => lang.tr("PIN hanya berisi angka.", "A PIN has digits only."),
        E::PinTooEasy => lang.tr(
            "PIN ini terlalu mudah ditebak (mis. 123456, 000000).",
            "This PIN is too easy to guess (e.g. 123456, 000000).",
        ),
        _ => lang.tr("PIN tidak dapat dipakai.", "This PIN cannot be used."),
    })
}

/// What went wrong unlocking or saving, in the user's language.
pub fn unlock_error(lang: Lang, e: &ActionError) -> &'static str {
    match e {
        ActionError::WrongPin => lang.tr("PIN salah. Coba lagi.", "Wrong PIN. Try again."),
        ActionError::TooManyTries => lang.tr(
            "Terlalu banyak PIN salah. Tunggu beberapa saat, lalu coba lagi (jeda makin lama setiap kali salah).",
            "Too many wrong PINs. Wait a while, then try again (the pause grows with every wrong PIN).",
        ),
        ActionError::Offline => lang.tr(
            "Perlu koneksi ke server: masuk pertama kali di tablet ini, akun baru dan PIN baru diperiksa server. Coba lagi saat tersambung.",
            "This needs the server: a first sign-in on this tablet, a new account and a new PIN are checked by the server. Try again when connected.",
        ),
        ActionError::NotAccepted => lang.tr(
            "Server menolak permintaan ini (kantor sudah punya admin, atau akses Anda dicabut). Tidak ada yang berubah.",
            "The server refused this (the office already has an admin, or your access was revoked). Nothing changed.",
        ),
        ActionError::NoCrypto => lang.tr(
            "Browser ini tidak dapat memeriksa PIN: buka Loket lewat https.",
            "This browser cannot check PINs: open Loket over https.",
        ),
        _ => lang.tr(
            "Gagal menyimpan. Tidak ada yang berubah; coba lagi.",
            "Could not save. Nothing changed; try again.",
        ),
    }
}

/// The lock screen.
#[component]
pub fn LockScreen() -> impl IntoView {
    let app = use_app();
    let lang = use_lang();
    let no_staff = move || app.view.with(|v| v.staff().next().is_none());
    // Until the first sync, the office's staff may simply not be here yet: offering to
    // create a first admin then would make a second one.
    let synced = move || app.sync.last_success.get().is_some();
    // A memo, so the form is rebuilt only when what it should be changes: every sync and
    // every pulled op would otherwise make a new one and drop the name just tapped.
    let shown = Memo::new(move |_| (no_staff(), synced()));
    view! {
        <main class="page lock">
            {move || match shown.get() {
                (false, _) => view! { <Unlock /> }.into_any(),
                (true, true) => view! { <FirstAdmin /> }.into_any(),
                (true, false) => view! {
                    <p class="loading" data-testid="staff-loading">{move || lang.get().tr(
                        "Mengambil daftar staf dari server…",
                        "Fetching the staff list from the server…",
                    )}</p>
                }.into_any(),
            }}
        </main>
    }
}

#[component]
fn FirstAdmin() -> impl IntoView {
    let app = use_app();
    let lang = use_lang();
    let name = RwSignal::new(String::new());
    let pin = RwSignal::new(String::new());
    let again = RwSignal::new(String::new());
    let error = RwSignal::new(None::<&'static str>);
    let busy = RwSignal::new(false);
    let nav = crate::nav::use_nav();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let l = lang.get_untracked();
        let (n, p) = (name.get_untracked(), pin.get_untracked());
        if n.trim().is_empty() {
            error.set(Some(l.tr("Isi nama Anda.", "Enter your name.")));
            return;
        }
        if let Some(problem) = pin_problem(l, &p) {
            error.set(Some(problem));
            return;
        }
        if p != again.get_untracked() {
            error.set(Some(l.tr("Kedua PIN tidak sama.", "The two PINs differ.")));
            return;
        }
        busy.set(true);
        spawn_local(async move {
            let result = app.create_first_admin(n.trim().to_string(), p).await;
            busy.set(false);
            match result {
                // Next, the admin adds the office's staff.
                Ok(()) => nav.go(crate::nav::Route::Admin),
                Err(e) => error.set(Some(unlock_error(l, &e))),
            }
        });
    };
    let t = move |id, en| lang.get().tr(id, en);
    view! {
        <form class="card narrow" on:submit=submit>
            <h1>{move || t("Akun admin pertama", "First admin account")}</h1>
            <p class="hint">{move || t(
                "Kantor ini belum punya akun staf. Buat akun admin Anda; setelah itu Anda dapat menambah operator, Kasi dan staf.",
                "This office has no staff accounts yet. Create your admin account; then add operators, the Kasi and staff.",
            )}</p>
            <label for="first-name">{move || t("Nama", "Name")}</label>
            <input id="first-name" type="text" autocomplete="name" maxlength="80"
                prop:value=name on:input=move |ev| name.set(event_target_value(&ev)) />
            <label for="first-pin">{move || pin_label(lang.get())}</label>
            <input id="first-pin" type="password" inputmode="numeric" autocomplete="new-password" maxlength=loket_core::staff::MAX_PIN
                prop:value=pin on:input=move |ev| pin.set(event_target_value(&ev)) />
            <label for="first-pin-again">{move || t("Ulangi PIN", "PIN again")}</label>
            <input id="first-pin-again" type="password" inputmode="numeric" autocomplete="new-password" maxlength=loket_core::staff::MAX_PIN
                prop:value=again on:input=move |ev| again.set(event_target_value(&ev)) />
            <p class="form-error" role="alert" hidden=move || error.get().is_none()>{move || error.get()}</p>
            <button id="first-submit" class="button primary big" type="submit" disabled=busy>
                {move || t("Buat akun dan masuk", "Create account and sign in")}
            </button>
        </form>
    }
}

#[component]
fn Unlock() -> impl IntoView {
    let app = use_app();
    let lang = use_lang();
    let nav = crate::nav::use_nav();
    let chosen = RwSignal::new(None::<StaffId>);
    let pin = RwSignal::new(String::new());
    let counter = RwSignal::new(last_counter());
    let error = RwSignal::new(None::<&'static str>);
    let busy = RwSignal::new(false);
    let t = move |id, en| lang.get().tr(id, en);
    let people = move || {
        app.view.with(|v| {
            v.staff()
                .filter(|s| s.active)
                .map(|s| (s.id.clone(), s.name.clone(), s.role))
                .collect::<Vec<_>>()
        })
    };
    let chosen_role = move || {
        chosen
            .get()
            .and_then(|id| app.view.with(|v| v.staff_member(&id).map(|s| s.role)))
    };
    let needs_counter = move || chosen_role().is_some_and(|r| r.may(Action::CallTicket));
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(id) = chosen.get_untracked() else {
            return;
        };
        let l = lang.get_untracked();
        let at = needs_counter()
            .then(|| CounterNo::new(counter.get_untracked()).ok())
            .flatten();
        busy.set(true);
        spawn_local(async move {
            let result = app.unlock(id, pin.get_untracked(), at).await;
            busy.set(false);
            pin.set(String::new());
            match result {
                Ok(()) => {
                    if let Some(c) = at {
                        remember_counter(c.get());
                    }
                    // Each role starts on the page of its work.
                    let home = match chosen_role() {
                        Some(Role::Kasi) => Route::Kasi,
                        Some(Role::Admin) => Route::Admin,
                        Some(Role::Staff) => Route::Print,
                        _ => Route::Counter,
                    };
                    nav.go(home);
                }
                Err(e) => error.set(Some(unlock_error(l, &e))),
            }
        });
    };
    view! {
        <section class="card narrow" aria-labelledby="lock-title">
            <h1 id="lock-title">{move || t("Tablet terkunci", "Tablet locked")}</h1>
            <p class="hint">{move || t("Pilih nama Anda, lalu masukkan PIN.", "Choose your name, then enter your PIN.")}</p>
            <ul class="people" id="people">
                <For each=people key=|(id, name, role)| (id.clone(), name.clone(), *role) let((id, name, role))>
                    {
                        let pressed = {
                            let id = id.clone();
                            move || chosen.get().as_ref() == Some(&id)
                        };
                        let pick = {
                            let id = id.clone();
                            move |_| {
                                chosen.set(Some(id.clone()));
                                error.set(None);
                            }
                        };
                        view! {
                            <li>
                                <button type="button" class="person" data-staff=id.to_string()
                                    aria-pressed=move || pressed().to_string() on:click=pick>
                                    <span class="name">{name}</span>
                                    <span class="role">{move || role_name(lang.get(), role)}</span>
                                </button>
                            </li>
                        }
                    }
                </For>
            </ul>
            <form on:submit=submit hidden=move || chosen.get().is_none()>
                <label for="unlock-pin">{move || t("PIN", "PIN")}</label>
                <input id="unlock-pin" type="password" inputmode="numeric" autocomplete="off" maxlength=loket_core::staff::MAX_PIN
                    prop:value=pin on:input=move |ev| pin.set(event_target_value(&ev)) />
                <div hidden=move || !needs_counter()>
                    <label for="unlock-counter">{move || t("Loket tempat Anda bertugas", "Counter you work at")}</label>
                    <select id="unlock-counter" on:change=move |ev| {
                        counter.set(event_target_value(&ev).parse().unwrap_or(1));
                    }>
                        {move || (1..=app.view.with(|v| v.counters())).map(|n| view! {
                            <option value=n.to_string() selected=move || counter.get() == n>{format!("Loket {n}")}</option>
                        }).collect_view()}
                    </select>
                </div>
                <p class="form-error" role="alert" data-testid="unlock-error" hidden=move || error.get().is_none()>{move || error.get()}</p>
                <button id="unlock-submit" class="button primary big" type="submit" disabled=busy>
                    {move || t("Buka", "Unlock")}
                </button>
            </form>
        </section>
    }
}

const COUNTER_KEY: &str = "loket.counter";

fn last_counter() -> u8 {
    use gloo_storage::{LocalStorage, Storage};
    LocalStorage::get(COUNTER_KEY).unwrap_or(1)
}

fn remember_counter(n: u8) {
    use gloo_storage::{LocalStorage, Storage};
    let _ = LocalStorage::set(COUNTER_KEY, n);
}
