//! `cargo xtask test`: every check CI runs, in order, stopping at the first failure.
//!
//! The order is cheapest first, so a formatting slip costs seconds, not a browser run.
//! Test output is never captured: cargo's `test result:` lines stay in the log.

use std::time::{Duration, Instant};

use xshell::{Shell, cmd};

use crate::build::{build_app, build_server};
use crate::postgres::{self, Throwaway};
use crate::tools::{Need, WASM_TARGET, chromedriver, ensure_tools};
use crate::{Result, dist_dir, step};

/// One named check.
struct Step {
    name: &'static str,
    /// Needs Chromium; `--quick` skips it.
    browser: bool,
    /// Starts a throwaway PostgreSQL server, so the tools step checks that one is installed.
    postgres: bool,
    run: fn(&Shell) -> Result<()>,
}

const STEPS: &[Step] = &[
    Step {
        name: "fmt",
        browser: false,
        postgres: false,
        run: fmt,
    },
    Step {
        name: "clippy",
        browser: false,
        postgres: false,
        run: clippy,
    },
    Step {
        name: "clippy-wasm",
        browser: false,
        postgres: false,
        run: clippy_wasm,
    },
    Step {
        name: "native",
        browser: false,
        postgres: true,
        run: native,
    },
    Step {
        name: "browser",
        browser: true,
        postgres: false,
        run: browser,
    },
    Step {
        name: "e2e",
        browser: true,
        postgres: true,
        run: e2e,
    },
];

/// Runs the steps in order: all of them, the non-browser ones with `quick`, or those named in `only`.
pub fn test(sh: &Shell, quick: bool, only: Vec<String>) -> Result<()> {
    if let Some(unknown) = only
        .iter()
        .find(|name| !STEPS.iter().any(|s| s.name == name.as_str()))
    {
        let names: Vec<&str> = STEPS.iter().map(|s| s.name).collect();
        return Err(format!(
            "unknown step `{unknown}`; the steps are {}",
            names.join(", ")
        )
        .into());
    }
    let steps: Vec<&Step> = STEPS
        .iter()
        .filter(|s| {
            if only.is_empty() {
                !(quick && s.browser)
            } else {
                only.iter().any(|name| name == s.name)
            }
        })
        .collect();
    let skipped: Vec<&str> = STEPS
        .iter()
        .filter(|s| !steps.iter().any(|t| t.name == s.name))
        .map(|s| s.name)
        .collect();

    let started = Instant::now();
    let mut passed: Vec<(&str, Duration)> = Vec::new();
    let need = Need {
        lints: true,
        browser: steps.iter().any(|s| s.browser),
        postgres: steps.iter().any(|s| s.postgres),
    };
    let total = steps.len() + 1;
    step(format!("step 1/{total}: tools"));
    timed("tools", &mut passed, || ensure_tools(sh, need))?;
    for (i, s) in steps.iter().enumerate() {
        step(format!("step {}/{total}: {}", i + 2, s.name));
        timed(s.name, &mut passed, || (s.run)(sh))?;
    }

    let times: Vec<String> = passed
        .iter()
        .map(|(name, time)| format!("{name} {}", duration(*time)))
        .collect();
    let skipped = if skipped.is_empty() {
        String::new()
    } else {
        format!("; skipped {}", skipped.join(", "))
    };
    println!(
        "==> test: all {} steps passed in {} ({}){skipped}",
        passed.len(),
        duration(started.elapsed()),
        times.join(", ")
    );
    Ok(())
}

/// Runs one step, records its time, and turns a failure into a message that says which step.
fn timed<'a>(
    name: &'a str,
    passed: &mut Vec<(&'a str, Duration)>,
    f: impl FnOnce() -> Result<()>,
) -> Result<()> {
    let started = Instant::now();
    match f() {
        Ok(()) => {
            passed.push((name, started.elapsed()));
            Ok(())
        }
        Err(err) => {
            let before: Vec<&str> = passed.iter().map(|(n, _)| *n).collect();
            let before = if before.is_empty() {
                "none".to_owned()
            } else {
                before.join(", ")
            };
            let rerun = if name == "tools" {
                "cargo xtask tools".to_owned()
            } else {
                format!("cargo xtask test --step {name}")
            };
            Err(format!(
                "step `{name}` FAILED: {err}\n(passed before it: {before}; rerun just this step with `{rerun}`)"
            )
            .into())
        }
    }
}

