//! `Barrier`, `Once`, `OnceLock` and `LazyLock` from `conc_check::sync`, inside models and on
//! real threads outside them.
use std::collections::HashSet;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::time::Duration;

use conc_check::sync::{Arc, Barrier, LazyLock, Mutex, Once, OnceLock};
use conc_check::{thread, Builder, FindingKind, Report, Strategy};

type Seen<T> = Arc<std::sync::Mutex<HashSet<T>>>;

fn seen<T>() -> Seen<T> {
    Arc::new(std::sync::Mutex::new(HashSet::new()))
}

fn dfs() -> Builder {
    Builder::new().strategy(Strategy::Dfs)
}

/// For three threads: every execution with at most one preemption (unbounded DFS would take
/// far more executions than a test should).
fn dfs3() -> Builder {
    dfs().max_preemptions(Some(1))
}

fn assert_clean_and_complete(report: &Report) {
    println!("{report}");
    assert!(report.is_clean(), "{report}");
    assert!(report.complete, "{report}");
}

/// Runs `body(i)` on model threads 1..n and on the main thread as 0, then joins them.
fn on_threads(n: usize, body: impl Fn(usize) + Send + Sync + 'static) {
    let body = Arc::new(body);
    let handles: Vec<_> = (1..n)
        .map(|i| {
            let body = body.clone();
            thread::spawn(move || body(i))
        })
        .collect();
    body(0);
    for h in handles {
        h.join().unwrap();
    }
}

// ---- Barrier ----

#[test]
fn barrier_has_one_leader_per_round_and_lets_everyone_pass() {
    let leaders: Seen<(u32, usize)> = seen();
    let leaders2 = leaders.clone();
    let report = dfs3().explore(move || {
        let barrier = Arc::new(Barrier::new(3));
        let arrived = Arc::new(Mutex::new([0u32; 3]));
        let led = Arc::new(Mutex::new([0u32; 2]));
        let (arrived2, led2, leaders) = (arrived.clone(), led.clone(), leaders2.clone());
        on_threads(3, move |i| {
            for round in 0..2u32 {
                arrived2.lock().unwrap()[i] += 1;
                let result = barrier.wait();
                // Nobody passes before everyone arrived in this round.
                assert!(arrived2.lock().unwrap().iter().all(|&a| a > round));
                if result.is_leader() {
                    led2.lock().unwrap()[round as usize] += 1;
                    leaders.lock().unwrap().insert((round, i));
                }
            }
        });
        assert_eq!(*led.lock().unwrap(), [1, 1], "one leader per round");
        assert_eq!(*arrived.lock().unwrap(), [2, 2, 2]);
    });
    assert_clean_and_complete(&report);
    let leaders = leaders.lock().unwrap();
    for round in 0..2 {
        let who: HashSet<usize> = leaders
            .iter()
            .filter(|(r, _)| *r == round)
            .map(|(_, i)| *i)
            .collect();
        assert_eq!(
            who,
            HashSet::from([0, 1, 2]),
            "every thread leads round {round} in some execution"
        );
    }
}

#[test]
fn barrier_that_too_few_threads_reach_deadlocks() {
    let report = dfs().explore(|| {
        let barrier = Arc::new(Barrier::new(3));
        let barrier2 = barrier.clone();
        let t = thread::spawn(move || {
            barrier2.wait();
        });
        barrier.wait();
        t.join().unwrap();
    });
    println!("{report}");
    assert_eq!(report.kinds(), vec![FindingKind::Deadlock]);
    let text = format!("{report}");
    assert!(text.contains("Barrier"), "{text}");
}

#[test]
fn barrier_of_zero_or_one_never_blocks() {
    let report = dfs().explore(|| {
        for n in [0, 1] {
            let barrier = Barrier::new(n);
            assert!(barrier.wait().is_leader());
            assert!(barrier.wait().is_leader());
        }
    });
    assert_clean_and_complete(&report);
}

