//! Printing one sheet of the page: the ticket slip, the handover receipt, the return notice.
//!
//! The element is copied into a `.print-sheet` directly under `<body>`, and the print
//! stylesheet shows only that. Each kind of sheet then gets its own paper size through
//! CSS named pages (a 58 mm roll for the slip, A5 for the others), which a sheet nested
//! deep in the page could not have.

use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;

/// The class of the copy that prints.
const SHEET_CLASS: &str = "print-sheet";

/// Opens the browser's print dialog for the element with this id alone. Does nothing
/// when the element is not on the page.
pub fn print_element(id: &str) {
    let Some(window) = web_sys::window() else {
        return;
    };
    let Some(document) = window.document() else {
        return;
    };
    let (Some(body), Some(element)) = (document.body(), document.get_element_by_id(id)) else {
        return;
    };
    remove_sheets(&document);
    let Ok(copy) = element.clone_node_with_deep(true) else {
        return;
    };
    // One element per id: the copy and what it holds are found by class, not id.
    if let Some(copy) = copy.dyn_ref::<web_sys::Element>() {
        let _ = copy.remove_attribute("id");
        if let Ok(inner) = copy.query_selector_all("[id]") {
            for i in 0..inner.length() {
                if let Some(el) = inner
                    .item(i)
                    .and_then(|n| n.dyn_into::<web_sys::Element>().ok())
                {
                    let _ = el.remove_attribute("id");
                }
            }
        }
    }
    let Ok(sheet) = document.create_element("div") else {
        return;
    };
    sheet.set_class_name(SHEET_CLASS);
    let _ = sheet.set_attribute("data-sheet", id);
    if sheet.append_child(&copy).is_err() || body.append_child(&sheet).is_err() {
        return;
    }
    // Mobile browsers return from `print()` before the page is rendered for printing, so
    // the copy goes only once printing is over.
    let cleanup = Closure::once_into_js(move || {
        if let Some(document) = web_sys::window().and_then(|w| w.document()) {
            remove_sheets(&document);
        }
    });
    let options = web_sys::AddEventListenerOptions::new();
    options.set_once(true);
    let _ = window.add_event_listener_with_callback_and_add_event_listener_options(
        "afterprint",
        cleanup.unchecked_ref(),
        &options,
    );
    let _ = window.print();
}

fn remove_sheets(document: &web_sys::Document) {
    let Ok(old) = document.query_selector_all(&format!(".{SHEET_CLASS}")) else {
        return;
    };
    for i in 0..old.length() {
        if let Some(node) = old.item(i)
            && let Some(el) = node.dyn_ref::<web_sys::Element>()
        {
            el.remove();
        }
    }
}
