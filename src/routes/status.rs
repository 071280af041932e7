//! `/status`: where a ticket stands, on the applicant's own phone. Opened from the QR code
//! on the ticket, or by typing the number and check code printed on it.
//!
//! It shows only what [`PublicStatus`] carries (no name, no NIK) and needs no enrolled
//! device and no PIN. It keeps itself fresh while the visit is still moving, so a visitor
//! can wait outside and still see their number called.

use crate::api::{self, ApiError};
use crate::i18n::{Lang, use_lang};
use crate::routes::kasi::return_reason;
use leptos::prelude::*;
use leptos::task::spawn_local;
use loket_core::status_link::{LinkError, StatusLink};
use loket_core::{PublicStage, PublicStatus};

/// How often an open visit's status is asked again.
const REFRESH_MS: u64 = 15_000;

/// What the page knows of the lookup.
#[derive(Debug, Clone, PartialEq)]
enum Lookup {
    /// Nothing asked yet.
    Idle,
    /// The first answer is on its way.
    Loading,
    /// The server's answer, with the phone's time of it (`HH:MM:SS`).
    Found(PublicStatus, String),
    /// No ticket with this number and code (that day).
    NotFound,
    /// No answer; the last status found, if any, stays on screen marked as old.
    Offline(Option<(PublicStatus, String)>),
    /// The server failed.
    Failed,
}

impl Lookup {
    /// Whether asking again could show something new.
    fn still_moving(&self) -> bool {
        match self {
            Lookup::Found(s, _) | Lookup::Offline(Some((s, _))) => !matches!(
                s.stage,
                PublicStage::Done | PublicStage::Returned { .. } | PublicStage::Left
            ),
            Lookup::Offline(None) => true,
            _ => false,
        }
    }

    fn last_found(&self) -> Option<(PublicStatus, String)> {
        match self {
            Lookup::Found(s, at) => Some((s.clone(), at.clone())),
            Lookup::Offline(last) => last.clone(),
            _ => None,
        }
    }
}

/// The phone's clock as `HH:MM:SS`: the visitor's own time, whatever the office's zone.
fn now_hms() -> String {
    let d = js_sys::Date::new_0();
    format!(
        "{:02}:{:02}:{:02}",
        d.get_hours(),
        d.get_minutes(),
        d.get_seconds()
    )
}

