//! Without `--cfg conc_check` and without the `model` feature, `conc_check::sync` and
//! `conc_check::thread` are std itself, and a crate that depends on `conc-check` compiles only
//! the shim and what its public surface needs there: none of the engine.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

fn cargo() -> Command {
    let mut cmd = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    cmd.env_remove("RUSTFLAGS")
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .env_remove("RUSTC_WRAPPER")
        .env_remove("CARGO_BUILD_RUSTFLAGS");
    cmd
}

fn repository() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

#[test]
fn without_instrumentation_the_shim_is_std() {
    let root = repository();
    let output = cargo()
        .current_dir(&root)
        .args(["test", "-p", "conc-check", "--lib", "--target-dir"])
        .arg(root.join("target").join("plain"))
        .output()
        .expect("cargo runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stdout}\n{stderr}");
    assert!(
        stdout.contains("plain_types_are_std"),
        "the plain-build test did not run:\n{stdout}"
    );
}

/// The engine's own dependencies, none of which a normal build may compile.
const ENGINE_ONLY: [&str; 7] = [
    "conc-check-engine",
    "corosensei",
    "petgraph",
    "miette",
    "backtrace",
    "rand_chacha",
    "libc",
];

/// A crate of a user's, outside the workspace, that depends on `conc-check` by path.
fn fresh_crate() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("fresh-user-crate");
    std::fs::create_dir_all(dir.join("src")).unwrap();
    let shim = repository().join("shim");
    std::fs::write(
        dir.join("Cargo.toml"),
        format!(
            "[package]\nname = \"fresh-user-crate\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n\
             [workspace]\n\n[dependencies]\nconc-check = {{ path = {:?} }}\n",
            shim.display().to_string()
        ),
    )
    .unwrap();
    std::fs::write(
        dir.join("src/main.rs"),
        "use conc_check::sync::{Arc, Mutex};\n\
         fn main() {\n    let n = Arc::new(Mutex::new(1));\n    \
         let m = n.clone();\n    conc_check::thread::spawn(move || *m.lock().unwrap() += 1)\n        \
         .join()\n        .unwrap();\n    assert_eq!(*n.lock().unwrap(), 2);\n}\n",
    )
    .unwrap();
    std::fs::copy(repository().join("Cargo.lock"), dir.join("Cargo.lock")).unwrap();
    dir
}

#[test]
fn a_release_build_of_a_user_crate_compiles_only_the_shim() {
    let dir = fresh_crate();
    let tree = cargo()
        .current_dir(&dir)
        .args(["tree", "-e", "normal", "--prefix", "none"])
        .output()
        .expect("cargo tree runs");
    let tree_text = String::from_utf8_lossy(&tree.stdout);
    assert!(
        tree.status.success(),
        "{tree_text}\n{}",
        String::from_utf8_lossy(&tree.stderr)
    );
    for engine_only in ENGINE_ONLY {
        assert!(
            !tree_text
                .lines()
                .any(|l| l.starts_with(&format!("{engine_only} "))),
            "`cargo tree -e normal` lists {engine_only}:\n{tree_text}"
        );
    }

    let build = cargo()
        .current_dir(&dir)
        .args([
            "build",
            "--release",
            "--message-format",
            "json",
            "--target-dir",
        ])
        .arg(dir.join("target"))
        .output()
        .expect("cargo build runs");
    let stdout = String::from_utf8_lossy(&build.stdout);
    assert!(
        build.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&build.stderr)
    );
    let compiled: BTreeSet<String> = stdout
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|m| m["reason"] == "compiler-artifact")
        .filter_map(|m| m["package_id"].as_str().map(str::to_string))
        .collect();
    assert!(
        compiled.iter().any(|id| id.contains("conc-check@")),
        "the shim is among the compiled crates: {compiled:#?}"
    );
    assert!(
        compiled.len() <= 12,
        "a release build compiles {} crates (at most 12): {compiled:#?}",
        compiled.len()
    );
    for engine_only in ENGINE_ONLY {
        assert!(
            !compiled
                .iter()
                .any(|id| id.contains(&format!("#{engine_only}@"))
                    || id.contains(&format!("/{engine_only}#"))),
            "the release build compiled {engine_only}: {compiled:#?}"
        );
    }
    let ran = Command::new(dir.join("target/release/fresh-user-crate"))
        .status()
        .expect("the program runs");
    assert!(ran.success());
}
