//! The instrumented `mpsc` channels: the outcomes the model explores against std's semantics.
use std::collections::HashSet;
use std::time::Duration;

use conc_check::sync::mpsc::{
    self, RecvError, RecvTimeoutError, SendError, TryRecvError, TrySendError,
};
use conc_check::sync::{Arc, Mutex};
use conc_check::{thread, Builder, FindingKind, Report, Strategy};

/// Exhaustive DFS; the budget is far above what any test here needs, whatever the environment.
fn dfs() -> Builder {
    Builder::new().strategy(Strategy::Dfs).iterations(100_000)
}

fn assert_clean_and_complete(report: &Report) {
    println!("{report}");
    assert!(
        report.is_clean(),
        "unexpected findings: {:?}",
        report.kinds()
    );
    assert!(report.complete, "DFS did not finish");
}

/// Runs `body` under DFS, checks that no execution had a finding, and returns the set of
/// outcomes (as `Debug` strings) it recorded across all executions.
fn outcomes<F>(body: F) -> HashSet<String>
where
    F: Fn(&dyn Fn(String)) + Send + Sync + 'static,
{
    let seen = Arc::new(std::sync::Mutex::new(HashSet::new()));
    let sink = seen.clone();
    let report = dfs().explore(move || {
        body(&|v| {
            sink.lock().unwrap().insert(v);
        })
    });
    assert_clean_and_complete(&report);
    let seen = seen.lock().unwrap().clone();
    println!("outcomes: {seen:?}");
    seen
}

fn set<const N: usize>(items: [&str; N]) -> HashSet<String> {
    items.iter().map(|s| s.to_string()).collect()
}

/// One sender sends 0, 1, 2; the receiver must get them in that order.
fn fifo_scenario() {
    let (tx, rx) = mpsc::channel();
    let t = thread::spawn(move || {
        for i in 0..3 {
            tx.send(i).unwrap();
        }
    });
    let got: Vec<i32> = (0..3).map(|_| rx.recv().unwrap()).collect();
    assert_eq!(got, [0, 1, 2]);
    t.join().unwrap();
}

#[test]
fn fifo_from_one_sender() {
    assert_clean_and_complete(&dfs().explore(fifo_scenario));
    // Every interleaving delivers in order, so reduction needs one; the plain search runs them
    // all, and FIFO must hold in each.
    let plain = dfs().partial_order_reduction(false).explore(fifo_scenario);
    assert_clean_and_complete(&plain);
    assert!(plain.executions > 1, "the sends and receives interleave");
}

#[test]
fn two_senders_arrive_in_either_order() {
    let seen = outcomes(|record| {
        let (tx, rx) = mpsc::channel();
        let tx2 = tx.clone();
        let a = thread::spawn(move || tx.send(1).unwrap());
        let b = thread::spawn(move || tx2.send(2).unwrap());
        let order = [rx.recv().unwrap(), rx.recv().unwrap()];
        a.join().unwrap();
        b.join().unwrap();
        assert_eq!(rx.recv(), Err(RecvError), "both senders are gone");
        record(format!("{order:?}"));
    });
    assert_eq!(seen, set(["[1, 2]", "[2, 1]"]));
}

#[test]
fn two_rendezvous_senders_arrive_in_either_order() {
    let seen = outcomes(|record| {
        let (tx, rx) = mpsc::sync_channel(0);
        let tx2 = tx.clone();
        let a = thread::spawn(move || tx.send(1).unwrap());
        let b = thread::spawn(move || tx2.send(2).unwrap());
        let order = [rx.recv().unwrap(), rx.recv().unwrap()];
        a.join().unwrap();
        b.join().unwrap();
        record(format!("{order:?}"));
    });
    assert_eq!(seen, set(["[1, 2]", "[2, 1]"]));
}

