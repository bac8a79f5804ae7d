//! `conc_check::future`: tasks on model threads, their handles, cancellation and async tests.

use std::collections::BTreeSet;
use std::sync::Mutex as StdMutex;

use conc_check::future::{block_on, spawn, yield_now};
use conc_check::sync::{Arc, Mutex};
use conc_check::{Builder, FindingKind, Strategy};
use conc_check_corpus::programs::lost_wakeup;

fn dfs() -> Builder {
    Builder::new()
        .strategy(Strategy::Dfs)
        .max_preemptions(None)
        .iterations(100_000)
}

/// The orders in which two tasks, each pushing its name, yielding, and pushing it again in
/// capitals, leave their pushes, explored with `builder`; and the report.
fn yield_orders(builder: Builder) -> (BTreeSet<String>, conc_check::Report) {
    let orders = std::sync::Arc::new(StdMutex::new(BTreeSet::new()));
    let seen = orders.clone();
    let report = builder.explore(move || {
        let log = Arc::new(Mutex::new(Vec::new()));
        let tasks: Vec<_> = ['a', 'b']
            .into_iter()
            .map(|name| {
                let log = log.clone();
                spawn(async move {
                    log.lock().unwrap().push(name);
                    yield_now().await;
                    log.lock().unwrap().push(name.to_ascii_uppercase());
                    name
                })
            })
            .collect();
        let names = block_on(async {
            let mut names = Vec::new();
            for task in tasks {
                names.push(task.await.unwrap());
            }
            names
        });
        assert_eq!(names, ['a', 'b']);
        let order: String = log.lock().unwrap().iter().collect();
        seen.lock().unwrap().insert(order);
    });
    let orders = orders.lock().unwrap().clone();
    (orders, report)
}

/// Each task's two pushes stay in order; the tasks interleave every way.
const EVERY_ORDER: [&str; 6] = ["abAB", "abBA", "aAbB", "baAB", "baBA", "bBaA"];

#[test]
fn two_tasks_that_yield_between_steps_run_in_every_order() {
    let (orders, report) = yield_orders(
        Builder::new()
            .strategy(Strategy::Random)
            .seed(1)
            .iterations(2_000),
    );
    assert!(report.is_clean(), "{report}");
    assert_eq!(orders, EVERY_ORDER.iter().map(|o| o.to_string()).collect());
}

/// Reduced DFS, which claims completeness, reaches every order too. (It did not while the
/// fair scheduler counted a task's re-check of its own state after a yield, a lock taken and
/// released, as two retries and hid the task before its next step of real work.)
#[test]
fn reduced_dfs_runs_two_yielding_tasks_in_every_order() {
    let (orders, report) = yield_orders(dfs());
    assert!(report.is_clean() && report.complete, "{report}");
    assert_eq!(orders, EVERY_ORDER.iter().map(|o| o.to_string()).collect());
}

#[test]
fn the_lost_wakeup_is_a_deadlock_at_the_block_on_line_and_its_twin_is_exhausted_clean() {
    let report = dfs().explore(lost_wakeup::buggy);
    let finding = report.findings.first().expect("the lost wakeup is found");
    assert_eq!(finding.kind, FindingKind::Deadlock, "{report}");
    // Pending where the hand-written future registered its waker, which the setter (the only
    // thread that could wake it) already passed.
    let text = report.to_string();
    assert!(
        text.contains(
            "the main thread is pending: its future registered its waker at \
             corpus/src/programs/lost_wakeup.rs:"
        ) && text.contains("lost_wakeup::Wait as core::future::future::Future>::poll`)")
            && text.contains("its waker is held, but no other thread is left that could wake it"),
        "{text}"
    );
    let twin = dfs().explore(lost_wakeup::clean);
    assert!(twin.is_clean() && twin.complete, "{twin}");
}

#[test]
fn an_aborted_task_is_dropped_where_it_waits_and_its_handle_says_cancelled() {
    let report = dfs().explore(|| {
        let dropped = Arc::new(Mutex::new(false));
        struct MarkOnDrop(Arc<Mutex<bool>>);
        impl Drop for MarkOnDrop {
            fn drop(&mut self) {
                *self.0.lock().unwrap() = true;
            }
        }
        let mark = MarkOnDrop(dropped.clone());
        // Pending forever: nobody ever wakes it.
        let task = spawn(async move {
            let _mark = mark;
            std::future::pending::<()>().await
        });
        task.abort();
        let error = block_on(task).unwrap_err();
        assert!(error.is_cancelled() && !error.is_panic());
        assert!(*dropped.lock().unwrap(), "the future was dropped");
    });
    assert!(report.is_clean() && report.complete, "{report}");
}

#[test]
fn a_task_that_panics_gives_its_panic_to_whoever_awaits_it() {
    let report = dfs().explore(|| {
        let task = spawn(async { panic!("task failed on purpose") });
        let error = block_on(task).unwrap_err();
        assert!(error.is_panic());
        assert_eq!(error.to_string(), "task panicked: task failed on purpose");
        let payload = error.into_panic();
        assert_eq!(
            payload.downcast_ref::<&str>(),
            Some(&"task failed on purpose")
        );
    });
    assert!(report.is_clean(), "an awaited panic is handled: {report}");
}

