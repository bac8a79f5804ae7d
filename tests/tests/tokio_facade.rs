//! `conc_check_tokio`: tokio's names on conc-check's tasks, in the model and on real threads.

use std::collections::BTreeSet;
use std::sync::Mutex as StdMutex;

use conc_check::future::block_on;
use conc_check::sync::Arc;
use conc_check::{Builder, FindingKind, Strategy};
use conc_check_corpus::programs::{async_abba, select_cancellation};
use conc_check_tokio::sync::{mpsc, oneshot, Mutex, Notify};
use conc_check_tokio::task::yield_now;
use conc_check_tokio::{select, spawn};

fn dfs() -> Builder {
    Builder::new()
        .strategy(Strategy::Dfs)
        .max_preemptions(None)
        .iterations(100_000)
}

#[test]
fn an_async_mutex_serialises_tasks_that_hold_it_across_an_await() {
    let report = dfs().explore(|| {
        block_on(async {
            let count = Arc::new(Mutex::new(0));
            let tasks: Vec<_> = (0..2)
                .map(|_| {
                    let count = count.clone();
                    spawn(async move {
                        let mut guard = count.lock().await;
                        let seen = *guard;
                        yield_now().await;
                        *guard = seen + 1;
                    })
                })
                .collect();
            for task in tasks {
                task.await.unwrap();
            }
            assert_eq!(*count.lock().await, 2);
            assert!(count.try_lock().is_ok());
        })
    });
    assert!(report.is_clean() && report.complete, "{report}");
    assert!(report.executions > 1, "{report}");
}

/// Takes `a` then `b` in one task and, after it finished, `b` then `a` in another: never a
/// deadlock, but the orders conflict.
fn sequential_orders(opposite: bool) {
    block_on(async {
        let a = Arc::new(Mutex::new(()));
        let b = Arc::new(Mutex::new(()));
        let (a1, b1) = (a.clone(), b.clone());
        spawn(async move {
            let _a = a1.lock().await;
            let _b = b1.lock().await;
        })
        .await
        .unwrap();
        let (first, second) = if opposite { (b, a) } else { (a, b) };
        spawn(async move {
            let _first = first.lock().await;
            let _second = second.lock().await;
        })
        .await
        .unwrap();
    });
}

#[test]
fn async_locks_taken_in_opposite_orders_are_a_lock_order_cycle_before_they_deadlock() {
    let report = dfs().explore(|| sequential_orders(true));
    assert_eq!(
        report.findings.first().map(|f| f.kind),
        Some(FindingKind::LockOrderCycle),
        "{report}"
    );
    let twin = dfs().explore(|| sequential_orders(false));
    assert!(twin.is_clean() && twin.complete, "{twin}");
}

#[test]
fn async_abba_deadlock_names_each_task_s_await_and_the_lock_s_holder() {
    let report = dfs().explore(async_abba::buggy);
    let finding = report.findings.first().expect("the deadlock is found");
    let text = report.to_string();
    if finding.kind == FindingKind::Deadlock {
        assert!(text.contains("wait for each other"), "{text}");
        assert!(
            text.contains("waits to lock Mutex `checking`")
                && text.contains("waits to lock Mutex `savings`"),
            "{text}"
        );
        assert!(text.contains("it is held by thread"), "{text}");
    } else {
        assert_eq!(finding.kind, FindingKind::LockOrderCycle, "{text}");
    }
}

#[test]
fn notify_stores_one_permit_and_notify_waiters_wakes_only_futures_made_before_it() {
    let report = dfs().explore(|| {
        block_on(async {
            let notify = Notify::new();
            notify.notify_one();
            notify.notify_one();
            // One permit, however many notifies found nobody waiting.
            notify.notified().await;
            let waiting = notify.notified();
            notify.notify_waiters();
            waiting.await;
            let notify = Arc::new(notify);
            let woken = notify.clone();
            let waiter = spawn(async move { woken.notified().await });
            // Until the waiter waits, this stores a permit; after, it wakes it.
            notify.notify_one();
            waiter.await.unwrap();
        })
    });
    assert!(report.is_clean() && report.complete, "{report}");
    assert!(report.executions > 1, "one interleaving only: {report}");
}

#[test]
fn a_notified_future_that_was_chosen_and_then_dropped_hands_the_notification_on() {
    let report = dfs().explore(|| {
        block_on(async {
            let notify = Notify::new();
            let mut chosen = Box::pin(notify.notified());
            // Registered by one poll, then chosen by the notify, then dropped unpolled: the
            // notification must reach the next waiter (here as the stored permit), or the
            // second wait never ends.
            poll_once(chosen.as_mut()).await;
            notify.notify_one();
            let next = notify.notified();
            drop(chosen);
            next.await;
        })
    });
    assert!(report.is_clean() && report.complete, "{report}");
}

