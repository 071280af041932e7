//! The admin's editor of the service list: the cases the counter offers and the documents
//! each one needs. Saving makes the next catalogue version (an op, synced like any other);
//! tickets already issued keep the version they were checked against.

use crate::app_state::use_app;
use crate::i18n::{Lang, use_lang};
use crate::routes::visit::step_error;
use leptos::prelude::*;
use leptos::task::spawn_local;
use loket_core::OpBody;
use loket_core::catalogue::{
    Case, CaseCode, Catalogue, CatalogueError, Document, Form, MAX_ABOUT, MAX_CASES, MAX_COPIES,
    MAX_DOCUMENTS, MAX_NAME, Notice, code_for,
};

/// A document being edited. `code` is empty until it is first saved.
#[derive(Clone, Default)]
struct DocDraft {
    code: String,
    name_id: String,
    name_en: String,
    about_id: String,
    about_en: String,
    form: Form,
    copies: u8,
}

/// A case being edited, and whether its fold is open on screen.
#[derive(Clone, Default)]
struct CaseDraft {
    code: String,
    name_id: String,
    name_en: String,
    docs: Vec<DocDraft>,
    open: bool,
}

// Typing writes into the drafts without redrawing (which would take the focus away);
// adding or removing an entry redraws the list from them.

fn drafts(c: &Catalogue) -> Vec<CaseDraft> {
    c.cases
        .iter()
        .map(|case| CaseDraft {
            code: case.code.to_string(),
            name_id: case.name_id.clone(),
            name_en: case.name_en.clone(),
            docs: case
                .documents
                .iter()
                .map(|d| DocDraft {
                    code: d.code.clone(),
                    name_id: d.name_id.clone(),
                    name_en: d.name_en.clone(),
                    about_id: d.about_id.clone(),
                    about_en: d.about_en.clone(),
                    form: d.form,
                    copies: d.copies,
                })
                .collect(),
            open: false,
        })
        .collect()
}

/// The catalogue the drafts describe, with codes made for new entries. An English name
/// left empty takes the Indonesian one: many offices will not translate.
fn build(version: u32, cases: &[CaseDraft], notice: &Notice) -> Result<Catalogue, CatalogueError> {
    let mut out: Vec<Case> = Vec::with_capacity(cases.len());
    for case in cases {
        let name_id = case.name_id.trim().to_string();
        let name_en = or_other(&case.name_en, &name_id);
        let code = if case.code.is_empty() {
            code_for(&name_id, |c| {
                cases.iter().any(|x| x.code == c) || out.iter().any(|x| x.code.as_str() == c)
            })
        } else {
            case.code.clone()
        };
        let code = CaseCode::new(code).map_err(|_| CatalogueError::BadName(name_id.clone()))?;
        let mut documents: Vec<Document> = Vec::new();
        for doc in &case.docs {
            let doc_id = doc.name_id.trim().to_string();
            let doc_en = or_other(&doc.name_en, &doc_id);
            let doc_code = if doc.code.is_empty() {
                code_for(&doc_id, |c| {
                    case.docs.iter().any(|x| x.code == c) || documents.iter().any(|x| x.code == c)
                })
            } else {
                doc.code.clone()
            };
            let about_id = doc.about_id.trim().to_string();
            documents.push(Document {
                code: doc_code,
                name_id: doc_id,
                name_en: doc_en,
                about_en: or_other(&doc.about_en, &about_id),
                about_id,
                form: doc.form,
                // Copies mean something only for photocopies.
                copies: if doc.form == Form::Copy {
                    doc.copies.max(1)
                } else {
                    0
                },
            });
        }
        out.push(Case {
            code,
            name_id,
            name_en,
            documents,
        });
    }
    let hours_id = notice.hours_id.trim().to_string();
    let catalogue = Catalogue {
        version,
        cases: out,
        notice: Notice {
            hours_en: or_other(&notice.hours_en, &hours_id),
            hours_id,
            address: notice.address.trim().to_string(),
        },
    };
    catalogue.validate()?;
    Ok(catalogue)
}

fn or_other(text: &str, other: &str) -> String {
    let text = text.trim();
    if text.is_empty() {
        other.to_string()
    } else {
        text.to_string()
    }
}