/// The main thread sends `messages` values on a `sync_channel(bound)` and then sets a flag; a
/// second thread reads the flag, then receives everything. The flag must still be clear when
/// it is read exactly when the last send cannot return before the first receive, i.e. when
/// `messages > bound`.
fn sends_finish_before_first_recv(bound: usize, messages: u32) -> Report {
    dfs().explore(move || {
        let (tx, rx) = mpsc::sync_channel(bound);
        let sent = Arc::new(Mutex::new(false));
        let seen = sent.clone();
        let t = thread::spawn(move || {
            let before = *seen.lock().unwrap();
            let got: Vec<u32> = (0..messages).map(|_| rx.recv().unwrap()).collect();
            assert_eq!(got, (0..messages).collect::<Vec<_>>());
            assert!(!before, "every send returned before the first recv");
        });
        for i in 0..messages {
            tx.send(i).unwrap();
        }
        *sent.lock().unwrap() = true;
        t.join().unwrap();
    })
}

#[test]
fn rendezvous_send_returns_only_after_the_receiver_took_the_value() {
    assert_clean_and_complete(&sends_finish_before_first_recv(0, 1));
    assert_clean_and_complete(&sends_finish_before_first_recv(0, 2));
    // The same check with room for the message: the sender can finish first.
    let buffered = sends_finish_before_first_recv(1, 1);
    println!("{buffered}");
    assert_eq!(buffered.kinds(), vec![FindingKind::Panic]);
}

#[test]
fn bounded_channel_blocks_the_send_that_does_not_fit() {
    assert_clean_and_complete(&sends_finish_before_first_recv(1, 2));
    assert_clean_and_complete(&sends_finish_before_first_recv(2, 3));
    let fits = sends_finish_before_first_recv(2, 2);
    println!("{fits}");
    assert_eq!(fits.kinds(), vec![FindingKind::Panic]);

    // On one thread: the second message does not fit.
    let report = dfs().explore(|| {
        let (tx, rx) = mpsc::sync_channel(1);
        tx.try_send(1).unwrap();
        assert_eq!(tx.try_send(2), Err(TrySendError::Full(2)));
        assert_eq!(rx.try_recv(), Ok(1));
        tx.try_send(3).unwrap();
        assert_eq!(rx.recv(), Ok(3));
    });
    assert_clean_and_complete(&report);

    // A blocking send on a full channel whose receiver nobody else can use never returns.
    let report = dfs().explore(|| {
        let (tx, _rx) = mpsc::sync_channel(1);
        tx.send(1).unwrap();
        tx.send(2).unwrap();
    });
    println!("{report}");
    assert_eq!(report.kinds(), vec![FindingKind::Deadlock]);
    let notes = report.findings[0].notes.join("\n");
    assert!(
        notes.contains("to send on the channel created at"),
        "{notes}"
    );
}

#[test]
fn rendezvous_try_send_needs_a_waiting_receiver() {
    let report = dfs().explore(|| {
        let (tx, rx) = mpsc::sync_channel(0);
        assert_eq!(tx.try_send(1), Err(TrySendError::Full(1)));
        assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
        drop(rx);
        assert_eq!(tx.try_send(2), Err(TrySendError::Disconnected(2)));
    });
    assert_clean_and_complete(&report);

    // Succeeds exactly when the receiver already waits in `recv`, and then it gets the value.
    let seen = outcomes(|record| {
        let (tx, rx) = mpsc::sync_channel(0);
        let t = thread::spawn(move || rx.recv().unwrap());
        let tried = tx.try_send(5);
        if tried.is_err() {
            tx.send(6).unwrap();
        }
        let got = t.join().unwrap();
        let tried = match tried {
            Ok(()) => "sent".to_string(),
            Err(TrySendError::Full(v)) => format!("full {v}"),
            Err(TrySendError::Disconnected(v)) => format!("disconnected {v}"),
        };
        record(format!("{tried}, received {got}"));
    });
    assert_eq!(seen, set(["sent, received 5", "full 5, received 6"]));
}

