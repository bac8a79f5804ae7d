//! Lock-order cycles end to end: predicted from one schedule that does not deadlock, the deadlock
//! itself explained when a schedule reaches it, and consistent or gated lock orders left alone.

use conc_check::sync::{Arc, Mutex, RwLock};
use conc_check::{thread, Builder, FindingKind, Strategy};
use conc_check_corpus::programs::{abba, dining_philosophers, gate_lock};

#[test]
fn one_dfs_execution_of_abba_predicts_the_cycle() {
    let report = Builder::new()
        .strategy(Strategy::Dfs)
        .iterations(1)
        .explore(abba::buggy);
    assert_eq!(report.executions, 1);
    assert_eq!(
        report.kinds(),
        vec![FindingKind::LockOrderCycle],
        "{report}"
    );
    let finding = &report.findings[0];
    assert_eq!(
        finding.message,
        "lock order cycle: thread 1 takes `a` then `b`, thread 2 takes `b` then `a`; these can deadlock"
    );
    let text = finding.notes.join("\n");
    assert!(
        text.contains("cycle: Mutex `a` (created at corpus/src/programs/abba.rs:"),
        "{text}"
    );
    assert!(text.contains("thread 1 holds `a`, locked at corpus/src/programs/abba.rs:"));
    assert!(text.contains("thread 2 holds `b`, locked at corpus/src/programs/abba.rs:"));
    assert!(text.contains("lock(b)  <- waits\n"), "{text}");
    assert!(text.contains("lock(a)  <- waits: deadlock"), "{text}");
    // The interleaving calls the locks by the same names.
    let steps: Vec<&str> = report
        .interleaving
        .iter()
        .map(|s| s.action.as_str())
        .collect();
    assert!(steps.contains(&"locks Mutex `a`"), "{steps:?}");
    assert!(steps.contains(&"locks Mutex `b`"), "{steps:?}");
    // Both lines of both edges.
    let mut lines: Vec<u32> = finding.sites.iter().map(|s| s.line).collect();
    lines.sort_unstable();
    lines.dedup();
    assert_eq!(lines.len(), 4, "{lines:?}");
    assert!(report.schedule.is_some() && report.replay.is_some());
}

/// ABBA with work between the two locks: after a yield the DFS lets the other thread go first,
/// so its very first schedule deadlocks.
fn abba_with_work_between() {
    let a = Arc::new(Mutex::new(0));
    let b = Arc::new(Mutex::new(0));
    let (a2, b2) = (a.clone(), b.clone());
    let first = thread::spawn(move || {
        let _x = a.lock().unwrap();
        thread::yield_now();
        let _y = b.lock().unwrap();
    });
    let second = thread::spawn(move || {
        let _y = b2.lock().unwrap();
        thread::yield_now();
        let _x = a2.lock().unwrap();
    });
    first.join().unwrap();
    second.join().unwrap();
}

#[test]
fn a_dfs_execution_that_reaches_the_deadlock_reports_the_deadlock() {
    let report = Builder::new()
        .strategy(Strategy::Dfs)
        .explore(abba_with_work_between);
    assert_eq!(report.executions, 1);
    // The execution deadlocked before either thread took its second lock: no order edge exists,
    // only the deadlock, explained.
    assert_eq!(report.kinds(), vec![FindingKind::Deadlock], "{report}");
    let finding = &report.findings[0];
    assert!(
        finding
            .message
            .contains("thread 1 and thread 2 wait for each other"),
        "{}",
        finding.message
    );
    let text = finding.notes.join("\n");
    assert_eq!(text.matches("(created at").count(), 2, "{text}");
    assert!(
        text.contains("cycle: thread 1 → thread 2 → thread 1"),
        "{text}"
    );
    assert!(
        text.contains("the main thread waits to join thread 1"),
        "{text}"
    );
}

#[test]
fn the_default_strategy_reports_abba_at_once() {
    let report = Builder::new().explore(abba::buggy);
    assert_eq!(
        report.kinds(),
        vec![FindingKind::LockOrderCycle],
        "{report}"
    );
    assert_eq!(report.executions, 1);
}

