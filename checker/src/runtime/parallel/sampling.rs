//! Sampling strategies on several workers: each worker runs the strategy with a seed of its own
//! (worker 0 the configured one) on its share of the executions.
//!
//! Which finding is reported does not depend on timing: it is the one with the lowest
//! (execution index, worker). When worker `w` finds one at its `i`-th execution, the workers
//! before `w` may still run up to `i` executions and those after it up to `i - 1`
//! ([`Shared::limit`]), and the lowest of what they find wins.
//!
//! The default portfolio is not split: its DFS rounds can prove a space, which needs the whole
//! budget on one worker. Worker 0 runs it as one worker would; the others run the portfolio's
//! sampling turns (race-directed steering and PCT) beside it with their own seeds, each up to
//! the same budget, and stop when worker 0 ends.

use std::sync::atomic::Ordering;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::merge;
use super::process::{send, Shared, Stall, WorkerProcess};
use super::FromWorker;
use crate::config::{Config, StrategyKind};
use crate::report::Report;
use crate::runtime::explorer::{Run, TestFn};
use crate::runtime::gate::Gate;
use crate::runtime::worker::{self, GRACE};
use crate::strategy::portfolio::Portfolio;
use crate::strategy::{self, Strategy};

/// Worker `worker`'s limit on its own executions, as a gate.
struct Limit {
    shared: Arc<Shared>,
    worker: usize,
}

impl Gate for Limit {
    fn stop(&self, executions: u64) -> bool {
        // What the parent watches for progress (`Stall`), at every execution: a count only
        // this worker writes, on a line of its own. (A shared count written every 64
        // executions looked like a stall to the parent when 64 long executions took longer
        // than its limit, four hang timeouts.)
        self.shared
            .progress(self.worker)
            .store(executions, Ordering::Relaxed);
        executions >= self.shared.limit(self.worker).load(Ordering::Relaxed)
    }
}

/// How often the parent looks whether the workers still make progress ([`Stall`]).
const LOOK_STALL: Duration = Duration::from_secs(1);

