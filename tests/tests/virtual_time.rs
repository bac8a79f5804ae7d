//! `conc_check::time`: a virtual clock inside a model, std's outside.

use std::time::Duration;

use conc_check::sync::atomic::{AtomicBool, Ordering};
use conc_check::sync::Arc;
use conc_check::thread;
use conc_check::time::{Instant, SystemTime, UNIX_EPOCH};
use conc_check::{Builder, Strategy};

fn dfs() -> Builder {
    Builder::new()
        .strategy(Strategy::Dfs)
        .max_preemptions(None)
        .iterations(10_000)
}

/// 2024-01-01T00:00:00Z, where a model's wall clock starts.
const MODEL_START: Duration = Duration::from_secs(1_704_067_200);

#[test]
fn every_execution_starts_its_clock_at_the_same_time_and_sleeps_move_it() {
    let report = dfs().explore(|| {
        // The same start in every execution, although earlier ones slept.
        let wall = SystemTime::now().duration_since(UNIX_EPOCH).unwrap();
        assert_eq!(wall, MODEL_START);
        let start = Instant::now();
        let sleeper = thread::spawn(|| thread::sleep(Duration::from_millis(30)));
        thread::sleep(Duration::from_millis(10));
        sleeper.join().unwrap();
        let elapsed = start.elapsed();
        assert!(elapsed >= Duration::from_millis(30), "{elapsed:?}");
        assert!(elapsed <= Duration::from_millis(40), "{elapsed:?}");
    });
    assert!(report.is_clean() && report.complete, "{report}");
    assert!(report.executions > 1, "{report}");
}

#[test]
fn a_loop_that_waits_for_time_to_pass_ends_in_virtual_time() {
    let report = dfs().explore(|| {
        let start = Instant::now();
        let mut naps = 0;
        while start.elapsed() < Duration::from_secs(3600) {
            thread::sleep(Duration::from_secs(600));
            naps += 1;
        }
        assert_eq!(naps, 6);
    });
    assert!(report.is_clean() && report.complete, "{report}");
}

#[test]
fn a_park_timeout_that_fires_moves_the_clock_and_one_that_is_unparked_need_not() {
    static WAITED: std::sync::Mutex<Vec<Duration>> = std::sync::Mutex::new(Vec::new());
    let report = dfs().explore(|| {
        let start = Instant::now();
        let unparked = Arc::new(AtomicBool::new(false));
        let flag = unparked.clone();
        let parker = thread::spawn(move || {
            let before = Instant::now();
            thread::park_timeout(Duration::from_millis(50));
            (before.elapsed(), flag.load(Ordering::SeqCst))
        });
        unparked.store(true, Ordering::SeqCst);
        parker.thread().unpark();
        let (waited, _) = parker.join().unwrap();
        // Either the unpark ended the park (no time passed) or the timeout fired first.
        assert!(
            waited == Duration::ZERO || waited >= Duration::from_millis(50),
            "{waited:?}"
        );
        assert!(start.elapsed() <= Duration::from_millis(50));
        WAITED.lock().unwrap().push(waited);
    });
    assert!(report.is_clean() && report.complete, "{report}");
    let waited = WAITED.lock().unwrap();
    assert!(
        waited.contains(&Duration::ZERO),
        "never ended by the unpark: {waited:?}"
    );
    assert!(
        waited.iter().any(|w| *w >= Duration::from_millis(50)),
        "never timed out: {waited:?}"
    );
}

#[test]
fn outside_a_model_the_clocks_are_std_s() {
    let start = Instant::now();
    std::thread::sleep(Duration::from_millis(2));
    assert!(start.elapsed() >= Duration::from_millis(2));
    let wall = SystemTime::now().duration_since(UNIX_EPOCH).unwrap();
    assert!(wall > MODEL_START, "a real clock reads after 2024");
}

/// A cell shared without synchronisation, to be raced on.
struct Racy(conc_check::cell::UnsafeCell<u32>);

// SAFETY: only for the race detector to find the race; the test never reads a torn value.
unsafe impl Sync for Racy {}

#[test]
fn sleeping_threads_do_not_synchronise_through_the_clock() {
    let report = dfs().explore(|| {
        let start = Instant::now();
        let cell = Arc::new(Racy(conc_check::cell::UnsafeCell::new(0)));
        let writer = {
            let cell = cell.clone();
            thread::spawn(move || {
                cell.0.with_mut(|p| unsafe { *p = 1 });
                thread::sleep(Duration::from_millis(10));
            })
        };
        // Read only once the writer's sleep has moved the clock: seeing that time must not
        // order the writer's write before this read.
        while start.elapsed() < Duration::from_millis(10) {
            thread::yield_now();
        }
        cell.0.with(|p| unsafe { *p });
        writer.join().unwrap();
    });
    assert_eq!(
        report.findings.first().map(|f| f.kind),
        Some(conc_check::FindingKind::DataRace),
        "{report}"
    );
}
