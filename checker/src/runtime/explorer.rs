//! Runs executions one after another under a strategy and builds the report.

use std::cell::RefCell;
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::beacon::{Beacon, TrapOutcome};
use super::body::Body;
use super::context::{self, Installed};
use super::coroutine::{self, ModelThread, StackPool};
use super::execution::{Execution, ThreadState};
use super::finish::finish_report;
use super::gate::Gate;
use super::space_estimate::{Probes, PROBES};
use super::{leaks, record, stuck, trap};
use crate::config::{Config, StrategyKind};
use crate::detector::panic::panic_finding;
use crate::detector::Scene;
use crate::event::ThreadId;
use crate::report::{Coverage, Finding, FindingKind, Report};
use crate::schedule::Recorded;
use crate::strategy::random::RandomWalk;
use crate::strategy::Strategy;

pub use super::body::TestFn;

/// One exploration, as the exploration thread runs it.
pub(crate) struct Run {
    pub config: Config,
    pub f: TestFn,
    pub strategy: Box<dyn Strategy>,
    /// The strategy's name for the report.
    pub label: String,
    /// The test, as libtest names it (the calling thread's name).
    pub test: Option<String>,
    /// For a replay: what the recorded execution did, to notice one that does not repeat it.
    pub expected: Option<Recorded>,
    /// For one worker of several: what may stop it before its next execution.
    pub gate: Option<Arc<dyn Gate>>,
    /// Only Knuth's probes, for a DFS that workers ran elsewhere (see `runtime::space_estimate`).
    pub probes_after: Option<Probes>,
}

impl Run {
    /// A run of `f` with `strategy` (named `label` in the report) under `config`: no replay
    /// to check, no gate, a search of its own rather than probes only.
    pub(crate) fn new(
        config: Config,
        f: TestFn,
        strategy: Box<dyn Strategy>,
        label: impl Into<String>,
        test: Option<String>,
    ) -> Run {
        Run {
            config,
            f,
            strategy,
            label: label.into(),
            test,
            expected: None,
            gate: None,
            probes_after: None,
        }
    }

    /// For a replay: what the recorded execution did.
    pub(crate) fn expecting(mut self, expected: Option<Recorded>) -> Run {
        self.expected = expected;
        self
    }

    /// For one worker of several: what may stop it before its next execution.
    pub(crate) fn gated(mut self, gate: Arc<dyn Gate>) -> Run {
        self.gate = Some(gate);
        self
    }

    /// A run of Knuth's probes only, with the probing walk, after a DFS of `f` that workers
    /// ran elsewhere: `executions` of them, and `pruned` alternatives their reduction pruned.
    pub(crate) fn probes_only(
        config: Config,
        f: TestFn,
        test: Option<String>,
        executions: u64,
        pruned: u64,
    ) -> Run {
        let walk = Box::new(RandomWalk::probe(config.seed));
        let label = config.strategy.to_string();
        Run {
            probes_after: Some(Probes::after(executions, pruned)),
            ..Run::new(config, f, walk, label, test)
        }
    }
}

