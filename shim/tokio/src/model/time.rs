//! Timers, as `tokio::time`, on conc-check's virtual clock.
//!
//! Inside a model time is virtual ([`conc_check::time`]): a sleeping or timing-out task is
//! parked with a timeout that the scheduler may fire at any point (and fires when nothing else
//! can run), which moves the clock to the deadline. So a `timeout` that fires before the
//! operation it guards completes is one of the interleavings explored, and a test with long
//! sleeps runs at once.

use std::fmt;
use std::future::Future;
use std::panic::Location;
use std::pin::Pin;
use std::task::{Context, Poll};

pub use conc_check::time::Instant;
pub use std::time::Duration;

use conc_check::future::wake_by;

use super::select::PendingBranches;

pub mod error {
    //! The error of a timeout, as `tokio::time::error`.

    use std::fmt;

    /// The deadline passed before the future completed.
    #[derive(Debug, PartialEq, Eq, Clone, Copy)]
    pub struct Elapsed(pub(super) ());

    impl fmt::Display for Elapsed {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("deadline has elapsed")
        }
    }

    impl std::error::Error for Elapsed {}
}

use error::Elapsed;

/// Waits until `duration` has passed.
pub fn sleep(duration: Duration) -> Sleep {
    sleep_until(Instant::now() + duration)
}

/// Waits until `deadline`.
pub fn sleep_until(deadline: Instant) -> Sleep {
    Sleep { deadline }
}

/// The future of [`sleep`] and [`sleep_until`].
pub struct Sleep {
    deadline: Instant,
}

impl Sleep {
    /// When it completes.
    pub fn deadline(&self) -> Instant {
        self.deadline
    }

    /// Whether the deadline has passed.
    pub fn is_elapsed(&self) -> bool {
        Instant::now() >= self.deadline
    }
}

impl fmt::Debug for Sleep {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sleep")
            .field("deadline", &self.deadline)
            .finish()
    }
}

impl Future for Sleep {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if Instant::now() >= self.deadline {
            return Poll::Ready(());
        }
        wake_by(cx, self.deadline);
        Poll::Pending
    }
}

/// Runs `future` for at most `duration`: its output, or [`Elapsed`] if the time passed first
/// (the future is then dropped where it is pending: a cancellation, which a later finding
/// names).
#[track_caller]
pub fn timeout<F: Future>(duration: Duration, future: F) -> Timeout<F> {
    timeout_at(Instant::now() + duration, future)
}

/// Runs `future` until `deadline` at most.
#[track_caller]
pub fn timeout_at<F: Future>(deadline: Instant, future: F) -> Timeout<F> {
    Timeout {
        future: Box::pin(future),
        deadline,
        pending: PendingBranches::new(1),
        site: Location::caller(),
    }
}

/// The future of [`timeout`] and [`timeout_at`].
pub struct Timeout<F> {
    future: Pin<Box<F>>,
    deadline: Instant,
    /// Where the guarded future is pending, for the cancellation a firing makes.
    pending: PendingBranches,
    site: &'static Location<'static>,
}

impl<F> fmt::Debug for Timeout<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Timeout")
            .field("deadline", &self.deadline)
            .finish_non_exhaustive()
    }
}

impl<F: Future> Future for Timeout<F> {
    type Output = Result<F::Output, Elapsed>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        let future = &mut this.future;
        if let Poll::Ready(value) = this.pending.poll(0, || future.as_mut().poll(cx)) {
            return Poll::Ready(Ok(value));
        }
        if Instant::now() >= self.deadline {
            let pending = std::mem::replace(&mut self.pending, PendingBranches::new(1));
            pending.cancel_losers("timeout", self.site, None);
            return Poll::Ready(Err(Elapsed(())));
        }
        wake_by(cx, self.deadline);
        Poll::Pending
    }
}
