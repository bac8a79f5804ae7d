//! The exact bounded search on its own (`Strategy::Dfs` with a preemption bound runs it after an
//! unbounded first attempt, which hides its misses whenever that attempt finishes). This file is
//! its own process, so the internal `CONC_CHECK_SOUNDNESS_EXACT` it sets reaches no other test.

use std::collections::BTreeSet;
use std::sync::{Arc as StdArc, Mutex as StdMutex};

use conc_check::sync::atomic::{AtomicUsize, Ordering};
use conc_check::sync::Arc;
use conc_check::{thread, Builder, Strategy};

/// What one execution ended with: the main thread's `fetch_add` result and what the spinning
/// thread saw after how many looks.
type Outcome = (usize, usize, usize);

/// A thread looks at `a` up to three times, yielding between looks, then stores 3; a second
/// thread bumps an unrelated atomic and ends; the main thread bumps `a`. The outcome where the
/// spinner gives up before the main thread's bump needs its second look to follow a free
/// switch to the short-lived thread: preempting there instead spends the bound.
fn spinner_gives_up(outcomes: &StdArc<StdMutex<BTreeSet<Outcome>>>) -> impl Fn() + Send + Sync {
    let outcomes = outcomes.clone();
    move || {
        let a = Arc::new([AtomicUsize::new(0), AtomicUsize::new(0)]);
        let a1 = a.clone();
        let spinner = thread::spawn(move || {
            let mut looks = 1;
            let mut seen = a1[0].load(Ordering::Acquire);
            while seen < 2 && looks < 3 {
                thread::yield_now();
                seen = a1[0].load(Ordering::Acquire);
                looks += 1;
            }
            a1[0].store(3, Ordering::SeqCst);
            (seen, looks)
        });
        let a2 = a.clone();
        let short = thread::spawn(move || a2[1].fetch_add(1, Ordering::SeqCst));
        let old = a[0].fetch_add(1, Ordering::SeqCst);
        short.join().unwrap();
        let (seen, looks) = spinner.join().unwrap();
        outcomes.lock().unwrap().insert((old, seen, looks));
    }
}

fn outcomes(reduction: bool, bound: usize) -> BTreeSet<Outcome> {
    let found = StdArc::new(StdMutex::new(BTreeSet::new()));
    let report = Builder::new()
        .strategy(Strategy::Dfs)
        .max_preemptions(Some(bound))
        .partial_order_reduction(reduction)
        .spurious_wakeups(true)
        .iterations(100_000)
        .explore(spinner_gives_up(&found));
    assert!(report.is_clean() && report.complete, "{report}");
    let set = found.lock().unwrap().clone();
    set
}

#[test]
fn the_exact_search_reaches_a_spinner_that_gives_up_after_a_free_switch() {
    std::env::set_var("CONC_CHECK_SOUNDNESS_EXACT", "1");
    for bound in [2, 3] {
        let plain = outcomes(false, bound);
        assert!(plain.contains(&(3, 0, 3)), "bound {bound}: {plain:?}");
        assert_eq!(outcomes(true, bound), plain, "bound {bound}");
    }
}