/// Runs the exploration on this (the exploration) thread; returns the report and whether this
/// OS thread was left unusable.
pub(crate) fn run(run: Run, beacon: Arc<Beacon>) -> (Report, bool) {
    let Run {
        config,
        f,
        strategy,
        label,
        test,
        expected,
        gate,
        probes_after,
        ..
    } = run;
    let started = Instant::now();
    let mut fresh = Execution::new(&config, strategy, beacon.clone());
    fresh.test = test.as_deref().map(Arc::from);
    let execution = RefCell::new(fresh);
    let installed = Installed::new(&execution);
    let mut pool = StackPool::default();
    let mut threads: Vec<Option<ModelThread>> = Vec::new();
    let mut report = Report {
        strategy: label,
        seed: config.seed,
        expect_panic: config.expect_panic.clone(),
        ..Report::default()
    };
    let mut tainted = false;
    let mut budget_clock = BudgetClock::default();
    // The most threads an execution had, for the PCT bound.
    let mut most_threads = 0usize;
    // Knuth's probes, once an unbounded DFS has used up its executions.
    let mut probes: Option<Probes> = None;
    // The executions before the probes: none when only probing.
    let mut budget = config.iterations;
    if let Some(after) = probes_after {
        // The strategy is already the probing walk (`Run::probes_only`).
        probes = Some(after);
        execution.borrow_mut().weighing = true;
        budget = 0;
    }
    loop {
        if gate.as_ref().is_some_and(|g| g.stop(report.executions)) {
            break;
        }
        // Whether an execution starts after all, once the gate let one (it may have claimed it
        // from a budget shared with other workers, and takes it back if not).
        let starts = 'starts: {
            if report.executions >= budget {
                if let Some(done) = &probes {
                    if done.count() >= probes_for(&config) {
                        break 'starts false;
                    }
                } else if wants_probes(&config, &report, &execution.borrow()) {
                    let mut e = execution.borrow_mut();
                    probes = Some(Probes::after(report.executions, e.strategy.pruned()));
                    e.strategy = Box::new(RandomWalk::probe(config.seed));
                    e.weighing = true;
                } else {
                    break 'starts false;
                }
            }
            if report.executions > 0 {
                if let Some(budget) = config.time_budget {
                    if budget_clock.ran_out(|| started.elapsed(), budget) {
                        report.stopped_because = Some(budget_ran_out(budget));
                        break 'starts false;
                    }
                }
            }
            execution.borrow_mut().strategy.begin_execution()
        };
        if !starts {
            if let Some(gate) = &gate {
                gate.unused();
            }
            break;
        }
        if let Some(gate) = &gate {
            gate.started();
        }
        report.executions += 1;
        beacon.execution_started();
        {
            let mut e = execution.borrow_mut();
            e.executions = report.executions;
            e.reset(Body::Test(f.clone()));
        }
        let trapped = run_one(&execution, &mut threads, &mut pool, &beacon);
        if let Some((thread, outcome, stack_size)) = trapped {
            tainted |= std::thread::panicking();
            let Ok(mut e) = execution.try_borrow_mut() else {
                // The trap landed inside the engine, which was changing the execution: nothing
                // in it can be trusted or even read any more.
                report.findings.push(stuck::abandoned_finding(
                    &beacon,
                    beacon.stuck().0,
                    beacon.stuck().1,
                    true,
                ));
                report.seconds = started.elapsed().as_secs_f64();
                std::mem::forget(installed);
                std::mem::forget(execution);
                return (report, true);
            };
            let finding = match outcome {
                TrapOutcome::Overflow => stuck::overflow_finding(&e, thread, &beacon, stack_size),
                _ => stuck::hang_finding(&e, thread, &beacon, config.hang_timeout),
            };
            e.fail(finding);
        }
        let mut e = execution.borrow_mut();
        report.steps += e.steps;
        most_threads = most_threads.max(e.threads.len());
        if let (Some(probes), false) = (&mut probes, e.stopped) {
            probes.add(e.tree_weight);
        }
        if e.stopped {
            // Cut short by the watcher: it proves nothing, so it does not count.
            report.executions -= 1;
            report.stopped_because = Some(match config.time_budget {
                Some(budget) => format!(
                    "{}, in the middle of an execution (cut short and not counted)",
                    budget_ran_out(budget)
                ),
                None => "stopped in the middle of an execution".into(),
            });
            break;
        }
        unjoined_panics(&mut e);
        if e.findings.is_empty() {
            if let Some(leak) = leaks::leak_finding(&e) {
                e.findings.push(leak);
            }
        }
        let decisions_fit = e.strategy.problem();
        if let Some(problem) = decisions_fit {
            if expected.is_some() {
                e.findings.insert(0, nondeterminism(problem));
            } else {
                e.findings.push(nondeterminism(problem));
            }
        } else if let Some(expected) = &expected {
            let actual = record::record(&e.trace, &e.findings);
            if let Some(finding) = record::divergence(expected, &actual) {
                e.findings.insert(0, finding);
            }
        }
        if !e.findings.is_empty() {
            finish_report(&mut report, &mut e, test.as_deref());
            break;
        }
        if e.tainted {
            tainted = true;
            break;
        }
    }
    let e = execution.borrow();
    report.complete = report.findings.is_empty()
        && report.stopped_because.is_none()
        && probes.is_none()
        && e.strategy.is_complete();
    report.pruned = match &probes {
        Some(probes) => probes.pruned,
        None => e.strategy.pruned(),
    };
    if report.findings.is_empty() && report.stopped_because.is_none() {
        report.space_estimate = probes.as_ref().and_then(Probes::estimate);
    }
    if let (Some(probes), Some(first)) = (&probes, report.findings.first_mut()) {
        // Not the DFS's find: say so, rather than let its executions take the credit.
        first.notes.push(format!(
            "found by a random probe run after the DFS had used up its {} executions without \
             finding it (the probes estimate the space; this one ran into the bug)",
            probes.searched
        ));
    }
    if report.findings.is_empty() && !report.complete {
        report.coverage = e.strategy.pct_coverage().and_then(|runs| {
            let threads = u32::try_from(most_threads).unwrap_or(u32::MAX);
            (runs.executions > 0)
                .then(|| Coverage::pct(runs.depth, threads, runs.steps, runs.executions))
        });
    }
    report.seconds = started.elapsed().as_secs_f64();
    tainted |= e.tainted;
    drop(e);
    (report, tainted)
}

