//! Section 6: the litmus tests of weak memory. For each test and choice of orderings, the set
//! of outcomes an exhaustive search reaches, against the set C++20 (RC11) allows as published
//! (`conc_check_corpus::programs::litmus::CASES`), for conc-check's DFS and loom's; both
//! without a preemption bound, on the same code (`litmus_shapes!` over each tool's types).

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use conc_check::{Builder, Strategy};
use conc_check_corpus::programs::litmus::{Case, Shape, CASES};

use crate::runners::catching;
use crate::table::{count, ratio, Table};

mod over_loom {
    conc_check_corpus::litmus_shapes!(real_loom);
}

/// The shape over loom's types.
fn run_on_loom(shape: Shape) -> Vec<usize> {
    match shape {
        Shape::StoreBuffering(s, l, f) => over_loom::store_buffering(s, l, f),
        Shape::MessagePassing(s, l, f) => over_loom::message_passing(s, l, f),
        Shape::Iriw(s, l) => over_loom::iriw(s, l),
        Shape::TwoPlusTwoWrites(s) => over_loom::two_plus_two_writes(s),
        Shape::WriteReadCausality(s, l) => over_loom::write_read_causality(s, l),
        Shape::ReadReadCoherence => over_loom::read_read_coherence(),
        Shape::FenceThenSeqCstLoad => over_loom::fence_then_seqcst_load(),
        Shape::ReleaseSequence(rmw) => over_loom::release_sequence(rmw),
    }
}

type Outcomes = BTreeSet<Vec<usize>>;

/// How long loom may search one case.
const LOOM_CAP: Duration = Duration::from_secs(60);

/// What one tool's search gave: the outcomes, executions, seconds, and whether it finished.
struct Search {
    outcomes: Outcomes,
    executions: u64,
    seconds: f64,
    complete: bool,
}

fn conc_check_search(case: &Case) -> Search {
    let seen = Arc::new(Mutex::new(Outcomes::new()));
    let record = seen.clone();
    let shape = case.shape;
    let started = Instant::now();
    let report = Builder::new()
        // One worker: the tools are compared on one core each (section 11 measures workers).
        .workers(1)
        .strategy(Strategy::Dfs)
        .max_preemptions(None)
        .iterations(1_000_000)
        .explore(move || {
            let outcome = shape.run();
            record.lock().unwrap().insert(outcome);
        });
    let outcomes = seen.lock().unwrap().clone();
    Search {
        outcomes,
        executions: report.executions,
        seconds: started.elapsed().as_secs_f64(),
        complete: report.complete,
    }
}

fn loom_search(case: &Case) -> Result<Search, String> {
    let seen = Arc::new(Mutex::new(Outcomes::new()));
    let executions = Arc::new(Mutex::new(0u64));
    let (record, counter) = (seen.clone(), executions.clone());
    let shape = case.shape;
    let started = Instant::now();
    catching(move || {
        let mut builder = real_loom::model::Builder::new();
        builder.preemption_bound = None;
        builder.max_duration = Some(LOOM_CAP);
        builder.checkpoint_interval = 1000;
        builder.checkpoint_file = None;
        builder.log = false;
        builder.location = false;
        builder.check(move || {
            *counter.lock().unwrap() += 1;
            let outcome = run_on_loom(shape);
            record.lock().unwrap().insert(outcome);
        });
    })?;
    let outcomes = seen.lock().unwrap().clone();
    let executions = *executions.lock().unwrap();
    let seconds = started.elapsed().as_secs_f64();
    Ok(Search {
        outcomes,
        executions,
        seconds,
        // loom returns at its time cap without saying so; a search that ran that long did not
        // finish.
        complete: seconds < LOOM_CAP.as_secs_f64(),
    })
}

/// How `found` compares with `allowed`, in a table cell.
fn compare(found: &Outcomes, allowed: &Outcomes) -> String {
    let missing: Vec<_> = allowed.difference(found).collect();
    let extra: Vec<_> = found.difference(allowed).collect();
    let list = |v: &[&Vec<usize>]| {
        v.iter()
            .map(|o| format!("{o:?}"))
            .collect::<Vec<_>>()
            .join(" ")
    };
    match (missing.is_empty(), extra.is_empty()) {
        (true, true) => format!("exact ({})", found.len()),
        (false, true) => format!("misses {}", list(&missing)),
        (true, false) => format!("forbidden {}", list(&extra)),
        (false, false) => format!("misses {}; forbidden {}", list(&missing), list(&extra)),
    }
}

/// Measures and prints the section.
pub(crate) fn run(notes: &mut Vec<String>) {
    let mut t = Table::new(&[
        "test",
        "orderings",
        "RC11 allows",
        "conc-check",
        "conc-check executions",
        "loom",
        "loom executions",
        "conc-check ÷ loom (executions)",
    ]);
    let mut worse_where_loom_right = Vec::new();
    for case in CASES {
        eprintln!("[6/6] litmus {} ({})", case.name, case.orderings);
        let allowed: Outcomes = case.allowed.iter().map(|o| o.to_vec()).collect();
        let ours = conc_check_search(case);
        let ours_exact = ours.complete && ours.outcomes == allowed;
        if !ours_exact {
            notes.push(format!(
                "litmus {} ({}): conc-check reached {}",
                case.name,
                case.orderings,
                compare(&ours.outcomes, &allowed)
            ));
        }
        let (loom_cell, loom_execs, vs) = match loom_search(case) {
            Ok(loom) => {
                let right = loom.complete && loom.outcomes == allowed;
                if right && ours.executions > loom.executions {
                    worse_where_loom_right.push(format!("{} ({})", case.name, case.orderings));
                }
                let unfinished = if loom.complete {
                    ""
                } else {
                    ", not finished in 60 s"
                };
                (
                    format!("{}{unfinished}", compare(&loom.outcomes, &allowed)),
                    count(loom.executions),
                    ratio(ours.executions as f64 / loom.executions as f64),
                )
            }
            Err(why) => (format!("failed: {why}"), "—".into(), "—".into()),
        };
        t.row(vec![
            case.name.to_string(),
            case.orderings.to_string(),
            allowed.len().to_string(),
            compare(&ours.outcomes, &allowed),
            format!("{} ({:.1} ms)", count(ours.executions), ours.seconds * 1e3),
            loom_cell,
            loom_execs,
            vs,
        ]);
    }
    println!("## 6. Litmus tests: outcomes against C++20 (RC11)\n");
    println!(
        "Each test asserts nothing: every execution records what its loads read (or the final \
         values), and the table compares the set each exhaustive search reached (no preemption \
         bound) with the set RC11 allows (`corpus/src/programs/litmus.rs`, with sources). \
         \"misses\": an allowed outcome never produced; \"forbidden\": an outcome RC11 forbids. \
         Ratio < 1: conc-check needed fewer executions.\n"
    );
    println!("{}", t.render());
    if worse_where_loom_right.is_empty() {
        println!("Where loom's set is right, conc-check needed no more executions than loom.\n");
    } else {
        println!(
            "Where loom's set is right but conc-check needed more executions: {}.\n",
            worse_where_loom_right.join(", ")
        );
    }
}
