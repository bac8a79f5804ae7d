//! One exploration on several worker processes (`Config::workers`, `CONC_CHECK_WORKERS`,
//! `cargo conc-check --workers`).
//!
//! - [`process`]: workers are forked copies of the test process ([`process::WorkerProcess`]),
//!   so they share nothing an execution mutates; the parent only coordinates.
//! - [`sampling`]: random walks, PCT and race-directed steering split their executions between
//!   workers with independent seeds; the default portfolio keeps its proof search on worker 0
//!   and the others sample beside it.
//! - [`search`]: an unbounded DFS is split into subtrees (`strategy::frontier`) that idle
//!   workers take from a shared queue, ordered as the sequential search would run them.
//!
//! In both, the reported finding does not depend on which worker was faster: the lowest
//! (execution index, worker) for sampling, the first subtree in the sequential search's order
//! for DFS. The finding's schedule replays on one worker like any other, and shrinking runs
//! afterwards on one (`runtime::shrink`).

mod claims;
mod merge;
mod partition;
mod process;
mod sampling;
mod search;

use serde::{Deserialize, Serialize};

use super::explorer::{Run, TestFn};
use super::worker;
use crate::config::{Config, StrategyKind};
use crate::report::Report;
use crate::strategy;
use crate::strategy::frontier::{FrontierEvent, FrontierItem};

/// What the parent tells a worker.
#[derive(Serialize, Deserialize)]
enum ToWorker {
    /// Explore this subtree of the search and report it.
    Explore(FrontierItem),
}

/// What a worker tells the parent.
#[derive(Serialize, Deserialize)]
enum FromWorker {
    /// Something the split search found on the way (a subtree for others, fairness engaged).
    Event(FrontierEvent),
    /// The report of the part the worker was given.
    Explored(Box<Report>),
}

/// Explores `f` as the configuration says: on several workers when it asks for more than one
/// and the strategy can share its work, as one part of a split exploration when it names one,
/// and otherwise on this process alone (one worker, a replay, a DFS under a preemption bound,
/// no way to fork).
pub(crate) fn explore(config: &Config, f: &TestFn, test: Option<&str>) -> Report {
    if config.replay.is_some() {
        return one_worker(config, f, test);
    }
    let part = config.effective_partition();
    if let Some(part) = part {
        if let Some(report) = partition::explore(config, f, test, part) {
            return with_workers(report, worker_count(config));
        }
    }
    // Not split: the whole exploration, which every part runs.
    let mut whole = on_workers(config, f, test).unwrap_or_else(|| one_worker(config, f, test));
    whole.part = part.map(|part| crate::report::ReportPart {
        index: part.index,
        count: part.count,
        ..Default::default()
    });
    whole
}

/// A DFS under a preemption bound: its two searches (`strategy::bounded`) are neither shared
/// between workers nor split between parts.
fn bounded_dfs(config: &Config) -> bool {
    config.strategy == StrategyKind::Dfs && config.max_preemptions.is_some()
}

/// The exploration on several workers; `None` when it runs on one.
fn on_workers(config: &Config, f: &TestFn, test: Option<&str>) -> Option<Report> {
    let workers = worker_count(config);
    if workers < 2 {
        return None;
    }
    if bounded_dfs(config) {
        return None;
    }
    let report = match config.strategy {
        StrategyKind::Dfs => search::explore(config, f, test, workers),
        _ => sampling::explore(config, f, test, workers),
    };
    report.map(|r| with_workers(r, workers))
}

fn with_workers(mut report: Report, workers: usize) -> Report {
    report.workers = u32::try_from(workers).unwrap_or(u32::MAX);
    report
}

/// The exploration on this process alone.
fn one_worker(config: &Config, f: &TestFn, test: Option<&str>) -> Report {
    worker::explore_on_worker(Run::new(
        config.clone(),
        f.clone(),
        strategy::from_config(config),
        config.strategy.to_string(),
        test.map(str::to_string),
    ))
}

/// The workers the configuration asks for, by default the available cores divided by the
/// tests libtest runs at once.
fn worker_count(config: &Config) -> usize {
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    config.effective_workers(cores, libtest_threads())
}

/// How many tests libtest runs at once, when this is a libtest test (its thread is named after
/// the test): `--test-threads`, else `RUST_TEST_THREADS`, else the available cores (libtest's
/// own default).
fn libtest_threads() -> Option<usize> {
    crate::report::dir::current_test()?;
    let args: Vec<String> = std::env::args().collect();
    let from_args = args.iter().enumerate().find_map(|(i, a)| {
        a.strip_prefix("--test-threads=")
            .map(str::to_string)
            .or_else(|| (a == "--test-threads").then(|| args.get(i + 1).cloned())?)
    });
    let named = from_args.or_else(|| std::env::var("RUST_TEST_THREADS").ok());
    Some(
        named
            .and_then(|n| n.trim().parse().ok())
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, usize::from)),
    )
}
