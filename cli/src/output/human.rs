//! The report for people: every finding rendered with miette (the user's source lines), the
//! output of tests that failed without a finding, and a closing summary table.

use conc_check_engine::report::render::render_report;

use crate::execute::thousands;
use crate::outcome::{RunResults, TestOutcome, Verdict};

/// The whole human report. Source snippets are read relative to the current directory, which
/// the caller sets to the workspace root.
pub fn render(results: &RunResults) -> String {
    let mut out = String::new();
    let several_binaries = results
        .outcomes
        .windows(2)
        .any(|w| w[0].binary != w[1].binary);
    let shown = |o: &TestOutcome| {
        if several_binaries {
            format!("{}::{}", o.binary, o.display_name())
        } else {
            o.display_name()
        }
    };
    for outcome in &results.outcomes {
        match outcome.verdict() {
            Verdict::Findings => {
                for (at, report) in outcome.reports.iter().enumerate() {
                    if !outcome
                        .findings
                        .iter()
                        .any(|f| f.report == at && !f.baselined)
                    {
                        continue;
                    }
                    out.push_str(&header(&shown(outcome), "finding"));
                    out.push_str(&render_report(&with_replay_command(outcome, report)));
                    out.push('\n');
                }
            }
            Verdict::Failed | Verdict::Crashed => {
                let what = if outcome.verdict() == Verdict::Crashed {
                    "the test binary crashed"
                } else {
                    "the test failed without a finding"
                };
                out.push_str(&header(&shown(outcome), what));
                for why in outcome.stopped_because() {
                    out.push_str(&format!(
                        "conc-check: the exploration stopped early: {why}\n"
                    ));
                }
                for problem in &outcome.problems {
                    out.push_str(&format!("conc-check: {problem}\n"));
                }
                let text = outcome.output.trim();
                out.push_str(if text.is_empty() {
                    "(no output was captured)"
                } else {
                    text
                });
                out.push_str("\n\n");
            }
            Verdict::Unchecked => {
                out.push_str(&header(&shown(outcome), "nothing was checked"));
                out.push_str(&format!(
                    "conc-check: {}\n\n",
                    outcome.shortfall().unwrap_or_default()
                ));
            }
            Verdict::Ok | Verdict::Baselined | Verdict::Ignored => {}
        }
    }
    let baselined: Vec<(&TestOutcome, &crate::outcome::FoundIssue)> = results
        .outcomes
        .iter()
        .flat_map(|o| {
            o.findings
                .iter()
                .filter(|f| f.baselined)
                .map(move |f| (o, f))
        })
        .collect();
    if !baselined.is_empty() {
        out.push_str("findings in the baseline (they do not fail the run):\n");
        for (outcome, issue) in &baselined {
            let finding = outcome.finding(issue);
            out.push_str(&format!(
                "  {}  {}: {}: {}\n",
                issue.fingerprint,
                shown(outcome),
                finding.kind,
                finding.message
            ));
        }
        out.push('\n');
    }
    let covered: Vec<String> = results
        .outcomes
        .iter()
        .flat_map(|o| {
            o.reports.iter().flat_map(move |r| {
                let pct = r.coverage.as_ref().map(|c| c.describe());
                let estimate = r.space_estimate.as_ref().map(|e| e.describe());
                pct.into_iter()
                    .chain(estimate)
                    .map(move |text| format!("  {}: {text}\n", shown(o)))
            })
        })
        .collect();
    if !covered.is_empty() {
        out.push_str("what the tests that did not exhaust their space can still say:\n");
        out.extend(covered);
        out.push('\n');
    }
    out.push_str(&table(results, &shown));
    out.push('\n');
    out.push_str(&closing_line(results));
    out.push('\n');
    out
}

fn header(test: &str, what: &str) -> String {
    let title = format!("──── {test}: {what} ");
    let width = title.chars().count();
    format!(
        "{title}{}\n",
        "─".repeat(100usize.saturating_sub(width).max(4))
    )
}

