//! `/cek-berkas`: "Apa yang harus saya bawa?", the applicant's self-check on their own
//! phone. One question at a time with large answers to tap, a back step that keeps what
//! was answered before, and the documents to bring, from the office's own catalogue (the
//! counter's checklist): [`loket_core::selfcheck`] decides every step; this page only shows
//! it.
//!
//! The address always holds the answers so far, so a reload, a shared link or the QR code
//! reopens the same step. The office's catalogue is kept on the phone after the first
//! visit, so the page answers offline too (the public service worker keeps the page).

use crate::api::{self, ApiError};
use crate::components::qr::QrLink;
use crate::i18n::{Lang, use_lang};
use gloo_storage::{LocalStorage, Storage};
use leptos::prelude::*;
use leptos::task::spawn_local;
use loket_core::catalogue::{Document, Form};
use loket_core::selfcheck::{
    Advice, AdviceError, Answers, Choice, Offer, Question, Reason, SelfCheckLink, ServiceInfo,
    Warning, advise, offers,
};
use loket_core::verification::DocState;

/// Where the office's catalogue is kept on the phone, per office.
fn storage_key(office: Option<&loket_core::OfficeCode>) -> String {
    match office {
        Some(code) => format!("loket.selfcheck.{code}"),
        None => "loket.selfcheck".into(),
    }
}

/// Whether the catalogue shown is fresh from the server or the copy kept on the phone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Source {
    /// Asked and answered.
    Server,
    /// The server could not be reached: the copy from an earlier visit.
    Kept,
}

/// The self-check page.
#[component]
pub fn SelfCheckPage() -> impl IntoView {
    let lang = use_lang();
    let t = move |id, en| lang.get().tr(id, en);
    let search = window().location().search().unwrap_or_default();
    let start = SelfCheckLink::parse_query(&search);
    let office = start.office.clone();
    let answers = RwSignal::new(start.answers);
    let key = storage_key(office.as_ref());
    let storage = LocalStorage::raw();
    let kept: Option<ServiceInfo> = storage
        .get_item(&key)
        .ok()
        .flatten()
        .and_then(|text| serde_json::from_str(&text).ok());
    let source = RwSignal::new(kept.as_ref().map(|_| Source::Kept));
    let info = RwSignal::new(kept);
    let failed = RwSignal::new(false);

    {
        let office = office.clone();
        spawn_local(async move {
            match api::catalogue(office.as_ref()).await {
                Ok((fresh, text)) => {
                    // A full storage only costs the offline copy.
                    let _ = LocalStorage::raw().set_item(&key, &text);
                    info.set(Some(fresh));
                    source.set(Some(Source::Server));
                }
                Err(ApiError::Unreachable) if info.with_untracked(Option::is_some) => {
                    source.set(Some(Source::Kept));
                }
                Err(_) => failed.set(true),
            }
        });
    }

    // The address follows the answers, so reloading or sharing keeps the step.
    let link = Memo::new({
        let office = office.clone();
        move |_| SelfCheckLink {
            office: office.clone(),
            answers: answers.get(),
        }
    });
    Effect::new(move |_| {
        let page = link.get().page();
        if let Ok(history) = window().history() {
            let _ = history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&page));
        }
    });
    let back = move |_| {
        answers.update(|a| {
            a.back();
        })
    };

    view! {
        <main class="page selfcheck-page" data-testid="selfcheck">
            <section class="card selfcheck-card">
                <h1>{move || t("Apa yang harus saya bawa?", "What should I bring?")}</h1>
                <p class="banner warn" role="status" data-testid="selfcheck-kept" hidden=move || source.get() != Some(Source::Kept)>
                    {move || t(
                        "Tanpa koneksi: daftar ini dari kunjungan Anda sebelumnya.",
                        "Offline: this list is from your earlier visit.",
                    )}
                </p>
                {move || {
                    let lang = lang.get();
                    match info.get() {
                        None if failed.get() => view! {
                            <p class="banner error" role="alert" data-testid="selfcheck-failed">
                                {lang.tr(
                                    "Daftar dokumen belum bisa dimuat. Periksa koneksi, lalu muat ulang halaman ini.",
                                    "The list of documents cannot be loaded yet. Check the connection, then reload this page.",
                                )}
                            </p>
                        }.into_any(),
                        None => view! { <p class="loading">{lang.tr("Memuat…", "Loading…")}</p> }.into_any(),
                        Some(info) => view! { <Step info=info answers=answers lang=lang /> }.into_any(),
                    }
                }}
                <div class="actions selfcheck-back" hidden=move || answers.with(|a| a.choice.is_none())>
                    <button id="selfcheck-back" class="button secondary big" type="button" on:click=back>
                        {move || t("← Kembali", "← Back")}
                    </button>
                </div>
            </section>
        </main>
    }
}

