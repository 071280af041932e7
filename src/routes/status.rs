//! `/status`: where a ticket stands, on the applicant's own phone. Opened from the QR code
//! on the ticket, or by typing the number and check code printed on it.
//!
//! It shows only what [`PublicStatus`] carries (no name, no NIK) and needs no enrolled
//! device and no PIN. It keeps itself fresh while the visit is still moving, so a visitor
//! can wait outside and still see their number called.

use crate::api::{self, ApiError};
use crate::i18n::{Lang, use_lang};
use crate::routes::kasi::return_reason;
use crate::routes::selfcheck::DocList;
use leptos::prelude::*;
use leptos::task::spawn_local;
use loket_core::status_link::{LinkError, StatusLink};
use loket_core::{PublicStage, PublicStatus};

/// How often an open visit's status is asked again.
const REFRESH_MS: u64 = 15_000;

/// Why the page cannot show a fresh status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Problem {
    /// No ticket with this number and code (that day): a typo, or an old ticket.
    NotFound,
    /// A ticket from a scanned link the server does not know yet: the tablet that issued
    /// it may still be offline. Asked again for a while.
    NotYetKnown,
    /// No answer: the phone is offline or the server is down.
    Offline,
    /// Too many lookups from this phone's network, or too many wrong codes for this
    /// ticket: the server asks to wait. Asked again by the next refresh.
    Busy,
    /// The server failed.
    Failed,
}

/// How many times a scanned ticket unknown to the server is asked again (every
/// [`REFRESH_MS`]): about ten minutes for the issuing tablet to come back online.
const NOT_YET_TRIES: u32 = 40;

/// Whether the visit can still change, so the page keeps asking.
fn still_moving(status: Option<&PublicStatus>) -> bool {
    status.is_none_or(|s| {
        !matches!(
            s.stage,
            PublicStage::Done | PublicStage::Returned { .. } | PublicStage::Left
        )
    })
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
    // The last status found, changed only when it changes, so the live region below is
    // read out again only when there is news; the time of the last answer sits outside it.
    let status = RwSignal::new(None::<PublicStatus>);
    let updated = RwSignal::new(None::<String>);
    let problem = RwSignal::new(None::<Problem>);
    let loading = RwSignal::new(false);
    let not_yet = RwSignal::new(0u32);

    let ask = move || {
        let Some(l) = link.get_untracked() else {
            return;
        };
        loading.set(status.with_untracked(Option::is_none));
        spawn_local(async move {
            let answer = api::status(&l).await;
            // A lookup for another ticket may have started meanwhile.
            if link.get_untracked().as_ref() != Some(&l) {
                return;
            }
            loading.set(false);
            match answer {
                Ok(found) => {
                    if status.with_untracked(|s| s.as_ref() != Some(&found)) {
                        status.set(Some(found));
                    }
                    updated.set(Some(now_hms()));
                    problem.set(None);
                }
                Err(ApiError::Refused { status: 404, .. }) => {
                    status.set(None);
                    // A scanned link names a real ticket; the server may not have it yet.
                    let scanned = l.day.is_some() && not_yet.get_untracked() < NOT_YET_TRIES;
                    not_yet.update(|n| *n += 1);
                    problem.set(Some(if scanned {
                        Problem::NotYetKnown
                    } else {
                        Problem::NotFound
                    }));
                }
                Err(ApiError::Unreachable) => problem.set(Some(Problem::Offline)),
                Err(ApiError::Refused { status: 429, .. }) => problem.set(Some(Problem::Busy)),
                Err(_) => problem.set(Some(Problem::Failed)),
            }
        });
    };
    ask();
    set_interval(
        move || {
            let open = problem.get_untracked() != Some(Problem::NotFound)
                && status.with_untracked(|s| still_moving(s.as_ref()));
            if open {
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
                status.set(None);
                updated.set(None);
                problem.set(None);
                not_yet.set(0);
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
                "Kode cek adalah 8 huruf/angka yang tercetak di tiket, misalnya K7Q2-M9XA.",
                "The check code is the 8 letters/digits printed on the ticket, e.g. K7Q2-M9XA.",
            ),
            LinkError::Day | LinkError::Office => t(
                "Tautan ini rusak. Ketik nomor dan kode cek dari tiket.",
                "This link is broken. Type the number and check code from the ticket.",
            ),
        })
    };

    view! {
        <main class="page status-page">
            <section class="card status-card" data-testid="status" data-state=move || match (problem.get(), status.with(Option::is_some)) {
                (Some(Problem::NotFound), _) => "not-found",
                (Some(Problem::NotYetKnown), _) => "not-yet-known",
                (Some(Problem::Offline), _) => "offline",
                (Some(Problem::Busy), _) => "busy",
                (Some(Problem::Failed), _) => "failed",
                (None, true) => "found",
                (None, false) if loading.get() => "loading",
                (None, false) => "idle",
            }>
                {move || {
                    let lang = lang.get();
                    problem.get().map(|p| match p {
                        Problem::NotFound => view! {
                            <p class="banner error" role="alert" data-testid="status-not-found">
                                {lang.tr(
                                    "Nomor dan kode cek ini tidak cocok dengan tiket mana pun hari ini. Periksa kembali tiket Anda.",
                                    "This number and check code match no ticket of today. Check your ticket again.",
                                )}
                            </p>
                        }.into_any(),
                        Problem::NotYetKnown => view! {
                            <p class="banner warn" role="status" data-testid="status-not-yet">
                                {lang.tr(
                                    "Tiket ini belum tercatat di server: tablet loket mungkin sedang tanpa internet. Halaman ini memeriksa lagi sendiri.",
                                    "The server does not know this ticket yet: the counter's tablet may be offline. This page checks again by itself.",
                                )}
                            </p>
                        }.into_any(),
                        Problem::Offline => view! {
                            <p class="banner warn" role="alert" data-testid="status-offline">
                                {lang.tr(
                                    "Tidak ada koneksi. Status diperbarui lagi saat koneksi kembali.",
                                    "No connection. The status updates again when it returns.",
                                )}
                            </p>
                        }.into_any(),
                        Problem::Busy => view! {
                            <p class="banner warn" role="alert" data-testid="status-busy">
                                {lang.tr(
                                    "Terlalu banyak pemeriksaan dalam waktu singkat. Tunggu beberapa menit; halaman ini mencoba lagi sendiri.",
                                    "Too many checks in a short time. Wait a few minutes; this page tries again by itself.",
                                )}
                            </p>
                        }.into_any(),
                        Problem::Failed => view! {
                            <p class="banner error" role="alert">
                                {lang.tr(
                                    "Server sedang bermasalah. Halaman ini mencoba lagi sendiri.",
                                    "The server has a problem. This page tries again by itself.",
                                )}
                            </p>
                        }.into_any(),
                    })
                }}
                <div aria-live="polite">
                    {move || {
                        let lang = lang.get();
                        match status.get() {
                            Some(s) => view! { <StatusView status=s lang=lang /> }.into_any(),
                            None if loading.get() => view! { <p class="loading">{lang.tr("Memeriksa status…", "Checking the status…")}</p> }.into_any(),
                            None if problem.get().is_none() => view! {
                                <h1>{lang.tr("Status antrean KTP-el", "KTP-el queue status")}</h1>
                                <p>{lang.tr("Ketik nomor antrean dan kode cek dari tiket Anda.", "Type the queue number and the check code from your ticket.")}</p>
                            }.into_any(),
                            None => ().into_any(),
                        }
                    }}
                </div>
                <p class="hint" data-testid="status-updated" hidden=move || updated.with(Option::is_none)>
                    {move || t("Diperbarui pukul", "Updated at")} " " {move || updated.get()}
                </p>
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
                            maxlength=loket_core::ticket::MAX_TYPED_CHECK_CODE placeholder="K7Q2-M9XA" prop:value=code
                            on:input=move |ev| code.set(event_target_value(&ev)) />
                    </label>
                </div>
                <p class="form-error" role="alert" data-testid="status-form-error" hidden=move || form_error.get().is_none()>{form_error_text}</p>
                <button id="status-submit" class="button primary big" type="submit">{move || t("Lihat status", "See the status")}</button>
                <p class="hint">{move || t(
                    "Halaman ini tidak menampilkan nama atau NIK. Layanan KTP-el gratis.",
                    "This page shows no name or NIK. The KTP-el service is free of charge.",
                )}</p>
                <p><a id="status-selfcheck" href=move || selfcheck_link(link.get())>{move || t(
                    "Apa yang harus saya bawa? Cek dokumen di sini.",
                    "What should I bring? Check the documents here.",
                )}</a></p>
            </form>
        </main>
    }
}

