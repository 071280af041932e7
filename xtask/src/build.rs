//! Builds the release app into `dist/` with Trunk (the office's app, then the public pages
//! into `dist/public/`), then stamps the service worker.
//!
//! `public/sw.js` cannot know the build's file names, so it carries two placeholders that
//! [`rewrite_sw`] fills in: `__LOKET_VERSION__` (a hash of every other file in `dist/`, so the
//! cache name changes exactly when the app does) and `["__LOKET_PRECACHE__"]` (the list of
//! files to precache, which is all of `dist/` plus `/`). The public pages' own worker,
//! `public/public-sw.js`, carries the same two and gets `dist/public/`'s files
//! ([`rewrite_public_sw`]): a phone that opened the self-check keeps only that small app.

use std::fs;
use std::path::Path;

use xshell::{Shell, cmd};

use crate::{Result, dist_dir, step, target_dir, tools};

/// The service worker, relative to `dist/`; it is the one file it does not precache.
const SW: &str = "sw.js";
/// The public pages' own small app (`public.html`, the `loket-public` binary), relative to
/// `dist/`. A tablet's service worker does not precache it: staff devices never load it.
pub const PUBLIC_DIR: &str = "public";
/// The public pages' service worker, relative to `dist/`.
const PUBLIC_SW: &str = "public/public-sw.js";
const VERSION_PLACEHOLDER: &str = "__LOKET_VERSION__";
const PRECACHE_PLACEHOLDER: &str = r#"["__LOKET_PRECACHE__"]"#;

/// Builds the release app into `dist/` and stamps `dist/sw.js`.
pub fn build_app(sh: &Shell) -> Result<()> {
    tools::check_trunk_pins(sh)?;
    step("building the app: trunk build --release (into dist/)");
    // The version check would only ask the network whether a newer Trunk exists.
    cmd!(sh, "trunk build --release")
        .env("TRUNK_SKIP_VERSION_CHECK", "true")
        .run()?;
    // After the office's app, whose build replaces dist/ as a whole.
    step(format!(
        "building the public pages: trunk build --release public.html (into dist/{PUBLIC_DIR}/)"
    ));
    let public_dist = dist_dir().join(PUBLIC_DIR);
    let public_url = format!("/{PUBLIC_DIR}/");
    cmd!(
        sh,
        "trunk build --release=true --dist {public_dist} --public-url {public_url} public.html"
    )
    .env("TRUNK_SKIP_VERSION_CHECK", "true")
    .run()?;
    step(format!(
        "stamping dist/{SW} and dist/{PUBLIC_SW}: version and precache list"
    ));
    stamp_sw(&dist_dir())?;
    stamp_public_sw(&dist_dir())?;
    step("gzipping the app's files with zopfli (served precompressed)");
    precompress(&dist_dir())
}

/// Files the server sends gzipped, from a `.gz` beside each.
const COMPRESSIBLE: &[&str] = &[".wasm", ".js", ".css", ".html", ".webmanifest", ".svg"];

/// Writes `<file>.gz` beside every compressible file of `dist`, once, at build time: zopfli
/// squeezes about 5% more than on-the-fly gzip, in the same format every browser reads.
fn precompress(dist: &Path) -> Result<()> {
    for file in dist_files(dist)? {
        if COMPRESSIBLE.iter().any(|ext| file.path.ends_with(ext)) {
            fs::write(dist.join(format!("{}.gz", file.path)), gzip(&file.bytes)?)?;
        }
    }
    Ok(())
}

/// `bytes` gzipped with zopfli: what the server sends for a compressible file.
pub fn gzip(bytes: &[u8]) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    zopfli::compress(
        zopfli::Options::default(),
        zopfli::Format::Gzip,
        bytes,
        &mut out,
    )
    .map_err(|err| format!("gzip failed: {err}"))?;
    Ok(out)
}

