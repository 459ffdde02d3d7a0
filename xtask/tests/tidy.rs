//! Tidy: the conventions a reviewer would otherwise have to remember, checked on every
//! `cargo test` (as rust-analyzer's tidy test does).

// The helpers below run only inside tests: a repository that cannot be read is a failed test.
#![allow(clippy::expect_used)]

use std::fs;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives in the repository root")
        .to_path_buf()
}

/// Every `.rs` file below `dir`, recursively.
fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let Ok(entries) = fs::read_dir(dir) else {
        return found;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            found.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            found.push(path);
        }
    }
    found.sort();
    found
}

fn crates() -> Vec<PathBuf> {
    let mut crates: Vec<PathBuf> = fs::read_dir(root().join("crates"))
        .expect("crates/ is readable")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.join("Cargo.toml").is_file())
        .collect();
    crates.sort();
    crates
}

fn relative(path: &Path) -> String {
    path.strip_prefix(root())
        .unwrap_or(path)
        .display()
        .to_string()
}

/// Every crate and every module says what it is for, in its first line: `//!`.
#[test]
fn every_module_opens_with_its_purpose() {
    let mut dirs: Vec<PathBuf> = crates()
        .iter()
        .flat_map(|c| [c.join("src"), c.join("tests"), c.join("benches")])
        .collect();
    dirs.push(root().join("xtask/src"));
    dirs.push(root().join("xtask/tests"));
    let missing: Vec<String> = dirs
        .iter()
        .flat_map(|d| rust_files(d))
        .filter(|file| {
            let text = fs::read_to_string(file).unwrap_or_default();
            let first = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
            !first.starts_with("//!")
        })
        .map(|f| relative(&f))
        .collect();
    assert!(
        missing.is_empty(),
        "these files do not open with a `//!` line saying what they are for:\n  {}",
        missing.join("\n  ")
    );
}

/// Each library crate can be used on its own: its `lib.rs` shows how, in a doc test that
/// `cargo test` runs.
#[test]
fn every_library_crate_opens_with_an_example() {
    let missing: Vec<String> = crates()
        .iter()
        .map(|c| c.join("src/lib.rs"))
        .filter(|lib| lib.is_file() && !c_is_binary(lib))
        .filter(|lib| {
            let text = fs::read_to_string(lib).unwrap_or_default();
            let docs: Vec<&str> = text
                .lines()
                .take_while(|l| l.starts_with("//!") || l.trim().is_empty())
                .collect();
            let opens_a_block = |line: &&str| {
                let text = line.trim_start_matches("//!").trim();
                ["```", "```rust", "```no_run"].contains(&text)
            };
            !docs.iter().any(opens_a_block)
        })
        .map(|l| relative(&l))
        .collect();
    assert!(
        missing.is_empty(),
        "these library crates do not open with an example of using them alone (a ``` block \
         in the leading `//!` docs):\n  {}",
        missing.join("\n  ")
    );
}

/// The binary crate (it has a `main.rs`) is exempt from the example: it is used by running it.
fn c_is_binary(lib: &Path) -> bool {
    lib.with_file_name("main.rs").is_file()
}

/// The project never reads, builds or documents from outside its repository.
#[test]
fn manifests_stay_inside_the_repository() {
    let mut manifests: Vec<PathBuf> = crates().iter().map(|c| c.join("Cargo.toml")).collect();
    manifests.push(root().join("Cargo.toml"));
    manifests.push(root().join("xtask/Cargo.toml"));
    let outside: Vec<String> = manifests
        .iter()
        .filter(|m| fs::read_to_string(m).unwrap_or_default().contains("../"))
        .map(|m| relative(m))
        .collect();
    assert!(
        outside.is_empty(),
        "these manifests point outside their crate (`../`); copy what is needed into the \
         repository instead:\n  {}",
        outside.join("\n  ")
    );
}

/// ARCHITECTURE.md is the map: every crate is on it.
#[test]
fn the_architecture_map_names_every_crate() {
    let map = fs::read_to_string(root().join("ARCHITECTURE.md")).expect("ARCHITECTURE.md");
    let missing: Vec<String> = crates()
        .iter()
        .filter_map(|c| c.file_name().map(|n| n.to_string_lossy().into_owned()))
        .filter(|name| !map.contains(&format!("crates/{name}")))
        .collect();
    assert!(
        missing.is_empty(),
        "ARCHITECTURE.md's code map lacks: {}",
        missing.join(", ")
    );
}
