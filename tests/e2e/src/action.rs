//! What a person does with the app: open it, enrol the tablet, issue and call tickets,
//! press "Sinkronkan sekarang". Each action waits until the page has taken it in, and
//! fails the test with a screenshot if it cannot be done.

use crate::{Profile, WAIT, check, find};
use serde_json::json;
use std::time::{Duration, Instant};
use thirtyfour::prelude::*;

/// How often a waiting sync presses "Sinkronkan sekarang" again.
const SYNC_AGAIN: Duration = Duration::from_secs(3);

/// Opens `path` and waits for the store to be loaded.
pub async fn open(p: &Profile, path: &str) {
    if let Err(e) = p.driver.goto(p.url(path)).await {
        check::fail(p, &format!("could not open {path}: {e}")).await;
    }
    check::ready(p).await;
}

/// Reloads the page (a tablet's browser restarted) and waits for the store to be loaded.
pub async fn reload(p: &Profile) {
    if let Err(e) = p.driver.refresh().await {
        check::fail(p, &format!("could not reload the page: {e}")).await;
    }
    check::ready(p).await;
}

/// Clicks the element matching `selector`.
pub async fn click(p: &Profile, selector: &str) {
    check::exists(p, selector).await;
    let clicked = async { p.driver.find(By::Css(selector)).await?.click().await }.await;
    if let Err(e) = clicked {
        check::fail(p, &format!("could not click {selector}: {e}")).await;
    }
}

/// Types `text` into the input matching `selector`, replacing what it held.
pub async fn type_into(p: &Profile, selector: &str, text: &str) {
    check::exists(p, selector).await;
    let typed = async {
        let input = p.driver.find(By::Css(selector)).await?;
        input.clear().await?;
        input.send_keys(text).await
    }
    .await;
    if let Err(e) = typed {
        check::fail(p, &format!("could not type into {selector}: {e}")).await;
    }
}

/// The operator every test signs in as, and their PIN.
pub const OPERATOR: (&str, &str) = ("Operator Loket", "135790");
/// The office's first admin, and their PIN.
pub const ADMIN: (&str, &str) = ("Admin Kantor", "482913");

/// Enrols a new tablet and signs the operator in: opens the app, which shows the enrolment
/// form on a first visit, enters the admin code and a device name; then, on an office with
/// no staff yet, creates the first admin and the operator; and unlocks as the operator.
pub async fn enrol(p: &Profile, admin_code: &str, device_name: &str) {
    enrol_only(p, admin_code, device_name).await;
    if first_office(p).await {
        create_first_admin(p).await;
        add_staff(p, OPERATOR.0, "0", OPERATOR.1).await;
        lock(p).await;
    }
    unlock(p, OPERATOR.0, OPERATOR.1).await;
    check::exists(p, "#issue-ticket").await;
}

/// Two counter tablets of one office ("tablet-1" with the first admin, "tablet-2"),
/// each enrolled with its own code and the operator signed in on both.
pub async fn two_tablets(
    chromedriver: &crate::Chromedriver,
    server: &crate::Server,
) -> (Profile, Profile) {
    let one = Profile::open(chromedriver, server, "tablet-1").await;
    let two = Profile::open(chromedriver, server, "tablet-2").await;
    enrol(&one, &server.admin_code(), "Tablet loket 1").await;
    enrol(&two, &server.admin_code(), "Tablet loket 2").await;
    (one, two)
}

/// Enrols the tablet and waits for the lock screen.
pub async fn enrol_only(p: &Profile, admin_code: &str, device_name: &str) {
    open(p, "/").await;
    check::exists(p, "#enrol-code").await;
    type_into(p, "#enrol-code", admin_code).await;
    type_into(p, "#enrol-name", device_name).await;
    click(p, "#enrol-submit").await;
    check::path(p, "/").await;
}

/// Whether the lock screen offers to create the office's first account (waits for one of
/// the two lock screens).
pub async fn first_office(p: &Profile) -> bool {
    check::until(p, "a lock screen", WAIT, async || {
        if find::exists(p, "#first-name").await.unwrap_or(false) {
            Ok(true)
        } else if find::exists(p, "#people .person").await.unwrap_or(false) {
            Ok(false)
        } else {
            Err("neither the first-admin form nor the staff list".to_string())
        }
    })
    .await
}

