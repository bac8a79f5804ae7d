//! The model runtime as a user sees it: findings, replay, panics, scale, step limits.

use std::collections::HashSet;
use std::sync::Mutex as StdMutex;

use conc_check::sync::{Arc, Condvar, Mutex};
use conc_check::{thread, Builder, FindingKind, Report, Strategy};

/// ABBA with work (a yield) between the two locks, so that the default strategy's first schedule
/// interleaves the threads into the deadlock. Without it, the first schedule runs one thread
/// after the other and reports the lock-order cycle instead (see `lock_order.rs`).
fn abba() {
    let a = Arc::new(Mutex::new(()));
    let b = Arc::new(Mutex::new(()));
    let (a2, b2) = (a.clone(), b.clone());
    let t = thread::spawn(move || {
        let _b = b2.lock().unwrap();
        thread::yield_now();
        let _a = a2.lock().unwrap();
    });
    {
        let _a = a.lock().unwrap();
        thread::yield_now();
        let _b = b.lock().unwrap();
    }
    t.join().unwrap();
}

#[test]
fn abba_is_a_deadlock_within_a_few_executions_with_the_defaults() {
    let report = Builder::new().explore(abba);
    assert_eq!(report.kinds(), vec![FindingKind::Deadlock], "{report}");
    assert!(
        report.executions <= 8,
        "took {} executions",
        report.executions
    );
    let finding = &report.findings[0];
    assert!(
        finding.message.contains("wait for each other"),
        "{}",
        finding.message
    );
    // Both locks, both holders, and the four lock lines.
    let text = finding.notes.join("\n");
    assert!(
        text.contains("the main thread") && text.contains("thread 1"),
        "{text}"
    );
    assert_eq!(text.matches("(created at").count(), 2, "{text}");
    let mut lines: Vec<u32> = finding.sites.iter().map(|s| s.line).collect();
    lines.sort_unstable();
    lines.dedup();
    assert_eq!(
        lines.len(),
        4,
        "four distinct lock lines expected: {lines:?}"
    );
    assert!(report.schedule.as_deref().unwrap_or("").starts_with("cc4."));
    let replay = report.replay.as_deref().unwrap_or("");
    assert!(
        replay.starts_with("cargo conc-check replay cc4.")
            && replay
                .contains("--test abba_is_a_deadlock_within_a_few_executions_with_the_defaults")
            && replay.ends_with("-p conc-check-tests"),
        "{replay}"
    );
}

#[test]
fn replay_reproduces_the_finding() {
    let found = Builder::new()
        .strategy(Strategy::Random)
        .seed(3)
        .explore(abba);
    assert!(found.has(FindingKind::Deadlock), "{found}");
    let schedule = found.schedule.clone().expect("a schedule");
    let replayed = conc_check::replay(&schedule, abba);
    assert_eq!(replayed.executions, 1);
    assert_eq!(
        replayed.findings, found.findings,
        "the replay must give the same finding"
    );
}

#[test]
fn damaged_and_foreign_schedules_are_clear_errors() {
    let found = Builder::new().strategy(Strategy::Dfs).explore(abba);
    let schedule = found.schedule.expect("a schedule");
    let damaged = format!("{}x", &schedule[..schedule.len() - 1]);
    let err = conc_check::try_replay(&damaged, abba)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("damaged") || err.contains("malformed"),
        "{err}"
    );
    let err = conc_check::try_replay("loom-7f3a", abba)
        .unwrap_err()
        .to_string();
    assert!(err.contains("not a conc-check schedule"), "{err}");
    // A valid schedule for another closure: the mismatch is a nondeterminism finding, not a
    // panic and not a quiet "nothing found".
    let other = conc_check::replay(&schedule, || {
        let t = thread::spawn(|| {});
        t.join().unwrap();
    });
    assert_eq!(
        other.kinds(),
        vec![FindingKind::Nondeterminism],
        "{other:?}"
    );
    assert!(
        other.findings[0].message.contains("does not match"),
        "{other:?}"
    );
}

#[test]
fn a_panicking_thread_is_a_finding_with_its_message_and_line() {
    let report = Builder::new().strategy(Strategy::Dfs).explore(|| {
        let t = thread::spawn(|| {
            let v: Vec<u32> = Vec::new();
            assert!(!v.is_empty(), "worker found no work");
        });
        t.join().unwrap();
    });
    assert_eq!(report.kinds(), vec![FindingKind::Panic]);
    let f = &report.findings[0];
    assert!(
        f.message
            .contains("thread 1 panicked: worker found no work"),
        "{}",
        f.message
    );
    assert_eq!(f.sites[0].file, file!());
}

struct LocksOnDrop(Arc<Mutex<u32>>);

impl Drop for LocksOnDrop {
    fn drop(&mut self) {
        *self.0.lock().unwrap_or_else(|p| p.into_inner()) += 1;
    }
}

