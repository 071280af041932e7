//! Waiting for the page to show something. Each check polls quickly up to [`WAIT`] and, if
//! the page never shows it, fails the test with what it showed last, a screenshot, the HTML
//! and the console log (see [`Profile::failure`]).

use crate::{POLL, Profile, WAIT, find};
use std::time::{Duration, Instant};

/// Polls `probe` until it returns `Ok`, for up to `timeout`. `Err` says what the page shows
/// instead; the last one goes into the failure message.
pub async fn until<T>(
    p: &Profile,
    what: &str,
    timeout: Duration,
    mut probe: impl AsyncFnMut() -> Result<T, String>,
) -> T {
    let deadline = Instant::now() + timeout;
    loop {
        let seen = match probe().await {
            Ok(value) => return value,
            Err(seen) => seen,
        };
        if Instant::now() >= deadline {
            let message = format!("waited {timeout:?} for {what}, but {seen}");
            panic!("{}", p.failure(&message).await);
        }
        tokio::time::sleep(POLL).await;
    }
}

/// Fails the test now with `what`, a screenshot and the page's state.
pub async fn fail(p: &Profile, what: &str) -> ! {
    panic!("{}", p.failure(what).await)
}

/// `#app` has `data-ready="true"`: the IndexedDB store is loaded.
pub async fn ready(p: &Profile) {
    until(
        p,
        "#app[data-ready=true]",
        WAIT,
        async || match find::ready(p).await {
            Ok(true) => Ok(()),
            Ok(false) => Err("#app has no data-ready=\"true\"".into()),
            Err(e) => Err(format!("the page could not be read: {e}")),
        },
    )
    .await
}

/// The page's path is `expected`.
pub async fn path(p: &Profile, expected: &str) {
    until(
        p,
        &format!("the path {expected}"),
        WAIT,
        async || match find::path(p).await {
            Ok(path) if path == expected => Ok(()),
            Ok(path) => Err(format!("the path is {path}")),
            Err(e) => Err(format!("the page could not be read: {e}")),
        },
    )
    .await
}

/// An element matching `selector` is in the page.
pub async fn exists(p: &Profile, selector: &str) {
    until(
        p,
        &format!("{selector} in the page"),
        WAIT,
        async || match find::exists(p, selector).await {
            Ok(true) => Ok(()),
            Ok(false) => Err(format!("there is no {selector}")),
            Err(e) => Err(format!("the page could not be read: {e}")),
        },
    )
    .await
}

/// `#waiting` lists exactly `expected`, in that order.
pub async fn waiting(p: &Profile, expected: &[&str]) {
    until(
        p,
        &format!("#waiting to list {expected:?}"),
        WAIT,
        async || waiting_now(p, expected).await,
    )
    .await
}

/// Whether `#waiting` lists exactly `expected` now; `Err` says what it lists.
pub(crate) async fn waiting_now(p: &Profile, expected: &[&str]) -> Result<(), String> {
    match find::waiting(p).await {
        Ok(now) if now == expected => Ok(()),
        Ok(now) => Err(format!("#waiting lists {now:?}")),
        Err(e) => Err(format!("the page could not be read: {e}")),
    }
}

/// The sync badge shows `data-pending="{n}"`.
pub async fn pending(p: &Profile, n: u64) {
    pending_within(p, n, WAIT).await
}

/// The sync badge shows `data-pending="{n}"` within `timeout`.
pub async fn pending_within(p: &Profile, n: u64, timeout: Duration) {
    let what = format!("#sync-badge[data-pending=\"{n}\"]");
    until(p, &what, timeout, async || pending_now(p, n).await).await
}

/// The sync badge shows `data-cursor="{n}"` within `timeout`: the tablet has the office's
/// log up to `n` on disk.
pub async fn cursor_within(p: &Profile, n: u64, timeout: Duration) {
    let what = format!("#sync-badge[data-cursor=\"{n}\"]");
    until(p, &what, timeout, async || match find::badge(p).await {
        Ok(badge) if badge.cursor() == Some(n) => Ok(()),
        Ok(badge) => Err(format!("the badge is {badge:?}")),
        Err(e) => Err(format!("the page could not be read: {e}")),
    })
    .await
}

/// Whether the badge shows `n` pending ops now; `Err` says what it shows.
pub(crate) async fn pending_now(p: &Profile, n: u64) -> Result<(), String> {
    match find::badge(p).await {
        Ok(badge) if badge.pending() == Some(n) => Ok(()),
        Ok(badge) => Err(format!("the badge is {badge:?}")),
        Err(e) => Err(format!("the page could not be read: {e}")),
    }
}

