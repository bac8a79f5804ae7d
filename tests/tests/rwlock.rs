//! `conc_check::sync::RwLock` inside models (shared reads, exclusive writes, deadlocks) and on
//! real threads outside them (std's behaviour, poisoning included).
use std::collections::HashSet;
use std::sync::TryLockError;

use conc_check::sync::{Arc, Barrier, RwLock};
use conc_check::{thread, Builder, FindingKind, Strategy};

type Seen<T> = Arc<std::sync::Mutex<HashSet<T>>>;

fn seen<T>() -> Seen<T> {
    Arc::new(std::sync::Mutex::new(HashSet::new()))
}

#[test]
fn two_readers_hold_the_read_lock_at_once() {
    // Both threads take the read lock and then meet at a barrier while holding it: if one
    // reader excluded the other, some execution would deadlock at the barrier.
    let report = Builder::new().strategy(Strategy::Dfs).explore(|| {
        let lock = Arc::new(RwLock::new(7));
        let both_in = Arc::new(Barrier::new(2));
        let done = Arc::new(Barrier::new(2));
        let (lock2, both_in2, done2) = (lock.clone(), both_in.clone(), done.clone());
        let t = thread::spawn(move || {
            let g = lock2.read().unwrap();
            both_in2.wait();
            assert_eq!(*g, 7);
            done2.wait();
        });
        let g = lock.read().unwrap();
        both_in.wait();
        // Both readers are inside: a writer cannot get in, another reader can.
        assert!(matches!(lock.try_write(), Err(TryLockError::WouldBlock)));
        assert_eq!(*lock.try_read().unwrap(), 7);
        done.wait();
        drop(g);
        t.join().unwrap();
        assert!(lock.try_write().is_ok(), "free once both readers left");
    });
    println!("{report}");
    assert!(report.is_clean(), "{report}");
    assert!(report.complete);
}

#[test]
fn writer_excludes_readers() {
    // The writer updates both halves in two steps with a scheduling point in between; readers
    // must only ever see both halves equal.
    let outcomes: Seen<(u32, u32)> = seen();
    let seen2 = outcomes.clone();
    let report = Builder::new().strategy(Strategy::Dfs).explore(move || {
        let lock = Arc::new(RwLock::new((0u32, 0u32)));
        let writer = {
            let lock = lock.clone();
            thread::spawn(move || {
                let mut g = lock.write().unwrap();
                g.0 = 1;
                thread::yield_now();
                g.1 = 1;
            })
        };
        let reader = {
            let lock = lock.clone();
            let seen = seen2.clone();
            thread::spawn(move || {
                let g = lock.read().unwrap();
                seen.lock().unwrap().insert(*g);
            })
        };
        let g = *lock.read().unwrap();
        seen2.lock().unwrap().insert(g);
        writer.join().unwrap();
        reader.join().unwrap();
        assert_eq!(*lock.read().unwrap(), (1, 1));
    });
    println!("{report}");
    assert!(report.is_clean(), "{report}");
    assert!(report.complete);
    let outcomes = outcomes.lock().unwrap();
    assert_eq!(
        *outcomes,
        HashSet::from([(0, 0), (1, 1)]),
        "readers saw {outcomes:?}"
    );
}

#[test]
fn two_separate_writes_can_be_seen_half_done() {
    // The control for `writer_excludes_readers`: with the lock released between the two steps
    // the half-written value is observable, so the exploration does reach such states.
    let outcomes: Seen<(u32, u32)> = seen();
    let seen2 = outcomes.clone();
    let report = Builder::new().strategy(Strategy::Dfs).explore(move || {
        let lock = Arc::new(RwLock::new((0u32, 0u32)));
        let writer = {
            let lock = lock.clone();
            thread::spawn(move || {
                lock.write().unwrap().0 = 1;
                lock.write().unwrap().1 = 1;
            })
        };
        let g = *lock.read().unwrap();
        seen2.lock().unwrap().insert(g);
        writer.join().unwrap();
    });
    assert!(report.is_clean(), "{report}");
    assert!(outcomes.lock().unwrap().contains(&(1, 0)));
}

