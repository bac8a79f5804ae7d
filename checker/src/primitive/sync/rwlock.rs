//! `RwLock`, `RwLockReadGuard` and `RwLockWriteGuard`.

use std::fmt;
use std::ops::{Deref, DerefMut};
use std::panic::Location;
use std::sync::{LockResult, PoisonError, TryLockError, TryLockResult};

use crate::event::{LockMode, ObjectId, ObjectKind, Site};
use crate::real::RealLock;
use crate::runtime::{api, ObjectSlot};

/// A reader-writer lock with std's API and semantics (poisoning included).
///
/// Inside a model, `read` and `write` are scheduling points and block the model thread while
/// the lock is unavailable. Like std's lock on Linux the model prefers writers: a reader waits
/// while a writer waits, so a thread that read-locks twice can deadlock against a writer, and a
/// thread that holds a read lock and asks for the write lock (an "upgrade") deadlocks at once;
/// both are reported as deadlocks.
///
/// ```
/// use conc_check::sync::RwLock;
///
/// let lock = RwLock::new(5);
/// {
///     let r1 = lock.read().unwrap();
///     let r2 = lock.read().unwrap();
///     assert_eq!(*r1 + *r2, 10);
/// }
/// *lock.write().unwrap() += 1;
/// assert_eq!(*lock.read().unwrap(), 6);
/// ```
pub struct RwLock<T: ?Sized> {
    slot: ObjectSlot,
    real: RealLock,
    inner: std::sync::RwLock<T>,
}

/// Shared read access to the data of an [`RwLock`]; the read lock is released when it drops.
#[must_use = "if unused the RwLock will immediately unlock"]
pub struct RwLockReadGuard<'a, T: ?Sized + 'a> {
    /// The std guard; `None` only while dropping.
    inner: Option<std::sync::RwLockReadGuard<'a, T>>,
    /// The model object and the site of the `read` call, when locked inside a model.
    model: Option<(ObjectId, Site)>,
    /// Real mode's record of the lock and the site of the `read` call, outside a model.
    real: Option<(&'a RealLock, Site)>,
}

/// Exclusive write access to the data of an [`RwLock`]; the write lock is released when it
/// drops.
#[must_use = "if unused the RwLock will immediately unlock"]
pub struct RwLockWriteGuard<'a, T: ?Sized + 'a> {
    /// The std guard; `None` only while dropping.
    inner: Option<std::sync::RwLockWriteGuard<'a, T>>,
    /// The model object and the site of the `write` call, when locked inside a model.
    model: Option<(ObjectId, Site)>,
    /// Real mode's record of the lock and the site of the `write` call, outside a model.
    real: Option<(&'a RealLock, Site)>,
}

impl<T> RwLock<T> {
    /// Creates an unlocked reader-writer lock holding `t`.
    #[track_caller]
    pub const fn new(t: T) -> RwLock<T> {
        RwLock {
            slot: ObjectSlot::new(Location::caller()),
            real: RealLock::new(),
            inner: std::sync::RwLock::new(t),
        }
    }
}

impl<T: ?Sized> RwLock<T> {
    /// Locks for shared read access, blocking while a writer holds the lock (or, as std does on
    /// Linux, while a writer waits for it).
    ///
    /// # Errors
    /// If a writer panicked while holding the lock, the guard comes back inside a
    /// [`PoisonError`].
    #[track_caller]
    pub fn read(&self) -> LockResult<RwLockReadGuard<'_, T>> {
        if api::in_model() {
            let site = Location::caller();
            let id = self.slot.id(ObjectKind::RwLock);
            api::lock(id, LockMode::Shared, site);
            self.wrap_read(id, site)
        } else {
            let site = Location::caller();
            let got = self.real.lock(
                ObjectKind::RwLock,
                self.slot.site(),
                LockMode::Shared,
                site,
                || self.inner.try_read(),
                || self.inner.read(),
            );
            let real = Some((&self.real, site));
            super::wrap_real(got, |g| RwLockReadGuard {
                inner: Some(g),
                model: None,
                real,
            })
        }
    }

