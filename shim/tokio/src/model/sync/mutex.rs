//! An async mutex: `lock().await` waits without blocking the task's thread.

use std::cell::UnsafeCell;
use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::ops::{Deref, DerefMut};
use std::panic::Location;
use std::pin::Pin;
use std::task::{Context, Poll};

use super::lock_core::{LockCore, Site};

/// An async mutual-exclusion lock around a `T`, as `tokio::sync::Mutex`.
///
/// Inside a model taking it is a scheduling point and an ordinary lock acquisition to the
/// detectors: two tasks that take two of them in opposite orders across an `.await` are a
/// lock-order cycle, and a task pending on one is explained with who holds it.
pub struct Mutex<T: ?Sized> {
    core: LockCore,
    value: UnsafeCell<T>,
}

// SAFETY: the lock hands out the value to one guard at a time, as tokio's does.
unsafe impl<T: ?Sized + Send> Send for Mutex<T> {}
// SAFETY: as above; sharing the mutex shares `T` only through exclusive guards.
unsafe impl<T: ?Sized + Send> Sync for Mutex<T> {}

/// Access to a [`Mutex`]'s value; dropping it unlocks the mutex.
pub struct MutexGuard<'a, T: ?Sized> {
    mutex: &'a Mutex<T>,
    site: Site,
    /// Not `Sync` by default: the impls below say when.
    _not_auto: PhantomData<*const ()>,
}

// SAFETY: the guard is an exclusive borrow of the value.
unsafe impl<T: ?Sized + Send> Send for MutexGuard<'_, T> {}
// SAFETY: sharing the guard shares `&T`.
unsafe impl<T: ?Sized + Send + Sync> Sync for MutexGuard<'_, T> {}

/// The mutex is locked: [`Mutex::try_lock`] did not take it.
#[derive(Debug)]
pub struct TryLockError(());

impl fmt::Display for TryLockError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("operation would block")
    }
}

impl std::error::Error for TryLockError {}

impl TryLockError {
    pub(super) fn new() -> Self {
        TryLockError(())
    }
}

impl<T> Mutex<T> {
    /// An unlocked mutex around `value`, named in reports by the caller's line.
    #[track_caller]
    pub fn new(value: T) -> Self {
        Mutex {
            core: LockCore::mutex(),
            value: UnsafeCell::new(value),
        }
    }

    /// The value, taking the mutex apart.
    pub fn into_inner(self) -> T {
        self.value.into_inner()
    }
}

impl<T: ?Sized> Mutex<T> {
    /// Waits until the lock is free and takes it: the future is pending while another guard
    /// lives, and is woken when it is dropped.
    #[track_caller]
    pub fn lock(&self) -> Lock<'_, T> {
        Lock {
            mutex: self,
            site: Location::caller(),
        }
    }

    /// Takes the lock if it is free.
    ///
    /// # Errors
    /// [`TryLockError`] when another guard holds it.
    #[track_caller]
    pub fn try_lock(&self) -> Result<MutexGuard<'_, T>, TryLockError> {
        let site = Location::caller();
        if self.core.try_take(false, site) {
            Ok(self.guard(site))
        } else {
            Err(TryLockError(()))
        }
    }

    /// The value, through an exclusive borrow of the mutex (no locking needed).
    pub fn get_mut(&mut self) -> &mut T {
        self.value.get_mut()
    }

    fn guard(&self, site: Site) -> MutexGuard<'_, T> {
        MutexGuard {
            mutex: self,
            site,
            _not_auto: PhantomData,
        }
    }
}

impl<T: Default> Default for Mutex<T> {
    #[track_caller]
    fn default() -> Self {
        Mutex::new(T::default())
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for Mutex<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Mutex").finish_non_exhaustive()
    }
}

/// The future of [`Mutex::lock`].
pub struct Lock<'a, T: ?Sized> {
    mutex: &'a Mutex<T>,
    site: Site,
}

impl<'a, T: ?Sized> Future for Lock<'a, T> {
    type Output = MutexGuard<'a, T>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<MutexGuard<'a, T>> {
        let (mutex, site) = (self.mutex, self.site);
        mutex
            .core
            .poll_take(false, site, cx)
            .map(|()| mutex.guard(site))
    }
}

impl<T: ?Sized> Deref for MutexGuard<'_, T> {
    type Target = T;

    fn deref(&self) -> &T {
        // SAFETY: the guard holds the lock.
        unsafe { &*self.mutex.value.get() }
    }
}

impl<T: ?Sized> DerefMut for MutexGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: the guard holds the lock, and is borrowed mutably.
        unsafe { &mut *self.mutex.value.get() }
    }
}

impl<T: ?Sized> Drop for MutexGuard<'_, T> {
    fn drop(&mut self) {
        self.mutex.core.give_back(false, self.site);
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for MutexGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}
