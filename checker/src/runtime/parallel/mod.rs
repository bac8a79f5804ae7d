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
mod process;
mod sampling;
mod search;

use serde::{Deserialize, Serialize};

use super::explorer::TestFn;
use crate::config::{Config, StrategyKind};
use crate::report::Report;
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

/// Explores `f` on several workers when the configuration asks for more than one and the
/// strategy can share its work; `None` when the exploration should run on this process alone
/// (one worker, a replay, a DFS under a preemption bound, or no way to fork).
pub(crate) fn explore(config: &Config, f: &TestFn, test: Option<&str>) -> Option<Report> {
    let workers = worker_count(config);
    if workers < 2 || config.replay.is_some() {
        return None;
    }
    let report = match config.strategy {
        // The bounded search's two phases (`strategy::bounded`) are not split.
        StrategyKind::Dfs if config.max_preemptions.is_some() => return None,
        StrategyKind::Dfs => search::explore(config, f, test, workers),
        _ => sampling::explore(config, f, test, workers),
    };
    report.map(|mut report| {
        report.workers = u32::try_from(workers).unwrap_or(u32::MAX);
        report
    })
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
