//! Section 4: what the data-race detector costs on a cell-heavy program.

use std::time::Instant;

use conc_check::cell::UnsafeCell;
use conc_check::sync::{Arc, Mutex};
use conc_check::{thread, Builder, Strategy};

use crate::table::{count, secs, Table};

/// Cell writes per thread.
const WRITES: usize = 50;
/// Executions per measurement.
const EXECUTIONS: u64 = 2_000;
/// Measurements per setting; the best counts.
const ROUNDS: usize = 3;

struct Counter {
    lock: Mutex<()>,
    value: UnsafeCell<u64>,
}

// SAFETY: `value` is only accessed with `lock` held.
unsafe impl Sync for Counter {}

/// Two threads each increment a lock-protected cell `WRITES` times, reading it as well.
fn cell_heavy() {
    let counter = Arc::new(Counter {
        lock: Mutex::new(()),
        value: UnsafeCell::new(0),
    });
    let other = counter.clone();
    let t = thread::spawn(move || bump(&other));
    bump(&counter);
    t.join().unwrap();
    let _g = counter.lock.lock().unwrap();
    assert_eq!(counter.value.with(|p| unsafe { *p }), 2 * WRITES as u64);
}

fn bump(c: &Counter) {
    for _ in 0..WRITES {
        let _g = c.lock.lock().unwrap();
        let v = c.value.with(|p| unsafe { *p });
        c.value.with_mut(|p| unsafe { *p = v + 1 });
    }
}

fn best(races: bool) -> (f64, u64) {
    (0..ROUNDS)
        .map(|_| {
            let started = Instant::now();
            let report = Builder::new()
                // One worker: the tools are compared on one core each (section 11 measures workers).
                .workers(1)
                .strategy(Strategy::Random)
                .seed(1)
                .iterations(EXECUTIONS)
                .race_detection(races)
                .explore(cell_heavy);
            assert!(report.is_clean(), "{report}");
            (started.elapsed().as_secs_f64(), report.executions)
        })
        .fold((f64::MAX, 0), |(t, _), (s, e)| (t.min(s), e))
}

/// Measures and prints the section.
pub(crate) fn run() {
    eprintln!("[4/4] race detection cost");
    let (off, executions) = best(false);
    let (on, _) = best(true);
    let mut table = Table::new(&[
        "race detection",
        "executions",
        "time (best of 3)",
        "on ÷ off",
    ]);
    table.row(vec!["off".into(), count(executions), secs(off), "—".into()]);
    table.row(vec![
        "on".into(),
        count(executions),
        secs(on),
        format!("{:.2}×", on / off),
    ]);
    println!(
        "## 4. Race detection cost: two threads, {WRITES} locked cell read+write pairs each\n"
    );
    println!(
        "conc-check Random, {EXECUTIONS} executions, with the data-race detector off and on (target: on ÷ off ≤ 2).\n"
    );
    println!("{}", table.render());
}
