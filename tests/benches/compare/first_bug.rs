//! Section 3: executions and time to the first bug on each buggy corpus program.

use std::time::Duration;

use conc_check_corpus::Program;

use crate::child::{self, Case};
use crate::runners::{self, Caps, End, Mode, Run};
use crate::table::{count, ratio, secs, Table};

/// Seeds per randomized strategy.
const SEEDS: u64 = 20;
/// The caps of every run.
const CAPS: Caps = Caps {
    executions: 20_000,
    time: Duration::from_secs(5),
};

/// Medians over the seeds of one tool and strategy; runs that found nothing count as infinite.
struct Summary {
    /// The median executions, when at least half the runs found the bug.
    executions: Option<f64>,
    /// The median time.
    seconds: Option<f64>,
    /// Runs that found it.
    found: usize,
    /// Runs.
    runs: usize,
    /// A run aborted after reporting the bug.
    aborted: bool,
    /// A run crashed without a result.
    crashed: Option<String>,
    /// The first bug message.
    message: Option<String>,
    /// Executions of a search that completed without finding the bug.
    complete_clean: Option<u64>,
}

/// The median of `values` (a run that found nothing counts as infinite), if it is finite.
pub(crate) fn median(mut values: Vec<f64>) -> Option<f64> {
    values.sort_by(f64::total_cmp);
    let n = values.len();
    if n == 0 {
        return None;
    }
    let m = if n % 2 == 1 {
        values[n / 2]
    } else {
        (values[n / 2 - 1] + values[n / 2]) / 2.0
    };
    m.is_finite().then_some(m)
}

fn summarize(runs: &[Run]) -> Summary {
    let inf = |found: bool, v: f64| if found { v } else { f64::INFINITY };
    Summary {
        executions: median(
            runs.iter()
                .map(|r| inf(r.found(), r.executions as f64))
                .collect(),
        ),
        seconds: median(runs.iter().map(|r| inf(r.found(), r.seconds)).collect()),
        found: runs.iter().filter(|r| r.found()).count(),
        runs: runs.len(),
        aborted: runs.iter().any(|r| r.aborted && r.found()),
        crashed: runs.iter().find_map(|r| match &r.end {
            End::Crashed(m) => Some(m.clone()),
            _ => None,
        }),
        message: runs.iter().find_map(|r| match &r.end {
            End::Found(m) => Some(first_line(m)),
            _ => None,
        }),
        complete_clean: runs
            .iter()
            .find(|r| r.end == End::Complete)
            .map(|r| r.executions),
    }
}

fn cell(s: &Summary) -> String {
    let mut out = match (s.executions, s.seconds) {
        (Some(e), Some(t)) => format!("{} exec / {}", count(e.round() as u64), secs(t)),
        _ => match s.complete_clean {
            Some(n) if s.runs == 1 => format!("not found: search complete after {} exec", count(n)),
            _ => format!(
                "not found ({} exec / {} s cap)",
                count(CAPS.executions),
                CAPS.time.as_secs()
            ),
        },
    };
    if s.runs > 1 {
        out.push_str(&format!(" ({}/{})", s.found, s.runs));
    }
    if s.aborted {
        out.push_str(" †");
    }
    if s.crashed.is_some() && s.found == 0 {
        out = "crashed".to_string();
    }
    out
}

/// The first line of a message, at most 100 characters.
fn first_line(m: &str) -> String {
    m.lines().next().unwrap_or("").chars().take(100).collect()
}

fn ratio_of(cc: Option<f64>, other: Option<f64>) -> String {
    match (cc, other) {
        (Some(a), Some(b)) if b > 0.0 => ratio(a / b),
        _ => "—".to_string(),
    }
}

/// The seeds a strategy runs with.
fn seeds(mode: Mode) -> std::ops::RangeInclusive<u64> {
    if mode == Mode::Dfs {
        1..=1
    } else {
        1..=SEEDS
    }
}

