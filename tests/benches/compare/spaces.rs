//! Section 8: the size of each clean corpus program's search space: executions and time for
//! conc-check's DFS and loom to exhaust it at preemption bound 2, bound 3 and unbounded, and for
//! shuttle's (unbounded, unreduced) DFS.
//!
//! Every run is capped at [`EXECUTIONS`] executions and, by default, [`DEFAULT_SECS`] seconds;
//! `SPACES_CAP_SECS=<seconds>` changes the time cap, `SPACES_ONLY=name1,name2` measures only
//! those programs (their `Program::name`, e.g. `spsc_ring_ok`). A tool that hits a cap at one
//! bound is not run at the larger ones (their spaces contain that one).

use std::time::Duration;

use conc_check_corpus::{programs::litmus, Program, Verdict};

use crate::child::{self, Case};
use crate::clean_twins;
use crate::exhaustive::bounded_ratio;
use crate::runners::{self, Caps, End, Mode, Run};
use crate::table::{count, secs, Table};

/// The execution cap of every run.
const EXECUTIONS: u64 = 2_000_000;
/// The time cap of every run unless `SPACES_CAP_SECS` says otherwise.
const DEFAULT_SECS: f64 = 20.0;
/// The preemption bounds measured, smallest first (`None`: unbounded).
const BOUNDS: [Option<usize>; 3] = [Some(2), Some(3), None];
/// At most this many characters of a bug's message in a table cell (the whole first line goes
/// to the notes).
const CELL_MESSAGE: usize = 48;

