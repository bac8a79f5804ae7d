//! `#[conc_check::test]` with and without arguments.

use conc_check::sync::atomic::{AtomicUsize, Ordering};
use conc_check::sync::{Arc, Mutex};
use conc_check::thread;

#[conc_check::test]
fn bare_attribute_explores_a_clean_test() {
    let n = Arc::new(Mutex::new(0));
    let m = n.clone();
    let t = thread::spawn(move || *m.lock().unwrap() += 1);
    *n.lock().unwrap() += 1;
    t.join().unwrap();
    assert_eq!(*n.lock().unwrap(), 2);
}

#[conc_check::test(strategy = "dfs", max_preemptions = None, iterations = 100_000)]
fn arguments_select_unbounded_dfs() {
    let n = Arc::new(AtomicUsize::new(0));
    let m = n.clone();
    let t = thread::spawn(move || m.fetch_add(1, Ordering::SeqCst));
    n.fetch_add(1, Ordering::SeqCst);
    t.join().unwrap();
    assert_eq!(n.load(Ordering::SeqCst), 2);
}

#[conc_check::test(strategy = "pct", depth = 2, iterations = 2000, seed = 7)]
#[should_panic(expected = "an increment was lost")]
fn a_finding_fails_the_test_with_the_report() {
    let n = Arc::new(AtomicUsize::new(0));
    let m = n.clone();
    let t = thread::spawn(move || m.store(m.load(Ordering::SeqCst) + 1, Ordering::SeqCst));
    n.store(n.load(Ordering::SeqCst) + 1, Ordering::SeqCst);
    t.join().unwrap();
    assert_eq!(n.load(Ordering::SeqCst), 2, "an increment was lost");
}

#[conc_check::test(strategy = "random", iterations = 500, max_steps = 10_000)]
#[should_panic(expected = "conc_check::deadlock")]
fn the_report_names_the_finding_kind() {
    let m = Arc::new(Mutex::new(()));
    let _held = m.lock().unwrap();
    let _again = m.lock().unwrap();
}
