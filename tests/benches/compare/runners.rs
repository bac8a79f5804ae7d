//! One run of one tool on one body, with a cap on executions and time, as a [`Run`].

use std::mem::ManuallyDrop;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicU64, AtomicU8, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use conc_check::{Builder, Strategy};
use shuttle::scheduler::{
    DfsScheduler, PctScheduler, RandomScheduler, Schedule, Scheduler, Task, TaskId,
};

/// Executions started by the current loom or shuttle run (each execution of the wrapped body
/// increments it first).
pub(crate) static EXECUTIONS: AtomicU64 = AtomicU64::new(0);

/// How a run ended.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum End {
    /// The strategy exhausted its space.
    Complete,
    /// The execution or time cap stopped it, with nothing found.
    Capped,
    /// A bug was reported, with the tool's message.
    Found(String),
    /// The process running it died without a result (only for runs in a child process).
    Crashed(String),
}

/// The outcome of one run.
#[derive(Clone, Debug)]
pub(crate) struct Run {
    /// Executions run (up to and including the one with the bug, if any).
    pub executions: u64,
    /// Wall-clock seconds (up to the bug, if any).
    pub seconds: f64,
    /// How it ended.
    pub end: End,
    /// The process aborted after reporting the bug (a double panic, typically).
    pub aborted: bool,
}

impl Run {
    /// Whether a bug was found.
    pub fn found(&self) -> bool {
        matches!(self.end, End::Found(_))
    }

    /// Executions per second.
    pub fn rate(&self) -> f64 {
        self.executions as f64 / self.seconds.max(1e-9)
    }
}

/// A strategy, whichever the tool.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Mode {
    /// Unbounded depth-first search.
    Dfs,
    /// Uniformly random scheduling.
    Random,
    /// PCT with depth 3.
    Pct3,
}

impl Mode {
    /// The name used in tables and in the child-process protocol.
    pub fn name(self) -> &'static str {
        match self {
            Mode::Dfs => "dfs",
            Mode::Random => "random",
            Mode::Pct3 => "pct3",
        }
    }

    /// The mode called `name`.
    pub fn parse(name: &str) -> Option<Mode> {
        [Mode::Dfs, Mode::Random, Mode::Pct3]
            .into_iter()
            .find(|m| m.name() == name)
    }
}

/// The caps of one run.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Caps {
    /// At most this many executions.
    pub executions: u64,
    /// At most this much time.
    pub time: Duration,
}

/// conc-check, in process. `spurious` enables spurious wakeups (as the corpus program asks).
/// Only `Dfs` honours `max_preemptions(None)`; the random strategies ignore it.
pub(crate) fn conc_check(body: fn(), mode: Mode, seed: u64, caps: Caps, spurious: bool) -> Run {
    conc_check_bounded(body, mode, None, seed, caps, spurious)
}

/// conc-check's DFS with at most `bound` preemptions per execution (`None`: no bound), in
/// process, with the default memory model. `spurious` as for [`conc_check`].
pub(crate) fn conc_check_dfs(body: fn(), bound: Option<usize>, caps: Caps, spurious: bool) -> Run {
    conc_check_bounded(body, Mode::Dfs, bound, 1, caps, spurious)
}

/// conc-check with `mode` and the preemption bound `bound` (which only `Dfs` honours).
fn conc_check_bounded(
    body: fn(),
    mode: Mode,
    bound: Option<usize>,
    seed: u64,
    caps: Caps,
    spurious: bool,
) -> Run {
    let strategy = match mode {
        Mode::Dfs => Strategy::Dfs,
        Mode::Random => Strategy::Random,
        Mode::Pct3 => Strategy::Pct { depth: 3 },
    };
    let started = Instant::now();
    let report = Builder::new()
        // One worker: the tools are compared on one core each (section 11 measures workers).
        .workers(1)
        .strategy(strategy)
        .max_preemptions(bound)
        .iterations(caps.executions)
        .time_budget(caps.time)
        .seed(seed)
        .spurious_wakeups(spurious)
        // The other tools report the first interleaving they find: so does this one here.
        .shrink(false)
        .explore(body);
    let end = if let Some(f) = report.findings.first() {
        End::Found(format!("{}: {}", f.kind, f.message))
    } else if report.complete {
        End::Complete
    } else {
        End::Capped
    };
    // Wall-clock time around `explore`, as for the other tools: `Report::seconds` leaves out
    // starting the exploration thread.
    // The search's own executions: the probes a capped DFS runs after it to estimate its
    // space are not part of what the other tools are compared with (their time is included,
    // a small overestimate).
    let probes = report.space_estimate.as_ref().map_or(0, |e| e.probes);
    Run {
        executions: report.executions - probes,
        seconds: started.elapsed().as_secs_f64(),
        end,
        aborted: false,
    }
}

/// Every how many executions loom checks its time and execution caps.
const LOOM_CHECK_INTERVAL: usize = 1000;

/// loom's exhaustive (DPOR) search with no preemption bound. A panic (loom's report of a bug)
/// propagates: callers that expect one run this in a child process (see `child.rs`).
pub(crate) fn loom_dfs(body: fn(), caps: Caps) -> Run {
    loom_bounded(body, None, caps)
}