/// Probes after a DFS that stopped at its budget: a tenth of its executions more, at most
/// [`PROBES`] (none for fewer than ten executions: a budget that small asked for exactly that).
fn probes_for(config: &Config) -> u64 {
    PROBES.min(config.iterations / 10)
}

/// Whether the exploration that just used up its executions is an unbounded DFS with nothing
/// found and its space not exhausted, whose size random probes can estimate (see
/// `runtime::space_estimate`).
fn wants_probes(config: &Config, report: &Report, e: &Execution) -> bool {
    probes_for(config) > 0
        && config.strategy == StrategyKind::Dfs
        && config.max_preemptions.is_none()
        && report.findings.is_empty()
        && report.stopped_because.is_none()
        && !e.strategy.is_complete()
}

/// Reads the clock for the time budget between executions, but not between every two short
/// ones: reading it cost 1% of a three-thread execution. Once a batch of executions took less
/// than [`BudgetClock::SHORT`] each, the next [`BudgetClock::BATCH`] run unchecked, so the
/// budget is overrun by at most a batch of executions that stay short (one that turns slow is
/// cut by the watcher, and the report says so); a slow one makes the clock be
/// read after every execution again. (The watcher stops an execution that runs past the
/// budget anyway.)
#[derive(Default)]
struct BudgetClock {
    /// Executions still to run before the clock is read again.
    skip: u32,
    /// Time since the start at the last reading.
    last: Duration,
    /// Executions between the last reading and the next one.
    between: u32,
}

impl BudgetClock {
    /// Executions between readings while they are short.
    const BATCH: u32 = 16;
    /// What counts as a short execution.
    const SHORT: Duration = Duration::from_micros(50);

    /// Whether `budget` ran out (called before each execution but the first); `elapsed` reads
    /// the time since the start.
    fn ran_out(&mut self, elapsed: impl FnOnce() -> Duration, budget: Duration) -> bool {
        if self.skip > 0 {
            self.skip -= 1;
            return false;
        }
        let now = elapsed();
        if now >= budget {
            return true;
        }
        let short = self.between > 0 && now - self.last < Self::SHORT * self.between;
        self.between = if short { Self::BATCH } else { 1 };
        self.skip = self.between - 1;
        self.last = now;
        false
    }
}

/// Why an exploration stopped when its time budget ran out.
pub(crate) fn budget_ran_out(budget: Duration) -> String {
    format!("the time budget of {:.1}s ran out", budget.as_secs_f64())
}

/// The finding for a strategy that saw the test offer other choices under the same schedule.
fn nondeterminism(problem: String) -> Finding {
    Finding::new(FindingKind::Nondeterminism, problem).note(
        "conc-check's search and replay assume that the test does the same under the same \
         choices; something outside its control changed that: real time (Instant, SystemTime), \
         randomness, HashMap iteration order, state kept from one execution to the next (a \
         static, a std atomic or lock), or a std thread. The exploration stopped here: what it \
         had not run yet was not checked",
    )
}

/// Threads that panicked and that nobody joined. When the execution found nothing else, each
/// such panic is a finding (nothing handled it); otherwise the first finding says that it came
/// after them, since a panic often explains what went wrong next.
fn unjoined_panics(e: &mut Execution) {
    let names = e.names();
    let unjoined: Vec<Finding> = e
        .threads
        .iter()
        .enumerate()
        .filter(|(_, t)| matches!(t.state, ThreadState::Finished))
        .filter_map(|(i, t)| {
            let p = t.panicked.as_ref().filter(|p| !p.joined)?;
            Some(panic_finding(ThreadId(i as u32), &p.record, &names))
        })
        .collect();
    if unjoined.is_empty() {
        return;
    }
    if let Some(first) = e.findings.first_mut() {
        for panic in &unjoined {
            first.notes.push(format!(
                "before that, with nobody having joined it yet: {}",
                panic.message
            ));
        }
        return;
    }
    let mut unjoined = unjoined;
    for finding in &mut unjoined {
        finding.notes.push(
            "nobody joined this thread, so nothing handled its panic (a panic that the joiner \
             inspects through `JoinHandle::join` is the joiner's business, as in std)"
                .to_string(),
        );
    }
    e.fatal = true;
    e.findings = unjoined;
}