    /// Locks for shared read access if that is possible without blocking.
    ///
    /// # Errors
    /// [`TryLockError::WouldBlock`] when the lock is write-locked (or a writer waits for it);
    /// [`TryLockError::Poisoned`] when it is poisoned.
    #[track_caller]
    pub fn try_read(&self) -> TryLockResult<RwLockReadGuard<'_, T>> {
        if api::in_model() {
            let site = Location::caller();
            let id = self.slot.id(ObjectKind::RwLock);
            if !api::try_lock(id, LockMode::Shared, site) {
                return Err(TryLockError::WouldBlock);
            }
            self.wrap_read(id, site).map_err(TryLockError::Poisoned)
        } else {
            let site = Location::caller();
            let got = self.inner.try_read();
            let acquired = !matches!(got, Err(TryLockError::WouldBlock));
            let mode = LockMode::Shared;
            self.real
                .try_lock(ObjectKind::RwLock, self.slot.site(), mode, site, acquired);
            let real = Some((&self.real, site));
            match got {
                Ok(g) => Ok(RwLockReadGuard {
                    inner: Some(g),
                    model: None,
                    real,
                }),
                Err(TryLockError::Poisoned(p)) => {
                    Err(TryLockError::Poisoned(PoisonError::new(RwLockReadGuard {
                        inner: Some(p.into_inner()),
                        model: None,
                        real,
                    })))
                }
                Err(TryLockError::WouldBlock) => Err(TryLockError::WouldBlock),
            }
        }
    }

    /// Locks for exclusive write access, blocking while any reader or writer holds the lock.
    ///
    /// # Errors
    /// If a writer panicked while holding the lock, the guard comes back inside a
    /// [`PoisonError`].
    #[track_caller]
    pub fn write(&self) -> LockResult<RwLockWriteGuard<'_, T>> {
        if api::in_model() {
            let site = Location::caller();
            let id = self.slot.id(ObjectKind::RwLock);
            api::lock(id, LockMode::Exclusive, site);
            self.wrap_write(id, site)
        } else {
            let site = Location::caller();
            let got = self.real.lock(
                ObjectKind::RwLock,
                self.slot.site(),
                LockMode::Exclusive,
                site,
                || self.inner.try_write(),
                || self.inner.write(),
            );
            let real = Some((&self.real, site));
            super::wrap_real(got, |g| RwLockWriteGuard {
                inner: Some(g),
                model: None,
                real,
            })
        }
    }

    /// Locks for exclusive write access if the lock is free, without blocking.
    ///
    /// # Errors
    /// [`TryLockError::WouldBlock`] when the lock is held; [`TryLockError::Poisoned`] when it is
    /// poisoned.
    #[track_caller]
    pub fn try_write(&self) -> TryLockResult<RwLockWriteGuard<'_, T>> {
        if api::in_model() {
            let site = Location::caller();
            let id = self.slot.id(ObjectKind::RwLock);
            if !api::try_lock(id, LockMode::Exclusive, site) {
                return Err(TryLockError::WouldBlock);
            }
            self.wrap_write(id, site).map_err(TryLockError::Poisoned)
        } else {
            let site = Location::caller();
            let got = self.inner.try_write();
            let acquired = !matches!(got, Err(TryLockError::WouldBlock));
            let mode = LockMode::Exclusive;
            self.real
                .try_lock(ObjectKind::RwLock, self.slot.site(), mode, site, acquired);
            let real = Some((&self.real, site));
            match got {
                Ok(g) => Ok(RwLockWriteGuard {
                    inner: Some(g),
                    model: None,
                    real,
                }),
                Err(TryLockError::Poisoned(p)) => {
                    Err(TryLockError::Poisoned(PoisonError::new(RwLockWriteGuard {
                        inner: Some(p.into_inner()),
                        model: None,
                        real,
                    })))
                }
                Err(TryLockError::WouldBlock) => Err(TryLockError::WouldBlock),
            }
        }
    }

    /// Whether a thread panicked while holding the write lock.
    pub fn is_poisoned(&self) -> bool {
        self.inner.is_poisoned()
    }

    /// Clears the poisoned state.
    pub fn clear_poison(&self) {
        self.inner.clear_poison()
    }

    /// Consumes the lock, returning the data.
    ///
    /// # Errors
    /// An error wrapping the data if the lock is poisoned.
    pub fn into_inner(self) -> LockResult<T>
    where
        T: Sized,
    {
        self.inner.into_inner()
    }

    /// A mutable reference to the data; no locking needed since `self` is borrowed mutably.
    ///
    /// # Errors
    /// An error wrapping the reference if the lock is poisoned.
    pub fn get_mut(&mut self) -> LockResult<&mut T> {
        self.inner.get_mut()
    }

    /// The std read guard for a read lock the model has just granted.
    fn wrap_read(&self, id: ObjectId, site: Site) -> LockResult<RwLockReadGuard<'_, T>> {
        match self.inner.try_read() {
            Ok(g) => Ok(read_guard(g, Some((id, site)))),
            Err(TryLockError::Poisoned(p)) => Err(PoisonError::new(read_guard(
                p.into_inner(),
                Some((id, site)),
            ))),
            Err(TryLockError::WouldBlock) => self.held_outside(),
        }
    }

    /// The std write guard for a write lock the model has just granted.
    fn wrap_write(&self, id: ObjectId, site: Site) -> LockResult<RwLockWriteGuard<'_, T>> {
        match self.inner.try_write() {
            Ok(g) => Ok(write_guard(g, Some((id, site)))),
            Err(TryLockError::Poisoned(p)) => Err(PoisonError::new(write_guard(
                p.into_inner(),
                Some((id, site)),
            ))),
            Err(TryLockError::WouldBlock) => self.held_outside(),
        }
    }

    fn held_outside(&self) -> ! {
        panic!(
            "conc-check: the RwLock created at {} is held outside the model (by a real thread, or by a guard \
             leaked from an earlier execution); objects used in a model must be created inside it",
            self.slot.site()
        )
    }
}