/// The step the answers are at: a question, or the answer.
#[component]
fn Step(info: ServiceInfo, answers: RwSignal<Answers>, lang: Lang) -> impl IntoView {
    move || {
        let current = answers.get();
        match current.next() {
            Some(None) => view! { <FirstQuestion info=info.clone() answers=answers lang=lang /> }.into_any(),
            Some(Some(q)) => view! { <FollowUp question=q answers=answers lang=lang /> }.into_any(),
            None => match advise(&info.catalogue, &current) {
                Ok(advice) => view! { <AdviceView advice=advice info=info.clone() answers=answers lang=lang /> }.into_any(),
                Err(AdviceError::NoCase(_) | AdviceError::Unfinished) => view! {
                    <p class="banner warn" role="alert" data-testid="selfcheck-no-case">
                        {lang.tr(
                            "Layanan ini tidak ada di daftar kantor. Pilih keperluan Anda lagi, atau tanyakan di loket.",
                            "The office does not list this service. Choose again, or ask at the counter.",
                        )}
                    </p>
                }.into_any(),
            },
        }
    }
}

/// A reason's label, or an added case's name.
fn offer_label(offer: &Offer, lang: Lang) -> String {
    match &offer.choice {
        Choice::Reason(r) => reason_label(*r, lang).into(),
        Choice::Other(_) => by_lang(lang, &offer.case.name_id, &offer.case.name_en).into(),
    }
}

fn reason_label(reason: Reason, lang: Lang) -> &'static str {
    match reason {
        Reason::TurnedSeventeen => {
            lang.tr("KTP-el pertama: sudah 17 tahun", "First card: turned 17")
        }
        Reason::Married => lang.tr("KTP-el pertama: sudah menikah", "First card: married"),
        Reason::Lost => lang.tr("KTP-el hilang", "My card is lost"),
        Reason::Damaged => lang.tr("KTP-el rusak", "My card is damaged"),
        Reason::DataChanged => lang.tr(
            "Data berubah (nama, status, pekerjaan, …)",
            "My data changed (name, status, job, …)",
        ),
        Reason::Moved => lang.tr("Pindah datang atau pindah keluar", "I moved in or out"),
        Reason::OnlineReprint => lang.tr("Cetak permohonan online", "Print an online application"),
        Reason::Ikd => lang.tr("Aktivasi IKD (KTP digital)", "Activate IKD (digital ID)"),
    }
}

fn by_lang<'a>(lang: Lang, id: &'a str, en: &'a str) -> &'a str {
    match lang {
        Lang::En if !en.is_empty() => en,
        _ => id,
    }
}

#[component]
fn FirstQuestion(info: ServiceInfo, answers: RwSignal<Answers>, lang: Lang) -> impl IntoView {
    let choices = offers(&info.catalogue);
    view! {
        <fieldset class="question" data-testid="selfcheck-question" data-question="alasan">
            <legend><h2>{lang.tr("Apa keperluan Anda?", "What do you come for?")}</h2></legend>
            <div class="answers">
                {choices.into_iter().map(|offer| {
                    let label = offer_label(&offer, lang);
                    let key = offer.choice.key().to_owned();
                    let choice = offer.choice.clone();
                    view! {
                        <button type="button" class="button answer big" data-choice=key
                            on:click=move |_| answers.update(|a| a.choose(choice.clone()))>
                            {label}
                        </button>
                    }
                }).collect_view()}
            </div>
        </fieldset>
    }
}

