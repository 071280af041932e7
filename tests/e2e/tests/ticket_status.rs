//! The paper ticket and the public status page. The counter shows and prints a slip with
//! the number, the check code and a QR code; the applicant's own phone (a browser that was
//! never enrolled) opens the QR code's link and follows the ticket as it is called, with no
//! staff page and no personal data; a wrong code finds nothing, and a typo is explained.

use loket_e2e::visit::{NIK, fill_checklist};
use loket_e2e::{Chromedriver, Profile, Server, WAIT, action, check, find};
use std::time::Duration;
use thirtyfour::prelude::*;

/// Long enough for the tablet to sync and the status page to ask again on its own.
const REFRESHED: Duration = Duration::from_secs(45);

async fn text_of(p: &Profile, selector: &str) -> String {
    check::exists(p, selector).await;
    find::text(p, selector)
        .await
        .ok()
        .flatten()
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_ticket_slip_leads_the_applicants_phone_to_its_status() {
    let server = Server::start().await;
    let chromedriver = Chromedriver::start().await;
    let tablet = Profile::open(&chromedriver, &server, "counter-tablet").await;
    let phone = Profile::open(&chromedriver, &server, "applicant-phone").await;
    action::enrol(&tablet, &server.admin_code(), "Tablet loket 1").await;

    // A1: a priority ticket; its slip shows the number and the check code.
    action::click(&tablet, "#issue-priority").await;
    let number = action::issue_ticket(&tablet).await;
    check::shows(&tablet, "[data-testid=slip-number]", &number, WAIT).await;
    let code_line = text_of(&tablet, "[data-testid=slip-code]").await;
    let code = code_line.rsplit(' ').next().unwrap_or_default().to_string();
    assert!(
        code.len() == 9 && code.as_bytes()[4] == b'-',
        "an 8-character check code in two groups: {code_line:?}"
    );
    let url = tablet
        .driver
        .find(By::Css("[data-testid=slip-qr]"))
        .await
        .expect("the slip has a QR code")
        .attr("data-url")
        .await
        .ok()
        .flatten()
        .unwrap_or_default();
    let expected = format!(
        "{}/status?n={number}&c={}&d=",
        server.url(),
        code.replace('-', "")
    );
    assert!(
        url.starts_with(&expected) && url.ends_with("&o=51.02.02"),
        "QR link {url:?}, not {expected:?}…&o=51.02.02"
    );

    // Printing puts the slip, and only the slip, on the sheet the printer gets.
    action::record_printing(&tablet).await;
    action::click(&tablet, "#print-ticket").await;
    let printed = find::printed(&tablet).await.unwrap_or_default();
    assert_eq!(printed.len(), 1, "one sheet printed: {printed:?}");
    let sheet = &printed[0];
    assert_eq!(sheet.sheet, "ticket-slip");
    assert!(
        sheet.text.contains(&number)
            && sheet.text.contains(&code)
            && sheet.text.contains("PRIORITAS"),
        "the slip's content on the sheet: {sheet:?}"
    );
    assert!(
        !sheet.text.contains("Panggil"),
        "nothing of the page: {sheet:?}"
    );
    assert_eq!(sheet.ids, 0, "the copy keeps no duplicate id");

    // The applicant's phone opens the QR link: the status, and nothing of the office's app.
    if let Err(e) = phone.driver.goto(&url).await {
        check::fail(&phone, &format!("could not open {url}: {e}")).await;
    }
    check::ready(&phone).await;
    check::shows(&phone, "[data-testid=status-number]", &number, WAIT).await;
    check::shows(&phone, "[data-testid=status-headline]", "Menunggu", WAIT).await;
    check::path(&phone, "/status").await;
    // What to bring for the ticket's case, and the self-check for the office, a tap away;
    // at 200% zoom on a phone (195 px) nothing scrolls sideways.
    check::exists(
        &phone,
        "[data-testid=status-bring] .doc-list li[data-doc=kk]",
    )
    .await;
    check::exists(&phone, "#status-selfcheck[href='/cek-berkas?o=51.02.02']").await;
    check::fits_width(&phone, 195).await;
    check::screens(&phone, "status-waiting").await;
    // The phone got the small public app, not the office's.
    let public_app = phone
        .driver
        .execute(
            "return !!document.querySelector('[src*=\"loket-public\"], [href*=\"loket-public\"]')
                && !document.querySelector('script[src=\"/register-sw.js\"]')",
            vec![],
        )
        .await
        .expect("the page's scripts can be read")
        .json()
        .clone();
    assert_eq!(
        public_app,
        serde_json::Value::Bool(true),
        "the public app, without a service worker"
    );
    for staff_only in [
        "#enrol-code",
        "#lock",
        "#people",
        "[data-testid=pending-count]",
    ] {
        assert!(
            !find::exists(&phone, staff_only).await.unwrap_or(true),
            "the public page shows no {staff_only}"
        );
    }

    // Called to counter 1: the phone sees it by itself.
    action::call_next(&tablet).await;
    check::shows(
        &phone,
        "[data-testid=status-headline]",
        "Loket 1",
        REFRESHED,
    )
    .await;
    // At the counter: being served.
    action::click(&tablet, "#arrive").await;
    check::shows(
        &phone,
        "[data-testid=status-headline]",
        "Sedang dilayani",
        REFRESHED,
    )
    .await;
    // The name and NIK reach the server with the escalation; the public never sees them.
    action::click(&tablet, "#receive-documents").await;
    fill_checklist(&tablet, true, "#siak-not-verified").await;
    // Another number issued meanwhile changes the view; the half-done checklist stays.
    action::issue_ticket(&tablet).await;
    let kept = async {
        tablet
            .driver
            .find(By::Css("#nik"))
            .await?
            .prop("value")
            .await
    }
    .await;
    assert_eq!(
        kept.ok().flatten().as_deref(),
        Some(NIK),
        "the typed NIK is kept"
    );
    action::type_into(&tablet, "#escalate-reason", "SIAK belum terverifikasi").await;
    action::click(&tablet, "#escalate").await;
    check::shows(
        &phone,
        "[data-testid=status-headline]",
        "diperiksa Kasi",
        REFRESHED,
    )
    .await;
    let page = match find::body_text(&phone).await {
        Ok(text) => text,
        Err(e) => check::fail(&phone, &format!("the page could not be read: {e}")).await,
    };
    let api = url
        .replace("/status?n=", "/api/status/")
        .replace("&c=", "?code=")
        .replace("&d=", "&day=")
        .replace("&o=", "&office=");
    let answer = phone
        .driver
        .execute_async(
            "const done = arguments[arguments.length - 1];
             fetch(arguments[0]).then(r => r.text()).then(done, e => done('failed: ' + e));",
            vec![serde_json::Value::String(api)],
        )
        .await
        .expect("the phone can ask the API")
        .json()
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(answer.contains("with_kasi"), "the API's answer: {answer}");
    for private in [action::OPERATOR.0, "Ayu", NIK, "SIAK belum"] {
        assert!(
            !page.contains(private),
            "{private:?} on the public page: {page:?}"
        );
        assert!(
            !answer.contains(private),
            "{private:?} in the public API: {answer}"
        );
    }

    // In English, on the phone's own choice.
    action::click(&phone, "button.lang").await;
    check::shows(
        &phone,
        "[data-testid=status-headline]",
        "head of section",
        WAIT,
    )
    .await;
    action::click(&phone, "button.lang").await;

    // A wrong code finds nothing; a typo in the number is explained on the form.
    action::type_into(&phone, "#status-code", "ZZZZ-ZZZZ").await;
    action::click(&phone, "#status-submit").await;
    check::exists(&phone, "[data-testid=status-not-found]").await;
    action::type_into(&phone, "#status-number", "17").await;
    action::click(&phone, "#status-submit").await;
    check::shows(&phone, "[data-testid=status-form-error]", "A-017", WAIT).await;
    // A code of the old length is explained on the form.
    action::type_into(&phone, "#status-number", &number).await;
    action::type_into(&phone, "#status-code", "K7Q2").await;
    action::click(&phone, "#status-submit").await;
    check::shows(&phone, "[data-testid=status-form-error]", "8 huruf", WAIT).await;
    // Typed by hand, in lower case and without the dash, the right code finds it again.
    let typed = number.replace('-', "").to_lowercase();
    action::type_into(&phone, "#status-number", &typed).await;
    action::type_into(&phone, "#status-code", &code.to_lowercase()).await;
    action::click(&phone, "#status-submit").await;
    check::shows(&phone, "[data-testid=status-number]", &number, WAIT).await;
    check::shows(
        &phone,
        "[data-testid=status-headline]",
        "diperiksa Kasi",
        WAIT,
    )
    .await;

    tablet.quit().await;
    phone.quit().await;
}