/// Builds the server in release mode and returns the path of its binary.
pub fn build_server(sh: &Shell) -> Result<std::path::PathBuf> {
    step("building the server: cargo build --release -p loket-server");
    cmd!(sh, "cargo build --release -p loket-server").run()?;
    Ok(target_dir().join("release/loket-server"))
}

/// Fills in the placeholders of `<dist>/sw.js` from the other files in `dist`.
fn stamp_sw(dist: &Path) -> Result<()> {
    let sw_path = dist.join(SW);
    let sw = fs::read_to_string(&sw_path).map_err(|err| {
        format!(
            "cannot read {} ({err}): Trunk copies it from public/sw.js; does index.html \
             have `<link data-trunk rel=\"copy-file\" href=\"public/sw.js\" />`?",
            sw_path.display()
        )
    })?;
    let files: Vec<DistFile> = dist_files(dist)?
        .into_iter()
        .filter(|file| file.path != SW)
        .collect();
    let stamped = rewrite_sw(&sw, &files).map_err(|err| format!("{}: {err}", sw_path.display()))?;
    fs::write(&sw_path, stamped)?;
    Ok(())
}

/// Fills in the placeholders of `<dist>/public/public-sw.js` from the files beside it.
fn stamp_public_sw(dist: &Path) -> Result<()> {
    let sw_path = dist.join(PUBLIC_SW);
    let sw = fs::read_to_string(&sw_path).map_err(|err| {
        format!(
            "cannot read {} ({err}): Trunk copies it from public/public-sw.js; does \
             public.html have `<link data-trunk rel=\"copy-file\" href=\"public/public-sw.js\" />`?",
            sw_path.display()
        )
    })?;
    let files = dist_files(dist)?;
    let stamped =
        rewrite_public_sw(&sw, &files).map_err(|err| format!("{}: {err}", sw_path.display()))?;
    fs::write(&sw_path, stamped)?;
    Ok(())
}

/// One built file: its path relative to `dist/`, with forward slashes, and its bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DistFile {
    /// Relative to `dist/`, `/`-separated, no leading slash.
    pub path: String,
    /// The file's contents.
    pub bytes: Vec<u8>,
}

/// Every file under `dir`, recursively, sorted by path.
pub fn dist_files(dir: &Path) -> Result<Vec<DistFile>> {
    let mut files = Vec::new();
    collect(dir, "", &mut files).map_err(|err| format!("reading {}: {err}", dir.display()))?;
    files.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(files)
}

fn collect(dir: &Path, prefix: &str, files: &mut Vec<DistFile>) -> std::io::Result<()> {
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let path = format!("{prefix}{name}");
        if entry.file_type()?.is_dir() {
            collect(&entry.path(), &format!("{path}/"), files)?;
        } else if !path.ends_with(".gz") {
            // A `.gz` is a copy of its file, not a file of the app.
            files.push(DistFile {
                path,
                bytes: fs::read(entry.path())?,
            });
        }
    }
    Ok(())
}

/// The service worker `sw` with its placeholders filled in for `files` (which must not
/// include the service worker itself). Fails when a placeholder is missing, so a renamed
/// placeholder cannot ship an app that never updates.
pub fn rewrite_sw(sw: &str, files: &[DistFile]) -> Result<String, String> {
    let public = format!("{PUBLIC_DIR}/");
    let office: Vec<&DistFile> = files
        .iter()
        .filter(|file| !file.path.starts_with(&public))
        .collect();
    fill_in(sw, &office, Some("/"))
}

/// The public pages' worker `sw` filled in for the files under `dist/public/` (of `files`,
/// every file of `dist/`), itself left out.
pub fn rewrite_public_sw(sw: &str, files: &[DistFile]) -> Result<String, String> {
    let public = format!("{PUBLIC_DIR}/");
    let own: Vec<&DistFile> = files
        .iter()
        .filter(|file| file.path.starts_with(&public) && file.path != PUBLIC_SW)
        .collect();
    fill_in(sw, &own, None)
}