fn question_text(question: Question, lang: Lang) -> &'static str {
    match question {
        Question::Recorded => lang.tr(
            "Apakah Anda sudah perekaman KTP-el (foto, sidik jari, iris mata)?",
            "Has your KTP-el recording (photo, fingerprints, iris) been done?",
        ),
        Question::ReportFresh => lang.tr(
            "Apakah surat kehilangan dari polisi dibuat dalam 14 hari terakhir?",
            "Was the police loss report made within the last 14 days?",
        ),
        Question::HasDamagedCard => lang.tr(
            "Apakah kartu yang rusak masih ada?",
            "Do you still have the damaged card?",
        ),
        Question::HasOldCard => lang.tr(
            "Apakah KTP-el lama Anda masih ada?",
            "Do you still have your old KTP-el?",
        ),
        Question::HasReference => lang.tr(
            "Apakah Anda punya nomor atau kode QR permohonan online?",
            "Do you have the online application's reference or QR code?",
        ),
        Question::HasCard => lang.tr(
            "Apakah KTP-el Anda sudah terbit (sudah Anda pegang)?",
            "Has your KTP-el been issued (do you hold it)?",
        ),
        Question::HasPhone => lang.tr(
            "Apakah Anda punya HP dengan internet dan alamat email?",
            "Do you have a phone with internet and an email address?",
        ),
    }
}

#[component]
fn FollowUp(question: Question, answers: RwSignal<Answers>, lang: Lang) -> impl IntoView {
    let reply = move |yes: bool| answers.update(|a| a.answer(question, yes));
    view! {
        <fieldset class="question" data-testid="selfcheck-question" data-question=question.key()>
            <legend><h2>{question_text(question, lang)}</h2></legend>
            <div class="answers yes-no">
                <button type="button" class="button answer big" data-choice="ya" on:click=move |_| reply(true)>
                    {lang.tr("Ya", "Yes")}
                </button>
                <button type="button" class="button answer big" data-choice="tidak" on:click=move |_| reply(false)>
                    {lang.tr("Tidak / belum", "No / not yet")}
                </button>
            </div>
        </fieldset>
    }
}

fn warning_text(warning: Warning, lang: Lang) -> &'static str {
    match warning {
        Warning::RecordFirst => lang.tr(
            "Perekaman dulu: datang ke kantor untuk perekaman dengan membawa KK. KTP-el dicetak setelah data perekaman terverifikasi.",
            "Recording first: come to the office for the recording with your KK. The card is printed once the recording is verified.",
        ),
        Warning::ReportFirst => lang.tr(
            "Buat surat kehilangan di Polsek atau Polres dulu; surat itu berlaku 14 hari. Tanpa surat yang berlaku, berkas dikembalikan.",
            "Get a loss report from the police first; it is valid for 14 days. Without a valid one the file is returned.",
        ),
        Warning::CountsAsLost => lang.tr(
            "Tanpa kartu lama, kartu Anda dianggap hilang: buat juga surat kehilangan dari polisi dan bawa ke loket.",
            "Without the old card it counts as lost: also get a police loss report and bring it to the counter.",
        ),
        Warning::FindReference => lang.tr(
            "Cari nomor atau kode QR di pesan konfirmasi permohonan online (email atau WhatsApp).",
            "Find the reference or QR code in the online application's confirmation (email or WhatsApp).",
        ),
        Warning::CardFirst => lang.tr(
            "IKD diaktifkan untuk KTP-el yang sudah terbit. Urus KTP-el Anda dulu.",
            "IKD is activated for a card already issued. Get your KTP-el first.",
        ),
        Warning::PhoneNeeded => lang.tr(
            "Aktivasi IKD memerlukan HP dengan internet dan alamat email aktif.",
            "IKD activation needs a phone with internet and an active email address.",
        ),
    }
}

fn form_text(doc: &Document, lang: Lang) -> String {
    match doc.form {
        Form::Original => lang.tr("Bawa yang asli", "Bring the original").into(),
        Form::Copy => format!(
            "{} {} {}",
            lang.tr("Fotokopi", "Photocopies:"),
            doc.copies.max(1),
            lang.tr("lembar, dan bawa aslinya", "and the original"),
        ),
        Form::Condition => lang
            .tr("Syarat, bukan kertas", "A condition, not a paper")
            .into(),
    }
}

