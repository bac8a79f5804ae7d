//! Driving a future to completion on the current thread.

use std::future::Future;
use std::pin::pin;
use std::sync::atomic::Ordering;
use std::sync::Weak;
use std::task::{Context, Poll};

use super::waker::{current_thread_waker, Unparker};
use crate::thread;
use crate::time::Instant;

/// Polls `f` until it is ready, parking between polls until its waker is woken (or the
/// deadline a poll asked for with [`super::wake_by`] passes), and calls
/// `stop` before each poll: when it says so, `f` is dropped where it is pending and the result
/// is `None`. The parks are at the caller's location (`track_caller`), which a deadlock report
/// names. A task (`is_task`) says when it is parked between polls, so that a detached task
/// left pending at the end is told from one stuck inside a poll.
#[track_caller]
pub(super) fn drive<F: Future>(f: F, stop: impl Fn() -> bool, is_task: bool) -> Option<F::Output> {
    let mut f = pin!(f);
    let (waker, shared, signals) = current_thread_waker();
    let mut cx = Context::from_waker(&waker);
    let _finished = Finished;
    loop {
        if stop() {
            return None;
        }
        note_poll(&shared);
        signals.take_deadline();
        if let Poll::Ready(value) = f.as_mut().poll(&mut cx) {
            return Some(value);
        }
        let deadline = signals.take_deadline();
        note_parked(true, is_task);
        // Until a wake (not any unpark: code in the poll may have taken the one meant for this
        // loop), an abort, the deadline a timer asked for, or a spurious wakeup (with spurious
        // wakeups on, a spurious poll is a choice of the model).
        while !signals.woken.swap(false, Ordering::SeqCst) {
            match deadline {
                Some(deadline) => {
                    let left = deadline.saturating_duration_since(Instant::now());
                    if left.is_zero() {
                        break;
                    }
                    thread::park_timeout(left);
                }
                None => {
                    if park_noting_spurious() {
                        break;
                    }
                }
            }
            // Not woken: an abort (which unparks without waking) ends the wait too.
            if !signals.woken.load(Ordering::SeqCst) && stop() {
                break;
            }
        }
        note_parked(false, is_task);
    }
}

/// Parks the thread; whether the park ended spuriously (only ever inside a model with spurious
/// wakeups on).
#[track_caller]
fn park_noting_spurious() -> bool {
    #[cfg(any(conc_check, feature = "model"))]
    return conc_check_engine::facade::park_noting_spurious();
    #[cfg(not(any(conc_check, feature = "model")))]
    {
        thread::park();
        false
    }
}

/// Tells a checking build that the thread is about to poll its future, whose wakers share
/// `shared` (see `super::waker`).
fn note_poll(shared: &Weak<Unparker>) {
    #[cfg(any(conc_check, feature = "model"))]
    conc_check_engine::facade::future_poll(shared.clone());
    #[cfg(not(any(conc_check, feature = "model")))]
    let _ = shared;
}

/// Tells a checking build that the thread parks between polls (or was woken); for a task, that
/// is what tells a detached task left pending from a deadlock.
fn note_parked(parked: bool, is_task: bool) {
    #[cfg(any(conc_check, feature = "model"))]
    conc_check_engine::facade::future_parked(parked, is_task);
    #[cfg(not(any(conc_check, feature = "model")))]
    let _ = (parked, is_task);
}

/// Tells a checking build, when the driver returns or unwinds, that its thread no longer
/// drives a future.
struct Finished;

impl Drop for Finished {
    fn drop(&mut self) {
        #[cfg(any(conc_check, feature = "model"))]
        conc_check_engine::facade::future_finished();
    }
}

/// Runs `f` to completion on the current thread and returns its output: polls it, and parks
/// the thread between polls until the future's waker is woken.
///
/// Inside a model a future that stays pending with nobody left to wake it parks its thread
/// for good: when no thread can run any more, that is a `deadlock` finding, which names this
/// call's line as where the thread waits.
///
/// ```
/// let n = conc_check::future::block_on(async { 40 + 2 });
/// assert_eq!(n, 42);
/// ```
#[track_caller]
pub fn block_on<F: Future>(f: F) -> F::Output {
    drive(f, || false, false).expect("never stopped")
}
