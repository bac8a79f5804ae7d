//! Model threads that never come back to the scheduler, and stacks: a CPU loop outside the
//! shim, a spin on a std atomic and a std lock held across a shim operation are each ended and
//! reported as a `hang` within the hang timeout; a thread that runs off its stack is a
//! `stack_overflow`; recursion that fits a std thread's stack fits a model thread's.

use std::hint::black_box;
use std::sync::atomic::{AtomicBool as StdAtomicBool, Ordering as StdOrdering};
use std::time::{Duration, Instant};

use conc_check::sync::atomic::{AtomicUsize, Ordering};
use conc_check::sync::Arc;
use conc_check::{thread, Builder, FindingKind, Report, Strategy};

/// A quick hang timeout, so that these tests take seconds, not minutes.
fn quick() -> Builder {
    Builder::new()
        .hang_timeout(Some(Duration::from_millis(300)))
        .time_budget(Duration::from_secs(20))
}

fn text(report: &Report) -> String {
    report
        .findings
        .iter()
        .map(|f| format!("{}\n{}", f.message, f.notes.join("\n")))
        .collect::<Vec<_>>()
        .join("\n")
}

#[inline(never)]
fn spin_forever(n: &mut u64) {
    loop {
        *n = black_box(n.wrapping_add(1));
    }
}

#[test]
fn a_cpu_loop_outside_the_shim_is_a_hang_that_names_the_thread_and_where_it_runs() {
    let started = Instant::now();
    let report = quick().explore(|| {
        let t = thread::spawn(|| {
            let mut n = 0;
            spin_forever(&mut n);
        });
        t.join().unwrap();
    });
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(report.kinds(), vec![FindingKind::Hang], "{report}");
    let f = &report.findings[0];
    assert!(f.message.contains("thread 1"), "{}", f.message);
    assert_eq!(f.threads(), [1], "{:?}", f.sites);
    assert!(
        f.message
            .contains("without reaching a conc-check operation"),
        "{}",
        f.message
    );
    let all = text(&report);
    assert!(
        all.contains("spin_forever"),
        "the stack names the loop: {all}"
    );
    assert!(all.contains("stuck_threads.rs"), "and its file: {all}");
    assert!(
        report.schedule.is_some(),
        "a hang can be replayed: {report}"
    );
}

#[test]
fn a_spin_on_a_std_atomic_is_a_hang_and_the_exploration_goes_on_afterwards() {
    let report = quick().explore(|| {
        let flag = std::sync::Arc::new(StdAtomicBool::new(false));
        let seen = flag.clone();
        let t = thread::spawn(move || {
            while !seen.load(StdOrdering::Acquire) {
                std::hint::spin_loop();
            }
        });
        t.join().unwrap();
        flag.store(true, StdOrdering::Release);
    });
    assert_eq!(report.kinds(), vec![FindingKind::Hang], "{report}");
    assert!(
        text(&report).contains("conc_check::sync::atomic"),
        "{report}"
    );
    // The exploration machinery survived the trap: the next exploration runs normally.
    let clean = Builder::new().strategy(Strategy::Dfs).explore(|| {
        let n = Arc::new(AtomicUsize::new(0));
        let t = thread::spawn({
            let n = n.clone();
            move || n.fetch_add(1, Ordering::SeqCst)
        });
        n.fetch_add(1, Ordering::SeqCst);
        t.join().unwrap();
    });
    assert!(clean.findings.is_empty() && clean.complete, "{clean}");
}

#[test]
fn a_std_mutex_held_across_a_shim_operation_is_a_hang_that_says_to_use_the_shim_mutex() {
    let report = quick().explore(|| {
        let lock = std::sync::Arc::new(std::sync::Mutex::new(0));
        let flag = Arc::new(AtomicUsize::new(0));
        let (lock2, flag2) = (lock.clone(), flag.clone());
        let t = thread::spawn(move || {
            let mut g = lock2.lock().unwrap();
            flag2.store(1, Ordering::SeqCst); // a scheduling point, holding the std lock
            *g += 1;
        });
        flag.load(Ordering::SeqCst);
        *lock.lock().unwrap() += 1;
        t.join().unwrap();
    });
    assert_eq!(report.kinds(), vec![FindingKind::Hang], "{report}");
    let f = &report.findings[0];
    assert!(
        f.message.contains("std::sync::Mutex::lock"),
        "{}",
        f.message
    );
    let all = text(&report);
    assert!(all.contains("use conc_check::sync::Mutex"), "{all}");
    assert!(all.contains("thread 1 is suspended"), "who holds it: {all}");
}

