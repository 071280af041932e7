//! Who acts is proven: a person's first sign-in on a tablet needs the server, which
//! checks the PIN; after that the tablet unlocks offline with it. Wrong PINs pause the
//! tablet, and a reload does not lift the pause.

use loket_e2e::visit::{KASI, set_up_office};
use loket_e2e::{Chromedriver, Profile, Server, WAIT, action, check, find};
use thirtyfour::prelude::*;

async fn unlock_error(p: &Profile) -> String {
    find::text(p, "[data-testid=unlock-error]")
        .await
        .ok()
        .flatten()
        .unwrap_or_default()
}

/// Types `pin` for `name` and waits for the lock screen's error to say `expected`.
async fn refused(p: &Profile, name: &str, pin: &str, expected: &str) {
    action::choose_person(p, name).await;
    action::type_into(p, "#unlock-pin", pin).await;
    action::click(p, "#unlock-submit").await;
    let what = format!("the lock screen saying {expected:?}");
    check::until(p, &what, WAIT, async || {
        let shown = unlock_error(p).await;
        if shown.contains(expected) {
            Ok(())
        } else {
            Err(format!("it says {shown:?}"))
        }
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_first_sign_in_needs_the_server_and_then_works_offline() {
    let server = Server::start().await;
    let chromedriver = Chromedriver::start().await;
    let tablet = Profile::open(&chromedriver, &server, "office-tablet").await;
    let kasi = Profile::open(&chromedriver, &server, "kasi-device").await;
    set_up_office(&tablet, &kasi, &server.admin_code(), 1).await;

    // The Kasi never signed in on the counter's tablet: offline, it cannot check her PIN.
    action::lock(&tablet).await;
    action::set_offline(&tablet, true).await;
    refused(&tablet, KASI.0, KASI.1, "Perlu koneksi").await;
    // The operator signed in here before: her PIN opens the tablet offline.
    action::unlock(&tablet, action::OPERATOR.0, action::OPERATOR.1).await;
    action::lock(&tablet).await;
    // Back online, the Kasi's first sign-in here goes through the server.
    action::set_offline(&tablet, false).await;
    action::unlock(&tablet, KASI.0, KASI.1).await;
    action::lock(&tablet).await;
    // And from now on without it.
    action::set_offline(&tablet, true).await;
    action::unlock(&tablet, KASI.0, KASI.1).await;
    action::lock(&tablet).await;

    // Wrong PINs: four are "wrong", the fifth pauses the tablet, and a reload keeps the
    // pause (even the right PIN waits).
    for _ in 0..4 {
        refused(&tablet, action::OPERATOR.0, "975310", "PIN salah").await;
    }
    refused(&tablet, action::OPERATOR.0, "975310", "Terlalu banyak").await;
    action::reload(&tablet).await;
    refused(
        &tablet,
        action::OPERATOR.0,
        action::OPERATOR.1,
        "Terlalu banyak",
    )
    .await;
}

/// The admin, on another device, revokes the operator on the counter's tablet while it is
/// offline: the tickets the operator issued there meanwhile are refused when it syncs,
/// and the tablet says why.
#[tokio::test(flavor = "multi_thread")]
async fn ops_made_offline_with_a_revoked_credential_are_refused_and_shown() {
    let server = Server::start().await;
    let chromedriver = Chromedriver::start().await;
    let tablet = Profile::open(&chromedriver, &server, "office-tablet").await;
    let other = Profile::open(&chromedriver, &server, "admin-phone").await;
    let spent = set_up_office(&tablet, &other, &server.admin_code(), 1).await;
    action::lock(&other).await;
    action::unlock(&other, action::ADMIN.0, action::ADMIN.1).await;

    action::set_offline(&tablet, true).await;
    action::issue_ticket(&tablet).await;
    check::pending(&tablet, 1).await;

    action::click(&other, "#nav-admin").await;
    let revoke = format!(
        "//ul[@id='access-list']/li[span[@class='name' and text()='{}'] and span[@class='role' and text()='Tablet loket 1']]//button[contains(@class,'revoke')]",
        action::OPERATOR.0
    );
    check::until(
        &other,
        "the operator's Revoke button",
        WAIT,
        async || match other.driver.find(By::XPath(&revoke)).await {
            Ok(button) => button.click().await.map_err(|e| e.to_string()),
            Err(e) => Err(e.to_string()),
        },
    )
    .await;
    check::until(
        &other,
        "the operator's access shown revoked",
        WAIT,
        async || match other.driver.find(By::XPath(&revoke)).await {
            Ok(_) => Err("the Revoke button is still there".to_owned()),
            Err(_) => Ok(()),
        },
    )
    .await;

    action::set_offline(&tablet, false).await;
    action::sync_until_settled(&tablet).await;
    check::shows(&tablet, "[data-testid=conflicts]", "dicabut", WAIT).await;

    // The code the admin made for this phone enrolled it, and enrols nothing else; the
    // admin sees the refused attempt.
    let stranger = Profile::open(&chromedriver, &server, "stranger-phone").await;
    action::open(&stranger, "/").await;
    check::exists(&stranger, "#enrol-code").await;
    action::type_into(&stranger, "#enrol-code", &spent).await;
    action::type_into(&stranger, "#enrol-name", "HP lain").await;
    action::click(&stranger, "#enrol-submit").await;
    check::shows(&stranger, "body", "sudah dipakai", WAIT).await;
    action::click(&other, "#enrol-failures-reload").await;
    check::shows(
        &other,
        "[data-testid=enrol-failures-count]",
        "1 dalam",
        WAIT,
    )
    .await;
    // The admin sees the office's devices and when each last synced.
    action::click(&other, "#devices-reload").await;
    check::shows(&other, "#device-list", "Tablet loket 1 (A)", WAIT).await;
    check::shows(&other, "#device-list", "HP Kasi (B)", WAIT).await;
    check::shows(&other, "#device-list", "sinkron", WAIT).await;
    let _ = other
        .driver
        .execute(
            "document.getElementById('device-list').scrollIntoView({block: 'center'});",
            Vec::new(),
        )
        .await;
    check::screens(&other, "admin-devices").await;
    // The admin's phone makes a code too, shown large enough to copy onto a tablet.
    action::make_admin_code(&other).await;
    let _ = other
        .driver
        .execute(
            "document.querySelector('[data-testid=new-admin-code]').scrollIntoView({block: 'center'});",
            Vec::new(),
        )
        .await;
    check::screens(&other, "admin-new-device").await;
}
