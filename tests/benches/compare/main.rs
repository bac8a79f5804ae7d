//! conc-check against loom 0.7.3 and shuttle 0.9.10, all measured in one run, printed as
//! markdown tables of ratios (the source of `BENCHMARKS.md`).
//!
//! Run with `cargo bench -j2 -p conc-check-tests --bench compare`. The tables go to stdout,
//! progress to stderr. Sections: executions per second (`throughput`), unbounded exhaustive
//! search to completion (`exhaustive`), executions and time to the first bug on the buggy corpus
//! programs (`first_bug`, `FIRST_BUG_ONLY=name1,name2` for some of them; it includes the default strategy with and without race-directed
//! steering, also alone as `steering`), the cost of race detection (`race_cost`), what each tool says about
//! spin loops (`spin`), the weak-memory litmus tests (`litmus`), async tasks against shuttle's (`async`), one exploration on two worker processes against one (`workers`), and the search spaces of the
//! clean corpus programs at preemption bounds 2, 3 and none (`spaces`). `-- <section> …` picks
//! sections; all but `spaces` run by default, and every measurement of those is capped in
//! executions and time so the run stays under ten minutes on two cores. `spaces` runs only when
//! named, as it can take most of an hour (`SPACES_ONLY=name1,name2` measures only those
//! programs, `SPACES_CAP_SECS` sets its time cap per run; see `spaces.rs`). `loom_suite` (only
//! when named) times loom's own `tests/` under loom and under the loom facade (`loom_suite.rs`).

mod async_tasks;
mod async_twins;
mod child;
mod clean_twins;
mod exhaustive;
mod first_bug;
mod litmus;
mod loom_suite;
mod race_cost;
mod runners;
mod spaces;
mod spin;
mod steering;
mod table;
mod throughput;
mod throughput_cell;
mod twins;
mod workers;

use std::process::Command;
use std::time::Instant;

/// The command that reproduces this output.
pub(crate) const COMMAND: &str = "cargo bench -j2 -p conc-check-tests --bench compare";

fn shell(program: &str, args: &[&str]) -> String {
    Command::new(program)
        .args(args)
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_else(|| "?".to_string())
}

fn main() {
    child::serve_if_child();

    let started = Instant::now();
    let mut notes = Vec::new();
    // `cargo bench … --bench compare -- throughput spin` runs only the sections named.
    let named: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let wanted = |section: &str| named.is_empty() || named.iter().any(|n| n == section);
    println!("# conc-check vs loom 0.7.3 vs shuttle 0.9.10\n");
    if wanted("throughput") {
        throughput::run(&mut notes);
        throughput_cell::run(&mut notes);
    }
    if wanted("exhaustive") {
        exhaustive::run(&mut notes);
    }
    if wanted("first_bug") {
        first_bug::run(&mut notes);
    }
    if wanted("first_bug") || wanted("steering") {
        steering::run();
    }
    if wanted("race_cost") {
        race_cost::run();
    }
    if wanted("spin") {
        spin::run();
    }
    if wanted("litmus") {
        litmus::run(&mut notes);
    }
    if wanted("async") {
        async_tasks::run(&mut notes);
    }
    if wanted("workers") {
        workers::run(&mut notes);
    }
    // Not in the default set: up to an hour with its default caps.
    if named.iter().any(|n| n == "spaces") {
        spaces::run(&mut notes);
    }
    // Not in the default set: it builds loom's tests and the facade (several minutes).
    if named.iter().any(|n| n == "loom_suite") {
        loom_suite::run(&mut notes);
    }
    if !notes.is_empty() {
        println!("## Notes\n");
        for n in &notes {
            println!("- {n}");
        }
        println!();
    }
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    println!(
        "Measured {} on {} ({cores} cores) in {:.0} s with `{COMMAND}` (release profile).",
        shell("date", &["-u", "+%Y-%m-%d %H:%M UTC"]),
        shell("uname", &["-m"]),
        started.elapsed().as_secs_f64()
    );
}