#[test]
fn dfs_explores_consistent_order_completely_without_a_finding() {
    let report = Builder::new()
        .strategy(Strategy::Dfs)
        .iterations(1_000_000)
        .explore(abba::clean);
    assert!(report.is_clean(), "{report}");
    assert!(report.complete, "{report}");
}

#[test]
fn dfs_explores_the_gate_lock_completely_without_a_finding() {
    let report = Builder::new()
        .strategy(Strategy::Dfs)
        .iterations(1_000_000)
        .explore(gate_lock::clean);
    assert!(report.is_clean(), "{report}");
    assert!(report.complete, "{report}");
}

#[test]
fn bypassing_the_gate_is_a_cycle() {
    let report = Builder::new()
        .strategy(Strategy::Dfs)
        .iterations(1)
        .explore(gate_lock::buggy);
    assert_eq!(
        report.kinds(),
        vec![FindingKind::LockOrderCycle],
        "{report}"
    );
    let text = report.findings[0].notes.join("\n");
    assert!(
        text.contains(
            "while also holding Mutex `gate` (created at corpus/src/programs/gate_lock.rs:"
        ),
        "{text}"
    );
}

#[test]
fn the_five_philosophers_form_a_cycle_of_five() {
    let report = Builder::new()
        .strategy(Strategy::Dfs)
        .iterations(1)
        .explore(dining_philosophers::buggy);
    assert_eq!(
        report.kinds(),
        vec![FindingKind::LockOrderCycle],
        "{report}"
    );
    let finding = &report.findings[0];
    assert!(
        finding
            .message
            .starts_with("lock order cycle of 5 locks: thread 1 takes `forks#0` then `forks#1`, "),
        "{}",
        finding.message
    );
    assert!(
        finding
            .message
            .contains("thread 5 takes `forks#4` then `forks#0`"),
        "{}",
        finding.message
    );
}

/// Two threads that take two RwLocks in opposite orders, in the given modes.
fn rw_pair(first_writes: bool, second_writes: bool) {
    let a = Arc::new(RwLock::new(0));
    let b = Arc::new(RwLock::new(0));
    let (a2, b2) = (a.clone(), b.clone());
    let first = thread::spawn(move || {
        let _x = a.read().unwrap();
        if first_writes {
            *b.write().unwrap() += 1;
        } else {
            let _y = b.read().unwrap();
        }
    });
    let second = thread::spawn(move || {
        let _y = b2.read().unwrap();
        if second_writes {
            *a2.write().unwrap() += 1;
        } else {
            let _x = a2.read().unwrap();
        }
    });
    first.join().unwrap();
    second.join().unwrap();
}

#[test]
fn read_locks_in_opposite_orders_are_not_a_cycle() {
    let report = Builder::new()
        .strategy(Strategy::Dfs)
        .iterations(1_000_000)
        .explore(|| rw_pair(false, false));
    assert!(report.is_clean(), "{report}");
    assert!(report.complete, "{report}");
}

#[test]
fn writers_in_opposite_orders_are_a_cycle() {
    let report = Builder::new()
        .strategy(Strategy::Dfs)
        .iterations(1)
        .explore(|| rw_pair(true, true));
    assert_eq!(
        report.kinds(),
        vec![FindingKind::LockOrderCycle],
        "{report}"
    );
    let text = report.findings[0].notes.join("\n");
    assert!(text.contains("RwLock `a` (created at"), "{text}");
    assert!(text.contains("read-locked at"), "{text}");
    assert!(text.contains("write-locks `b` at"), "{text}");
    assert!(text.contains("read(a)"), "{text}");
}

#[test]
fn the_lock_order_finding_serializes_with_its_kind() {
    let report = Builder::new()
        .strategy(Strategy::Dfs)
        .iterations(1)
        .explore(abba::buggy);
    let json: serde_json::Value = serde_json::to_value(&report).unwrap();
    assert_eq!(json["findings"][0]["kind"], "lock_order_cycle");
}
