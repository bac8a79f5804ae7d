//! The entry points: [`model`], [`Builder`], [`replay`].

use std::sync::Arc;
use std::time::Duration;

use conc_check_core::config::{Config, MemoryModel, StrategyKind};
use conc_check_core::report::Report;
use conc_check_core::ScheduleError;

/// How the interleavings are chosen.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Strategy {
    /// Depth-first search over every scheduling choice (within `max_preemptions`).
    Dfs,
    /// A uniformly random choice at every scheduling point (seeded).
    Random,
    /// Race-directed steering (seeded): random walks, most of them derived from an earlier
    /// execution that did something new, by running two of its accesses to one object the
    /// other way round.
    Race,
    /// Probabilistic concurrency testing for bugs of the given depth (seeded).
    Pct {
        /// Bug depth: the number of ordering constraints the bug needs.
        depth: usize,
    },
    /// The default: bounded DFS in turns with race-directed steering and PCT, within the
    /// execution budget.
    Portfolio,
}

impl From<Strategy> for StrategyKind {
    fn from(s: Strategy) -> StrategyKind {
        match s {
            Strategy::Dfs => StrategyKind::Dfs,
            Strategy::Random => StrategyKind::Random,
            Strategy::Race => StrategyKind::Race,
            Strategy::Pct { depth } => StrategyKind::Pct { depth },
            Strategy::Portfolio => StrategyKind::Portfolio,
        }
    }
}

/// Configures and runs an exploration.
///
/// `Builder::new()` starts from the defaults, overridden by `CONC_CHECK_STRATEGY`,
/// `CONC_CHECK_DEPTH`, `CONC_CHECK_ITERATIONS`, `CONC_CHECK_TIME_BUDGET`, `CONC_CHECK_SEED`,
/// `CONC_CHECK_MAX_PREEMPTIONS`, `CONC_CHECK_MAX_STEPS` and `CONC_CHECK_SPURIOUS_WAKEUPS`; the
/// methods override those in turn. `CONC_CHECK_REPLAY` replays one schedule instead of exploring.
///
/// ```
/// use conc_check::{Builder, Strategy};
/// use conc_check::sync::atomic::{AtomicUsize, Ordering};
/// use conc_check::sync::Arc;
///
/// let report = Builder::new()
///     .strategy(Strategy::Dfs)
///     .explore(|| {
///         let n = Arc::new(AtomicUsize::new(0));
///         let m = n.clone();
///         let t = conc_check::thread::spawn(move || m.fetch_add(1, Ordering::SeqCst));
///         n.fetch_add(1, Ordering::SeqCst);
///         t.join().unwrap();
///         assert_eq!(n.load(Ordering::SeqCst), 2);
///     });
/// assert!(report.findings.is_empty());
/// // With instrumentation (`cargo conc-check`, or the `model` feature) `report.complete` is
/// // true here: DFS ran every interleaving.
/// ```
#[derive(Clone, Debug)]
#[must_use = "a Builder does nothing until `explore` or `check` runs it"]
pub struct Builder {
    config: Config,
}

impl Default for Builder {
    fn default() -> Self {
        Builder::new()
    }
}

impl Builder {
    /// The defaults, overridden by any `CONC_CHECK_*` variables.
    ///
    /// # Panics
    /// When a `CONC_CHECK_*` variable has a value that is not accepted; the message names the
    /// variable and the accepted values.
    pub fn new() -> Builder {
        match Config::from_env() {
            Ok(config) => Builder { config },
            Err(e) => panic!("conc-check: {e}"),
        }
    }

    /// The strategy.
    pub fn strategy(mut self, strategy: Strategy) -> Self {
        self.config.strategy = strategy.into();
        self
    }

    /// At most this many preemptions per execution (`None`: unbounded). Applies to DFS and to
    /// the DFS phase of the default portfolio.
    pub fn max_preemptions(mut self, bound: Option<usize>) -> Self {
        self.config.max_preemptions = bound;
        self
    }

