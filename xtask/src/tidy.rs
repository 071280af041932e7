//! Checks over the whole source tree that no compiler does for us (as in rust-analyzer's
//! `xtask/src/tidy.rs`): every Rust file starts with a `//!` doc saying what it is for.

use std::fs;
use std::path::{Path, PathBuf};

use crate::project_root;

/// Directories that hold no source of ours.
const SKIP: &[&str] = &["target", "dist", "data", "node_modules"];

fn rust_files(dir: &Path, files: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy();
        if path.is_dir() {
            if !name.starts_with('.') && !SKIP.contains(&name.as_ref()) {
                rust_files(&path, files);
            }
        } else if name.ends_with(".rs") {
            files.push(path);
        }
    }
}

/// Whether the first line that is not blank is a `//!` doc comment.
fn starts_with_module_doc(text: &str) -> bool {
    text.lines()
        .map(str::trim)
        .find(|line| !line.is_empty())
        .is_some_and(|line| line.starts_with("//!"))
}

#[test]
fn every_module_has_a_doc() {
    let root = project_root();
    let mut files = Vec::new();
    rust_files(&root, &mut files);
    assert!(files.len() > 5, "found only {files:?}");
    let undocumented: Vec<String> = files
        .iter()
        .filter(|path| !starts_with_module_doc(&fs::read_to_string(path).unwrap()))
        .map(|path| path.strip_prefix(&root).unwrap().display().to_string())
        .collect();
    assert!(
        undocumented.is_empty(),
        "these files do not start with a `//!` comment saying what the module is for:\n  {}",
        undocumented.join("\n  ")
    );
}

#[test]
fn recognises_module_docs() {
    assert!(starts_with_module_doc("\n//! The fold.\nfn f() {}"));
    assert!(!starts_with_module_doc("/// Not a module doc.\nfn f() {}"));
    assert!(!starts_with_module_doc("fn main() {}"));
    assert!(!starts_with_module_doc(""));
}