/// Creates the first admin ([`ADMIN`]) and waits until they are signed in.
pub async fn create_first_admin(p: &Profile) {
    type_into(p, "#first-name", ADMIN.0).await;
    type_into(p, "#first-pin", ADMIN.1).await;
    type_into(p, "#first-pin-again", ADMIN.1).await;
    click(p, "#first-submit").await;
    check::exists(p, "#nav-admin").await;
    // The admin's next step is adding the staff: the app takes them there.
    check::path(p, "/admin").await;
}

/// As the signed-in admin: adds a member of staff with `role` (the index in the role
/// select: 0 operator, 1 Kasi, 2 staff, 3 admin) and waits until they are listed.
pub async fn add_staff(p: &Profile, name: &str, role: &str, pin: &str) {
    click(p, "#nav-admin").await;
    type_into(p, "#staff-name", name).await;
    select(p, "#staff-role", role).await;
    type_into(p, "#staff-pin", pin).await;
    click(p, "#staff-save").await;
    let what = format!("{name} in the staff list");
    check::until(p, &what, WAIT, async || {
        let list = find::text(p, "#staff-list")
            .await
            .ok()
            .flatten()
            .unwrap_or_default();
        if list.contains(name) {
            Ok(())
        } else {
            Err(format!("the list says {list:?}"))
        }
    })
    .await;
}

/// As the signed-in admin: makes an admin code for one more device on `/admin` and
/// returns it as shown.
pub async fn make_admin_code(p: &Profile) -> String {
    click(p, "#nav-admin").await;
    click(p, "#make-admin-code").await;
    check::until(p, "a new admin code on the admin page", WAIT, async || {
        let shown = find::text(p, "[data-testid=new-admin-code]")
            .await
            .ok()
            .flatten()
            .unwrap_or_default();
        let shown = shown.trim();
        if shown.len() == 19 && shown.matches('-').count() == 3 {
            Ok(shown.to_owned())
        } else {
            Err(format!("it shows {shown:?}"))
        }
    })
    .await
}

/// Chooses the option with `value` in the select matching `selector`.
pub async fn select(p: &Profile, selector: &str, value: &str) {
    let option = format!("{selector} option[value='{value}']");
    click(p, &option).await;
}

/// Locks the tablet.
pub async fn lock(p: &Profile) {
    click(p, "#lock").await;
    check::exists(p, "#people .person").await;
}

/// On the lock screen: taps `name`, types `pin`, unlocks, and waits for the staff menu.
pub async fn unlock(p: &Profile, name: &str, pin: &str) {
    choose_person(p, name).await;
    type_into(p, "#unlock-pin", pin).await;
    click(p, "#unlock-submit").await;
    check::exists(p, "#lock").await;
}

/// On the lock screen: taps `name`, and waits for the PIN field to show.
pub async fn choose_person(p: &Profile, name: &str) {
    let person =
        format!("//button[contains(@class,'person')][.//span[@class='name' and text()='{name}']]");
    let what = format!("{name} on the lock screen");
    check::until(p, &what, WAIT, async || {
        match p.driver.find(By::XPath(&person)).await {
            Ok(button) => button.click().await.map_err(|e| e.to_string()),
            Err(e) => Err(e.to_string()),
        }
    })
    .await;
    check::exists(p, "form:not([hidden]) #unlock-pin").await;
}

/// Issues a walk-in ticket with the form's defaults and returns its number (`A-001`),
/// once it is shown as the last ticket and listed as waiting.
pub async fn issue_ticket(p: &Profile) -> String {
    let before = find::last_ticket(p).await.ok().flatten();
    click(p, "#issue-ticket").await;
    let what = "a new number in [data-testid=last-ticket]";
    let number = check::until(p, what, WAIT, async || match find::last_ticket(p).await {
        Ok(Some(n)) if Some(&n) != before.as_ref() => Ok(n),
        Ok(_) => {
            let raw = find::text(p, "[data-testid=last-ticket]").await;
            Err(format!("it shows {:?}", raw.ok().flatten()))
        }
        Err(e) => Err(format!("the page could not be read: {e}")),
    })
    .await;
    let what = format!("#waiting to list the new ticket {number}");
    check::until(p, &what, WAIT, async || match find::waiting(p).await {
        Ok(list) if list.contains(&number) => Ok(()),
        Ok(list) => Err(format!("#waiting lists {list:?}")),
        Err(e) => Err(format!("the page could not be read: {e}")),
    })
    .await;
    number
}

