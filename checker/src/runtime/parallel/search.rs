//! An unbounded DFS shared by workers through work stealing (`strategy::frontier`).
//!
//! The parent holds the queue of items and the claims at shared points ([`Claims`]). A worker
//! explores one item at a time as a search of its own. Once the search has run
//! `SHARE_AFTER` executions, an idle worker with nothing queued makes the parent ask a busy
//! one (the one on the first item in order) for work, through a flag in shared memory the
//! worker reads between executions. Everything a worker sends about an item comes before the
//! item's report on the same socket, so the parent never sees a worker idle while work it
//! produced is still in flight. The search is over when the queue is empty and every worker
//! idle.
//!
//! - A finding in item `s` ends every item after `s` (their workers are replaced by fresh
//!   forks) while those before it run on: the reported finding is the first, in the sequential
//!   search's order, of the items explored.
//! - When the fair scheduler hides a thread once work has been shared, sleep sets are unsound
//!   for the rest of the search (`Strategy::fairness_engaged`), including what other workers
//!   run at the same time: the search starts again from the root without them, on fresh
//!   workers (the executions run so far still count). Before any sharing the one worker just
//!   goes on without them, as a single search does.
//! - The execution budget is shared ([`Shared::started`]): every execution started by any
//!   worker counts, abandoned ones included.

use std::collections::BTreeMap;
use std::os::unix::net::UnixStream;
use std::sync::atomic::Ordering;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::claims::Claims;
use super::merge::{self, Part};
use super::process::{receive, send, Inbox, Shared, Stall, WorkerProcess};
use super::{FromWorker, ToWorker};
use crate::config::Config;
use crate::report::Report;
use crate::runtime::explorer::{budget_ran_out, Run, TestFn};
use crate::runtime::gate::Gate;
use crate::runtime::worker::{self, GRACE};
use crate::strategy::dfs::Dfs;
use crate::strategy::frontier::{point_of, FrontierEvent, FrontierItem, Split};

/// Executions the search runs on one worker before it shares work: a search smaller than that
/// is over before another worker would have paid for itself. `Config::share_after` sets another,
/// for the property tests' small programs.
const SHARE_AFTER: u64 = 200;

/// How often the parent looks again while a worker waits for work to be shared.
const LOOK_AGAIN: Duration = Duration::from_millis(2);

/// How often the parent looks whether the workers still make progress ([`Stall`]).
const LOOK_STALL: Duration = Duration::from_secs(1);

/// A worker as the coordinator sees it.
struct Slot {
    process: WorkerProcess,
    /// The key of the item it explores, if any.
    busy: Option<Vec<u32>>,
    /// The point that item starts from and the option it takes there (none for the root).
    root: Option<(Vec<u32>, u32)>,
    /// It had nothing to give when last asked; not asked again before this.
    dry_until: Option<Instant>,
}

type Mailbox = (Inbox, Receiver<(libc::pid_t, Option<FromWorker>)>);

/// The coordinator's state.
struct Coordinator<'a> {
    config: &'a Config,
    f: &'a TestFn,
    test: Option<&'a str>,
    shared: Arc<Shared>,
    deadline: Option<Instant>,
    slots: Vec<Option<Slot>>,
    /// Messages from every worker, tagged with its process id (`None`: its socket closed).
    inbox: Mailbox,
    queue: BTreeMap<Vec<u32>, FrontierItem>,
    claims: Claims,
    /// Reports of the items explored, by key.
    done: BTreeMap<Vec<u32>, Report>,
    /// The key of the first item with a finding.
    first_finding: Option<Vec<u32>>,
    /// The worker asked for work and not answered yet.
    asked: Option<usize>,
    /// Sleep sets are off everywhere (fairness engaged).
    sleepless: bool,
    /// Executions before work is shared ([`SHARE_AFTER`]).
    share_after: u64,
    /// The items the search started from (the root, or a part's subtrees), for a restart.
    start: Vec<FrontierItem>,
    /// Points above this depth are explored option by option by the items (a part's split):
    /// nothing is forwarded there.
    frozen: usize,
    /// The fair scheduler hid a thread somewhere.
    fairness_seen: bool,
    /// Why the search is not to be trusted, if something went wrong with a worker.
    problem: Option<String>,
}

