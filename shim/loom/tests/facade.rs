//! The facade's own behaviour beyond loom's suite: leaks, unsynchronised loads, loom's rules
//! (any panic fails the model, explicit settings are honoured), the checkpoint file, and what
//! happens outside a model. Every detector is tried on a program that has the bug and on one
//! that does not.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicUsize as StdAtomicUsize, Ordering::SeqCst};

use loom::sync::atomic::{AtomicUsize, Ordering};
use loom::sync::Arc;
use loom::thread;

/// What `f` panicked with, as text; `None` if it returned.
fn panic_text(f: impl FnOnce()) -> Option<String> {
    let payload = catch_unwind(AssertUnwindSafe(f)).err()?;
    Some(
        payload
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_default(),
    )
}

/// Runs a model that must fail with a finding of `kind`; returns its report.
fn fails_with(kind: &str, f: impl Fn() + Sync + Send + 'static) -> String {
    let text = panic_text(|| loom::model(f)).expect("the model must fail");
    assert!(
        text.contains(&format!("conc_check::{kind}")),
        "expected a `{kind}` finding:\n{text}"
    );
    text
}

#[test]
fn a_forgotten_arc_is_a_leak_named_by_its_creation_site() {
    let report = fails_with("leak", || {
        let arc = Arc::new(5);
        let other = arc.clone();
        drop(arc);
        std::mem::forget(other);
    });
    assert!(
        report.contains("the Arc the main thread created at"),
        "{report}"
    );
    assert!(report.contains("facade.rs"), "{report}");
}

#[test]
fn arcs_dropped_on_every_path_do_not_leak() {
    loom::model(|| {
        let arc = Arc::new(AtomicUsize::new(0));
        let theirs = arc.clone();
        let t = thread::spawn(move || theirs.fetch_add(1, Ordering::Relaxed));
        arc.fetch_add(1, Ordering::Relaxed);
        t.join().unwrap();
        let inner = Arc::try_unwrap(arc).expect("the thread dropped its clone");
        assert_eq!(inner.into_inner(), 2);
    });
}

#[test]
fn an_arc_cycle_leaks() {
    struct Node {
        next: loom::sync::Mutex<Option<Arc<Node>>>,
    }
    fails_with("leak", || {
        let node = Arc::new(Node {
            next: loom::sync::Mutex::new(None),
        });
        *node.next.lock().unwrap() = Some(node.clone());
    });
}

#[test]
fn into_raw_and_from_raw_round_trip_without_leaking() {
    loom::model(|| {
        let arc = Arc::new(String::from("value"));
        let raw = Arc::into_raw(arc.clone());
        // SAFETY: `raw` came from `into_raw` and is turned back once.
        unsafe { Arc::increment_strong_count(raw) };
        assert_eq!(Arc::strong_count(&arc), 3);
        // SAFETY: as above.
        unsafe { Arc::decrement_strong_count(raw) };
        // SAFETY: as above.
        let back = unsafe { Arc::from_raw(raw) };
        assert_eq!(*back, "value");
        assert!(Arc::ptr_eq(&arc, &back));
    });
}

#[test]
fn tracked_values_and_raw_allocations_leak_unless_freed() {
    fails_with("leak", || {
        std::mem::forget(loom::alloc::Track::new(1));
    });
    fails_with("leak", || {
        let layout = loom::alloc::Layout::new::<u64>();
        // SAFETY: a non-zero-sized layout.
        let _never_freed = unsafe { loom::alloc::alloc(layout) };
    });
    loom::model(|| {
        let layout = loom::alloc::Layout::new::<u64>();
        // SAFETY: a non-zero-sized layout, freed with the same layout.
        unsafe { loom::alloc::dealloc(loom::alloc::alloc_zeroed(layout), layout) };
        assert_eq!(loom::alloc::Track::new(3).into_inner(), 3);
    });
}

