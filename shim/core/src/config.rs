//! Exploration settings and their `CONC_CHECK_*` environment overrides.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::time::Duration;

/// Which strategy explores the interleavings.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize)]
#[serde(rename_all = "snake_case", tag = "name")]
pub enum StrategyKind {
    /// The default: bounded DFS in turns with sampling (race-directed steering and PCT; the
    /// engine's `strategy::portfolio`).
    Portfolio,
    /// Depth-first search over every scheduling choice, within the preemption bound.
    Dfs,
    /// Uniformly random choice at every scheduling point.
    Random,
    /// Race-directed steering: random walks, most of them derived from an earlier execution
    /// by replaying it up to two accesses of different threads to one object and running them
    /// the other way round.
    Race,
    /// Probabilistic concurrency testing with the given bug depth.
    Pct {
        /// Bug depth `d`: PCT places `d - 1` priority change points.
        depth: usize,
    },
}

impl StrategyKind {
    /// Whether this strategy explores the same executions whatever the seed.
    pub fn is_systematic(self) -> bool {
        matches!(self, StrategyKind::Dfs)
    }
}

impl fmt::Display for StrategyKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StrategyKind::Portfolio => write!(f, "portfolio"),
            StrategyKind::Dfs => write!(f, "dfs"),
            StrategyKind::Random => write!(f, "random"),
            StrategyKind::Race => write!(f, "race"),
            StrategyKind::Pct { depth } => write!(f, "pct(depth {depth})"),
        }
    }
}

/// What atomics may read.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MemoryModel {
    /// The C++20 model (RC11): a load may read any store that coherence, happens-before and
    /// the SeqCst order allow, so Relaxed, Acquire and Release show their weak outcomes.
    #[default]
    Rc11,
    /// Sequential consistency: every access reads the latest store, whatever its ordering.
    SeqCst,
}

impl fmt::Display for MemoryModel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            MemoryModel::Rc11 => "rc11",
            MemoryModel::SeqCst => "seqcst",
        })
    }
}

impl std::str::FromStr for MemoryModel {
    type Err = ConfigError;

    /// `rc11` (or `c++20`, `weak`) or `seqcst` (or `sc`), in any case.
    fn from_str(text: &str) -> Result<Self, ConfigError> {
        match text.trim().to_ascii_lowercase().as_str() {
            "rc11" | "c++20" | "weak" => Ok(MemoryModel::Rc11),
            "seqcst" | "seq_cst" | "sc" => Ok(MemoryModel::SeqCst),
            _ => Err(error("CONC_CHECK_MEMORY_MODEL", text, "`rc11` or `seqcst`")),
        }
    }
}

