//! `cargo xtask bench`: the figures that matter for a counter tablet on a slow line.
//!
//! (a) what the first visit downloads, gzipped, against the budget; (b) the IndexedDB store
//! bench in headless Chromium (`tests/store_bench.rs`); (c) the server's side of sync with
//! native clients (`tests/e2e/tests/sync_bench.rs`); (d) the sign-in bench and (e) the
//! browser bench (`tests/e2e/tests/browser_bench.rs`: push and pull of 10,000 ops through
//! the app's own sync engine, cold start from navigation, a tap, IndexedDB bytes per op);
//! (f) the load run in the sync bench's file: 50 devices
//! pushing at once to the real server, on SQLite and on a throwaway PostgreSQL, over logs
//! of 10,000 and 250,000 ops (about a minute and a half each; `LOKET_BENCH_LOAD_SECS`
//! shortens the measured window). The benches print lines starting with `bench:`; only
//! those are echoed, unless the bench fails, when all of its output is.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use xshell::{Shell, cmd};

use crate::build::{DistFile, PUBLIC_DIR, build_app, build_server, dist_files};
use crate::postgres::{self, Throwaway};
use crate::test::e2e_env;
use crate::tools::{Need, WASM_TARGET, chromedriver, ensure_tools};
use crate::{Result, dist_dir, project_root, step};

/// What the first visit of the office's app may download, gzipped.
pub const FIRST_LOAD_BUDGET: u64 = 200 * 1024;
/// What the first visit of the public pages (status and self-check) may download,
/// gzipped: they open on an applicant's cheap phone, often on a weak signal.
pub const PUBLIC_FIRST_LOAD_BUDGET: u64 = 150 * 1024;

/// The sync bench's tests that make up the load run (the rest is the two-device bench).
const LOAD_TESTS: &str = "load_";

/// Builds the release app and server, then prints the sizes and runs the benches.
pub fn bench(sh: &Shell) -> Result<()> {
    ensure_tools(
        sh,
        Need {
            lints: false,
            browser: true,
            // The load run starts a throwaway PostgreSQL server.
            postgres: true,
        },
    )?;
    build_app(sh)?;
    let server = build_server(sh)?;

    let files = dist_files(&dist_dir())?;
    let office = bundle_sizes(&files, "")?;
    println!(
        "\n{}",
        size_table("the office's app (dist/)", &office, FIRST_LOAD_BUDGET)
    );
    let public = bundle_sizes(&files, &format!("{PUBLIC_DIR}/"))?;
    println!(
        "\n{}",
        size_table(
            &format!("the public pages, status and self-check (dist/{PUBLIC_DIR}/)"),
            &public,
            PUBLIC_FIRST_LOAD_BUDGET,
        )
    );

    let mut failed = Vec::new();
    let store = cmd!(
        sh,
        "cargo test -p loket --target {WASM_TARGET} --release --test store_bench -- --nocapture"
    )
    .env("CHROMEDRIVER", chromedriver())
    .env("WASM_BINDGEN_TEST_TIMEOUT", "300");
    if let Err(err) = run_bench(
        "store bench",
        "IndexedDB, headless Chromium",
        "tests/store_bench.rs",
        store,
    ) {
        failed.push(format!("store bench: {err}"));
    }
    let sync = e2e_env(
        cmd!(
            sh,
            "cargo test -p loket-e2e --release --test sync_bench -- --nocapture --skip {LOAD_TESTS}"
        ),
        &server,
    );
    if let Err(err) = run_bench(
        "sync bench",
        "against the real server",
        "tests/e2e/tests/sync_bench.rs",
        sync,
    ) {
        failed.push(format!("sync bench: {err}"));
    }
    let sign_in = e2e_env(
        cmd!(
            sh,
            "cargo test -p loket-e2e --release --test sign_in_bench -- --nocapture"
        ),
        &server,
    );
    if let Err(err) = run_bench(
        "sign-in bench",
        "headless Chromium against the real server",
        "tests/e2e/tests/sign_in_bench.rs",
        sign_in,
    ) {
        failed.push(format!("sign-in bench: {err}"));
    }
    let browser = e2e_env(
        cmd!(
            sh,
            "cargo test -p loket-e2e --release --test browser_bench -- --nocapture"
        ),
        &server,
    );
    if let Err(err) = run_bench(
        "browser bench",
        "what a tablet's Chromium does: sync through the app's engine, cold start from navigation, a tap, storage",
        "tests/e2e/tests/browser_bench.rs",
        browser,
    ) {
        failed.push(format!("browser bench: {err}"));
    }
    if let Err(err) = load(sh, &server) {
        failed.push(format!("sync load: {err}"));
    }
    if failed.is_empty() {
        Ok(())
    } else {
        Err(failed.join("\n").into())
    }
}