#[test]
fn waiting_for_a_std_thread_that_never_ends_is_a_hang_that_names_the_join() {
    let report = quick().explore(|| {
        let (_keep, never) = std::sync::mpsc::channel::<()>();
        let t = std::thread::spawn(move || never.recv());
        let _ = t.join();
    });
    assert_eq!(report.kinds(), vec![FindingKind::Hang], "{report}");
    let f = &report.findings[0];
    assert!(
        f.message.contains("std::thread::JoinHandle::join"),
        "{}",
        f.message
    );
    assert!(
        text(&report).contains("use conc_check::thread::spawn"),
        "{report}"
    );
}

#[test]
fn std_types_used_for_bookkeeping_are_not_blamed() {
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let record = seen.clone();
    let report = quick().strategy(Strategy::Dfs).explore(move || {
        let n = Arc::new(AtomicUsize::new(0));
        let t = thread::spawn({
            let n = n.clone();
            move || n.fetch_add(1, Ordering::SeqCst)
        });
        n.fetch_add(1, Ordering::SeqCst);
        t.join().unwrap();
        record.lock().unwrap().push(n.load(Ordering::SeqCst));
    });
    assert!(report.findings.is_empty() && report.complete, "{report}");
    assert!(seen.lock().unwrap().iter().all(|n| *n == 2));
}

#[test]
fn the_time_budget_bounds_a_hang_even_without_a_hang_timeout() {
    let started = Instant::now();
    let report = Builder::new()
        .hang_timeout(None)
        .time_budget(Duration::from_millis(500))
        .explore(|| {
            let mut n = 0;
            spin_forever(&mut n);
        });
    let took = started.elapsed();
    assert!(
        took < Duration::from_millis(500) + conc_check::GRACE + Duration::from_secs(2),
        "{took:?}"
    );
    assert_eq!(report.kinds(), vec![FindingKind::Hang], "{report}");
}

/// Recursion that stops once it uses `bytes` of stack below its first call, whatever the size
/// of a frame in this build; `usize::MAX` never stops.
fn use_stack(bytes: usize) -> usize {
    let top = black_box(0u8);
    recurse(std::ptr::addr_of!(top) as usize, bytes)
}

#[inline(never)]
fn recurse(top: usize, bytes: usize) -> usize {
    let pad = black_box([0u8; 512]);
    let here = std::ptr::addr_of!(pad) as usize;
    if top.saturating_sub(here) >= bytes {
        return 0;
    }
    1 + recurse(top, bytes) + usize::from(black_box(pad[3]))
}

#[test]
fn recursion_that_fits_a_std_thread_fits_a_model_thread() {
    // 1.5 MiB of stack: more than the old 1 MiB model stacks, less than std's 2 MiB.
    let report = quick().explore(|| {
        let t = thread::spawn(|| use_stack(1536 << 10));
        use_stack(1536 << 10);
        t.join().unwrap();
    });
    assert!(report.findings.is_empty(), "{report}");
}

#[test]
fn thread_builder_stack_size_is_honoured() {
    let report = quick().explore(|| {
        let t = thread::Builder::new()
            .stack_size(8 << 20)
            .spawn(|| use_stack(6 << 20))
            .unwrap();
        t.join().unwrap();
    });
    assert!(report.findings.is_empty(), "{report}");
}

#[test]
fn running_off_the_stack_is_a_stack_overflow_with_the_thread_and_the_function() {
    let report = quick().explore(|| {
        let t = thread::spawn(|| use_stack(usize::MAX));
        t.join().unwrap();
    });
    assert_eq!(report.kinds(), vec![FindingKind::StackOverflow], "{report}");
    let f = &report.findings[0];
    assert!(
        f.message.contains("thread 1 overflowed its 2 MiB stack"),
        "{}",
        f.message
    );
    let all = text(&report);
    assert!(all.contains("recurse"), "{all}");
    assert!(all.contains("guard page"), "{all}");
    assert!(
        f.sites
            .iter()
            .any(|s| s.file.ends_with("stuck_threads.rs") && s.thread == Some(1)),
        "the overflowing frame, with its thread: {:?}",
        f.sites
    );
    // And the process, and the exploration machinery, are fine afterwards.
    let again = quick().explore(|| {
        thread::spawn(|| use_stack(1 << 10)).join().unwrap();
    });
    assert!(again.findings.is_empty(), "{again}");
}