/// The self-check's address for the office of the ticket looked up (the server's own
/// when none is named).
fn selfcheck_link(link: Option<StatusLink>) -> String {
    loket_core::selfcheck::SelfCheckLink {
        office: link.and_then(|l| l.office),
        ..Default::default()
    }
    .page()
}

/// One status, worded for the visitor.
#[component]
fn StatusView(status: PublicStatus, lang: Lang) -> impl IntoView {
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
        PublicStage::Returned { reason } => (
            "returned",
            t("Berkas dikembalikan", "Your file was returned").into(),
            Some(format!(
                "{}. {}",
                return_reason(lang, *reason),
                t(
                    "Penjelasan petugas tertulis di surat pengembalian yang Anda terima.",
                    "The officer's explanation is on the return notice you were given.",
                )
            )),
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
    let bring = status.bring.clone().map(|bring| {
        let case = if lang == Lang::En && !bring.case_en.is_empty() {
            bring.case_en.clone()
        } else {
            bring.case_id.clone()
        };
        let items = bring
            .documents
            .into_iter()
            .map(|d| (d.document, d.found))
            .collect::<Vec<_>>();
        view! {
            <section class="status-bring" data-testid="status-bring" data-catalogue=bring.catalogue>
                <h2>{t("Dokumen yang perlu dibawa", "Documents to bring")}</h2>
                <p class="hint">{t("Keperluan:", "For:")} " " {case} " · " {t("daftar versi", "list version")} " " {bring.catalogue}</p>
                <DocList items=items lang=lang />
            </section>
        }
    });
    view! {
        <p class="status-label">{t("Nomor antrean", "Queue number")}</p>
        <p class="status-number" data-testid="status-number">{status.number.clone()}</p>
        <div class=format!("status-stage {tone}") data-testid="status-stage" data-tone=tone>
            <h1 data-testid="status-headline">{headline}</h1>
            {detail.map(|d| view! { <p data-testid="status-detail">{d}</p> })}
            {next_step.map(|n| view! { <p>{n}</p> })}
        </div>
        {bring}
    }
}