#[test]
fn upgrading_a_read_lock_deadlocks() {
    let report = Builder::new().strategy(Strategy::Dfs).explore(|| {
        let lock = RwLock::new(0);
        let r = lock.read().unwrap();
        let mut w = lock.write().unwrap();
        *w += *r;
    });
    println!("{report}");
    assert_eq!(report.kinds(), vec![FindingKind::Deadlock]);
    assert!(
        report.findings[0]
            .message
            .contains("again while it already holds it"),
        "{}",
        report.findings[0].message
    );
}

#[test]
fn writing_twice_on_one_thread_deadlocks() {
    let report = Builder::new().strategy(Strategy::Dfs).explore(|| {
        let lock = RwLock::new(0);
        let _w = lock.write().unwrap();
        let _r = lock.read().unwrap();
    });
    assert_eq!(report.kinds(), vec![FindingKind::Deadlock]);
}

#[test]
fn a_recursive_read_is_predicted_to_deadlock_behind_a_writer_from_one_execution() {
    // std prefers writers (on Linux): once a writer waits, a second read of a thread that
    // already reads waits too, and neither can go on. The first execution does not deadlock
    // (the writer comes last), but it shows both halves of the cycle.
    let report = Builder::new().strategy(Strategy::Dfs).explore(|| {
        let lock = Arc::new(RwLock::new(0));
        let lock2 = lock.clone();
        let writer = thread::spawn(move || *lock2.write().unwrap() += 1);
        let first = lock.read().unwrap();
        let second = lock.read().unwrap();
        assert!(*first <= 1 && *second <= 1);
        drop((first, second));
        writer.join().unwrap();
    });
    assert_eq!(
        report.kinds(),
        vec![FindingKind::LockOrderCycle],
        "{report}"
    );
    assert_eq!(report.executions, 1);
    let finding = &report.findings[0];
    assert!(
        finding
            .message
            .contains("again while it holds it for reading"),
        "{}",
        finding.message
    );
    assert!(finding
        .notes
        .iter()
        .any(|n| n.contains("new readers wait behind a waiting writer")));
}

#[test]
fn reading_twice_without_a_writer_or_after_dropping_the_first_guard_is_clean() {
    let alone = Builder::new().strategy(Strategy::Dfs).explore(|| {
        let lock = RwLock::new(0);
        let first = lock.read().unwrap();
        let second = lock.read().unwrap();
        assert_eq!(*first + *second, 0);
    });
    assert!(alone.is_clean() && alone.complete, "{alone}");
    let dropped = Builder::new().strategy(Strategy::Dfs).explore(|| {
        let lock = Arc::new(RwLock::new(0));
        let lock2 = lock.clone();
        let writer = thread::spawn(move || *lock2.write().unwrap() += 1);
        let first = *lock.read().unwrap();
        let second = *lock.read().unwrap();
        assert!(first <= second);
        writer.join().unwrap();
    });
    assert!(dropped.is_clean() && dropped.complete, "{dropped}");
}

#[test]
fn try_locks_inside_a_model() {
    let report = Builder::new().strategy(Strategy::Dfs).explore(|| {
        let lock = RwLock::new(String::from("a"));
        {
            let _w = lock.write().unwrap();
            assert!(matches!(lock.try_read(), Err(TryLockError::WouldBlock)));
            assert!(matches!(lock.try_write(), Err(TryLockError::WouldBlock)));
        }
        {
            let _r = lock.read().unwrap();
            assert!(matches!(lock.try_write(), Err(TryLockError::WouldBlock)));
            assert!(lock.try_read().is_ok());
        }
        lock.try_write().unwrap().push('b');
        assert_eq!(&*lock.read().unwrap(), "ab");
    });
    assert!(report.is_clean(), "{report}");
}

#[test]
fn a_panic_caught_inside_a_model_poisons_the_lock() {
    let report = Builder::new().strategy(Strategy::Dfs).explore(|| {
        let lock = Arc::new(RwLock::new(1));
        let lock2 = lock.clone();
        let caught = std::panic::catch_unwind(move || {
            let _w = lock2.write().unwrap();
            panic!("boom");
        });
        assert!(caught.is_err());
        assert!(lock.is_poisoned());
        assert_eq!(*lock.read().unwrap_err().into_inner(), 1);
        lock.clear_poison();
        assert_eq!(*lock.read().unwrap(), 1);
    });
    assert!(report.is_clean(), "{report}");
}