/// The public status page.
#[component]
pub fn StatusPage() -> impl IntoView {
    let lang = use_lang();
    let t = move |id, en| lang.get().tr(id, en);
    let search = window().location().search().unwrap_or_default();
    let from_url = (!search.is_empty()).then(|| StatusLink::parse_query(&search));
    let initial = from_url.clone().and_then(Result::ok);
    let number = RwSignal::new(
        initial
            .as_ref()
            .map(|l| l.number.to_string())
            .unwrap_or_default(),
    );
    let code = RwSignal::new(initial.as_ref().map(|l| l.code.clone()).unwrap_or_default());
    let link = RwSignal::new(initial);
    let form_error = RwSignal::new(from_url.and_then(Result::err));
    let lookup = RwSignal::new(Lookup::Idle);

    let ask = move || {
        let Some(l) = link.get_untracked() else {
            return;
        };
        if lookup.with_untracked(|s| s.last_found().is_none()) {
            lookup.set(Lookup::Loading);
        }
        spawn_local(async move {
            let answer = api::status(&l).await;
            // A lookup for another ticket may have started meanwhile.
            if link.get_untracked().as_ref() != Some(&l) {
                return;
            }
            lookup.set(match answer {
                Ok(status) => Lookup::Found(status, now_hms()),
                Err(ApiError::Refused { status: 404, .. }) => Lookup::NotFound,
                Err(ApiError::Unreachable) => {
                    Lookup::Offline(lookup.with_untracked(Lookup::last_found))
                }
                Err(_) => Lookup::Failed,
            });
        });
    };
    ask();
    set_interval(
        move || {
            if lookup.with_untracked(Lookup::still_moving) {
                ask();
            }
        },
        std::time::Duration::from_millis(REFRESH_MS),
    );
    let _online = window_event_listener(leptos::ev::online, move |_| ask());
    std::mem::forget(_online);

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        match StatusLink::typed(&number.get_untracked(), &code.get_untracked()) {
            Ok(l) => {
                form_error.set(None);
                number.set(l.number.to_string());
                code.set(l.code.clone());
                // The address now names this ticket, so it can be bookmarked or shared.
                if let Ok(history) = window().history() {
                    let _ = history.replace_state_with_url(
                        &wasm_bindgen::JsValue::NULL,
                        "",
                        Some(&l.page()),
                    );
                }
                lookup.set(Lookup::Idle);
                link.set(Some(l));
                ask();
            }
            Err(e) => form_error.set(Some(e)),
        }
    };
    let form_error_text = move || {
        form_error.get().map(|e| match e {
            LinkError::Number => t(
                "Nomor antrean tidak dikenali. Tulis seperti pada tiket, misalnya A-017.",
                "That is not a queue number. Type it as on the ticket, e.g. A-017.",
            ),
            LinkError::Code => t(
                "Kode cek adalah 4 huruf/angka yang tercetak di tiket.",
                "The check code is the 4 letters/digits printed on the ticket.",
            ),
            LinkError::Day => t(
                "Tautan ini rusak. Ketik nomor dan kode cek dari tiket.",
                "This link is broken. Type the number and check code from the ticket.",
            ),
        })
    };

    view! {
        <main class="page status-page">
            <section class="card status-card" aria-live="polite" data-testid="status" data-state=move || lookup.with(|l| match l {
                Lookup::Idle => "idle",
                Lookup::Loading => "loading",
                Lookup::Found(..) => "found",
                Lookup::NotFound => "not-found",
                Lookup::Offline(_) => "offline",
                Lookup::Failed => "failed",
            })>
                {move || {
                    let lang = lang.get();
                    match lookup.get() {
                        Lookup::Idle => view! {
                            <h1>{lang.tr("Status antrean KTP-el", "KTP-el queue status")}</h1>
                            <p>{lang.tr("Ketik nomor antrean dan kode cek dari tiket Anda.", "Type the queue number and the check code from your ticket.")}</p>
                        }.into_any(),
                        Lookup::Loading => view! { <p class="loading">{lang.tr("Memeriksa status…", "Checking the status…")}</p> }.into_any(),
                        Lookup::NotFound => view! {
                            <p class="banner error" role="alert" data-testid="status-not-found">
                                {lang.tr(
                                    "Nomor dan kode cek ini tidak cocok dengan tiket mana pun hari itu. Periksa kembali tiket Anda.",
                                    "This number and check code match no ticket of that day. Check your ticket again.",
                                )}
                            </p>
                        }.into_any(),
                        Lookup::Failed => view! {
                            <p class="banner error" role="alert">
                                {lang.tr("Server sedang bermasalah. Coba lagi sebentar lagi.", "The server has a problem. Try again in a moment.")}
                            </p>
                        }.into_any(),
                        Lookup::Offline(last) => view! {
                            <p class="banner warn" role="alert" data-testid="status-offline">
                                {lang.tr(
                                    "Tidak ada koneksi. Status diperbarui lagi saat koneksi kembali.",
                                    "No connection. The status updates again when it returns.",
                                )}
                            </p>
                            {last.map(|(s, at)| view! { <StatusView status=s at=at lang=lang /> })}
                        }.into_any(),
                        Lookup::Found(s, at) => view! { <StatusView status=s at=at lang=lang /> }.into_any(),
                    }
                }}
            </section>
            <form class="card status-form" on:submit=submit novalidate>
                <h2>{move || t("Cek nomor lain", "Look up a number")}</h2>
                <div class="status-fields">
                    <label>
                        {move || t("Nomor antrean", "Queue number")}
                        <input id="status-number" type="text" inputmode="text" autocapitalize="characters" autocomplete="off"
                            maxlength="8" placeholder="A-017" prop:value=number
                            on:input=move |ev| number.set(event_target_value(&ev)) />
                    </label>
                    <label>
                        {move || t("Kode cek", "Check code")}
                        <input id="status-code" type="text" autocapitalize="characters" autocomplete="off"
                            maxlength="8" placeholder="K7Q2" prop:value=code
                            on:input=move |ev| code.set(event_target_value(&ev)) />
                    </label>
                </div>
                <p class="form-error" role="alert" data-testid="status-form-error" hidden=move || form_error.get().is_none()>{form_error_text}</p>
                <button id="status-submit" class="button primary big" type="submit">{move || t("Lihat status", "See the status")}</button>
                <p class="hint">{move || t(
                    "Halaman ini tidak menampilkan nama atau NIK. Layanan KTP-el gratis.",
                    "This page shows no name or NIK. The KTP-el service is free of charge.",
                )}</p>
            </form>
        </main>
    }
}