/// The report with the replay command spelled with the `replay` subcommand, which names the
/// package and the exact test.
fn with_replay_command(
    outcome: &TestOutcome,
    report: &conc_check_engine::report::Report,
) -> conc_check_engine::report::Report {
    let mut report = report.clone();
    if let Some(schedule) = &report.schedule {
        report.replay = Some(replay_command(outcome, schedule));
    }
    report
}

/// `cargo conc-check replay SCHEDULE --test NAME -p PACKAGE`.
pub fn replay_command(outcome: &TestOutcome, schedule: &str) -> String {
    format!(
        "cargo conc-check replay {schedule} --test {} -p {}",
        outcome.name, outcome.package
    )
}

/// The summary table: test, verdict, findings, executions, complete.
fn table(results: &RunResults, shown: &dyn Fn(&TestOutcome) -> String) -> String {
    let mut rows = vec![[
        "test".to_string(),
        "verdict".to_string(),
        "findings".to_string(),
        "executions".to_string(),
        "complete".to_string(),
    ]];
    for o in &results.outcomes {
        let findings = match (o.findings.len(), o.new_findings().count()) {
            (0, _) if o.expected_panics > 0 => format!("0 ({} expected panic)", o.expected_panics),
            (0, _) => "0".to_string(),
            (all, new) if all == new => {
                let mut kinds: Vec<&str> = o
                    .findings
                    .iter()
                    .map(|f| o.finding(f).kind.name())
                    .collect();
                kinds.dedup();
                format!("{all} ({})", kinds.join(", "))
            }
            (all, new) => format!("{all} ({new} new)"),
        };
        let complete = match o.complete() {
            Some(true) => "yes",
            Some(false) => "no",
            None => "-",
        };
        rows.push([
            shown(o),
            o.verdict().word().to_string(),
            findings,
            thousands(o.executions()),
            complete.to_string(),
        ]);
    }
    let mut widths = [0usize; 5];
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    for (i, row) in rows.iter().enumerate() {
        let line = format!(
            "{:<w0$}  {:<w1$}  {:<w2$}  {:>w3$}  {:<w4$}",
            row[0],
            row[1],
            row[2],
            row[3],
            row[4],
            w0 = widths[0],
            w1 = widths[1],
            w2 = widths[2],
            w3 = widths[3],
            w4 = widths[4],
        );
        out.push_str(line.trim_end());
        out.push('\n');
        if i == 0 {
            let rule: usize = widths.iter().sum::<usize>() + 2 * (widths.len() - 1);
            out.push_str(&"─".repeat(rule));
            out.push('\n');
        }
    }
    out
}

/// `conc-check: 2 tests: 1 ok, 1 FINDINGS · 42 executions in 0.01s of exploration (4,200
/// executions/s) · 0.31s in all · exit 1`
pub fn closing_line(results: &RunResults) -> String {
    let n = results.outcomes.len();
    let counts: Vec<String> = results
        .counts()
        .into_iter()
        .map(|(v, c)| format!("{c} {}", v.word()))
        .collect();
    let exploring: f64 = results.outcomes.iter().map(TestOutcome::seconds).sum();
    let mut line = format!(
        "conc-check: {n} test{}{}{} · {} execution{}",
        if n == 1 { "" } else { "s" },
        if counts.is_empty() { "" } else { ": " },
        counts.join(", "),
        thousands(results.executions()),
        if results.executions() == 1 { "" } else { "s" },
    );
    if exploring > 0.0 {
        line.push_str(&format!(
            " in {exploring:.2}s of exploration ({} executions/s)",
            thousands((results.executions() as f64 / exploring).round() as u64)
        ));
    }
    line.push_str(&format!(" · {:.2}s in all", results.seconds));
    if let Some(p) = results.partition {
        line.push_str(&format!(" · partition {p}"));
    }
    if let Some(baseline) = &results.baseline {
        let suppressed: usize = results
            .outcomes
            .iter()
            .map(|o| o.findings.iter().filter(|f| f.baselined).count())
            .sum();
        line.push_str(&format!(
            " · {suppressed} finding{} in the baseline {}",
            if suppressed == 1 { "" } else { "s" },
            baseline.display()
        ));
    }
    line.push_str(&format!(" · exit {}", results.exit_code()));
    line
}