    /// At most this many executions.
    pub fn iterations(mut self, iterations: u64) -> Self {
        self.config.iterations = iterations;
        self
    }

    /// At most this much wall-clock time.
    pub fn time_budget(mut self, budget: Duration) -> Self {
        self.config.time_budget = Some(budget);
        self
    }

    /// The seed of the random strategies.
    pub fn seed(mut self, seed: u64) -> Self {
        self.config.seed = seed;
        self
    }

    /// At most this many scheduling steps per execution before it is reported as `step_limit`.
    pub fn max_steps(mut self, steps: u64) -> Self {
        self.config.max_steps = steps;
        self
    }

    /// Whether condvar waits and `park` may wake spuriously, and `compare_exchange_weak` fail
    /// spuriously, as std allows (off by default). Each is a choice the strategy explores.
    pub fn spurious_wakeups(mut self, on: bool) -> Self {
        self.config.spurious_wakeups = on;
        self
    }

    /// What atomics may read: [`MemoryModel::Rc11`] (the default: the C++20 model, where
    /// Relaxed, Acquire and Release show their weak outcomes) or [`MemoryModel::SeqCst`]
    /// (every access reads the latest store). `CONC_CHECK_MEMORY_MODEL` sets it too.
    pub fn memory_model(mut self, model: MemoryModel) -> Self {
        self.config.memory_model = model;
        self
    }

    /// Whether DFS skips interleavings that only reorder independent operations (dynamic
    /// partial-order reduction; on by default). Turning it off is for measuring the reduction.
    pub fn partial_order_reduction(mut self, on: bool) -> Self {
        self.config.reduction = on;
        self
    }

    /// Whether the default portfolio steers most of its sampling executions towards reversing
    /// races seen in earlier ones (on by default). Off, its sampling turns are random walks
    /// and PCT, as before steering existed; turning it off is for comparing the two.
    pub fn steering(mut self, on: bool) -> Self {
        self.config.steering = on;
        self
    }

    /// Whether a finding's interleaving is shrunk before it is reported (on by default): a DFS
    /// under ever larger preemption bounds, below the count of the interleaving found, looks
    /// for the same finding (same kind, same place), and the report shows the smallest it
    /// found, saying how much it shrank.
    pub fn shrink(mut self, on: bool) -> Self {
        self.config.shrink = on;
        self
    }

    /// Explores on `n` worker processes at once (`CONC_CHECK_WORKERS`, `cargo conc-check
    /// --workers`). By default a `#[conc_check::test]` runs on the available cores divided by
    /// the tests libtest runs at once (one test alone, with `--test-threads=1` or a filter that
    /// leaves one, gets every core; a whole suite one worker per test), and every other
    /// exploration on one. `CONC_CHECK_WORKERS` (and `--workers`) set the count of whole tests
    /// only: an exploration whose caller reads results it collected in memory needs to ask in
    /// its code.
    ///
    /// Workers are copies of the test process forked at the exploration, so nothing an
    /// execution changes is shared between them; for the same reason, what the test closure
    /// does to memory outside the model (collecting results in a captured `Arc<Mutex<_>>`, say)
    /// stays in the worker that ran it, which is why explorations whose caller can read such
    /// results afterwards get one worker unless asked. Random walks, PCT and race-directed
    /// steering split their executions with a seed per worker; an unbounded DFS splits its
    /// search and stays exhaustive; the default portfolio keeps its proof search on one worker
    /// and samples on the others, each up to the execution budget; a DFS under a preemption
    /// bound, and a replay, run on one. Sampling reports the same finding whatever the timing
    /// (for a given seed and worker count), and its schedule replays on one worker.
    pub fn workers(mut self, n: usize) -> Self {
        self.config.workers = Some(n.clamp(1, conc_check_core::config::MAX_WORKERS));
        self.config.processes_asked = true;
        self
    }

    /// How many executions a DFS on several workers runs before it shares work (for property
    /// tests whose programs are too small to reach the engine's threshold).
    #[doc(hidden)]
    pub fn share_work_after(mut self, executions: u64) -> Self {
        self.config.share_after = Some(executions);
        self
    }