#[test]
fn a_try_send_that_went_through_could_have_found_the_channel_full() {
    // Rendezvous: the try_send succeeds only while the receiver already waits; when the
    // receiver blocks first by default, the search must still run the try_send before it.
    let seen = outcomes(|record| {
        let (tx, rx) = mpsc::sync_channel(0);
        let t = thread::spawn(move || tx.try_send(1).is_ok());
        let got = rx.recv();
        let sent = t.join().unwrap();
        record(format!("sent {sent}, received {got:?}"));
    });
    assert_eq!(
        seen,
        set([
            "sent true, received Ok(1)",
            "sent false, received Err(RecvError)"
        ])
    );

    // Bounded: the second try_send finds room only once the receiver took the first message.
    let seen = outcomes(|record| {
        let (tx, rx) = mpsc::sync_channel(1);
        let t = thread::spawn(move || {
            tx.try_send(1).unwrap();
            thread::yield_now();
            tx.try_send(2).is_ok()
        });
        let first = rx.recv();
        let second = t.join().unwrap();
        record(format!("{first:?}, second went through: {second}"));
    });
    assert_eq!(
        seen,
        set([
            "Ok(1), second went through: true",
            "Ok(1), second went through: false"
        ])
    );
}

#[test]
fn rendezvous_sender_gets_its_value_back_when_the_receiver_goes() {
    let seen = outcomes(|record| {
        let (tx, rx) = mpsc::sync_channel(0);
        let t = thread::spawn(move || {
            let r = rx.try_recv();
            drop(rx);
            r
        });
        let sent = tx.send(3);
        let taken = t.join().unwrap();
        record(format!("{taken:?} {sent:?}"));
    });
    assert_eq!(
        seen,
        set(["Ok(3) Ok(())", "Err(Empty) Err(SendError { .. })"])
    );
    // And the value given back is the one sent.
    let report = dfs().explore(|| {
        let (tx, rx) = mpsc::sync_channel(0);
        let t = thread::spawn(move || drop(rx));
        assert_eq!(tx.send(3), Err(SendError(3)));
        t.join().unwrap();
    });
    assert_clean_and_complete(&report);
}

#[test]
fn recv_after_all_senders_dropped_is_an_error() {
    let report = dfs().explore(|| {
        let (tx, rx) = mpsc::channel();
        let tx2 = tx.clone();
        let t = thread::spawn(move || {
            tx2.send(1).unwrap();
        });
        drop(tx);
        assert_eq!(rx.recv(), Ok(1), "queued messages outlive their senders");
        assert_eq!(rx.recv(), Err(RecvError));
        assert_eq!(rx.try_recv(), Err(TryRecvError::Disconnected));
        t.join().unwrap();
    });
    assert_clean_and_complete(&report);
}

#[test]
fn send_after_receiver_dropped_gives_the_value_back() {
    let report = dfs().explore(|| {
        let (tx, rx) = mpsc::channel();
        let (stx, srx) = mpsc::sync_channel(1);
        let t = thread::spawn(move || {
            drop(rx);
            drop(srx);
        });
        t.join().unwrap();
        assert_eq!(tx.send(5), Err(SendError(5)));
        assert_eq!(stx.try_send(6), Err(TrySendError::Disconnected(6)));
        assert_eq!(stx.send(7), Err(SendError(7)));
    });
    assert_clean_and_complete(&report);

    // Racing the drop: the send succeeds or fails, never blocks.
    let seen = outcomes(|record| {
        let (tx, rx) = mpsc::channel();
        let t = thread::spawn(move || drop(rx));
        let sent = tx.send(5).map_err(|SendError(v)| v);
        t.join().unwrap();
        record(format!("{sent:?}"));
    });
    assert_eq!(seen, set(["Ok(())", "Err(5)"]));

    // A sender blocked on a full channel is woken by the drop and fails.
    let seen = outcomes(|record| {
        let (tx, rx) = mpsc::sync_channel(1);
        let t = thread::spawn(move || drop(rx));
        let first = tx.send(1).map_err(|SendError(v)| v);
        let second = tx.send(2).map_err(|SendError(v)| v);
        t.join().unwrap();
        record(format!("{first:?} {second:?}"));
    });
    assert_eq!(seen, set(["Ok(()) Err(2)", "Err(1) Err(2)"]));
}

