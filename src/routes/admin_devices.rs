//! The admin's cards for the office's devices: each enrolled device with when it last
//! synced and what it held pending (one left behind is marked), an admin code that enrols
//! one more tablet or phone (shown once, working until it expires), and the refused
//! enrolment attempts the server counted, each with a keyed hash of where it came from.
//! All come from the server, so the cards need the connection.

use crate::app_state::use_app;
use crate::i18n::use_lang;
use crate::routes::lock::unlock_error;
use leptos::prelude::*;
use leptos::task::spawn_local;
use loket_core::enrol::{AdminCodeIssued, DeviceInfo, EnrolFailures, FailureReason};

/// The "devices" card of `/admin`.
#[component]
pub fn DeviceListSection() -> impl IntoView {
    let app = use_app();
    let lang = use_lang();
    let t = move |id, en| lang.get().tr(id, en);
    let devices = RwSignal::new(None::<Vec<DeviceInfo>>);
    let error = RwSignal::new(None::<&'static str>);
    let load = move || {
        spawn_local(async move {
            match app.devices().await {
                Ok(list) => {
                    error.set(None);
                    devices.set(Some(list));
                }
                Err(e) => error.set(Some(unlock_error(lang.get_untracked(), &e))),
            }
        });
    };
    load();
    let busy = RwSignal::new(false);
    let revoke = move |device: loket_core::DeviceId| {
        busy.set(true);
        spawn_local(async move {
            let result = app.revoke_device(device).await;
            busy.set(false);
            match result {
                Ok(()) => load(),
                Err(e) => error.set(Some(unlock_error(lang.get_untracked(), &e))),
            }
        });
    };
    view! {
        <section class="card" aria-labelledby="devices-title">
            <h2 id="devices-title">{move || t("Perangkat kantor", "The office's devices")}</h2>
            <p class="hint">{move || t(
                "Cabut perangkat yang hilang: ia tidak dapat sinkron lagi sampai didaftarkan ulang dengan kode baru (pekerjaannya tetap tersimpan di perangkat). Cabut juga akses staf yang masuk di sana bila perangkat dicuri.",
                "Revoke a lost device: it cannot sync until enrolled again with a new code (its work stays on it). Revoke the access of staff signed in on it too if it was stolen.",
            )}</p>
            <ul class="staff-list" id="device-list">
                {move || devices.get().unwrap_or_default().into_iter().map(|d| {
                    let behind = d.left_behind(app.now.get().timestamp_millis());
                    let synced = d.last_sync_ms.map(|ms| app.office_time(ms));
                    let pending = d.pending;
                    let revoked = d.revoked;
                    let target = d.device.clone();
                    view! {
                        <li data-device=d.device.to_string() data-left-behind=behind.to_string() class:inactive=revoked>
                            <span class="name">{d.name.clone()} " (" {d.letter.to_string()} ")"</span>
                            <span class="role">{move || match &synced {
                                Some(at) => format!("{} {at}", t("sinkron", "synced")),
                                None => t("belum pernah sinkron", "never synced").to_owned(),
                            }}</span>
                            <span class="state" class:warn=behind>{move || match (lang.get(), behind) {
                                (crate::i18n::Lang::Id, false) => format!("{pending} belum terkirim"),
                                (crate::i18n::Lang::En, false) => format!("{pending} not yet sent"),
                                (crate::i18n::Lang::Id, true) => format!("tertinggal: {pending} belum terkirim"),
                                (crate::i18n::Lang::En, true) => format!("left behind: {pending} not yet sent"),
                            }}</span>
                            {if revoked {
                                view! { <span class="state">{move || t("dicabut", "revoked")}</span> }.into_any()
                            } else {
                                view! {
                                    <button type="button" class="button secondary revoke-device" disabled=busy
                                        on:click=move |_| revoke(target.clone())>
                                        {move || t("Cabut perangkat", "Revoke device")}
                                    </button>
                                }.into_any()
                            }}
                        </li>
                    }
                }).collect_view()}
            </ul>
            <p class="form-error" role="alert" data-testid="devices-error" hidden=move || error.get().is_none()>{move || error.get()}</p>
            <button id="devices-reload" type="button" class="button secondary" on:click=move |_| load()
                aria-label=move || t("Muat ulang daftar perangkat", "Reload the list of devices")>
                {move || t("Muat ulang", "Reload")}
            </button>
        </section>
    }
}

/// The "new device" card of `/admin`.
#[component]
pub fn NewDeviceSection() -> impl IntoView {
    let app = use_app();
    let lang = use_lang();
    let t = move |id, en| lang.get().tr(id, en);
    let issued = RwSignal::new(None::<AdminCodeIssued>);
    let failures = RwSignal::new(None::<EnrolFailures>);
    let error = RwSignal::new(None::<&'static str>);
    let busy = RwSignal::new(false);
    let when = move |ms: i64| app.office_time(ms);
    let load = move || {
        spawn_local(async move {
            match app.enrol_failures().await {
                Ok(list) => failures.set(Some(list)),
                Err(e) => error.set(Some(unlock_error(lang.get_untracked(), &e))),
            }
        });
    };
    load();
    let make = move |_| {
        busy.set(true);
        spawn_local(async move {
            let result = app.make_admin_code().await;
            busy.set(false);
            match result {
                Ok(code) => {
                    error.set(None);
                    issued.set(Some(code));
                }
                Err(e) => error.set(Some(unlock_error(lang.get_untracked(), &e))),
            }
        });
    };
    let reason = move |r: FailureReason| match r {
        FailureReason::WrongCode => t("kode salah", "wrong code"),
        FailureReason::ExpiredCode => t("kode kedaluwarsa", "expired code"),
    };
    view! {
        <section class="card" aria-labelledby="new-device-title">
            <h2 id="new-device-title">{move || t("Perangkat baru", "New device")}</h2>
            <p class="hint">{move || t(
                "Buat kode, lalu ketik di perangkat baru pada layar \"Daftarkan perangkat\". Satu kode untuk satu perangkat; kode yang tidak dipakai kedaluwarsa sendiri.",
                "Make a code, then type it on the new device's \"Enrol device\" screen. One code enrols one device; an unused code expires by itself.",
            )}</p>
            <button id="make-admin-code" type="button" class="button primary" disabled=busy on:click=make>
                {move || t("Buat kode pendaftaran", "Make an enrolment code")}
            </button>
            {move || issued.get().map(|code| view! {
                <div class="admin-code-box" role="status">
                    <p class="admin-code" data-testid="new-admin-code">{code.code.clone()}</p>
                    <p class="hint" data-testid="new-admin-code-expires">
                        {move || t("Berlaku sampai", "Works until")} " " {when(code.expires_ms)}
                        {move || t(". Kode ini hanya ditampilkan sekali.", ". It is shown only this once.")}
                    </p>
                </div>
            })}
            <h3>{move || t("Percobaan gagal", "Refused attempts")}</h3>
            <p data-testid="enrol-failures-count">{move || failures.get().map(|f| match lang.get() {
                crate::i18n::Lang::Id => format!("{} dalam 24 jam terakhir", f.last_day),
                crate::i18n::Lang::En => format!("{} in the last 24 hours", f.last_day),
            })}</p>
            <ul class="staff-list" id="enrol-failures">
                {move || failures.get().map(|f| f.recent).unwrap_or_default().into_iter().map(|f| view! {
                    <li>
                        <span class="name">{when(f.at_ms)}</span>
                        <span class="role">{move || reason(f.reason)}</span>
                        <span class="state" title=move || t("sidik alamat, bukan alamatnya", "a fingerprint of the address, not the address")>
                            {f.client.clone()}
                        </span>
                    </li>
                }).collect_view()}
            </ul>
            <p class="form-error" role="alert" data-testid="new-device-error" hidden=move || error.get().is_none()>{move || error.get()}</p>
            <button id="enrol-failures-reload" type="button" class="button secondary" on:click=move |_| load()
                aria-label=move || t("Muat ulang percobaan gagal", "Reload the refused attempts")>
                {move || t("Muat ulang", "Reload")}
            </button>
        </section>
    }
}