#[test]
fn a_panic_while_a_drop_locks_a_held_mutex_is_a_finding_not_an_abort() {
    let report = Builder::new().strategy(Strategy::Dfs).explore(|| {
        let m = Arc::new(Mutex::new(0));
        let m2 = m.clone();
        let t = thread::spawn(move || {
            let _d = LocksOnDrop(m2);
            panic!("boom");
        });
        let _g = m.lock().unwrap();
        drop(_g);
        t.join().unwrap();
    });
    assert_eq!(report.kinds(), vec![FindingKind::Panic], "{report}");
    assert!(report.findings[0].message.contains("boom"));
}

struct PanicsOnDrop;

impl Drop for PanicsOnDrop {
    fn drop(&mut self) {
        panic!("drop panicked");
    }
}

/// Run only as a child process by the test below: it ends its process.
#[test]
#[ignore = "run as a child process by a_panic_during_unwinding_ends_the_process_with_a_report"]
fn child_panics_while_unwinding() {
    let _ = Builder::new().strategy(Strategy::Dfs).explore(|| {
        let t = thread::spawn(|| {
            let _p = PanicsOnDrop;
            panic!("first");
        });
        t.join().unwrap();
    });
    unreachable!("conc-check ends the process on a panic during unwinding");
}

#[test]
fn a_panic_during_unwinding_ends_the_process_with_a_report_not_an_abort() {
    let output = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "child_panics_while_unwinding",
            "--ignored",
            "--nocapture",
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(101), "not an abort: {stderr}");
    assert!(stderr.contains("panicked while unwinding"), "{stderr}");
    assert!(
        stderr.contains("drop panicked") && stderr.contains("first"),
        "{stderr}"
    );
}

#[test]
fn sixty_four_threads_run_to_completion() {
    let report = Builder::new()
        .strategy(Strategy::Random)
        .iterations(50)
        .explore(|| {
            let counter = Arc::new(Mutex::new(0usize));
            let handles: Vec<_> = (0..64)
                .map(|_| {
                    let c = counter.clone();
                    thread::spawn(move || *c.lock().unwrap() += 1)
                })
                .collect();
            for h in handles {
                h.join().unwrap();
            }
            assert_eq!(*counter.lock().unwrap(), 64);
        });
    assert!(report.is_clean(), "{report}");
    assert_eq!(report.executions, 50);
}

#[test]
fn an_endless_spin_hits_the_step_limit() {
    let report = Builder::new()
        .strategy(Strategy::Dfs)
        .max_steps(500)
        .explore(|| loop {
            thread::yield_now();
        });
    assert_eq!(report.kinds(), vec![FindingKind::StepLimit]);
}

fn outcomes<T: std::hash::Hash + Eq + Clone + Send + 'static>(
    builder: Builder,
    body: impl Fn() -> T + Send + Sync + 'static,
) -> (HashSet<T>, Report) {
    let seen = std::sync::Arc::new(StdMutex::new(HashSet::new()));
    let sink = seen.clone();
    let report = builder.explore(move || {
        let v = body();
        sink.lock().unwrap().insert(v);
    });
    let set = seen.lock().unwrap().clone();
    (set, report)
}

#[test]
fn condvar_wait_timeout_can_time_out_or_be_notified() {
    let (seen, report) = outcomes(Builder::new().strategy(Strategy::Dfs), || {
        let pair = Arc::new((Mutex::new(false), Condvar::new()));
        let p2 = pair.clone();
        let t = thread::spawn(move || {
            *p2.0.lock().unwrap() = true;
            p2.1.notify_one();
        });
        let (lock, cv) = &*pair;
        let guard = lock.lock().unwrap();
        let (guard, result) = cv
            .wait_timeout_while(guard, std::time::Duration::from_secs(3600), |ready| !*ready)
            .unwrap();
        let outcome = (*guard, result.timed_out());
        drop(guard);
        t.join().unwrap();
        outcome
    });
    assert!(report.is_clean() && report.complete, "{report}");
    let expected: HashSet<(bool, bool)> = [(true, false), (false, true)].into_iter().collect();
    assert_eq!(seen, expected, "ready, or timed out before it was ready");
}

fn if_instead_of_while() {
    let pair = Arc::new((Mutex::new(0u32), Condvar::new()));
    let p2 = pair.clone();
    let producer = thread::spawn(move || {
        *p2.0.lock().unwrap() += 1;
        p2.1.notify_one();
    });
    let (lock, cv) = &*pair;
    let mut items = lock.lock().unwrap();
    if *items == 0 {
        items = cv.wait(items).unwrap();
    }
    assert!(*items > 0, "woke up with nothing to consume");
    *items -= 1;
    drop(items);
    producer.join().unwrap();
}