#[test]
fn receiver_waiting_for_a_sender_that_never_sends_is_a_deadlock() {
    let report = dfs().explore(|| {
        let (tx, rx) = mpsc::channel::<i32>();
        let t = thread::spawn(move || rx.recv());
        let _ = t.join();
        drop(tx);
    });
    println!("{report}");
    assert_eq!(report.kinds(), vec![FindingKind::Deadlock]);
    let notes = report.findings[0].notes.join("\n");
    assert!(
        notes.contains("to receive from the channel created at"),
        "{notes}"
    );
}

#[test]
fn recv_timeout_may_time_out_or_receive() {
    let seen = outcomes(|record| {
        let (tx, rx) = mpsc::channel();
        let t = thread::spawn(move || tx.send(5).unwrap());
        let first = rx.recv_timeout(Duration::from_secs(3600));
        t.join().unwrap();
        if first.is_err() {
            assert_eq!(rx.recv(), Ok(5), "the message arrives after the timeout");
        }
        record(format!("{first:?}"));
    });
    assert_eq!(seen, set(["Ok(5)", "Err(Timeout)"]));

    // The same when the send comes first by default (the yield lets the sender go): a
    // `recv_timeout` that took the message is still also run before the send, where it can
    // time out. Reduction must not order it after the send as it does a `recv`.
    let seen = outcomes(|record| {
        let (tx, rx) = mpsc::channel();
        let t = thread::spawn(move || tx.send(5).unwrap());
        thread::yield_now();
        let first = rx.recv_timeout(Duration::from_secs(3600));
        t.join().unwrap();
        record(format!("{first:?}"));
    });
    assert_eq!(seen, set(["Ok(5)", "Err(Timeout)"]));

    let report = dfs().explore(|| {
        let (tx, rx) = mpsc::channel::<i32>();
        assert_eq!(
            rx.recv_timeout(Duration::from_secs(1)),
            Err(RecvTimeoutError::Timeout)
        );
        drop(tx);
        assert_eq!(
            rx.recv_timeout(Duration::from_secs(1)),
            Err(RecvTimeoutError::Disconnected)
        );
    });
    assert_clean_and_complete(&report);
}

#[test]
fn iterators_end_when_the_senders_are_gone() {
    let report = dfs().explore(|| {
        let (tx, rx) = mpsc::channel();
        let t = thread::spawn({
            let tx = tx.clone();
            move || {
                tx.send(0).unwrap();
                tx.send(1).unwrap();
            }
        });
        tx.send(10).unwrap();
        drop(tx);
        let got: Vec<i32> = rx.iter().collect();
        let mut sorted = got.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, [0, 1, 10]);
        let at = |v| got.iter().position(|x| *x == v).unwrap();
        assert!(at(0) < at(1), "one sender's messages stay in order");
        assert_eq!(rx.try_iter().count(), 0);
        t.join().unwrap();
    });
    assert_clean_and_complete(&report);

    let report = dfs().explore(|| {
        let (tx, rx) = mpsc::sync_channel(1);
        let t = thread::spawn(move || {
            for i in 0..3 {
                tx.send(i).unwrap();
            }
        });
        let mut got = Vec::new();
        for v in &rx {
            got.push(v);
            if got.len() == 1 {
                break;
            }
        }
        got.extend(rx);
        assert_eq!(got, [0, 1, 2]);
        t.join().unwrap();
    });
    assert_clean_and_complete(&report);
}

#[test]
fn try_recv_is_empty_until_sent_and_disconnected_after() {
    let report = dfs().explore(|| {
        let (tx, rx) = mpsc::channel();
        assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
        tx.send(1).unwrap();
        assert_eq!(rx.try_recv(), Ok(1));
        assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
        drop(tx);
        assert_eq!(rx.try_recv(), Err(TryRecvError::Disconnected));
    });
    assert_clean_and_complete(&report);

    // The send and the drop of the sender are two steps the receiver can see apart.
    let seen = outcomes(|record| {
        let (tx, rx) = mpsc::channel();
        let t = thread::spawn(move || {
            tx.send(1).unwrap();
            drop(tx);
        });
        let first = rx.try_recv();
        let second = rx.try_recv();
        t.join().unwrap();
        record(format!("{first:?} {second:?}"));
    });
    assert_eq!(
        seen,
        set([
            "Err(Empty) Err(Empty)",
            "Err(Empty) Ok(1)",
            "Ok(1) Err(Empty)",
            "Ok(1) Err(Disconnected)",
        ])
    );
}

