//! The engine's entry points for the shim's `model`, `Builder::explore` and `replay`: run the
//! exploration, write its report where `cargo conc-check` collects it, render it for people.

use crate::config::Config;
use crate::report::{dir, render, Report};
use crate::runtime::{self, TestFn};
use crate::schedule::ScheduleError;

/// Explores `f` as `config` says; the report is also written into `CONC_CHECK_REPORT_DIR`
/// when that is set. Never panics because of a finding.
pub fn explore(config: &Config, f: TestFn) -> Report {
    let report = runtime::explore(config, f);
    dir::write_if_asked(&report, dir::current_test().as_deref());
    report
}

/// Replays the one execution `schedule` describes, and writes its report as [`explore`] does.
///
/// # Errors
/// The schedule is damaged, too long for `config.max_steps`, or another test's.
pub fn replay(config: &Config, schedule: &str, f: TestFn) -> Result<Report, ScheduleError> {
    let report = runtime::replay(config, schedule, f)?;
    dir::write_if_asked(&report, dir::current_test().as_deref());
    Ok(report)
}

/// The report for people, with the user's source lines.
pub fn render(report: &Report) -> String {
    render::render_report(report)
}