#[test]
fn spurious_wakeups_are_a_scheduler_choice_when_enabled() {
    let without = Builder::new()
        .strategy(Strategy::Dfs)
        .explore(if_instead_of_while);
    assert!(without.is_clean() && without.complete, "{without}");
    let with = Builder::new()
        .strategy(Strategy::Dfs)
        .spurious_wakeups(true)
        .explore(if_instead_of_while);
    assert_eq!(with.kinds(), vec![FindingKind::Panic], "{with}");
    let replayed = conc_check::replay(with.schedule.as_deref().unwrap(), if_instead_of_while);
    assert_eq!(
        replayed.kinds(),
        vec![FindingKind::Panic],
        "the schedule carries the spurious-wakeup setting"
    );
}

#[test]
fn park_and_unpark_hand_over_a_token() {
    let (seen, report) = outcomes(Builder::new().strategy(Strategy::Dfs), || {
        let flag = Arc::new(Mutex::new(false));
        let f2 = flag.clone();
        let main = thread::current();
        let t = thread::spawn(move || {
            *f2.lock().unwrap() = true;
            main.unpark();
        });
        while !*flag.lock().unwrap() {
            thread::park();
        }
        t.join().unwrap();
        true
    });
    assert!(report.is_clean() && report.complete, "{report}");
    assert_eq!(seen.len(), 1);
}

#[test]
fn a_thread_parked_forever_is_a_deadlock() {
    let report = Builder::new().strategy(Strategy::Dfs).explore(|| {
        let t = thread::spawn(thread::park);
        t.join().unwrap();
    });
    assert_eq!(report.kinds(), vec![FindingKind::Deadlock]);
    let text = report.findings[0].notes.join("\n");
    assert!(text.contains("park()"), "{text}");
    assert!(text.contains("to join thread 1"), "{text}");
}

conc_check::thread_local! {
    static COUNTER: std::cell::Cell<u32> = const { std::cell::Cell::new(0) };
}

#[test]
fn thread_locals_are_per_model_thread() {
    let report = Builder::new().strategy(Strategy::Dfs).explore(|| {
        COUNTER.set(COUNTER.get() + 1);
        let t = thread::spawn(|| {
            COUNTER.set(COUNTER.get() + 10);
            COUNTER.get()
        });
        assert_eq!(t.join().unwrap(), 10);
        assert_eq!(
            COUNTER.get(),
            1,
            "each execution and each thread starts afresh"
        );
    });
    assert!(report.is_clean(), "{report}");
}

#[test]
fn scoped_threads_borrow_and_are_joined() {
    let report = Builder::new().strategy(Strategy::Dfs).explore(|| {
        let data = Mutex::new(Vec::new());
        thread::scope(|s| {
            for i in 0..2 {
                let data = &data;
                s.spawn(move || data.lock().unwrap().push(i));
            }
        });
        let mut v = data.into_inner().unwrap();
        v.sort_unstable();
        assert_eq!(v, vec![0, 1]);
    });
    assert!(report.is_clean() && report.complete, "{report}");
}

#[test]
fn thread_names_and_ids_match_std() {
    let report = Builder::new().strategy(Strategy::Dfs).explore(|| {
        let me = thread::current();
        assert_eq!(me.name(), Some("main"));
        let h = thread::Builder::new()
            .name("worker".into())
            .spawn(|| thread::current().name().map(str::to_string))
            .unwrap();
        let worker_id = h.thread().id();
        assert_ne!(worker_id, me.id());
        assert_eq!(h.join().unwrap().as_deref(), Some("worker"));
    });
    assert!(report.is_clean(), "{report}");
}

#[test]
fn shim_types_work_on_real_threads_outside_a_model() {
    let m = std::sync::Arc::new(Mutex::new(0));
    let handles: Vec<_> = (0..4)
        .map(|_| {
            let m = m.clone();
            thread::spawn(move || {
                for _ in 0..100 {
                    *m.lock().unwrap() += 1;
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    assert_eq!(*m.lock().unwrap(), 400);
}

#[test]
fn poisoning_matches_std_on_real_threads() {
    let m = std::sync::Arc::new(Mutex::new(1));
    let m2 = m.clone();
    let r = std::thread::spawn(move || {
        let _g = m2.lock().unwrap();
        panic!("poison it");
    })
    .join();
    assert!(r.is_err());
    assert!(m.is_poisoned());
    let err = m.lock().unwrap_err();
    assert_eq!(**err.get_ref(), 1);
}

#[test]
fn poisoning_inside_a_model_when_the_panic_is_caught() {
    let report = Builder::new().strategy(Strategy::Dfs).explore(|| {
        let m = Arc::new(Mutex::new(0));
        let m2 = m.clone();
        let t = thread::spawn(move || {
            let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                let _g = m2.lock().unwrap();
                panic!("caught on purpose");
            }));
            assert!(caught.is_err());
        });
        t.join().unwrap();
        assert!(m.lock().is_err(), "the mutex is poisoned");
        assert!(m.is_poisoned());
    });
    assert!(report.is_clean(), "{report}");
}