/// The load run: one configuration at a time (each starts its own server and would skew
/// the others' figures), with a throwaway PostgreSQL for those on PostgreSQL. The
/// PostgreSQL server lives until this returns.
fn load(sh: &Shell, server: &std::path::Path) -> Result<()> {
    let pg = Throwaway::start(sh)?;
    let load = e2e_env(
        cmd!(
            sh,
            "cargo test -p loket-e2e --release --test sync_bench -- --nocapture --test-threads=1 {LOAD_TESTS}"
        ),
        server,
    )
    .env(postgres::URL_VAR, pg.url());
    run_bench(
        "sync load",
        "50 devices pushing at once to the real server, SQLite and PostgreSQL",
        "tests/e2e/tests/sync_bench.rs",
        load,
    )
}

/// One row of the size table.
#[derive(Debug, PartialEq, Eq)]
pub struct Size {
    /// Relative to `dist/`.
    pub path: String,
    /// Bytes on disk.
    pub raw: u64,
    /// Bytes gzipped as the server sends them (zopfli, at build time).
    pub gzip: u64,
}

/// Raw and gzipped sizes of what a first visit of one app loads: its `index.html` and
/// every .wasm, .js and .css in its folder `dir` (`""` for dist/ itself, or `"public/"`).
pub fn bundle_sizes(files: &[DistFile], dir: &str) -> Result<Vec<Size>> {
    let first_load = |path: &str| {
        let Some(name) = path.strip_prefix(dir) else {
            return false;
        };
        !name.contains('/')
            && (name == "index.html"
                || [".wasm", ".js", ".css"]
                    .iter()
                    .any(|ext| name.ends_with(ext)))
    };
    files
        .iter()
        .filter(|file| first_load(&file.path))
        .map(|file| {
            Ok(Size {
                path: file.path.clone(),
                raw: file.bytes.len() as u64,
                gzip: gzip_len(&file.bytes)?,
            })
        })
        .collect()
}

fn gzip_len(bytes: &[u8]) -> Result<u64> {
    Ok(crate::build::gzip(bytes)?.len() as u64)
}

/// The size table of one app, with its first-load total against `budget` (bytes).
pub fn size_table(title: &str, sizes: &[Size], budget: u64) -> String {
    let width = sizes
        .iter()
        .map(|s| s.path.len())
        .chain([16])
        .max()
        .unwrap_or_default();
    let mut out = format!(
        "bundle sizes: {title}\n  {:<width$}  {:>10}  {:>10}\n",
        "file", "raw", "gzip"
    );
    for s in sizes {
        out += &format!("  {:<width$}  {:>10}  {:>10}\n", s.path, s.raw, s.gzip);
    }
    let raw: u64 = sizes.iter().map(|s| s.raw).sum();
    let gzip: u64 = sizes.iter().map(|s| s.gzip).sum();
    let verdict = if gzip <= budget { "PASS" } else { "OVER" };
    out += &format!("  {:<width$}  {raw:>10}  {gzip:>10}\n", "first load total");
    out += &format!(
        "  first load gzip {:.1} KiB of {} KiB budget: {verdict}",
        gzip as f64 / 1024.0,
        budget / 1024
    );
    out
}

