//! Installs the tools the build needs, each only when it is missing or at the wrong version.
//!
//! Every check runs the tool's `--version` through the same `PATH` that Trunk and cargo see
//! (see [`tool_path`]), so what is checked is what gets used. Trunk downloads its helpers from
//! GitHub unless it finds the exact pinned version on `PATH`; CI cannot reach GitHub, so the
//! versions here must match the `[tools]` pins in `Trunk.toml` (checked by [`check_trunk_pins`]).

use std::env;
use std::ffi::OsString;
use std::path::{Path, PathBuf};

use xshell::{Shell, cmd};

use crate::{Result, apt, project_root, step};

/// The Trunk release we build with; 0.22 needs a newer rustc than ours.
pub const TRUNK_VERSION: &str = "0.21.14";
/// binaryen's version, as pinned in `xtask/binaryen/package.json` and `Trunk.toml` (`version_132`).
pub const WASM_OPT_VERSION: &str = "132";
/// The browser target of the app.
pub const WASM_TARGET: &str = "wasm32-unknown-unknown";
/// Debian's Chromium, driven headless by the browser and end-to-end tests.
pub const CHROMIUM: &str = "/usr/bin/chromium";
/// Debian's chromedriver, the same version as [`CHROMIUM`].
pub const DEFAULT_CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// Which tools a command needs beyond the app's build tools (wasm target, Trunk, wasm-bindgen, wasm-opt).
#[derive(Clone, Copy, Debug)]
pub struct Need {
    /// rustfmt and clippy.
    pub lints: bool,
    /// Chromium and chromedriver.
    pub browser: bool,
    /// Debian's PostgreSQL server, for the throwaway servers the tests start (see [`crate::postgres`]).
    pub postgres: bool,
}

impl Need {
    /// What `cargo xtask run` needs.
    pub const APP: Need = Need {
        lints: false,
        browser: false,
        postgres: false,
    };
    /// What a full `cargo xtask test` needs.
    pub const EVERYTHING: Need = Need {
        lints: true,
        browser: true,
        postgres: true,
    };
}

/// Installs whatever `need` asks for that is missing; prints one line per tool.
pub fn ensure_tools(sh: &Shell, need: Need) -> Result<()> {
    ensure_wasm_target(sh)?;
    ensure_trunk(sh)?;
    ensure_wasm_bindgen(sh)?;
    ensure_wasm_opt(sh)?;
    if need.lints {
        ensure_lints(sh)?;
    }
    if need.browser {
        ensure_browser(sh)?;
    }
    if need.postgres {
        crate::postgres::ensure_postgres(sh)?;
    }
    Ok(())
}

/// The `PATH` for every command xtask runs: binaryen's `wasm-opt`, then `~/.cargo/bin`
/// (trunk, wasm-bindgen, wasm-bindgen-test-runner), then the caller's `PATH`.
pub fn tool_path() -> Result<OsString> {
    let mut dirs = vec![binaryen_dir().join("node_modules/.bin"), cargo_bin()];
    if let Some(path) = env::var_os("PATH") {
        dirs.extend(env::split_paths(&path));
    }
    Ok(env::join_paths(dirs)?)
}

/// Where `cargo install` puts binaries.
fn cargo_bin() -> PathBuf {
    let home = match env::var_os("CARGO_HOME") {
        Some(home) if !home.is_empty() => PathBuf::from(home),
        _ => PathBuf::from(env::var_os("HOME").unwrap_or_default()).join(".cargo"),
    };
    home.join("bin")
}

/// The npm project that pins binaryen.
fn binaryen_dir() -> PathBuf {
    project_root().join("xtask/binaryen")
}

/// The chromedriver the tests use: `CHROMEDRIVER` when the caller set it, else Debian's.
pub fn chromedriver() -> PathBuf {
    match env::var_os("CHROMEDRIVER") {
        Some(path) if !path.is_empty() => PathBuf::from(path),
        _ => PathBuf::from(DEFAULT_CHROMEDRIVER),
    }
}

/// The first line of `program --version`, or `None` when it is missing or fails.
fn version_line(sh: &Shell, program: &str) -> Option<String> {
    let out = cmd!(sh, "{program} --version")
        .quiet()
        .ignore_stderr()
        .read()
        .ok()?;
    Some(out.lines().next().unwrap_or_default().trim().to_owned())
}

