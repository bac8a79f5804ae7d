//! Runs that prove less than they claim are never reported clean: nondeterminism stops a DFS
//! with a finding, a replay that does not repeat its execution says so, a zero budget explores
//! nothing and says so; and thread panics follow std (a panic that the joiner handles is not a
//! finding), as does `#[should_panic]`.

use std::sync::atomic::{AtomicUsize as StdAtomicUsize, Ordering as StdOrdering};
use std::time::Duration;

use conc_check::sync::atomic::{AtomicUsize, Ordering};
use conc_check::sync::{Arc, Mutex};
use conc_check::{thread, Builder, FindingKind, Strategy};

/// Two unsynchronised read-then-write increments: some interleavings lose one.
fn lost_update(extra_thread: bool) {
    let n = Arc::new(AtomicUsize::new(0));
    let handles: Vec<_> = (0..2)
        .map(|_| {
            let n = n.clone();
            thread::spawn(move || {
                let v = n.load(Ordering::SeqCst);
                n.store(v + 1, Ordering::SeqCst);
            })
        })
        .collect();
    if extra_thread {
        thread::spawn(|| {}).join().unwrap();
    }
    for h in handles {
        h.join().unwrap();
    }
    assert_eq!(n.load(Ordering::SeqCst), 2, "an increment was lost");
}

#[test]
fn a_test_that_changes_between_executions_is_a_nondeterminism_finding() {
    // State kept across executions decides whether a harmless extra thread runs.
    static RUNS: StdAtomicUsize = StdAtomicUsize::new(0);
    let report = Builder::new().strategy(Strategy::Dfs).explore(|| {
        let run = RUNS.fetch_add(1, StdOrdering::Relaxed);
        lost_update(run == 1);
    });
    assert!(
        report.has(FindingKind::Nondeterminism) || report.has(FindingKind::Panic),
        "never a clean report: {report}"
    );
    assert!(report.has(FindingKind::Nondeterminism), "{report}");
    assert!(!report.complete, "{report}");
    let f = report
        .findings
        .iter()
        .find(|f| f.kind == FindingKind::Nondeterminism)
        .unwrap();
    assert!(f.message.contains("not deterministic"), "{}", f.message);
    assert!(f.notes.join(" ").contains("static"), "{:?}", f.notes);
}

#[test]
fn a_replay_that_does_not_repeat_its_execution_is_a_nondeterminism_finding() {
    static RUNS: StdAtomicUsize = StdAtomicUsize::new(0);
    // The panic depends on how many executions ran before, not on the interleaving.
    let body = || {
        let run = RUNS.fetch_add(1, StdOrdering::Relaxed);
        let t = thread::spawn(|| {});
        t.join().unwrap();
        assert!(run % 2 == 0, "odd execution");
    };
    let report = Builder::new().explore(body);
    assert_eq!(report.kinds(), vec![FindingKind::Panic], "{report}");
    let schedule = report.schedule.clone().unwrap();
    // Same choices, but this time the assertion holds: the replay must say it diverged.
    let replayed = conc_check::replay(&schedule, body);
    assert_eq!(
        replayed.kinds(),
        vec![FindingKind::Nondeterminism],
        "{replayed}"
    );
    let notes = replayed.findings[0].notes.join("\n");
    assert!(
        notes.contains("ended with panic; this one with no finding"),
        "{notes}"
    );
    // And once more, when it panics again, it is a faithful replay.
    let again = conc_check::replay(&schedule, body);
    assert_eq!(again.kinds(), vec![FindingKind::Panic], "{again}");
}

#[test]
fn a_zero_budget_explores_nothing_and_says_so() {
    for builder in [
        Builder::new().iterations(0),
        Builder::new().time_budget(Duration::ZERO),
    ] {
        let report = builder.explore(|| {});
        assert_eq!(report.executions, 0);
        assert!(report.findings.is_empty());
        let why = report
            .shortfall()
            .expect("a report that checked nothing says so");
        assert!(why.contains("no execution ran"), "{why}");
        assert!(!report.complete);
    }
    let refused = std::panic::catch_unwind(|| Builder::new().iterations(0).check(|| {}));
    let message = refused.expect_err("check() must not pass a run that checked nothing");
    let message = message
        .downcast_ref::<String>()
        .cloned()
        .unwrap_or_default();
    assert!(message.contains("nothing was checked"), "{message}");
}

