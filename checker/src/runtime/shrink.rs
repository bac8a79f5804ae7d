//! Shrinking a finding's interleaving before it is reported: the first interleaving a strategy
//! finds a bug with is rarely the simplest (a random walk or PCT switches threads all the
//! time), and every preemption is one more step for the reader to follow.
//!
//! The interleaving found first has `p` preemptions. A DFS bounded at 0 preemptions, then 1,
//! …, below `p` (at most [`MAX_BOUND`] + 1 bounds; at each the reduced search, then the exact
//! one without reduction; each capped at [`EXECUTIONS_PER_BOUND`] executions) looks for the same
//! finding: the same kind at the same first place. The first search that finds it within its
//! bound (or else the smallest found above its bound) replaces the report's execution, and the
//! report says how much smaller it is (`Report::shrunk`). A search that finds nothing smaller
//! leaves the report as it was. Either way the executions it ran are counted, and shrinking only
//! uses what is left of the time budget.

use std::time::{Duration, Instant};

use super::explorer::{Run, TestFn};
use super::worker;
use crate::config::{Config, StrategyKind};
use crate::report::{Finding, FindingKind, Report, SiteRole};
use crate::strategy;

/// The largest preemption bound tried.
const MAX_BOUND: u32 = 3;
/// Executions of each bounded search.
const EXECUTIONS_PER_BOUND: u64 = 2_000;
/// Time of each bounded search, at most (and never more than is left of the user's budget).
const TIME_PER_BOUND: Duration = Duration::from_secs(5);

/// What a finding is looked for again by: its kind and its first place (not its words, not its
/// threads, which another interleaving may number differently).
#[derive(PartialEq, Eq, Debug)]
struct Target {
    kind: FindingKind,
    place: Option<(String, u32)>,
}

impl Target {
    fn of(finding: &Finding) -> Self {
        Target {
            kind: finding.kind,
            place: places(finding).into_iter().next(),
        }
    }

    /// Whether `finding` is the same: the same kind, at the same first place among its places
    /// (another interleaving may add a place, such as a second thread panicking).
    fn matches(&self, finding: &Finding) -> bool {
        finding.kind == self.kind
            && self
                .place
                .as_ref()
                .is_none_or(|place| places(finding).contains(place))
    }
}

/// The places a finding names, in order, without the merely informative ones.
fn places(finding: &Finding) -> Vec<(String, u32)> {
    finding
        .sites
        .iter()
        .filter(|s| s.role != SiteRole::Other)
        .map(|s| (s.file.clone(), s.line))
        .collect()
}

/// Whether a finding of `kind` can be looked for again under another strategy: not one about
/// the test's or the machine's behaviour rather than an interleaving.
fn shrinkable(kind: FindingKind) -> bool {
    !matches!(
        kind,
        FindingKind::Nondeterminism
            | FindingKind::Hang
            | FindingKind::StackOverflow
            | FindingKind::StepLimit
    )
}

/// `report`, with its finding's interleaving shrunk if a smaller one is found (see the module
/// documentation).
pub(crate) fn shrunk(config: &Config, f: &TestFn, test: Option<String>, report: Report) -> Report {
    let Some(first) = report.findings.first() else {
        return report;
    };
    if !config.shrink || report.preemptions == 0 || !shrinkable(first.kind) {
        return report;
    }
    let target = Target::of(first);
    // Executions and pruned alternatives of the shrinking searches, counted in the report.
    let (mut extra, mut extra_pruned) = (0, 0);
    let started = Instant::now();
    // What is left of the user's time budget (the search that found the bug spent the rest);
    // shrinking never makes the exploration overrun it.
    let left = config
        .time_budget
        .map(|budget| budget.saturating_sub(Duration::from_secs_f64(report.seconds)));
    // The smallest interleaving seen so far that a bounded search returned above its bound,
    // with that bound.
    let mut best: Option<(Report, u32)> = None;
    for bound in 0..report.preemptions.min(MAX_BOUND + 1) {
        // The reduced search first (cheap, though its first attempt, the unbounded search, may
        // return more preemptions than the bound), then the exact one without reduction.
        for reduction in [true, false] {
            let time = match left {
                Some(left) => left.saturating_sub(started.elapsed()).min(TIME_PER_BOUND),
                None => TIME_PER_BOUND,
            };
            if time.is_zero() {
                break;
            }
            let found = bounded_search(config, f, &test, (bound, reduction), time);
            extra += found.executions;
            extra_pruned += found.pruned;
            if !found.findings.first().is_some_and(|g| target.matches(g)) {
                continue;
            }
            if found.preemptions <= bound {
                return adopt(report, found, bound, (extra, extra_pruned));
            }
            let smaller = found.preemptions
                < best
                    .as_ref()
                    .map_or(report.preemptions, |(b, _)| b.preemptions);
            if smaller {
                best = Some((found, bound));
            }
        }
    }
    match best {
        Some((found, bound)) => adopt(report, found, bound, (extra, extra_pruned)),
        None => Report {
            executions: report.executions + extra,
            pruned: report.pruned + extra_pruned,
            ..report
        },
    }
}

/// A DFS of `f` within `bound` preemptions, with or without `reduction`, capped in executions
/// and at `time`.
fn bounded_search(
    config: &Config,
    f: &TestFn,
    test: &Option<String>,
    (bound, reduction): (u32, bool),
    time: Duration,
) -> Report {
    let mut bounded = config.clone();
    bounded.strategy = StrategyKind::Dfs;
    bounded.max_preemptions = Some(bound as usize);
    bounded.reduction = reduction;
    bounded.iterations = EXECUTIONS_PER_BOUND;
    bounded.time_budget = Some(time);
    bounded.shrink = false;
    let strategy = strategy::from_config(&bounded);
    worker::explore_on_worker(Run::new(bounded, f.clone(), strategy, "dfs", test.clone()))
}

/// The smaller execution `found` in place of `report`'s, with a note on the first finding; the
/// counts (executions, pruned alternatives) add up every search, shrinking's `extra` included.
fn adopt(
    report: Report,
    mut found: Report,
    bound: u32,
    (extra, extra_pruned): (u64, u64),
) -> Report {
    found.shrunk = Some(format!(
        "the interleaving shown has {} preemption{} and {} steps; the one found first had {} \
         and {} (a DFS bounded at {} preemption{} found the same finding again; shrinking ran \
         {} more executions; `--no-shrink` or CONC_CHECK_SHRINK=off shows the first)",
        found.preemptions,
        if found.preemptions == 1 { "" } else { "s" },
        found.execution_steps,
        report.preemptions,
        report.execution_steps,
        bound,
        if bound == 1 { "" } else { "s" },
        extra
    ));
    found.executions = report.executions + extra;
    found.pruned = report.pruned + extra_pruned;
    found.steps += report.steps;
    found.strategy = report.strategy;
    found.seed = report.seed;
    found.seconds += report.seconds;
    found.expect_panic = report.expect_panic;
    found.workers = report.workers;
    found
}
