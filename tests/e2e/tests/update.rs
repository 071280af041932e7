//! A new deploy reaches a tablet without pulling the page from under staff: the new
//! service worker waits, the app offers "Muat ulang", and the reload swaps the cache for
//! the new version's. The tablet's data stays.

use loket_e2e::{Chromedriver, Profile, Server, WAIT, action, check};
use serde_json::Value;

/// The cache names the page's origin holds.
async fn cache_names(p: &Profile) -> Vec<String> {
    let names = p
        .driver
        .execute("return caches.keys();", Vec::new())
        .await
        .expect("run caches.keys()")
        .json()
        .clone();
    match names {
        Value::Array(items) => items
            .iter()
            .filter_map(|v| v.as_str().map(str::to_owned))
            .collect(),
        other => panic!("caches.keys() gave {other}"),
    }
}

/// Whether the update banner is on screen.
async fn update_offered(p: &Profile) -> bool {
    p.driver
        .execute(
            "const b = document.querySelector('[data-testid=update-ready]'); \
             return !!b && !b.hidden;",
            Vec::new(),
        )
        .await
        .ok()
        .and_then(|v| v.json().as_bool())
        .unwrap_or(false)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_new_deploy_is_offered_and_replaces_the_cache() {
    let server = Server::start_with_own_dist().await;
    let chromedriver = Chromedriver::start().await;
    let tablet = Profile::open(&chromedriver, &server, "tablet").await;

    action::enrol(&tablet, &server.admin_code(), "Tablet loket 1").await;
    assert_eq!(action::issue_ticket(&tablet).await, "A-001");
    check::service_worker_controls(&tablet).await;
    let first = cache_names(&tablet).await;
    assert_eq!(
        first.len(),
        1,
        "one versioned cache after the first visit: {first:?}"
    );
    assert!(
        !update_offered(&tablet).await,
        "no update offered before a deploy"
    );

    // Deploy: a new service worker version (its precompressed copy goes, so the new one is
    // what the browser fetches).
    let sw_path = server.dist().join("sw.js");
    let sw = std::fs::read_to_string(&sw_path).expect("read sw.js");
    let old_version = first[0].trim_start_matches("loket-").to_owned();
    assert!(
        sw.contains(&old_version),
        "sw.js holds its version {old_version}"
    );
    let new_version = format!("{old_version}next");
    std::fs::write(&sw_path, sw.replace(&old_version, &new_version)).expect("write sw.js");
    let _ = std::fs::remove_file(server.dist().join("sw.js.gz"));

    // A navigation makes the browser look for a new service worker; it installs and waits.
    action::reload(&tablet).await;
    check::until(&tablet, "the update banner", WAIT, async || {
        if update_offered(&tablet).await {
            Ok(())
        } else {
            Err("no [data-testid=update-ready] banner on screen".into())
        }
    })
    .await;
    // Until staff choose to reload, the old version keeps serving.
    assert!(cache_names(&tablet).await.contains(&first[0]));

    action::click(&tablet, "[data-testid=update-ready] button").await;
    let want = vec![format!("loket-{new_version}")];
    check::until(&tablet, "only the new version's cache", WAIT, async || {
        let names = cache_names(&tablet).await;
        if names == want {
            Ok(())
        } else {
            Err(format!("the caches are {names:?}"))
        }
    })
    .await;
    check::ready(&tablet).await;
    check::waiting(&tablet, &["A-001"]).await;
    assert!(
        !update_offered(&tablet).await,
        "the banner is gone after the update"
    );

    tablet.quit().await;
}