/// What one tool did at one bound.
#[derive(Clone)]
enum Outcome {
    /// It ran.
    Ran(Run),
    /// It was not run: it hit a cap at this smaller bound.
    Skipped(Option<usize>),
    /// The tool cannot express the program.
    NotExpressible(&'static str),
    /// The measurement does not exist (shuttle's DFS has no preemption bound).
    Absent,
}

/// The caps and the programs picked by the environment.
struct Settings {
    /// The caps of every run.
    caps: Caps,
    /// The programs `SPACES_ONLY` names, if it is set.
    only: Option<Vec<String>>,
}

impl Settings {
    /// Reads `SPACES_CAP_SECS` and `SPACES_ONLY`.
    fn from_env() -> Settings {
        let secs = match std::env::var("SPACES_CAP_SECS") {
            Ok(s) => s
                .trim()
                .parse::<f64>()
                .ok()
                .filter(|s| s.is_finite() && *s > 0.0)
                .unwrap_or_else(|| panic!("SPACES_CAP_SECS must be a positive number, not {s:?}")),
            Err(_) => DEFAULT_SECS,
        };
        let only = std::env::var("SPACES_ONLY").ok().map(|list| {
            list.split(',')
                .map(str::trim)
                .filter(|n| !n.is_empty())
                .map(String::from)
                .collect()
        });
        Settings {
            caps: Caps {
                executions: EXECUTIONS,
                time: Duration::from_secs_f64(secs),
            },
            only,
        }
    }
}

/// The clean corpus programs, litmus tests excluded, in corpus order; only those named by
/// `only` if given (unknown names are reported in `notes`).
fn programs(only: Option<&[String]>, notes: &mut Vec<String>) -> Vec<Program> {
    let clean: Vec<Program> = conc_check_corpus::all()
        .into_iter()
        .filter(|p| p.verdict == Verdict::Clean)
        .filter(|p| litmus::ALL.iter().all(|l| l.name != p.name))
        .collect();
    let Some(only) = only else {
        return clean;
    };
    for name in only {
        if clean.iter().all(|p| p.name != name.as_str()) {
            let known: Vec<&str> = clean.iter().map(|p| p.name).collect();
            let note = format!(
                "spaces: SPACES_ONLY names `{name}`, which is no clean corpus program (they are: {})",
                known.join(", ")
            );
            eprintln!("{note}");
            notes.push(note);
        }
    }
    clean
        .into_iter()
        .filter(|p| only.iter().any(|n| n == p.name))
        .collect()
}

/// A bound in words.
fn bound_name(bound: Option<usize>) -> String {
    bound.map_or("unbounded".to_string(), |b| b.to_string())
}

/// Runs `run` unless the same tool's run at the smaller bound `previous` (`earlier`) was
/// capped or skipped.
fn measure(previous: Option<usize>, earlier: &Outcome, run: impl FnOnce() -> Run) -> Outcome {
    match earlier {
        Outcome::Skipped(b) => Outcome::Skipped(*b),
        Outcome::Ran(r) if r.end == End::Capped => Outcome::Skipped(previous),
        _ => Outcome::Ran(run()),
    }
}

/// The executions, time and end of an outcome, as three cells.
fn cells(tool: &str, o: &Outcome) -> [String; 3] {
    match o {
        Outcome::Ran(r) => {
            let end = match &r.end {
                End::Complete => "complete".to_string(),
                End::Capped => "capped".to_string(),
                End::Found(m) => format!("bug: {}", short(m)),
                End::Crashed(m) => format!("crashed: {}", short(m)),
            };
            [count(r.executions), secs(r.seconds), end]
        }
        Outcome::Skipped(b) => [
            "—".into(),
            "—".into(),
            format!("skipped (capped at bound {})", bound_name(*b)),
        ],
        Outcome::NotExpressible(why) => [
            "—".into(),
            "—".into(),
            format!("not expressible in {tool}: {why}"),
        ],
        Outcome::Absent => [String::new(), String::new(), String::new()],
    }
}

/// The first line of `m`, cut to [`CELL_MESSAGE`] characters.
fn short(m: &str) -> String {
    let line = m.lines().next().unwrap_or("");
    if line.chars().count() <= CELL_MESSAGE {
        line.to_string()
    } else {
        format!("{}…", line.chars().take(CELL_MESSAGE).collect::<String>())
    }
}

/// conc-check ÷ loom in executions, when both ran.
fn exec_ratio(cc: &Outcome, loom: &Outcome) -> String {
    match (cc, loom) {
        (Outcome::Ran(a), Outcome::Ran(b)) => {
            bounded_ratio(a.executions as f64, &a.end, b.executions as f64, &b.end)
        }
        _ => "—".to_string(),
    }
}

/// What one program's runs reported (bugs, crashes), each message once with the bounds it came
/// at, for the notes.
#[derive(Default)]
struct Reports(Vec<(&'static str, String, Vec<String>)>);

impl Reports {
    /// Records the first line of what `tool`'s run at `bound` (`None` for shuttle's DFS, which
    /// has none) reported, if it reported a bug or crashed.
    fn record(&mut self, tool: &'static str, bound: Option<&str>, o: &Outcome) {
        let Outcome::Ran(Run {
            end: End::Found(m) | End::Crashed(m),
            ..
        }) = o
        else {
            return;
        };
        let line = m.lines().next().unwrap_or("").to_string();
        let i = match self.0.iter().position(|(t, l, _)| *t == tool && *l == line) {
            Some(i) => i,
            None => {
                self.0.push((tool, line, Vec::new()));
                self.0.len() - 1
            }
        };
        self.0[i].2.extend(bound.map(String::from));
    }

    /// One note per message.
    fn into_notes(self, program: &str, notes: &mut Vec<String>) {
        for (tool, line, bounds) in self.0 {
            let at = if bounds.is_empty() {
                String::new()
            } else {
                format!(" (preemption bound: {})", bounds.join(", "))
            };
            notes.push(format!("spaces {program}: {tool}{at}: `{line}`"));
        }
    }
}

/// loom or shuttle on `program` in a child process at `bound`.
fn child_run(tool: &str, program: &str, bound: Option<usize>, caps: Caps) -> Run {
    child::run(&Case {
        tool,
        mode: Mode::Dfs,
        program,
        seed: 0,
        caps,
        bound,
    })
}

/// Measures one program: one row per bound.
fn measure_program(p: &Program, caps: Caps, t: &mut Table, notes: &mut Vec<String>) {
    let loom_twin = clean_twins::twin("loom", p.name);
    let shuttle_twin = clean_twins::twin("shuttle", p.name);
    let mut cc = Outcome::Absent;
    let mut loom = Outcome::Absent;
    let mut previous = None;
    let mut reports = Reports::default();
    let mut loom_rows = Vec::new();
    for bound in BOUNDS {
        let b = bound_name(bound);
        eprintln!("[7/7] spaces {}: conc-check, preemption bound: {b}", p.name);
        cc = measure(previous, &cc, || {
            runners::conc_check_dfs(p.run, bound, caps, p.spurious_wakeups)
        });
        loom = match loom_twin {
            Err(why) => Outcome::NotExpressible(why),
            Ok(_) => {
                eprintln!("[7/7] spaces {}: loom, preemption bound: {b}", p.name);
                measure(previous, &loom, || child_run("loom", p.name, bound, caps))
            }
        };
        let shuttle = match (bound, shuttle_twin) {
            (Some(_), _) => Outcome::Absent,
            (None, Err(why)) => Outcome::NotExpressible(why),
            (None, Ok(_)) => {
                eprintln!("[7/7] spaces {}: shuttle DFS", p.name);
                Outcome::Ran(child_run("shuttle", p.name, None, caps))
            }
        };
        reports.record("conc-check", Some(&b), &cc);
        reports.record("loom", Some(&b), &loom);
        reports.record("shuttle DFS", None, &shuttle);
        t.row(row(p.name, b, &cc, &loom, &shuttle));
        loom_rows.push(loom.clone());
        previous = bound;
    }
    if p.spurious_wakeups {
        like_for_like(p, caps, &loom_rows, t);
    }
    reports.into_notes(p.name, notes);
}

/// One row of the table: the program, the bound, what each tool did, the ratio.
fn row(
    program: &str,
    bound: String,
    cc: &Outcome,
    loom: &Outcome,
    shuttle: &Outcome,
) -> Vec<String> {
    let mut row = vec![program.to_string(), bound];
    row.extend(cells("conc-check", cc));
    row.extend(cells("loom", loom));
    row.extend(cells("shuttle", shuttle));
    row.push(exec_ratio(cc, loom));
    row
}

/// For a program that asks for spurious wakeups: conc-check without them, which is what loom's
/// `Condvar` does, against the loom rows already measured (`loom_rows`, one per bound).
fn like_for_like(p: &Program, caps: Caps, loom_rows: &[Outcome], t: &mut Table) {
    let name = format!("{} (no spurious wakeups, as loom)", p.name);
    let mut cc = Outcome::Absent;
    let mut previous = None;
    for (bound, loom) in BOUNDS.into_iter().zip(loom_rows) {
        let b = bound_name(bound);
        eprintln!("[7/7] spaces {name}: conc-check, preemption bound: {b}");
        cc = measure(previous, &cc, || {
            runners::conc_check_dfs(p.run, bound, caps, false)
        });
        t.row(row(&name, b, &cc, loom, &Outcome::Absent));
        previous = bound;
    }
}

/// Measures and prints the section.
pub(crate) fn run(notes: &mut Vec<String>) {
    let settings = Settings::from_env();
    let caps = settings.caps;
    let programs = programs(settings.only.as_deref(), notes);
    let mut t = Table::new(&[
        "program",
        "preemption bound",
        "conc-check executions",
        "conc-check time",
        "conc-check",
        "loom executions",
        "loom time",
        "loom",
        "shuttle DFS executions",
        "shuttle DFS time",
        "shuttle DFS",
        "conc-check ÷ loom (executions)",
    ]);
    for p in &programs {
        measure_program(p, caps, &mut t, notes);
    }
    println!("## 8. Search spaces of the clean corpus programs\n");
    println!(
        "Executions and time to exhaust each clean corpus program's search space: conc-check \
         `Strategy::Dfs` (default memory model, RC11; spurious wakeups where the program asks \
         for them) and loom (in a child process, every execution started counted) at \
         preemption bound 2, 3 and unbounded, on loom twins of the programs \
         (`clean_twins/`); shuttle's `check_dfs` (no preemption bound, no reduction) on shuttle \
         twins, in the unbounded row. Every run is capped at {} executions / {} s \
         (`SPACES_CAP_SECS`); a tool capped at one bound is skipped at the larger ones. The \
         spaces differ by design: conc-check also explores which store each atomic load reads \
         (RC11), loom its own weaker model (SeqCst as AcqRel) and no spurious wakeups, shuttle \
         sequentially consistent interleavings only. Where loom reports a bug on these correct \
         programs, that is one of its documented limits: a busy-wait without a yield exceeds \
         its branch limit, and SeqCst code that needs the single total order fails under its \
         SeqCst-as-AcqRel. Ratio < 1: conc-check needs fewer executions; `<` and `>` are bounds where one side was capped. Only some programs: \
         `SPACES_ONLY=spsc_ring_ok,bounded_buffer_ok {} -- spaces`.\n",
        count(caps.executions),
        caps.time.as_secs_f64(),
        crate::COMMAND
    );
    if programs.is_empty() {
        println!("No program measured (see SPACES_ONLY).\n");
        return;
    }
    println!("{}", t.render());
}
