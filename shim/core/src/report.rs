//! What an exploration found: the report's shape, which both modes and the CLI share.
//!
//! The engine renders reports with the user's source lines (miette); this crate's `Display` is
//! the plain-text form, for builds without the engine.

use serde::{Deserialize, Serialize};
use std::fmt;

use crate::Site;

/// The kinds of finding, as serialized.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FindingKind {
    /// No thread can run and some are blocked, or a thread re-locks a lock it holds.
    Deadlock,
    /// Locks taken in orders that can deadlock, seen before they did.
    LockOrderCycle,
    /// Two unordered accesses to a cell, one a write.
    DataRace,
    /// A compare-and-swap succeeded on a value that went A→B→A.
    Aba,
    /// A thread kept losing a resource to others.
    Starvation,
    /// Threads kept retrying without progress.
    Livelock,
    /// A model thread panicked (a failed assertion, an `unwrap`, …).
    Panic,
    /// An execution ran past the step limit without finishing.
    StepLimit,
    /// A model thread reached no scheduling point for too long (a CPU loop outside the shim, a
    /// std lock held across a shim operation), and was ended from outside.
    Hang,
    /// A model thread ran off the end of its stack.
    StackOverflow,
    /// The test did not behave the same under the same choices (state kept across executions,
    /// real time, randomness, std threads), so the exploration or replay could not trust it.
    Nondeterminism,
    /// Something the test allocated through a front end that tracks allocations (the loom
    /// facade's `Arc` and `alloc::Track`) was still alive when every thread had finished.
    Leak,
}

impl FindingKind {
    /// Whether no thread can go on after this finding, so the execution ends at once. Other
    /// findings let the execution run to its end (and exploration stops after it).
    pub fn ends_execution(self) -> bool {
        matches!(
            self,
            FindingKind::Deadlock
                | FindingKind::Panic
                | FindingKind::StepLimit
                | FindingKind::Livelock
                | FindingKind::Starvation
                | FindingKind::Hang
                | FindingKind::StackOverflow
                | FindingKind::Nondeterminism
        )
    }

    /// Every kind, in a fixed order (the order of [`FindingKind::bit`]).
    pub const ALL: [FindingKind; 12] = [
        FindingKind::Deadlock,
        FindingKind::LockOrderCycle,
        FindingKind::DataRace,
        FindingKind::Aba,
        FindingKind::Starvation,
        FindingKind::Livelock,
        FindingKind::Panic,
        FindingKind::StepLimit,
        FindingKind::Hang,
        FindingKind::StackOverflow,
        FindingKind::Nondeterminism,
        FindingKind::Leak,
    ];

    /// This kind's bit in a set of kinds (schedules record which kinds an execution found).
    pub fn bit(self) -> u32 {
        let index = FindingKind::ALL
            .iter()
            .position(|k| *k == self)
            .unwrap_or(31);
        1 << index
    }

    /// The serialized name, e.g. `lock_order_cycle`.
    pub fn name(self) -> &'static str {
        match self {
            FindingKind::Deadlock => "deadlock",
            FindingKind::LockOrderCycle => "lock_order_cycle",
            FindingKind::DataRace => "data_race",
            FindingKind::Aba => "aba",
            FindingKind::Starvation => "starvation",
            FindingKind::Livelock => "livelock",
            FindingKind::Panic => "panic",
            FindingKind::StepLimit => "step_limit",
            FindingKind::Hang => "hang",
            FindingKind::StackOverflow => "stack_overflow",
            FindingKind::Nondeterminism => "nondeterminism",
            FindingKind::Leak => "leak",
        }
    }
}

impl fmt::Display for FindingKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// What a site is to its finding: the part a machine can rely on (fingerprints, code scanning),
/// beside the label people read.
#[derive(
    Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Default, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum SiteRole {
    /// A lock taken (or held) here.
    Acquire,
    /// A thread waits (blocks) here.
    Wait,
    /// A memory access that takes part in the problem (a racing access, a read relied upon).
    Access,
    /// A synchronising operation that takes part (the store or load of a flag, a
    /// compare-exchange, a write that changed a value back).
    Sync,
    /// A thread retries here (livelock, starvation).
    Retry,
    /// Another thread takes the contended resource here (starvation).
    Take,
    /// A panic happened here.
    Panic,
    /// A thread is stuck (or overflowed its stack) here.
    Stuck,
    /// What the finding is about was created here (an allocation that leaked).
    Created,
    /// Anything else: the last operation of a thread, the place a thread keeps running.
    #[default]
    Other,
}

