//! Runs executions one after another under a strategy and builds the report.

use std::cell::RefCell;
use std::sync::Arc;
use std::time::Instant;

use super::context::{self, Installed};
use super::coroutine::{self, ModelCoroutine, StackPool};
use super::execution::Execution;
use super::panic_hook;
use crate::config::{Config, StrategyKind};
use crate::report::Report;
use crate::schedule::{Schedule, ScheduleError, ScheduleFlags};
use crate::strategy::{self, replay::Replay, Strategy};

/// The test body: run once per execution.
pub type TestFn = Arc<dyn Fn() + Send + Sync + 'static>;

/// Explores `f` as `config` says and reports what was found. Never panics because of a finding.
///
/// The executions run on an OS thread of their own, so that whatever a failing execution
/// leaves behind (a half-unwound panic, leaked objects) never reaches the caller's thread.
pub fn explore(config: &Config, f: TestFn) -> Report {
    if let Some(schedule) = &config.replay {
        return match replay(config, schedule, f) {
            Ok(report) => report,
            Err(e) => Report {
                stopped_because: Some(format!("CONC_CHECK_REPLAY: {e}")),
                strategy: "replay".into(),
                ..Report::default()
            },
        };
    }
    let strategy = strategy::from_config(config);
    let label = config.strategy.to_string();
    on_worker(
        config,
        f,
        strategy,
        label,
        ScheduleFlags {
            spurious_wakeups: config.spurious_wakeups,
        },
    )
}

/// Runs the one execution that `schedule` describes.
pub fn replay(config: &Config, schedule: &str, f: TestFn) -> Result<Report, ScheduleError> {
    let decoded = Schedule::decode(schedule)?;
    let mut config = config.clone();
    config.spurious_wakeups = decoded.flags.spurious_wakeups;
    config.iterations = 1;
    config.replay = None;
    let flags = decoded.flags;
    Ok(on_worker(
        &config,
        f,
        Box::new(Replay::new(decoded)),
        "replay".into(),
        flags,
    ))
}

fn on_worker(
    config: &Config,
    f: TestFn,
    strategy: Box<dyn Strategy>,
    label: String,
    flags: ScheduleFlags,
) -> Report {
    let test_name = std::thread::current().name().map(str::to_string);
    let config = config.clone();
    let (tx, rx) = std::sync::mpsc::channel();
    let spawned = std::thread::Builder::new()
        .name("conc-check-explorer".into())
        .spawn(move || {
            let (report, tainted) = run(&config, f, strategy, label, flags, test_name.as_deref());
            let _ = tx.send(report);
            if tainted {
                // This OS thread's panic bookkeeping was left mid-panic; keep it out of std's
                // way for the rest of the process.
                loop {
                    std::thread::park();
                }
            }
        });
    if let Err(e) = spawned {
        return Report {
            stopped_because: Some(format!("could not start the exploration thread: {e}")),
            ..Report::default()
        };
    }
    rx.recv().unwrap_or_else(|_| Report {
        stopped_because: Some("the exploration thread stopped without a report".into()),
        ..Report::default()
    })
}

fn run(
    config: &Config,
    f: TestFn,
    strategy: Box<dyn Strategy>,
    label: String,
    flags: ScheduleFlags,
    test_name: Option<&str>,
) -> (Report, bool) {
    panic_hook::install();
    let started = Instant::now();
    let execution = RefCell::new(Execution::new(config, strategy));
    let _installed = Installed::new(&execution);
    let mut pool = StackPool::default();
    let mut coroutines: Vec<Option<ModelCoroutine>> = Vec::new();
    let mut report = Report {
        strategy: label,
        seed: config.seed,
        ..Report::default()
    };
    loop {
        if report.executions >= config.iterations {
            break;
        }
        if let Some(budget) = config.time_budget {
            if started.elapsed() >= budget {
                report.stopped_because = Some(format!(
                    "the time budget of {:.1}s ran out",
                    budget.as_secs_f64()
                ));
                break;
            }
        }
        if !execution.borrow_mut().strategy.begin_execution() {
            break;
        }
        report.executions += 1;
        let body = f.clone();
        execution.borrow_mut().reset(Box::new(move || body()));
        run_one(&execution, &mut coroutines, &mut pool);
        let mut e = execution.borrow_mut();
        report.steps += e.steps;
        if let Some(problem) = e.strategy.problem() {
            report.stopped_because = Some(problem);
        }
        if !e.findings.is_empty() {
            report.findings = std::mem::take(&mut e.findings);
            let kinds: Vec<_> = e.objects.iter().map(|o| o.kind).collect();
            report.interleaving = super::trace::describe(&e.trace, &kinds, &e.names());
            let schedule = Schedule {
                flags,
                decisions: e.decisions.clone(),
            }
            .encode();
            report.replay = Some(replay_command(&schedule, test_name));
            report.schedule = Some(schedule);
            break;
        }
        if e.tainted {
            break;
        }
    }
    let e = execution.borrow();
    report.complete = report.findings.is_empty() && e.strategy.is_complete();
    report.pruned = e.strategy.pruned();
    report.seconds = started.elapsed().as_secs_f64();
    let tainted = e.tainted;
    drop(e);
    (report, tainted)
}

/// Runs the threads of one execution until none is left to run.
fn run_one(
    execution: &RefCell<Execution>,
    coroutines: &mut Vec<Option<ModelCoroutine>>,
    pool: &mut StackPool,
) {
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
        if coroutines.len() <= t.index() {
            coroutines.resize_with(t.index() + 1, || None);
        }
        if coroutines[t.index()].is_none() {
            let body = execution.borrow_mut().thread(t).body.take();
            let Some(body) = body else { break };
            coroutines[t.index()] = Some(pool.start(body));
        }
        let coroutine = coroutines[t.index()].as_mut().expect("created above");
        context::set_in_model_thread(true);
        let finished = coroutine::resume(coroutine);
        context::set_in_model_thread(false);
        if finished {
            if let Some(done) = coroutines[t.index()].take() {
                pool.recycle(done);
            }
        }
    }
    // Whatever did not finish belongs to an execution that ended with a finding.
    for slot in coroutines.iter_mut() {
        if let Some(coroutine) = slot.take() {
            pool.reclaim_abandoned(coroutine);
        }
    }
    let mut e = execution.borrow_mut();
    for thread in e.threads.iter_mut() {
        if let Some(body) = thread.body.take() {
            std::mem::forget(body);
        }
        for local in thread.locals.drain(..) {
            std::mem::forget(local);
        }
    }
}

/// The one-line command that replays `schedule`.
fn replay_command(schedule: &str, test_name: Option<&str>) -> String {
    match test_name.filter(|n| *n != "main") {
        Some(test) => {
            // Cargo names the package of a test binary it runs.
            let package = std::env::var("CARGO_PKG_NAME")
                .map(|p| format!(" -p {p}"))
                .unwrap_or_default();
            format!("cargo conc-check replay {schedule} --test {test}{package}")
        }
        None => format!("conc_check::replay(\"{schedule}\", <the test closure>)"),
    }
}

impl StrategyKind {
    /// Whether this strategy explores the same executions whatever the seed.
    pub fn is_systematic(self) -> bool {
        matches!(self, StrategyKind::Dfs)
    }
}
