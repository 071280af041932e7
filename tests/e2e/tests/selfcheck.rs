//! The applicant's self-check, "Apa yang harus saya bawa?", on a phone-sized browser that
//! was never enrolled: every path through the questions ends at the documents the core
//! computes from the office's catalogue, a step back keeps the answers before it, the
//! shared link reopens the same answer, the answer prints on one page, the page opens
//! with the server down after one visit, and for every case its list is exactly the
//! counter's checklist of a ticket issued for that case.

use loket_core::catalogue::Catalogue;
use loket_core::selfcheck::{Answers, Choice, advise, offers};
use loket_e2e::{Chromedriver, Profile, Server, WAIT, action, check, find};
use serde_json::{Value, json};
use thirtyfour::prelude::*;

/// Opens a page of the public app and waits for it to be mounted.
async fn open(p: &Profile, path: &str) {
    action::open(p, path).await;
    check::exists(p, "[data-testid=selfcheck]").await;
}

/// What the page shows now: the question asked (its link key), or the answer's case,
/// documents and warnings.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
struct Shown {
    question: Option<String>,
    case: Option<String>,
    documents: Vec<String>,
    warnings: Vec<String>,
}

async fn shown(p: &Profile) -> Shown {
    let js = "const q = document.querySelector('[data-testid=selfcheck-question]'); \
              const a = document.querySelector('[data-testid=selfcheck-advice]'); \
              return { question: q ? q.dataset.question : null, \
                       case: a ? a.dataset.case : null, \
                       documents: a ? [...a.querySelectorAll('.doc-list li')].map(li => li.dataset.doc) : [], \
                       warnings: a ? [...a.querySelectorAll('[data-warning]')].map(w => w.dataset.warning) : [] };";
    match p.driver.execute(js, vec![]).await.and_then(|r| r.convert()) {
        Ok(shown) => shown,
        Err(e) => check::fail(p, &format!("could not read the self-check: {e}")).await,
    }
}

/// Waits until the page asks `question` (a link key such as `alasan` or `laporan`).
async fn asks(p: &Profile, question: &str) {
    check::exists(
        p,
        &format!("[data-testid=selfcheck-question][data-question={question}]"),
    )
    .await;
}

/// Waits for the answer and returns it.
async fn answer(p: &Profile) -> Shown {
    check::exists(p, "[data-testid=selfcheck-advice]").await;
    shown(p).await
}

/// What the core answers for `answers` with the default catalogue, as the page shows it.
fn expected(answers: &Answers) -> Shown {
    let advice = advise(&Catalogue::default(), answers).expect("finished answers");
    Shown {
        question: None,
        case: Some(advice.case.code.to_string()),
        documents: advice.documents().iter().map(|d| d.code.clone()).collect(),
        warnings: advice.warnings.iter().map(|w| format!("{w:?}")).collect(),
    }
}

async fn phone_sized(chromedriver: &Chromedriver, server: &Server, name: &str) -> Profile {
    let p = Profile::open(chromedriver, server, name).await;
    if let Err(e) = p.driver.set_window_rect(0, 0, 390, 844).await {
        check::fail(&p, &format!("could not size the window as a phone: {e}")).await;
    }
    p
}

