//! Driving a future to completion on the current thread.

use std::future::Future;
use std::pin::pin;
use std::sync::Arc as StdArc;
use std::task::{Context, Poll, Wake, Waker};

use crate::thread::{self, Thread};

/// Wakes a thread parked between polls: an `unpark`, which inside a model is ordered before
/// the `park` it ends (and leaves a token if the thread is not parked yet, so no wake is lost).
pub(super) struct Unparker(pub Thread);

impl Wake for Unparker {
    fn wake(self: StdArc<Self>) {
        self.0.unpark();
    }
    fn wake_by_ref(self: &StdArc<Self>) {
        self.0.unpark();
    }
}

/// A waker that wakes the current thread.
pub(super) fn current_thread_waker() -> Waker {
    Waker::from(StdArc::new(Unparker(thread::current())))
}

/// Polls `f` until it is ready, parking between polls until its waker is woken, and calls
/// `stop` before each poll: when it says so, `f` is dropped where it is pending and the result
/// is `None`. The parks are at the caller's location (`track_caller`), which a deadlock report
/// names. A task (`is_task`) says when it is parked between polls, so that a detached task
/// left pending at the end is told from one stuck inside a poll.
#[track_caller]
pub(super) fn drive<F: Future>(f: F, stop: impl Fn() -> bool, is_task: bool) -> Option<F::Output> {
    let mut f = pin!(f);
    let waker = current_thread_waker();
    let mut cx = Context::from_waker(&waker);
    loop {
        if stop() {
            return None;
        }
        if let Poll::Ready(value) = f.as_mut().poll(&mut cx) {
            return Some(value);
        }
        set_task_idle(is_task, true);
        thread::park();
        set_task_idle(is_task, false);
    }
}

/// Tells a checking build that a task is parked between polls (or no longer).
fn set_task_idle(is_task: bool, idle: bool) {
    #[cfg(any(conc_check, feature = "model"))]
    if is_task {
        conc_check_engine::facade::set_task_idle(idle);
    }
    #[cfg(not(any(conc_check, feature = "model")))]
    let _ = (is_task, idle);
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