/// A place in the user's source, with what happened there.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct SourceRef {
    /// File as the compiler saw it (relative to the workspace root).
    pub file: String,
    /// 1-based line.
    pub line: u32,
    /// 1-based column.
    pub column: u32,
    /// What the site is to the finding.
    #[serde(default)]
    pub role: SiteRole,
    /// The thread that did what happened there (0 is the main thread), when one thread did.
    /// Not part of fingerprints: thread numbers depend on the interleaving.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thread: Option<u32>,
    /// What happened there, e.g. "thread 1 acquires `Mutex` here".
    pub label: String,
}

impl SourceRef {
    /// A reference to `site` in the role `role`, labelled `label`.
    pub fn at(site: Site, role: SiteRole, label: impl Into<String>) -> Self {
        SourceRef {
            file: site.file().to_string(),
            line: site.line(),
            column: site.column(),
            role,
            thread: None,
            label: label.into(),
        }
    }

    /// The same reference, saying which thread acted there.
    pub fn by(mut self, thread: u32) -> Self {
        self.thread = Some(thread);
        self
    }
}

/// An object a finding is about, named as the finding names it.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct ObjectRef {
    /// Its type, e.g. `Mutex`, `atomic`, `UnsafeCell`.
    pub kind: String,
    /// Where it was created, as `file:line`.
    pub created: String,
    /// The variable its creation line binds it to, when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

impl fmt::Display for SourceRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file, self.line, self.column)
    }
}

/// One problem found in one execution.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct Finding {
    /// What kind of problem.
    pub kind: FindingKind,
    /// One-line summary.
    pub message: String,
    /// The explanation, one line per fact, in the user's terms.
    pub notes: Vec<String>,
    /// Every source location the finding involves.
    pub sites: Vec<SourceRef>,
    /// The objects it is about (the locks of a cycle, the cell of a race, …).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub objects: Vec<ObjectRef>,
}

impl Finding {
    /// A finding with a summary and no notes yet.
    pub fn new(kind: FindingKind, message: impl Into<String>) -> Self {
        Finding {
            kind,
            message: message.into(),
            notes: Vec::new(),
            sites: Vec::new(),
            objects: Vec::new(),
        }
    }

    /// Adds an explanatory line.
    pub fn note(mut self, note: impl Into<String>) -> Self {
        self.notes.push(note.into());
        self
    }

    /// Adds a labelled source location in `role`.
    pub fn site(mut self, site: Site, role: SiteRole, label: impl Into<String>) -> Self {
        self.sites.push(SourceRef::at(site, role, label));
        self
    }

    /// Adds a labelled source location in `role`, where `thread` acted.
    pub fn site_by(
        mut self,
        thread: u32,
        site: Site,
        role: SiteRole,
        label: impl Into<String>,
    ) -> Self {
        self.sites.push(SourceRef::at(site, role, label).by(thread));
        self
    }

    /// The threads the finding's sites name, in order of first appearance.
    pub fn threads(&self) -> Vec<u32> {
        let mut threads = Vec::new();
        for t in self.sites.iter().filter_map(|s| s.thread) {
            if !threads.contains(&t) {
                threads.push(t);
            }
        }
        threads
    }

    /// Adds an object the finding is about (once).
    pub fn object(mut self, object: ObjectRef) -> Self {
        self.add_object(object);
        self
    }

    /// Adds an object the finding is about, unless it is there already.
    pub fn add_object(&mut self, object: ObjectRef) {
        if !self.objects.contains(&object) {
            self.objects.push(object);
        }
    }
}

/// One step of the failing execution, for the "how it got there" part of a report.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct TraceStep {
    /// The thread, e.g. "thread 1 (`worker`)".
    pub thread: String,
    /// What it did, e.g. "locks the Mutex created at src/lib.rs:4".
    pub action: String,
    /// Where, as `file:line:column`.
    pub site: String,
}

