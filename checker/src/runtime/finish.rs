//! The report of the execution that found something: its findings, the interleaving that led
//! there, and the schedule (with its record of the execution) that replays it.

use super::execution::Execution;
use super::record;
use crate::report::Report;
use crate::schedule::{test_hash, Schedule, ScheduleFlags};

/// Fills in the report of the execution that found something: its findings, its interleaving
/// and the schedule that replays it.
pub(crate) fn finish_report(report: &mut Report, e: &mut Execution, test: Option<&str>) {
    let flags = ScheduleFlags {
        spurious_wakeups: e.spurious_wakeups,
        seq_cst_memory: e.seq_cst_memory,
    };
    let recorded = record::record(&e.trace, &e.findings);
    report.findings = std::mem::take(&mut e.findings);
    report.preemptions = e.preemptions;
    report.execution_steps = e.steps;
    let names = e.names();
    if let Some(first) = report.findings.first_mut() {
        super::trace::explain_weak_read(first, &e.trace, &e.weak_reads, &names);
        e.cancellations.explain(first, &names);
    }
    report.interleaving =
        super::trace::describe(&e.trace, &e.weak_reads, &e.reference_counts, &names);
    let schedule = Schedule {
        flags,
        step_limit: e.max_steps,
        test: test.map(test_hash),
        recorded: Some(recorded),
        decisions: e.decisions.clone(),
    }
    .encode();
    report.replay = Some(replay_command(&schedule, test));
    report.schedule = Some(schedule);
}

/// The one-line command that replays `schedule`.
fn replay_command(schedule: &str, test_name: Option<&str>) -> String {
    match test_name.filter(|n| *n != "main") {
        Some(test) => {
            // Cargo names the package of a test binary it runs.
            let package = std::env::var("CARGO_PKG_NAME")
                .map(|p| format!(" -p {p}"))
                .unwrap_or_default();
            format!("cargo conc-check replay {schedule} --test {test}{package}")
        }
        None => format!("conc_check::replay(\"{schedule}\", <the test closure>)"),
    }
}