/// The seed of worker `worker`: the configured one for worker 0, a well-mixed other for the rest.
pub(super) fn seed_of(seed: u64, worker: usize) -> u64 {
    if worker == 0 {
        return seed;
    }
    // SplitMix64's finaliser over the seed and the worker.
    let mut z = seed ^ (worker as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// The executions worker `worker` of `workers` runs out of `total`.
pub(super) fn share(total: u64, workers: usize, worker: usize) -> u64 {
    let n = workers as u64;
    total / n + u64::from((worker as u64) < total % n)
}

/// The configuration and strategy of worker `worker` of `workers` (counted over every part of
/// a split exploration).
fn plan(config: &Config, workers: usize, worker: usize) -> (Config, Box<dyn Strategy>) {
    let mut mine = config.clone();
    mine.seed = seed_of(config.seed, worker);
    if config.strategy == StrategyKind::Portfolio {
        let strategy: Box<dyn Strategy> = if worker == 0 {
            Box::new(Portfolio::new(&mine))
        } else {
            Box::new(Portfolio::sampling_only(&mine))
        };
        return (mine, strategy);
    }
    mine.iterations = share(config.iterations, workers, worker);
    let strategy = strategy::from_config(&mine);
    (mine, strategy)
}

/// Explores `f` with a sampling strategy on `workers` worker processes; `None` when they could
/// not be started.
pub(super) fn explore(
    config: &Config,
    f: &TestFn,
    test: Option<&str>,
    workers: usize,
) -> Option<Report> {
    explore_range(config, f, test, 0..workers, workers)
}

/// Explores `f` as the workers `range` of `total` (the others run in other parts of a split
/// exploration), one process each; `None` when they could not be started.
pub(super) fn explore_range(
    config: &Config,
    f: &TestFn,
    test: Option<&str>,
    range: std::ops::Range<usize>,
    total: usize,
) -> Option<Report> {
    let started = Instant::now();
    let workers = range.len();
    let shared = Arc::new(Shared::new().ok()?);
    let (inbox, answers) = mpsc::channel();
    let mut processes = Vec::new();
    for worker in 0..workers {
        let (mine, strategy) = plan(config, total, range.start + worker);
        shared
            .limit(worker)
            .store(mine.iterations, Ordering::Relaxed);
        let gate = Arc::new(Limit {
            shared: shared.clone(),
            worker,
        });
        let (f, test) = (f.clone(), test.map(str::to_string));
        let label = config.strategy.to_string();
        let body = move |mut stream| {
            let report =
                worker::explore_on_worker(Run::new(mine, f, strategy, label, test).gated(gate));
            let _ = send(&mut stream, &FromWorker::Explored(Box::new(report)));
        };
        processes.push(WorkerProcess::fork_into(body, inbox.clone())?);
    }
    let mut reports: Vec<Option<Report>> = vec![None; workers];
    let mut problem = None;
    let hard_end = config.time_budget.map(|b| started + b + GRACE * 2);
    let mut stall = Stall::new(config.hang_timeout);
    let mut answered = 0;
    while answered < workers {
        let wait = hard_end.map_or(LOOK_STALL, |end| {
            end.saturating_duration_since(Instant::now())
                .min(LOOK_STALL)
        });
        let (pid, message) = match answers.recv_timeout(wait) {
            Ok(answer) => answer,
            Err(RecvTimeoutError::Timeout) => {
                if hard_end.is_some_and(|end| Instant::now() >= end) {
                    problem.get_or_insert_with(|| {
                        "a worker process did not report within the time budget and its grace \
                         period; it was ended, and its executions are not counted"
                            .to_string()
                    });
                    break;
                }
                if stall.stalled(shared.progress_total()) {
                    problem.get_or_insert_with(|| {
                        stall.ended_workers(
                            "the executions of those that had not reported are not counted",
                        )
                    });
                    break;
                }
                continue;
            }
            Err(_) => break,
        };
        let Some(worker) = processes.iter().position(|p| p.pid == pid) else {
            continue;
        };
        match message {
            // A worker's socket closes after its report: only one that closes first was lost.
            None if reports[worker].is_some() => continue,
            Some(FromWorker::Event(_)) => continue,
            _ => answered += 1,
        }
        match message {
            Some(FromWorker::Explored(report)) => {
                let report = *report;
                if !report.findings.is_empty() {
                    let found_at = report.executions;
                    for other in (0..workers).filter(|o| *o != worker) {
                        let limit = if other < worker {
                            found_at
                        } else {
                            found_at - 1
                        };
                        shared.lower_limit(other, limit);
                    }
                } else if range.start + worker == 0 && config.strategy == StrategyKind::Portfolio {
                    // The proof search ended: the samplers beside it stop too.
                    (1..workers).for_each(|other| shared.lower_limit(other, 0));
                }
                reports[worker] = Some(report);
            }
            _ => {
                problem.get_or_insert_with(|| processes[worker].lost("its executions"));
            }
        }
    }
    drop(processes);
    if answered < workers {
        problem.get_or_insert_with(|| {
            "a worker process ended without reporting; its executions are not counted".to_string()
        });
    }
    let mut report = merge::sampling(config, reports, problem);
    report.seconds = started.elapsed().as_secs_f64();
    Some(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_execution_shows_progress_to_the_stall_watch() {
        let shared = Arc::new(Shared::new().unwrap());
        shared.limit(0).store(u64::MAX, Ordering::Relaxed);
        shared.limit(1).store(3, Ordering::Relaxed);
        let (a, b) = (
            Limit {
                shared: shared.clone(),
                worker: 0,
            },
            Limit {
                shared: shared.clone(),
                worker: 1,
            },
        );
        let mut seen = Vec::new();
        for executions in 1..=3 {
            assert!(!a.stop(executions));
            seen.push(shared.progress_total());
        }
        assert_eq!(
            seen,
            [1, 2, 3],
            "each execution moves the count, not one in 64"
        );
        assert!(b.stop(3), "worker 1 reached its limit");
        assert_eq!(shared.progress_total(), 6);
    }

    #[test]
    fn shares_add_up_and_differ_by_at_most_one() {
        for (total, workers) in [(10_000, 2), (7, 3), (1, 4)] {
            let shares: Vec<u64> = (0..workers).map(|w| share(total, workers, w)).collect();
            assert_eq!(shares.iter().sum::<u64>(), total);
            assert!(shares.iter().max().unwrap() - shares.iter().min().unwrap() <= 1);
        }
    }

    #[test]
    fn worker_zero_keeps_the_seed_and_the_others_get_distinct_ones() {
        assert_eq!(seed_of(42, 0), 42);
        let seeds: std::collections::HashSet<u64> = (0..64).map(|w| seed_of(42, w)).collect();
        assert_eq!(seeds.len(), 64);
    }
}