#[test]
fn barrier_on_real_threads() {
    let barrier = Arc::new(Barrier::new(4));
    let leaders = Arc::new(std::sync::Mutex::new(0));
    let handles: Vec<_> = (0..4)
        .map(|_| {
            let (barrier, leaders) = (barrier.clone(), leaders.clone());
            thread::spawn(move || {
                for _ in 0..50 {
                    if barrier.wait().is_leader() {
                        *leaders.lock().unwrap() += 1;
                    }
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    assert_eq!(*leaders.lock().unwrap(), 50);
    assert_eq!(format!("{:?}", Barrier::new(2)), "Barrier { .. }");
    assert!(format!("{:?}", Barrier::new(1).wait()).contains("is_leader: true"));
}

// ---- Once ----

#[test]
fn once_runs_its_initialiser_exactly_once_and_waiters_see_it() {
    let initialisers: Seen<usize> = seen();
    let initialisers2 = initialisers.clone();
    let report = dfs3().explore(move || {
        let once = Arc::new(Once::new());
        let runs = Arc::new(Mutex::new(0));
        let value = Arc::new(Mutex::new(0));
        let (once2, runs2, value2, who) = (
            once.clone(),
            runs.clone(),
            value.clone(),
            initialisers2.clone(),
        );
        on_threads(3, move |i| {
            once2.call_once(|| {
                *runs2.lock().unwrap() += 1;
                // A scheduling point inside the initialiser: others arrive and must wait.
                *value2.lock().unwrap() = 42;
                who.lock().unwrap().insert(i);
            });
            assert!(once2.is_completed());
            assert_eq!(
                *value2.lock().unwrap(),
                42,
                "thread {i} passed before the initialiser finished"
            );
        });
        assert_eq!(*runs.lock().unwrap(), 1);
        assert!(once.is_completed());
    });
    assert_clean_and_complete(&report);
    assert_eq!(*initialisers.lock().unwrap(), HashSet::from([0, 1, 2]));
}

#[test]
fn once_wait_blocks_until_another_thread_initialises() {
    let report = dfs().explore(|| {
        let once = Arc::new(Once::new());
        let value = Arc::new(Mutex::new(0));
        let (once2, value2) = (once.clone(), value.clone());
        let waiter = thread::spawn(move || {
            once2.wait();
            assert_eq!(*value2.lock().unwrap(), 1);
        });
        assert!(!once.is_completed() || *value.lock().unwrap() == 1);
        once.call_once(|| *value.lock().unwrap() = 1);
        waiter.join().unwrap();
    });
    assert_clean_and_complete(&report);
}

#[test]
fn once_waited_for_but_never_run_deadlocks() {
    let report = dfs().explore(|| {
        let once = Once::new();
        once.wait();
    });
    println!("{report}");
    assert_eq!(report.kinds(), vec![FindingKind::Deadlock]);
    assert!(format!("{report}").contains("initialiser"), "{report}");
}

#[test]
fn once_called_from_its_own_initialiser_deadlocks() {
    let report = dfs().explore(|| {
        let once = Once::new();
        once.call_once(|| once.call_once(|| {}));
    });
    println!("{report}");
    assert_eq!(report.kinds(), vec![FindingKind::Deadlock]);
}

#[test]
fn once_poisoned_inside_a_model() {
    let report = dfs().explore(|| {
        let once = Arc::new(Once::new());
        let poisoned = catch_unwind(AssertUnwindSafe(|| once.call_once(|| panic!("init fails"))));
        assert!(poisoned.is_err());
        assert!(!once.is_completed());
        // A plain call_once on a poisoned Once panics; call_once_force runs and recovers.
        assert!(catch_unwind(AssertUnwindSafe(|| once.call_once(|| {}))).is_err());
        assert!(catch_unwind(AssertUnwindSafe(|| once.wait())).is_err());
        let once2 = once.clone();
        let waiter = thread::spawn(move || once2.wait_force());
        once.call_once_force(|state| assert!(state.is_poisoned()));
        assert!(once.is_completed());
        once.call_once_force(|_| unreachable!("completed"));
        waiter.join().unwrap();
    });
    assert_clean_and_complete(&report);
}

#[test]
fn static_once_in_a_model() {
    static INIT: Once = Once::new();
    static RUNS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let report = dfs().explore(|| {
        on_threads(2, |_| {
            INIT.call_once(|| {
                RUNS.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            });
            assert!(INIT.is_completed());
        });
    });
    assert_clean_and_complete(&report);
    // The completion is kept in the object, like the data of a static Mutex.
    assert_eq!(RUNS.load(std::sync::atomic::Ordering::SeqCst), 1);
    assert!(INIT.is_completed());
}

#[test]
fn once_on_real_threads() {
    let once = Arc::new(Once::new());
    let runs = Arc::new(std::sync::Mutex::new(0));
    let waiters: Vec<_> = (0..2)
        .map(|_| {
            let once = once.clone();
            thread::spawn(move || once.wait())
        })
        .collect();
    std::thread::sleep(Duration::from_millis(20));
    let callers: Vec<_> = (0..8)
        .map(|_| {
            let (once, runs) = (once.clone(), runs.clone());
            thread::spawn(move || {
                once.call_once(|| {
                    std::thread::sleep(Duration::from_millis(10));
                    *runs.lock().unwrap() += 1;
                });
                assert_eq!(*runs.lock().unwrap(), 1);
            })
        })
        .collect();
    for h in callers.into_iter().chain(waiters) {
        h.join().unwrap();
    }
    assert!(once.is_completed());
    assert_eq!(format!("{:?}", once), "Once { .. }");
}

#[test]
fn once_poisoning_on_real_threads() {
    let once = Arc::new(Once::new());
    let once2 = once.clone();
    assert!(
        std::thread::spawn(move || once2.call_once(|| panic!("init fails")))
            .join()
            .is_err()
    );
    assert!(!once.is_completed());
    assert!(catch_unwind(AssertUnwindSafe(|| once.call_once(|| {}))).is_err());
    assert!(catch_unwind(AssertUnwindSafe(|| once.wait())).is_err());
    // wait_force waits through the poisoning for a forced completion.
    let once3 = once.clone();
    let waiter = thread::spawn(move || once3.wait_force());
    std::thread::sleep(Duration::from_millis(20));
    assert!(!waiter.is_finished());
    let mut saw_poison = false;
    once.call_once_force(|state| saw_poison = state.is_poisoned());
    assert!(saw_poison);
    waiter.join().unwrap();
    assert!(once.is_completed());
    once.wait();
}

// ---- OnceLock ----

#[test]
fn once_lock_racing_initialisers_run_exactly_once() {
    let winners: Seen<usize> = seen();
    let winners2 = winners.clone();
    let report = dfs3().explore(move || {
        let cell = Arc::new(OnceLock::new());
        let runs = Arc::new(Mutex::new(0));
        let got = Arc::new(Mutex::new(Vec::new()));
        let (cell2, runs2, got2) = (cell.clone(), runs.clone(), got.clone());
        on_threads(3, move |i| {
            let v = *cell2.get_or_init(|| {
                *runs2.lock().unwrap() += 1;
                i
            });
            got2.lock().unwrap().push(v);
        });
        assert_eq!(*runs.lock().unwrap(), 1);
        let got = got.lock().unwrap();
        let winner = *cell.get().unwrap();
        assert!(got.iter().all(|&v| v == winner), "threads saw {got:?}");
        assert_eq!(cell.set(99), Err(99));
        winners2.lock().unwrap().insert(winner);
    });
    assert_clean_and_complete(&report);
    assert_eq!(*winners.lock().unwrap(), HashSet::from([0, 1, 2]));
}

#[test]
fn once_lock_set_races_get_or_init() {
    let outcomes: Seen<(bool, u32)> = seen();
    let outcomes2 = outcomes.clone();
    let report = dfs().explore(move || {
        let cell = Arc::new(OnceLock::new());
        let cell2 = cell.clone();
        let setter = thread::spawn(move || cell2.set(1));
        let v = *cell.get_or_init(|| 2);
        let set = setter.join().unwrap();
        match set {
            Ok(()) => assert_eq!(v, 1),
            Err(rejected) => {
                assert_eq!(rejected, 1);
                assert_eq!(v, 2);
            }
        }
        assert_eq!(cell.get(), Some(&v));
        outcomes2.lock().unwrap().insert((set.is_ok(), v));
    });
    assert_clean_and_complete(&report);
    assert_eq!(
        *outcomes.lock().unwrap(),
        HashSet::from([(true, 1), (false, 2)])
    );
}

#[test]
fn once_lock_wait_sees_the_value() {
    let report = dfs().explore(|| {
        let cell = Arc::new(OnceLock::new());
        let cell2 = cell.clone();
        let waiter = thread::spawn(move || *cell2.wait());
        assert!(cell.get().is_none() || cell.get() == Some(&5));
        cell.set(5).unwrap();
        assert_eq!(waiter.join().unwrap(), 5);
    });
    assert_clean_and_complete(&report);
}

#[test]
fn once_lock_initialised_from_its_own_initialiser_deadlocks() {
    let report = dfs().explore(|| {
        let cell = OnceLock::new();
        cell.get_or_init(|| *cell.get_or_init(|| 1) + 1);
    });
    println!("{report}");
    assert_eq!(report.kinds(), vec![FindingKind::Deadlock]);
}

#[test]
fn once_lock_initialiser_panic_leaves_it_empty() {
    let report = dfs().explore(|| {
        let cell = OnceLock::new();
        let r = catch_unwind(AssertUnwindSafe(|| cell.get_or_init(|| panic!("no value"))));
        assert!(r.is_err());
        assert!(cell.get().is_none());
        assert_eq!(*cell.get_or_init(|| 3), 3);
    });
    assert_clean_and_complete(&report);
}

#[test]
fn once_lock_on_real_threads() {
    let cell = Arc::new(OnceLock::new());
    let runs = Arc::new(std::sync::Mutex::new(0));
    let waiter = {
        let cell = cell.clone();
        thread::spawn(move || *cell.wait())
    };
    std::thread::sleep(Duration::from_millis(20));
    let handles: Vec<_> = (0..8)
        .map(|i| {
            let (cell, runs) = (cell.clone(), runs.clone());
            thread::spawn(move || {
                *cell.get_or_init(|| {
                    *runs.lock().unwrap() += 1;
                    i
                })
            })
        })
        .collect();
    let values: HashSet<usize> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    assert_eq!(values.len(), 1);
    assert_eq!(*runs.lock().unwrap(), 1);
    assert_eq!(waiter.join().unwrap(), *cell.get().unwrap());
    assert!(cell.set(100).is_err());

    // The rest of std's API.
    let mut cell: OnceLock<String> = OnceLock::default();
    assert_eq!(format!("{cell:?}"), "OnceLock(<uninit>)");
    assert_eq!(cell.clone(), OnceLock::new());
    assert!(cell.get_mut().is_none());
    cell.set("a".into()).unwrap();
    cell.get_mut().unwrap().push('b');
    assert_eq!(format!("{cell:?}"), "OnceLock(\"ab\")");
    assert_eq!(cell.clone(), OnceLock::from("ab".to_string()));
    assert_ne!(cell, OnceLock::new());
    assert_eq!(cell.take().as_deref(), Some("ab"));
    assert!(cell.get().is_none());
    assert_eq!(OnceLock::from(7).into_inner(), Some(7));
    static GLOBAL: OnceLock<u8> = OnceLock::new();
    assert_eq!(*GLOBAL.get_or_init(|| 1), 1);
}

// ---- LazyLock ----

#[test]
fn lazy_lock_initialises_once_across_threads() {
    let report = dfs3().explore(|| {
        let runs = Arc::new(Mutex::new(0));
        let runs2 = runs.clone();
        let lazy = Arc::new(LazyLock::new(move || {
            *runs2.lock().unwrap() += 1;
            vec![1, 2, 3]
        }));
        let lazy2 = lazy.clone();
        on_threads(3, move |_| {
            assert_eq!(lazy2.len(), 3);
            assert_eq!(LazyLock::force(&lazy2)[2], 3);
        });
        assert_eq!(*runs.lock().unwrap(), 1);
        assert_eq!(LazyLock::get(&lazy).map(Vec::len), Some(3));
    });
    assert_clean_and_complete(&report);
}

#[test]
fn lazy_lock_poisoned_inside_a_model() {
    let report = dfs().explore(|| {
        let lazy: LazyLock<u32> = LazyLock::new(|| panic!("no value"));
        assert!(catch_unwind(AssertUnwindSafe(|| *lazy)).is_err());
        assert!(catch_unwind(AssertUnwindSafe(|| *lazy)).is_err());
        assert!(LazyLock::get(&lazy).is_none());
    });
    assert_clean_and_complete(&report);
}

#[test]
fn lazy_lock_on_real_threads() {
    static RUNS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    static LAZY: LazyLock<usize> = LazyLock::new(|| {
        std::thread::sleep(Duration::from_millis(10));
        RUNS.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 10
    });
    let handles: Vec<_> = (0..8).map(|_| thread::spawn(|| *LAZY)).collect();
    for h in handles {
        assert_eq!(h.join().unwrap(), 10);
    }
    assert_eq!(RUNS.load(std::sync::atomic::Ordering::SeqCst), 1);

    // Poisoning: the first access panics, and so does every later one.
    let poisoned: Arc<LazyLock<u32>> = Arc::new(LazyLock::new(|| panic!("no value")));
    let p2 = poisoned.clone();
    assert!(std::thread::spawn(move || **p2).join().is_err());
    let err = catch_unwind(AssertUnwindSafe(|| *LazyLock::force(&poisoned))).unwrap_err();
    let msg = err
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| err.downcast_ref::<String>().cloned());
    assert_eq!(
        msg.as_deref(),
        Some("LazyLock instance has previously been poisoned")
    );

    // The rest of std's API.
    let mut lazy: LazyLock<Vec<u8>> = LazyLock::default();
    assert_eq!(format!("{lazy:?}"), "LazyLock(<uninit>)");
    assert!(LazyLock::get_mut(&mut lazy).is_none());
    lazy.push(1);
    LazyLock::force_mut(&mut lazy).push(2);
    assert_eq!(format!("{lazy:?}"), "LazyLock([1, 2])");
    assert_eq!(LazyLock::get(&lazy), Some(&vec![1, 2]));
}

// ---- both ----

#[test]
fn statics_keep_their_value_across_executions() {
    static CELL: OnceLock<usize> = OnceLock::new();
    static LAZY: LazyLock<usize> = LazyLock::new(|| 7);
    let report = dfs().explore(|| {
        on_threads(2, |i| {
            let v = *CELL.get_or_init(|| i);
            assert_eq!(CELL.get(), Some(&v));
            assert_eq!(*LAZY, 7);
        });
    });
    assert_clean_and_complete(&report);
    assert!(CELL.get().is_some());
    assert_eq!(LazyLock::get(&LAZY), Some(&7));
}

#[test]
fn auto_traits_match_std() {
    fn send_sync<T: Send + Sync>() {}
    fn unwind_safe<T: std::panic::UnwindSafe + std::panic::RefUnwindSafe>() {}
    fn send<T: Send>() {}
    send_sync::<Barrier>();
    send_sync::<Once>();
    send_sync::<OnceLock<String>>();
    send_sync::<LazyLock<String>>();
    send::<conc_check::sync::OnceState>();
    send::<conc_check::sync::BarrierWaitResult>();
    unwind_safe::<Barrier>();
    unwind_safe::<Once>();
    unwind_safe::<OnceLock<String>>();
    unwind_safe::<LazyLock<String>>();
}