#[test]
fn a_task_that_panics_after_a_scheduling_point_gives_its_panic_to_whoever_awaits_it() {
    // The joiner can hold the handle's lock (preempted inside its poll) just when the task
    // panics: the task must say it is done without waiting for that lock while it unwinds.
    let report = dfs().explore(|| {
        let m = Arc::new(Mutex::new(0));
        let task = spawn(async move {
            let seen = *m.lock().unwrap();
            assert_eq!(seen, 1, "task failed on purpose");
        });
        let error = block_on(task).unwrap_err();
        assert!(error.is_panic());
    });
    assert!(report.is_clean() && report.complete, "{report}");
}

#[test]
fn an_unawaited_task_that_panics_is_a_finding() {
    let report = dfs().explore(|| {
        let task = spawn(async { panic!("nobody looks at this") });
        while !task.is_finished() {
            conc_check::thread::yield_now();
        }
    });
    assert_eq!(
        report.findings.first().map(|f| f.kind),
        Some(FindingKind::Panic),
        "{report}"
    );
}

#[conc_check::test(strategy = "dfs", max_preemptions = None, iterations = 100_000)]
async fn an_async_test_runs_under_block_on() {
    let task = spawn(async { 6 * 7 });
    yield_now().await;
    assert_eq!(task.await.unwrap(), 42);
}

#[test]
fn a_stuck_task_is_named_after_its_spawn_site() {
    let report = dfs().explore(|| {
        let task = spawn(std::future::pending::<()>());
        block_on(task).unwrap();
    });
    assert_eq!(
        report.findings.first().map(|f| f.kind),
        Some(FindingKind::Deadlock),
        "{report}"
    );
    let text = report.to_string();
    assert!(
        text.contains("task spawned at tests/tests/futures.rs"),
        "{text}"
    );
}

#[test]
fn a_detached_task_still_pending_at_the_end_is_no_finding_but_a_stuck_join_is() {
    let detached = dfs().explore(|| drop(spawn(std::future::pending::<()>())));
    assert!(detached.is_clean() && detached.complete, "{detached}");
    // A detached task that awaits a task whose handle it holds: the awaited one is not
    // detached, so both stuck is a deadlock.
    let supervised = dfs().explore(|| {
        let waiter = spawn(std::future::pending::<()>());
        drop(spawn(async move { waiter.await.unwrap() }));
    });
    assert_eq!(
        supervised.findings.first().map(|f| f.kind),
        Some(FindingKind::Deadlock),
        "{supervised}"
    );
    // A detached task stuck inside its poll (parked by the user, not between polls).
    let parked_in_poll = dfs().explore(|| {
        drop(spawn(async { conc_check::thread::park() }));
    });
    assert_eq!(
        parked_in_poll.findings.first().map(|f| f.kind),
        Some(FindingKind::Deadlock),
        "{parked_in_poll}"
    );
    // The same task blocked on a lock nobody will release is a deadlock all the same.
    let stuck = dfs().explore(|| {
        let lock = Arc::new(Mutex::new(()));
        let guard = lock.lock().unwrap();
        let l = lock.clone();
        drop(spawn(async move {
            let _g = l.lock().unwrap();
        }));
        std::mem::forget(guard);
    });
    assert_eq!(
        stuck.findings.first().map(|f| f.kind),
        Some(FindingKind::Deadlock),
        "{stuck}"
    );
}

/// A task that awaits the handle of a task that awaits its own: each is pending at its `.await`
/// on the other's handle, which the report names, with the cycle.
async fn await_each_other() {
    let slot: Arc<Mutex<Option<conc_check::future::JoinHandle<u32>>>> = Arc::default();
    let first_slot = slot.clone();
    let first = spawn(async move {
        let second = loop {
            if let Some(second) = first_slot.lock().unwrap().take() {
                break second;
            }
            yield_now().await;
        };
        let (result, line) = (second.await, line!());
        result.map(|_| line)
    });
    let second = spawn(async move {
        let (result, line) = (first.await, line!());
        result.unwrap().map(|_| line).unwrap_or(line)
    });
    *slot.lock().unwrap() = Some(second);
}

#[test]
fn an_async_deadlock_names_each_stuck_task_and_the_await_it_is_pending_at() {
    let report = dfs().explore(|| block_on(await_each_other()));
    let finding = report.findings.first().expect("the join cycle is found");
    assert_eq!(finding.kind, FindingKind::Deadlock, "{report}");
    let text = report.to_string();
    let source = include_str!("futures.rs");
    let await_line = |needle: &str| {
        1 + source
            .lines()
            .position(|l| l.contains(needle))
            .expect("the awaiting line")
    };
    let first_await = await_line("(second.await, line!())");
    let second_await = await_line("(first.await, line!())");
    for (line, awaited) in [(first_await, "second"), (second_await, "first")] {
        let pending = format!("is pending at an `.await`, at tests/tests/futures.rs:{line}:");
        assert!(
            text.contains(&pending),
            "no {pending:?} for the task awaiting {awaited}: {text}"
        );
    }
    assert!(text.contains("(in `futures::await_each_other`)"), "{text}");
    assert!(
        text.contains("it awaits the JoinHandle of thread"),
        "{text}"
    );
    assert!(text.contains("wait for each other"), "{text}");
    assert!(text.contains("cycle: thread"), "{text}");
}