#[test]
fn an_unsync_load_after_a_join_is_fine_and_a_concurrent_one_races() {
    loom::model(|| {
        let a = Arc::new(AtomicUsize::new(0));
        let b = a.clone();
        thread::spawn(move || b.store(1, Ordering::Relaxed))
            .join()
            .unwrap();
        // SAFETY: the join orders the only store before this load.
        assert_eq!(unsafe { a.unsync_load() }, 1);
    });
    let report = fails_with("data_race", || {
        let a = Arc::new(AtomicUsize::new(0));
        let b = a.clone();
        let t = thread::spawn(move || b.store(1, Ordering::Relaxed));
        // SAFETY: not met, which is what the model must report.
        unsafe { a.unsync_load() };
        t.join().unwrap();
    });
    assert!(report.contains("unsync_load"), "{report}");
}

/// The main thread reads `a` without synchronising, then raises a flag with `order`; the other
/// thread waits for the flag and stores to `a`. The store always runs after the read, so only
/// the read-then-store direction can catch the race.
fn unsync_load_then_flagged_store(order: Ordering) {
    let a = Arc::new(AtomicUsize::new(0));
    let flag = Arc::new(AtomicUsize::new(0));
    let (a2, flag2) = (a.clone(), flag.clone());
    let t = thread::spawn(move || {
        while flag2.load(Ordering::Acquire) == 0 {
            thread::yield_now();
        }
        a2.store(1, Ordering::Relaxed);
    });
    // SAFETY: ordered before the store only when `order` releases, which the model checks.
    assert_eq!(unsafe { a.unsync_load() }, 0);
    flag.store(1, order);
    t.join().unwrap();
}

#[test]
fn a_store_that_an_unsync_load_does_not_happen_before_races_with_it() {
    loom::model(|| unsync_load_then_flagged_store(Ordering::Release));
    let report = fails_with("data_race", || {
        unsync_load_then_flagged_store(Ordering::Relaxed)
    });
    assert!(report.contains("then stores to it"), "{report}");
    assert!(report.contains("unsync_load"), "{report}");
}

#[test]
fn an_arc_reads_as_clones_and_drops_in_the_interleaving() {
    let report = fails_with("panic", || {
        let shared = Arc::new(AtomicUsize::new(0));
        let other = shared.clone();
        thread::spawn(move || other.store(1, Ordering::Relaxed))
            .join()
            .unwrap();
        assert_eq!(shared.load(Ordering::Relaxed), 0, "the thread stored");
    });
    assert!(
        report.contains("clones Arc `shared` (2 references)"),
        "{report}"
    );
    assert!(
        report.contains("drops Arc `shared` (1 reference left)"),
        "{report}"
    );
    assert!(!report.contains("changes atomic `shared`"), "{report}");
}

#[test]
fn a_panic_in_a_joined_thread_fails_the_model_as_in_loom() {
    let report = fails_with("panic", || {
        let t = thread::spawn(|| panic!("worker gave up"));
        let _ = t.join();
    });
    assert!(report.contains("worker gave up"), "{report}");
}

#[test]
fn an_explicit_branch_limit_is_a_step_limit() {
    let mut builder = loom::model::Builder::new();
    builder.max_branches = 3;
    let text = panic_text(|| {
        builder.check(|| {
            for _ in 0..10 {
                thread::yield_now();
            }
        })
    })
    .expect("ten yields exceed three branches");
    assert!(text.contains("conc_check::step_limit"), "{text}");
}

/// Executions of [`counted_program`] so far.
static RUNS: StdAtomicUsize = StdAtomicUsize::new(0);

/// Held by each test that counts executions in [`RUNS`], so that tests running in parallel do
/// not count each other's.
fn counting() -> std::sync::MutexGuard<'static, ()> {
    static COUNTING: std::sync::Mutex<()> = std::sync::Mutex::new(());
    COUNTING.lock().unwrap_or_else(|p| p.into_inner())
}

