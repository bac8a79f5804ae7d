//! The default action: build the tests under `--cfg conc_check`, list and select them (filter,
//! partition, seeds), run them, gate on the findings and write every report format asked for.

use std::path::{Path, PathBuf};

use conc_check_engine::schedule::Schedule;

use crate::args::{format_name, CheckArgs, ExploreArgs};
use crate::cargo::{self, TestBinary, Workspace};
use crate::execute::{run_jobs, Job};
use crate::exit_code::USAGE;
use crate::fingerprint::load_baseline;
use crate::libtest::{self, split_test_args};
use crate::outcome::RunResults;
use crate::output;
use crate::partition;

/// Checks the `CONC_CHECK_*` variables before anything is built: a bad value is one usage
/// error, not a failure in every test.
pub fn check_environment() -> Result<(), String> {
    conc_check_engine::Config::check_environment().map_err(|e| e.to_string())?;
    if let Ok(schedule) = std::env::var("CONC_CHECK_REPLAY") {
        if !schedule.trim().is_empty() {
            Schedule::validate(&schedule).map_err(|e| format!("CONC_CHECK_REPLAY: {e}"))?;
        }
    }
    Ok(())
}

/// Runs the default action; returns the exit code.
pub fn check(args: &CheckArgs) -> u8 {
    match try_check(args) {
        Ok(code) => code,
        Err(message) => {
            eprintln!("cargo conc-check: error: {message}");
            USAGE
        }
    }
}

/// The `CONC_CHECK_*` variables for the exploration settings.
pub fn explore_env(e: &ExploreArgs) -> Vec<(String, String)> {
    let settings = [
        (
            "CONC_CHECK_STRATEGY",
            e.strategy.map(|s| s.name().to_string()),
        ),
        ("CONC_CHECK_DEPTH", e.depth.map(|d| d.to_string())),
        ("CONC_CHECK_ITERATIONS", e.iterations.map(|i| i.to_string())),
        ("CONC_CHECK_TIME_BUDGET", e.time_budget.clone()),
        ("CONC_CHECK_HANG_TIMEOUT", e.hang_timeout.clone()),
        ("CONC_CHECK_SEED", e.seed.map(|s| s.to_string())),
        ("CONC_CHECK_MAX_PREEMPTIONS", e.max_preemptions.clone()),
        (
            "CONC_CHECK_MEMORY_MODEL",
            e.memory_model.map(|m| m.name().to_string()),
        ),
        ("CONC_CHECK_SHRINK", e.no_shrink.then(|| "off".to_string())),
        ("CONC_CHECK_WORKERS", e.workers.map(|w| w.to_string())),
        ("CONC_CHECK_PARTITION", e.exploration_partition.clone()),
    ];
    settings
        .into_iter()
        .filter_map(|(k, v)| v.map(|v| (k.to_string(), v)))
        .collect()
}

/// With `workers` per exploration, libtest runs the cores divided by them at once (at least
/// one), so that the workers of the tests running together fit the machine; nothing when the
/// test arguments choose the test threads themselves.
fn test_threads_for_workers(workers: Option<u64>, options: &[String]) -> Option<String> {
    let workers = usize::try_from(workers?).ok()?;
    if options.iter().any(|o| o.starts_with("--test-threads")) {
        return None;
    }
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    Some(format!("--test-threads={}", (cores / workers).max(1)))
}

/// Lists the tests of every binary; an error when nothing matches.
pub fn list_all<'a>(
    ws: &Workspace,
    binaries: &'a [TestBinary],
    filter: Option<&str>,
    test_args: &[String],
) -> Result<Vec<(&'a TestBinary, Vec<String>)>, String> {
    let mut listed = Vec::new();
    for binary in binaries {
        let tests = libtest::list(ws, binary, filter, test_args)?;
        if !tests.is_empty() {
            listed.push((binary, tests));
        }
    }
    if listed.is_empty() {
        let searched = format!(
            "{} test binar{}",
            binaries.len(),
            if binaries.len() == 1 { "y" } else { "ies" }
        );
        return Err(match filter {
            Some(f) => format!("no test matches `{f}` (searched {searched}); nothing was run"),
            None => format!("no tests found (searched {searched}); nothing was run"),
        });
    }
    Ok(listed)
}