/// One status, worded for the visitor.
#[component]
fn StatusView(status: PublicStatus, at: String, lang: Lang) -> impl IntoView {
    let t = |id, en| lang.tr(id, en);
    let (tone, headline, detail): (&str, String, Option<String>) = match &status.stage {
        PublicStage::Waiting { ahead: 0 } => (
            "wait",
            t("Menunggu: Anda berikutnya", "Waiting: you are next").into(),
            Some(t("Tetap di dekat ruang tunggu.", "Stay near the waiting room.").into()),
        ),
        PublicStage::Waiting { ahead } => (
            "wait",
            t("Menunggu dipanggil", "Waiting to be called").into(),
            Some(format!(
                "{ahead} {}",
                t("nomor lagi sebelum Anda.", "numbers before yours.")
            )),
        ),
        PublicStage::Called { counter } => (
            "call",
            format!("{} {counter}", t("Silakan menuju Loket", "Please go to counter")),
            Some(t("Nomor Anda sedang dipanggil.", "Your number is being called.").into()),
        ),
        PublicStage::AtCounter { counter } => (
            "busy",
            format!("{} {counter}", t("Sedang dilayani di Loket", "Being served at counter")),
            None,
        ),
        PublicStage::WithKasi => (
            "busy",
            t("Berkas sedang diperiksa Kasi Pelayanan", "Your file is with the head of section").into(),
            Some(t("Mohon menunggu; Anda akan dipanggil.", "Please wait; you will be called.").into()),
        ),
        PublicStage::Printing => (
            "busy",
            t("Berkas lengkap: KTP-el sedang dicetak", "File complete: your KTP-el is being printed").into(),
            Some(t("Mohon menunggu dipanggil untuk serah terima.", "Please wait to be called for the handover.").into()),
        ),
        PublicStage::Ready { suket: false } => (
            "call",
            t("KTP-el Anda siap", "Your KTP-el is ready").into(),
            Some(t("Silakan ke loket untuk tanda tangan serah terima.", "Please come to the counter to sign for it.").into()),
        ),
        PublicStage::Ready { suket: true } => (
            "call",
            t("Surat Keterangan (Suket) Anda siap", "Your temporary certificate (Suket) is ready").into(),
            Some(t(
                "Blanko KTP-el sedang habis. Silakan ke loket untuk tanda tangan serah terima Suket.",
                "Blank cards are out of stock. Please come to the counter to sign for the Suket.",
            ).into()),
        ),
        PublicStage::Done => (
            "done",
            t("Selesai: dokumen sudah diserahkan", "Done: the document was handed over").into(),
            Some(t("Terima kasih.", "Thank you.").into()),
        ),
        PublicStage::Returned { reason, explanation } => (
            "returned",
            t("Berkas dikembalikan", "Your file was returned").into(),
            Some(format!("{}: {explanation}", return_reason(lang, *reason))),
        ),
        PublicStage::Left => (
            "returned",
            t("Nomor ini sudah keluar dari antrean", "This number has left the queue").into(),
            Some(t(
                "Anda tidak hadir saat dipanggil beberapa kali. Silakan ambil nomor baru di loket.",
                "You did not come when called several times. Please take a new number at the counter.",
            ).into()),
        ),
    };
    let next_step = matches!(status.stage, PublicStage::Returned { .. }).then(|| {
        t(
            "Lengkapi atau perbaiki berkas sesuai penjelasan, lalu ambil nomor antrean baru.",
            "Complete or correct the file as explained, then take a new queue number.",
        )
    });
    view! {
        <p class="status-label">{t("Nomor antrean", "Queue number")}</p>
        <p class="status-number" data-testid="status-number">{status.number.clone()}</p>
        <div class=format!("status-stage {tone}") data-testid="status-stage" data-tone=tone>
            <h1 data-testid="status-headline">{headline}</h1>
            {detail.map(|d| view! { <p data-testid="status-detail">{d}</p> })}
            {next_step.map(|n| view! { <p>{n}</p> })}
        </div>
        <p class="hint" data-testid="status-updated">
            {t("Diperbarui pukul", "Updated at")} " " {at}
        </p>
    }
}