/// Two threads with five racing stores each (252 orders of the stores, more than a bounded
/// search's unbounded first attempt is given past its bound); counts its executions.
fn counted_program() {
    RUNS.fetch_add(1, SeqCst);
    let a = Arc::new(AtomicUsize::new(0));
    let b = a.clone();
    let t = thread::spawn(move || {
        for v in 1..=5 {
            b.store(v, Ordering::SeqCst);
        }
    });
    for v in 6..=10 {
        a.store(v, Ordering::SeqCst);
    }
    t.join().unwrap();
}

#[test]
fn a_preemption_bound_is_honoured() {
    let _counting = counting();
    let runs = |bound: Option<usize>| {
        RUNS.store(0, SeqCst);
        let mut builder = loom::model::Builder::new();
        builder.preemption_bound = bound;
        builder.check(counted_program);
        RUNS.load(SeqCst)
    };
    let unbounded = runs(None);
    let none = runs(Some(0));
    assert!(
        none < unbounded,
        "bound 0 ran {none} executions, unbounded {unbounded}"
    );
    let mut builder = loom::model::Builder::new();
    builder.max_permutations = Some(1);
    RUNS.store(0, SeqCst);
    builder.check(counted_program);
    assert_eq!(RUNS.load(SeqCst), 1, "max_permutations caps the executions");
}

