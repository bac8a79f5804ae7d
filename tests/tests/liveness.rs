//! Fair scheduling and the liveness settings, end to end through the public API.

use conc_check::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use conc_check::sync::{Arc, Mutex};
use conc_check::{thread, Builder, FindingKind, Strategy};
use conc_check_corpus::programs;

#[test]
fn the_livelock_window_is_a_builder_setting() {
    let report = Builder::new()
        .livelock_steps(50)
        .explore(programs::spin_flag::buggy);
    assert_eq!(report.kinds(), vec![FindingKind::Livelock]);
    assert!(
        report.findings[0].message.contains("for 50 steps"),
        "{}",
        report.findings[0].message
    );
}

#[test]
fn the_step_limit_stays_a_last_resort_of_its_own_kind() {
    let report = Builder::new()
        .livelock_steps(1_000_000)
        .max_steps(2_000)
        .explore(programs::spin_flag::buggy);
    assert_eq!(report.kinds(), vec![FindingKind::StepLimit]);
}

#[test]
fn a_busy_wait_without_yield_terminates_under_every_strategy() {
    for strategy in [Strategy::Dfs, Strategy::Random, Strategy::Pct { depth: 3 }] {
        let report = Builder::new()
            .strategy(strategy)
            .iterations(300)
            .explore(programs::spin_flag::clean);
        assert!(report.is_clean(), "{strategy:?}: {report}");
    }
}

#[test]
fn threads_hammering_a_mutex_are_not_starving_each_other() {
    let report = Builder::new().iterations(2_000).explore(|| {
        let counter = Arc::new(Mutex::new(0));
        let handles: Vec<_> = (0..3)
            .map(|_| {
                let c = counter.clone();
                thread::spawn(move || {
                    for _ in 0..6 {
                        *c.lock().unwrap() += 1;
                    }
                })
            })
            .collect();
        for h in handles {
            h.join().unwrap();
        }
        assert_eq!(*counter.lock().unwrap(), 18);
    });
    assert!(report.is_clean(), "{report}");
}

#[test]
fn a_try_lock_spinner_that_keeps_losing_is_starving_with_a_low_threshold() {
    let report = Builder::new()
        .starvation_threshold(3)
        .iterations(2_000)
        .explore(|| {
            let lock = Arc::new(Mutex::new(()));
            let done = Arc::new(AtomicBool::new(false));
            let (l, d) = (lock.clone(), done.clone());
            let greedy = thread::spawn(move || {
                while !d.load(Ordering::Relaxed) {
                    drop(l.lock().unwrap());
                }
            });
            loop {
                if let Ok(_guard) = lock.try_lock() {
                    done.store(true, Ordering::Relaxed);
                    break;
                }
                thread::yield_now();
            }
            greedy.join().unwrap();
        });
    assert_eq!(report.kinds(), vec![FindingKind::Starvation], "{report}");
    let f = &report.findings[0];
    assert!(f.message.contains("the main thread"), "{}", f.message);
    assert!(f.notes.iter().any(|n| n.contains("thread 1 took it")));
}

#[test]
fn a_cas_loop_counter_whose_value_comes_back_is_not_aba() {
    let report = Builder::new()
        .strategy(Strategy::Dfs)
        .iterations(100_000)
        .explore(|| {
            let n = Arc::new(AtomicUsize::new(0));
            let handles: Vec<_> = (0..2)
                .map(|i| {
                    let n = n.clone();
                    thread::spawn(move || {
                        // One thread adds, the other subtracts: values come back all the time.
                        let _ = n.fetch_update(Ordering::AcqRel, Ordering::Acquire, |v| {
                            Some(if i == 0 {
                                v.wrapping_add(1)
                            } else {
                                v.wrapping_sub(1)
                            })
                        });
                        let _ = n.fetch_update(Ordering::AcqRel, Ordering::Acquire, |v| {
                            Some(if i == 0 {
                                v.wrapping_sub(1)
                            } else {
                                v.wrapping_add(1)
                            })
                        });
                    })
                })
                .collect();
            for h in handles {
                h.join().unwrap();
            }
        });
    assert!(report.is_clean() && report.complete, "{report}");
}