    /// Explores only part `index` (from 1) of `count` of the exploration
    /// (`CONC_CHECK_PARTITION=K/N`, `cargo conc-check --exploration-partition K/N`), for CI jobs
    /// that share one long exploration; `conc_check_core::parts::merge_parts` (`cargo
    /// conc-check merge`) combines their reports into the whole's. Sampling strategies split
    /// their workers and executions between the parts; an unbounded DFS splits its first
    /// decisions into subtrees and explores the part's share of them; a bounded DFS runs whole
    /// in every part.
    ///
    /// # Panics
    /// When `index` is 0 or above `count`.
    pub fn exploration_part(mut self, index: u32, count: u32) -> Self {
        assert!(
            (1..=count).contains(&index),
            "conc-check: exploration part {index} of {count}: expected 1 <= K <= N"
        );
        self.config.partition = Some(conc_check_core::config::ExplorationPart { index, count });
        self.config.processes_asked = true;
        self
    }

    /// Marks the exploration as a whole test: nothing reads what its executions leave behind,
    /// so it may run on several workers by default (what `#[conc_check::test]` expands to).
    #[doc(hidden)]
    pub fn whole_test(mut self) -> Self {
        self.config.whole_test = true;
        self
    }

    /// Whether tracked cells are checked for data races (on by default).
    pub fn race_detection(mut self, on: bool) -> Self {
        self.config.race_detection = on;
        self
    }

    /// Steps in a row without any new shared state (under fair scheduling) after which the
    /// threads still retrying are reported as a `livelock` (1,000 by default).
    pub fn livelock_steps(mut self, steps: u64) -> Self {
        self.config.livelock_steps = steps;
        self
    }

    /// How many times other threads may take a resource (lock it, or change it with a
    /// successful read-modify-write) while one thread keeps failing to get it, before that
    /// thread is reported as starving (10 by default).
    pub fn starvation_threshold(mut self, wins: u32) -> Self {
        self.config.starvation_wins = wins;
        self
    }

    /// How long a model thread may run (or wait outside conc-check, on a std lock say) without
    /// reaching a conc-check operation before it is ended and reported as a `hang` (5 seconds
    /// by default, `CONC_CHECK_HANG_TIMEOUT`; `None` leaves only the time budget's grace period).
    pub fn hang_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.config.hang_timeout = timeout;
        self
    }

    /// The test is expected to panic, as `#[should_panic]` says (`#[conc_check::test]` sets this
    /// from it): some execution must panic with a message containing `expected` (any panic when
    /// it is empty). [`Builder::check`] then panics with the report, as libtest wants, and does
    /// not when no execution panicked.
    pub fn expect_panic(mut self, expected: &str) -> Self {
        self.config.expect_panic = Some(expected.to_string());
        self
    }

    /// The settings this builder will run with.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Runs `f` under many interleavings and reports what was found. Never panics because of a
    /// finding; stops after the first execution that has one.
    ///
    /// A model thread stuck outside conc-check (a CPU loop, a std lock) is ended after the hang
    /// timeout and reported as a `hang`; the exploration ends within its time budget plus a
    /// few seconds whatever the test does.
    ///
    /// When `CONC_CHECK_REPORT_DIR` is set (`cargo conc-check` sets it), the report is also
    /// written there as JSON, one file per exploration, for the command to collect.
    pub fn explore<F>(&self, f: F) -> Report
    where
        F: Fn() + Send + Sync + 'static,
    {
        explore_with(&self.config, Arc::new(f))
    }

    /// Like [`Builder::explore`], then panics with the rendered report if anything was found,
    /// or if nothing was checked (no execution ran, or a replay could not run).
    ///
    /// # Panics
    /// On any finding; when no execution ran; when a replay schedule could not be used. With
    /// [`Builder::expect_panic`], only when an execution panicked (or found something else).
    #[track_caller]
    pub fn check<F>(&self, f: F)
    where
        F: Fn() + Send + Sync + 'static,
    {
        let report = self.explore(f);
        if !report.findings.is_empty() {
            panic!("\n{}", render(&report));
        }
        if self.config.expect_panic.is_some() {
            // No panic: libtest fails a `#[should_panic]` test that returns normally.
            eprintln!("conc-check: no execution panicked\n{}", render(&report));
            return;
        }
        if let Some(why) = report.shortfall() {
            panic!("conc-check: nothing was checked: {why}");
        }
        if self.config.replay.is_some() {
            if let Some(why) = &report.stopped_because {
                panic!("conc-check: {why}");
            }
        }
    }
}

