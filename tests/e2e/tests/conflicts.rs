//! Work that another device's work overtook is kept as a conflict and shown to the staff
//! who did it, on whatever page they are: two operators who called the same number while
//! the server was down (one wins), and a Kasi who approved a file offline after the admin
//! had taken the Kasi role from her (the server refuses her approval).

use loket_e2e::visit::{KASI, fill_checklist, sees, set_up_office, to_checklist};
use loket_e2e::{Chromedriver, Profile, STARTUP, Server, WAIT, action, check, find};
use thirtyfour::prelude::*;

/// The conflicts this device shows, as text ("" when none).
async fn conflicts(p: &Profile) -> String {
    let shown = find::exists(p, "[data-testid=conflicts]:not([hidden])").await;
    if !shown.unwrap_or(false) {
        return String::new();
    }
    find::text(p, "[data-testid=conflicts]")
        .await
        .ok()
        .flatten()
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread")]
async fn two_operators_call_one_number_offline_and_the_later_one_is_told() {
    let mut server = Server::start().await;
    let chromedriver = Chromedriver::start().await;
    let (one, two) = action::two_tablets(&chromedriver, &server).await;
    check::service_worker_controls(&one).await;
    check::service_worker_controls(&two).await;
    let number = action::issue_ticket(&one).await;
    action::sync_until_waiting(&two, &[&number]).await;

    server.stop().await;
    action::select(&one, "#counter-no", "1").await;
    action::select(&two, "#counter-no", "2").await;
    assert_eq!(action::call_next(&one).await, number);
    assert_eq!(action::call_next(&two).await, number);
    // Each takes a new walk-in behind its call: whichever call loses, the ticket behind it
    // must still land (a refused op never holds back the ops after it).
    let behind_one = action::issue_ticket(&one).await;
    let behind_two = action::issue_ticket(&two).await;
    server.start_again().await;
    check::pending_within(&one, 0, WAIT + STARTUP).await;
    check::pending_within(&two, 0, WAIT + STARTUP).await;
    action::sync_until_settled(&one).await;

    // One call stands; the other tablet says whose it was and where.
    let what = "exactly one tablet to show the conflict";
    check::until(&one, what, WAIT, async || {
        let (a, b) = (conflicts(&one).await, conflicts(&two).await);
        match (a.contains(&number), b.contains(&number)) {
            (true, false) | (false, true) => Ok((a, b)),
            _ => Err(format!("tablet 1 shows {a:?}, tablet 2 shows {b:?}")),
        }
    })
    .await;
    let told = format!("{}{}", conflicts(&one).await, conflicts(&two).await);
    assert!(
        told.contains("sudah dipanggil lebih dulu ke loket"),
        "the conflict says the number was called first elsewhere: {told:?}"
    );
    action::sync_until_waiting(&one, &[&behind_one, &behind_two]).await;
    action::sync_until_waiting(&two, &[&behind_one, &behind_two]).await;

    one.quit().await;
    two.quit().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_decision_made_offline_by_someone_no_longer_kasi_is_refused_and_shown() {
    let server = Server::start().await;
    let chromedriver = Chromedriver::start().await;
    let tablet = Profile::open(&chromedriver, &server, "office-tablet").await;
    let kasi = Profile::open(&chromedriver, &server, "kasi-device").await;
    set_up_office(&tablet, &kasi, &server.admin_code(), 1).await;
    action::issue_ticket(&tablet).await;
    let number = to_checklist(&tablet).await;
    fill_checklist(&tablet, true, "#siak-not-verified").await;
    action::type_into(&tablet, "#escalate-reason", "SIAK belum terverifikasi").await;
    action::click(&tablet, "#escalate").await;
    sees(&kasi, "#kasi-files", &number).await;

    // Her device loses the network; meanwhile the admin makes her plain staff.
    action::set_offline(&kasi, true).await;
    action::lock(&tablet).await;
    action::unlock(&tablet, action::ADMIN.0, action::ADMIN.1).await;
    action::click(&tablet, "#nav-admin").await;
    let edit = format!(
        "//ul[@id='staff-list']/li[span[@class='name' and text()='{}']]/button[1]",
        KASI.0
    );
    check::until(
        &tablet,
        "the Kasi's Edit button",
        WAIT,
        async || match tablet.driver.find(By::XPath(&edit)).await {
            Ok(button) => button.click().await.map_err(|e| e.to_string()),
            Err(e) => Err(e.to_string()),
        },
    )
    .await;
    action::select(&tablet, "#staff-role", "2").await;
    action::type_into(&tablet, "#staff-pin", KASI.1).await;
    action::click(&tablet, "#staff-save").await;
    // Saving sets the PIN on the server first, then records the account: wait for it.
    let role = format!(
        "//ul[@id='staff-list']/li[span[@class='name' and text()='{}']]/span[@class='role']",
        KASI.0
    );
    check::until(
        &tablet,
        "the Kasi listed as plain staff",
        WAIT,
        async || {
            let shown = match tablet.driver.find(By::XPath(&role)).await {
                Ok(span) => span.text().await.map_err(|e| e.to_string())?,
                Err(e) => return Err(e.to_string()),
            };
            if shown == "Staf" {
                Ok(())
            } else {
                Err(format!("her role reads {shown:?}"))
            }
        },
    )
    .await;
    action::sync_until_settled(&tablet).await;

    // Offline, her device still knows her as Kasi: she approves.
    action::click(
        &kasi,
        &format!("#kasi-files li[data-ticket='{number}'] .approve"),
    )
    .await;
    check::offline(&kasi).await;
    check::pending(&kasi, 1).await;
    action::set_offline(&kasi, false).await;
    action::sync_until_settled(&kasi).await;

    // The server refused it: her device says so, and the file never reached printing.
    let what = "the refusal among the Kasi device's conflicts";
    check::until(&kasi, what, WAIT, async || {
        let shown = conflicts(&kasi).await;
        if shown.contains("tidak boleh") {
            Ok(())
        } else {
            Err(format!("it shows {shown:?}"))
        }
    })
    .await;
    check::exists(&kasi, "#nav-kasi[hidden]").await;
    action::lock(&tablet).await;
    // A name tapped on the lock screen stays chosen while a sync lands.
    action::choose_person(&tablet, action::OPERATOR.0).await;
    action::sync_landed(&tablet).await;
    check::exists(&tablet, "form:not([hidden]) #unlock-pin").await;
    action::unlock(&tablet, action::OPERATOR.0, action::OPERATOR.1).await;
    action::click(&tablet, "#nav-print").await;
    action::sync_until_settled(&tablet).await;
    let queue = find::text(&tablet, "#print-queue")
        .await
        .ok()
        .flatten()
        .unwrap_or_default();
    assert!(!queue.contains(&number), "nothing to print: {queue:?}");

    tablet.quit().await;
    kasi.quit().await;
}