/// `sw` with its precache list (`first`, then `files` sorted) and version filled in.
fn fill_in(sw: &str, files: &[&DistFile], first: Option<&str>) -> Result<String, String> {
    if !sw.contains(PRECACHE_PLACEHOLDER) {
        return Err(format!(
            "the precache placeholder `{PRECACHE_PLACEHOLDER}` is missing (written exactly so, \
             with no spaces inside the brackets)"
        ));
    }
    if !sw.contains(VERSION_PLACEHOLDER) {
        return Err(format!(
            "the version placeholder `{VERSION_PLACEHOLDER}` is missing"
        ));
    }
    let mut sorted: Vec<&DistFile> = files.to_vec();
    sorted.sort_by(|a, b| a.path.cmp(&b.path));
    let precache: Vec<String> = first
        .map(str::to_owned)
        .into_iter()
        .chain(sorted.iter().map(|file| format!("/{}", file.path)))
        .map(|url| json_string(&url))
        .collect();
    let precache = format!("[{}]", precache.join(", "));
    let version = build_version(&sorted);
    Ok(sw
        .replace(PRECACHE_PLACEHOLDER, &precache)
        .replace(VERSION_PLACEHOLDER, &version))
}

/// The first 12 hex digits of a hash over the files' paths and contents.
fn build_version(sorted: &[&DistFile]) -> String {
    let mut bytes = Vec::new();
    for file in sorted {
        // The lengths keep ("ab", "c") apart from ("a", "bc").
        bytes.extend((file.path.len() as u64).to_le_bytes());
        bytes.extend(file.path.as_bytes());
        bytes.extend((file.bytes.len() as u64).to_le_bytes());
        bytes.extend(&file.bytes);
    }
    format!("{:016x}", fnv1a64(&bytes))[..12].to_owned()
}

