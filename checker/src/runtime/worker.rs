//! The exploration runs on an OS thread of its own; the caller's thread watches it.
//!
//! The watcher (the thread that called `explore`) guarantees that an exploration ends within its
//! time budget plus [`GRACE`], whatever the test does:
//!
//! - when the time budget runs out, it asks the exploration to stop at its next scheduling point;
//! - when the running model thread has reached no scheduling point for the hang timeout (or the
//!   grace period after the budget is over), it has the model thread ended by a signal (see
//!   [`super::trap`]); the exploration then reports a `hang` finding with the thread's stack and
//!   ends as after any finding;
//! - when even that fails (the thread stays inside the C library, or does not take the signal),
//!   it stops waiting: the report says what the thread was doing and that it was left running,
//!   and the caller goes on. The exploration thread is abandoned; its memory is leaked.

use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::beacon::{Beacon, TrapOutcome, TrapRequest};
use super::explorer::{self, Run};
use super::{os_thread, panic_hook, stuck, trap};
use crate::config::Config;
use crate::report::Report;

pub use conc_check_core::GRACE;

/// How often the watcher looks.
const POLL: Duration = Duration::from_millis(20);

/// How many times a thread running inside the C library is asked again before it is left.
const MAX_TRIES: u32 = 100;

/// How long the watcher waits for the exploration to answer a trap, or to report after one.
const ANSWER: Duration = Duration::from_secs(2);

/// Runs `run` on a new OS thread and watches it; returns its report.
pub(crate) fn explore_on_worker(run: Run) -> Report {
    let beacon = Arc::new(Beacon::new());
    let config = run.config.clone();
    let (tx, rx) = mpsc::channel();
    let theirs = beacon.clone();
    let spawned = os_thread::spawn("conc-check-explorer", move || {
        panic_hook::install();
        let armed = trap::arm(&theirs);
        let (report, tainted) = explorer::run(run, theirs.clone());
        let _ = tx.send(report);
        if tainted {
            // This OS thread's panic bookkeeping (or an allocator lock) was left in the
            // middle of something; keep it out of everyone's way for the rest of the process.
            std::mem::forget(armed);
            loop {
                std::thread::park();
            }
        }
        drop(armed);
    });
    if let Err(e) = spawned {
        return Report {
            stopped_because: Some(format!("could not start the exploration thread: {e}")),
            ..Report::default()
        };
    }
    watch(&beacon, &rx, &config)
}

/// An attempt to end the stuck model thread.
struct Attempt {
    sent: Instant,
    tries: u32,
    /// The trap ended the thread; waiting for the exploration's report since then.
    ended: Option<Instant>,
}

fn watch(beacon: &Beacon, rx: &Receiver<Report>, config: &Config) -> Report {
    let started = Instant::now();
    let budget_end = config.time_budget.map(|b| started + b);
    let hard_end = budget_end.map(|end| end + GRACE);
    let mut last_progress = beacon.progress();
    let mut since = started;
    let mut attempt: Option<Attempt> = None;
    loop {
        match rx.recv_timeout(POLL) {
            Ok(report) => return report,
            Err(RecvTimeoutError::Disconnected) => {
                return Report {
                    stopped_because: Some("the exploration thread stopped without a report".into()),
                    executions: beacon.executions(),
                    ..Report::default()
                }
            }
            Err(RecvTimeoutError::Timeout) => {}
        }
        let now = Instant::now();
        if budget_end.is_some_and(|end| now >= end) {
            beacon.request_stop();
        }
        let progress = beacon.progress();
        if progress != last_progress {
            last_progress = progress;
            since = now;
            if attempt.as_ref().is_some_and(|a| a.ended.is_none()) {
                // It moved on by itself before the signal landed.
                attempt = None;
            }
        }
        let stuck_for = now - since;
        let overdue = hard_end.is_some_and(|end| now >= end);
        let hung = config.hang_timeout.is_some_and(|t| stuck_for >= t) || overdue;
        let Some((pthread, tid)) = beacon.identity() else {
            continue;
        };
        match attempt.as_mut() {
            None => {
                if hung && beacon.in_model() {
                    ask(beacon, pthread, tid, stuck_for);
                    attempt = Some(Attempt {
                        sent: now,
                        tries: 1,
                        ended: None,
                    });
                } else if overdue && now - since >= GRACE {
                    // The engine itself has not moved for the whole grace period.
                    return abandoned(beacon, stuck_for, false);
                }
            }
            Some(a) => match (beacon.outcome(), a.ended) {
                (TrapOutcome::Hang | TrapOutcome::Overflow, None) => a.ended = Some(now),
                (_, Some(ended)) if now - ended >= ANSWER => {
                    return abandoned(beacon, stuck_for, true);
                }
                (TrapOutcome::NotNow, None) => {
                    if a.tries >= MAX_TRIES {
                        return abandoned(beacon, stuck_for, false);
                    }
                    a.tries += 1;
                    a.sent = now;
                    ask(beacon, pthread, tid, stuck_for);
                }
                (TrapOutcome::NotInModel, None) => {
                    // Back in the engine: not a stuck model thread after all.
                    beacon.clear_outcome();
                    attempt = None;
                }
                (_, None) if now - a.sent >= ANSWER => {
                    return abandoned(beacon, stuck_for, false);
                }
                _ => {}
            },
        }
    }
}

/// Asks the exploration thread to end its running model thread.
fn ask(beacon: &Beacon, pthread: usize, tid: u32, stuck_for: Duration) {
    let blocked = trap::is_blocked(tid);
    beacon.note_stuck(stuck_for, blocked);
    beacon.request(if blocked {
        TrapRequest::HangBlocked
    } else {
        TrapRequest::HangRunning
    });
    trap::signal(pthread);
}

/// The report when the exploration thread could not be brought back: what it was doing, as far
/// as the beacon tells.
fn abandoned(beacon: &Beacon, stuck_for: Duration, after_trap: bool) -> Report {
    let (_, blocked) = beacon.stuck();
    let finding = stuck::abandoned_finding(beacon, stuck_for, blocked, after_trap);
    Report {
        findings: vec![finding],
        executions: beacon.executions(),
        strategy: "model".into(),
        stopped_because: Some(
            "conc-check could not stop the stuck thread: it was left behind, still running or \
             blocked, and the test went on without it (its memory and anything it holds stay \
             taken until the process exits)"
                .into(),
        ),
        ..Report::default()
    }
}
