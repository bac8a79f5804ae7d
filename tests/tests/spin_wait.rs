//! Yield-spinning loops end to end (`runtime::spin`): an iteration that repeats unchanged
//! waits for a write to what it read, so the search stays small and complete; a loop that
//! gives up after some attempts still gives up when nobody can write; one that can never end
//! is still a livelock; and the writes a spinner waits for are the ones it sees.

use std::sync::atomic::{AtomicBool as StdBool, AtomicUsize as StdUsize, Ordering as StdOrdering};
use std::sync::Arc as StdArc;

use conc_check::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use conc_check::sync::Arc;
use conc_check::{thread, Builder, FindingKind, Strategy};

/// A waiter spins with `yield_now` until a setter, which first does some unrelated work,
/// raises the flag; the waiter then reads the value published before it.
fn flag_wait() {
    let flag = Arc::new(AtomicBool::new(false));
    let data = Arc::new(AtomicUsize::new(0));
    let setter = {
        let (flag, data) = (flag.clone(), data.clone());
        thread::spawn(move || {
            let unrelated = AtomicUsize::new(0);
            for _ in 0..3 {
                unrelated.fetch_add(1, Ordering::Relaxed);
            }
            data.store(7, Ordering::Relaxed);
            flag.store(true, Ordering::Release);
        })
    };
    while !flag.load(Ordering::Acquire) {
        thread::yield_now();
    }
    assert_eq!(data.load(Ordering::Relaxed), 7);
    setter.join().unwrap();
}

#[test]
fn a_yield_spin_is_explored_completely_and_sees_the_write_it_waits_for() {
    for bound in [None, Some(2)] {
        let report = Builder::new()
            .strategy(Strategy::Dfs)
            .max_preemptions(bound)
            .explore(flag_wait);
        assert!(report.is_clean() && report.complete, "{bound:?}: {report}");
    }
}

#[test]
fn a_loop_that_gives_up_after_some_attempts_gives_up_when_nobody_can_write() {
    let gave_up = StdArc::new(StdBool::new(false));
    let attempts_seen = StdArc::new(StdUsize::new(0));
    let (g, a) = (gave_up.clone(), attempts_seen.clone());
    let report = Builder::new().strategy(Strategy::Dfs).explore(move || {
        let flag = Arc::new(AtomicBool::new(false));
        let mut attempts = 1;
        while !flag.load(Ordering::Acquire) && attempts < 4 {
            thread::yield_now();
            attempts += 1;
        }
        if !flag.load(Ordering::Acquire) {
            g.store(true, StdOrdering::SeqCst);
            a.fetch_max(attempts, StdOrdering::SeqCst);
        }
    });
    assert!(report.is_clean() && report.complete, "{report}");
    assert!(gave_up.load(StdOrdering::SeqCst), "the loop never gave up");
    assert_eq!(attempts_seen.load(StdOrdering::SeqCst), 4);
}

#[test]
fn a_spin_nobody_ends_is_still_a_livelock() {
    let report = Builder::new().strategy(Strategy::Dfs).explore(|| {
        let flag = Arc::new(AtomicBool::new(false));
        let other = {
            let flag = flag.clone();
            thread::spawn(move || drop(flag))
        };
        while !flag.load(Ordering::Acquire) {
            thread::yield_now();
        }
        other.join().unwrap();
    });
    assert_eq!(
        report.findings.first().map(|f| f.kind),
        Some(FindingKind::Livelock),
        "{report}"
    );
}

#[test]
fn a_spinner_reading_two_flags_ends_when_either_is_set() {
    let report = Builder::new().strategy(Strategy::Dfs).explore(|| {
        let a = Arc::new(AtomicBool::new(false));
        let b = Arc::new(AtomicBool::new(false));
        let setter = {
            let b = b.clone();
            thread::spawn(move || b.store(true, Ordering::Release))
        };
        while !a.load(Ordering::Acquire) && !b.load(Ordering::Acquire) {
            thread::yield_now();
        }
        setter.join().unwrap();
    });
    assert!(report.is_clean() && report.complete, "{report}");
}
