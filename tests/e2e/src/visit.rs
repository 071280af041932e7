//! The walk-in visit's steps as the counter and the Kasi take them (A2–A6): used by the
//! tests that go through the flow, online and offline.

use crate::{Profile, WAIT, action, check, find};
use thirtyfour::prelude::*;

/// The Kasi Pelum's account, and her PIN.
pub const KASI: (&str, &str) = ("Kasi Pelum", "246810");
/// A valid NIK: a woman born 1 July 1990 (day 01 + 40).
pub const NIK: &str = "5102024107900001";

/// Checks the ticket at the counter is at `stage`.
pub async fn at_stage(p: &Profile, stage: &str) {
    let what = format!("the ticket at the counter to be {stage}");
    check::until(p, &what, WAIT, async || {
        match find::text(p, "[data-testid=at-counter-stage]").await {
            Ok(Some(s)) if s == stage => Ok(()),
            other => Err(format!("it is {other:?}")),
        }
    })
    .await;
}

/// Fills the checklist: every document valid (or the first missing), the NIK, a name, and
/// the SIAK answer.
pub async fn fill_checklist(p: &Profile, all_valid: bool, siak: &str) {
    check::exists(p, "#checklist .docs li").await;
    let docs = p
        .driver
        .find_all(By::Css("#checklist .docs li"))
        .await
        .unwrap_or_default();
    assert!(!docs.is_empty(), "the checklist lists the case's documents");
    for (i, doc) in docs.iter().enumerate() {
        let state = if all_valid || i > 0 {
            "valid"
        } else {
            "missing"
        };
        let chip = doc
            .find(By::Css(format!("button[data-state='{state}']")))
            .await
            .expect("each document has its three answers");
        chip.click().await.expect("a chip can be tapped");
    }
    action::type_into(p, "#nik", NIK).await;
    let decoded = find::text(p, "[data-testid=nik-decoded]")
        .await
        .ok()
        .flatten();
    let decoded = decoded.unwrap_or_default();
    assert!(
        decoded.contains("01-07-1990") && decoded.contains("Perempuan"),
        "{decoded}"
    );
    action::type_into(p, "#applicant-name", "Ni Made Ayu").await;
    action::click(p, siak).await;
}

/// Calls the next ticket and takes it to the checklist.
pub async fn to_checklist(p: &Profile) -> String {
    // Not `action::call_next`: a ticket called again after a no-show shows the same number.
    action::click(p, "#call-next").await;
    at_stage(p, "called").await;
    let number = find::text(p, "[data-testid=at-counter-number]")
        .await
        .ok()
        .flatten()
        .unwrap_or_default();
    action::click(p, "#arrive").await;
    at_stage(p, "arrived").await;
    action::click(p, "#receive-documents").await;
    at_stage(p, "verifying").await;
    number
}

/// Draws a signature with the pointer in the pad.
pub async fn sign(p: &Profile) {
    let pad = p
        .driver
        .find(By::Css("#signature-pad"))
        .await
        .expect("the pad");
    let mut chain = p
        .driver
        .action_chain()
        .move_to_element_with_offset(&pad, -150, 0)
        .click_and_hold();
    for i in 0..12 {
        chain = chain.move_by_offset(25, if i % 2 == 0 { 30 } else { -30 });
    }
    chain.release().perform().await.expect("drawing works");
    let what = "the signature to be accepted";
    check::until(p, what, WAIT, async || {
        let ok = p
            .driver
            .find(By::Css("[data-testid=signature-state]"))
            .await;
        match ok {
            Ok(el) => match el.attr("data-ok").await {
                Ok(Some(v)) if v == "true" => Ok(()),
                other => Err(format!("data-ok is {other:?}")),
            },
            Err(e) => Err(e.to_string()),
        }
    })
    .await;
}

/// Waits until `selector`'s text contains `text` (syncing the device now and then).
pub async fn sees(p: &Profile, selector: &str, text: &str) {
    let what = format!("{selector} to show {text}");
    action::sync_until(p, &what, async || {
        let shown = find::text(p, selector)
            .await
            .ok()
            .flatten()
            .unwrap_or_default();
        if shown.contains(text) {
            Ok(())
        } else {
            Err(format!("it shows {shown:?}"))
        }
    })
    .await;
}

/// The office as the walk-in tests need it: on `tablet` (enrolled with the server's
/// `admin_code`), the first admin adds the operator and the Kasi, receives `cards` blank
/// cards and makes the admin code `kasi` enrols with (returned: it is spent), then the
/// operator signs in; the Kasi signs in on her inbox.
pub async fn set_up_office(
    tablet: &Profile,
    kasi: &Profile,
    admin_code: &str,
    cards: u32,
) -> String {
    action::enrol_only(tablet, admin_code, "Tablet loket 1").await;
    assert!(action::first_office(tablet).await);
    action::create_first_admin(tablet).await;
    action::add_staff(tablet, action::OPERATOR.0, "0", action::OPERATOR.1).await;
    action::add_staff(tablet, KASI.0, "1", KASI.1).await;
    action::click(tablet, "#nav-stock").await;
    action::type_into(tablet, "#stock-count", &cards.to_string()).await;
    action::type_into(tablet, "#stock-note", "SJ-2026/11/001").await;
    action::click(tablet, "#stock-receive").await;
    sees(tablet, "[data-testid=stock-on-hand]", &cards.to_string()).await;
    let kasi_code = action::make_admin_code(tablet).await;
    action::lock(tablet).await;
    action::unlock(tablet, action::OPERATOR.0, action::OPERATOR.1).await;

    action::enrol_only(kasi, &kasi_code, "HP Kasi").await;
    assert!(
        !action::first_office(kasi).await,
        "the staff synced before anyone signs in"
    );
    action::unlock(kasi, KASI.0, KASI.1).await;
    action::click(kasi, "#nav-kasi").await;
    kasi_code
}
