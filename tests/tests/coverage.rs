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

/// Main and one thread each add to one atomic `n` times.
fn adders(n: usize) {
    let total = Arc::new(AtomicUsize::new(0));
    let other = {
        let total = total.clone();
        thread::spawn(move || {
            for _ in 0..n {
                total.fetch_add(1, Ordering::SeqCst);
            }
        })
    };
    for _ in 0..n {
        total.fetch_add(1, Ordering::SeqCst);
    }
    other.join().unwrap();
}

/// Main and one thread each add to one atomic three times.
fn two_adders() {
    adders(3)
}

/// Main and one thread each add to one atomic six times.
fn two_long_adders() {
    adders(6)
}

/// Two senders and a receiver on a channel.
fn two_senders() {
    let (tx, rx) = conc_check::sync::mpsc::channel();
    let senders: Vec<_> = (0..2)
        .map(|n| {
            let tx = tx.clone();
            thread::spawn(move || tx.send(n).unwrap())
        })
        .collect();
    drop(tx);
    let got: Vec<u32> = rx.iter().collect();
    assert_eq!(got.len(), 2);
    for s in senders {
        s.join().unwrap();
    }
}

fn plain_dfs() -> Builder {
    Builder::new()
        .strategy(Strategy::Dfs)
        .max_preemptions(None)
        .partial_order_reduction(false)
}

#[test]
fn knuth_s_estimate_of_a_stopped_dfs_is_within_a_factor_of_2_of_the_exact_count_on_average() {
    // Programs whose spaces are large enough for a third of them to leave room for probes
    // (a tenth of the executions run).
    let programs: [(&str, fn()); 3] = [
        ("three_counters", three_counters),
        ("two_long_adders", two_long_adders),
        ("two_senders", two_senders),
    ];
    let mut log_errors = Vec::new();
    for (name, program) in programs {
        let exact = plain_dfs().iterations(1_000_000).explore(program);
        assert!(exact.complete && exact.is_clean(), "{name}: {exact}");
        let budget = (exact.executions / 3).max(1);
        let probes = (budget / 10).min(100);
        let stopped = plain_dfs().iterations(budget).explore(program);
        assert!(!stopped.complete && stopped.is_clean(), "{name}: {stopped}");
        let estimate = stopped
            .space_estimate
            .clone()
            .unwrap_or_else(|| panic!("{name}: a DFS stopped at its budget estimates its space"));
        assert_eq!(estimate.searched, budget, "{name}");
        assert_eq!(estimate.probes, probes, "{name}");
        assert_eq!(
            stopped.executions,
            budget + probes,
            "probes are counted: {name}"
        );
        let ratio = estimate.executions / exact.executions as f64;
        println!(
            "{name}: exact {} estimate {:.0} ({:.0}..{:.0}) ratio {ratio:.2}",
            exact.executions, estimate.executions, estimate.low, estimate.high
        );
        assert!(
            stopped
                .summary_line()
                .contains(&format!("Knuth's estimator over {probes} random probes")),
            "{}",
            stopped.summary_line()
        );
        log_errors.push(ratio.log2().abs());
    }
    let mean = log_errors.iter().sum::<f64>() / log_errors.len() as f64;
    assert!(
        mean <= 1.0,
        "off by a factor of {:.2} on average",
        mean.exp2()
    );
}

#[test]
fn a_bounded_or_complete_dfs_runs_no_probes() {
    let complete = plain_dfs().explore(two_adders);
    assert!(
        complete.complete && complete.space_estimate.is_none(),
        "{complete}"
    );
    // Enough executions to leave room for probes, under a bound that cuts the space: a bounded
    // search is not what the estimate is about, so none run.
    let bounded = Builder::new()
        .strategy(Strategy::Dfs)
        .max_preemptions(Some(2))
        .iterations(50)
        .explore(three_adders);
    assert!(
        !bounded.complete && bounded.space_estimate.is_none(),
        "{bounded}"
    );
    assert_eq!(bounded.executions, 50, "{bounded}");
}