#[test]
fn a_panic_the_joiner_handles_is_not_a_finding() {
    let report = Builder::new().strategy(Strategy::Dfs).explore(|| {
        let t = thread::spawn(|| panic!("expected in this test"));
        let result = t.join();
        assert!(result.is_err(), "join hands the panic to the joiner");
        let message = result
            .unwrap_err()
            .downcast_ref::<&str>()
            .copied()
            .unwrap_or_default();
        assert_eq!(message, "expected in this test");
    });
    assert!(report.findings.is_empty(), "{report}");
    assert!(report.complete, "{report}");
}

#[test]
fn a_panic_nobody_joins_is_a_finding() {
    let report = Builder::new().strategy(Strategy::Dfs).explore(|| {
        let _detached = thread::spawn(|| panic!("nobody looks"));
    });
    assert_eq!(report.kinds(), vec![FindingKind::Panic], "{report}");
    assert!(report.findings[0]
        .message
        .contains("thread 1 panicked: nobody looks"));
    assert!(report.findings[0].notes.join(" ").contains("nobody joined"));
}

#[test]
fn unwrapping_a_failed_join_reports_the_first_panic() {
    let report = Builder::new().strategy(Strategy::Dfs).explore(|| {
        let t = thread::spawn(|| panic!("the real cause"));
        t.join().unwrap();
    });
    assert_eq!(report.kinds(), vec![FindingKind::Panic], "{report}");
    let f = &report.findings[0];
    assert!(
        f.message.contains("thread 1 panicked: the real cause"),
        "{}",
        f.message
    );
    assert!(f.notes.join(" ").contains("unwrapped"), "{:?}", f.notes);
}

#[test]
fn a_scoped_thread_that_panicked_unjoined_makes_the_scope_panic_as_in_std() {
    let report = Builder::new().strategy(Strategy::Dfs).explore(|| {
        thread::scope(|s| {
            s.spawn(|| panic!("inside the scope"));
        });
    });
    assert_eq!(report.kinds(), vec![FindingKind::Panic], "{report}");
    assert!(
        report.findings[0]
            .message
            .contains("a scoped thread panicked"),
        "{report}"
    );
}

#[test]
fn a_scope_whose_closure_panics_joins_its_threads_first() {
    let report = Builder::new().strategy(Strategy::Dfs).explore(|| {
        let t = thread::spawn(|| {
            let local = AtomicUsize::new(0);
            thread::scope(|s| {
                s.spawn(|| local.fetch_add(1, Ordering::SeqCst));
                panic!("the scope's closure panics");
            });
        });
        let joined = t.join();
        assert!(joined.is_err(), "the thread's panic reaches its joiner");
    });
    assert!(report.findings.is_empty(), "{report}");
    assert!(report.complete, "{report}");
}

#[test]
fn a_poisoned_lock_after_a_handled_panic_behaves_as_in_std() {
    let report = Builder::new().strategy(Strategy::Dfs).explore(|| {
        let m = Arc::new(Mutex::new(0));
        let m2 = m.clone();
        let t = thread::spawn(move || {
            let _g = m2.lock().unwrap();
            panic!("poisons the lock");
        });
        assert!(t.join().is_err());
        assert!(m.lock().is_err(), "the lock is poisoned");
    });
    assert!(report.findings.is_empty(), "{report}");
}

#[test]
fn expect_panic_passes_when_an_interleaving_panics_and_not_otherwise() {
    let found = Builder::new()
        .expect_panic("an increment was lost")
        .explore(|| lost_update(false));
    assert!(found.found_expected_panic(), "{found}");
    let caught = std::panic::catch_unwind(|| {
        Builder::new()
            .expect_panic("an increment was lost")
            .check(|| lost_update(false))
    });
    assert!(caught.is_err(), "check() panics for libtest's should_panic");

    let clean = Builder::new().expect_panic("").explore(|| {});
    assert!(!clean.found_expected_panic());
    let returned = std::panic::catch_unwind(|| Builder::new().expect_panic("").check(|| {}));
    assert!(
        returned.is_ok(),
        "no panic, so libtest fails the should_panic test"
    );
}

#[conc_check::test]
#[should_panic(expected = "an increment was lost")]
fn should_panic_on_a_conc_check_test_finds_the_panicking_interleaving() {
    lost_update(false);
}