#[test]
fn the_checkpoint_file_keeps_a_finding_s_schedule_and_replays_it() {
    let _counting = counting();
    // Inside the target directory (as the CLI's end-to-end tests do), not the system's.
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("loom-facade-checkpoint");
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("checkpoint");
    let _ = std::fs::remove_file(&file);
    let buggy = || {
        let a = Arc::new(AtomicUsize::new(0));
        let b = a.clone();
        let t = thread::spawn(move || b.fetch_add(1, Ordering::SeqCst));
        assert_eq!(a.load(Ordering::SeqCst), 0, "the increment came first");
        t.join().unwrap();
    };
    let mut builder = loom::model::Builder::new();
    builder.checkpoint_file(file.to_str().unwrap());
    let first = panic_text(|| builder.check(buggy)).expect("the bug is found");
    let schedule = std::fs::read_to_string(&file).expect("the schedule was saved");
    assert!(schedule.starts_with("cc4."), "{schedule}");
    let again = panic_text(|| builder.check(buggy)).expect("the replay finds it again");
    assert!(
        again.contains("the increment came first"),
        "{first}\n{again}"
    );
    // Once the code changed (here: the bug is gone), the saved schedule proves nothing: the
    // model is explored as usual.
    RUNS.store(0, SeqCst);
    builder.check(counted_program);
    assert!(
        RUNS.load(SeqCst) > 1,
        "a stale checkpoint stopped the exploration"
    );
    std::fs::write(&file, "not a schedule").unwrap();
    let bad = panic_text(|| builder.check(buggy)).expect("a bad checkpoint is refused");
    assert!(bad.contains("checkpoint file"), "{bad}");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Initialisations of [`COUNTED`]'s value.
static INITIALISED: StdAtomicUsize = StdAtomicUsize::new(0);

loom::lazy_static! {
    static ref COUNTED: usize = INITIALISED.fetch_add(1, SeqCst);
}

#[test]
fn a_lazy_static_starts_fresh_in_every_execution() {
    let _counting = counting();
    RUNS.store(0, SeqCst);
    INITIALISED.store(0, SeqCst);
    loom::model(|| {
        RUNS.fetch_add(1, SeqCst);
        let t = thread::spawn(|| *COUNTED);
        let mine = *COUNTED;
        assert_eq!(mine, t.join().unwrap(), "one value per execution");
    });
    assert_eq!(INITIALISED.load(SeqCst), RUNS.load(SeqCst));
}

#[test]
fn notify_is_not_lost_when_it_comes_first() {
    loom::model(|| {
        let notify = Arc::new(loom::sync::Notify::new());
        let theirs = notify.clone();
        let t = thread::spawn(move || theirs.notify());
        notify.wait();
        t.join().unwrap();
    });
}

#[test]
fn thread_names_are_loom_s() {
    loom::model(|| {
        assert_eq!(thread::current().name(), None);
        let t = thread::Builder::new()
            .name("worker".into())
            .spawn(|| thread::current().name().map(String::from))
            .unwrap();
        assert_eq!(t.join().unwrap().as_deref(), Some("worker"));
    });
}

#[test]
fn spawning_outside_a_model_says_so() {
    let text = panic_text(|| drop(thread::spawn(|| ()))).expect("no model thread outside");
    assert!(text.contains("inside a model"), "{text}");
}

#[test]
fn choices_are_explored_only_where_asked() {
    let _counting = counting();
    let runs = |explicit: bool, body: fn()| {
        RUNS.store(0, SeqCst);
        let mut builder = loom::model::Builder::new();
        builder.expect_explicit_explore = explicit;
        builder.check(body);
        RUNS.load(SeqCst)
    };
    let everywhere = runs(false, counted_program);
    assert!(everywhere > 1, "{everywhere}");
    assert_eq!(
        runs(true, counted_program),
        1,
        "nothing explored before `explore`"
    );
    fn explored_then_stopped() {
        loom::explore();
        counted_program();
    }
    assert_eq!(runs(true, explored_then_stopped), everywhere);
    fn skipped() {
        loom::skip_branch();
        loom::explore();
        counted_program();
    }
    assert_eq!(
        runs(false, skipped),
        1,
        "`explore` does not undo `skip_branch`"
    );
    fn stopped_midway() {
        loom::stop_exploring();
        counted_program();
        loom::explore();
    }
    assert_eq!(runs(false, stopped_midway), 1);
}

#[test]
fn cells_compare_and_clone_like_loom_s() {
    loom::model(|| {
        let a = loom::cell::Cell::new(2);
        let b = a.clone();
        b.set(3);
        assert!(a < b && a != b);
        assert_eq!(loom::cell::Cell::from(3), b);
        let _ = (
            loom::sync::Notify::default(),
            loom::future::AtomicWaker::default(),
        );
    });
}

loom::lazy_static! {
    static ref WRITTEN: loom::cell::UnsafeCell<usize> = {
        let cell = loom::cell::UnsafeCell::new(0);
        // SAFETY: the cell is not shared yet.
        cell.with_mut(|p| unsafe { *p = 7 });
        cell
    };
}

#[test]
fn what_a_lazy_static_s_initialiser_did_happens_before_every_use() {
    loom::model(|| {
        // SAFETY: after initialisation the cell is only read.
        let read = || WRITTEN.with(|p| unsafe { *p });
        let t = thread::spawn(read);
        assert_eq!(read(), 7);
        assert_eq!(t.join().unwrap(), 7);
    });
}

#[test]
fn without_exploring_threads_take_turns_after_a_yield() {
    let mut builder = loom::model::Builder::new();
    builder.expect_explicit_explore = true;
    builder.check(|| {
        // Two threads that yield to each other until a third sets the flag: with every choice
        // left to the default, the third must still get its turn.
        let flag = Arc::new(loom::sync::atomic::AtomicBool::new(false));
        let waiters: Vec<_> = (0..2)
            .map(|_| {
                let flag = flag.clone();
                thread::spawn(move || {
                    let mut rounds = 0u32;
                    while !flag.load(Ordering::Acquire) {
                        rounds += 1;
                        thread::yield_now();
                    }
                    rounds
                })
            })
            .collect();
        let setter = {
            let flag = flag.clone();
            thread::spawn(move || flag.store(true, Ordering::Release))
        };
        setter.join().unwrap();
        for w in waiters {
            assert!(
                w.join().unwrap() < 10,
                "the setter waited behind the spinners"
            );
        }
    });
}