// ---- outside a model: std's behaviour on real threads ----

#[test]
fn real_threads_read_and_write() {
    let lock = Arc::new(RwLock::new(0u64));
    let handles: Vec<_> = (0..4)
        .map(|i| {
            let lock = lock.clone();
            thread::spawn(move || {
                for _ in 0..1000 {
                    if i % 2 == 0 {
                        *lock.write().unwrap() += 1;
                    } else {
                        let v = *lock.read().unwrap();
                        assert!(v <= 2000);
                    }
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    assert_eq!(*lock.read().unwrap(), 2000);

    // Two real threads hold the read lock at once.
    let both_in = Arc::new(Barrier::new(2));
    let (lock2, both_in2) = (lock.clone(), both_in.clone());
    let t = std::thread::spawn(move || {
        let _r = lock2.read().unwrap();
        both_in2.wait();
        both_in2.wait();
    });
    let r = lock.read().unwrap();
    both_in.wait();
    assert!(matches!(lock.try_write(), Err(TryLockError::WouldBlock)));
    both_in.wait();
    drop(r);
    t.join().unwrap();
}

#[test]
fn real_panic_while_writing_poisons() {
    let lock = Arc::new(RwLock::new(vec![1]));
    let lock2 = lock.clone();
    let result = std::thread::spawn(move || {
        let mut w = lock2.write().unwrap();
        w.push(2);
        panic!("poison it");
    })
    .join();
    assert!(result.is_err());
    assert!(lock.is_poisoned());
    match lock.read() {
        Err(p) => assert_eq!(*p.into_inner(), vec![1, 2]),
        Ok(_) => panic!("expected a poisoned lock"),
    }
    assert!(matches!(lock.try_write(), Err(TryLockError::Poisoned(_))));
    lock.clear_poison();
    assert!(!lock.is_poisoned());
    lock.write().unwrap().push(3);
    let lock = Arc::try_unwrap(lock).unwrap();
    assert_eq!(lock.into_inner().unwrap(), vec![1, 2, 3]);
}

#[test]
fn real_panic_while_reading_does_not_poison() {
    let lock = Arc::new(RwLock::new(5));
    let lock2 = lock.clone();
    let result = std::thread::spawn(move || {
        let _r = lock2.read().unwrap();
        panic!("readers do not poison");
    })
    .join();
    assert!(result.is_err());
    assert!(!lock.is_poisoned());
    assert_eq!(*lock.write().unwrap(), 5);
}

#[test]
fn std_shaped_api() {
    let mut lock: RwLock<i32> = RwLock::default();
    *lock.get_mut().unwrap() = 3;
    assert_eq!(
        format!("{lock:?}"),
        format!("{:?}", std::sync::RwLock::new(3))
    );
    {
        let r = lock.read().unwrap();
        assert_eq!(format!("{r:?} {r}"), "3 3");
    }
    {
        let mut w = lock.write().unwrap();
        *w = 4;
        assert_eq!(format!("{w:?} {w}"), "4 4");
    }
    let from: RwLock<&str> = RwLock::from("x");
    assert_eq!(*from.read().unwrap(), "x");
    assert_eq!(lock.into_inner().unwrap(), 4);
    static GLOBAL: RwLock<u8> = RwLock::new(1);
    assert_eq!(*GLOBAL.read().unwrap(), 1);
}

#[test]
fn auto_traits_match_std() {
    fn send_sync<T: Send + Sync>() {}
    fn sync<T: Sync>() {}
    fn unwind_safe<T: std::panic::UnwindSafe + std::panic::RefUnwindSafe>() {}
    send_sync::<RwLock<String>>();
    sync::<conc_check::sync::RwLockReadGuard<'static, String>>();
    sync::<conc_check::sync::RwLockWriteGuard<'static, String>>();
    unwind_safe::<RwLock<String>>();
}