/// `s` as a JSON (and JavaScript) string literal.
fn json_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// FNV-1a, 64 bits: tiny, and stable across Rust releases (unlike `DefaultHasher`), so the
/// same `dist/` always gets the same version. It only needs to tell builds apart, not resist attack.
pub fn fnv1a64(bytes: &[u8]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for &byte in bytes {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    hash
}

#[cfg(test)]
mod tests {
    use super::*;

    const SW_SOURCE: &str = r#"const VERSION = "__LOKET_VERSION__";
const PRECACHE = ["__LOKET_PRECACHE__"];
"#;

    fn file(path: &str, bytes: &str) -> DistFile {
        DistFile {
            path: path.to_owned(),
            bytes: bytes.as_bytes().to_vec(),
        }
    }

    fn sample() -> Vec<DistFile> {
        vec![
            file("loket-1a2b_bg.wasm", "\0asm"),
            file("index.html", "<html>"),
            file("icons/icon-192.png", "png"),
            file("loket-1a2b.js", "export"),
        ]
    }

    #[test]
    fn fills_in_the_precache_list_sorted_with_root_first() {
        let out = rewrite_sw(SW_SOURCE, &sample()).unwrap();
        let precache = out.lines().nth(1).unwrap();
        assert_eq!(
            precache,
            r#"const PRECACHE = ["/", "/icons/icon-192.png", "/index.html", "/loket-1a2b.js", "/loket-1a2b_bg.wasm"];"#
        );
        assert!(!out.contains("__LOKET_"));
    }

    #[test]
    fn staff_tablets_do_not_precache_the_public_pages() {
        let mut with_public = sample();
        with_public.push(file("public/index.html", "<html>status"));
        with_public.push(file("public/loket-public-9f9f_bg.wasm", "\0asm"));
        let out = rewrite_sw(SW_SOURCE, &with_public).unwrap();
        assert!(!out.contains("/public/"), "{out}");
        assert_eq!(out, rewrite_sw(SW_SOURCE, &sample()).unwrap());
    }

    #[test]
    fn the_public_worker_precaches_only_the_public_pages() {
        let mut files = sample();
        files.push(file("public/index.html", "<html>status"));
        files.push(file("public/loket-public-9f9f_bg.wasm", "\0asm"));
        files.push(file("public/public-sw.js", SW_SOURCE));
        let out = rewrite_public_sw(SW_SOURCE, &files).unwrap();
        let precache = out.lines().nth(1).unwrap();
        assert_eq!(
            precache,
            r#"const PRECACHE = ["/public/index.html", "/public/loket-public-9f9f_bg.wasm"];"#
        );
        // Its version follows the public files only.
        let mut office_changed = files.clone();
        office_changed[0].bytes.push(b'!');
        assert_eq!(rewrite_public_sw(SW_SOURCE, &office_changed).unwrap(), out);
        let mut public_changed = files.clone();
        public_changed[4].bytes.push(b'!');
        assert_ne!(rewrite_public_sw(SW_SOURCE, &public_changed).unwrap(), out);
    }

    #[test]
    fn version_is_12_hex_digits_and_deterministic() {
        let out = rewrite_sw(SW_SOURCE, &sample()).unwrap();
        let version = out.lines().next().unwrap();
        let version = version
            .strip_prefix("const VERSION = \"")
            .and_then(|v| v.strip_suffix("\";"))
            .unwrap();
        assert_eq!(version.len(), 12);
        assert!(version.chars().all(|c| c.is_ascii_hexdigit()));

        let mut reordered = sample();
        reordered.reverse();
        assert_eq!(rewrite_sw(SW_SOURCE, &reordered).unwrap(), out);
    }

    #[test]
    fn version_changes_with_any_content_or_name() {
        let base = rewrite_sw(SW_SOURCE, &sample()).unwrap();
        let mut changed = sample();
        changed[1].bytes.push(b' ');
        assert_ne!(rewrite_sw(SW_SOURCE, &changed).unwrap(), base);

        let a = rewrite_sw(SW_SOURCE, &[file("ab", "c")]).unwrap();
        let b = rewrite_sw(SW_SOURCE, &[file("a", "bc")]).unwrap();
        assert_ne!(a.lines().next(), b.lines().next());
    }

    #[test]
    fn missing_placeholders_fail_loudly() {
        let err = rewrite_sw("const VERSION = \"__LOKET_VERSION__\";", &sample()).unwrap_err();
        assert!(err.contains("precache placeholder"), "{err}");
        let err = rewrite_sw(r#"const P = [ "__LOKET_PRECACHE__" ];"#, &sample()).unwrap_err();
        assert!(err.contains("no spaces"), "{err}");
        let err = rewrite_sw(r#"const P = ["__LOKET_PRECACHE__"];"#, &sample()).unwrap_err();
        assert!(err.contains("version placeholder"), "{err}");
    }

    #[test]
    fn escapes_odd_file_names() {
        assert_eq!(json_string(r#"a"b\c"#), r#""a\"b\\c""#);
        assert_eq!(json_string("tab\t"), r#""tab\u0009""#);
    }

    #[test]
    fn stamps_a_dist_directory_on_disk() {
        let dist = std::env::temp_dir().join(format!("xtask-dist-test-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dist);
        fs::create_dir_all(dist.join("icons")).unwrap();
        fs::write(dist.join("sw.js"), SW_SOURCE).unwrap();
        fs::write(dist.join("index.html"), "<html>").unwrap();
        fs::write(dist.join("icons/icon.svg"), "<svg>").unwrap();

        stamp_sw(&dist).unwrap();
        let sw = fs::read_to_string(dist.join("sw.js")).unwrap();
        fs::remove_dir_all(&dist).unwrap();

        assert!(
            sw.contains(r#"["/", "/icons/icon.svg", "/index.html"]"#),
            "{sw}"
        );
        assert!(!sw.contains("__LOKET_"), "{sw}");
    }

    #[test]
    fn fnv_matches_the_reference_values() {
        assert_eq!(fnv1a64(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a64(b"a"), 0xaf63_dc4c_8601_ec8c);
    }
}
