//! `loom::model` and `loom::model::Builder`: loom's settings, run by conc-check's engine.

use std::path::{Path, PathBuf};
use std::time::Duration;

use conc_check::{Report, Strategy};

/// loom's default for [`Builder::max_branches`]; any other value was asked for.
const LOOM_DEFAULT_MAX_BRANCHES: usize = 1_000;
/// loom's default for [`Builder::max_threads`].
const LOOM_DEFAULT_MAX_THREADS: usize = 5;
/// loom's default for [`Builder::checkpoint_interval`].
const LOOM_DEFAULT_CHECKPOINT_INTERVAL: usize = 20_000;

/// How a model is explored: loom's fields, read by [`Builder::new`] from loom's variables.
///
/// A field set to something other than loom's default (by the program or by its `LOOM_*`
/// variable) is honoured; otherwise conc-check's default applies, which may differ from loom's
/// (conc-check's portfolio instead of unbounded DFS, its step limit instead of 1,000 branches).
#[derive(Debug)]
#[non_exhaustive]
pub struct Builder {
    /// Threads a model may have in loom. conc-check has no such limit and ignores it.
    pub max_threads: usize,
    /// Scheduling decisions one execution may take (`LOOM_MAX_BRANCHES`); an execution that
    /// takes more is a `step_limit` finding. Honoured when not loom's default of 1,000.
    pub max_branches: usize,
    /// Executions to run at most (`LOOM_MAX_PERMUTATIONS`).
    pub max_permutations: Option<usize>,
    /// Time to explore at most (`LOOM_MAX_DURATION`, in seconds).
    pub max_duration: Option<Duration>,
    /// Preemptions per execution at most (`LOOM_MAX_PREEMPTIONS`); when given, the search is
    /// conc-check's exhaustive DFS within that bound, as in loom.
    pub preemption_bound: Option<usize>,
    /// A file holding a conc-check schedule (`LOOM_CHECKPOINT_FILE`; not loom's JSON): when it
    /// exists, the model first replays that schedule (a failure there fails at once; a clean
    /// replay goes on to explore as usual); when a finding is made, its schedule is written
    /// there.
    pub checkpoint_file: Option<PathBuf>,
    /// How often loom writes its checkpoint. conc-check writes the schedule of a finding only.
    pub checkpoint_interval: usize,
    /// Each execution starts without exploring scheduling choices, until the model calls
    /// [`crate::explore`].
    pub expect_explicit_explore: bool,
    /// loom's `LOOM_LOCATION`: conc-check always reports source locations.
    pub location: bool,
    /// loom's `LOOM_LOG`: conc-check's report always shows the failing interleaving; with it
    /// set, a clean model also says how many executions covered it (as loom's "Completed in N
    /// iterations").
    pub log: bool,
}

impl Default for Builder {
    fn default() -> Self {
        Builder::new()
    }
}

/// The value of `LOOM_<name>`, parsed, if it is set.
///
/// # Panics
/// When it is set to something that does not parse, naming the variable.
fn loom_var<T: std::str::FromStr>(name: &str) -> Option<T> {
    let variable = format!("LOOM_{name}");
    let value = std::env::var(&variable).ok()?;
    match value.trim().parse() {
        Ok(v) => Some(v),
        Err(_) => panic!("invalid value for `{variable}`: {value:?}"),
    }
}

impl Builder {
    /// loom's defaults, overridden by loom's `LOOM_*` variables.
    ///
    /// # Panics
    /// When a `LOOM_*` variable does not parse.
    pub fn new() -> Builder {
        Builder {
            max_threads: LOOM_DEFAULT_MAX_THREADS,
            max_branches: loom_var("MAX_BRANCHES").unwrap_or(LOOM_DEFAULT_MAX_BRANCHES),
            max_permutations: loom_var("MAX_PERMUTATIONS"),
            max_duration: loom_var::<u64>("MAX_DURATION").map(Duration::from_secs),
            preemption_bound: loom_var("MAX_PREEMPTIONS"),
            checkpoint_file: std::env::var_os("LOOM_CHECKPOINT_FILE").map(PathBuf::from),
            checkpoint_interval: loom_var("CHECKPOINT_INTERVAL")
                .unwrap_or(LOOM_DEFAULT_CHECKPOINT_INTERVAL),
            expect_explicit_explore: false,
            location: std::env::var_os("LOOM_LOCATION").is_some(),
            log: std::env::var_os("LOOM_LOG").is_some(),
        }
    }

    /// Sets the checkpoint file.
    pub fn checkpoint_file(&mut self, file: &str) -> &mut Self {
        self.checkpoint_file = Some(file.into());
        self
    }