/// The badge says the server is unreachable (`data-online="false"`) and shows the sync error.
pub async fn offline(p: &Profile) {
    let what = "#sync-badge[data-online=false] and [data-testid=sync-error] shown";
    until(p, what, WAIT, async || match find::badge(p).await {
        Ok(b) if b.online() == Some(false) && b.error_shown => Ok(()),
        Ok(b) => Err(format!("the badge is {b:?}")),
        Err(e) => Err(format!("the page could not be read: {e}")),
    })
    .await
}

/// The badge says the server is reachable and no sync error is shown.
pub async fn online(p: &Profile) {
    let what = "#sync-badge[data-online=true] and no [data-testid=sync-error]";
    until(p, what, WAIT, async || match find::badge(p).await {
        Ok(b) if b.online() == Some(true) && !b.error_shown => Ok(()),
        Ok(b) => Err(format!("the badge is {b:?}")),
        Err(e) => Err(format!("the page could not be read: {e}")),
    })
    .await
}

/// A service worker controls the page, so it will open with the server down.
pub async fn service_worker_controls(p: &Profile) {
    let what = "navigator.serviceWorker.controller to be set";
    until(
        p,
        what,
        WAIT,
        async || match find::service_worker_controls(p).await {
            Ok(true) => Ok(()),
            Ok(false) => Err("no service worker controls the page".into()),
            Err(e) => Err(format!("the page could not be read: {e}")),
        },
    )
    .await
}

/// The page as it is now fits `width` CSS pixels with no sideways scrolling: a 390 px
/// phone at 200% zoom is 195 px wide (WCAG 2.2's reflow). The viewport is narrowed for
/// the check and restored after.
pub async fn fits_width(p: &Profile, width: u32) {
    let cdp = p.driver.cdp();
    let narrow = serde_json::json!({
        "width": width, "height": 844, "deviceScaleFactor": 1, "mobile": true,
    });
    if let Err(e) = cdp
        .send_raw("Emulation.setDeviceMetricsOverride", narrow)
        .await
    {
        fail(
            p,
            &format!("could not narrow the viewport to {width} px: {e}"),
        )
        .await;
    }
    // The layout settles on the next frame.
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let js = "const d = document.documentElement; \
              const wide = [...document.querySelectorAll('body *')] \
                .filter(e => e.getBoundingClientRect().right > d.clientWidth + 1) \
                .slice(0, 3).map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right)); \
              return [d.scrollWidth, d.clientWidth, wide.join(', ')];";
    let measured: Result<(u32, u32, String), _> =
        async { p.driver.execute(js, Vec::new()).await?.convert() }.await;
    let _ = cdp
        .send_raw("Emulation.clearDeviceMetricsOverride", ())
        .await;
    match measured {
        Ok((scroll, client, _)) if scroll <= client => {}
        Ok((scroll, client, wide)) => {
            fail(
                p,
                &format!("at {width} px the page scrolls sideways: {scroll} px wide in {client} (widest: {wide})"),
            )
            .await
        }
        Err(e) => fail(p, &format!("could not measure the page: {e}")).await,
    }
}

/// Saves the page as a phone (390×844) and a tablet (1280×800) show it, as
/// `<ARTIFACTS>/screens/<name>-phone.png` and `…-tablet.png`, for people to look at (a
/// screen is looked at, not only asserted on). The viewport is restored after.
pub async fn screens(p: &Profile, name: &str) {
    let dir = std::path::Path::new(crate::ARTIFACTS).join("screens");
    let _ = std::fs::create_dir_all(&dir);
    let cdp = p.driver.cdp();
    for (size, width, height, mobile) in [("phone", 390, 844, true), ("tablet", 1280, 800, false)] {
        let metrics = serde_json::json!({
            "width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile,
        });
        if let Err(e) = cdp
            .send_raw("Emulation.setDeviceMetricsOverride", metrics)
            .await
        {
            fail(
                p,
                &format!("could not size the viewport for {name}-{size}: {e}"),
            )
            .await;
        }
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        let file = dir.join(format!("{name}-{size}.png"));
        if let Err(e) = p.driver.screenshot(&file).await {
            fail(p, &format!("could not save {}: {e}", file.display())).await;
        }
    }
    let _ = cdp
        .send_raw("Emulation.clearDeviceMetricsOverride", ())
        .await;
}

/// Waits up to `timeout` until `selector`'s text contains `text`, without touching the page.
pub async fn shows(p: &Profile, selector: &str, text: &str, timeout: Duration) {
    let what = format!("{selector} to show {text:?}");
    until(p, &what, timeout, async || {
        let shown = find::text(p, selector).await.ok().flatten();
        match shown {
            Some(s) if s.contains(text) => Ok(()),
            other => Err(format!("it shows {other:?}")),
        }
    })
    .await;
}
