//! The signing box for the handover receipt (A6): the applicant signs with a finger on the
//! operator's tablet. Points are kept in the core's fixed box, not in screen pixels, so the
//! receipt prints the same signature whatever screen it was drawn on.

use crate::i18n::{Lang, use_lang};
use leptos::prelude::*;
use loket_core::handover::{BOX_H, BOX_W, MAX_POINTS, MAX_STROKES, Signature, SignatureError};
use web_sys::{Element, PointerEvent};

/// Points closer than this (in box units) to the previous one add bytes, not shape.
const MIN_STEP: u32 = 4;

fn tr(lang: Lang, id: &'static str, en: &'static str) -> &'static str {
    match lang {
        Lang::Id => id,
        Lang::En => en,
    }
}

/// Where the signature stands, as the hint under the box tells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PadState {
    Empty,
    TooShort,
    Malformed,
    Ready,
}

impl PadState {
    fn of(signature: &Signature) -> Self {
        if signature.strokes.iter().all(Vec::is_empty) {
            return PadState::Empty;
        }
        match signature.check() {
            Ok(()) => PadState::Ready,
            Err(SignatureError::TooShort) => PadState::TooShort,
            Err(SignatureError::Malformed) => PadState::Malformed,
        }
    }

    fn hint(self, lang: Lang) -> &'static str {
        match self {
            PadState::Empty => tr(
                lang,
                "Minta pemohon menandatangani di kotak",
                "Ask the applicant to sign in the box",
            ),
            PadState::TooShort => tr(
                lang,
                "Tanda tangan terlalu pendek",
                "The signature is too short",
            ),
            PadState::Malformed => tr(
                lang,
                "Tanda tangan tidak dapat dipakai; hapus dan ulangi",
                "The signature cannot be used; clear it and sign again",
            ),
            PadState::Ready => tr(lang, "Tanda tangan siap", "Signature ready"),
        }
    }
}

fn point_count(signature: &Signature) -> usize {
    signature.strokes.iter().map(Vec::len).sum()
}

/// The pointer's position in box units, clamped to the box.
///
/// The content box (inside the border) is what the viewBox maps onto, so the border is
/// taken off; an element with no layout box yet reports zero and falls back to its rect.
fn to_box(el: &Element, ev: &PointerEvent) -> Option<[u16; 2]> {
    let rect = el.get_bounding_client_rect();
    let (left, top, width, height) = if el.client_width() > 0 && el.client_height() > 0 {
        (
            rect.left() + f64::from(el.client_left()),
            rect.top() + f64::from(el.client_top()),
            f64::from(el.client_width()),
            f64::from(el.client_height()),
        )
    } else {
        (rect.left(), rect.top(), rect.width(), rect.height())
    };
    if width <= 0.0 || height <= 0.0 {
        return None;
    }
    let scale = |pos: f64, origin: f64, size: f64, max: u16| {
        let units = ((pos - origin) / size * f64::from(max)).round();
        // `as` saturates and maps NaN to 0, so any float lands inside the box.
        units.clamp(0.0, f64::from(max)) as u16
    };
    Some([
        scale(f64::from(ev.client_x()), left, width, BOX_W),
        scale(f64::from(ev.client_y()), top, height, BOX_H),
    ])
}

fn far_enough(from: [u16; 2], to: [u16; 2]) -> bool {
    let dx = u32::from(from[0].abs_diff(to[0]));
    let dy = u32::from(from[1].abs_diff(to[1]));
    dx * dx + dy * dy >= MIN_STEP * MIN_STEP
}