#[test]
fn the_treiber_aba_is_reported_at_the_exchange_and_its_damage_as_a_panic() {
    let report = Builder::new()
        .strategy(Strategy::Dfs)
        .iterations(100_000)
        .explore(programs::treiber_index::buggy);
    assert_eq!(
        report.kinds(),
        vec![FindingKind::Aba, FindingKind::Panic],
        "{report}"
    );
    assert!(report.findings[1].message.contains("handed out twice"));
}

/// Runs `program` under the default strategy; returns its one finding, which must be of
/// `kind`, after checking that its schedule replays to the same finding.
fn lasso_finding(program: fn(), kind: FindingKind) -> conc_check::Finding {
    let report = Builder::new().explore(program);
    assert_eq!(report.kinds(), vec![kind], "{report}");
    let schedule = report.schedule.clone().expect("a schedule");
    let replayed = conc_check::replay(&schedule, program);
    assert_eq!(replayed.kinds(), vec![kind], "the replay: {replayed}");
    assert_eq!(replayed.findings[0].message, report.findings[0].message);
    report.findings[0].clone()
}

#[test]
fn philosophers_who_back_off_in_lock_step_are_a_livelock_shown_as_a_lasso() {
    let f = lasso_finding(programs::backoff_philosophers::buggy, FindingKind::Livelock);
    assert!(f.message.contains("can repeat forever"), "{}", f.message);
    assert!(
        f.notes.iter().any(|n| n.starts_with("the lasso:")),
        "{f:#?}"
    );
    // Both fail every round: on the fork the other holds.
    let failing = f
        .notes
        .iter()
        .filter(|n| n.contains("tries and fails"))
        .count();
    assert_eq!(failing, 2, "{f:#?}");
}

#[test]
fn a_waiter_bypassed_on_a_test_and_set_lock_is_a_starvation_shown_as_a_lasso() {
    let f = lasso_finding(programs::tas_starvation::buggy, FindingKind::Starvation);
    assert!(
        f.notes.iter().any(|n| n.starts_with("the lasso:")),
        "{f:#?}"
    );
    assert!(f.message.contains("the main thread fails"), "{}", f.message);
    assert!(!f.objects.is_empty(), "{f:#?}");
}

#[test]
fn a_retry_loop_that_gives_up_and_a_fair_lock_are_no_lasso() {
    for program in [
        programs::backoff_philosophers::bounded,
        programs::backoff_philosophers::clean,
        programs::tas_starvation::clean,
    ] {
        let report = Builder::new().explore(program);
        assert!(report.is_clean(), "{report}");
    }
}

#[test]
fn the_bounded_retry_twin_is_exhausted_by_dfs_within_a_bound() {
    // DFS never hands its choices to a replay (it would not explore the ones it skipped): the
    // bounded twin is exhausted, every round that came back left alone.
    let report = Builder::new()
        .strategy(Strategy::Dfs)
        .max_preemptions(Some(3))
        .explore(programs::backoff_philosophers::bounded);
    assert!(report.is_clean() && report.complete, "{report}");
}

#[test]
fn a_loop_that_always_gets_its_lock_is_no_lasso_even_after_a_retry() {
    // A failed try_lock wakes the livelock detector; then two workers take one lock 300
    // times each. The fingerprint does not see the count inside the Mutex, so the state comes
    // back every round, but nobody fails: no candidate, clean.
    let report = Builder::new().explore(|| {
        let m = Arc::new(Mutex::new(0u32));
        {
            let _held = m.lock().unwrap();
            let m2 = m.clone();
            thread::spawn(move || assert!(m2.try_lock().is_err()))
                .join()
                .unwrap();
        }
        let workers: Vec<_> = (0..2)
            .map(|_| {
                let m = m.clone();
                thread::spawn(move || {
                    for _ in 0..300 {
                        *m.lock().unwrap() += 1;
                    }
                })
            })
            .collect();
        for w in workers {
            w.join().unwrap();
        }
        assert_eq!(*m.lock().unwrap(), 600);
    });
    assert!(report.is_clean(), "{report}");
}