/// Runs the threads of one execution until none is left to run. Returns the thread a trap
/// ended, with what the trap found and its stack size, if one did.
fn run_one(
    execution: &RefCell<Execution>,
    threads: &mut Vec<Option<ModelThread>>,
    pool: &mut StackPool,
    beacon: &Beacon,
) -> Option<(ThreadId, TrapOutcome, usize)> {
    let mut trapped = None;
    loop {
        let next = {
            let mut e = execution.borrow_mut();
            let next = e.next.take();
            if let Some(t) = next {
                e.current = t;
            }
            next
        };
        let Some(t) = next else { break };
        if threads.len() <= t.index() {
            threads.resize_with(t.index() + 1, || None);
        }
        if threads[t.index()].is_none() {
            let (body, size) = {
                let mut e = execution.borrow_mut();
                let slot = e.thread(t);
                (slot.body.take(), slot.stack_size)
            };
            let Some(body) = body else { break };
            let size = size.unwrap_or_else(coroutine::default_stack_size);
            match pool.start(body, size) {
                Ok(thread) => threads[t.index()] = Some(thread),
                Err(why) => {
                    let mut e = execution.borrow_mut();
                    let who = e.names().label(t);
                    e.fail(Finding::new(
                        FindingKind::StackOverflow,
                        format!("{who} could not get a stack: {why}"),
                    ));
                    break;
                }
            }
        }
        let thread = threads[t.index()].as_mut().expect("created above");
        trap::set_running(Some(trap::Running {
            trap: thread.trap_handler(),
            limit: thread.stack_limit(),
        }));
        beacon.running(t.0, true);
        context::set_in_model_thread(true);
        let finished = coroutine::resume(thread);
        context::set_in_model_thread(false);
        beacon.running(t.0, false);
        trap::set_running(None);
        let outcome = beacon.outcome();
        if matches!(outcome, TrapOutcome::Hang | TrapOutcome::Overflow) {
            beacon.clear_outcome();
            let size = thread.stack_size();
            if let Some(done) = threads[t.index()].take() {
                pool.recycle(done);
            }
            trapped = Some((t, outcome, size));
            break;
        }
        if finished {
            if let Some(done) = threads[t.index()].take() {
                pool.recycle(done);
            }
        }
    }
    // Whatever did not finish belongs to an execution that ended early.
    for slot in threads.iter_mut() {
        if let Some(thread) = slot.take() {
            pool.reclaim_abandoned(thread);
        }
    }
    if let Ok(mut e) = execution.try_borrow_mut() {
        for thread in e.threads.iter_mut() {
            if let Some(body) = thread.body.take() {
                std::mem::forget(body);
            }
            for local in thread.locals.drain(..) {
                std::mem::forget(local);
            }
            if let Some(panicked) = thread.panicked.as_mut() {
                if let Some(payload) = panicked.payload.take() {
                    std::mem::forget(payload);
                }
            }
        }
    }
    trapped
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs executions of `each` until the clock says the budget ran out; returns how many
    /// started after it had, and how often the clock was read.
    fn overrun(each: Duration, budget: Duration) -> (u32, u32) {
        let mut clock = BudgetClock::default();
        let mut now = Duration::ZERO;
        let (mut late, mut readings) = (0, 0);
        loop {
            now += each;
            let read = || {
                readings += 1;
                now
            };
            if clock.ran_out(read, budget) {
                return (late, readings);
            }
            if now >= budget {
                late += 1;
            }
        }
    }

    #[test]
    fn short_executions_read_the_clock_once_a_batch_and_overrun_by_less() {
        // 5,000 executions of 2 µs.
        let (late, readings) = overrun(Duration::from_micros(2), Duration::from_millis(10));
        assert!(late < BudgetClock::BATCH, "{late}");
        assert!(readings <= 5_000 / BudgetClock::BATCH + 3, "{readings}");
    }

    #[test]
    fn slow_executions_read_the_clock_every_time_and_see_the_budget_at_once() {
        let (late, readings) = overrun(Duration::from_millis(5), Duration::from_secs(1));
        assert_eq!((late, readings), (0, 200));
    }
}