/// Every setting of one exploration.
#[derive(Clone, Debug, Serialize)]
pub struct Config {
    /// The strategy.
    pub strategy: StrategyKind,
    /// Most preemptions per execution for DFS (`None`: unbounded).
    pub max_preemptions: Option<usize>,
    /// Most executions.
    pub iterations: u64,
    /// Most wall-clock time for the whole exploration.
    pub time_budget: Option<Duration>,
    /// Seed of the sampling strategies (random, race-directed, PCT, and the portfolio's).
    pub seed: u64,
    /// Most scheduling steps in one execution before it is reported as `step_limit`.
    pub max_steps: u64,
    /// Whether condvar waits and `park` may wake spuriously, and `compare_exchange_weak` fail
    /// spuriously (scheduler choices), as std allows.
    pub spurious_wakeups: bool,
    /// What atomics may read (`CONC_CHECK_MEMORY_MODEL`): RC11 by default.
    pub memory_model: MemoryModel,
    /// A schedule to replay instead of exploring (`CONC_CHECK_REPLAY`).
    pub replay: Option<String>,
    /// Whether DFS prunes interleavings that only reorder independent operations
    /// (dynamic partial-order reduction). On by default; `CONC_CHECK_REDUCTION=off` turns it off.
    pub reduction: bool,
    /// Whether the default portfolio gives most of its sampling turns to race-directed
    /// steering (on by default). `CONC_CHECK_STEERING=off` gives them back to random walks, as
    /// the portfolio did before steering existed (for comparisons).
    pub steering: bool,
    /// Whether a finding's interleaving is shrunk before it is reported (on by default;
    /// `CONC_CHECK_SHRINK=off` or `cargo conc-check --no-shrink` reports the first one found).
    pub shrink: bool,
    /// Whether the data-race detector runs (on by default).
    pub race_detection: bool,
    /// Steps in a row without a new shared state after which the retrying threads are reported
    /// as a `livelock` (`CONC_CHECK_LIVELOCK_STEPS`).
    pub livelock_steps: u64,
    /// Times other threads may take a resource while one thread keeps retrying it before that
    /// thread is reported as starving (`CONC_CHECK_STARVATION_WINS`).
    pub starvation_wins: u32,
    /// How long a model thread may run (or block outside conc-check) without reaching a
    /// scheduling point before it is ended and reported as a `hang` (`CONC_CHECK_HANG_TIMEOUT`;
    /// `None`: only the time budget's grace period ends it).
    pub hang_timeout: Option<Duration>,
    /// The test expects a panic whose message contains this text (`#[should_panic]`).
    pub expect_panic: Option<String>,
    /// How many worker processes explore at once (`CONC_CHECK_WORKERS`); `None`: the default
    /// of [`Config::effective_workers`].
    pub workers: Option<usize>,
    /// The exploration is a whole test (`#[conc_check::test]`): no code of the test runs after
    /// it to read what its executions left behind, so by default it may run on several worker
    /// processes (see [`Config::effective_workers`]).
    pub whole_test: bool,
    /// The code asked for several processes (`Builder::workers`, `Builder::exploration_part`):
    /// the run-wide `CONC_CHECK_WORKERS` and `CONC_CHECK_PARTITION` apply to this exploration
    /// even though it is not a whole test. Without it they apply only to whole tests: a caller
    /// that reads what the executions left in its memory would find nothing from other
    /// processes and could pass by checking an empty set.
    pub processes_asked: bool,
    /// Executions a DFS on several workers runs before it shares work (`None`: the engine's
    /// own threshold). The internal `CONC_CHECK_SHARE_AFTER` sets it, for property tests whose
    /// programs are small.
    pub share_after: Option<u64>,
    /// This exploration is part `index` (1-based) of `count` (`CONC_CHECK_PARTITION=K/N`,
    /// `cargo conc-check --exploration-partition K/N`): CI jobs each run one part of one long
    /// exploration, and `cargo conc-check merge` combines their reports.
    pub partition: Option<ExplorationPart>,
}

/// One part of an exploration split between CI jobs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExplorationPart {
    /// Which part, from 1.
    pub index: u32,
    /// How many parts.
    pub count: u32,
}

impl ExplorationPart {
    /// Parses `K/N` with `1 <= K <= N`.
    pub fn parse(value: &str) -> Option<ExplorationPart> {
        let (k, n) = value.trim().split_once('/')?;
        let (index, count) = (k.trim().parse().ok()?, n.trim().parse().ok()?);
        (index >= 1 && index <= count).then_some(ExplorationPart { index, count })
    }
}

impl fmt::Display for ExplorationPart {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

impl Default for Config {
    fn default() -> Self {
        Config {
            strategy: StrategyKind::Portfolio,
            max_preemptions: None,
            iterations: 10_000,
            time_budget: Some(Duration::from_secs(60)),
            seed: 0,
            max_steps: 100_000,
            spurious_wakeups: false,
            memory_model: MemoryModel::Rc11,
            replay: None,
            reduction: true,
            steering: true,
            shrink: true,
            race_detection: true,
            livelock_steps: 1_000,
            starvation_wins: 10,
            hang_timeout: Some(Duration::from_secs(5)),
            expect_panic: None,
            workers: None,
            whole_test: false,
            processes_asked: false,
            share_after: None,
            partition: None,
        }
    }
}

/// A `CONC_CHECK_*` variable with a value the tool does not accept.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigError {
    /// The variable.
    pub variable: String,
    /// The value found.
    pub value: String,
    /// What would have been accepted.
    pub expected: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "invalid value {:?} for {}: expected {}",
            self.value, self.variable, self.expected
        )
    }
}