/// The outcome of an exploration.
#[derive(Clone, Debug, Serialize, Deserialize, Default)]
#[serde(default)]
pub struct Report {
    /// What was found (empty when clean). Exploration stops after the first execution with a
    /// finding, so all findings come from one execution.
    pub findings: Vec<Finding>,
    /// Executions run.
    pub executions: u64,
    /// The strategy exhausted its space within its bounds.
    pub complete: bool,
    /// Scheduling alternatives that partial-order reduction skipped as redundant (each stands
    /// for at least one execution that was not run).
    pub pruned: u64,
    /// The schedule of the execution that produced the findings.
    pub schedule: Option<String>,
    /// How to replay that execution.
    pub replay: Option<String>,
    /// The strategy that ran, e.g. `portfolio` or `pct(depth 3)`.
    pub strategy: String,
    /// The seed of the random strategies.
    pub seed: u64,
    /// Scheduling steps over all executions.
    pub steps: u64,
    /// Wall-clock seconds spent exploring.
    pub seconds: f64,
    /// Why the exploration stopped early without a finding (time budget, replay mismatch).
    pub stopped_because: Option<String>,
    /// The last steps of the failing execution, oldest first.
    pub interleaving: Vec<TraceStep>,
    /// The test is expected to panic (`#[should_panic]`): a panic finding whose message
    /// contains this text (any panic when it is empty) is what the test asks for.
    pub expect_panic: Option<String>,
    /// What the executions run imply about the space they did not exhaust, when the strategy
    /// gives a figure (PCT does).
    pub coverage: Option<Coverage>,
    /// For an unbounded DFS that stopped at its execution budget: an estimate of its whole
    /// space, from random probes run after it (counted in `executions`).
    pub space_estimate: Option<SpaceEstimate>,
    /// Preemptions in the execution that produced the findings: switches away from a thread
    /// that could have gone on.
    pub preemptions: u32,
    /// Scheduling steps of the execution that produced the findings.
    pub execution_steps: u64,
    /// How much smaller the reported execution is than the one that found the bug first, when
    /// it was shrunk.
    pub shrunk: Option<String>,
    /// Worker processes that explored at once (0 or 1: the exploration ran on one).
    pub workers: u32,
    /// The part of an exploration split between CI jobs that this report covers
    /// (`CONC_CHECK_PARTITION`); `cargo conc-check merge` combines the parts.
    pub part: Option<ReportPart>,
}

/// Which part of a split exploration a report covers, and what the merge must know about it.
#[derive(Clone, Debug, Serialize, Deserialize, Default, PartialEq)]
#[serde(default)]
pub struct ReportPart {
    /// Which part, from 1.
    pub index: u32,
    /// How many parts.
    pub count: u32,
    /// For a DFS: the subtrees of the split this part explored, out of `subtrees`.
    pub explored: u64,
    /// For a DFS: the subtrees the split made in all.
    pub subtrees: u64,
    /// The fair scheduler hid a spinning thread in this part. Sleep sets are unsound from then
    /// on, and the subtrees of every part slept the options of the subtrees before them: the
    /// merged DFS is not complete.
    pub fairness_engaged: bool,
}

/// Knuth's estimate of the executions a DFS without reduction needs to exhaust a space, from
/// random probes: each probe's product of the numbers of alternatives along its path estimates
/// the number of paths without bias; `executions` is their mean, `low`..`high` two standard
/// errors around it (never below what was searched).
#[derive(Clone, Debug, Serialize, Deserialize, Default, PartialEq)]
#[serde(default)]
pub struct SpaceEstimate {
    /// Executions the DFS ran before the probes.
    pub searched: u64,
    /// Probes run (uniformly random executions).
    pub probes: u64,
    /// The estimated number of executions of the whole space, without reduction.
    pub executions: f64,
    /// The estimate less two standard errors (at least `searched`).
    pub low: f64,
    /// The estimate plus two standard errors.
    pub high: f64,
}

impl SpaceEstimate {
    /// One line for people: "DFS ran 1,000 executions of an estimated 25,000 without reduction
    /// (Knuth's estimator over 100 random probes: between 18,000 and 32,000)".
    pub fn describe(&self) -> String {
        format!(
            "DFS ran {} executions of a space estimated at {} executions without reduction \
             (Knuth's estimator over {} random probes, run after it: between {} and {}; \
             reduction runs at most that many)",
            thousands(self.searched),
            grouped(self.executions.round()),
            self.probes,
            grouped(self.low.round()),
            grouped(self.high.round())
        )
    }
}