/// Runs one bench if its file exists, echoing its `bench:` lines as they come.
fn run_bench(name: &str, what: &str, file: &str, cmd: xshell::Cmd<'_>) -> Result<()> {
    println!("\n{name} ({what})");
    if !project_root().join(file).exists() {
        println!("  {name} not present: {file} does not exist yet");
        return Ok(());
    }
    step(format!("{cmd}"));
    // Compiler progress (stderr) stays live; the test's stdout is sifted for `bench:` lines.
    let mut child = Command::from(cmd).stdout(Stdio::piped()).spawn()?;
    let stdout = child.stdout.take().expect("stdout is piped");
    let mut other = Vec::new();
    let mut results = Vec::new();
    for line in BufReader::new(stdout).lines() {
        let line = line?;
        match bench_line(&line) {
            // Shown as it comes: the load run takes minutes.
            Some(result) => {
                println!("  {result}");
                results.push(result.to_owned());
            }
            None => other.push(line),
        }
    }
    let status = child.wait()?;
    if !status.success() {
        println!("{}", other.join("\n"));
        return Err(format!("{file} failed ({status})").into());
    }
    if results.is_empty() {
        println!(
            "  (no `bench:` lines; its output was:)\n{}",
            other.join("\n")
        );
    }
    Ok(())
}

/// The result in a line a bench printed, `bench: <name> <figures>`, wherever the runner put it.
pub fn bench_line(line: &str) -> Option<&str> {
    let at = line.find("bench:")?;
    Some(line[at + "bench:".len()..].trim())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_only_what_the_first_visit_loads() {
        let file = |path: &str, len: usize| DistFile {
            path: path.to_owned(),
            bytes: vec![b'a'; len],
        };
        let files = [
            file("index.html", 100),
            file("loket_bg.wasm", 1000),
            file("loket.js", 10),
            file("style.css", 10),
            file("icons/icon.png", 5000),
            file("manifest.json", 50),
            file("public/index.html", 80),
            file("public/loket-public_bg.wasm", 500),
            file("public/style.css", 10),
        ];
        let sizes = bundle_sizes(&files, "").unwrap();
        let paths: Vec<&str> = sizes.iter().map(|s| s.path.as_str()).collect();
        assert_eq!(
            paths,
            ["index.html", "loket_bg.wasm", "loket.js", "style.css"]
        );
        assert!(sizes.iter().all(|s| s.gzip > 0 && s.gzip < s.raw + 30));
        let public = bundle_sizes(&files, "public/").unwrap();
        let paths: Vec<&str> = public.iter().map(|s| s.path.as_str()).collect();
        assert_eq!(
            paths,
            [
                "public/index.html",
                "public/loket-public_bg.wasm",
                "public/style.css"
            ]
        );
    }

    #[test]
    fn the_table_says_pass_or_over() {
        let size = |gzip| Size {
            path: "loket_bg.wasm".to_owned(),
            raw: 2 * gzip,
            gzip,
        };
        assert!(size_table("app", &[size(1000)], FIRST_LOAD_BUDGET).ends_with("PASS"));
        assert!(
            size_table("app", &[size(FIRST_LOAD_BUDGET + 1)], FIRST_LOAD_BUDGET).ends_with("OVER")
        );
        let public = size(PUBLIC_FIRST_LOAD_BUDGET + 1);
        assert!(size_table("public", &[public], PUBLIC_FIRST_LOAD_BUDGET).ends_with("OVER"));
    }

    #[test]
    fn finds_bench_lines() {
        assert_eq!(
            bench_line("bench: cold start 1000 ops  12.3 ms"),
            Some("cold start 1000 ops  12.3 ms")
        );
        assert_eq!(bench_line("  log: bench: x 1"), Some("x 1"));
        assert_eq!(bench_line("test result: ok"), None);
    }
}
