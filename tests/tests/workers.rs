//! One exploration on several worker processes (`Builder::workers`): the same verdicts as one
//! worker, the reported finding independent of timing, and a split DFS that stays exhaustive.

use conc_check::{Builder, Report, Strategy};
use conc_check_corpus::{all, Program};

fn dfs(program: &Program, workers: usize) -> Report {
    Builder::new()
        .strategy(Strategy::Dfs)
        .iterations(10_000)
        .spurious_wakeups(program.spurious_wakeups)
        .shrink(false)
        .workers(workers)
        .explore(program.run)
}

fn kinds(report: &Report) -> Vec<&'static str> {
    report.findings.iter().map(|f| f.kind.name()).collect()
}

#[test]
fn a_split_dfs_gets_every_corpus_verdict_one_worker_gets() {
    let mut failures = Vec::new();
    let (mut one_total, mut two_total) = (0, 0);
    for program in all() {
        let one = dfs(&program, 1);
        let two = dfs(&program, 2);
        assert_eq!(two.workers, 2, "{}", program.name);
        println!(
            "{:<34} one worker {:>6} executions {:<9} two workers {:>6} {}",
            program.name,
            one.executions,
            if one.complete { "complete" } else { "" },
            two.executions,
            if two.complete { "complete" } else { "" },
        );
        if kinds(&one).first() != kinds(&two).first() {
            failures.push(format!(
                "{}: one worker found {:?}, two {:?}",
                program.name,
                kinds(&one),
                kinds(&two)
            ));
        }
        if one.complete && !two.complete {
            failures.push(format!(
                "{}: two workers did not exhaust it\n{two}",
                program.name
            ));
        }
        if one.complete {
            one_total += one.executions;
            two_total += two.executions;
        }
    }
    println!("exhausted by one worker: {one_total} executions; by two: {two_total}");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

fn sampled(program: &Program, strategy: Strategy, seed: u64) -> Report {
    Builder::new()
        .strategy(strategy)
        .seed(seed)
        .iterations(20_000)
        .shrink(false)
        .workers(2)
        .explore(program.run)
}

#[test]
fn random_walks_on_two_workers_report_the_same_finding_every_time_and_it_replays() {
    let program = conc_check_corpus::find("deep_preemptions").expect("in the corpus");
    let first = sampled(&program, Strategy::Random, 5);
    assert_eq!(first.workers, 2);
    let schedule = first.schedule.clone().expect("a finding with its schedule");
    for _ in 0..3 {
        let again = sampled(&program, Strategy::Random, 5);
        assert_eq!(
            again.schedule.as_deref(),
            Some(schedule.as_str()),
            "{again}"
        );
    }
    let replayed = conc_check::replay(&schedule, program.run);
    assert_eq!(kinds(&replayed), kinds(&first), "{replayed}");
}

#[test]
fn pct_on_two_workers_splits_the_budget_and_combines_its_bound() {
    let program = conc_check_corpus::find("locked_counter_ok").expect("in the corpus");
    let pct = |workers| {
        Builder::new()
            .strategy(Strategy::Pct { depth: 2 })
            .iterations(2_000)
            .workers(workers)
            .explore(program.run)
    };
    let (one, two) = (pct(1), pct(2));
    assert_eq!(two.executions, 2_000, "{two}");
    let (a, b) = (
        one.coverage.expect("a bound"),
        two.coverage.expect("a bound"),
    );
    // Each worker ran half the executions under its own seed; together they bound the miss
    // probability as one worker running them all would (the product of the two halves).
    assert!(
        (b.miss_probability.ln() - a.miss_probability.ln()).abs()
            < 0.05 * a.miss_probability.ln().abs(),
        "one worker {a:?}, two {b:?}"
    );
}

static COUNT: conc_check::sync::atomic::AtomicUsize = conc_check::sync::atomic::AtomicUsize::new(0);

/// Two threads add to a `static` atomic; its creation value starts every execution. Were the
/// workers threads of one process, their executions would add to each other's.
fn add_to_a_static() {
    use conc_check::sync::atomic::Ordering;
    let other = conc_check::thread::spawn(|| {
        COUNT.fetch_add(1, Ordering::SeqCst);
    });
    COUNT.fetch_add(1, Ordering::SeqCst);
    other.join().unwrap();
    assert_eq!(COUNT.load(Ordering::SeqCst), 2);
}

#[test]
fn workers_never_share_a_static() {
    for strategy in [Strategy::Random, Strategy::Dfs] {
        let report = Builder::new()
            .strategy(strategy)
            .iterations(3_000)
            .workers(2)
            .explore(add_to_a_static);
        assert!(report.findings.is_empty(), "{report}");
        assert_eq!(report.workers, 2);
    }
}

/// Aborts the process in the interleavings where the spawned thread stores first.
fn abort_when_the_other_thread_goes_first() {
    use conc_check::sync::atomic::{AtomicUsize, Ordering};
    use conc_check::sync::Arc;
    let order = Arc::new(AtomicUsize::new(0));
    let theirs = order.clone();
    let other = conc_check::thread::spawn(move || {
        let _ = theirs.compare_exchange(0, 2, Ordering::SeqCst, Ordering::SeqCst);
    });
    let _ = order.compare_exchange(0, 1, Ordering::SeqCst, Ordering::SeqCst);
    other.join().unwrap();
    if order.load(Ordering::SeqCst) == 2 {
        std::process::abort();
    }
}

#[test]
fn a_worker_that_dies_leaves_the_exploration_unfinished_and_says_so() {
    for strategy in [Strategy::Random, Strategy::Dfs] {
        let report = Builder::new()
            .strategy(strategy)
            .iterations(200)
            .workers(2)
            .explore(abort_when_the_other_thread_goes_first);
        assert!(!report.complete, "{report}");
        let why = report.stopped_because.clone().unwrap_or_default();
        assert!(why.contains("ended without"), "{strategy:?}: {report}");
        assert!(report.summary_line().contains("stopped early"), "{report}");
    }
}

/// Every part of a split exploration, and their merge.
fn parts(program: &Program, strategy: Strategy, count: u32) -> (Vec<Report>, Report) {
    let reports: Vec<Report> = (1..=count)
        .map(|index| {
            Builder::new()
                .strategy(strategy)
                .iterations(10_000)
                .spurious_wakeups(program.spurious_wakeups)
                .shrink(false)
                .workers(1)
                .exploration_part(index, count)
                .explore(program.run)
        })
        .collect();
    let whole = conc_check_core::parts::merge_parts(reports.clone());
    (reports, whole)
}

#[test]
fn a_dfs_split_between_jobs_gets_the_verdicts_of_one_search() {
    for name in [
        "seqlock_ok",
        "spsc_ring_ok",
        "peterson_seqcst_ok",
        "wakeup_registered_first_ok",
        "check_then_act",
        "abba",
    ] {
        let program = conc_check_corpus::find(name).expect("in the corpus");
        let one = dfs(&program, 1);
        let (reports, whole) = parts(&program, Strategy::Dfs, 3);
        let explored: u64 = reports
            .iter()
            .map(|r| r.part.as_ref().unwrap().explored)
            .sum();
        let subtrees = reports[0].part.as_ref().unwrap().subtrees;
        println!(
            "{name:<28} one search {:>6} executions {}; three parts {:>6} {} ({subtrees} subtrees)",
            one.executions,
            if one.complete { "complete" } else { "" },
            whole.executions,
            if whole.complete { "complete" } else { "" },
        );
        for r in &reports {
            println!("  {} {:?}", r.summary_line(), r.part);
        }
        assert_eq!(
            explored, subtrees,
            "{name}: every subtree explored by one part"
        );
        assert_eq!(
            kinds(&one).first(),
            kinds(&whole).first(),
            "{name}: {whole}"
        );
        assert_eq!(one.complete, whole.complete, "{name}: {whole}");
        let (_, two_of_three) = {
            let (mut reports, _) = parts(&program, Strategy::Dfs, 3);
            reports.remove(1);
            let merged = conc_check_core::parts::merge_parts(reports.clone());
            (reports, merged)
        };
        if one.findings.is_empty() {
            assert!(!two_of_three.complete, "{name}: a missing part");
        }
    }
}

#[test]
fn random_parts_share_the_executions_of_one_exploration() {
    let program = conc_check_corpus::find("locked_counter_ok").expect("in the corpus");
    let (reports, whole) = parts(&program, Strategy::Random, 2);
    assert_eq!(whole.executions, 10_000);
    assert!(reports.iter().all(|r| r.executions == 5_000));
    assert!(reports.iter().all(|r| r.part.is_some() && !r.complete));
    assert!(!whole.complete && whole.findings.is_empty(), "{whole}");
}

struct PanicsWhileUnwinding;

impl Drop for PanicsWhileUnwinding {
    fn drop(&mut self) {
        if std::thread::panicking() {
            panic!("a second panic while unwinding");
        }
    }
}

fn drop_panics_while_unwinding() {
    let t = conc_check::thread::spawn(|| {
        let _guard = PanicsWhileUnwinding;
        panic!("the first panic");
    });
    let _ = t.join();
}

#[test]
fn a_worker_ended_by_a_panic_while_unwinding_hands_its_finding_to_the_parent() {
    for strategy in [Strategy::Random, Strategy::Dfs] {
        let report = Builder::new()
            .strategy(strategy)
            .iterations(100)
            .workers(2)
            .explore(drop_panics_while_unwinding);
        let first = report
            .findings
            .first()
            .unwrap_or_else(|| panic!("{report}"));
        assert_eq!(first.kind.name(), "panic", "{report}");
        assert!(first.message.contains("while unwinding"), "{report}");
        assert!(report.schedule.is_some(), "{report}");
    }
}

#[test]
fn a_shared_dfs_that_stops_at_its_budget_estimates_its_space_like_one_worker() {
    // Its space is far larger than the budget (it was `state_machine_cas_ok`, whose 9,718
    // executions became 1,422 once a yield that would only wait stopped being explored).
    let program = conc_check_corpus::find("safe_stack_tagged_ok").expect("in the corpus");
    let run = |workers| {
        Builder::new()
            .strategy(Strategy::Dfs)
            .iterations(2_000)
            .workers(workers)
            .explore(program.run)
    };
    let (one, two) = (run(1), run(2));
    let a = one.space_estimate.clone().expect("one worker estimates");
    let b = two.space_estimate.clone().expect("two workers estimate");
    assert!(!two.complete && two.findings.is_empty(), "{two}");
    assert_eq!(b.searched, 2_000, "{b:?}");
    assert_eq!(b.probes, a.probes);
    assert_eq!(two.executions, 2_000 + b.probes, "{two}");
    // Both estimate the space with the same probes' seed from the same state of knowledge.
    assert!(
        (b.executions / a.executions - 1.0).abs() < 0.5,
        "{a:?} {b:?}"
    );
}

#[test]
fn a_dfs_without_reduction_on_two_workers_runs_every_interleaving_of_one() {
    let program = conc_check_corpus::find("peterson_seqcst_ok").expect("in the corpus");
    let run = |workers| {
        Builder::new()
            .strategy(Strategy::Dfs)
            .partial_order_reduction(false)
            .iterations(100_000)
            .workers(workers)
            .share_work_after(1)
            .explore(program.run)
    };
    let (one, two) = (run(1), run(2));
    assert!(one.complete && two.complete, "{one}\n{two}");
    // Without reduction every interleaving is its own execution: the same count.
    assert_eq!(one.executions, two.executions, "{one}\n{two}");
}

#[test]
fn a_shared_dfs_that_runs_out_of_time_names_the_budget_the_user_set() {
    let program = conc_check_corpus::find("safe_stack_tagged_ok").expect("in the corpus");
    let report = Builder::new()
        .strategy(Strategy::Dfs)
        .iterations(u64::MAX)
        .time_budget(std::time::Duration::from_millis(1500))
        .workers(2)
        .share_work_after(1)
        .explore(program.run);
    assert!(!report.complete && report.findings.is_empty(), "{report}");
    let why = report.stopped_because.clone().unwrap_or_default();
    // The workers ran on what was left of it when they were forked; they say what was set.
    assert!(why.contains("the time budget of 1.5s ran out"), "{why}");
}