/// What an exploration that did not exhaust its space can still say about it.
///
/// PCT (Burckhardt, Kothari, Musuvathi and Nagarakatte, "A Randomized Scheduler with
/// Probabilistic Guarantees of Finding Bugs", ASPLOS 2010) finds a given bug of depth `d` in a
/// program of at most `n` threads and `k` steps with probability at least `1 / (n·k^(d−1))` in
/// each execution, independently; so after `E` clean executions such a bug was missed with
/// probability at most `(1 − p)^E`.
#[derive(Clone, Debug, Serialize, Deserialize, Default, PartialEq)]
#[serde(default)]
pub struct Coverage {
    /// The bug depth `d` the bound is about.
    pub depth: u32,
    /// The most threads an execution had (`n`).
    pub threads: u32,
    /// The most scheduling steps an execution took (`k`).
    pub steps: u64,
    /// The guaranteed probability `p` that one execution finds a given bug of depth `d`.
    pub hit_probability: f64,
    /// The probability, at most, that every execution run missed such a bug.
    pub miss_probability: f64,
}

impl Coverage {
    /// The PCT bound after `executions` clean executions of at most `threads` threads and
    /// `steps` steps, for bugs of depth `depth`.
    pub fn pct(depth: u32, threads: u32, steps: u64, executions: u64) -> Self {
        let n = f64::from(threads.max(1));
        let k = (steps.max(1)) as f64;
        let exponent = i32::try_from(depth.saturating_sub(1)).unwrap_or(i32::MAX);
        let hit_probability = (1.0 / (n * k.powi(exponent))).min(1.0);
        // (1 - p)^E, computed in log space so that a tiny p is not lost.
        let miss_probability = ((-hit_probability).ln_1p() * executions as f64).exp();
        Coverage {
            depth,
            threads,
            steps,
            hit_probability,
            miss_probability,
        }
    }

    /// One line for people: "a bug of depth 3 would have been missed with probability at most
    /// 0.3% (PCT finds it in 1 of every 120 executions or more: 3 threads, 11 steps)".
    pub fn describe(&self) -> String {
        format!(
            "a bug of depth {} would have been missed with probability at most {} (PCT finds it \
             in at least 1 of every {} executions: {} thread{}, {} steps)",
            self.depth,
            percent(self.miss_probability),
            grouped((1.0 / self.hit_probability).ceil()),
            self.threads,
            if self.threads == 1 { "" } else { "s" },
            self.steps
        )
    }
}

/// "0.3%", "100%", "< 0.01%".
fn percent(p: f64) -> String {
    let pct = p * 100.0;
    if pct >= 99.95 {
        "100%".to_string()
    } else if pct >= 0.1 {
        format!("{pct:.1}%")
    } else if pct >= 0.01 {
        format!("{pct:.2}%")
    } else {
        "< 0.01%".to_string()
    }
}

/// 12345 as "12,345" (and very large counts as "1.2e15").
fn grouped(n: f64) -> String {
    if n >= 1e12 {
        return format!("{n:.1e}");
    }
    thousands(n as u64)
}

/// `1234567` as `1,234,567`.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

impl Report {
    /// True when nothing was found.
    pub fn is_clean(&self) -> bool {
        self.findings.is_empty()
    }

    /// The kinds found, in order.
    pub fn kinds(&self) -> Vec<FindingKind> {
        self.findings.iter().map(|f| f.kind).collect()
    }

    /// Whether a finding of `kind` was reported.
    pub fn has(&self, kind: FindingKind) -> bool {
        self.findings.iter().any(|f| f.kind == kind)
    }

    /// Why this report proves less than a clean report claims, if it does: no execution ran.
    /// A run with such a report is not green.
    pub fn shortfall(&self) -> Option<String> {
        (self.executions == 0 && self.findings.is_empty()).then(|| match &self.stopped_because {
            Some(why) => format!("no execution ran: {why}"),
            None => "no execution ran".to_string(),
        })
    }

    /// Whether the findings are exactly what `#[should_panic]` asked for: at least one, and
    /// every one a panic whose message contains the expected text.
    pub fn found_expected_panic(&self) -> bool {
        let Some(expected) = &self.expect_panic else {
            return false;
        };
        !self.findings.is_empty()
            && self
                .findings
                .iter()
                .all(|f| f.kind == FindingKind::Panic && f.message.contains(expected.as_str()))
    }

    /// Takes the findings of `found`, another exploration's report, with everything that
    /// describes the execution they came from (its schedule, interleaving and size): what a
    /// merge of several reports reports.
    pub fn adopt_findings(&mut self, found: Report) {
        self.findings = found.findings;
        self.schedule = found.schedule;
        self.replay = found.replay;
        self.interleaving = found.interleaving;
        self.preemptions = found.preemptions;
        self.execution_steps = found.execution_steps;
        self.shrunk = found.shrunk;
    }