#[component]
fn AdviceView(
    advice: Advice,
    info: ServiceInfo,
    answers: RwSignal<Answers>,
    lang: Lang,
) -> impl IntoView {
    let case_name = by_lang(lang, &advice.case.name_id, &advice.case.name_en).to_owned();
    let notice = info.catalogue.notice.clone();
    let hours = by_lang(lang, &notice.hours_id, &notice.hours_en).to_owned();
    let link = SelfCheckLink {
        office: Some(info.office.clone()),
        answers: answers.get_untracked(),
    };
    let origin = window().location().origin().unwrap_or_default();
    let url = format!("{origin}{}", link.page());
    let shared = RwSignal::new(None::<&'static str>);
    let share = {
        let url = url.clone();
        let title = format!(
            "{}: {case_name}",
            lang.tr("Dokumen yang perlu dibawa", "Documents to bring")
        );
        move |_| {
            let (url, title) = (url.clone(), title.clone());
            spawn_local(async move {
                let how = share_link(&title, &url).await;
                shared.set(Some(match how {
                    Passed::ViaShareSheet => lang.tr("Dibagikan.", "Shared."),
                    Passed::Copied => lang.tr("Tautan disalin.", "Link copied."),
                    Passed::Neither => lang.tr(
                        "Salin tautan di bawah ini untuk membagikannya.",
                        "Copy the link below to share it.",
                    ),
                }));
            });
        }
    };
    let print = move |_| {
        let _ = window().print();
    };
    let restart = move |_| answers.set(Answers::default());
    view! {
        <div class="advice" data-testid="selfcheck-advice" data-case=advice.case.code.to_string() data-catalogue=advice.catalogue_version>
            <h2>{lang.tr("Dokumen yang perlu dibawa", "Documents to bring")}</h2>
            <p class="advice-case">{lang.tr("Keperluan:", "For:")} " " <strong>{case_name}</strong></p>
            {(!advice.warnings.is_empty()).then(|| view! {
                <ul class="advice-warnings" data-testid="selfcheck-warnings">
                    {advice.warnings.iter().map(|w| view! {
                        <li class="banner warn" data-warning=format!("{w:?}")>{warning_text(*w, lang)}</li>
                    }).collect_view()}
                </ul>
            })}
            <DocList items=advice.documents().iter().map(|d| (d.clone(), None)).collect() lang=lang />
            <ul class="advice-notes">
                <li>{lang.tr(
                    "Jika ada dokumen yang kurang atau tidak sesuai, berkas dikembalikan dan Anda perlu datang lagi.",
                    "If a document is missing or not valid, the file is returned and you need to come again.",
                )}</li>
                <li>{lang.tr(
                    "Jika blanko KTP-el sedang habis, Anda menerima Surat Keterangan (Suket) pengganti sementara yang berlaku 6 bulan.",
                    "If blank cards are out of stock, you receive a temporary certificate (Suket), valid for 6 months.",
                )}</li>
                <li><strong>{lang.tr(
                    "Layanan KTP-el gratis. Jangan membayar siapa pun.",
                    "The KTP-el service is free of charge. Pay no one.",
                )}</strong></li>
            </ul>
            <dl class="advice-office" data-testid="selfcheck-office">
                <dt>{lang.tr("Tempat", "Where")}</dt>
                <dd>{info.name.clone()} {(!notice.address.is_empty()).then(|| format!(", {}", notice.address))}</dd>
                {(!hours.is_empty()).then(|| view! {
                    <dt>{lang.tr("Jam layanan", "Hours")}</dt>
                    <dd data-testid="selfcheck-hours">{hours.clone()}</dd>
                })}
            </dl>
            <p class="hint">{lang.tr("Daftar versi", "List version")} " " {advice.catalogue_version}</p>
            <div class="actions no-print">
                <button id="selfcheck-share" class="button primary big" type="button" on:click=share>
                    {lang.tr("Bagikan", "Share")}
                </button>
                <button id="selfcheck-print" class="button secondary big" type="button" on:click=print>
                    {lang.tr("Cetak", "Print")}
                </button>
                <button id="selfcheck-restart" class="button secondary big" type="button" on:click=restart>
                    {lang.tr("Mulai lagi", "Start again")}
                </button>
            </div>
            <p class="banner ok no-print" role="status" data-testid="selfcheck-shared" hidden=move || shared.get().is_none()>
                {move || shared.get()}
            </p>
            <div class="advice-link">
                <QrLink url=url.clone() class="selfcheck-qr" />
                <label class="no-print">{lang.tr("Tautan", "Link")}
                    <input id="selfcheck-link" type="text" readonly prop:value=url.clone() on:focus=|ev| { event_target::<web_sys::HtmlInputElement>(&ev).select() } />
                </label>
            </div>
        </div>
    }
}

/// Documents as a list: name, how it is brought, what it is and where to get it, and
/// what the operator found when the file was checked. Also the status page's "Dokumen
/// yang perlu dibawa".
#[component]
pub fn DocList(items: Vec<(Document, Option<DocState>)>, lang: Lang) -> impl IntoView {
    view! {
        <ol class="doc-list" data-testid="doc-list">
            {items.into_iter().map(|(doc, found)| {
                let name = by_lang(lang, &doc.name_id, &doc.name_en).to_owned();
                let about = by_lang(lang, &doc.about_id, &doc.about_en).to_owned();
                let form = form_text(&doc, lang);
                let (state, found_text) = match found {
                    Some(DocState::Missing) => ("missing", Some(lang.tr("Tidak dibawa", "Not brought"))),
                    Some(DocState::Invalid) => ("invalid", Some(lang.tr("Tidak sesuai", "Not valid"))),
                    Some(DocState::Valid) => ("valid", Some(lang.tr("Sudah sesuai", "In order"))),
                    None => ("", None),
                };
                view! {
                    <li data-doc=doc.code.clone() data-found=state>
                        <p class="doc-name">{name}</p>
                        {found_text.map(|f| view! { <p class=format!("doc-found {state}")>{f}</p> })}
                        <p class="doc-form-line">{form}</p>
                        {(!about.is_empty()).then(|| view! { <p class="doc-about">{about}</p> })}
                    </li>
                }
            }).collect_view()}
        </ol>
    }
}

/// How a link was passed on.
enum Passed {
    /// Through the phone's share sheet (WhatsApp and the rest).
    ViaShareSheet,
    /// Copied to the clipboard, where the phone has no share sheet.
    Copied,
    /// Neither: the visitor copies it from the field.
    Neither,
}

/// Calls `target[method](arg)` and waits for the promise it returns: false when the
/// method is missing, throws, or its promise is rejected.
async fn call_promise(
    target: &wasm_bindgen::JsValue,
    method: &str,
    arg: &wasm_bindgen::JsValue,
) -> bool {
    use wasm_bindgen::JsCast;
    let function = js_sys::Reflect::get(target, &method.into())
        .ok()
        .and_then(|f| f.dyn_into::<js_sys::Function>().ok());
    let Some(promise) = function
        .and_then(|f| f.call1(target, arg).ok())
        .and_then(|p| p.dyn_into::<js_sys::Promise>().ok())
    else {
        return false;
    };
    wasm_bindgen_futures::JsFuture::from(promise).await.is_ok()
}

/// Shares `url` with the Web Share API where the phone has it, else copies it. Called
/// from a tap, as both APIs require. Looked up at run time: older phones lack them.
async fn share_link(title: &str, url: &str) -> Passed {
    let navigator: wasm_bindgen::JsValue = window().navigator().into();
    let data = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&data, &"title".into(), &title.into());
    let _ = js_sys::Reflect::set(&data, &"url".into(), &url.into());
    // A visitor who closes the share sheet has not shared: the link is copied instead.
    if call_promise(&navigator, "share", &data).await {
        return Passed::ViaShareSheet;
    }
    let clipboard = js_sys::Reflect::get(&navigator, &"clipboard".into())
        .unwrap_or(wasm_bindgen::JsValue::UNDEFINED);
    if !clipboard.is_undefined() && call_promise(&clipboard, "writeText", &url.into()).await {
        return Passed::Copied;
    }
    Passed::Neither
}
