//! The runtime's entry points: explore a test, or replay one execution of it. Each builds the
//! exploration ([`Run`]) and hands it to the exploration thread ([`worker`]).

use std::time::Duration;

use super::explorer::{Run, TestFn};
use super::{parallel, shrink, worker};
use crate::config::Config;
use crate::report::Report;
use crate::schedule::{test_hash, Schedule, ScheduleError};
use crate::strategy::replay::Replay;

/// Explores `f` as `config` says and reports what was found. Never panics because of a finding.
///
/// The executions run on an OS thread of their own, watched by the calling thread (see
/// [`worker`]): whatever a failing execution leaves behind never reaches the caller's thread, and
/// the exploration ends within its time budget plus [`worker::GRACE`] whatever the test does
/// (shrinking a finding, [`shrink`], runs only in what is left of the budget; each of its
/// searches has a grace period of its own).
pub fn explore(config: &Config, f: TestFn) -> Report {
    if let Some(schedule) = &config.replay {
        return match replay(config, schedule, f) {
            Ok(report) => report,
            Err(e) => Report {
                stopped_because: Some(format!("CONC_CHECK_REPLAY: {e}")),
                strategy: "replay".into(),
                ..Report::default()
            },
        };
    }
    if let Some(why) = zero_budget(config) {
        return Report {
            strategy: config.strategy.to_string(),
            seed: config.seed,
            stopped_because: Some(why),
            expect_panic: config.expect_panic.clone(),
            ..Report::default()
        };
    }
    let test = crate::report::dir::current_test();
    let report = parallel::explore(config, &f, test.as_deref());
    shrink::shrunk(config, &f, test, report)
}

/// Why `config` allows no execution at all, if it does not.
fn zero_budget(config: &Config) -> Option<String> {
    if config.iterations == 0 {
        Some("the execution budget is 0 (Builder::iterations)".into())
    } else if config.time_budget == Some(Duration::ZERO) {
        Some("the time budget is 0 (Builder::time_budget)".into())
    } else {
        None
    }
}

/// Runs the one execution that `schedule` describes.
///
/// # Errors
/// The schedule cannot be decoded, holds more decisions than `config.max_steps` allows, or was
/// recorded by another test than the one running.
pub fn replay(config: &Config, schedule: &str, f: TestFn) -> Result<Report, ScheduleError> {
    let decoded = Schedule::decode(schedule, config.max_steps)?;
    let test = crate::report::dir::current_test();
    if let (Some(recorded), Some(name)) = (decoded.test, test.as_deref()) {
        if recorded != test_hash(name) {
            return Err(ScheduleError::OtherTest(name.to_string()));
        }
    }
    let mut config = config.clone();
    config.spurious_wakeups = decoded.flags.spurious_wakeups;
    config.memory_model = if decoded.flags.seq_cst_memory {
        crate::config::MemoryModel::SeqCst
    } else {
        crate::config::MemoryModel::Rc11
    };
    config.iterations = 1;
    config.replay = None;
    let expected = decoded.recorded;
    Ok(worker::explore_on_worker(
        Run::new(config, f, Box::new(Replay::new(decoded)), "replay", test).expecting(expected),
    ))
}