/// Explores `f` with an unbounded DFS on `workers` worker processes; `None` when they could not
/// be started.
pub(super) fn explore(
    config: &Config,
    f: &TestFn,
    test: Option<&str>,
    workers: usize,
) -> Option<Report> {
    let start = Start {
        items: vec![FrontierItem::root()],
        frozen: 0,
    };
    let (report, _) = explore_items(config, f, test, workers, start)?;
    Some(with_space_estimate(config, f, test, report))
}

/// A search that used up its executions without a finding, estimated as one worker would
/// (`runtime::space_estimate`): Knuth's probes, run here once the workers are gone, counted in
/// its executions.
fn with_space_estimate(config: &Config, f: &TestFn, test: Option<&str>, report: Report) -> Report {
    let stopped_at_budget = report.findings.is_empty()
        && !report.complete
        && report.stopped_because.is_none()
        && report.executions >= config.iterations;
    if !stopped_at_budget {
        return report;
    }
    let probed = worker::explore_on_worker(Run::probes_only(
        config.clone(),
        f.clone(),
        test.map(str::to_string),
        report.executions,
        report.pruned,
    ));
    let mut whole = Report {
        executions: report.executions + probed.executions,
        steps: report.steps + probed.steps,
        seconds: report.seconds + probed.seconds,
        space_estimate: probed.space_estimate.clone(),
        stopped_because: probed.stopped_because.clone(),
        ..report
    };
    if !probed.findings.is_empty() {
        whole.adopt_findings(probed);
    }
    whole
}

/// Where a shared search starts.
pub(super) struct Start {
    /// Its items: the root, or the subtrees of one part of a split exploration.
    pub items: Vec<FrontierItem>,
    /// The depth above which every option was made an item of its own (0: none).
    pub frozen: usize,
}

/// Explores the subtrees `start` names on `workers` worker processes; the report, and whether
/// the fair scheduler hid a thread somewhere; `None` when the workers could not be started.
pub(super) fn explore_items(
    config: &Config,
    f: &TestFn,
    test: Option<&str>,
    workers: usize,
    start: Start,
) -> Option<(Report, bool)> {
    let started = Instant::now();
    let shared = Arc::new(Shared::new().ok()?);
    // Items made without sleep sets (the split saw hiding) make the whole search go without.
    let sleepless = !config.reduction || start.items.iter().any(|i| i.sleepless);
    let items: Vec<FrontierItem> = match sleepless {
        true => start
            .items
            .into_iter()
            .map(FrontierItem::without_sleepers)
            .collect(),
        false => start.items,
    };
    let mut c = Coordinator {
        config,
        f,
        test,
        shared,
        deadline: config.time_budget.map(|b| started + b),
        slots: Vec::new(),
        inbox: mpsc::channel(),
        queue: BTreeMap::new(),
        claims: Claims::default(),
        done: BTreeMap::new(),
        first_finding: None,
        asked: None,
        sleepless,
        share_after: config.share_after.unwrap_or(SHARE_AFTER),
        start: items.clone(),
        frozen: start.frozen,
        fairness_seen: false,
        problem: None,
    };
    for index in 0..workers {
        let slot = c.fork(index)?;
        c.slots.push(Some(slot));
    }
    for item in items {
        c.enqueue(item);
    }
    c.run();
    c.slots.clear();
    let executions = c.shared.started().load(Ordering::Relaxed);
    let parts: Vec<Part> = std::mem::take(&mut c.done)
        .into_iter()
        .map(|(key, report)| Part { key, report })
        .collect();
    let mut report = merge::search(config, parts, executions, c.problem.take());
    report.seconds = started.elapsed().as_secs_f64();
    Some((report, c.fairness_seen))
}