fn catalogue_error(lang: Lang, e: &CatalogueError) -> String {
    match e {
        CatalogueError::Empty => lang
            .tr(
                "Harus ada paling sedikit satu layanan.",
                "There must be at least one service.",
            )
            .into(),
        CatalogueError::DuplicateCase(_) => lang
            .tr("Dua layanan sama.", "Two services are the same.")
            .into(),
        CatalogueError::DuplicateDocument { .. } => lang
            .tr(
                "Satu layanan mencantumkan dokumen yang sama dua kali.",
                "A service lists the same document twice.",
            )
            .into(),
        CatalogueError::BadName(_) => format!(
            "{} {MAX_NAME} {}",
            lang.tr(
                "Setiap layanan dan dokumen perlu nama, paling panjang",
                "Every service and document needs a name of at most",
            ),
            lang.tr("huruf.", "characters."),
        ),
        CatalogueError::BadAbout { .. } => format!(
            "{} {MAX_ABOUT} {} {MAX_COPIES}.",
            lang.tr(
                "Keterangan dokumen paling panjang",
                "A document's explanation has at most",
            ),
            lang.tr(
                "huruf, dan jumlah fotokopi 1 sampai",
                "characters, and the copies are 1 to",
            ),
        ),
        CatalogueError::TooMany => format!(
            "{} {MAX_CASES} {} {MAX_DOCUMENTS} {}",
            lang.tr("Paling banyak", "At most"),
            lang.tr(
                "layanan, masing-masing paling banyak",
                "services, each with at most"
            ),
            lang.tr("dokumen.", "documents."),
        ),
        CatalogueError::BadCode { .. } => lang
            .tr(
                "Kode dokumen tidak sah. Hapus dokumen itu lalu tambahkan lagi.",
                "A document code is not valid. Remove that document and add it again.",
            )
            .into(),
        CatalogueError::BadNotice => format!(
            "{} {MAX_ABOUT} {}",
            lang.tr(
                "Jam layanan dan alamat masing-masing paling panjang",
                "The hours and the address have at most",
            ),
            lang.tr("huruf.", "characters each."),
        ),
    }
}