/// Polls `future` once, leaving it where it is.
async fn poll_once<F: std::future::Future + ?Sized>(mut future: std::pin::Pin<&mut F>) {
    std::future::poll_fn(|cx| {
        let _ = future.as_mut().poll(cx);
        std::task::Poll::Ready(())
    })
    .await;
}

#[test]
fn a_bounded_channel_delivers_in_order_waits_when_full_and_ends_with_its_senders() {
    let report = dfs().explore(|| {
        block_on(async {
            let (tx, mut rx) = mpsc::channel::<u32>(1);
            let producer = spawn(async move {
                for n in 1..=3 {
                    tx.send(n).await.unwrap();
                }
            });
            let mut got = Vec::new();
            while let Some(n) = rx.recv().await {
                got.push(n);
            }
            assert_eq!(got, [1, 2, 3]);
            producer.await.unwrap();
            assert_eq!(rx.try_recv(), Err(mpsc::error::TryRecvError::Disconnected));
        })
    });
    assert!(report.is_clean() && report.complete, "{report}");
    assert!(report.executions > 1, "one interleaving only: {report}");
}

#[test]
fn sends_fail_once_the_receiver_is_gone_and_try_send_says_full() {
    block_on(async {
        let (tx, rx) = mpsc::channel::<u32>(1);
        tx.try_send(1).unwrap();
        assert!(matches!(
            tx.try_send(2),
            Err(mpsc::error::TrySendError::Full(2))
        ));
        drop(rx);
        assert!(tx.is_closed());
        assert_eq!(tx.send(3).await.map_err(|e| e.0), Err(3));
        let (utx, mut urx) = mpsc::unbounded_channel::<u32>();
        utx.send(4).unwrap();
        drop(utx);
        assert_eq!(urx.recv().await, Some(4));
        assert_eq!(urx.recv().await, None);
    });
}

#[test]
fn a_oneshot_gives_its_value_or_an_error_when_its_sender_is_dropped() {
    let report = dfs().explore(|| {
        block_on(async {
            let (tx, rx) = oneshot::channel();
            let sender = spawn(async move { tx.send(7).unwrap() });
            assert_eq!(rx.await, Ok(7));
            sender.await.unwrap();
            let (tx, rx) = oneshot::channel::<u32>();
            drop(tx);
            assert!(rx.await.is_err());
            let (tx, rx) = oneshot::channel::<u32>();
            drop(rx);
            assert_eq!(tx.send(1), Err(1));
        })
    });
    assert!(report.is_clean() && report.complete, "{report}");
    assert!(report.executions > 1, "one interleaving only: {report}");
}

#[test]
fn select_explores_every_winner_and_drops_the_losers() {
    static WINNERS: StdMutex<BTreeSet<u32>> = StdMutex::new(BTreeSet::new());
    let report = dfs().explore(|| {
        let winner = block_on(async {
            let (tx1, mut rx1) = mpsc::unbounded_channel::<u32>();
            let (tx2, mut rx2) = mpsc::unbounded_channel::<u32>();
            tx1.send(1).unwrap();
            tx2.send(2).unwrap();
            select! {
                Some(n) = rx1.recv() => n,
                Some(n) = rx2.recv() => n,
            }
        });
        WINNERS.lock().unwrap().insert(winner);
    });
    assert!(report.is_clean() && report.complete, "{report}");
    assert_eq!(*WINNERS.lock().unwrap(), BTreeSet::from([1, 2]));
}

#[test]
fn a_biased_select_polls_in_order_and_else_runs_when_every_branch_is_disabled() {
    block_on(async {
        let (tx, mut rx) = mpsc::unbounded_channel::<u32>();
        tx.send(5).unwrap();
        let first = select! {
            biased;
            Some(n) = rx.recv() => n,
            _ = std::future::ready(()) => 0,
        };
        assert_eq!(first, 5);
        drop(tx);
        let ended = select! {
            Some(n) = rx.recv() => n,
            else => 99,
        };
        assert_eq!(ended, 99);
    });
}

#[test]
fn a_cancellation_unsafe_select_is_found_and_the_finding_names_the_cancelled_await() {
    let source = include_str!("../../corpus/src/programs/select_cancellation.rs");
    let second_recv = 1 + source
        .lines()
        .position(|l| l.contains("let second = queue.recv().await?;"))
        .expect("the second receive");
    for builder in [dfs(), Builder::new()] {
        let report = builder.explore(select_cancellation::buggy);
        assert_eq!(
            report.findings.first().map(|f| f.kind),
            Some(FindingKind::Panic),
            "{report}"
        );
        let text = report.to_string();
        let cancelled =
            format!("was pending at corpus/src/programs/select_cancellation.rs:{second_recv}:");
        assert!(
            text.contains(&cancelled) && text.contains("it was cancelled at that `.await`"),
            "no {cancelled:?} in {text}"
        );
        assert!(
            text.contains("(in `conc_check_corpus::programs::select_cancellation::read_pair`)"),
            "{text}"
        );
    }
}