#[cfg(any(conc_check, feature = "model"))]
fn explore_with(config: &Config, f: Arc<dyn Fn() + Send + Sync + 'static>) -> Report {
    conc_check_engine::session::explore(config, f)
}

/// The report for people: with the user's source lines when the engine is built.
#[cfg(any(conc_check, feature = "model"))]
fn render(report: &Report) -> String {
    conc_check_engine::session::render(report)
}

#[cfg(not(any(conc_check, feature = "model")))]
fn render(report: &Report) -> String {
    report.to_string()
}

/// Without instrumentation the shim types are std's and nothing can be controlled: the body
/// runs once, on real threads.
#[cfg(not(any(conc_check, feature = "model")))]
fn explore_with(config: &Config, f: Arc<dyn Fn() + Send + Sync + 'static>) -> Report {
    let started = std::time::Instant::now();
    f();
    Report {
        executions: 1,
        strategy: format!("{} (not instrumented: ran once)", config.strategy),
        seed: config.seed,
        seconds: started.elapsed().as_secs_f64(),
        stopped_because: Some(
            "built without --cfg conc_check or the `model` feature; run `cargo conc-check`".into(),
        ),
        ..Report::default()
    }
}

/// Explores `f` with the defaults and panics with the rendered report on a finding.
///
/// # Panics
/// On any finding.
#[track_caller]
pub fn model<F>(f: F)
where
    F: Fn() + Send + Sync + 'static,
{
    Builder::new().check(f)
}

/// Same as [`model`]: explore with `Builder::new()` and panic on a finding.
///
/// # Panics
/// On any finding.
#[track_caller]
pub fn check<F>(f: F)
where
    F: Fn() + Send + Sync + 'static,
{
    Builder::new().check(f)
}

/// Replays the one execution a schedule string describes.
///
/// # Panics
/// When the schedule cannot be decoded (the message says why); see [`try_replay`].
pub fn replay<F>(schedule: &str, f: F) -> Report
where
    F: Fn() + Send + Sync + 'static,
{
    match try_replay(schedule, f) {
        Ok(report) => report,
        Err(e) => panic!("conc-check: {e}"),
    }
}

/// Replays the one execution a schedule string describes.
///
/// # Errors
/// A [`ScheduleError`] when the string is damaged, truncated or not a conc-check schedule.
pub fn try_replay<F>(schedule: &str, f: F) -> Result<Report, ScheduleError>
where
    F: Fn() + Send + Sync + 'static,
{
    let config = Config::from_env().unwrap_or_default();
    replay_with(&config, schedule, Arc::new(f))
}

#[cfg(any(conc_check, feature = "model"))]
fn replay_with(
    config: &Config,
    schedule: &str,
    f: Arc<dyn Fn() + Send + Sync + 'static>,
) -> Result<Report, ScheduleError> {
    conc_check_engine::session::replay(config, schedule, f)
}

/// Without instrumentation there is nothing to replay onto: the body runs once, like
/// [`Builder::explore`] there, and the report says why.
#[cfg(not(any(conc_check, feature = "model")))]
fn replay_with(
    config: &Config,
    _schedule: &str,
    f: Arc<dyn Fn() + Send + Sync + 'static>,
) -> Result<Report, ScheduleError> {
    Ok(explore_with(config, f))
}
