//! Builds and runs the tests under `--cfg conc_check`.

use std::path::PathBuf;
use std::process::Command;

use crate::args::{Options, StrategyArg};

/// Exit codes.
const CLEAN: u8 = 0;
const FINDINGS: u8 = 1;
const USAGE: u8 = 2;

/// Builds the tests, then runs them; returns the exit code.
pub fn run(options: &Options) -> u8 {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
    let target_dir = target_dir();
    let mut build = test_command(&cargo, options, &target_dir);
    build.arg("--no-run");
    match build.status() {
        Ok(status) if status.success() => {}
        Ok(_) => {
            eprintln!("cargo conc-check: the tests did not build under --cfg conc_check");
            return USAGE;
        }
        Err(e) => {
            eprintln!("cargo conc-check: could not run {cargo}: {e}");
            return USAGE;
        }
    }
    let mut test = test_command(&cargo, options, &target_dir);
    test.arg("--");
    if let Some(filter) = &options.filter {
        test.arg(filter);
    }
    test.args(&options.test_args);
    match test.status() {
        Ok(status) if status.success() => CLEAN,
        Ok(_) => FINDINGS,
        Err(e) => {
            eprintln!("cargo conc-check: could not run {cargo}: {e}");
            USAGE
        }
    }
}

/// `cargo test` with the conc_check cfg, its own target directory, and the exploration
/// settings as `CONC_CHECK_*` variables.
fn test_command(cargo: &str, options: &Options, target_dir: &PathBuf) -> Command {
    let mut cmd = Command::new(cargo);
    cmd.arg("test").arg("--target-dir").arg(target_dir);
    for p in &options.packages {
        cmd.arg("--package").arg(p);
    }
    if options.workspace {
        cmd.arg("--workspace");
    }
    for f in &options.features {
        cmd.arg("--features").arg(f);
    }
    if options.release {
        cmd.arg("--release");
    }
    let mut rustflags = std::env::var("RUSTFLAGS").unwrap_or_default();
    if !rustflags.split_whitespace().any(|f| f == "conc_check") {
        rustflags.push_str(" --cfg conc_check");
    }
    cmd.env("RUSTFLAGS", rustflags.trim());
    if let Some(s) = options.strategy {
        let name = match s {
            StrategyArg::Portfolio => "portfolio",
            StrategyArg::Dfs => "dfs",
            StrategyArg::Random => "random",
            StrategyArg::Pct => "pct",
        };
        cmd.env("CONC_CHECK_STRATEGY", name);
    }
    let settings = [
        ("CONC_CHECK_DEPTH", options.depth.map(|d| d.to_string())),
        (
            "CONC_CHECK_ITERATIONS",
            options.iterations.map(|i| i.to_string()),
        ),
        ("CONC_CHECK_TIME_BUDGET", options.time_budget.clone()),
        ("CONC_CHECK_SEED", options.seed.map(|s| s.to_string())),
        (
            "CONC_CHECK_MAX_PREEMPTIONS",
            options.max_preemptions.clone(),
        ),
    ];
    for (name, value) in settings {
        if let Some(value) = value {
            cmd.env(name, value);
        }
    }
    cmd
}

/// `target/conc-check` next to the normal target directory, so the normal build cache stays warm.
fn target_dir() -> PathBuf {
    let base = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("target"));
    base.join("conc-check")
}
