//! Counting permits between tasks, as `tokio::sync::Semaphore`.

use std::fmt;
use std::future::Future;
use std::panic::Location;
use std::pin::Pin;
use std::sync::PoisonError;
use std::task::{Context, Poll};

use conc_check::sync::{Arc, Mutex, MutexGuard};
use conc_check_engine::facade::AsyncWaitable;

use super::wakers::{wake_all, Waiters};

struct State {
    permits: usize,
    closed: bool,
    waiters: Waiters,
}

/// A count of permits that tasks acquire and release, as `tokio::sync::Semaphore`.
///
/// Inside a model its count is behind the shim's lock, so every order of acquisitions and
/// releases is explored; a task pending for a permit nobody can release any more is a deadlock
/// whose report names its `.await`.
pub struct Semaphore {
    identity: AsyncWaitable,
    state: Mutex<State>,
}

/// Why an acquisition failed: the semaphore was closed.
#[derive(Debug, PartialEq, Eq, Clone)]
pub struct AcquireError(());

impl fmt::Display for AcquireError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("semaphore closed")
    }
}

impl std::error::Error for AcquireError {}

/// Why [`Semaphore::try_acquire`] failed.
#[derive(Debug, PartialEq, Eq, Clone)]
pub enum TryAcquireError {
    /// The semaphore was closed.
    Closed,
    /// No permit is free now.
    NoPermits,
}

impl fmt::Display for TryAcquireError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TryAcquireError::Closed => f.write_str("semaphore closed"),
            TryAcquireError::NoPermits => f.write_str("no permits available"),
        }
    }
}

impl std::error::Error for TryAcquireError {}

impl Semaphore {
    /// A semaphore with `permits` permits, named in reports by the caller's line.
    #[track_caller]
    pub fn new(permits: usize) -> Self {
        Semaphore {
            identity: AsyncWaitable::semaphore(),
            state: Mutex::new(State {
                permits,
                closed: false,
                waiters: Waiters::default(),
            }),
        }
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The permits free now.
    pub fn available_permits(&self) -> usize {
        self.state().permits
    }

    /// Adds `n` permits.
    pub fn add_permits(&self, n: usize) {
        let waiters = {
            let mut state = self.state();
            state.permits += n;
            state.waiters.take()
        };
        wake_all(waiters);
    }

    /// Closes the semaphore: pending and later acquisitions fail.
    pub fn close(&self) {
        let waiters = {
            let mut state = self.state();
            state.closed = true;
            state.waiters.take()
        };
        wake_all(waiters);
    }

    /// Whether the semaphore is closed.
    pub fn is_closed(&self) -> bool {
        self.state().closed
    }

    /// Takes `n` permits if they are free, registering `cx`'s waker if they are not.
    fn take(&self, n: usize, cx: Option<&Context<'_>>) -> Result<(), TryAcquireError> {
        let mut state = self.state();
        if state.closed {
            return Err(TryAcquireError::Closed);
        }
        if state.permits >= n {
            state.permits -= n;
            return Ok(());
        }
        if let Some(cx) = cx {
            state.waiters.register(cx.waker());
        }
        Err(TryAcquireError::NoPermits)
    }

    /// Waits for a permit and takes it.
    ///
    /// # Errors
    /// [`AcquireError`] when the semaphore is closed.
    #[track_caller]
    pub fn acquire(&self) -> Acquire<'_> {
        self.acquire_many(1)
    }

    /// Waits for `n` permits and takes them together.
    ///
    /// # Errors
    /// [`AcquireError`] when the semaphore is closed.
    #[track_caller]
    pub fn acquire_many(&self, n: u32) -> Acquire<'_> {
        Acquire {
            semaphore: self,
            permits: n as usize,
            site: Location::caller(),
        }
    }

    /// Takes a permit if one is free.
    ///
    /// # Errors
    /// [`TryAcquireError::NoPermits`] or [`TryAcquireError::Closed`].
    pub fn try_acquire(&self) -> Result<SemaphorePermit<'_>, TryAcquireError> {
        self.take(1, None).map(|()| SemaphorePermit {
            semaphore: self,
            permits: 1,
        })
    }

    /// Waits for a permit held through an `Arc`, so that it can move into a task.
    ///
    /// # Errors
    /// [`AcquireError`] when the semaphore is closed.
    #[track_caller]
    pub fn acquire_owned(self: Arc<Self>) -> AcquireOwned {
        AcquireOwned {
            semaphore: Some(self),
            site: Location::caller(),
        }
    }

    fn release(&self, permits: usize) {
        if permits > 0 {
            self.add_permits(permits);
        }
    }
}

impl fmt::Debug for Semaphore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Semaphore").finish_non_exhaustive()
    }
}

/// Polls an acquisition of `permits` permits on `semaphore` for a future awaited at `site`.
fn poll_acquire(
    semaphore: &Semaphore,
    permits: usize,
    site: &'static Location<'static>,
    cx: &Context<'_>,
) -> Poll<Result<(), AcquireError>> {
    match semaphore.take(permits, Some(cx)) {
        Ok(()) => Poll::Ready(Ok(())),
        Err(TryAcquireError::Closed) => Poll::Ready(Err(AcquireError(()))),
        Err(TryAcquireError::NoPermits) => {
            semaphore.identity.awaited_notification(site);
            Poll::Pending
        }
    }
}

/// The future of [`Semaphore::acquire`].
pub struct Acquire<'a> {
    semaphore: &'a Semaphore,
    permits: usize,
    site: &'static Location<'static>,
}

impl<'a> Future for Acquire<'a> {
    type Output = Result<SemaphorePermit<'a>, AcquireError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let (semaphore, permits) = (self.semaphore, self.permits);
        poll_acquire(semaphore, permits, self.site, cx)
            .map(|taken| taken.map(|()| SemaphorePermit { semaphore, permits }))
    }
}

/// The future of [`Semaphore::acquire_owned`].
pub struct AcquireOwned {
    semaphore: Option<Arc<Semaphore>>,
    site: &'static Location<'static>,
}

impl Future for AcquireOwned {
    type Output = Result<OwnedSemaphorePermit, AcquireError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let semaphore = self
            .semaphore
            .clone()
            .expect("an acquisition polled after it completed");
        let polled = poll_acquire(&semaphore, 1, self.site, cx);
        if polled.is_ready() {
            self.semaphore = None;
        }
        polled.map(|taken| taken.map(|()| OwnedSemaphorePermit { semaphore }))
    }
}

/// Permits taken from a [`Semaphore`], given back when dropped.
pub struct SemaphorePermit<'a> {
    semaphore: &'a Semaphore,
    permits: usize,
}

impl SemaphorePermit<'_> {
    /// Keeps the permits taken for good: dropping the permit no longer gives them back.
    pub fn forget(mut self) {
        self.permits = 0;
    }
}

impl Drop for SemaphorePermit<'_> {
    fn drop(&mut self) {
        self.semaphore.release(self.permits);
    }
}

impl fmt::Debug for SemaphorePermit<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SemaphorePermit")
            .field("permits", &self.permits)
            .finish()
    }
}

/// A permit of a semaphore held through an `Arc`, given back when dropped.
pub struct OwnedSemaphorePermit {
    semaphore: Arc<Semaphore>,
}

impl Drop for OwnedSemaphorePermit {
    fn drop(&mut self) {
        self.semaphore.release(1);
    }
}

impl fmt::Debug for OwnedSemaphorePermit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OwnedSemaphorePermit")
            .finish_non_exhaustive()
    }
}