fn ensure_wasm_target(sh: &Shell) -> Result<()> {
    let installed = cmd!(sh, "rustup target list --installed")
        .quiet()
        .read()
        .map_err(|err| {
            format!(
                "could not ask rustup for the installed targets ({err}).\n\
                 Install Rust with rustup (https://rustup.rs), then run \
                 `rustup target add {WASM_TARGET}`."
            )
        })?;
    if installed.lines().any(|line| line.trim() == WASM_TARGET) {
        step(format!("rust target {WASM_TARGET}: ok"));
        return Ok(());
    }
    step(format!("rust target {WASM_TARGET}: adding"));
    cmd!(sh, "rustup target add {WASM_TARGET}")
        .run()
        .map_err(|err| {
            format!("adding the {WASM_TARGET} target failed ({err}); run `rustup target add {WASM_TARGET}` by hand")
        })?;
    Ok(())
}

fn ensure_trunk(sh: &Shell) -> Result<()> {
    let want = format!("trunk {TRUNK_VERSION}");
    let found = version_line(sh, "trunk");
    if found.as_deref() == Some(want.as_str()) {
        step(format!("{want}: ok"));
        return Ok(());
    }
    step(format!(
        "{want}: installing, found {} (cargo install, about 7 minutes)",
        found.as_deref().unwrap_or("none")
    ));
    cmd!(
        sh,
        "cargo install trunk --version {TRUNK_VERSION} --locked --force"
    )
    .run()
    .map_err(|err| {
        format!(
            "installing Trunk failed ({err}).\nBy hand: `cargo install trunk --version {TRUNK_VERSION} --locked`. \
             Keep that version: Trunk 0.22 needs a newer rustc."
        )
    })?;
    expect_version(sh, "trunk", &want)
}

fn ensure_wasm_bindgen(sh: &Shell) -> Result<()> {
    let version = wasm_bindgen_version(sh)?;
    let want = format!("wasm-bindgen {version}");
    let want_runner = format!("wasm-bindgen-test-runner {version}");
    let found = version_line(sh, "wasm-bindgen");
    let found_runner = version_line(sh, "wasm-bindgen-test-runner");
    if found.as_deref() == Some(want.as_str()) && found_runner.as_deref() == Some(&want_runner) {
        step(format!("{want} (and its test runner): ok"));
        return Ok(());
    }
    step(format!(
        "{want}: installing, found {} (cargo install wasm-bindgen-cli, a few minutes)",
        found.as_deref().unwrap_or("none")
    ));
    // The version must equal the `wasm-bindgen` crate in Cargo.lock, or the CLI refuses the
    // app's wasm. No `--locked`: wasm-bindgen-cli's own lock file does not build with our rustc.
    cmd!(sh, "cargo install wasm-bindgen-cli --version ={version} --force")
        .run()
        .map_err(|err| {
            format!(
                "installing wasm-bindgen-cli failed ({err}).\n\
                 By hand: `cargo install wasm-bindgen-cli --version ={version}` (the version in Cargo.lock)."
            )
        })?;
    expect_version(sh, "wasm-bindgen", &want)?;
    expect_version(sh, "wasm-bindgen-test-runner", &want_runner)
}

/// The `wasm-bindgen` version in Cargo.lock: the CLI must match it exactly.
pub fn wasm_bindgen_version(sh: &Shell) -> Result<String> {
    let lock = sh.read_file(project_root().join("Cargo.lock"))?;
    match lock_versions(&lock, "wasm-bindgen").as_slice() {
        [version] => Ok(version.clone()),
        [] => Err("Cargo.lock has no `wasm-bindgen` package: run `cargo generate-lockfile`".into()),
        many => Err(format!(
            "Cargo.lock has several `wasm-bindgen` versions ({}); pin one with `wasm-bindgen = \"=X\"` in Cargo.toml",
            many.join(", ")
        )
        .into()),
    }
}

/// Every version of the package `name` in the text of a Cargo.lock.
pub fn lock_versions(lock: &str, name: &str) -> Vec<String> {
    let name_line = format!("name = \"{name}\"");
    lock.split("[[package]]")
        .filter(|block| block.lines().any(|line| line.trim() == name_line))
        .filter_map(|block| {
            block.lines().find_map(|line| {
                let value = line.trim().strip_prefix("version = \"")?;
                Some(value.strip_suffix('"')?.to_owned())
            })
        })
        .collect()
}

