//! Reading the conformance corpus (`tests/conformance/`, format in its README): one directory
//! per case with the policy (`policy.dexp`, or `policy.path` naming one), the compiled
//! `policy.wasm`, the raw `input.ndjson` and the exact `expected.ndjson`.
//!
//! This file uses only `std`, so that both runners can include it: the runtime runner in the
//! `dexp-tests` package and the `dexpc` runner in the `dexp-compiler` package (which alone can
//! name the `dexpc` binary).

use std::path::{Path, PathBuf};

/// One case of the corpus.
pub struct Case {
    /// The directory name.
    pub name: String,
    /// The case directory.
    pub dir: PathBuf,
    /// The policy source the module is compiled from.
    pub source: PathBuf,
}

impl Case {
    /// The committed module.
    pub fn wasm_path(&self) -> PathBuf {
        self.dir.join("policy.wasm")
    }

    /// The raw input.
    pub fn input_path(&self) -> PathBuf {
        self.dir.join("input.ndjson")
    }

    /// The exact expected output.
    pub fn expected_path(&self) -> PathBuf {
        self.dir.join("expected.ndjson")
    }

    /// The committed module's bytes (empty when it does not exist yet).
    pub fn wasm(&self) -> Vec<u8> {
        std::fs::read(self.wasm_path()).unwrap_or_default()
    }

    /// The input bytes.
    pub fn input(&self) -> Vec<u8> {
        std::fs::read(self.input_path()).unwrap_or_else(|e| panic!("{}: no input.ndjson: {e}", self.name))
    }

    /// The expected bytes (empty when they do not exist yet).
    pub fn expected(&self) -> Vec<u8> {
        std::fs::read(self.expected_path()).unwrap_or_default()
    }
}

/// The corpus directory.
pub fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join("tests").join("conformance")
}

/// Whether expected files are to be rewritten (`BLESS=1`).
pub fn blessing() -> bool {
    std::env::var_os("BLESS").is_some_and(|v| v != "0" && !v.is_empty())
}

/// Every case, sorted by name.
pub fn cases() -> Vec<Case> {
    let root = corpus_dir();
    let mut cases = Vec::new();
    let entries = std::fs::read_dir(&root).unwrap_or_else(|e| panic!("{}: {e}", root.display()));
    for entry in entries {
        let dir = entry.expect("a directory entry").path();
        if !dir.is_dir() {
            continue;
        }
        let name = dir.file_name().and_then(|n| n.to_str()).expect("a UTF-8 case name").to_string();
        let local = dir.join("policy.dexp");
        let source = if local.is_file() {
            local
        } else {
            let named = std::fs::read_to_string(dir.join("policy.path"))
                .unwrap_or_else(|e| panic!("{name}: neither policy.dexp nor policy.path: {e}"));
            let source = dir.join(named.trim());
            assert!(source.is_file(), "{name}: policy.path names {}, which does not exist", source.display());
            source
        };
        cases.push(Case { name, dir, source });
    }
    cases.sort_by(|a, b| a.name.cmp(&b.name));
    assert!(!cases.is_empty(), "no cases in {}", root.display());
    cases
}

/// The first line where `actual` and `expected` differ, for a readable failure.
pub fn first_difference(actual: &[u8], expected: &[u8]) -> String {
    let a: Vec<&[u8]> = actual.split(|&b| b == b'\n').collect();
    let e: Vec<&[u8]> = expected.split(|&b| b == b'\n').collect();
    for (i, (x, y)) in a.iter().zip(&e).enumerate() {
        if x != y {
            let cut = |s: &[u8]| {
                let text = String::from_utf8_lossy(s);
                text.chars().take(400).collect::<String>()
            };
            return format!("output line {} differs:\n  actual:   {}\n  expected: {}", i + 1, cut(x), cut(y));
        }
    }
    format!("{} output lines, expected {}", a.len().saturating_sub(1), e.len().saturating_sub(1))
}
