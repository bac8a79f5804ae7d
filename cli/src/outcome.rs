//! What a run found: one [`TestOutcome`] per test (and seed), with its reports, its findings
//! and its verdict; the gate's exit code follows from the verdicts.

use std::path::{Path, PathBuf};

use conc_check_engine::report::{Finding, Report};

use crate::fingerprint::{fingerprint, Baseline, Match};
use crate::libtest::Status;
use crate::partition::Partition;

/// One finding of one test, with its fingerprint.
#[derive(Clone, Debug)]
pub struct FoundIssue {
    /// Index of the report in [`TestOutcome::reports`].
    pub report: usize,
    /// Index of the finding in that report.
    pub index: usize,
    /// See [`crate::fingerprint`].
    pub fingerprint: String,
    /// Listed in the baseline, so it does not fail the run.
    pub baselined: bool,
    /// Matched only an old baseline (by its fingerprint or kind and test): it should be
    /// written again.
    pub legacy_match: bool,
}

/// The verdict on one test.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Passed, nothing found.
    Ok,
    /// At least one finding that is not in the baseline.
    Findings,
    /// Findings, all of them in the baseline.
    Baselined,
    /// The test failed without a finding (an ordinary assertion outside the model, a setup
    /// error, a replay that did not fit).
    Failed,
    /// The test binary died before the test ended.
    Crashed,
    /// The test passed and found nothing, but checked nothing either: no execution ran, or a
    /// replay never reached a model.
    Unchecked,
    /// `#[ignore]`d.
    Ignored,
}

impl Verdict {
    /// The word the summary shows.
    pub fn word(self) -> &'static str {
        match self {
            Verdict::Ok => "ok",
            Verdict::Findings => "FINDINGS",
            Verdict::Baselined => "baselined",
            Verdict::Failed => "FAILED",
            Verdict::Crashed => "CRASHED",
            Verdict::Unchecked => "UNCHECKED",
            Verdict::Ignored => "ignored",
        }
    }

    /// Whether this verdict fails the gate.
    pub fn fails(self) -> bool {
        matches!(
            self,
            Verdict::Findings | Verdict::Failed | Verdict::Crashed | Verdict::Unchecked
        )
    }
}

/// One test of one binary, run once (with one seed, when `--seeds` is used).
#[derive(Clone, Debug)]
pub struct TestOutcome {
    /// The package.
    pub package: String,
    /// The binary's label (see [`crate::cargo::TestBinary::label`]).
    pub binary: String,
    /// The test's name in its binary.
    pub name: String,
    /// The seed this run used, with `--seeds`.
    pub seed: Option<u64>,
    /// What libtest said.
    pub status: Status,
    /// The test's captured output when it failed, or the binary's standard error when it
    /// crashed.
    pub output: String,
    /// Every exploration the test ran.
    pub reports: Vec<Report>,
    /// Every finding of those reports.
    pub findings: Vec<FoundIssue>,
    /// Report files that could not be read.
    pub problems: Vec<String>,
    /// Panics that `#[should_panic]` asked for and the exploration found (not findings).
    pub expected_panics: usize,
    /// The test ran as a replay: it must have reached a model.
    pub replay: bool,
}

impl TestOutcome {
    /// A test that has not reported yet.
    pub fn new(package: &str, binary: &str, name: &str, seed: Option<u64>) -> Self {
        TestOutcome {
            package: package.to_string(),
            binary: binary.to_string(),
            name: name.to_string(),
            seed,
            status: Status::DidNotFinish,
            output: String::new(),
            reports: Vec::new(),
            findings: Vec::new(),
            problems: Vec::new(),
            expected_panics: 0,
            replay: false,
        }
    }

    /// The name shown to people: the test, and its seed with `--seeds`.
    pub fn display_name(&self) -> String {
        match self.seed {
            Some(seed) => format!("{} [seed {seed}]", self.name),
            None => self.name.clone(),
        }
    }

    /// Adds a report and fingerprints its findings. The panics a `#[should_panic]` test asked
    /// for are counted, not listed as findings.
    pub fn add_report(&mut self, report: Report, root: &Path) {
        let at = self.reports.len();
        if report.found_expected_panic() {
            self.expected_panics += report.findings.len();
            self.reports.push(report);
            return;
        }
        for (index, finding) in report.findings.iter().enumerate() {
            self.findings.push(FoundIssue {
                report: at,
                index,
                fingerprint: fingerprint(finding, &self.name, root),
                baselined: false,
                legacy_match: false,
            });
        }
        self.reports.push(report);
    }

    /// The finding an issue points at.
    pub fn finding(&self, issue: &FoundIssue) -> &Finding {
        &self.reports[issue.report].findings[issue.index]
    }