impl Coordinator<'_> {
    /// Hands work out and takes answers in until nothing is left.
    fn run(&mut self) {
        let mut stall = Stall::new(self.config.hang_timeout);
        loop {
            self.assign();
            let idle = self
                .slots
                .iter()
                .flatten()
                .filter(|s| s.busy.is_none())
                .count();
            if idle == self.slots.iter().flatten().count() && self.queue.is_empty() {
                // Items still waiting for footprints nobody will send now go out as they are.
                let released = self.claims.release_all(self.sleepless);
                if released.is_empty() {
                    return;
                }
                released.into_iter().for_each(|item| self.enqueue(item));
                continue;
            }
            if self.slots.iter().all(Option::is_none) {
                self.problem
                    .get_or_insert_with(|| "no worker process is left".into());
                return;
            }
            let waiting_for_work = idle > 0 && self.queue.is_empty();
            if waiting_for_work {
                self.ask_for_work();
            }
            let hard_end = self.deadline.map(|end| end + GRACE * 2);
            let wait = match hard_end {
                _ if waiting_for_work && self.asked.is_none() => LOOK_AGAIN,
                Some(end) => end
                    .saturating_duration_since(Instant::now())
                    .min(LOOK_STALL),
                None => LOOK_STALL,
            };
            if stall.stalled(self.shared.started().load(Ordering::Relaxed)) {
                self.problem =
                    Some(stall.ended_workers("what they had not finished is not checked"));
                return;
            }
            match self.inbox.1.recv_timeout(wait) {
                Ok((pid, message)) => self.take(pid, message),
                Err(RecvTimeoutError::Timeout) if hard_end.is_some_and(|e| Instant::now() >= e) => {
                    self.problem = Some(
                        "a worker process did not report within the time budget and its grace \
                         period; it was ended, and what it explored is not counted"
                            .into(),
                    );
                    return;
                }
                Err(_) => {}
            }
        }
    }

    /// Gives queued items to idle workers, first in order first.
    fn assign(&mut self) {
        for index in 0..self.slots.len() {
            let Some(slot) = self.slots[index].as_mut().filter(|s| s.busy.is_none()) else {
                continue;
            };
            let Some((key, item)) = self.queue.pop_first() else {
                return;
            };
            let root = item
                .prefix
                .split_last()
                .map(|(last, path)| (point_of(path), last.option));
            if send(&mut slot.process.stream, &ToWorker::Explore(item.clone())).is_err() {
                // The worker is gone before it took the item: another one will.
                self.queue.insert(key, item);
                self.lost(index);
                continue;
            }
            slot.busy = Some(key);
            slot.root = root;
            slot.dry_until = None;
        }
    }

    /// Asks the busy worker on the first item in order (which has the most left, usually) to
    /// give some of it away, once the search is large enough to share.
    fn ask_for_work(&mut self) {
        if self.asked.is_some() || self.shared.started().load(Ordering::Relaxed) < self.share_after
        {
            return;
        }
        let now = Instant::now();
        let candidate = self
            .slots
            .iter()
            .enumerate()
            .filter_map(|(i, s)| Some((i, s.as_ref()?)))
            .filter(|(_, s)| s.dry_until.is_none_or(|t| now >= t))
            .filter_map(|(i, s)| Some((s.busy.clone()?, i)))
            .min();
        if let Some((_, index)) = candidate {
            self.shared.limit(index).store(1, Ordering::Relaxed);
            self.asked = Some(index);
        }
    }

    /// Handles one message of worker `pid`.
    fn take(&mut self, pid: libc::pid_t, message: Option<FromWorker>) {
        let Some(index) = self
            .slots
            .iter()
            .position(|s| s.as_ref().is_some_and(|s| s.process.pid == pid))
        else {
            return; // A worker replaced since: what it says no longer counts.
        };
        match message {
            Some(FromWorker::Event(event)) => self.event(index, event),
            Some(FromWorker::Explored(report)) => {
                let report = *report;
                if self.asked == Some(index) {
                    self.asked = None;
                    self.shared.limit(index).store(0, Ordering::Relaxed);
                }
                let (key, root) = self.slots[index]
                    .as_mut()
                    .map(|s| (s.busy.take().unwrap_or_default(), s.root.take()))
                    .unwrap_or_default();
                if let Some((point, option)) = root {
                    for item in self.claims.ended(point, option, self.sleepless) {
                        self.enqueue(item);
                    }
                }
                if !report.findings.is_empty()
                    && self.first_finding.as_ref().is_none_or(|f| key < *f)
                {
                    self.first_finding = Some(key.clone());
                    self.cancel_after(&key);
                }
                self.done.insert(key, report);
            }
            None => self.lost(index),
        }
    }

    /// Handles what worker `index`'s search said on the way.
    fn event(&mut self, index: usize, event: FrontierEvent) {
        match event {
            FrontierEvent::Donated { item, shared } => {
                self.asked = None;
                self.claims.share(shared);
                self.enqueue(item);
            }
            FrontierEvent::NothingToGive => {
                self.asked = None;
                if let Some(slot) = self.slots[index].as_mut() {
                    slot.dry_until = Some(Instant::now() + LOOK_AGAIN * 5);
                }
            }
            FrontierEvent::Forward { prefix, .. } if prefix.len() < self.frozen => {}
            FrontierEvent::Forward {
                prefix,
                options,
                value,
            } => {
                for item in self.claims.claim(&prefix, &options, value, self.sleepless) {
                    self.enqueue(item);
                }
            }
            FrontierEvent::Footprint {
                point,
                option,
                footprint,
            } => {
                for item in self
                    .claims
                    .footprint(point, option, footprint, self.sleepless)
                {
                    self.enqueue(item);
                }
            }
            FrontierEvent::FairnessEngaged => self.fairness_engaged(),
            FrontierEvent::Options { .. } => {}
        }
    }

    /// Queues `item`, unless it comes after a finding or from before sleep sets went off.
    fn enqueue(&mut self, item: FrontierItem) {
        let key = item.key();
        if self.first_finding.as_ref().is_some_and(|f| key > *f) {
            return;
        }
        // Once sleep sets are off, nothing sleeps; an item made without them (reduction off,
        // or by a worker that saw hiding first) is explored as it is, which only explores more.
        let item = match self.sleepless && !item.sleepless {
            true => item.without_sleepers(),
            false => item,
        };
        self.queue.insert(key, item);
    }

    /// Sleep sets are off from now on: alone, the worker goes on without them; once work has
    /// been shared, everything starts again without them.
    fn fairness_engaged(&mut self) {
        self.fairness_seen = true;
        if self.sleepless {
            return;
        }
        self.sleepless = true;
        if self.first_finding.is_some() {
            // A bug found with sleep sets on is still a bug: the search ends with it (the
            // subtrees before it run on, without sleep sets from now on).
            return;
        }
        let alone = self.start.len() == 1 && self.claims.is_empty();
        if alone && self.queue.is_empty() && self.done.is_empty() {
            return;
        }
        self.queue.clear();
        self.done.clear();
        self.claims = Claims::default();
        self.first_finding = None;
        (0..self.slots.len()).for_each(|index| self.replace(index));
        for item in std::mem::take(&mut self.start) {
            self.enqueue(item.without_sleepers());
        }
    }

    /// A worker ended without reporting its item: the search has a hole.
    fn lost(&mut self, index: usize) {
        if let Some(mut slot) = self.slots[index].take() {
            let before_finding =
                |key: &Vec<u32>| self.first_finding.as_ref().is_none_or(|f| key < f);
            if slot.busy.as_ref().is_some_and(before_finding) && self.problem.is_none() {
                self.problem = Some(slot.process.lost("the part of the search it was exploring"));
            }
        }
        self.replace(index);
    }

    /// Kills worker `index` (if it still runs) and forks a fresh one in its place, with no
    /// request for work pending.
    fn replace(&mut self, index: usize) {
        self.slots[index] = None;
        if self.asked == Some(index) {
            self.asked = None;
        }
        self.shared.limit(index).store(0, Ordering::Relaxed);
        self.slots[index] = self.fork(index);
    }

    /// Drops the items after `key`: queued ones, and running ones (their workers replaced).
    fn cancel_after(&mut self, key: &Vec<u32>) {
        self.queue.retain(|k, _| k < key);
        self.done.retain(|k, _| k <= key);
        for index in 0..self.slots.len() {
            let running_after = self.slots[index]
                .as_ref()
                .and_then(|s| s.busy.as_ref())
                .is_some_and(|k| k > key);
            if running_after {
                self.replace(index);
            }
        }
    }

    /// Forks worker `index` and the thread that reads what it sends.
    fn fork(&self, index: usize) -> Option<Slot> {
        let (config, f) = (self.config.clone(), self.f.clone());
        let (shared, deadline) = (self.shared.clone(), self.deadline);
        let test = self.test.map(str::to_string);
        let body = move |stream| serve(stream, &config, &f, test, &shared, index, deadline);
        let process = WorkerProcess::fork_into(body, self.inbox.0.clone())?;
        Some(Slot {
            process,
            busy: None,
            root: None,
            dry_until: None,
        })
    }
}