#[test]
fn a_future_whose_waker_nobody_holds_is_a_lost_wakeup_at_its_registration() {
    /// Clones its waker, then drops the clone: nobody can wake it.
    struct Forgetful;
    impl std::future::Future for Forgetful {
        type Output = ();
        fn poll(
            self: std::pin::Pin<&mut Self>,
            cx: &mut std::task::Context<'_>,
        ) -> std::task::Poll<()> {
            drop(cx.waker().clone());
            std::task::Poll::Pending
        }
    }
    let report = dfs().explore(|| {
        let task = spawn(async {
            Forgetful.await;
            "never"
        });
        block_on(task).unwrap();
    });
    let text = report.to_string();
    let source = include_str!("futures.rs");
    let registration = 1 + source
        .lines()
        .position(|l| l.contains("drop(cx.waker().clone());"))
        .expect("the registering line");
    assert!(
        text.contains(&format!(
            "is pending: its future registered its waker at tests/tests/futures.rs:{registration}:"
        )) && text
            .contains("nobody holds its waker any more, so nothing can wake it: a lost wakeup"),
        "{text}"
    );
    // The main thread awaits the task's handle, which is pending too.
    assert!(
        text.contains("the main thread is pending at an `.await`")
            && text.contains("it awaits the JoinHandle of thread 1"),
        "{text}"
    );
}

/// A cell two tasks write without synchronisation.
struct Racy(conc_check::cell::UnsafeCell<u32>);

// SAFETY: only for the race detector to find the race.
unsafe impl Sync for Racy {}

#[test]
fn a_race_between_two_tasks_is_a_data_race_and_a_locked_twin_is_clean() {
    let racy = dfs().explore(|| {
        block_on(async {
            let cell = Arc::new(Racy(conc_check::cell::UnsafeCell::new(0)));
            let other = cell.clone();
            let task = spawn(async move { other.0.with_mut(|p| unsafe { *p += 1 }) });
            cell.0.with_mut(|p| unsafe { *p += 1 });
            task.await.unwrap();
        })
    });
    assert_eq!(
        racy.findings.first().map(|f| f.kind),
        Some(FindingKind::DataRace),
        "{racy}"
    );
    let locked = dfs().explore(|| {
        block_on(async {
            let count = Arc::new(Mutex::new(0));
            let other = count.clone();
            let task = spawn(async move { *other.lock().unwrap() += 1 });
            *count.lock().unwrap() += 1;
            task.await.unwrap();
            assert_eq!(*count.lock().unwrap(), 2);
        })
    });
    assert!(locked.is_clean() && locked.complete, "{locked}");
}

#[test]
fn spurious_polls_are_a_choice_that_is_off_by_default() {
    /// Ready on its second poll, which is only legal once its waker was woken: it never wakes
    /// it, so a second poll is a spurious one.
    struct CountsPolls(u32);
    impl std::future::Future for CountsPolls {
        type Output = ();
        fn poll(
            mut self: std::pin::Pin<&mut Self>,
            _cx: &mut std::task::Context<'_>,
        ) -> std::task::Poll<()> {
            self.0 += 1;
            assert_eq!(self.0, 1, "polled again without a wake");
            std::task::Poll::Pending
        }
    }
    let body = || {
        let task = spawn(CountsPolls(0));
        drop(task);
    };
    let off = dfs().explore(body);
    assert!(off.is_clean() && off.complete, "{off}");
    let on = dfs().spurious_wakeups(true).explore(body);
    assert_eq!(
        on.findings.first().map(|f| f.kind),
        Some(FindingKind::Panic),
        "{on}"
    );
}

#[test]
fn a_park_inside_a_poll_cannot_take_the_wake_meant_for_the_driver() {
    /// Wakes itself, then parks the thread inside its poll: that park may take the unpark the
    /// wake left, which must not leave the driver parked for good.
    struct WakeThenPark(bool);
    impl std::future::Future for WakeThenPark {
        type Output = ();
        fn poll(
            mut self: std::pin::Pin<&mut Self>,
            cx: &mut std::task::Context<'_>,
        ) -> std::task::Poll<()> {
            if self.0 {
                return std::task::Poll::Ready(());
            }
            self.0 = true;
            cx.waker().wake_by_ref();
            conc_check::thread::park_timeout(std::time::Duration::from_millis(1));
            std::task::Poll::Pending
        }
    }
    let report = dfs().explore(|| {
        block_on(async {
            spawn(WakeThenPark(false)).await.unwrap();
            WakeThenPark(false).await;
        })
    });
    assert!(report.is_clean() && report.complete, "{report}");
}