fn ensure_wasm_opt(sh: &Shell) -> Result<()> {
    let dir = binaryen_dir();
    let lock = sh.read_file(dir.join("package-lock.json"))?;
    // `npm ci` starts by deleting node_modules, so a stamp inside it marks a finished install
    // of exactly this lock file.
    let stamp_path = dir.join("node_modules/.xtask-stamp");
    let stamp = format!("{:016x}", crate::build::fnv1a64(lock.as_bytes()));
    let installed = dir.join("node_modules/.bin/wasm-opt").exists()
        && sh.read_file(&stamp_path).ok().as_deref() == Some(stamp.as_str());
    if !installed {
        step(format!(
            "wasm-opt {WASM_OPT_VERSION}: installing (npm ci in xtask/binaryen)"
        ));
        if version_line(sh, "npm").is_none() {
            return Err("npm not found: install Node.js 20 or newer with npm, then rerun".into());
        }
        let _dir = sh.push_dir(&dir);
        cmd!(sh, "npm ci --no-audit --no-fund")
            .run()
            .map_err(|err| {
                format!(
                    "`npm ci` in xtask/binaryen failed ({err}); run it there by hand to see why"
                )
            })?;
        sh.write_file(&stamp_path, &stamp)?;
    }
    // Check what Trunk will find first on PATH, the way Trunk reads it.
    let found = version_line(sh, "wasm-opt").unwrap_or_default();
    if wasm_opt_version(&found) != Some(WASM_OPT_VERSION) {
        return Err(format!(
            "`wasm-opt --version` says `{found}`, want version {WASM_OPT_VERSION} from xtask/binaryen.\n\
             Delete xtask/binaryen/node_modules and rerun; never use Debian's binaryen (its output is a blank page)."
        )
        .into());
    }
    if installed {
        step(format!("wasm-opt {WASM_OPT_VERSION}: ok"));
    }
    Ok(())
}

/// The version number in `wasm-opt --version` output (`wasm-opt version 132 (version_132)`),
/// read as Trunk reads it: the third word.
pub fn wasm_opt_version(output: &str) -> Option<&str> {
    output.trim().split(' ').nth(2)
}

fn ensure_lints(sh: &Shell) -> Result<()> {
    let fmt = cmd!(sh, "cargo fmt --version").quiet().ignore_stdout();
    let clippy = cmd!(sh, "cargo clippy --version").quiet().ignore_stdout();
    if fmt.ignore_stderr().run().is_ok() && clippy.ignore_stderr().run().is_ok() {
        step("rustfmt and clippy: ok");
        return Ok(());
    }
    step("rustfmt and clippy: adding");
    cmd!(sh, "rustup component add rustfmt clippy")
        .run()
        .map_err(|err| {
            format!(
                "adding rustfmt and clippy failed ({err}); run `rustup component add rustfmt clippy`"
            )
        })?;
    Ok(())
}

fn ensure_browser(sh: &Shell) -> Result<()> {
    let driver = chromedriver();
    // A caller who points CHROMEDRIVER elsewhere brings their own browser too.
    let custom = env::var_os("CHROMEDRIVER").is_some_and(|p| !p.is_empty());
    if driver.exists() && (custom || Path::new(CHROMIUM).exists()) {
        step("chromium and chromedriver: ok");
        return Ok(());
    }
    if custom {
        return Err(format!("CHROMEDRIVER={} does not exist", driver.display()).into());
    }
    step("chromium and chromedriver: installing (apt-get)");
    apt::install(sh, &["chromium", "chromium-driver"]).map_err(|err| {
        format!(
            "installing Chromium failed ({err}).\n\
             By hand on Debian/Ubuntu: `apt-get update && apt-get install -y chromium chromium-driver`.\n\
             Elsewhere: install Chromium and the chromedriver of the same version, and set CHROMEDRIVER=/path/to/chromedriver."
        )
    })?;
    for path in [CHROMIUM, DEFAULT_CHROMEDRIVER] {
        if !Path::new(path).exists() {
            return Err(format!("apt-get finished but {path} is missing").into());
        }
    }
    Ok(())
}