impl std::error::Error for ConfigError {}

impl Config {
    /// The defaults, overridden by any `CONC_CHECK_*` variables that are set.
    pub fn from_env() -> Result<Config, ConfigError> {
        Self::from_vars(|name| std::env::var(name).ok())
    }

    /// The defaults, overridden by the variables `lookup` returns (testable without the process
    /// environment).
    pub fn from_vars(lookup: impl Fn(&str) -> Option<String>) -> Result<Config, ConfigError> {
        let mut config = Config::default();
        let get = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());
        let depth = match get("CONC_CHECK_DEPTH") {
            Some(v) => Some(parse_positive::<usize>("CONC_CHECK_DEPTH", &v)?),
            None => None,
        };
        if let Some(v) = get("CONC_CHECK_STRATEGY") {
            config.strategy = parse_strategy(&v, depth)?;
        } else if let Some(depth) = depth {
            config.strategy = StrategyKind::Pct { depth };
        }
        if let Some(v) = get("CONC_CHECK_ITERATIONS") {
            config.iterations = parse_positive("CONC_CHECK_ITERATIONS", &v)?;
        }
        if let Some(v) = get("CONC_CHECK_TIME_BUDGET") {
            config.time_budget = Some(parse_positive_duration("CONC_CHECK_TIME_BUDGET", &v)?);
        }
        if let Some(v) = get("CONC_CHECK_HANG_TIMEOUT") {
            config.hang_timeout = match v.trim() {
                "off" => None,
                _ => Some(parse_positive_duration("CONC_CHECK_HANG_TIMEOUT", &v)?),
            };
        }
        if let Some(v) = get("CONC_CHECK_SEED") {
            config.seed = parse_number("CONC_CHECK_SEED", &v, "an unsigned integer")?;
        }
        if let Some(v) = get("CONC_CHECK_MAX_PREEMPTIONS") {
            config.max_preemptions = if v.trim() == "none" {
                None
            } else {
                Some(parse_number(
                    "CONC_CHECK_MAX_PREEMPTIONS",
                    &v,
                    "an unsigned integer or `none`",
                )?)
            };
        }
        if let Some(v) = get("CONC_CHECK_MAX_STEPS") {
            config.max_steps = parse_positive("CONC_CHECK_MAX_STEPS", &v)?;
        }
        if let Some(v) = get("CONC_CHECK_LIVELOCK_STEPS") {
            config.livelock_steps = parse_positive("CONC_CHECK_LIVELOCK_STEPS", &v)?;
        }
        if let Some(v) = get("CONC_CHECK_STARVATION_WINS") {
            config.starvation_wins = parse_positive("CONC_CHECK_STARVATION_WINS", &v)?;
        }
        if let Some(v) = get("CONC_CHECK_SPURIOUS_WAKEUPS") {
            config.spurious_wakeups = match v.trim() {
                "1" | "true" | "on" | "yes" => true,
                "0" | "false" | "off" | "no" => false,
                _ => {
                    return Err(error(
                        "CONC_CHECK_SPURIOUS_WAKEUPS",
                        &v,
                        "`true` or `false`",
                    ))
                }
            };
        }
        if let Some(v) = get("CONC_CHECK_REDUCTION") {
            config.reduction = match v.trim() {
                "1" | "true" | "on" | "yes" => true,
                "0" | "false" | "off" | "no" => false,
                _ => return Err(error("CONC_CHECK_REDUCTION", &v, "`on` or `off`")),
            };
        }
        if let Some(v) = get("CONC_CHECK_STEERING") {
            config.steering = match v.trim() {
                "1" | "true" | "on" | "yes" => true,
                "0" | "false" | "off" | "no" => false,
                _ => return Err(error("CONC_CHECK_STEERING", &v, "`on` or `off`")),
            };
        }
        if let Some(v) = get("CONC_CHECK_SHRINK") {
            config.shrink = match v.trim() {
                "1" | "true" | "on" | "yes" => true,
                "0" | "false" | "off" | "no" => false,
                _ => return Err(error("CONC_CHECK_SHRINK", &v, "`on` or `off`")),
            };
        }
        if let Some(v) = get("CONC_CHECK_WORKERS") {
            let expected = format!("a number of workers from 1 to {MAX_WORKERS}");
            match v.trim().parse::<usize>() {
                Ok(n) if (1..=MAX_WORKERS).contains(&n) => config.workers = Some(n),
                _ => return Err(error("CONC_CHECK_WORKERS", &v, &expected)),
            }
        }
        if let Some(v) = get("CONC_CHECK_PARTITION") {
            config.partition = Some(ExplorationPart::parse(&v).ok_or_else(|| {
                error("CONC_CHECK_PARTITION", &v, "K/N with 1 <= K <= N, e.g. 2/4")
            })?);
        }
        if let Some(v) = get("CONC_CHECK_SHARE_AFTER") {
            config.share_after = Some(parse_number("CONC_CHECK_SHARE_AFTER", &v, "a count")?);
        }
        if let Some(v) = get("CONC_CHECK_MEMORY_MODEL") {
            config.memory_model = v.parse()?;
        }
        if let Some(v) = get("CONC_CHECK_REPLAY") {
            config.replay = Some(v.trim().to_string());
        }
        Ok(config)
    }

    /// Every `CONC_CHECK_*` variable of the process that is set, checked: the first bad value
    /// (or a variable conc-check does not know, which is likely a typo) is the error. Tools
    /// call this before running anything, so that a bad setting is one clear usage error rather
    /// than a failure in every test.
    pub fn check_environment() -> Result<(), ConfigError> {
        for (name, value) in std::env::vars_os() {
            let Some(name) = name.to_str() else { continue };
            if name.starts_with("CONC_CHECK_") && !KNOWN_VARIABLES.contains(&name) {
                return Err(ConfigError {
                    variable: name.to_string(),
                    value: value.to_string_lossy().into_owned(),
                    expected: format!(
                        "no such variable; conc-check reads {}",
                        KNOWN_VARIABLES
                            .iter()
                            .filter(|v| !INTERNAL_VARIABLES.contains(v))
                            .copied()
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                });
            }
        }
        Self::from_env().map(|_| ())
    }
}

