//! The admin's editor of the service list: the cases the counter offers and the documents
//! each one needs. Saving makes the next catalogue version (an op, synced like any other);
//! tickets already issued keep the version they were checked against.

use crate::app_state::use_app;
use crate::i18n::{Lang, use_lang};
use crate::routes::visit::step_error;
use leptos::prelude::*;
use leptos::task::spawn_local;
use loket_core::OpBody;
use loket_core::catalogue::{Case, CaseCode, Catalogue, CatalogueError, Document, code_for};

/// A document being edited. `code` is empty until it is first saved.
#[derive(Clone, Default)]
struct DocDraft {
    code: String,
    name_id: String,
    name_en: String,
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
                })
                .collect(),
            open: false,
        })
        .collect()
}

/// The catalogue the drafts describe, with codes made for new entries. An English name
/// left empty takes the Indonesian one: many offices will not translate.
fn build(version: u32, cases: &[CaseDraft]) -> Result<Catalogue, CatalogueError> {
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
            documents.push(Document {
                code: doc_code,
                name_id: doc_id,
                name_en: doc_en,
            });
        }
        out.push(Case {
            code,
            name_id,
            name_en,
            documents,
        });
    }
    let catalogue = Catalogue {
        version,
        cases: out,
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
        CatalogueError::BadName(_) => lang
            .tr(
                "Setiap layanan dan dokumen perlu nama (paling panjang 120 huruf).",
                "Every service and document needs a name (120 characters at most).",
            )
            .into(),
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
            base.set(v.catalogue().version);
        });
        error.set(None);
    };
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        saved.set(None);
        let next = base.get_untracked() + 1;
        let catalogue = match cases.with_untracked(|c| build(next, c)) {
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
                                        <input type="text" class="case-name-id" maxlength="120" prop:value=case.name_id
                                            on:input=move |ev| { let v = event_target_value(&ev); edit(&|c| c.name_id = v.clone()) } />
                                    </label>
                                    <label>{move || t("Nama (Inggris)", "Name (English)")}
                                        <input type="text" class="case-name-en" maxlength="120" prop:value=case.name_en
                                            on:input=move |ev| { let v = event_target_value(&ev); edit(&|c| c.name_en = v.clone()) } />
                                    </label>
                                </div>
                                <ol class="doc-rows">
                                    {case.docs.into_iter().enumerate().map(|(j, d)| view! {
                                        <li class="doc-row" data-doc=d.code>
                                            <input type="text" class="doc-name-id" maxlength="120"
                                                aria-label=move || t("Nama dokumen", "Document name")
                                                placeholder=move || t("Nama dokumen", "Document name")
                                                prop:value=d.name_id
                                                on:input=move |ev| { let v = event_target_value(&ev); edit(&|c| if let Some(d) = c.docs.get_mut(j) { d.name_id = v.clone() }) } />
                                            <input type="text" class="doc-name-en" maxlength="120"
                                                aria-label=move || t("Nama dokumen (Inggris)", "Document name (English)")
                                                placeholder=move || t("Nama (Inggris)", "Name (English)")
                                                prop:value=d.name_en
                                                on:input=move |ev| { let v = event_target_value(&ev); edit(&|c| if let Some(d) = c.docs.get_mut(j) { d.name_en = v.clone() }) } />
                                            <button type="button" class="button secondary remove-doc"
                                                on:click=move |_| cases.update(|v| if let Some(c) = v.get_mut(i) && j < c.docs.len() { c.docs.remove(j); })>
                                                {move || t("Hapus", "Remove")}
                                            </button>
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
