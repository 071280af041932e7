//! The service list is data the admin edits: a new document for a case and a new case,
//! saved as the next version. The counter then offers the new case and checks the new
//! document, while a ticket issued before the edit keeps the list it was issued under.
//! A nameless entry is refused with a message and saves nothing.

use loket_e2e::{Profile, Server, WAIT, action, check, find};
use thirtyfour::prelude::*;

/// The documents on the checklist of the ticket at the counter, by code.
async fn checklist(p: &Profile) -> Vec<String> {
    check::exists(p, "#checklist .docs li").await;
    let mut codes = Vec::new();
    for li in p
        .driver
        .find_all(By::Css("#checklist .docs li"))
        .await
        .unwrap_or_default()
    {
        codes.push(li.attr("data-doc").await.ok().flatten().unwrap_or_default());
    }
    codes
}

async fn shows(p: &Profile, selector: &str, text: &str) {
    let what = format!("{selector} to show {text:?}");
    check::until(p, &what, WAIT, async || {
        match find::text(p, selector).await.ok().flatten() {
            Some(s) if s.contains(text) => Ok(()),
            other => Err(format!("it shows {other:?}")),
        }
    })
    .await;
}

/// Takes the ticket called to the counter through to its checklist.
async fn to_checklist(p: &Profile) {
    action::click(p, "#arrive").await;
    action::click(p, "#receive-documents").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_admin_edits_the_service_list_and_old_tickets_keep_theirs() {
    let server = Server::start().await;
    let chromedriver = loket_e2e::Chromedriver::start().await;
    let tablet = Profile::open(&chromedriver, &server, "office-tablet").await;
    action::enrol(&tablet, &server.admin_code(), "Tablet loket 1").await;

    // A-001 is issued for a new card under version 1.
    action::select(&tablet, "#issue-case", "baru").await;
    let before = action::issue_ticket(&tablet).await;
    assert_eq!(before, "A-001");

    action::lock(&tablet).await;
    action::unlock(&tablet, action::ADMIN.0, action::ADMIN.1).await;
    action::click(&tablet, "#nav-admin").await;
    shows(&tablet, "[data-testid=catalogue-version]", "Versi 1").await;

    // A document with no name is refused, and nothing is saved.
    let new_card = "#catalogue li[data-case='baru']";
    action::click(&tablet, &format!("{new_card} summary")).await;
    action::click(&tablet, &format!("{new_card} .add-doc")).await;
    action::click(&tablet, "#catalogue-save").await;
    shows(&tablet, "[data-testid=catalogue-error]", "perlu nama").await;
    shows(&tablet, "[data-testid=catalogue-version]", "Versi 1").await;

    // Named, it saves as version 2; so does a new case with its document.
    let new_row = format!("{new_card} .doc-row:last-child");
    action::type_into(
        &tablet,
        &format!("{new_row} .doc-name-id"),
        "Surat Pengantar RT/RW",
    )
    .await;
    action::click(&tablet, "#add-case").await;
    let added = "#catalogue .cases > li:last-child";
    action::type_into(&tablet, &format!("{added} .case-name-id"), "Koreksi data").await;
    action::type_into(
        &tablet,
        &format!("{added} .case-name-en"),
        "Data correction",
    )
    .await;
    action::type_into(&tablet, &format!("{added} .doc-name-id"), "Akta kelahiran").await;
    action::click(&tablet, "#catalogue-save").await;
    shows(&tablet, "[data-testid=catalogue-saved]", "versi 2").await;
    shows(&tablet, "[data-testid=catalogue-version]", "Versi 2").await;
    check::exists(&tablet, "#catalogue li[data-case='koreksi_data']").await;

    // An admin editing on another device meanwhile is told, and cannot overwrite version 2.
    let other = Profile::open(&chromedriver, &server, "admin-phone").await;
    action::enrol_only(&other, &server.admin_code(), "HP admin").await;
    action::unlock(&other, action::ADMIN.0, action::ADMIN.1).await;
    action::click(&other, "#nav-admin").await;
    shows(&other, "[data-testid=catalogue-version]", "Versi 2").await;
    let correction = "#catalogue li[data-case='koreksi_data']";
    action::click(&tablet, &format!("{correction} summary")).await;
    action::click(&tablet, &format!("{correction} .remove-case")).await;
    action::click(&tablet, "#catalogue-save").await;
    shows(&tablet, "[data-testid=catalogue-saved]", "versi 3").await;
    action::sync_until(
        &other,
        "the other device to see version 3",
        async || match find::text(&other, "[data-testid=catalogue-version]").await {
            Ok(Some(v)) if v.contains("Versi 3") => Ok(()),
            other => Err(format!("it shows {other:?}")),
        },
    )
    .await;
    check::exists(&other, "[data-testid=catalogue-outdated]:not([hidden])").await;
    action::click(&other, "#catalogue-save").await;
    shows(
        &other,
        "[data-testid=catalogue-error]",
        "diubah di perangkat lain",
    )
    .await;
    shows(&other, "[data-testid=catalogue-version]", "Versi 3").await;
    // Reloaded, the draft is version 3 and saves as version 4.
    action::click(&other, "#catalogue-reset").await;
    check::exists(&other, "[data-testid=catalogue-outdated][hidden]").await;
    assert!(
        !find::exists(&other, "#catalogue li[data-case='koreksi_data']")
            .await
            .unwrap_or(true),
        "the draft is the latest list"
    );
    other.quit().await;
    // Put the case back for the counter below: version 4.
    action::click(&tablet, "#add-case").await;
    action::type_into(&tablet, &format!("{added} .case-name-id"), "Koreksi data").await;
    action::type_into(&tablet, &format!("{added} .doc-name-id"), "Akta kelahiran").await;
    action::click(&tablet, "#catalogue-save").await;
    shows(&tablet, "[data-testid=catalogue-saved]", "versi 4").await;
    // The hours and the address applicants are told: version 5.
    action::type_into(&tablet, "#notice-hours-id", "Senin–Jumat 08.00–14.00").await;
    action::type_into(&tablet, "#notice-address", "Jl. Raya Selemadeg No. 1").await;
    action::click(&tablet, "#catalogue-save").await;
    shows(&tablet, "[data-testid=catalogue-saved]", "versi 5").await;

    // The operator's counter offers the new case; a new-card ticket now lists the new document.
    action::lock(&tablet).await;
    action::unlock(&tablet, action::OPERATOR.0, action::OPERATOR.1).await;
    check::exists(&tablet, "#issue-case option[value='koreksi_data']").await;
    action::select(&tablet, "#issue-case", "baru").await;
    let after = action::issue_ticket(&tablet).await;
    action::select(&tablet, "#issue-case", "koreksi_data").await;
    let correction = action::issue_ticket(&tablet).await;

    // A-001 keeps version 1's list.
    assert_eq!(action::call_next(&tablet).await, before);
    to_checklist(&tablet).await;
    let old = checklist(&tablet).await;
    assert!(
        !old.iter().any(|c| c.starts_with("surat_pengantar")),
        "{before} keeps the list it was issued under: {old:?}"
    );
    // The next counter takes A-002, issued under version 2.
    action::select(&tablet, "#counter-no", "2").await;
    assert_eq!(action::call_next(&tablet).await, after);
    to_checklist(&tablet).await;
    let new = checklist(&tablet).await;
    assert!(
        new.iter().any(|c| c == "surat_pengantar_rt_rw") && new.len() == old.len() + 1,
        "{after} lists the added document: {new:?} (was {old:?})"
    );
    assert!(find::waiting(&tablet).await.unwrap_or_default() == vec![correction]);

    // The applicants' self-check reads the same list: the added case, its document, the
    // office's hours and address, and the version.
    action::sync_until_settled(&tablet).await;
    action::open(&tablet, "/cek-berkas?alasan=koreksi_data").await;
    shows(
        &tablet,
        "[data-testid=selfcheck-advice] .doc-list",
        "Akta kelahiran",
    )
    .await;
    shows(
        &tablet,
        "[data-testid=selfcheck-hours]",
        "Senin–Jumat 08.00–14.00",
    )
    .await;
    shows(
        &tablet,
        "[data-testid=selfcheck-office]",
        "Jl. Raya Selemadeg No. 1",
    )
    .await;
    check::exists(
        &tablet,
        "[data-testid=selfcheck-advice][data-catalogue='5']",
    )
    .await;

    tablet.quit().await;
}