fn conc_check(p: &Program, mode: Mode) -> Summary {
    let runs: Vec<Run> = seeds(mode)
        .map(|seed| runners::conc_check(p.run, mode, seed, CAPS, p.spurious_wakeups))
        .collect();
    summarize(&runs)
}

fn other(tool: &str, p: &Program, mode: Mode) -> Option<Summary> {
    if !child::expressible(tool, p.name) {
        return None;
    }
    let runs: Vec<Run> = seeds(mode)
        .map(|seed| {
            child::run(&Case {
                tool,
                mode,
                program: p.name,
                seed,
                caps: CAPS,
                bound: None,
            })
        })
        .collect();
    Some(summarize(&runs))
}

/// Measures and prints the section.
pub(crate) fn run(notes: &mut Vec<String>) {
    // `FIRST_BUG_ONLY=name1,name2` measures only those programs.
    let only: Option<Vec<String>> = std::env::var("FIRST_BUG_ONLY")
        .ok()
        .map(|list| list.split(',').map(str::to_string).collect());
    let programs: Vec<Program> = conc_check_corpus::all()
        .into_iter()
        .filter(|p| p.is_buggy())
        .filter(|p| {
            only.as_ref()
                .is_none_or(|names| names.iter().any(|n| n == p.name))
        })
        .collect();
    let mut t = Table::new(&[
        "program",
        "strategy",
        "conc-check",
        "other tool",
        "other",
        "conc-check ÷ other (executions)",
        "conc-check ÷ other (time)",
    ]);
    let mut said = Vec::new();
    let mut any_aborted = false;
    for p in &programs {
        for (mode, strategy, tool, other_strategy) in [
            (Mode::Pct3, "PCT depth 3", "shuttle", "check_pct depth 3"),
            (Mode::Random, "Random", "shuttle", "check_random"),
            (Mode::Dfs, "DFS, no bound", "loom", "model, no bound"),
        ] {
            eprintln!("[3/3] first bug {}: {strategy}", p.name);
            let cc = conc_check(p, mode);
            let theirs = other(tool, p, mode);
            if mode == Mode::Dfs {
                said.push(format!(
                    "- `{}`: conc-check: `{}`; loom: `{}`",
                    p.name,
                    cc.message.as_deref().unwrap_or("nothing"),
                    match &theirs {
                        Some(s) => s.message.as_deref().unwrap_or("nothing"),
                        None => "n/a",
                    }
                ));
            }
            if let Some(s) = &theirs {
                any_aborted |= s.aborted;
                if let Some(m) = &s.crashed {
                    notes.push(format!("first bug {} {tool} {strategy}: {m}", p.name));
                }
            }
            t.row(vec![
                p.name.to_string(),
                strategy.to_string(),
                cell(&cc),
                format!("{tool} ({other_strategy})"),
                theirs.as_ref().map_or("n/a".to_string(), cell),
                ratio_of(cc.executions, theirs.as_ref().and_then(|s| s.executions)),
                ratio_of(cc.seconds, theirs.as_ref().and_then(|s| s.seconds)),
            ]);
        }
    }
    println!("## 3. Time to first bug (buggy corpus programs)\n");
    println!(
        "Median executions and median time to the first report over seeds 1..={SEEDS} for the \
         randomized strategies (a run that found nothing counts as infinite; (k/{SEEDS}) is how \
         many found it), one run for the deterministic DFS. Every run is capped at {} \
         executions / {} s. Times are wall-clock until the tool returns its verdict: around \
         `explore` for conc-check (in this process); for loom and shuttle, which report by \
         panicking, inside a child process (after one warm-up run there) until the panic has \
         unwound out of the tool. Ratio < 1: conc-check needs fewer executions / less time.\n",
        count(CAPS.executions),
        CAPS.time.as_secs()
    );
    println!("{}", t.render());
    if any_aborted {
        println!("† the process aborted after the bug was reported (a panic during unwinding).\n");
    }
    println!("What DFS reported first (first line):\n");
    for line in said {
        println!("{line}");
    }
    println!();
}
