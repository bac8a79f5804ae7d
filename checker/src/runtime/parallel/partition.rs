//! One part of an exploration split between CI jobs (`CONC_CHECK_PARTITION=K/N`); the jobs'
//! reports are combined by `conc_check_core::parts::merge_parts` (`cargo conc-check merge`).
//!
//! - Sampling strategies: part `K` of `N` with `m` workers runs the workers `(K-1)·m ..
//!   K·m` of `N·m`, with their seeds and their shares of the executions; the default
//!   portfolio's proof search runs whole in part 1, the other parts sample beside it.
//! - An unbounded DFS: every part first splits the search the same way, without talking to the
//!   others: it probes the first points of the tree (one execution per option) and makes every
//!   option of them a subtree of its own, each sleeping the options before it at its point with
//!   the steps they took there (the probes saw them), as the sequential search would. Points
//!   are split level by level until there are [`SUBTREES_PER_PART`] subtrees per part (or
//!   [`MAX_SPLIT_DEPTH`] levels); part `K` explores the subtrees whose index is `K - 1` modulo
//!   `N`, on its workers ([`super::search`]), and forwards nothing above the split (every
//!   option there is some part's subtree). Exploring every option at the split points costs
//!   executions that reduction would have saved; a part's report says how many subtrees it had.
//! - A DFS under a preemption bound is not split: every part runs it whole.

use std::sync::{Arc, Mutex};

use super::search::{self, Start};
use super::{sampling, worker_count};
use crate::config::{Config, ExplorationPart, StrategyKind};
use crate::report::{Report, ReportPart};
use crate::runtime::explorer::{Run, TestFn};
use crate::runtime::worker;
use crate::strategy::dfs::Dfs;
use crate::strategy::frontier::{FrontierEvent, FrontierItem, PrefixStep, Split};
use crate::strategy::sleep::Footprint;

/// Subtrees the split aims at for each part: enough that parts get similar shares.
const SUBTREES_PER_PART: usize = 8;

/// The most levels of points split.
const MAX_SPLIT_DEPTH: usize = 8;

/// Explores part `part` of `f`; `None` when it should run as a whole exploration (the caller
/// then marks the report as the part).
pub(super) fn explore(
    config: &Config,
    f: &TestFn,
    test: Option<&str>,
    part: ExplorationPart,
) -> Option<Report> {
    let workers = worker_count(config);
    let mut mark = ReportPart {
        index: part.index,
        count: part.count,
        ..ReportPart::default()
    };
    let mut report = match config.strategy {
        _ if super::bounded_dfs(config) => return None,
        StrategyKind::Dfs => {
            let split = split(config, f, test, part.count as usize);
            let subtrees = split.items.len();
            let mine: Vec<FrontierItem> = split
                .items
                .into_iter()
                .enumerate()
                .filter(|(i, _)| i % part.count as usize == part.index as usize - 1)
                .map(|(_, item)| item)
                .collect();
            mark.subtrees = subtrees as u64;
            mark.explored = mine.len() as u64;
            let start = Start {
                items: mine,
                frozen: split.depth,
            };
            let (mut report, fairness) = if start.items.is_empty() {
                let empty = Report {
                    complete: true,
                    ..Report::default()
                };
                (empty, false)
            } else {
                search::explore_items(config, f, test, workers, start)?
            };
            report.executions += split.executions;
            // Without sleepers at the split points (the probes saw hiding), the parts do not
            // depend on each other's sleep sets.
            mark.fairness_engaged = fairness && !split.fairness;
            report.strategy = config.strategy.to_string();
            report.seed = config.seed;
            report
        }
        _ => {
            let first = (part.index as usize - 1) * workers;
            let total = part.count as usize * workers;
            sampling::explore_range(config, f, test, first..first + workers, total)?
        }
    };
    report.part = Some(mark);
    Some(report)
}

/// The split every part makes alike.
struct SplitTree {
    /// The subtrees, in the sequential search's order.
    items: Vec<FrontierItem>,
    /// The depth of the split points.
    depth: usize,
    /// The probes run.
    executions: u64,
    /// A probe saw the fair scheduler hide a thread.
    fairness: bool,
}

/// What one probe saw.
#[derive(Default)]
struct Probe {
    /// The options at the point after the prefix (`None`: the execution ended before one).
    options: Option<Vec<(u32, u32)>>,
    /// The step the prefix's last option took.
    footprint: Option<Footprint>,
    fairness: bool,
}

/// Runs one execution along `item`'s prefix and says what it saw there.
fn probe(config: &Config, f: &TestFn, test: Option<&str>, item: &FrontierItem) -> Probe {
    let seen = Arc::new(Mutex::new(Probe::default()));
    let sink = seen.clone();
    let emit = Arc::new(move |event: FrontierEvent| {
        let Ok(mut seen) = sink.lock() else { return };
        match event {
            FrontierEvent::Options { options } => seen.options = Some(options),
            FrontierEvent::Footprint { footprint, .. } => seen.footprint = Some(footprint),
            FrontierEvent::FairnessEngaged => seen.fairness = true,
            _ => {}
        }
    });
    let mut one = config.clone();
    one.iterations = 1;
    let split = Split {
        item: item.clone(),
        emit,
        asked: Arc::new(|| false),
        probe: true,
    };
    worker::explore_on_worker(Run::new(
        one,
        f.clone(),
        Box::new(Dfs::split_part(config.reduction, split)),
        "dfs",
        test.map(str::to_string),
    ));
    let mut seen = seen
        .lock()
        .map(|mut s| std::mem::take(&mut *s))
        .unwrap_or_default();
    if item.sleepless {
        seen.footprint = None;
    }
    seen
}

/// Splits the search into subtrees for `parts` parts (see the module documentation).
fn split(config: &Config, f: &TestFn, test: Option<&str>, parts: usize) -> SplitTree {
    let mut tree = SplitTree {
        items: vec![FrontierItem::root()],
        depth: 0,
        executions: 0,
        fairness: false,
    };
    // What the probe of each item of the current level saw there.
    let mut seen = vec![probe(config, f, test, &tree.items[0])];
    tree.executions += 1;
    while tree.items.len() < SUBTREES_PER_PART * parts && tree.depth < MAX_SPLIT_DEPTH {
        let mut items = Vec::new();
        let mut next_seen = Vec::new();
        for (item, saw) in tree.items.iter().zip(seen) {
            tree.fairness |= saw.fairness;
            let Some(options) = saw.options else {
                // A path that ended before this depth: its one execution is its subtree.
                items.push(item.clone());
                next_seen.push(Probe::default());
                continue;
            };
            let mut earlier: Vec<(u32, Option<Footprint>)> = Vec::new();
            for (option, index) in options {
                let mut prefix = item.prefix.clone();
                prefix.push(PrefixStep {
                    option,
                    index,
                    earlier: earlier.clone(),
                });
                let child = FrontierItem {
                    prefix,
                    sleepless: item.sleepless,
                };
                let saw = probe(config, f, test, &child);
                tree.executions += 1;
                earlier.push((option, saw.footprint.clone()));
                items.push(child);
                next_seen.push(saw);
            }
        }
        let grew = items.len() > tree.items.len();
        tree.items = items;
        seen = next_seen;
        tree.depth += 1;
        if !grew {
            break;
        }
    }
    tree.fairness |= seen.iter().any(|s| s.fairness);
    if tree.fairness {
        // Sleep sets do not hold in this program: no option sleeps at the split points, in any
        // part (every part probes alike and sees the same).
        tree.items = tree
            .items
            .into_iter()
            .map(FrontierItem::without_sleepers)
            .collect();
    }
    tree
}