    /// conc-check's builder with the settings asked for.
    ///
    /// The search is conc-check's DFS (with its reductions), not its default portfolio: a loom
    /// suite expects every model to be explored exhaustively and deterministically (a model
    /// with one interleaving runs once, and tests count on it). `CONC_CHECK_STRATEGY` still
    /// picks another.
    fn engine_builder(&self) -> conc_check::Builder {
        let mut builder = conc_check::Builder::new();
        if std::env::var_os("CONC_CHECK_STRATEGY").is_none() {
            builder = builder.strategy(Strategy::Dfs);
        }
        if let Some(bound) = self.preemption_bound {
            builder = builder.strategy(Strategy::Dfs).max_preemptions(Some(bound));
        }
        if self.max_branches != LOOM_DEFAULT_MAX_BRANCHES {
            builder = builder.max_steps(self.max_branches.max(1) as u64);
        }
        match self.max_permutations {
            Some(executions) => builder = builder.iterations(executions as u64),
            // loom's default: no cap on executions, so that a bounded search finishes (the
            // time budget still ends it: `LOOM_MAX_DURATION`, else conc-check's).
            None if std::env::var_os("CONC_CHECK_ITERATIONS").is_none() => {
                builder = builder.iterations(u64::MAX);
            }
            None => {}
        }
        if let Some(budget) = self.max_duration {
            builder = builder.time_budget(budget);
        }
        builder
    }

    /// Explores `f` and panics with conc-check's rendered report if anything was found.
    ///
    /// # Panics
    /// On any finding (the report says what, where, and how to replay it); when no execution
    /// could run; when the checkpoint file cannot be read or holds no valid schedule.
    #[track_caller]
    pub fn check<F>(&self, f: F)
    where
        F: Fn() + Sync + Send + 'static,
    {
        let explicit = self.expect_explicit_explore;
        let body = move || {
            if explicit {
                crate::stop_exploring();
            }
            f();
            crate::lazy_static::shut_down();
        };
        let body = std::sync::Arc::new(body);
        if let Some(schedule) = self.saved_schedule() {
            let replayed = body.clone();
            let report = match conc_check::try_replay(&schedule, move || replayed()) {
                Ok(report) => report,
                Err(e) => panic!("conc-check: the checkpoint file holds no usable schedule: {e}"),
            };
            // A schedule that still fails fails the test at once. One that no longer fails (the
            // bug was fixed) or no longer replays (the code changed) proves nothing about the
            // rest, which is explored as usual.
            let stale = report
                .findings
                .iter()
                .all(|f| f.kind == conc_check::FindingKind::Nondeterminism);
            if !stale {
                self.finish(&report);
            }
            if !report.findings.is_empty() {
                eprintln!(
                    "conc-check: the checkpoint file's schedule no longer replays (the code \
                     changed); exploring as usual"
                );
            }
        }
        let report = self.engine_builder().explore(move || body());
        self.finish(&report);
    }

    /// The schedule in the checkpoint file, if there is one.
    fn saved_schedule(&self) -> Option<String> {
        let path = self.checkpoint_file.as_deref()?;
        if !path.exists() {
            return None;
        }
        match std::fs::read_to_string(path) {
            Ok(text) => Some(text.trim().to_string()),
            Err(e) => panic!(
                "conc-check: cannot read the checkpoint file {}: {e}",
                path.display()
            ),
        }
    }

    /// Whether a cap on the search was asked for: loom's `max_duration` or `max_permutations`
    /// (set by the test or by `LOOM_MAX_DURATION`/`LOOM_MAX_PERMUTATIONS`), or one of
    /// [`RUNNER_CAPS`].
    fn partial_search_asked(&self) -> bool {
        self.max_duration.is_some() || self.max_permutations.is_some() || runner_capped()
    }

    /// Panics on a finding (after saving its schedule) or when nothing was checked; says in
    /// one line when the exploration stopped before covering its space.
    #[track_caller]
    fn finish(&self, report: &Report) {
        if !report.findings.is_empty() {
            if let (Some(path), Some(schedule)) = (&self.checkpoint_file, &report.schedule) {
                save_schedule(path, schedule);
            }
            panic!("\n{}", conc_check_engine::session::render(report));
        }
        if let Some(why) = report.shortfall() {
            panic!("conc-check: nothing was checked: {why}");
        }
        if let Some(line) = incomplete_note(report) {
            // A partial search the test or its runner asked for passes, as under loom, with
            // the line; one cut by conc-check's own default budget (loom has none) fails, or
            // it would be a green that proved less than a loom user expects.
            if !self.partial_search_asked() {
                panic!(
                    "{line}\nconc-check: loom would have explored this model to its end; give it \
                     more time (CONC_CHECK_TIME_BUDGET=10m) or accept a partial search \
                     (LOOM_MAX_DURATION, LOOM_MAX_PERMUTATIONS)"
                );
            }
            eprintln!("{line}");
        } else if self.log {
            eprintln!("{}", completed_note(report, self.preemption_bound));
        }
    }
}