/// Calls the next waiting ticket to the selected counter and returns its number, once
/// `[data-testid=now-serving]` shows it.
pub async fn call_next(p: &Profile) -> String {
    let before = find::now_serving(p).await.ok().flatten();
    click(p, "#call-next").await;
    let what = "a new number in [data-testid=now-serving]";
    check::until(p, what, WAIT, async || match find::now_serving(p).await {
        Ok(Some(n)) if Some(&n) != before.as_ref() => Ok(n),
        Ok(_) => {
            let raw = find::text(p, "[data-testid=now-serving]").await;
            Err(format!("it shows {:?}", raw.ok().flatten()))
        }
        Err(e) => Err(format!("the page could not be read: {e}")),
    })
    .await
}

/// Presses "Sinkronkan sekarang".
pub async fn sync_now(p: &Profile) {
    click(p, "#sync-now").await;
}

/// Presses "Sinkronkan sekarang" every few seconds until `probe` passes (up to [`WAIT`]).
pub async fn sync_until(
    p: &Profile,
    what: &str,
    mut probe: impl AsyncFnMut() -> Result<(), String>,
) {
    let mut pressed: Option<Instant> = None;
    check::until(p, what, WAIT, async || {
        if probe().await.is_ok() {
            return Ok(());
        }
        if pressed.is_none_or(|at| at.elapsed() >= SYNC_AGAIN) {
            // A press that fails (the badge re-rendering) is simply tried again later.
            if let Ok(button) = p.driver.find(By::Css("#sync-now")).await {
                let _ = button.click().await;
            }
            pressed = Some(Instant::now());
        }
        probe().await
    })
    .await
}

/// Presses "Sinkronkan sekarang" until the badge shows a later last sync than before
/// (it shows seconds, so the first press waits for the next second).
pub async fn sync_landed(p: &Profile) {
    let shown = async || {
        find::text(p, "[data-testid=last-sync]")
            .await
            .ok()
            .flatten()
            .unwrap_or_default()
    };
    let before = shown().await;
    tokio::time::sleep(Duration::from_millis(1_100)).await;
    sync_until(p, "a later last sync", async || match shown().await {
        now if now != before => Ok(()),
        now => Err(format!("the badge still shows {now:?}")),
    })
    .await
}

/// Syncs until nothing is pending (`data-pending="0"`).
pub async fn sync_until_settled(p: &Profile) {
    sync_until(p, "#sync-badge[data-pending=\"0\"]", async || {
        check::pending_now(p, 0).await
    })
    .await
}

/// Syncs until `#waiting` lists exactly `expected` (ops made elsewhere have arrived).
pub async fn sync_until_waiting(p: &Profile, expected: &[&str]) {
    let what = format!("#waiting to list {expected:?}");
    sync_until(p, &what, async || check::waiting_now(p, expected).await).await
}

/// Replaces the browser's print dialog with a recorder, so a test can read what would have
/// been printed ([`crate::find::printed`]) instead of a dialog blocking the page.
pub async fn record_printing(p: &Profile) {
    let recorder = "window.print = () => { window.__printed = [...document.querySelectorAll('.print-sheet')]
        .map(s => ({ sheet: s.dataset.sheet, text: s.textContent, ids: s.querySelectorAll('[id]').length })); }";
    if let Err(e) = p.driver.execute(recorder, vec![]).await {
        check::fail(p, &format!("could not replace the print dialog: {e}")).await;
    }
}

/// Cuts this profile's page off the network (the server stays up for everyone else).
pub async fn set_offline(p: &Profile, offline: bool) {
    let conditions = json!({
        "offline": offline,
        "latency": 0,
        "downloadThroughput": -1,
        "uploadThroughput": -1,
    });
    let cdp = p.driver.cdp();
    // Conditions apply only once the Network domain is on.
    let set = async {
        cdp.send_raw("Network.enable", json!({})).await?;
        cdp.send_raw("Network.emulateNetworkConditions", conditions)
            .await
    };
    if let Err(e) = set.await {
        check::fail(
            p,
            &format!("could not set the network offline={offline}: {e}"),
        )
        .await;
    }
}
