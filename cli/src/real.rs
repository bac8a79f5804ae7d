//! `cargo conc-check run`: builds one program under `--cfg conc_check`, runs it on real OS
//! threads with the detectors watching, renders what they found like model findings, and gates
//! on it.

use std::path::Path;
use std::process::Command;

use conc_check_core::envelope::ReportFile;
use conc_check_engine::report::render::render_finding;
use conc_check_engine::DEADLOCK_EXIT_CODE;

use crate::args::{BuildArgs, RunArgs};
use crate::cargo;
use crate::exit_code::{CLEAN, FINDINGS, USAGE};
use crate::run::check_environment;

/// Runs the subcommand; returns the exit code.
pub fn run(args: &RunArgs, build: &BuildArgs) -> u8 {
    match try_run(args, build) {
        Ok(code) => code,
        Err(message) => {
            eprintln!("cargo conc-check run: error: {message}");
            USAGE
        }
    }
}

fn try_run(args: &RunArgs, build: &BuildArgs) -> Result<u8, String> {
    check_environment()?;
    let ws = cargo::workspace(build)?;
    let programs = cargo::build_bins(&ws, build, args.bin.as_deref())?;
    let program = match (programs.as_slice(), &args.bin) {
        ([one], _) => one,
        ([], _) => return Err("there is no bin target to run".into()),
        (_, Some(name)) => programs
            .iter()
            .find(|p| &p.name == name)
            .ok_or_else(|| format!("no bin target named `{name}`"))?,
        (many, None) => {
            let mut names: Vec<&str> = many.iter().map(|p| p.name.as_str()).collect();
            names.sort_unstable();
            return Err(format!(
                "several bin targets ({}): say which with --bin NAME",
                names.join(", ")
            ));
        }
    };
    let dir = ws
        .own_dir
        .join("reports")
        .join(format!("real-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    if !build.quiet {
        eprintln!(
            "conc-check: running {} on real threads",
            program.path.display()
        );
    }
    let status = Command::new(&program.path)
        .args(&args.args)
        .current_dir(&ws.invocation_dir)
        .env("CONC_CHECK_REPORT_DIR", &dir)
        .env("CONC_CHECK_REAL_SUMMARY", "brief")
        .status()
        .map_err(|e| format!("could not run {}: {e}", program.path.display()))?;
    let reports = read_reports(&dir);
    let _ = std::fs::remove_dir_all(&dir);
    let reports = reports?;
    let mut findings = 0;
    for real in &reports {
        for finding in &real.report.findings {
            println!("{}", render_finding(finding, &real.report));
            findings += 1;
        }
    }
    let ended = match status.code() {
        Some(DEADLOCK_EXIT_CODE) => {
            format!("the watchdog ended it (exit {DEADLOCK_EXIT_CODE})")
        }
        Some(code) => format!("it exited with {code}"),
        None => "it was killed by a signal".to_string(),
    };
    let code = if findings > 0 || !status.success() {
        FINDINGS
    } else {
        CLEAN
    };
    let kinds: Vec<&str> = reports
        .iter()
        .flat_map(|r| r.report.findings.iter().map(|f| f.kind.name()))
        .collect();
    let verdict = if kinds.is_empty() {
        "no findings".to_string()
    } else {
        format!("{} finding(s) ({})", kinds.len(), kinds.join(", "))
    };
    println!(
        "conc-check run: {} on real threads: {verdict}; {ended} · exit {code}",
        program.name
    );
    Ok(code)
}

/// Every real-mode report the program wrote.
fn read_reports(dir: &Path) -> Result<Vec<ReportFile>, String> {
    let mut paths: Vec<_> = std::fs::read_dir(dir)
        .map_err(|e| format!("cannot read {}: {e}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("real-") && n.ends_with(".json"))
        })
        .collect();
    paths.sort();
    paths
        .iter()
        .map(|p| {
            let text = std::fs::read_to_string(p)
                .map_err(|e| format!("cannot read {}: {e}", p.display()))?;
            let file: ReportFile = serde_json::from_str(&text).map_err(|e| {
                format!(
                    "the report {} is not one this version reads: {e}",
                    p.display()
                )
            })?;
            file.check()
                .map_err(|why| format!("the report {}: {why}", p.display()))?;
            Ok(file)
        })
        .collect()
}
