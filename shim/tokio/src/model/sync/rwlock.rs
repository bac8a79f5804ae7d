//! An async read-write lock: `read().await` and `write().await` wait without blocking the
//! task's thread.

use std::cell::UnsafeCell;
use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::ops::{Deref, DerefMut};
use std::panic::Location;
use std::pin::Pin;
use std::task::{Context, Poll};

use super::lock_core::{LockCore, Site};
use super::TryLockError;

/// An async lock that many readers or one writer hold, as `tokio::sync::RwLock`.
///
/// Inside a model taking it is a scheduling point and an ordinary (read or write) acquisition
/// to the detectors. Unlike tokio's, it does not queue readers behind a waiting writer.
pub struct RwLock<T: ?Sized> {
    core: LockCore,
    value: UnsafeCell<T>,
}

// SAFETY: readers share `&T` (so `T: Sync`), a writer gets `&mut T` (so `T: Send`).
unsafe impl<T: ?Sized + Send> Send for RwLock<T> {}
// SAFETY: as above.
unsafe impl<T: ?Sized + Send + Sync> Sync for RwLock<T> {}

/// Shared access to an [`RwLock`]'s value; dropping it releases the read lock.
pub struct RwLockReadGuard<'a, T: ?Sized> {
    lock: &'a RwLock<T>,
    site: Site,
    _not_auto: PhantomData<*const ()>,
}

// SAFETY: a read guard is a shared borrow of the value.
unsafe impl<T: ?Sized + Sync> Send for RwLockReadGuard<'_, T> {}
// SAFETY: as above.
unsafe impl<T: ?Sized + Sync> Sync for RwLockReadGuard<'_, T> {}

/// Exclusive access to an [`RwLock`]'s value; dropping it releases the write lock.
pub struct RwLockWriteGuard<'a, T: ?Sized> {
    lock: &'a RwLock<T>,
    site: Site,
    _not_auto: PhantomData<*const ()>,
}

// SAFETY: a write guard is an exclusive borrow of the value.
unsafe impl<T: ?Sized + Send + Sync> Send for RwLockWriteGuard<'_, T> {}
// SAFETY: sharing the guard shares `&T`.
unsafe impl<T: ?Sized + Send + Sync> Sync for RwLockWriteGuard<'_, T> {}

impl<T> RwLock<T> {
    /// An unlocked lock around `value`, named in reports by the caller's line.
    #[track_caller]
    pub fn new(value: T) -> Self {
        RwLock {
            core: LockCore::rw(),
            value: UnsafeCell::new(value),
        }
    }

    /// The value, taking the lock apart.
    pub fn into_inner(self) -> T {
        self.value.into_inner()
    }
}

impl<T: ?Sized> RwLock<T> {
    /// Waits until no writer holds the lock and takes a read lock.
    #[track_caller]
    pub fn read(&self) -> Read<'_, T> {
        Read {
            lock: self,
            site: Location::caller(),
        }
    }

    /// Waits until nobody holds the lock and takes the write lock.
    #[track_caller]
    pub fn write(&self) -> Write<'_, T> {
        Write {
            lock: self,
            site: Location::caller(),
        }
    }

    /// Takes a read lock if no writer holds it.
    ///
    /// # Errors
    /// [`TryLockError`] when a writer holds it.
    #[track_caller]
    pub fn try_read(&self) -> Result<RwLockReadGuard<'_, T>, TryLockError> {
        let site = Location::caller();
        if self.core.try_take(true, site) {
            Ok(self.read_guard(site))
        } else {
            Err(TryLockError::new())
        }
    }

    /// Takes the write lock if nobody holds it.
    ///
    /// # Errors
    /// [`TryLockError`] when a reader or a writer holds it.
    #[track_caller]
    pub fn try_write(&self) -> Result<RwLockWriteGuard<'_, T>, TryLockError> {
        let site = Location::caller();
        if self.core.try_take(false, site) {
            Ok(self.write_guard(site))
        } else {
            Err(TryLockError::new())
        }
    }

    /// The value, through an exclusive borrow of the lock (no locking needed).
    pub fn get_mut(&mut self) -> &mut T {
        self.value.get_mut()
    }

    fn read_guard(&self, site: Site) -> RwLockReadGuard<'_, T> {
        RwLockReadGuard {
            lock: self,
            site,
            _not_auto: PhantomData,
        }
    }

    fn write_guard(&self, site: Site) -> RwLockWriteGuard<'_, T> {
        RwLockWriteGuard {
            lock: self,
            site,
            _not_auto: PhantomData,
        }
    }
}

impl<T: Default> Default for RwLock<T> {
    #[track_caller]
    fn default() -> Self {
        RwLock::new(T::default())
    }
}

impl<T: ?Sized> fmt::Debug for RwLock<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RwLock").finish_non_exhaustive()
    }
}

/// The future of [`RwLock::read`].
pub struct Read<'a, T: ?Sized> {
    lock: &'a RwLock<T>,
    site: Site,
}

impl<'a, T: ?Sized> Future for Read<'a, T> {
    type Output = RwLockReadGuard<'a, T>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let (lock, site) = (self.lock, self.site);
        lock.core
            .poll_take(true, site, cx)
            .map(|()| lock.read_guard(site))
    }
}

/// The future of [`RwLock::write`].
pub struct Write<'a, T: ?Sized> {
    lock: &'a RwLock<T>,
    site: Site,
}

impl<'a, T: ?Sized> Future for Write<'a, T> {
    type Output = RwLockWriteGuard<'a, T>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let (lock, site) = (self.lock, self.site);
        lock.core
            .poll_take(false, site, cx)
            .map(|()| lock.write_guard(site))
    }
}

impl<T: ?Sized> Deref for RwLockReadGuard<'_, T> {
    type Target = T;

    fn deref(&self) -> &T {
        // SAFETY: the guard holds a read lock: no writer until it is dropped.
        unsafe { &*self.lock.value.get() }
    }
}

impl<T: ?Sized> Drop for RwLockReadGuard<'_, T> {
    fn drop(&mut self) {
        self.lock.core.give_back(true, self.site);
    }
}

impl<T: ?Sized> Deref for RwLockWriteGuard<'_, T> {
    type Target = T;

    fn deref(&self) -> &T {
        // SAFETY: the guard holds the write lock.
        unsafe { &*self.lock.value.get() }
    }
}

impl<T: ?Sized> DerefMut for RwLockWriteGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: the guard holds the write lock, and is borrowed mutably.
        unsafe { &mut *self.lock.value.get() }
    }
}

impl<T: ?Sized> Drop for RwLockWriteGuard<'_, T> {
    fn drop(&mut self) {
        self.lock.core.give_back(false, self.site);
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for RwLockReadGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for RwLockWriteGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}