/// The most worker processes one exploration uses.
pub const MAX_WORKERS: usize = 64;

impl Config {
    /// The worker processes an exploration uses: the configured count; else, for a whole test
    /// ([`Config::whole_test`]), `cores` divided by the tests libtest runs at once
    /// (`test_threads`, `None` outside libtest), so that a suite whose tests already run in
    /// parallel does not start a worker per core per test; else one. Workers are processes: an
    /// exploration whose caller may read what the executions left in its memory afterwards
    /// (`Builder::explore`, `model`, `check`, loom's `model`: results collected in a captured
    /// `Arc<Mutex<_>>`) would see nothing of the other processes', so it gets several only when
    /// its code asks ([`Config::processes_asked`]), never from `CONC_CHECK_WORKERS` alone.
    pub fn effective_workers(&self, cores: usize, test_threads: Option<usize>) -> usize {
        match (self.workers, self.whole_test, self.processes_asked) {
            (Some(n), true, _) | (Some(n), _, true) => n.clamp(1, MAX_WORKERS),
            (None, true, _) => (cores / test_threads.unwrap_or(1).max(1)).clamp(1, MAX_WORKERS),
            _ => 1,
        }
    }

    /// The part of a split exploration this one is, if the split applies to it (whole tests,
    /// and explorations whose code asked for processes; see [`Config::processes_asked`]).
    pub fn effective_partition(&self) -> Option<ExplorationPart> {
        self.partition
            .filter(|_| self.whole_test || self.processes_asked)
    }
}

