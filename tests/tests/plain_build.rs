//! Without `--cfg conc_check` and without the `model` feature, `conc_check::sync` and
//! `conc_check::thread` are std itself. Builds the shim alone (so no other package turns the
//! feature on) and runs its non-instrumented unit tests.

use std::process::Command;

#[test]
fn without_instrumentation_the_shim_is_std() {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap();
    let target = root.join("target").join("plain");
    let output = Command::new(cargo)
        .current_dir(root)
        .args(["test", "-p", "conc-check", "--lib", "--target-dir"])
        .arg(&target)
        .env_remove("RUSTFLAGS")
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
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