/// loom's exhaustive (DPOR) search with at most `bound` preemptions per execution (`None`: no
/// bound). A panic propagates, as for [`loom_dfs`].
pub(crate) fn loom_bounded(body: fn(), bound: Option<usize>, caps: Caps) -> Run {
    EXECUTIONS.store(0, Ordering::SeqCst);
    let mut b = real_loom::model::Builder::new();
    b.preemption_bound = bound;
    b.max_duration = Some(caps.time);
    b.max_permutations = Some(usize::try_from(caps.executions).unwrap_or(usize::MAX));
    b.checkpoint_interval = LOOM_CHECK_INTERVAL;
    b.checkpoint_file = None;
    b.log = false;
    b.location = false;
    let started = Instant::now();
    b.check(move || {
        EXECUTIONS.fetch_add(1, Ordering::SeqCst);
        body()
    });
    let seconds = started.elapsed().as_secs_f64();
    let executions = EXECUTIONS.load(Ordering::SeqCst);
    // loom returns from a cap only at the top of an execution whose 1-based number is a multiple
    // of the interval, after `executions` completed ones; it returns from completion otherwise.
    let at_check = (executions + 1) % LOOM_CHECK_INTERVAL as u64 == 0;
    let over = seconds >= caps.time.as_secs_f64() || executions + 1 >= caps.executions;
    Run {
        executions,
        seconds,
        end: if at_check && over {
            End::Capped
        } else {
            End::Complete
        },
        aborted: false,
    }
}

const RUNNING: u8 = 0;
const EXHAUSTED: u8 = 1;
const TIMED_OUT: u8 = 2;

/// A shuttle scheduler that stops at a deadline and records why the run stopped. The inner
/// scheduler is never dropped: shuttle's random scheduler prints its seed when dropped during a
/// failure, and a few leaked schedulers cost nothing here.
struct Capped<S> {
    inner: ManuallyDrop<S>,
    deadline: Instant,
    state: Arc<AtomicU8>,
}

impl<S: Scheduler> Scheduler for Capped<S> {
    fn new_execution(&mut self) -> Option<Schedule> {
        if Instant::now() >= self.deadline {
            self.state.store(TIMED_OUT, Ordering::SeqCst);
            return None;
        }
        let next = self.inner.new_execution();
        if next.is_none() {
            self.state.store(EXHAUSTED, Ordering::SeqCst);
        }
        next
    }

    fn next_task(
        &mut self,
        runnable: &[&Task],
        current: Option<TaskId>,
        is_yielding: bool,
    ) -> Option<TaskId> {
        self.inner.next_task(runnable, current, is_yielding)
    }

    fn next_u64(&mut self) -> u64 {
        self.inner.next_u64()
    }
}

/// shuttle with the given mode (DFS is shuttle's unreduced one). A panic (shuttle's report of a
/// bug) propagates: callers that expect one run this in a child process (see `child.rs`).
pub(crate) fn shuttle(body: fn(), mode: Mode, seed: u64, caps: Caps) -> Run {
    let cap = usize::try_from(caps.executions).unwrap_or(usize::MAX);
    let state = Arc::new(AtomicU8::new(RUNNING));
    let started = Instant::now();
    let deadline = started + caps.time;
    match mode {
        Mode::Dfs => run_shuttle(DfsScheduler::new(Some(cap), false), deadline, &state, body),
        Mode::Random => run_shuttle(
            RandomScheduler::new_from_seed(seed, cap),
            deadline,
            &state,
            body,
        ),
        Mode::Pct3 => run_shuttle(
            PctScheduler::new_from_seed(seed, 3, cap),
            deadline,
            &state,
            body,
        ),
    }
    let executions = EXECUTIONS.load(Ordering::SeqCst);
    // An exhausted DFS below the execution cap explored everything; random and PCT schedulers
    // are only ever exhausted by the execution cap.
    let complete = mode == Mode::Dfs
        && state.load(Ordering::SeqCst) == EXHAUSTED
        && executions < caps.executions;
    Run {
        executions,
        seconds: started.elapsed().as_secs_f64(),
        end: if complete { End::Complete } else { End::Capped },
        aborted: false,
    }
}

fn run_shuttle<S: Scheduler + 'static>(
    inner: S,
    deadline: Instant,
    state: &Arc<AtomicU8>,
    body: fn(),
) {
    EXECUTIONS.store(0, Ordering::SeqCst);
    let mut config = shuttle::Config::new();
    config.failure_persistence = shuttle::FailurePersistence::None;
    config.silence_warnings = true;
    let scheduler = Capped {
        inner: ManuallyDrop::new(inner),
        deadline,
        state: state.clone(),
    };
    keeping_panic_hook(|| {
        shuttle::Runner::new(scheduler, config).run(move || {
            EXECUTIONS.fetch_add(1, Ordering::SeqCst);
            body()
        })
    });
}

type Hook = Box<dyn Fn(&std::panic::PanicHookInfo<'_>) + Sync + Send + 'static>;

/// Runs `f` and then puts back the panic hook that was installed before it. shuttle installs a
/// hook of its own on its first run, which prints to stderr on every later panic in the process,
/// conc-check's model panics included. (If `f` panics, the hook stays as `f` left it.)
fn keeping_panic_hook<T>(f: impl FnOnce() -> T) -> T {
    let saved: Arc<Hook> = Arc::new(std::panic::take_hook());
    let inner = saved.clone();
    std::panic::set_hook(Box::new(move |info| inner(info)));
    let out = f();
    drop(std::panic::take_hook());
    std::panic::set_hook(Box::new(move |info| saved(info)));
    out
}

/// Runs `f`, turning a panic into `Err(message)`.
pub(crate) fn catching<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    catch_unwind(AssertUnwindSafe(f)).map_err(|p| payload_message(p.as_ref()))
}

/// The text of a panic payload.
pub(crate) fn payload_message(p: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = p.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = p.downcast_ref::<String>() {
        s.clone()
    } else {
        "(non-string panic payload)".to_string()
    }
}