fn try_check(args: &CheckArgs) -> Result<u8, String> {
    check_environment()?;
    let cwd =
        std::env::current_dir().map_err(|e| format!("cannot read the current directory: {e}"))?;
    let destinations: Vec<_> = args
        .destinations
        .iter()
        .map(|(f, p)| (*f, p.as_ref().map(|p| cwd.join(p))))
        .collect();
    let baseline = match &args.baseline {
        Some(path) => Some(load_baseline(&cwd.join(path))?),
        None => None,
    };
    let ws = cargo::workspace(&args.build)?;
    let binaries = cargo::build_tests(&ws, &args.build)?;
    let listed = list_all(&ws, &binaries, args.filter.as_deref(), &args.test_args)?;

    let seeds: Vec<Option<u64>> = match args.seeds {
        Some(n) => {
            let first = args.explore.seed.unwrap_or(0);
            (0..n).map(|i| Some(first.wrapping_add(i))).collect()
        }
        None => vec![None],
    };
    let base_env = explore_env(&args.explore);
    let (options, _filters) = split_test_args(&args.test_args);
    let options: Vec<String> = options.into_iter().filter(|o| o != "--exact").collect();
    let total: usize = listed.iter().map(|(_, t)| t.len()).sum::<usize>() * seeds.len();
    let mut jobs = Vec::new();
    for seed in &seeds {
        for (binary, tests) in &listed {
            let selected: Vec<String> = tests
                .iter()
                .filter(|t| {
                    args.partition
                        .is_none_or(|p| p.contains(&partition::key(t, *seed)))
                })
                .cloned()
                .collect();
            if selected.is_empty() {
                continue;
            }
            let mut run_args = if args.partition.is_some() {
                // Exactly the shard's tests: the filters were applied when listing.
                let mut a = vec!["--exact".to_string()];
                a.extend(selected.iter().cloned());
                a.extend(options.iter().cloned());
                a
            } else {
                let mut a: Vec<String> = args.filter.iter().cloned().collect();
                a.extend(args.test_args.iter().cloned());
                a
            };
            run_args.extend(test_threads_for_workers(args.explore.workers, &options));
            let mut env = base_env.clone();
            if let Some(seed) = seed {
                env.retain(|(k, _)| k != "CONC_CHECK_SEED");
                env.push(("CONC_CHECK_SEED".into(), seed.to_string()));
            }
            jobs.push(Job {
                binary,
                tests: selected,
                seed: *seed,
                args: run_args,
                env,
                options: options.clone(),
                quiet: args.build.quiet,
            });
        }
    }
    let selected: usize = jobs.iter().map(|j| j.tests.len()).sum();
    if !args.build.quiet {
        let shard = args
            .partition
            .map(|p| format!(" (partition {p} of {total})"))
            .unwrap_or_default();
        eprintln!(
            "conc-check: running {selected} test{}{shard} from {} binar{}",
            if selected == 1 { "" } else { "s" },
            jobs.len(),
            if jobs.len() == 1 { "y" } else { "ies" }
        );
    }
    if selected == 0 {
        eprintln!(
            "conc-check: partition {} has none of the {total} tests; nothing to run",
            args.partition.map(|p| p.to_string()).unwrap_or_default()
        );
    }
    let (mut outcomes, seconds) = run_jobs(&ws, &jobs, args.build.quiet);
    if let Some(baseline) = &baseline {
        for o in &mut outcomes {
            o.apply_baseline(baseline, &ws.root);
        }
        let migrated: usize = outcomes
            .iter()
            .map(|o| o.findings.iter().filter(|f| f.legacy_match).count())
            .sum();
        if !baseline.legacy.is_empty() {
            eprintln!(
                "conc-check: the baseline {} was written by an earlier version (fingerprints that \
                 hashed the messages); {migrated} finding(s) matched it by kind and test. Write it \
                 again with --write-baseline to match by the findings' structure from now on",
                args.baseline.as_deref().unwrap_or(Path::new("")).display()
            );
        }
    }
    let results = RunResults {
        outcomes,
        root: ws.root.clone(),
        seconds,
        partition: args.partition,
        baseline: args.baseline.clone(),
        filter: args.filter.clone(),
    };
    // Reports name files relative to the workspace root; render from there.
    let _ = std::env::set_current_dir(&ws.root);
    for (format, path) in &destinations {
        let text = output::render(*format, &results);
        output::write(&text, path.as_deref())?;
        if let Some(path) = path {
            if !args.build.quiet {
                eprintln!(
                    "conc-check: wrote the {} report to {}",
                    format_name(*format),
                    path.display()
                );
            }
        }
    }
    if let Some(path) = &args.write_baseline {
        let path: PathBuf = cwd.join(path);
        output::write(&write_baseline(&results), Some(&path))?;
        if !args.build.quiet {
            eprintln!("conc-check: wrote the baseline to {}", path.display());
        }
    }
    Ok(results.exit_code())
}

/// A baseline: the fingerprint of every finding of the run, with what it was, for people
/// reviewing the file.
fn write_baseline(results: &RunResults) -> String {
    let entries: Vec<serde_json::Value> = results
        .outcomes
        .iter()
        .flat_map(|o| {
            o.findings.iter().map(move |f| {
                let finding = o.finding(f);
                serde_json::json!({
                    "fingerprint": f.fingerprint,
                    "kind": finding.kind.name(),
                    "test": o.name,
                    "package": o.package,
                    "message": finding.message,
                })
            })
        })
        .collect();
    let mut text = serde_json::to_string_pretty(&serde_json::json!({
        "format": "conc-check-baseline",
        "schema_version": conc_check_core::envelope::SCHEMA_VERSION,
        "fingerprints": entries,
    }))
    .unwrap_or_default();
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn workers_reach_the_tests_and_leave_fewer_test_threads() {
        let e = ExploreArgs {
            workers: Some(2),
            ..ExploreArgs::default()
        };
        assert!(explore_env(&e).contains(&("CONC_CHECK_WORKERS".into(), "2".into())));
        let cores = std::thread::available_parallelism().map_or(1, usize::from);
        assert_eq!(
            test_threads_for_workers(Some(2), &[]),
            Some(format!("--test-threads={}", (cores / 2).max(1)))
        );
        let chosen = ["--test-threads=3".to_string()];
        assert_eq!(test_threads_for_workers(Some(2), &chosen), None);
        assert_eq!(test_threads_for_workers(None, &[]), None);
    }
}