/// The signing box, its clear button and a live hint.
///
/// It edits `signature` in place so the page that owns the handover decides when it is
/// good enough (via [`Signature::check`]) and what to do with it.
#[component]
pub fn SignaturePad(signature: RwSignal<Signature>) -> impl IntoView {
    let lang = use_lang();
    let pad = NodeRef::<leptos::svg::Svg>::new();
    // The pointer drawing the current stroke. The latest finger down wins, so a palm that
    // landed first does not lock the box, and a lost `pointerup` cannot leave it stuck.
    let active = StoredValue::new(None::<i32>);

    let down = move |ev: PointerEvent| {
        if ev.pointer_type() == "mouse" && ev.button() != 0 {
            return;
        }
        let Some(el) = pad.get_untracked() else {
            return;
        };
        let Some(point) = to_box(&el, &ev) else {
            return;
        };
        // Stop before the core would call the signature malformed.
        let full = signature
            .with_untracked(|s| s.strokes.len() >= MAX_STROKES || point_count(s) >= MAX_POINTS);
        if full {
            return;
        }
        // No text selection or emulated mouse events while signing with a mouse or pen.
        ev.prevent_default();
        // Without capture a stroke still draws, it just stops at the box's edge.
        let _ = el.set_pointer_capture(ev.pointer_id());
        active.set_value(Some(ev.pointer_id()));
        signature.update(|s| s.strokes.push(vec![point]));
    };

    let moved = move |ev: PointerEvent| {
        if active.get_value() != Some(ev.pointer_id()) {
            return;
        }
        let Some(el) = pad.get_untracked() else {
            return;
        };
        let Some(point) = to_box(&el, &ev) else {
            return;
        };
        let wanted = signature.with_untracked(|s| {
            point_count(s) < MAX_POINTS
                && s.strokes
                    .last()
                    .and_then(|stroke| stroke.last())
                    .is_none_or(|last| far_enough(*last, point))
        });
        if wanted {
            signature.update(|s| {
                if let Some(stroke) = s.strokes.last_mut() {
                    stroke.push(point);
                }
            });
        }
    };

    let end = move |ev: PointerEvent| {
        if active.get_value() == Some(ev.pointer_id()) {
            active.set_value(None);
        }
    };

    let clear = move |_| {
        active.set_value(None);
        signature.set(Signature::default());
    };

    // A memo, so the live region speaks only when the state changes, not on every point.
    let state = Memo::new(move |_| signature.with(PadState::of));
    let label = move || {
        tr(
            lang.get(),
            "Kotak tanda tangan pemohon",
            "Applicant's signature box",
        )
    };

    view! {
        <div class="signature">
            <svg
                id="signature-pad"
                class="signature-pad"
                viewBox=format!("0 0 {BOX_W} {BOX_H}")
                preserveAspectRatio="none"
                role="img"
                aria-label=label
                node_ref=pad
                on:pointerdown=down
                on:pointermove=moved
                on:pointerup=end
                on:pointercancel=end
                on:lostpointercapture=end
            >
                <rect class="signature-paper" x="0" y="0" width="1000" height="400" fill="#ffffff"></rect>
                <line
                    class="signature-baseline"
                    x1="50"
                    y1="310"
                    x2="950"
                    y2="310"
                    stroke="#5b6770"
                    stroke-width="2"
                ></line>
                <text class="signature-label" x="50" y="360" font-size="26" fill="#4a5a66">
                    "Tanda tangan pemohon / Applicant's signature"
                </text>
                <path
                    class="signature-ink"
                    d=move || signature.with(Signature::svg_path)
                    fill="none"
                    stroke="#000000"
                    stroke-width="4"
                    stroke-linecap="round"
                    stroke-linejoin="round"
                ></path>
            </svg>
            <div class="signature-bar">
                <p
                    class="signature-state"
                    class:ok=move || state.get() == PadState::Ready
                    data-testid="signature-state"
                    data-ok=move || (state.get() == PadState::Ready).to_string()
                    aria-live="polite"
                >
                    {move || state.get().hint(lang.get())}
                </p>
                <button
                    type="button"
                    id="signature-clear"
                    class="button secondary signature-clear"
                    on:click=clear
                >
                    {move || tr(lang.get(), "Hapus", "Clear")}
                </button>
            </div>
        </div>
    }
}