/// A message that holds a sender of its own channel.
struct Loop(#[allow(dead_code)] mpsc::Sender<Loop>);

#[test]
fn dropping_the_receiver_drops_queued_messages_that_use_the_channel() {
    let report = dfs().explore(|| {
        let (tx, rx) = mpsc::channel::<Loop>();
        let t = thread::spawn({
            let tx = tx.clone();
            move || {
                let _ = tx.send(Loop(tx.clone()));
            }
        });
        let _ = tx.send(Loop(tx.clone()));
        drop(rx);
        t.join().unwrap();
        assert!(tx.send(Loop(tx.clone())).is_err());
    });
    assert_clean_and_complete(&report);
}

#[test]
fn handles_are_send_and_debug() {
    fn send_sync<T: Send + Sync>() {}
    fn send<T: Send>() {}
    send_sync::<mpsc::Sender<i32>>();
    send_sync::<mpsc::SyncSender<i32>>();
    send::<mpsc::Receiver<i32>>();
    send::<mpsc::IntoIter<i32>>();

    let report = dfs().explore(|| {
        let (tx, rx) = mpsc::channel::<i32>();
        assert_eq!(format!("{tx:?}"), "Sender { .. }");
        assert_eq!(format!("{rx:?}"), "Receiver { .. }");
        let (stx, _srx) = mpsc::sync_channel::<i32>(0);
        assert_eq!(format!("{stx:?}"), "SyncSender { .. }");
    });
    assert_clean_and_complete(&report);
}

#[test]
fn outside_a_model_the_channels_are_std_ones() {
    let (tx, rx) = mpsc::channel();
    let tx2 = tx.clone();
    let a = thread::spawn(move || (0..3).for_each(|i| tx.send(i).unwrap()));
    let b = thread::spawn(move || tx2.send(10).unwrap());
    let mut got: Vec<i32> = rx.iter().collect();
    a.join().unwrap();
    b.join().unwrap();
    got.sort_unstable();
    assert_eq!(got, [0, 1, 2, 10]);
    assert_eq!(rx.try_recv(), Err(TryRecvError::Disconnected));

    // Rendezvous on real threads.
    let (tx, rx) = mpsc::sync_channel(0);
    assert_eq!(tx.try_send(1), Err(TrySendError::Full(1)));
    let t = thread::spawn(move || {
        tx.send(2).unwrap();
        tx.send(3).unwrap();
    });
    assert_eq!(rx.recv(), Ok(2));
    assert_eq!(rx.recv(), Ok(3));
    t.join().unwrap();
    assert_eq!(rx.recv(), Err(RecvError));

    // Real time passes for a real timeout.
    let (tx, rx) = mpsc::channel::<i32>();
    let start = std::time::Instant::now();
    assert_eq!(
        rx.recv_timeout(Duration::from_millis(20)),
        Err(RecvTimeoutError::Timeout)
    );
    assert!(start.elapsed() >= Duration::from_millis(20));
    drop(rx);
    assert_eq!(tx.send(4), Err(SendError(4)));
}

#[test]
fn a_model_channel_used_after_its_execution_is_reported() {
    let kept = Arc::new(std::sync::Mutex::new(None));
    let slot = kept.clone();
    let report = dfs().explore(move || {
        let (tx, rx) = mpsc::channel::<i32>();
        tx.send(1).unwrap();
        drop(rx);
        *slot.lock().unwrap() = Some(tx);
    });
    assert_clean_and_complete(&report);
    let tx = kept.lock().unwrap().take().expect("the body ran");
    let err = std::panic::catch_unwind(|| tx.send(2)).expect_err("used outside its execution");
    let message = err.downcast_ref::<String>().cloned().unwrap_or_default();
    assert!(message.contains("outside that execution"), "{message}");
    // Dropping it there is fine.
    drop(tx);
}