    /// Marks the findings that `baseline` lists.
    pub fn apply_baseline(&mut self, baseline: &Baseline, root: &Path) {
        for i in 0..self.findings.len() {
            let issue = &self.findings[i];
            let finding = &self.reports[issue.report].findings[issue.index];
            let matched = baseline.matches(finding, &self.name, &issue.fingerprint, root);
            let issue = &mut self.findings[i];
            issue.baselined = matched != Match::No;
            issue.legacy_match = matched == Match::Legacy;
        }
    }

    /// Findings not in the baseline.
    pub fn new_findings(&self) -> impl Iterator<Item = &FoundIssue> {
        self.findings.iter().filter(|f| !f.baselined)
    }

    /// The verdict.
    pub fn verdict(&self) -> Verdict {
        if self.status == Status::Ignored {
            Verdict::Ignored
        } else if self.new_findings().next().is_some() {
            Verdict::Findings
        } else if !self.findings.is_empty() {
            Verdict::Baselined
        } else if self.status == Status::DidNotFinish {
            Verdict::Crashed
        } else if self.status == Status::Failed || !self.problems.is_empty() {
            Verdict::Failed
        } else if self.shortfall().is_some() {
            Verdict::Unchecked
        } else {
            Verdict::Ok
        }
    }

    /// Why this test checked nothing, if it did not: every exploration it ran explored
    /// nothing, or (for a replay) it ran none.
    pub fn shortfall(&self) -> Option<String> {
        if self.replay && self.reports.is_empty() {
            return Some(
                "the replay never reached a model: the test ran no conc-check exploration (is \
                 it the test that printed the schedule?)"
                    .to_string(),
            );
        }
        let reasons: Vec<String> = self.reports.iter().filter_map(Report::shortfall).collect();
        (!reasons.is_empty() && reasons.len() == self.reports.len()).then(|| reasons.join("; "))
    }

    /// Executions over all explorations.
    pub fn executions(&self) -> u64 {
        self.reports.iter().map(|r| r.executions).sum()
    }

    /// Seconds spent exploring.
    pub fn seconds(&self) -> f64 {
        self.reports.iter().map(|r| r.seconds).sum()
    }

    /// `Some(true)` when every exploration exhausted its space, `None` without explorations.
    pub fn complete(&self) -> Option<bool> {
        (!self.reports.is_empty()).then(|| self.reports.iter().all(|r| r.complete))
    }

    /// Why an exploration stopped early without a finding, if one did.
    pub fn stopped_because(&self) -> Vec<&str> {
        self.reports
            .iter()
            .filter_map(|r| r.stopped_because.as_deref())
            .collect()
    }
}

/// Everything a run found, and how it was run.
#[derive(Clone, Debug)]
pub struct RunResults {
    /// One entry per test (and seed), in binary and name order.
    pub outcomes: Vec<TestOutcome>,
    /// The workspace root: report paths are relative to it.
    pub root: PathBuf,
    /// Wall-clock seconds of the test runs.
    pub seconds: f64,
    /// The shard this run covered.
    pub partition: Option<Partition>,
    /// Whether a baseline was applied.
    pub baseline: Option<PathBuf>,
    /// The filter, if any.
    pub filter: Option<String>,
}

impl RunResults {
    /// The gate's exit code: 0 when nothing fails it, 1 on findings or tests that failed or
    /// crashed, else 3 when some test checked nothing.
    pub fn exit_code(&self) -> u8 {
        let verdicts: Vec<Verdict> = self.outcomes.iter().map(TestOutcome::verdict).collect();
        if verdicts
            .iter()
            .any(|v| v.fails() && *v != Verdict::Unchecked)
        {
            crate::exit_code::FINDINGS
        } else if verdicts.contains(&Verdict::Unchecked) {
            crate::exit_code::UNCHECKED
        } else {
            crate::exit_code::CLEAN
        }
    }

    /// How many tests have each verdict, in a fixed order, leaving out the zeros.
    pub fn counts(&self) -> Vec<(Verdict, usize)> {
        [
            Verdict::Ok,
            Verdict::Findings,
            Verdict::Baselined,
            Verdict::Failed,
            Verdict::Crashed,
            Verdict::Unchecked,
            Verdict::Ignored,
        ]
        .into_iter()
        .map(|v| (v, self.outcomes.iter().filter(|o| o.verdict() == v).count()))
        .filter(|(_, n)| *n > 0)
        .collect()
    }

    /// Executions over every test.
    pub fn executions(&self) -> u64 {
        self.outcomes.iter().map(TestOutcome::executions).sum()
    }
}
