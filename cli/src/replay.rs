//! `cargo conc-check replay SCHEDULE --test NAME`: runs one test with `CONC_CHECK_REPLAY`, so
//! that it replays exactly the execution the schedule describes.

use conc_check_engine::schedule::Schedule;

use crate::args::{BuildArgs, ReplayArgs};
use crate::cargo;
use crate::execute::{run_jobs, Job};
use crate::libtest::{self, split_test_args};
use crate::outcome::{RunResults, Verdict};
use crate::output;
use crate::run::{CLEAN, FINDINGS, USAGE};

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

fn try_replay(args: &ReplayArgs, build: &BuildArgs) -> Result<u8, String> {
    let schedule = args.schedule.trim();
    // A damaged schedule is reported before anything is built.
    Schedule::decode(schedule).map_err(|e| e.to_string())?;
    let ws = cargo::workspace(build)?;
    let binaries = cargo::build_tests(&ws, build)?;
    let (options, _) = split_test_args(&args.test_args);
    let mut list_args = vec!["--exact".to_string()];
    list_args.extend(options.iter().filter(|o| *o != "--exact").cloned());
    let mut jobs = Vec::new();
    for binary in &binaries {
        let tests = libtest::list(&ws, binary, Some(&args.test), &list_args)?;
        if tests.is_empty() {
            continue;
        }
        let mut run_args = vec![args.test.clone()];
        run_args.extend(list_args.iter().cloned());
        jobs.push(Job {
            binary,
            tests,
            seed: None,
            args: run_args,
            env: vec![("CONC_CHECK_REPLAY".into(), schedule.to_string())],
        });
    }
    if jobs.is_empty() {
        let mut similar = Vec::new();
        for binary in &binaries {
            similar.extend(libtest::list(&ws, binary, Some(&args.test), &[])?);
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
    let (outcomes, seconds) = run_jobs(&ws, &jobs, build.quiet);
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
    let found = results.outcomes.iter().any(|o| !o.findings.is_empty());
    let mismatch: Vec<String> = results
        .outcomes
        .iter()
        .filter(|o| o.findings.is_empty())
        .flat_map(|o| o.stopped_because().into_iter().map(str::to_string))
        .collect();
    if found {
        Ok(FINDINGS)
    } else if !mismatch.is_empty() {
        Err(format!(
            "the schedule does not fit test `{}`: {}",
            args.test,
            mismatch.join("; ")
        ))
    } else if results
        .outcomes
        .iter()
        .any(|o| o.verdict() == Verdict::Failed || o.verdict() == Verdict::Crashed)
    {
        Ok(FINDINGS)
    } else {
        eprintln!("conc-check: the replayed execution ended without a finding");
        Ok(CLEAN)
    }
}