#[test]
fn the_facade_works_on_real_threads_outside_a_model() {
    // A plain test: no model around it, so tasks are real threads and the locks real flags.
    let total = block_on(async {
        let lock = Arc::new(Mutex::new(0));
        let (tx, mut rx) = mpsc::channel::<u32>(1);
        let notify = Arc::new(Notify::new());
        let tasks: Vec<_> = (0..4)
            .map(|n| {
                let (lock, tx, notify) = (lock.clone(), tx.clone(), notify.clone());
                spawn(async move {
                    *lock.lock().await += n;
                    tx.send(n).await.unwrap();
                    notify.notify_one();
                })
            })
            .collect();
        drop(tx);
        let mut sum = 0;
        while let Some(n) = rx.recv().await {
            sum += n;
        }
        for task in tasks {
            task.await.unwrap();
        }
        notify.notified().await;
        assert_eq!(*lock.lock().await, sum);
        sum
    });
    assert_eq!(total, 6);
}

#[test]
fn a_timeout_may_fire_before_the_operation_it_guards_and_both_outcomes_are_explored() {
    use conc_check_tokio::time::{timeout, Duration};
    static OUTCOMES: StdMutex<BTreeSet<bool>> = StdMutex::new(BTreeSet::new());
    let report = dfs().explore(|| {
        let timed_out = block_on(async {
            let (tx, rx) = oneshot::channel();
            let sender = spawn(async move {
                yield_now().await;
                let _ = tx.send(1);
            });
            let outcome = timeout(Duration::from_secs(1), rx).await;
            sender.await.unwrap();
            outcome.is_err()
        });
        OUTCOMES.lock().unwrap().insert(timed_out);
    });
    assert!(report.is_clean() && report.complete, "{report}");
    assert_eq!(*OUTCOMES.lock().unwrap(), BTreeSet::from([false, true]));
}

#[test]
fn a_sleep_completes_at_once_in_virtual_time_and_a_timeout_ends_a_future_nobody_wakes() {
    use conc_check_tokio::time::{sleep, timeout, Duration, Instant};
    let report = dfs().explore(|| {
        block_on(async {
            let start = Instant::now();
            sleep(Duration::from_secs(3600)).await;
            assert!(start.elapsed() >= Duration::from_secs(3600));
            // Nobody will wake this future: without the timeout it would be a deadlock.
            let never = timeout(Duration::from_secs(5), std::future::pending::<()>()).await;
            assert!(never.is_err());
        })
    });
    assert!(report.is_clean() && report.complete, "{report}");
}

#[test]
fn timers_work_on_real_threads_outside_a_model() {
    use conc_check_tokio::time::{sleep, timeout, Duration, Instant};
    block_on(async {
        let start = Instant::now();
        sleep(Duration::from_millis(5)).await;
        assert!(start.elapsed() >= Duration::from_millis(5));
        let never = timeout(Duration::from_millis(5), std::future::pending::<()>()).await;
        assert!(never.is_err());
    });
}

/// Receives two messages.
async fn read_two(queue: &mut mpsc::Receiver<u32>) -> Option<(u32, u32)> {
    let first = queue.recv().await?;
    let second = queue.recv().await?;
    Some((first, second))
}

#[test]
fn a_finding_after_a_timeout_fired_names_the_await_it_cancelled() {
    use conc_check_tokio::time::{timeout, Duration};
    let report = dfs().explore(|| {
        block_on(async {
            let (tx, mut rx) = mpsc::channel::<u32>(1);
            let sender = spawn(async move {
                for n in 1..=2 {
                    let _ = tx.send(n).await;
                }
            });
            let read = timeout(Duration::from_secs(1), read_two(&mut rx)).await;
            drop(rx);
            sender.await.unwrap();
            assert!(read.is_ok(), "the read timed out");
        })
    });
    assert_eq!(
        report.findings.first().map(|f| f.kind),
        Some(FindingKind::Panic),
        "{report}"
    );
    let text = report.to_string();
    assert!(
        text.contains("before this, the `timeout` at tests/tests/tokio_facade.rs:")
            && text.contains("(in `tokio_facade::read_two`): it was cancelled at that `.await`"),
        "{text}"
    );
}

#[test]
fn a_join_set_yields_every_result_and_aborts_what_is_left_when_dropped() {
    use conc_check_tokio::task::JoinSet;
    let report = dfs().explore(|| {
        block_on(async {
            let mut set = JoinSet::new();
            for n in 1..=2u32 {
                set.spawn(async move { n });
            }
            let mut sum = 0;
            while let Some(result) = set.join_next().await {
                sum += result.unwrap();
            }
            assert_eq!(sum, 3);
            assert!(set.is_empty());
            let mut stuck = JoinSet::new();
            stuck.spawn(std::future::pending::<u32>());
            stuck.shutdown().await;
            assert!(stuck.is_empty());
        })
    });
    assert!(report.is_clean() && report.complete, "{report}");
    assert!(report.executions > 1, "one interleaving only: {report}");
}