#[tokio::test(flavor = "multi_thread")]
async fn every_path_through_the_questions_ends_at_the_cores_answer() {
    let server = Server::start().await;
    let chromedriver = Chromedriver::start().await;
    let phone = phone_sized(&chromedriver, &server, "applicant-phone").await;
    open(&phone, "/cek-berkas").await;

    // At 200% zoom (195 px wide) nothing scrolls sideways.
    asks(&phone, "alasan").await;
    check::fits_width(&phone, 195).await;
    let catalogue = Catalogue::default();
    let mut paths = 0;
    for offer in offers(&catalogue) {
        let follow_ups = match &offer.choice {
            Choice::Reason(r) => r.follow_ups(),
            Choice::Other(_) => &[],
        };
        for replies in 0..(1u32 << follow_ups.len()) {
            asks(&phone, "alasan").await;
            let mut answers = Answers::default();
            answers.choose(offer.choice.clone());
            action::click(&phone, &format!("[data-choice='{}']", offer.choice.key())).await;
            for (i, q) in follow_ups.iter().enumerate() {
                let yes = replies & (1 << i) != 0;
                asks(&phone, q.key()).await;
                answers.answer(*q, yes);
                action::click(
                    &phone,
                    &format!("[data-choice='{}']", if yes { "ya" } else { "tidak" }),
                )
                .await;
            }
            let got = answer(&phone).await;
            assert_eq!(got, expected(&answers), "the answer to {answers:?}");
            if got.documents.len() >= 3 && !got.warnings.is_empty() {
                check::fits_width(&phone, 195).await;
            }
            action::click(&phone, "#selfcheck-restart").await;
            paths += 1;
        }
    }
    assert_eq!(paths, 18, "every path of the default catalogue's questions");

    // Back steps keep what was answered before them.
    action::click(&phone, "[data-choice='ikd']").await;
    asks(&phone, "ktp").await;
    action::click(&phone, "[data-choice='ya']").await;
    asks(&phone, "hp").await;
    action::click(&phone, "[data-choice='tidak']").await;
    assert_eq!(answer(&phone).await.warnings, ["PhoneNeeded"]);
    action::click(&phone, "#selfcheck-back").await;
    asks(&phone, "hp").await;
    let url = phone
        .driver
        .current_url()
        .await
        .map(|u| u.to_string())
        .unwrap_or_default();
    assert!(
        url.ends_with("alasan=ikd&ktp=ya"),
        "the first answer is kept: {url}"
    );
    action::click(&phone, "[data-choice='ya']").await;
    let got = answer(&phone).await;
    assert!(got.warnings.is_empty(), "{got:?}");
    // Back twice more reaches the first question; the reason chosen again starts afresh.
    action::click(&phone, "#selfcheck-back").await;
    action::click(&phone, "#selfcheck-back").await;
    asks(&phone, "ktp").await;
    action::click(&phone, "#selfcheck-back").await;
    asks(&phone, "alasan").await;
    phone.quit().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_answer_is_shared_printed_and_opens_offline() {
    let mut server = Server::start().await;
    let chromedriver = Chromedriver::start().await;
    let phone = phone_sized(&chromedriver, &server, "applicant-phone").await;
    open(&phone, "/cek-berkas").await;
    action::click(&phone, "[data-choice='hilang']").await;
    asks(&phone, "laporan").await;
    action::click(&phone, "[data-choice='tidak']").await;
    let first = answer(&phone).await;
    assert_eq!(first.case.as_deref(), Some("hilang"));

    // The link (and the QR code) reopen the same answer on another phone.
    let link = find_value(&phone, "#selfcheck-link").await;
    assert!(
        link.ends_with("/cek-berkas?o=51.02.02&alasan=hilang&laporan=tidak"),
        "{link}"
    );
    let qr = phone
        .driver
        .find(By::Css("[data-testid=selfcheck-qr]"))
        .await
        .expect("the answer has a QR code")
        .attr("data-url")
        .await
        .ok()
        .flatten();
    assert_eq!(qr.as_deref(), Some(link.as_str()));
    let friend = phone_sized(&chromedriver, &server, "friends-phone").await;
    friend
        .driver
        .goto(&link)
        .await
        .expect("open the shared link");
    assert_eq!(answer(&friend).await, first);
    friend.quit().await;

    // The answer prints on one page.
    let pages = printed_pages(&phone).await;
    assert_eq!(pages, 1, "the printed answer fills one page");
    // So does the longest: three documents and a warning.
    let longest = phone.url("/cek-berkas?alasan=ubah_data&ktp_lama=tidak");
    phone
        .driver
        .goto(&longest)
        .await
        .expect("open the longest answer");
    assert_eq!(answer(&phone).await.documents.len(), 3);
    assert_eq!(
        printed_pages(&phone).await,
        1,
        "the longest answer prints on one page"
    );
    phone
        .driver
        .goto(&link)
        .await
        .expect("back to the first answer");
    assert_eq!(answer(&phone).await, first);

    // After this one visit the page opens with the server down, from the phone's copy.
    check::until(
        &phone,
        "the public service worker to control the page",
        WAIT,
        async || match find::service_worker_controls(&phone).await {
            Ok(true) => Ok(()),
            other => Err(format!("it does not: {other:?}")),
        },
    )
    .await;
    server.stop().await;
    phone
        .driver
        .refresh()
        .await
        .expect("reload with the server down");
    assert_eq!(answer(&phone).await, first);
    check::exists(&phone, "[data-testid=selfcheck-kept]:not([hidden])").await;
    action::click(&phone, "#selfcheck-restart").await;
    asks(&phone, "alasan").await;
    phone.quit().await;
}

/// How many pages the page prints on, on the paper its print style asks for.
async fn printed_pages(p: &Profile) -> u64 {
    let pdf = p
        .driver
        .cdp()
        .send_raw(
            "Page.printToPDF",
            json!({"preferCSSPageSize": true, "printBackground": false}),
        )
        .await
        .expect("print the page to PDF");
    let data = pdf["data"].as_str().unwrap_or_default().to_owned();
    // Each page is one `/Type /Page` object in the PDF (the tree's root is `/Pages`).
    p.driver
        .execute(
            "return (atob(arguments[0]).match(/\\/Type\\s*\\/Page(?![a-z])/g) || []).length;",
            vec![Value::from(data)],
        )
        .await
        .and_then(|r| r.convert())
        .unwrap_or(0)
}

/// An input's current value.
async fn find_value(p: &Profile, selector: &str) -> String {
    check::exists(p, selector).await;
    p.driver
        .execute(
            "return document.querySelector(arguments[0]).value;",
            vec![Value::from(selector)],
        )
        .await
        .and_then(|r| r.convert())
        .unwrap_or_default()
}

/// The documents on the checklist of the ticket at the counter, by code.
async fn checklist(p: &Profile) -> Vec<String> {
    check::exists(p, "#checklist .docs li").await;
    p.driver
        .execute(
            "return [...document.querySelectorAll('#checklist .docs li')].map(li => li.dataset.doc);",
            vec![],
        )
        .await
        .and_then(|r| r.convert())
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread")]
async fn for_every_case_the_self_check_lists_the_counters_checklist() {
    let server = Server::start().await;
    let chromedriver = Chromedriver::start().await;
    let tablet = Profile::open(&chromedriver, &server, "counter-tablet").await;
    action::enrol(&tablet, &server.admin_code(), "Tablet loket 1").await;
    let catalogue = Catalogue::default();
    let cases = catalogue.cases.len();

    // One counter per case, so every ticket can be at a counter at once.
    action::lock(&tablet).await;
    action::unlock(&tablet, action::ADMIN.0, action::ADMIN.1).await;
    action::click(&tablet, "#nav-admin").await;
    action::type_into(&tablet, "#counters", &cases.to_string()).await;
    action::click(&tablet, "#counters-save").await;
    action::lock(&tablet).await;
    action::unlock(&tablet, action::OPERATOR.0, action::OPERATOR.1).await;
    check::exists(&tablet, &format!("#counter-no option[value='{cases}']")).await;
    for case in &catalogue.cases {
        action::select(&tablet, "#issue-case", case.code.as_str()).await;
        action::issue_ticket(&tablet).await;
    }

    let phone = phone_sized(&chromedriver, &server, "applicant-phone").await;
    open(&phone, "/cek-berkas").await;
    for (i, case) in catalogue.cases.iter().enumerate() {
        // The tickets are called in the order they were issued, one counter each.
        action::select(&tablet, "#counter-no", &(i + 1).to_string()).await;
        action::call_next(&tablet).await;
        action::click(&tablet, "#arrive").await;
        action::click(&tablet, "#receive-documents").await;
        let counter = checklist(&tablet).await;

        let offer = offers(&catalogue)
            .into_iter()
            .find(|o| o.case.code == case.code)
            .expect("every case is offered");
        asks(&phone, "alasan").await;
        action::click(&phone, &format!("[data-choice='{}']", offer.choice.key())).await;
        loop {
            let now = shown(&phone).await;
            if now.case.is_some() {
                break;
            }
            if now.question.as_deref().is_some_and(|q| q != "alasan") {
                action::click(&phone, "[data-choice='ya']").await;
            }
            tokio::time::sleep(loket_e2e::POLL).await;
        }
        let own = answer(&phone).await;
        assert_eq!(
            own.documents, counter,
            "case {}: the self-check's list and the counter's checklist",
            case.code
        );
        action::click(&phone, "#selfcheck-restart").await;
    }
    phone.quit().await;
    tablet.quit().await;
}