/// Every `CONC_CHECK_*` variable conc-check reads, in the model and in real mode.
pub const KNOWN_VARIABLES: &[&str] = &[
    "CONC_CHECK_STRATEGY",
    "CONC_CHECK_DEPTH",
    "CONC_CHECK_ITERATIONS",
    "CONC_CHECK_TIME_BUDGET",
    "CONC_CHECK_SEED",
    "CONC_CHECK_MAX_PREEMPTIONS",
    "CONC_CHECK_MAX_STEPS",
    "CONC_CHECK_SPURIOUS_WAKEUPS",
    "CONC_CHECK_REDUCTION",
    "CONC_CHECK_STEERING",
    "CONC_CHECK_SHRINK",
    "CONC_CHECK_MEMORY_MODEL",
    "CONC_CHECK_LIVELOCK_STEPS",
    "CONC_CHECK_STARVATION_WINS",
    "CONC_CHECK_HANG_TIMEOUT",
    "CONC_CHECK_REPLAY",
    "CONC_CHECK_WORKERS",
    "CONC_CHECK_PARTITION",
    "CONC_CHECK_SHARE_AFTER",
    "CONC_CHECK_REPORT_DIR",
    "CONC_CHECK_WATCHDOG",
    "CONC_CHECK_WATCHDOG_SECS",
    "CONC_CHECK_STARVATION_BYPASSES",
    "CONC_CHECK_STARVATION_MS",
    "CONC_CHECK_REAL_SUMMARY",
    "CONC_CHECK_RUSTC_WRAPPER",
    "CONC_CHECK_SOUNDNESS_SEEDS",
    "CONC_CHECK_SOUNDNESS_SEED",
    "CONC_CHECK_SOUNDNESS_VERBOSE",
    "CONC_CHECK_SOUNDNESS_EXACT",
    "CONC_CHECK_FUZZ_CASES",
];

/// Variables set by conc-check's own tools and test suites, not meant for users.
const INTERNAL_VARIABLES: &[&str] = &[
    "CONC_CHECK_REAL_SUMMARY",
    "CONC_CHECK_RUSTC_WRAPPER",
    "CONC_CHECK_SOUNDNESS_SEEDS",
    "CONC_CHECK_SOUNDNESS_SEED",
    "CONC_CHECK_SOUNDNESS_VERBOSE",
    "CONC_CHECK_SOUNDNESS_EXACT",
    "CONC_CHECK_FUZZ_CASES",
    "CONC_CHECK_SHARE_AFTER",
];

fn error(variable: &str, value: &str, expected: &str) -> ConfigError {
    ConfigError {
        variable: variable.to_string(),
        value: value.to_string(),
        expected: expected.to_string(),
    }
}

/// A number above zero.
fn parse_positive<T: std::str::FromStr + PartialOrd + Default>(
    variable: &str,
    value: &str,
) -> Result<T, ConfigError> {
    let n: T = parse_number(variable, value, "a positive integer")?;
    if n > T::default() {
        Ok(n)
    } else {
        Err(error(variable, value, "a positive integer"))
    }
}

fn parse_number<T: std::str::FromStr>(
    variable: &str,
    value: &str,
    expected: &str,
) -> Result<T, ConfigError> {
    value
        .trim()
        .replace('_', "")
        .parse()
        .map_err(|_| error(variable, value, expected))
}

/// Parses a strategy name as the CLI and `CONC_CHECK_STRATEGY` accept it: `portfolio`, `dfs`,
/// `random`, `race`, `pct` (depth from `depth`, default 3) or `pct:N`.
pub fn parse_strategy(value: &str, depth: Option<usize>) -> Result<StrategyKind, ConfigError> {
    const EXPECTED: &str = "one of `portfolio`, `dfs`, `random`, `race`, `pct`, `pct:<depth>`";
    let v = value.trim().to_ascii_lowercase();
    Ok(match v.as_str() {
        "portfolio" | "default" => StrategyKind::Portfolio,
        "dfs" => StrategyKind::Dfs,
        "random" => StrategyKind::Random,
        "race" => StrategyKind::Race,
        "pct" => StrategyKind::Pct {
            depth: depth.unwrap_or(3),
        },
        other => match other.strip_prefix("pct:") {
            Some(d) => StrategyKind::Pct {
                depth: d
                    .parse()
                    .ok()
                    .filter(|d| *d > 0)
                    .ok_or_else(|| error("CONC_CHECK_STRATEGY", value, EXPECTED))?,
            },
            None => return Err(error("CONC_CHECK_STRATEGY", value, EXPECTED)),
        },
    })
}