    /// One line: executions, completeness, outcome (and why it stopped early, if it did).
    pub fn summary_line(&self) -> String {
        let report = self;
        let outcome = if report.findings.is_empty() {
            "no findings".to_string()
        } else {
            let kinds: Vec<&str> = report.findings.iter().map(|f| f.kind.name()).collect();
            format!("found {}", kinds.join(", "))
        };
        let coverage = if report.complete {
            "the space was exhausted"
        } else {
            "the space was not exhausted"
        };
        let pruned = if report.pruned > 0 {
            format!(", {} redundant branches pruned", report.pruned)
        } else {
            String::new()
        };
        let workers = if report.workers > 1 {
            format!(", {} workers", report.workers)
        } else {
            String::new()
        };
        let mut line = format!(
            "conc-check: {outcome} after {} execution{}{pruned} ({} strategy, seed {}{workers}, {:.2}s; {coverage})",
            report.executions,
            if report.executions == 1 { "" } else { "s" },
            report.strategy,
            report.seed,
            report.seconds,
        );
        if let Some(why) = &report.stopped_because {
            line.push_str(&format!("\nconc-check: stopped early: {why}"));
        }
        if let Some(shrunk) = &report.shrunk {
            line.push_str(&format!("\nconc-check: shrunk: {shrunk}"));
        }
        if let Some(coverage) = &report.coverage {
            line.push_str(&format!("\nconc-check: coverage: {}", coverage.describe()));
        }
        if let Some(estimate) = &report.space_estimate {
            line.push_str(&format!("\nconc-check: coverage: {}", estimate.describe()));
        }
        line
    }
}

impl fmt::Display for Report {
    /// The plain-text report: each finding with its notes and sites, the schedule, the
    /// interleaving and a summary line. (The engine's renderer adds the source lines.)
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for finding in &self.findings {
            writeln!(f, "conc_check::{}\n", finding.kind)?;
            writeln!(f, "  × {}", finding.message)?;
            for note in &finding.notes {
                writeln!(f, "    {note}")?;
            }
            for site in &finding.sites {
                writeln!(f, "    at {site}: {}", site.label)?;
            }
            if let Some(schedule) = &self.schedule {
                writeln!(f, "  help: schedule: {schedule}")?;
            }
            if let Some(replay) = &self.replay {
                writeln!(f, "        replay: {replay}")?;
            }
            writeln!(f)?;
        }
        if !self.interleaving.is_empty() {
            writeln!(
                f,
                "  the interleaving that led there (last steps, oldest first):"
            )?;
            for step in &self.interleaving {
                writeln!(
                    f,
                    "    {:<24} {:<48} {}",
                    step.thread, step.action, step.site
                )?;
            }
            writeln!(f)?;
        }
        writeln!(f, "{}", self.summary_line())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pct_bound_follows_the_paper_s_formula() {
        // d = 1: every execution finds it with probability at least 1/n.
        let c = Coverage::pct(1, 2, 10, 1);
        assert_eq!(c.hit_probability, 0.5);
        assert!((c.miss_probability - 0.5).abs() < 1e-12);
        // d = 3, n = 3, k = 10: p = 1/300; 300 executions miss it with at most (299/300)^300.
        let c = Coverage::pct(3, 3, 10, 300);
        assert!((c.hit_probability - 1.0 / 300.0).abs() < 1e-15);
        let expected = (1.0f64 - 1.0 / 300.0).powi(300);
        assert!((c.miss_probability - expected).abs() < 1e-12);
        assert_eq!(
            c.describe(),
            "a bug of depth 3 would have been missed with probability at most 36.7% (PCT finds \
             it in at least 1 of every 300 executions: 3 threads, 10 steps)"
        );
        // Enough executions drive it down; a tiny p is not rounded away.
        assert!(Coverage::pct(3, 3, 10, 3000).miss_probability < 1e-4);
        let tiny = Coverage::pct(3, 8, 1_000_000, 1_000);
        assert!(tiny.hit_probability > 0.0 && tiny.miss_probability < 1.0);
        assert!(
            tiny.describe().contains("at most 100%"),
            "{}",
            tiny.describe()
        );
    }
}