/// The editor, a card of the admin page.
#[component]
pub fn CatalogueSection() -> impl IntoView {
    let app = use_app();
    let lang = use_lang();
    let t = move |id, en| lang.get().tr(id, en);
    let version = move || app.view.with(|v| v.catalogue().version);
    let cases = RwSignal::new(app.view.with_untracked(|v| drafts(v.catalogue())));
    let notice = RwSignal::new(app.view.with_untracked(|v| v.catalogue().notice.clone()));
    // The version the drafts were made from: a save is its successor, so an edit synced
    // from another device meanwhile makes the save a conflict instead of overwriting it.
    let base = RwSignal::new(app.view.with_untracked(|v| v.catalogue().version));
    let outdated = move || version() != base.get();
    let error = RwSignal::new(None::<String>);
    let saved = RwSignal::new(None::<u32>);
    let busy = RwSignal::new(false);
    let reset = move || {
        app.view.with_untracked(|v| {
            cases.set(drafts(v.catalogue()));
            notice.set(v.catalogue().notice.clone());
            base.set(v.catalogue().version);
        });
        error.set(None);
    };
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        saved.set(None);
        let next = base.get_untracked() + 1;
        let catalogue = match cases.with_untracked(|c| notice.with_untracked(|n| build(next, c, n)))
        {
            Ok(c) => c,
            Err(e) => {
                error.set(Some(catalogue_error(lang.get_untracked(), &e)));
                return;
            }
        };
        busy.set(true);
        spawn_local(async move {
            let result = app.act(OpBody::SetCatalogue(catalogue)).await;
            busy.set(false);
            match result {
                Ok(_) => {
                    error.set(None);
                    saved.set(Some(next));
                    // New entries now have their codes.
                    reset();
                }
                Err(e) => error.set(Some(step_error(lang.get_untracked(), &e))),
            }
        });
    };
    view! {
        <form class="card catalogue-editor" id="catalogue" on:submit=save novalidate>
            <h2>{move || t("Layanan & dokumen wajib", "Services & required documents")}</h2>
            <p class="hint" data-testid="catalogue-version">
                {move || t("Versi", "Version")} " " {version} ". "
                {move || t(
                    "Tiket yang sudah diambil tetap memakai versi saat diambil.",
                    "Tickets already issued keep the version they were issued under.",
                )}
            </p>
            <p class="banner warn" role="alert" data-testid="catalogue-outdated" hidden=move || !outdated()>
                {move || t(
                    "Daftar layanan baru saja diubah di perangkat lain. Tekan \"Batalkan perubahan\" untuk memuat versi terbaru, lalu ubah lagi.",
                    "The service list was just changed on another device. Press \"Undo changes\" to load the latest version, then edit again.",
                )}
            </p>
            <ul class="cases">
                {move || cases.get().into_iter().enumerate().map(|(i, case)| {
                    let edit = move |f: &dyn Fn(&mut CaseDraft)| cases.update_untracked(|v| {
                        if let Some(c) = v.get_mut(i) {
                            f(c)
                        }
                    });
                    let summary = format!("{} ({} {})", case.name_id, case.docs.len(), lang.get_untracked().tr("dokumen", "documents"));
                    view! {
                        <li data-case=case.code.clone()>
                            <details open=case.open on:toggle=move |ev| {
                                let open = event_target::<web_sys::HtmlDetailsElement>(&ev).open();
                                edit(&|c| c.open = open);
                            }>
                                <summary>{summary}</summary>
                                <div class="case-fields">
                                    <label>{move || t("Nama layanan", "Service name")}
                                        <input type="text" class="case-name-id" maxlength=MAX_NAME prop:value=case.name_id
                                            on:input=move |ev| { let v = event_target_value(&ev); edit(&|c| c.name_id = v.clone()) } />
                                    </label>
                                    <label>{move || t("Nama (Inggris)", "Name (English)")}
                                        <input type="text" class="case-name-en" maxlength=MAX_NAME prop:value=case.name_en
                                            on:input=move |ev| { let v = event_target_value(&ev); edit(&|c| c.name_en = v.clone()) } />
                                    </label>
                                </div>
                                <ol class="doc-rows">
                                    {case.docs.into_iter().enumerate().map(|(j, d)| view! {
                                        <li class="doc-row" data-doc=d.code>
                                            <input type="text" class="doc-name-id" maxlength=MAX_NAME
                                                aria-label=move || t("Nama dokumen", "Document name")
                                                placeholder=move || t("Nama dokumen", "Document name")
                                                prop:value=d.name_id
                                                on:input=move |ev| { let v = event_target_value(&ev); edit(&|c| if let Some(d) = c.docs.get_mut(j) { d.name_id = v.clone() }) } />
                                            <input type="text" class="doc-name-en" maxlength=MAX_NAME
                                                aria-label=move || t("Nama dokumen (Inggris)", "Document name (English)")
                                                placeholder=move || t("Nama (Inggris)", "Name (English)")
                                                prop:value=d.name_en
                                                on:input=move |ev| { let v = event_target_value(&ev); edit(&|c| if let Some(d) = c.docs.get_mut(j) { d.name_en = v.clone() }) } />
                                            <button type="button" class="button secondary remove-doc"
                                                on:click=move |_| cases.update(|v| if let Some(c) = v.get_mut(i) && j < c.docs.len() { c.docs.remove(j); })>
                                                {move || t("Hapus", "Remove")}
                                            </button>
                                            <input type="text" class="doc-about-id" maxlength=MAX_ABOUT
                                                aria-label=move || t("Keterangan: apa dan di mana mendapatkannya", "Explanation: what it is and where to get it")
                                                placeholder=move || t("Keterangan: apa dan di mana mendapatkannya", "Explanation: what it is and where to get it")
                                                prop:value=d.about_id
                                                on:input=move |ev| { let v = event_target_value(&ev); edit(&|c| if let Some(d) = c.docs.get_mut(j) { d.about_id = v.clone() }) } />
                                            <input type="text" class="doc-about-en" maxlength=MAX_ABOUT
                                                aria-label=move || t("Keterangan (Inggris)", "Explanation (English)")
                                                placeholder=move || t("Keterangan (Inggris)", "Explanation (English)")
                                                prop:value=d.about_en
                                                on:input=move |ev| { let v = event_target_value(&ev); edit(&|c| if let Some(d) = c.docs.get_mut(j) { d.about_en = v.clone() }) } />
                                            <div class="doc-form">
                                                <select class="doc-form-select" aria-label=move || t("Dibawa sebagai", "Brought as")
                                                    on:change=move |ev| {
                                                        let form = match event_target_value(&ev).as_str() {
                                                            "copy" => Form::Copy,
                                                            "condition" => Form::Condition,
                                                            _ => Form::Original,
                                                        };
                                                        edit(&|c| if let Some(d) = c.docs.get_mut(j) { d.form = form })
                                                    }>
                                                    <option value="original" selected=d.form == Form::Original>{move || t("Asli", "Original")}</option>
                                                    <option value="copy" selected=d.form == Form::Copy>{move || t("Fotokopi (bawa juga aslinya)", "Photocopies (and the original)")}</option>
                                                    <option value="condition" selected=d.form == Form::Condition>{move || t("Syarat, bukan kertas", "A condition, not a paper")}</option>
                                                </select>
                                                <label class="doc-copies">{move || t("Jumlah fotokopi", "Copies")}
                                                    <input type="number" class="doc-copies-input" min="1" max=MAX_COPIES inputmode="numeric"
                                                        prop:value=d.copies.max(1).to_string()
                                                        on:input=move |ev| {
                                                            let n = event_target_value(&ev).trim().parse::<u8>().unwrap_or(1);
                                                            edit(&|c| if let Some(d) = c.docs.get_mut(j) { d.copies = n })
                                                        } />
                                                </label>
                                            </div>
                                        </li>
                                    }).collect_view()}
                                </ol>
                                <div class="actions">
                                    <button type="button" class="button secondary add-doc"
                                        on:click=move |_| cases.update(|v| if let Some(c) = v.get_mut(i) { c.docs.push(DocDraft::default()); c.open = true; })>
                                        {move || t("+ Tambah dokumen", "+ Add a document")}
                                    </button>
                                    <button type="button" class="button secondary remove-case"
                                        on:click=move |_| cases.update(|v| { if i < v.len() { v.remove(i); } })>
                                        {move || t("Hapus layanan ini", "Remove this service")}
                                    </button>
                                </div>
                            </details>
                        </li>
                    }
                }).collect_view()}
            </ul>
            <fieldset class="notice-fields">
                <legend>{move || t("Untuk pemohon: jam dan tempat layanan", "For applicants: service hours and place")}</legend>
                <p class="hint">{move || t(
                    "Ditampilkan di halaman \"Apa yang harus saya bawa?\" dan di status tiket.",
                    "Shown on the \"What should I bring?\" page and on the ticket's status.",
                )}</p>
                <div class="case-fields">
                    <label>{move || t("Jam layanan", "Service hours")}
                        <input type="text" id="notice-hours-id" maxlength=MAX_ABOUT placeholder="Senin–Jumat 08.00–14.00"
                            prop:value=move || notice.with(|n| n.hours_id.clone())
                            on:input=move |ev| { let v = event_target_value(&ev); notice.update_untracked(|n| n.hours_id = v) } />
                    </label>
                    <label>{move || t("Jam layanan (Inggris)", "Service hours (English)")}
                        <input type="text" id="notice-hours-en" maxlength=MAX_ABOUT placeholder="Monday–Friday 08:00–14:00"
                            prop:value=move || notice.with(|n| n.hours_en.clone())
                            on:input=move |ev| { let v = event_target_value(&ev); notice.update_untracked(|n| n.hours_en = v) } />
                    </label>
                    <label>{move || t("Alamat kantor", "Office address")}
                        <input type="text" id="notice-address" maxlength=MAX_ABOUT
                            prop:value=move || notice.with(|n| n.address.clone())
                            on:input=move |ev| { let v = event_target_value(&ev); notice.update_untracked(|n| n.address = v) } />
                    </label>
                </div>
            </fieldset>
            <button type="button" id="add-case" class="button secondary" on:click=move |_| cases.update(|v| v.push(CaseDraft {
                docs: vec![DocDraft::default()],
                open: true,
                ..CaseDraft::default()
            }))>
                {move || t("+ Tambah layanan", "+ Add a service")}
            </button>
            <p class="form-error" role="alert" data-testid="catalogue-error" hidden=move || error.get().is_none()>{move || error.get()}</p>
            <p class="banner ok" role="status" data-testid="catalogue-saved" hidden=move || saved.get().is_none()>
                {move || t("Tersimpan: daftar layanan versi", "Saved: service list version")} " " {move || saved.get()}
            </p>
            <div class="actions">
                <button id="catalogue-save" class="button primary" type="submit" disabled=move || busy.get()>
                    {move || t("Simpan daftar layanan", "Save the service list")}
                </button>
                <button id="catalogue-reset" class="button secondary" type="button" on:click=move |_| { reset(); saved.set(None); }>
                    {move || t("Batalkan perubahan", "Undo changes")}
                </button>
            </div>
        </form>
    }
}