/// A duration above zero (a zero budget or timeout would make the run check nothing).
fn parse_positive_duration(variable: &str, value: &str) -> Result<Duration, ConfigError> {
    match parse_duration(variable, value)? {
        d if d.is_zero() => Err(error(variable, value, "a duration above zero")),
        d => Ok(d),
    }
}

/// Parses `20s`, `500ms`, `2m` or a plain number of seconds.
pub fn parse_duration(variable: &str, value: &str) -> Result<Duration, ConfigError> {
    const EXPECTED: &str = "a duration such as `20s`, `500ms`, `2m` or a number of seconds";
    let v = value.trim();
    let (number, unit) = match v.find(|c: char| !(c.is_ascii_digit() || c == '.')) {
        Some(i) => v.split_at(i),
        None => (v, "s"),
    };
    let n: f64 = number
        .parse()
        .map_err(|_| error(variable, value, EXPECTED))?;
    let seconds = match unit.trim() {
        "ms" => n / 1000.0,
        "s" | "sec" | "secs" => n,
        "m" | "min" => n * 60.0,
        _ => return Err(error(variable, value, EXPECTED)),
    };
    if !seconds.is_finite() || seconds < 0.0 {
        return Err(error(variable, value, EXPECTED));
    }
    Ok(Duration::from_secs_f64(seconds))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |name| {
            pairs
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| v.to_string())
        }
    }

    #[test]
    fn variables_override_defaults() {
        let c = Config::from_vars(vars(&[
            ("CONC_CHECK_STRATEGY", "pct"),
            ("CONC_CHECK_DEPTH", "4"),
            ("CONC_CHECK_ITERATIONS", "1_000"),
            ("CONC_CHECK_TIME_BUDGET", "1500ms"),
            ("CONC_CHECK_SEED", "7"),
            ("CONC_CHECK_MAX_PREEMPTIONS", "2"),
        ]))
        .unwrap();
        assert_eq!(c.strategy, StrategyKind::Pct { depth: 4 });
        assert_eq!(c.iterations, 1000);
        assert_eq!(c.time_budget, Some(Duration::from_millis(1500)));
        assert_eq!(c.seed, 7);
        assert_eq!(c.max_preemptions, Some(2));
    }

    #[test]
    fn workers_come_from_the_variable_or_the_cores_libtest_leaves() {
        let c = Config::from_vars(vars(&[("CONC_CHECK_WORKERS", "3")])).unwrap();
        assert_eq!(c.workers, Some(3));
        assert_eq!(
            c.effective_workers(8, Some(8)),
            1,
            "not for an API exploration"
        );
        let asked = Config {
            processes_asked: true,
            ..c.clone()
        };
        assert_eq!(asked.effective_workers(8, Some(8)), 3);
        let whole = Config {
            whole_test: true,
            ..c
        };
        assert_eq!(whole.effective_workers(8, Some(8)), 3);
        let test = Config {
            whole_test: true,
            ..Config::default()
        };
        assert_eq!(test.effective_workers(8, Some(8)), 1, "a parallel suite");
        assert_eq!(test.effective_workers(8, Some(2)), 4);
        assert_eq!(test.effective_workers(2, None), 2, "outside libtest");
        let api = Config::default();
        assert_eq!(
            api.effective_workers(8, Some(1)),
            1,
            "its caller may read its results"
        );
        for bad in ["0", "65", "two"] {
            let pairs: &'static [(&'static str, &'static str)] =
                Box::leak(Box::new([("CONC_CHECK_WORKERS", bad)]));
            let e = Config::from_vars(vars(pairs)).unwrap_err();
            assert!(e.to_string().contains("from 1 to 64"), "{e}");
        }
    }

    #[test]
    fn an_exploration_part_is_k_of_n() {
        let c = Config::from_vars(vars(&[("CONC_CHECK_PARTITION", "2/3")])).unwrap();
        assert_eq!(c.partition, Some(ExplorationPart { index: 2, count: 3 }));
        for bad in ["0/2", "3/2", "1", "a/b"] {
            let pairs: &'static [(&'static str, &'static str)] =
                Box::leak(Box::new([("CONC_CHECK_PARTITION", bad)]));
            let e = Config::from_vars(vars(pairs)).unwrap_err();
            assert!(e.to_string().contains("K/N"), "{e}");
        }
    }

    #[test]
    fn unknown_strategy_names_variable_and_accepted_values() {
        let e = Config::from_vars(vars(&[("CONC_CHECK_STRATEGY", "bfs")])).unwrap_err();
        let text = e.to_string();
        assert!(text.contains("CONC_CHECK_STRATEGY"), "{text}");
        assert!(text.contains("`dfs`") && text.contains("`pct`"), "{text}");
    }

    #[test]
    fn zero_budgets_and_unknown_values_are_errors() {
        for (var, val) in [
            ("CONC_CHECK_ITERATIONS", "0"),
            ("CONC_CHECK_ITERATIONS", "-1"),
            ("CONC_CHECK_TIME_BUDGET", "0"),
            ("CONC_CHECK_TIME_BUDGET", "0s"),
            ("CONC_CHECK_TIME_BUDGET", "abc"),
            ("CONC_CHECK_HANG_TIMEOUT", "0ms"),
            ("CONC_CHECK_SEED", "xyz"),
            ("CONC_CHECK_STRATEGY", "bogus"),
            ("CONC_CHECK_MAX_STEPS", "0"),
            ("CONC_CHECK_MEMORY_MODEL", "tso"),
            ("CONC_CHECK_STEERING", "sometimes"),
        ] {
            let pairs: &'static [(&'static str, &'static str)] = Box::leak(Box::new([(var, val)]));
            let e = Config::from_vars(vars(pairs)).unwrap_err();
            assert_eq!(e.variable, var, "{var}={val}");
        }
        let off = Config::from_vars(vars(&[("CONC_CHECK_HANG_TIMEOUT", "off")])).unwrap();
        assert_eq!(off.hang_timeout, None);
    }

    #[test]
    fn the_memory_model_is_rc11_unless_seqcst_is_asked_for() {
        assert_eq!(Config::default().memory_model, MemoryModel::Rc11);
        for (value, model) in [
            ("seqcst", MemoryModel::SeqCst),
            ("SeqCst", MemoryModel::SeqCst),
            ("sc", MemoryModel::SeqCst),
            ("rc11", MemoryModel::Rc11),
            (" C++20 ", MemoryModel::Rc11),
        ] {
            let pairs: &'static [(&'static str, &'static str)] =
                Box::leak(Box::new([("CONC_CHECK_MEMORY_MODEL", value)]));
            let config = Config::from_vars(vars(pairs)).unwrap();
            assert_eq!(config.memory_model, model, "{value}");
            assert_eq!(config.memory_model.to_string().parse(), Ok(model));
        }
    }

    #[test]
    fn shrinking_is_on_unless_turned_off() {
        assert!(Config::default().shrink);
        let off = Config::from_vars(vars(&[("CONC_CHECK_SHRINK", "off")])).unwrap();
        assert!(!off.shrink);
        assert!(Config::from_vars(vars(&[("CONC_CHECK_SHRINK", "sometimes")])).is_err());
    }

    #[test]
    fn steering_is_on_unless_turned_off_and_race_is_a_strategy_of_its_own() {
        assert!(Config::default().steering);
        let off = Config::from_vars(vars(&[("CONC_CHECK_STEERING", "off")])).unwrap();
        assert!(!off.steering);
        let race = Config::from_vars(vars(&[("CONC_CHECK_STRATEGY", "race")])).unwrap();
        assert_eq!(race.strategy, StrategyKind::Race);
        assert_eq!(race.strategy.to_string(), "race");
    }

    #[test]
    fn malformed_numbers_are_errors() {
        for (var, val) in [
            ("CONC_CHECK_ITERATIONS", "many"),
            ("CONC_CHECK_SEED", "-1"),
            ("CONC_CHECK_TIME_BUDGET", "3 weeks"),
            ("CONC_CHECK_MAX_PREEMPTIONS", "x"),
        ] {
            let pairs: &'static [(&'static str, &'static str)] = Box::leak(Box::new([(var, val)]));
            let e = Config::from_vars(vars(pairs)).unwrap_err();
            assert_eq!(e.variable, var);
        }
    }
}
