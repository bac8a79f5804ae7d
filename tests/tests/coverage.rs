//! What a run that did not exhaust its space reports about it: PCT's probability bound.

use conc_check::sync::atomic::{AtomicUsize, Ordering};
use conc_check::sync::{Arc, Mutex};
use conc_check::{thread, Builder, Strategy};

/// Three threads each increment a shared counter: clean, with a space larger than a few
/// executions.
fn three_counters() {
    let count = Arc::new(Mutex::new(0));
    let threads: Vec<_> = (0..3)
        .map(|_| {
            let count = count.clone();
            thread::spawn(move || *count.lock().unwrap() += 1)
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    assert_eq!(*count.lock().unwrap(), 3);
}

#[test]
fn a_pct_run_reports_the_papers_bound_for_the_executions_it_covered() {
    let report = Builder::new()
        .strategy(Strategy::Pct { depth: 2 })
        .iterations(200)
        .explore(three_counters);
    assert!(report.is_clean() && !report.complete, "{report}");
    let coverage = report
        .coverage
        .clone()
        .expect("a PCT run that stopped gives a bound");
    assert_eq!(coverage.depth, 2);
    assert_eq!(coverage.threads, 4, "the main thread and three others");
    assert!(
        coverage.steps >= 32,
        "k is at least the first draw range: {coverage:?}"
    );
    let p = 1.0 / (4.0 * coverage.steps as f64);
    assert!((coverage.hit_probability - p).abs() < 1e-12, "{coverage:?}");
    assert!(coverage.miss_probability < 1.0 && coverage.miss_probability > 0.0);
    assert!(
        report
            .summary_line()
            .contains("coverage: a bug of depth 2 would have been missed"),
        "{}",
        report.summary_line()
    );
}

/// Three threads each add to one atomic four times: every pair of additions conflicts, so
/// the space (34,650 orders) is far larger than the runs below.
fn three_adders() {
    let total = Arc::new(AtomicUsize::new(0));
    let threads: Vec<_> = (0..3)
        .map(|_| {
            let total = total.clone();
            thread::spawn(move || {
                for _ in 0..4 {
                    total.fetch_add(1, Ordering::SeqCst);
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    assert_eq!(total.load(Ordering::SeqCst), 12);
}

#[test]
fn the_default_strategy_reports_its_pct_member_s_bound_and_a_complete_search_none() {
    let sampled = Builder::new().iterations(60).explore(three_adders);
    assert!(sampled.is_clean() && !sampled.complete, "{sampled}");
    let coverage = sampled
        .coverage
        .expect("the portfolio's PCT turns give a bound");
    assert_eq!(coverage.depth, 3);
    let complete = Builder::new()
        .strategy(Strategy::Dfs)
        .max_preemptions(None)
        .explore(three_counters);
    assert!(
        complete.complete && complete.coverage.is_none(),
        "{complete}"
    );
}