/// The shared execution budget, as a gate.
struct SharedBudget {
    shared: Arc<Shared>,
    budget: u64,
}

impl Gate for SharedBudget {
    fn stop(&self, _executions: u64) -> bool {
        // Check and claim in one step: a load of the executions started, then an add once one
        // started, let two workers both see the last execution free and run one past the
        // budget. Claims are counted apart, so that what has started (which the coordinator
        // watches for progress and for when to share work) counts as before.
        let claimed = self.shared.claimed();
        if claimed.fetch_add(1, Ordering::Relaxed) >= self.budget {
            claimed.fetch_sub(1, Ordering::Relaxed);
            return true;
        }
        false
    }

    fn started(&self) {
        self.shared.started().fetch_add(1, Ordering::Relaxed);
    }

    fn unused(&self) {
        self.shared.claimed().fetch_sub(1, Ordering::Relaxed);
    }
}

/// A worker's life: explores the items the parent sends until the parent goes away.
fn serve(
    stream: UnixStream,
    config: &Config,
    f: &TestFn,
    test: Option<String>,
    shared: &Arc<Shared>,
    index: usize,
    deadline: Option<Instant>,
) {
    let Ok(mut reader) = stream.try_clone() else {
        return;
    };
    let writer = Arc::new(Mutex::new(stream));
    while let Ok(Some(ToWorker::Explore(item))) = receive::<ToWorker>(&mut reader) {
        let out = writer.clone();
        let emit = Arc::new(move |event: FrontierEvent| {
            if let Ok(mut stream) = out.lock() {
                let _ = send(&mut *stream, &FromWorker::Event(event));
            }
        });
        let flags = shared.clone();
        // Read before writing: the search asks at every execution, and a write each time
        // would bounce the counters' cache line between the workers.
        let asked = Arc::new(move || {
            let limit = flags.limit(index);
            limit.load(Ordering::Relaxed) != 0 && limit.swap(0, Ordering::Relaxed) != 0
        });
        let mut config = config.clone();
        let total = config.time_budget;
        if let Some(end) = deadline {
            config.time_budget = Some(end.saturating_duration_since(Instant::now()));
        }
        let remaining = config.time_budget;
        let mut report = if config.time_budget == Some(Duration::ZERO) {
            Report {
                stopped_because: total.map(budget_ran_out),
                ..Report::default()
            }
        } else {
            let strategy = Box::new(Dfs::split_part(
                config.reduction,
                Split {
                    item,
                    emit,
                    asked,
                    probe: false,
                },
            ));
            let label = config.strategy.to_string();
            let budget = config.iterations;
            worker::explore_on_worker(
                Run::new(config, f.clone(), strategy, label, test.clone()).gated(Arc::new(
                    SharedBudget {
                        shared: shared.clone(),
                        budget,
                    },
                )),
            )
        };
        // The worker ran on what was left of the user's budget: its reason names the budget
        // the user set.
        if let (Some(total), Some(remaining), Some(why)) =
            (total, remaining, report.stopped_because.as_mut())
        {
            *why = with_users_budget(why, total, remaining);
        }
        let Ok(mut stream) = writer.lock() else {
            return;
        };
        if send(&mut *stream, &FromWorker::Explored(Box::new(report))).is_err() {
            return;
        }
    }
}

