//! Channel cycle: two threads each wait to receive from the other before sending.
//!
//! The most common blocking bug of message passing in Tu, Liu, Song and Zhang, "Understanding
//! Real-World Concurrency Bugs in Go" (ASPLOS 2019): every thread waits on a channel that only
//! another blocked thread would send on. No lock is involved, so only the wait-for explanation
//! can show it. The twin lets one side send first.

use conc_check::sync::mpsc::{channel, Receiver, Sender};
use conc_check::{thread, FindingKind};

use crate::{Program, Verdict};

/// Receives one message and answers it; with `send_first`, sends its own message first.
fn peer(rx: Receiver<u32>, tx: Sender<u32>, send_first: bool) {
    if send_first {
        tx.send(1).unwrap();
        let _ = rx.recv().unwrap();
    } else {
        let got = rx.recv().unwrap();
        tx.send(got + 1).unwrap();
    }
}

fn scenario(one_sends_first: bool) {
    let (to_first, first_rx) = channel();
    let (to_second, second_rx) = channel();
    let first = thread::spawn(move || peer(first_rx, to_second, one_sends_first));
    let second = thread::spawn(move || peer(second_rx, to_first, false));
    first.join().unwrap();
    second.join().unwrap();
}

/// The bug: both threads receive before they send.
pub fn buggy() {
    scenario(false)
}

/// The twin: the first thread sends before it receives.
pub fn clean() {
    scenario(true)
}

/// The bug.
pub const BUGGY: Program = Program {
    name: "channel_cycle",
    note: "each of two threads receives before it sends to the other (Tu et al., ASPLOS 2019)",
    verdict: Verdict::Finds(&[FindingKind::Deadlock]),
    run: buggy,
    spurious_wakeups: false,
};

/// The twin.
pub const CLEAN: Program = Program {
    name: "channel_ping_pong_ok",
    note: "one side sends first, the other answers",
    verdict: Verdict::Clean,
    run: clean,
    spurious_wakeups: false,
};
