//! Letting other tasks and threads run.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use crate::thread;

/// The future [`yield_now`] returns.
#[derive(Debug)]
#[must_use = "futures do nothing unless awaited"]
pub struct YieldNow {
    yielded: bool,
}

/// Yields once: the first poll wakes the task's own waker, lets other threads and tasks run
/// (a scheduling point inside a model, as `thread::yield_now`) and returns `Pending`; the next
/// poll is ready.
pub fn yield_now() -> YieldNow {
    YieldNow { yielded: false }
}

impl Future for YieldNow {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.yielded {
            return Poll::Ready(());
        }
        self.yielded = true;
        cx.waker().wake_by_ref();
        thread::yield_now();
        Poll::Pending
    }
}
