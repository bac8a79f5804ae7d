//! loom's `Mutex` and `Condvar`: conc-check's model primitives (std's API and poisoning), with
//! guards that, as loom's, are not `#[must_use]` (loom's own tests drop them at once).

use std::fmt;
use std::ops::{Deref, DerefMut};
use std::time::Duration;

use conc_check_engine::primitive::sync as engine;

use super::{LockResult, PoisonError, TryLockError, TryLockResult, WaitTimeoutResult};

/// A mutual exclusion lock, like `std::sync::Mutex`.
pub struct Mutex<T: ?Sized>(engine::Mutex<T>);

/// The guard of a locked [`Mutex`]; unlocks when dropped.
pub struct MutexGuard<'a, T: ?Sized + 'a>(engine::MutexGuard<'a, T>);

/// `f` applied to what a lock result holds, poisoned or not.
fn map_lock<G, H>(result: LockResult<G>, f: impl FnOnce(G) -> H) -> LockResult<H> {
    match result {
        Ok(g) => Ok(f(g)),
        Err(p) => Err(PoisonError::new(f(p.into_inner()))),
    }
}

impl<T> Mutex<T> {
    /// A new unlocked mutex holding `value`.
    #[track_caller]
    pub fn new(value: T) -> Mutex<T> {
        Mutex(engine::Mutex::new(value))
    }

    /// The value, consuming the mutex.
    ///
    /// # Errors
    /// A `PoisonError` holding the value if a thread panicked while holding the lock.
    pub fn into_inner(self) -> LockResult<T> {
        self.0.into_inner()
    }
}

impl<T: ?Sized> Mutex<T> {
    /// Locks the mutex, blocking until it is free.
    ///
    /// # Errors
    /// A `PoisonError` holding the guard if a thread panicked while holding the lock.
    #[track_caller]
    pub fn lock(&self) -> LockResult<MutexGuard<'_, T>> {
        map_lock(self.0.lock(), MutexGuard)
    }

    /// Locks the mutex if it is free.
    ///
    /// # Errors
    /// `WouldBlock` if it is locked; `Poisoned` as for [`Mutex::lock`].
    #[track_caller]
    pub fn try_lock(&self) -> TryLockResult<MutexGuard<'_, T>> {
        match self.0.try_lock() {
            Ok(g) => Ok(MutexGuard(g)),
            Err(TryLockError::WouldBlock) => Err(TryLockError::WouldBlock),
            Err(TryLockError::Poisoned(p)) => Err(TryLockError::Poisoned(PoisonError::new(
                MutexGuard(p.into_inner()),
            ))),
        }
    }

    /// Whether a thread panicked while holding the lock.
    pub fn is_poisoned(&self) -> bool {
        self.0.is_poisoned()
    }

    /// A mutable reference to the value; `&mut self` proves nobody holds the lock.
    ///
    /// # Errors
    /// A `PoisonError` holding the reference if the mutex is poisoned.
    pub fn get_mut(&mut self) -> LockResult<&mut T> {
        self.0.get_mut()
    }
}

impl<T: Default> Default for Mutex<T> {
    #[track_caller]
    fn default() -> Mutex<T> {
        Mutex::new(T::default())
    }
}

impl<T> From<T> for Mutex<T> {
    #[track_caller]
    fn from(value: T) -> Mutex<T> {
        Mutex::new(value)
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for Mutex<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

impl<T: ?Sized> Deref for MutexGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T: ?Sized> DerefMut for MutexGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.0
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for MutexGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

impl<T: ?Sized + fmt::Display> fmt::Display for MutexGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&*self.0, f)
    }
}

/// A condition variable, like `std::sync::Condvar`, for the facade's [`Mutex`].
#[derive(Debug, Default)]
pub struct Condvar(engine::Condvar);

impl Condvar {
    /// A new condition variable.
    #[track_caller]
    pub fn new() -> Condvar {
        Condvar(engine::Condvar::new())
    }

    /// Unlocks `guard`'s mutex, waits for a notification, and locks it again.
    ///
    /// # Errors
    /// A `PoisonError` holding the guard if the mutex is poisoned.
    #[track_caller]
    pub fn wait<'a, T>(&self, guard: MutexGuard<'a, T>) -> LockResult<MutexGuard<'a, T>> {
        map_lock(self.0.wait(guard.0), MutexGuard)
    }

    /// Waits while `condition` holds.
    ///
    /// # Errors
    /// As [`Condvar::wait`].
    #[track_caller]
    pub fn wait_while<'a, T, F>(
        &self,
        guard: MutexGuard<'a, T>,
        condition: F,
    ) -> LockResult<MutexGuard<'a, T>>
    where
        F: FnMut(&mut T) -> bool,
    {
        map_lock(self.0.wait_while(guard.0, condition), MutexGuard)
    }

    /// Waits for a notification or until `timeout` passes (in the model, a timeout is a
    /// choice).
    ///
    /// # Errors
    /// As [`Condvar::wait`].
    #[track_caller]
    pub fn wait_timeout<'a, T>(
        &self,
        guard: MutexGuard<'a, T>,
        timeout: Duration,
    ) -> LockResult<(MutexGuard<'a, T>, WaitTimeoutResult)> {
        map_lock(self.0.wait_timeout(guard.0, timeout), |(g, r)| {
            (MutexGuard(g), r)
        })
    }

    /// Wakes one waiting thread.
    #[track_caller]
    pub fn notify_one(&self) {
        self.0.notify_one();
    }

    /// Wakes every waiting thread.
    #[track_caller]
    pub fn notify_all(&self) {
        self.0.notify_all();
    }
}