/// `why`, a split worker's reason for stopping, with the budget it ran on (what was left of the
/// user's when it was forked) named as the one the user set.
fn with_users_budget(why: &str, total: Duration, remaining: Duration) -> String {
    why.replace(&budget_ran_out(remaining), &budget_ran_out(total))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_shared_budget_lets_exactly_its_executions_start_however_many_ask_at_once() {
        let shared = Arc::new(Shared::new().unwrap());
        let gate = Arc::new(SharedBudget {
            shared: shared.clone(),
            budget: 1_000,
        });
        let allowed: u64 = std::thread::scope(|s| {
            let askers: Vec<_> = (0..4)
                .map(|_| {
                    let gate = gate.clone();
                    s.spawn(move || (0..1_000).filter(|_| !gate.stop(0)).count() as u64)
                })
                .collect();
            askers.into_iter().map(|a| a.join().unwrap()).sum()
        });
        assert_eq!(allowed, 1_000);
        assert_eq!(shared.claimed().load(Ordering::Relaxed), 1_000);
        gate.unused();
        assert_eq!(
            shared.claimed().load(Ordering::Relaxed),
            999,
            "an unused claim goes back"
        );
    }

    #[test]
    fn a_split_worker_names_the_budget_the_user_set() {
        let why = format!(
            "{}; 12 subtrees unexplored",
            budget_ran_out(Duration::from_millis(700))
        );
        assert_eq!(
            with_users_budget(&why, Duration::from_secs(2), Duration::from_millis(700)),
            "the time budget of 2.0s ran out; 12 subtrees unexplored"
        );
    }
}
