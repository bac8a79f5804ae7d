//! A `select!` that cancels a future holding a message it already took off a channel.
//!
//! tokio's documentation asks that every future raced in a `select!` loop be cancellation
//! safe: the losing branch's future is dropped where it is pending. Reading a pair of messages
//! in one `async fn` is not: after the first `recv` completes, the future holds the first
//! message while it awaits the second; when the stop signal wins the race then, the first
//! message is dropped with it. The twin keeps the first message in a variable outside the
//! future, so a cancelled read loses nothing.

use conc_check::future::block_on;
use conc_check::sync::Arc;
use conc_check::FindingKind;
use conc_check_tokio::sync::{mpsc, Notify};
use conc_check_tokio::{select, spawn};

use crate::{Program, Verdict};

/// Reads two messages; cancelled between them, it drops the first.
async fn read_pair(queue: &mut mpsc::Receiver<u32>) -> Option<(u32, u32)> {
    let first = queue.recv().await?;
    let second = queue.recv().await?;
    Some((first, second))
}

/// Reads two messages, keeping the first in `held` until the second arrives.
async fn read_pair_keeping(
    queue: &mut mpsc::Receiver<u32>,
    held: &mut Option<u32>,
) -> Option<(u32, u32)> {
    if held.is_none() {
        *held = Some(queue.recv().await?);
    }
    let second = queue.recv().await?;
    Some((held.take()?, second))
}

fn scenario(cancellation_safe: bool) {
    block_on(async {
        let (messages, mut queue) = mpsc::channel::<u32>(4);
        let stop = Arc::new(Notify::new());
        let producer_stop = stop.clone();
        let producer = spawn(async move {
            for message in 1..=4 {
                messages.send(message).await.unwrap();
            }
            producer_stop.notify_one();
        });
        let mut held = None;
        let mut sum = 0;
        loop {
            if cancellation_safe {
                select! {
                    Some((a, b)) = read_pair_keeping(&mut queue, &mut held) => sum += a + b,
                    _ = stop.notified() => break,
                }
            } else {
                select! {
                    Some((a, b)) = read_pair(&mut queue) => sum += a + b,
                    _ = stop.notified() => break,
                }
            }
        }
        sum += held.unwrap_or(0);
        while let Ok(message) = queue.try_recv() {
            sum += message;
        }
        producer.await.unwrap();
        assert_eq!(sum, 10, "a message was lost");
    });
}

/// The bug: the read that loses the race drops the message it holds.
pub fn buggy() {
    scenario(false)
}

/// The twin: the held message survives the cancellation.
pub fn clean() {
    scenario(true)
}

/// The bug.
pub const BUGGY: Program = Program {
    name: "select_cancellation",
    note: "a select! loop cancels a two-message read after its first recv (tokio's cancellation safety)",
    verdict: Verdict::Finds(&[FindingKind::Panic]),
    run: buggy,
    spurious_wakeups: false,
};

/// The twin.
pub const CLEAN: Program = Program {
    name: "select_cancellation_safe_ok",
    note: "the same loop keeps the first message outside the raced future",
    verdict: Verdict::Clean,
    run: clean,
    spurious_wakeups: false,
};