fn read_guard<'a, T: ?Sized>(
    g: std::sync::RwLockReadGuard<'a, T>,
    model: Option<(ObjectId, Site)>,
) -> RwLockReadGuard<'a, T> {
    RwLockReadGuard {
        inner: Some(g),
        model,
        real: None,
    }
}

fn write_guard<'a, T: ?Sized>(
    g: std::sync::RwLockWriteGuard<'a, T>,
    model: Option<(ObjectId, Site)>,
) -> RwLockWriteGuard<'a, T> {
    RwLockWriteGuard {
        inner: Some(g),
        model,
        real: None,
    }
}

impl<T: ?Sized> Drop for RwLockReadGuard<'_, T> {
    fn drop(&mut self) {
        if let Some((real, site)) = self.real {
            real.release(LockMode::Shared, site);
        }
        // Release the real lock first, then tell the model.
        drop(self.inner.take());
        if let Some((real, _)) = self.real {
            real.released();
        }
        if let Some((id, site)) = self.model {
            if api::in_model() {
                api::unlock(id, LockMode::Shared, site);
            }
        }
    }
}

impl<T: ?Sized> Drop for RwLockWriteGuard<'_, T> {
    fn drop(&mut self) {
        if let Some((real, site)) = self.real {
            real.release(LockMode::Exclusive, site);
        }
        // Unlock (and poison, if panicking) the real lock first, then tell the model.
        drop(self.inner.take());
        if let Some((real, _)) = self.real {
            real.released();
        }
        if let Some((id, site)) = self.model {
            if api::in_model() {
                api::unlock(id, LockMode::Exclusive, site);
            }
        }
    }
}

impl<T: ?Sized> Deref for RwLockReadGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        self.inner.as_deref().expect("guard holds the lock")
    }
}

impl<T: ?Sized> Deref for RwLockWriteGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        self.inner.as_deref().expect("guard holds the lock")
    }
}

impl<T: ?Sized> DerefMut for RwLockWriteGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        self.inner.as_deref_mut().expect("guard holds the lock")
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for RwLockReadGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl<T: ?Sized + fmt::Display> fmt::Display for RwLockReadGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&**self, f)
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for RwLockWriteGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl<T: ?Sized + fmt::Display> fmt::Display for RwLockWriteGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&**self, f)
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for RwLock<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.inner, f)
    }
}

impl<T: Default> Default for RwLock<T> {
    #[track_caller]
    fn default() -> RwLock<T> {
        RwLock::new(T::default())
    }
}

impl<T> From<T> for RwLock<T> {
    #[track_caller]
    fn from(t: T) -> Self {
        RwLock::new(t)
    }
}

impl<T: ?Sized> std::panic::UnwindSafe for RwLock<T> {}
impl<T: ?Sized> std::panic::RefUnwindSafe for RwLock<T> {}
