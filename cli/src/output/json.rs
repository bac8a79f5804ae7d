//! The machine-readable report: every test with its verdict, reports and fingerprinted findings.
//! A file in this format also serves as a `--baseline`.

use serde_json::{json, Value};

use crate::outcome::{RunResults, TestOutcome};
use crate::output::human::replay_command;

/// The run as one JSON document.
pub fn render(results: &RunResults) -> String {
    let counts: serde_json::Map<String, Value> = results
        .counts()
        .into_iter()
        .map(|(v, n)| (v.word().to_ascii_lowercase(), json!(n)))
        .collect();
    let document = json!({
        "format": "conc-check-results",
        "schema_version": conc_check_core::envelope::SCHEMA_VERSION,
        "tool": { "name": "conc-check", "version": env!("CARGO_PKG_VERSION") },
        "exit_code": results.exit_code(),
        "partition": results.partition.map(|p| p.to_string()),
        "filter": results.filter,
        "baseline": results.baseline.as_ref().map(|b| b.display().to_string()),
        "summary": {
            "tests": results.outcomes.len(),
            "verdicts": counts,
            "executions": results.executions(),
            "seconds": results.seconds,
        },
        "tests": results.outcomes.iter().map(test).collect::<Vec<_>>(),
    });
    let mut text = serde_json::to_string_pretty(&document)
        .unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    text.push('\n');
    text
}

fn test(o: &TestOutcome) -> Value {
    json!({
        "package": o.package,
        "binary": o.binary,
        "name": o.name,
        "seed": o.seed,
        "verdict": o.verdict().word().to_ascii_lowercase(),
        "executions": o.executions(),
        "complete": o.complete(),
        "seconds": o.seconds(),
        "findings": o.findings.iter().map(|issue| {
            let report = &o.reports[issue.report];
            json!({
                "fingerprint": issue.fingerprint,
                "baselined": issue.baselined,
                "finding": o.finding(issue),
                "schedule": report.schedule,
                "replay": report.schedule.as_deref().map(|s| replay_command(o, s)),
            })
        }).collect::<Vec<_>>(),
        "reports": o.reports,
        "output": (!o.output.is_empty()).then_some(&o.output),
        "problems": o.problems,
    })
}