/// Fails unless `program --version` now prints `want`.
fn expect_version(sh: &Shell, program: &str, want: &str) -> Result<()> {
    let found = version_line(sh, program);
    if found.as_deref() == Some(want) {
        return Ok(());
    }
    Err(format!(
        "after installing, `{program} --version` says `{}`, want `{want}`: is another {program} earlier on PATH?",
        found.as_deref().unwrap_or("nothing")
    )
    .into())
}

/// Fails unless `Trunk.toml` pins the helpers xtask installs: otherwise Trunk would try to
/// download them from GitHub, which CI cannot reach.
pub fn check_trunk_pins(sh: &Shell) -> Result<()> {
    let path = project_root().join("Trunk.toml");
    let trunk_toml = sh
        .read_file(&path)
        .map_err(|err| format!("cannot read {}: {err}", path.display()))?;
    let wanted = [
        ("wasm_bindgen", wasm_bindgen_version(sh)?),
        ("wasm_opt", format!("version_{WASM_OPT_VERSION}")),
    ];
    for (key, want) in wanted {
        let found = toml_string(&trunk_toml, "tools", key);
        if found.as_deref() != Some(want.as_str()) {
            return Err(format!(
                "Trunk.toml must pin `[tools] {key} = \"{want}\"` (found {}): \
                 xtask installs that version, and Trunk downloads any other one from GitHub",
                found.map_or("nothing".to_owned(), |f| format!("\"{f}\""))
            )
            .into());
        }
    }
    Ok(())
}

/// The string value of `key` in `[section]` of a simple TOML file (`key = "value"` lines).
pub fn toml_string(text: &str, section: &str, key: &str) -> Option<String> {
    let header = format!("[{section}]");
    let mut in_section = false;
    for line in text.lines().map(str::trim) {
        if line.starts_with('[') {
            in_section = line == header;
            continue;
        }
        if !in_section {
            continue;
        }
        let Some((k, v)) = line.split_once('=') else {
            continue;
        };
        if k.trim() != key {
            continue;
        }
        let v = v.trim();
        let v = v.strip_prefix('"')?;
        return Some(v[..v.find('"')?].to_owned());
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_versions_from_cargo_lock() {
        let lock = r#"
version = 4

[[package]]
name = "wasm-bindgen"
version = "0.2.130"
source = "registry+https://github.com/rust-lang/crates.io-index"
dependencies = [
 "wasm-bindgen-macro",
]

[[package]]
name = "wasm-bindgen-macro"
version = "0.2.130"

[[package]]
name = "syn"
version = "1.0.109"

[[package]]
name = "syn"
version = "2.0.100"
"#;
        assert_eq!(lock_versions(lock, "wasm-bindgen"), ["0.2.130"]);
        assert_eq!(lock_versions(lock, "syn"), ["1.0.109", "2.0.100"]);
        assert!(lock_versions(lock, "wasm").is_empty());
    }

    #[test]
    fn our_cargo_lock_pins_one_wasm_bindgen() {
        let lock = std::fs::read_to_string(project_root().join("Cargo.lock")).unwrap();
        assert_eq!(lock_versions(&lock, "wasm-bindgen").len(), 1);
    }

    #[test]
    fn reads_wasm_opt_version_like_trunk() {
        assert_eq!(
            wasm_opt_version("wasm-opt version 132 (version_132)\n"),
            Some("132")
        );
        assert_eq!(wasm_opt_version("wasm-opt version 108"), Some("108"));
        assert_eq!(wasm_opt_version(""), None);
    }

    #[test]
    fn reads_trunk_tool_pins() {
        let toml = r#"
[build]
target = "index.html"
wasm_opt = "not-here"

[tools]
# Found on PATH, so Trunk downloads nothing.
wasm_bindgen = "0.2.130"
wasm_opt="version_132"

[serve]
port = 8081
"#;
        let get = |key| toml_string(toml, "tools", key);
        assert_eq!(get("wasm_bindgen").as_deref(), Some("0.2.130"));
        assert_eq!(get("wasm_opt").as_deref(), Some("version_132"));
        assert_eq!(get("sass"), None);
        assert_eq!(toml_string(toml, "serve", "port"), None);
    }
}