#[test]
fn a_semaphore_admits_as_many_tasks_as_it_has_permits() {
    use conc_check_tokio::sync::Semaphore;
    let report = dfs().explore(|| {
        block_on(async {
            let permits = Arc::new(Semaphore::new(1));
            let inside = Arc::new(Mutex::new(0));
            let tasks: Vec<_> = (0..2)
                .map(|_| {
                    let (permits, inside) = (permits.clone(), inside.clone());
                    spawn(async move {
                        let _permit = permits.acquire().await.unwrap();
                        *inside.lock().await += 1;
                        assert_eq!(*inside.lock().await, 1, "two tasks inside at once");
                        *inside.lock().await -= 1;
                    })
                })
                .collect();
            for task in tasks {
                task.await.unwrap();
            }
            assert_eq!(permits.available_permits(), 1);
            assert!(permits.try_acquire().is_ok());
            permits.close();
            assert!(permits.acquire().await.is_err());
        })
    });
    assert!(report.is_clean() && report.complete, "{report}");
    assert!(report.executions > 1, "one interleaving only: {report}");
}

#[test]
fn a_permit_nobody_releases_is_a_deadlock_that_names_the_semaphore() {
    use conc_check_tokio::sync::Semaphore;
    let report = dfs().explore(|| {
        block_on(async {
            let gate = Semaphore::new(1);
            let held = gate.acquire().await.unwrap();
            let _second = gate.acquire().await;
            drop(held);
        })
    });
    let text = report.to_string();
    assert_eq!(
        report.findings.first().map(|f| f.kind),
        Some(FindingKind::Deadlock),
        "{text}"
    );
    assert!(
        text.contains("waits on Semaphore `gate`")
            && text.contains("no other thread is left that could release a permit"),
        "{text}"
    );
}

#[test]
fn an_async_rwlock_lets_readers_share_and_writers_exclude() {
    use conc_check_tokio::sync::RwLock;
    let report = dfs().explore(|| {
        block_on(async {
            let lock = Arc::new(RwLock::new(0));
            let reader_lock = lock.clone();
            let reader = spawn(async move {
                let first = reader_lock.read().await;
                let second = reader_lock.try_read().expect("readers share the lock");
                assert_eq!(*first, *second);
                *first
            });
            let writer_lock = lock.clone();
            let writer = spawn(async move {
                *writer_lock.write().await += 1;
            });
            let seen = reader.await.unwrap();
            writer.await.unwrap();
            assert!(seen == 0 || seen == 1);
            assert_eq!(*lock.read().await, 1);
            let _held = lock.write().await;
            assert!(lock.try_read().is_err());
        })
    });
    assert!(report.is_clean() && report.complete, "{report}");
    assert!(report.executions > 1, "one interleaving only: {report}");
}

#[test]
fn a_watch_receiver_sees_the_latest_value_and_the_end_of_its_senders() {
    use conc_check_tokio::sync::watch;
    let report = dfs().explore(|| {
        block_on(async {
            let (tx, mut rx) = watch::channel(0u32);
            let sender = spawn(async move {
                tx.send(1).unwrap();
                tx.send(2).unwrap();
            });
            let mut last = *rx.borrow_and_update();
            while rx.changed().await.is_ok() {
                let now = *rx.borrow_and_update();
                assert!(now > last, "values only go forward");
                last = now;
            }
            sender.await.unwrap();
            assert_eq!(*rx.borrow(), 2);
            assert!(rx.has_changed().is_err());
        })
    });
    assert!(report.is_clean() && report.complete, "{report}");
    assert!(report.executions > 1, "one interleaving only: {report}");
}

#[test]
fn a_closed_channel_ends_once_drained_even_while_a_sender_lives() {
    let report = dfs().explore(|| {
        block_on(async {
            let (tx, mut rx) = mpsc::channel::<u32>(2);
            tx.try_send(1).unwrap();
            rx.close();
            assert!(tx.try_send(2).is_err(), "a closed channel refuses sends");
            assert_eq!(
                rx.recv().await,
                Some(1),
                "what was queued is still received"
            );
            assert_eq!(rx.recv().await, None, "then the channel has ended");
            let (still_alive, mut one) = oneshot::channel::<u32>();
            one.close();
            assert!(one.await.is_err(), "a closed oneshot gives up at once");
            drop(still_alive);
        })
    });
    assert!(report.is_clean() && report.complete, "{report}");
}