fn fmt(sh: &Shell) -> Result<()> {
    cmd!(sh, "cargo fmt --all --check")
        .run()
        .map_err(|err| format!("{err}\n`cargo fmt --all` fixes the formatting").into())
}

fn clippy(sh: &Shell) -> Result<()> {
    cmd!(
        sh,
        "cargo clippy -p loket-core -p loket-server -p xtask -p loket-e2e --all-targets -- -D warnings"
    )
    .run()?;
    Ok(())
}

fn clippy_wasm(sh: &Shell) -> Result<()> {
    // Always name the package: the whole workspace pulls tokio and mio, which have no wasm32 build.
    cmd!(
        sh,
        "cargo clippy -p loket --target {WASM_TARGET} --all-targets -- -D warnings"
    )
    .run()?;
    // The core runs in the browser too; its dev-dependencies (proptest) are native-only, so lib only.
    cmd!(
        sh,
        "cargo clippy -p loket-core --target {WASM_TARGET} -- -D warnings"
    )
    .run()?;
    Ok(())
}

fn native(sh: &Shell) -> Result<()> {
    // The server's store tests run on SQLite, and on a real PostgreSQL through this URL.
    // The server lives until `pg` drops at the end of the step, whether the tests pass or not.
    let pg = Throwaway::start(sh)?;
    cmd!(sh, "cargo test -p loket-core -p loket-server -p xtask")
        .env(postgres::URL_VAR, pg.url())
        .run()?;
    Ok(())
}

fn browser(sh: &Shell) -> Result<()> {
    // The runner (`wasm-bindgen-test-runner`, set in .cargo/config.toml) is found on the
    // shell's PATH and drives headless Chromium through chromedriver.
    cmd!(sh, "cargo test -p loket --target {WASM_TARGET}")
        .env("CHROMEDRIVER", chromedriver())
        .env("WASM_BINDGEN_TEST_TIMEOUT", "120")
        .run()?;
    Ok(())
}

fn e2e(sh: &Shell) -> Result<()> {
    build_app(sh)?;
    let server = build_server(sh)?;
    // Started after the builds, so it does not sit idle through them. The tests will run the
    // server on PostgreSQL too; `e2e_env` stays as it is for the sync bench, which needs none.
    let pg = Throwaway::start(sh)?;
    step("end-to-end tests: cargo test -p loket-e2e -- --test-threads=1");
    e2e_env(
        cmd!(sh, "cargo test -p loket-e2e -- --test-threads=1"),
        &server,
    )
    .env(postgres::URL_VAR, pg.url())
    .run()?;
    Ok(())
}

/// `cargo xtask soak`: the fault harness (`tests/e2e/tests/faults.rs`) with `schedules`
/// schedules instead of the bounded run `test` makes, printing the counts as it goes.
pub fn soak(sh: &Shell, schedules: u64) -> Result<()> {
    ensure_tools(sh, Need::EVERYTHING)?;
    build_app(sh)?;
    let server = build_server(sh)?;
    let pg = Throwaway::start(sh)?;
    step(format!("fault harness: {schedules} schedules"));
    let started = Instant::now();
    e2e_env(
        cmd!(sh, "cargo test -p loket-e2e --test faults -- --nocapture"),
        &server,
    )
    .env(postgres::URL_VAR, pg.url())
    .env("LOKET_FAULT_SCHEDULES", schedules.to_string())
    .run()?;
    step(format!(
        "soak: {schedules} schedules in {}",
        duration(started.elapsed())
    ));
    Ok(())
}

/// The environment the end-to-end tests (and the sync bench) read: which server binary to
/// start, which built app it serves, and which chromedriver drives the browser.
pub fn e2e_env<'a>(cmd: xshell::Cmd<'a>, server: &std::path::Path) -> xshell::Cmd<'a> {
    cmd.env("LOKET_SERVER_BIN", server)
        .env("LOKET_DIST", dist_dir())
        .env("CHROMEDRIVER", chromedriver())
}

/// `7s`, or `3m05s`.
fn duration(d: Duration) -> String {
    let secs = d.as_secs();
    if secs < 60 {
        format!("{secs}s")
    } else {
        format!("{}m{:02}s", secs / 60, secs % 60)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn step_names_are_unique() {
        for (i, s) in STEPS.iter().enumerate() {
            assert!(STEPS[..i].iter().all(|t| t.name != s.name), "{}", s.name);
        }
    }

    #[test]
    fn formats_durations() {
        assert_eq!(duration(Duration::from_millis(7_400)), "7s");
        assert_eq!(duration(Duration::from_secs(185)), "3m05s");
    }
}
