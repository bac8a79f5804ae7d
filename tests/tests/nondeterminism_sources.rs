//! Tests whose behaviour depends on something outside conc-check's control (a `HashMap`'s
//! iteration order, the real clock) get a `nondeterminism` finding under DFS and under replay:
//! not a hang, not a verdict about a program that did not run the same twice.

use std::collections::HashMap;
use std::time::Instant as RealInstant;

use conc_check::sync::{Arc, Mutex};
use conc_check::{thread, Builder, FindingKind, Report, Strategy};

/// Two locks, and a thread that takes one of them (three times, so that DFS has interleavings
/// to replay) while the main thread takes the one that `pick` chooses: what the main thread
/// touches depends on `pick`.
fn contend(pick: impl Fn() -> bool) {
    let a = Arc::new(Mutex::new(0));
    let b = Arc::new(Mutex::new(0));
    let other = {
        let a = a.clone();
        thread::spawn(move || {
            for _ in 0..3 {
                *a.lock().unwrap() += 1;
            }
        })
    };
    for _ in 0..3 {
        let lock = if pick() { &a } else { &b };
        *lock.lock().unwrap() += 1;
    }
    other.join().unwrap();
}

/// Whether the first key a fresh `HashMap` yields is even: std seeds every map differently.
fn hash_order() -> bool {
    let map: HashMap<u32, ()> = (0..16).map(|k| (k, ())).collect();
    map.keys().next().is_some_and(|k| k % 2 == 0)
}

/// Whether the real clock's nanoseconds are even now.
fn real_clock() -> bool {
    static START: std::sync::OnceLock<RealInstant> = std::sync::OnceLock::new();
    START.get_or_init(RealInstant::now).elapsed().as_nanos() % 2 == 0
}

fn dfs() -> Builder {
    Builder::new()
        .strategy(Strategy::Dfs)
        .max_preemptions(None)
        .iterations(10_000)
}

fn assert_nondeterminism(report: &Report, what: &str) {
    assert_eq!(
        report.findings.first().map(|f| f.kind),
        Some(FindingKind::Nondeterminism),
        "{what}: {report}"
    );
    assert!(
        !report.complete,
        "{what}: claims a complete search: {report}"
    );
    let text = report.to_string();
    assert!(
        text.contains("real time") && text.contains("HashMap iteration order"),
        "{what}: the likely causes are not named: {text}"
    );
}

/// Runs `body` under DFS until it is caught (a run whose executions all happen to agree is
/// repeated, up to a few times), and returns the report.
fn caught_under_dfs(body: fn()) -> Report {
    let mut last = dfs().explore(body);
    for _ in 0..20 {
        if last.findings.first().map(|f| f.kind) == Some(FindingKind::Nondeterminism) {
            break;
        }
        last = dfs().explore(body);
    }
    last
}

/// Replays a schedule of `body` recorded from one execution (taken from a DFS that found
/// something, or a failing execution made to fail) until a replay diverges.
fn caught_under_replay(body: fn()) -> Report {
    let recorded = Builder::new()
        .strategy(Strategy::Dfs)
        .iterations(1)
        .explore(move || {
            body();
            panic!("record this execution");
        });
    let schedule = recorded
        .schedule
        .clone()
        .expect("a failing execution has a schedule");
    let mut last = conc_check::replay(&schedule, move || {
        body();
        panic!("record this execution");
    });
    for _ in 0..40 {
        if last.findings.first().map(|f| f.kind) == Some(FindingKind::Nondeterminism) {
            break;
        }
        last = conc_check::replay(&schedule, move || {
            body();
            panic!("record this execution");
        });
    }
    last
}

#[test]
fn a_test_steered_by_hash_map_order_is_nondeterministic_under_dfs_and_replay() {
    let body: fn() = || contend(hash_order);
    assert_nondeterminism(&caught_under_dfs(body), "DFS");
    assert_nondeterminism(&caught_under_replay(body), "replay");
}

#[test]
fn a_test_steered_by_the_real_clock_is_nondeterministic_under_dfs_and_replay() {
    let body: fn() = || contend(real_clock);
    assert_nondeterminism(&caught_under_dfs(body), "DFS");
    assert_nondeterminism(&caught_under_replay(body), "replay");
}

#[test]
fn the_same_test_steered_by_the_virtual_clock_is_deterministic() {
    let report = dfs()
        .explore(|| contend(|| conc_check::time::Instant::now().elapsed().as_nanos() % 2 == 0));
    assert!(report.is_clean() && report.complete, "{report}");
}