/// conc-check's variables that cap a search when the runner sets them.
const RUNNER_CAPS: [&str; 2] = ["CONC_CHECK_TIME_BUDGET", "CONC_CHECK_ITERATIONS"];

/// Whether the runner capped the search through one of [`RUNNER_CAPS`].
fn runner_capped() -> bool {
    RUNNER_CAPS.iter().any(|v| std::env::var_os(v).is_some())
}

/// The line that says a clean exploration did not cover its whole space (a budget ran out), or
/// `None` when it did.
fn incomplete_note(report: &Report) -> Option<String> {
    if report.complete || !report.findings.is_empty() {
        return None;
    }
    let why = report.stopped_because.clone().unwrap_or_else(|| {
        format!(
            "its budget of {} executions ran out (LOOM_MAX_PERMUTATIONS or CONC_CHECK_ITERATIONS \
             raises it)",
            report.executions
        )
    });
    Some(format!(
        "conc-check: {} executions found nothing, but did not cover the whole space: {why}",
        report.executions
    ))
}

/// The line `LOOM_LOG` adds for a model explored completely, as loom's "Completed in N
/// iterations".
fn completed_note(report: &Report, bound: Option<usize>) -> String {
    let within = bound.map_or(String::new(), |b| format!(" within {b} preemptions"));
    let plural = if report.executions == 1 { "" } else { "s" };
    format!(
        "conc-check: completed in {} execution{plural} ({:.2} s), the whole space{within}",
        report.executions, report.seconds
    )
}

/// Writes `schedule` to the checkpoint file; a failure to write is said, not fatal (the
/// finding itself still fails the test).
fn save_schedule(path: &Path, schedule: &str) {
    if let Err(e) = std::fs::write(path, format!("{schedule}\n")) {
        eprintln!(
            "conc-check: could not write the schedule to the checkpoint file {}: {e}",
            path.display()
        );
    }
}

/// Explores `f` with [`Builder::new`]'s settings and panics with the report on a finding.
///
/// # Panics
/// On any finding.
#[track_caller]
pub fn model<F>(f: F)
where
    F: Fn() + Sync + Send + 'static,
{
    Builder::new().check(f)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_exploration_that_did_not_finish_says_so() {
        let capped = Report {
            executions: 10_000,
            ..Report::default()
        };
        let line = incomplete_note(&capped).expect("a capped search is incomplete");
        assert!(line.contains("10000 executions found nothing"), "{line}");
        assert!(line.contains("budget"), "{line}");
        let timed_out = Report {
            executions: 7,
            stopped_because: Some("the time budget of 1s ran out".into()),
            ..Report::default()
        };
        assert!(incomplete_note(&timed_out).unwrap().contains("time budget"));
        let complete = Report {
            executions: 3,
            complete: true,
            ..Report::default()
        };
        assert_eq!(incomplete_note(&complete), None);
    }

    #[test]
    fn loom_log_says_how_many_executions_covered_the_space() {
        let complete = Report {
            executions: 342,
            complete: true,
            ..Report::default()
        };
        let line = completed_note(&complete, Some(2));
        assert!(line.contains("completed in 342 executions"), "{line}");
        assert!(line.ends_with("within 2 preemptions"), "{line}");
        assert!(completed_note(&complete, None).ends_with("the whole space"));
    }

    #[test]
    fn only_a_cap_someone_asked_for_makes_a_partial_search_pass() {
        let uncapped = Builder {
            max_duration: None,
            max_permutations: None,
            ..Builder::new()
        };
        assert_eq!(uncapped.partial_search_asked(), runner_capped());
        let timed = Builder {
            max_duration: Some(Duration::from_secs(1)),
            ..Builder::new()
        };
        assert!(timed.partial_search_asked());
        let counted = Builder {
            max_permutations: Some(10),
            ..Builder::new()
        };
        assert!(counted.partial_search_asked());
    }

    #[test]
    fn without_a_permutation_cap_executions_are_not_capped_as_in_loom() {
        let builder = Builder {
            max_permutations: None,
            ..Builder::new()
        };
        if std::env::var_os("CONC_CHECK_ITERATIONS").is_none() {
            assert_eq!(builder.engine_builder().config().iterations, u64::MAX);
        }
        let capped = Builder {
            max_permutations: Some(5),
            ..Builder::new()
        };
        assert_eq!(capped.engine_builder().config().iterations, 5);
    }
}