#[test]
fn a_swap_spin_lock_taken_once_by_each_thread_is_exhausted_clean() {
    // Each swap that finds the lock taken reads the latest store the next time (eventual
    // visibility), so no thread spins for ever on its own last swap.
    let report = Builder::new().strategy(Strategy::Dfs).explore(|| {
        let held = Arc::new(AtomicBool::new(false));
        let count = Arc::new(AtomicUsize::new(0));
        let workers: Vec<_> = (0..2)
            .map(|_| {
                let (held, count) = (held.clone(), count.clone());
                thread::spawn(move || {
                    while held.swap(true, Ordering::Acquire) {
                        thread::yield_now();
                    }
                    count.fetch_add(1, Ordering::Relaxed);
                    held.store(false, Ordering::Release);
                })
            })
            .collect();
        for w in workers {
            w.join().unwrap();
        }
        assert_eq!(count.load(Ordering::Relaxed), 2);
    });
    assert!(report.is_clean() && report.complete, "{report}");
}

#[test]
fn dfs_never_replays_a_round_so_its_runs_record_no_steering() {
    // Under DFS the window detector, not a lasso, reports the philosophers (or nothing within
    // the budget); either way no finding shows a lasso, and the schedule replays.
    let report = Builder::new()
        .strategy(Strategy::Dfs)
        .iterations(20_000)
        .explore(programs::backoff_philosophers::buggy);
    for f in &report.findings {
        assert!(
            !f.notes.iter().any(|n| n.starts_with("the lasso:")),
            "{f:#?}"
        );
    }
    if let Some(schedule) = &report.schedule {
        let replayed = conc_check::replay(schedule, programs::backoff_philosophers::buggy);
        assert_eq!(replayed.kinds(), report.kinds(), "{replayed}");
    }
}

#[test]
fn a_polite_corridor_on_swaps_is_still_a_livelock() {
    // Both raise their flag with a swap, see the other's raised, lower theirs with a swap and
    // yield: every step changes an atomic the fingerprint sees, so the repeating state is no
    // hidden progress.
    let report = Builder::new().explore(|| {
        let flags = Arc::new([AtomicBool::new(false), AtomicBool::new(false)]);
        let walkers: Vec<_> = (0..2)
            .map(|me| {
                let flags = flags.clone();
                thread::spawn(move || loop {
                    flags[me].swap(true, Ordering::SeqCst);
                    thread::yield_now();
                    if !flags[1 - me].load(Ordering::SeqCst) {
                        break;
                    }
                    flags[me].swap(false, Ordering::SeqCst);
                    thread::yield_now();
                })
            })
            .collect();
        for w in walkers {
            w.join().unwrap();
        }
    });
    assert_eq!(report.kinds(), vec![FindingKind::Livelock], "{report}");
}

#[test]
fn a_long_locked_worker_beside_a_failing_poller_is_no_lasso() {
    // The worker's count lives inside the Mutex, where the fingerprint does not look: a round
    // in which it takes the lock and the poller fails is no evidence of a cycle. (The
    // threshold detector would call ten lost try_locks starvation; it is set aside here.)
    let report = Builder::new().starvation_threshold(1_000_000).explore(|| {
        let m = Arc::new(Mutex::new(0u32));
        let done = Arc::new(AtomicBool::new(false));
        let worker = {
            let (m, done) = (m.clone(), done.clone());
            thread::spawn(move || {
                for _ in 0..400 {
                    *m.lock().unwrap() += 1;
                }
                done.store(true, Ordering::Release);
            })
        };
        while !done.load(Ordering::Acquire) {
            if let Ok(count) = m.try_lock() {
                assert!(*count <= 400);
            }
            thread::yield_now();
        }
        worker.join().unwrap();
        assert_eq!(*m.lock().unwrap(), 400);
    });
    assert!(report.is_clean(), "{report}");
}
