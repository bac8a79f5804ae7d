//! `cargo conc-check replay SCHEDULE --test NAME`: runs one test with `CONC_CHECK_REPLAY`, so
//! that it replays exactly the execution the schedule describes.
//!
//! The test may be named as the report names it (its path in its binary) or as the summary
//! table does (with the binary's label in front). A schedule that another test recorded is
//! refused before anything runs; a replay that diverges is a `nondeterminism` finding; a replay
//! that never reaches a model is not green.

use conc_check_engine::schedule::{test_hash, Schedule};

use crate::args::{BuildArgs, ReplayArgs};
use crate::cargo::{self, TestBinary};
use crate::execute::{run_jobs, Job};
use crate::exit_code::USAGE;
use crate::libtest::{self, split_test_args};
use crate::outcome::RunResults;
use crate::output;
use crate::run::check_environment;

/// Runs the subcommand; returns the exit code.
pub fn replay(args: &ReplayArgs, build: &BuildArgs) -> u8 {
    match try_replay(args, build) {
        Ok(code) => code,
        Err(message) => {
            eprintln!("cargo conc-check replay: error: {message}");
            USAGE
        }
    }
}

/// The test names `name` can mean in `binary`: itself, or the part after the binary's label.
fn candidates(name: &str, binary: &TestBinary) -> Vec<String> {
    let mut names = vec![name.to_string()];
    if let Some(rest) = name.strip_prefix(&format!("{}::", binary.label())) {
        names.push(rest.to_string());
    }
    names
}

fn try_replay(args: &ReplayArgs, build: &BuildArgs) -> Result<u8, String> {
    check_environment()?;
    let text = args.schedule.trim();
    // A damaged schedule is reported before anything is built.
    let schedule = Schedule::validate(text).map_err(|e| e.to_string())?;
    let ws = cargo::workspace(build)?;
    let binaries = cargo::build_tests(&ws, build)?;
    let (options, _) = split_test_args(&args.test_args);
    let options: Vec<String> = options.into_iter().filter(|o| o != "--exact").collect();
    let mut jobs = Vec::new();
    let mut other_test = Vec::new();
    for binary in &binaries {
        for name in candidates(&args.test, binary) {
            let mut list_args = vec!["--exact".to_string()];
            list_args.extend(options.iter().cloned());
            let tests = libtest::list(&ws, binary, Some(&name), &list_args)?;
            let [test] = tests.as_slice() else { continue };
            if schedule.test.is_some_and(|h| h != test_hash(test)) {
                other_test.push(format!("{}::{test}", binary.label()));
                continue;
            }
            let mut run_args = vec![test.clone()];
            run_args.extend(list_args);
            jobs.push(Job {
                binary,
                tests: vec![test.clone()],
                seed: None,
                args: run_args,
                env: vec![("CONC_CHECK_REPLAY".into(), text.to_string())],
                options: options.clone(),
                quiet: build.quiet,
            });
            break;
        }
    }
    if jobs.is_empty() {
        if !other_test.is_empty() {
            return Err(format!(
                "this schedule was recorded by another test than {}: replay it with the test \
                 named in the report that printed it",
                other_test.join(", ")
            ));
        }
        let mut similar = Vec::new();
        for binary in &binaries {
            similar.extend(
                libtest::list(&ws, binary, Some(&args.test), &[])?
                    .into_iter()
                    .map(|t| format!("{}::{t}", binary.label())),
            );
        }
        let hint = if similar.is_empty() {
            String::new()
        } else {
            format!("; tests whose names contain it: {}", similar.join(", "))
        };
        return Err(format!(
            "no test is named `{}` (give its full path, as the report shows it){hint}",
            args.test
        ));
    }
    let (mut outcomes, seconds) = run_jobs(&ws, &jobs, build.quiet);
    for o in &mut outcomes {
        o.replay = true;
    }
    let results = RunResults {
        outcomes,
        root: ws.root.clone(),
        seconds,
        partition: None,
        baseline: None,
        filter: Some(args.test.clone()),
    };
    let _ = std::env::set_current_dir(&ws.root);
    output::write(&output::human::render(&results), None)?;
    let code = results.exit_code();
    if code == crate::exit_code::CLEAN {
        eprintln!("conc-check: the replayed execution ended without a finding");
    }
    Ok(code)
}
