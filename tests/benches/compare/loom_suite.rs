//! Section 9: loom 0.7.3's own `tests/` directory, run by loom and by conc-check's loom facade
//! (`shim/loom`, whose `tests/upstream.rs` takes the same files unmodified): wall time of the
//! test binaries, release builds, the builds themselves excluded.
//!
//! Both sides are built by cargo into directories of their own under `target/loom-suite/` (this
//! benchmark runs inside cargo, which holds the workspace's target directory): loom from a copy
//! of the downloaded crate in the temporary folder (`cargo metadata` says where the crate is),
//! the facade from this workspace.
//! The facade runs with an execution budget no model reaches, so every model is explored to the
//! end, as loom explores it.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use crate::table::{secs, Table};

/// Rounds of each side, alternating.
const ROUNDS: usize = 3;
/// The facade's budget: more executions than any of loom's models needs, so none stops early.
const FACADE_ITERATIONS: &str = "100000000";

/// The workspace's root.
fn repository() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ is in the workspace")
        .to_path_buf()
}

/// `cargo`, as cargo itself names it to the programs it runs.
fn cargo() -> Command {
    Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
}

/// The folder of the loom 0.7.3 package the benchmarks depend on.
fn loom_source() -> Result<PathBuf, String> {
    let output = cargo()
        .args(["metadata", "--format-version", "1", "--manifest-path"])
        .arg(repository().join("tests/Cargo.toml"))
        .output()
        .map_err(|e| format!("cargo metadata: {e}"))?;
    let metadata: serde_json::Value = serde_json::from_slice(&output.stdout)
        .map_err(|e| format!("cargo metadata's output: {e}"))?;
    metadata["packages"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|p| p["name"] == "loom" && p["version"] == "0.7.3" && !p["source"].is_null())
        .and_then(|p| p["manifest_path"].as_str())
        .and_then(|m| Path::new(m).parent().map(Path::to_path_buf))
        .ok_or_else(|| "loom 0.7.3 is not among the benchmarks' dependencies".into())
}

/// Copies `from` into `to` (files and folders).
fn copy_tree(from: &Path, to: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_tree(&entry.path(), &target)?;
        } else {
            std::fs::copy(entry.path(), target)?;
        }
    }
    Ok(())
}

/// Builds the tests `cargo test <args> --no-run` would run and returns their executables.
fn build_tests(args: &[&str], target_dir: &Path) -> Result<Vec<PathBuf>, String> {
    let output = cargo()
        .args(["test", "--release", "--no-run", "--message-format", "json"])
        .args(args)
        .arg("--target-dir")
        .arg(target_dir)
        .output()
        .map_err(|e| format!("cargo test --no-run: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "cargo test {} did not build: {}",
            args.join(" "),
            String::from_utf8_lossy(&output.stderr)
                .lines()
                .last()
                .unwrap_or("")
        ));
    }
    Ok(String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|m| m["reason"] == "compiler-artifact" && m["profile"]["test"] == true)
        .filter_map(|m| m["executable"].as_str().map(PathBuf::from))
        .collect())
}

/// Runs test binaries one after the other in `dir`; returns the wall time and how many tests
/// passed and failed.
fn run_all(
    binaries: &[PathBuf],
    dir: &Path,
    args: &[&str],
    env: &[(&str, &str)],
) -> (f64, u64, u64) {
    let started = Instant::now();
    let (mut passed, mut failed) = (0, 0);
    for binary in binaries {
        let output = Command::new(binary)
            .args(args)
            .current_dir(dir)
            .envs(env.iter().copied())
            .output();
        let text = output
            .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
            .unwrap_or_default();
        for line in text.lines().filter(|l| l.starts_with("test result:")) {
            let number = |word: &str| {
                line.split(';')
                    .find(|part| part.contains(word))
                    .and_then(|part| part.split_whitespace().find_map(|w| w.parse::<u64>().ok()))
                    .unwrap_or(0)
            };
            passed += number("passed");
            failed += number("failed");
        }
    }
    (started.elapsed().as_secs_f64(), passed, failed)
}

/// Measures and prints the section.
pub(crate) fn run(notes: &mut Vec<String>) {
    println!("## 9. loom's own test suite, under loom and under the loom facade\n");
    if let Err(why) = measure() {
        let note = format!("loom_suite: not measured: {why}");
        eprintln!("{note}");
        notes.push(note);
    }
}

fn measure() -> Result<(), String> {
    let work = repository().join("target/loom-suite");
    // Outside the workspace's folder, or cargo takes it for a member of this workspace.
    let copy = std::env::temp_dir().join("conc-check-loom-suite/loom-0.7.3");
    let _ = std::fs::remove_dir_all(&copy);
    copy_tree(&loom_source()?, &copy).map_err(|e| format!("copying loom: {e}"))?;
    eprintln!("[9] loom_suite: building loom's tests (release)");
    let manifest = copy.join("Cargo.toml");
    let manifest = manifest.to_str().ok_or("a path that is not UTF-8")?;
    let loom = build_tests(
        &["--features", "futures", "--manifest-path", manifest],
        &work.join("loom-target"),
    )?;
    eprintln!("[9] loom_suite: building the facade's upstream suite (release)");
    let facade_manifest = repository().join("shim/loom/Cargo.toml");
    let facade_manifest = facade_manifest.to_str().ok_or("a path that is not UTF-8")?;
    let facade = build_tests(
        &["--manifest-path", facade_manifest, "--test", "upstream"],
        &work.join("facade-target"),
    )?;
    // The facade's binary also holds two checks of its own, not loom's tests.
    let skip = ["--skip", "each_should_panic", "--skip", "loom_s_ignored"];
    let budget = [("CONC_CHECK_ITERATIONS", FACADE_ITERATIONS)];
    let mut table = Table::new(&["round", "loom 0.7.3", "loom facade", "facade ÷ loom"]);
    let mut ratios = Vec::new();
    for round in 1..=ROUNDS {
        eprintln!("[9] loom_suite: round {round}");
        let (loom_secs, loom_ok, loom_failed) = run_all(&loom, &copy, &[], &[]);
        let (facade_secs, facade_ok, facade_failed) = run_all(&facade, &copy, &skip, &budget);
        ratios.push(facade_secs / loom_secs);
        table.row(vec![
            round.to_string(),
            format!(
                "{} ({loom_ok} passed, {loom_failed} failed)",
                secs(loom_secs)
            ),
            format!(
                "{} ({facade_ok} passed, {facade_failed} failed)",
                secs(facade_secs)
            ),
            format!("{:.3}", facade_secs / loom_secs),
        ]);
    }
    ratios.sort_by(f64::total_cmp);
    println!(
        "{} binaries of loom's tests (`--features futures`) against the facade's one binary of \
         the same files, run one after the other with libtest's default threads, {ROUNDS} rounds \
         alternating; the facade with `CONC_CHECK_ITERATIONS={FACADE_ITERATIONS}`, so that every \
         model runs to the end. Median ratio: {:.3}.\n",
        loom.len(),
        ratios[ratios.len() / 2]
    );
    println!("{}", table.render());
    Ok(())
}
