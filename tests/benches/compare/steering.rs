//! Section 3b: the default strategy with race-directed steering against the portfolio of the
//! previous release (steering off), executions to the first bug on every buggy corpus program.

use std::time::{Duration, Instant};

use conc_check::Builder;
use conc_check_corpus::Program;

use crate::first_bug;
use crate::table::{count, ratio, secs, Table};

/// Seeds per program and strategy.
const SEEDS: u64 = 20;
/// Executions per run: twice the default budget, to show how far past it the previous
/// portfolio needs.
const CAP: u64 = 20_000;
/// The default budget.
const BUDGET: u64 = 10_000;
/// Time per run.
const TIME: Duration = Duration::from_secs(20);

/// Executions to the first finding of each seed (`None`: not found within the cap), and the
/// total time.
fn runs(p: &Program, steering: bool) -> (Vec<Option<u64>>, f64) {
    let started = Instant::now();
    let found = (1..=SEEDS)
        .map(|seed| {
            let report = Builder::new()
                // One worker: the tools are compared on one core each (section 11 measures workers).
                .workers(1)
                .seed(seed)
                .iterations(CAP)
                .time_budget(TIME)
                .steering(steering)
                .spurious_wakeups(p.spurious_wakeups)
                .shrink(false)
                .explore(p.run);
            (!report.findings.is_empty()).then_some(report.executions)
        })
        .collect();
    (found, started.elapsed().as_secs_f64())
}

/// The median executions (a seed that found nothing counts as infinite), if it is finite.
fn median(found: &[Option<u64>]) -> Option<u64> {
    let values = found
        .iter()
        .map(|f| f.map_or(f64::INFINITY, |e| e as f64))
        .collect();
    first_bug::median(values).map(|m| m.round() as u64)
}

fn cell(found: &[Option<u64>], seconds: f64) -> String {
    let within = found.iter().flatten().filter(|e| **e <= BUDGET).count();
    let worst = found.iter().flatten().max();
    let median = median(found).map_or(format!("> {}", count(CAP)), count);
    format!(
        "{median} ({within}/{SEEDS} within {}; worst {}; {})",
        count(BUDGET),
        worst.map_or("—".to_string(), |w| count(*w)),
        secs(seconds / SEEDS as f64)
    )
}

/// Measures and prints the section.
pub(crate) fn run() {
    let mut t = Table::new(&[
        "program",
        "previous portfolio (steering off)",
        "portfolio with steering (the default)",
        "steered ÷ previous (median executions)",
    ]);
    for p in conc_check_corpus::all()
        .into_iter()
        .filter(|p| p.is_buggy())
    {
        eprintln!("[3b] steering {}", p.name);
        let (before, before_s) = runs(&p, false);
        let (after, after_s) = runs(&p, true);
        let r = match (median(&after), median(&before)) {
            (Some(a), Some(b)) => ratio(a as f64 / b as f64),
            (Some(_), None) => "found only with steering".to_string(),
            _ => "—".to_string(),
        };
        t.row(vec![
            p.name.to_string(),
            cell(&before, before_s),
            cell(&after, after_s),
            r,
        ]);
    }
    println!("## 3b. The default strategy: steering against the previous portfolio\n");
    println!(
        "Median executions to the first report of the default strategy over seeds 1..={SEEDS} \
         (a run that found nothing counts as infinite), each run capped at {} executions (twice \
         the default budget) / {} s; in brackets how many seeds found the bug within the \
         default budget of {} executions, the most any seed needed, and the mean time per run. \
         The previous portfolio is the same engine with `steering(false)` \
         (`CONC_CHECK_STEERING=off`): its sampling turns are random walks and PCT, as before \
         race-directed steering; with steering, four sampling turns in six derive executions \
         from earlier ones by reversing races.\n",
        count(CAP),
        TIME.as_secs(),
        count(BUDGET)
    );
    println!("{}", t.render());
}
