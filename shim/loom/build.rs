//! Finds loom 0.7.3's own tests in the cargo registry (the benchmarks' dev-dependency on the
//! real loom downloads them) and writes `upstream_suite.rs` into `OUT_DIR`: one module per
//! test file, by path, so that `tests/upstream.rs` runs them unmodified against this facade.
//! Nothing of loom's is copied into the repository.

use std::path::{Path, PathBuf};

/// The loom release whose tests the facade must pass.
const LOOM: &str = "loom-0.7.3";

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=CARGO_HOME");
    println!("cargo:rerun-if-env-changed=LOOM_UPSTREAM_TESTS");
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    let suite = match upstream_tests() {
        Some(dir) => modules(&dir),
        None => format!(
            "#[test]\nfn loom_sources_are_missing() {{\n    panic!(\"{LOOM}'s sources are not in \
             the cargo registry: run `cargo fetch` in the conc-check workspace (the benchmarks \
             depend on the real loom), or point LOOM_UPSTREAM_TESTS at its tests/ folder\");\n}}\n"
        ),
    };
    std::fs::write(out.join("upstream_suite.rs"), suite).expect("OUT_DIR is writable");
}

/// loom's `tests/` folder: `LOOM_UPSTREAM_TESTS`, else the one in the cargo registry.
fn upstream_tests() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("LOOM_UPSTREAM_TESTS") {
        return Some(PathBuf::from(dir));
    }
    let home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".cargo")))?;
    let registries = std::fs::read_dir(home.join("registry").join("src")).ok()?;
    registries
        .flatten()
        .map(|r| r.path().join(LOOM).join("tests"))
        .find(|dir| dir.is_dir())
}

/// One `#[path]` module per test file in `dir`, sorted by name.
fn modules(dir: &Path) -> String {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|entries| entries.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    files.retain(|f| f.extension().is_some_and(|e| e == "rs"));
    files.sort();
    let mut suite = String::new();
    for file in files {
        println!("cargo:rerun-if-changed={}", file.display());
        let name = file.file_stem().and_then(|s| s.to_str()).unwrap_or("file");
        // A raw identifier, since loom has a `yield.rs`.
        suite.push_str(&format!(
            "#[path = {:?}]\nmod r#{};\n",
            file.display().to_string(),
            name.replace('-', "_")
        ));
    }
    suite
}
