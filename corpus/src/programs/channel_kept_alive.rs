//! A receiver that waits for the end of a channel whose sender its own task keeps alive.
//!
//! `while let Some(job) = rx.recv().await` ends when every sender is dropped. A consumer that
//! keeps a sender of its own queue (to requeue failed jobs, say) never sees that end: once the
//! producer is done, the consumer waits forever for a message only it could send, and whoever
//! awaits the consumer hangs with it (tokio's mpsc documentation warns about exactly this). The
//! twin's consumer keeps no sender.

use conc_check::future::block_on;
use conc_check::FindingKind;
use conc_check_tokio::spawn;
use conc_check_tokio::sync::mpsc;

use crate::{Program, Verdict};

fn scenario(consumer_keeps_a_sender: bool) {
    block_on(async {
        let (jobs, mut queue) = mpsc::channel::<u32>(2);
        let requeue = consumer_keeps_a_sender.then(|| jobs.clone());
        let consumer = spawn(async move {
            let _requeue = requeue;
            let mut total = 0;
            while let Some(job) = queue.recv().await {
                total += job;
            }
            total
        });
        // The producer: this future, which drops its sender when it is done.
        for job in 1..=2 {
            jobs.send(job).await.unwrap();
        }
        drop(jobs);
        assert_eq!(consumer.await.unwrap(), 3);
    });
}

/// The bug: the consumer holds a sender of its own queue.
pub fn buggy() {
    scenario(true)
}

/// The twin: only the producer sends.
pub fn clean() {
    scenario(false)
}

/// The bug.
pub const BUGGY: Program = Program {
    name: "channel_kept_alive",
    note: "a consumer awaits the end of a channel while its own task holds a sender (tokio's mpsc docs)",
    verdict: Verdict::Finds(&[FindingKind::Deadlock]),
    run: buggy,
    spurious_wakeups: false,
};

/// The twin.
pub const CLEAN: Program = Program {
    name: "channel_closed_by_producer_ok",
    note: "the same consumer without a sender of its own: the queue ends when the producer does",
    verdict: Verdict::Clean,
    run: clean,
    spurious_wakeups: false,
};
