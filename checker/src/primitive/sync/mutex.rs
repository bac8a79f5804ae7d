//! `Mutex` and `MutexGuard`.

use std::fmt;
use std::ops::{Deref, DerefMut};
use std::panic::Location;
use std::sync::{LockResult, PoisonError, TryLockError, TryLockResult};

use crate::event::{LockMode, ObjectId, ObjectKind, Site};
use crate::real::RealLock;
use crate::runtime::{api, ObjectSlot};

/// A mutual exclusion lock with std's API and semantics (poisoning included).
///
/// Inside a model, `lock` is a scheduling point and blocks the model thread while another holds
/// the lock; re-locking a mutex the thread already holds is reported as a deadlock at once.
pub struct Mutex<T: ?Sized> {
    slot: ObjectSlot,
    /// What real mode (outside a model) knows of the lock.
    pub(super) real: RealLock,
    inner: std::sync::Mutex<T>,
}

/// Holds a [`Mutex`] locked until dropped.
#[must_use = "if unused the Mutex will immediately unlock"]
pub struct MutexGuard<'a, T: ?Sized + 'a> {
    pub(super) lock: &'a Mutex<T>,
    /// The std guard; `None` only while a condvar wait has released the lock.
    pub(super) inner: Option<std::sync::MutexGuard<'a, T>>,
    /// The model object and the site of the `lock` call, when locked inside a model.
    pub(super) model: Option<(ObjectId, Site)>,
    /// The site of the `lock` call, when locked on a real thread outside a model.
    pub(super) real: Option<Site>,
}

impl<T> Mutex<T> {
    /// Creates an unlocked mutex.
    #[track_caller]
    pub const fn new(value: T) -> Self {
        Mutex {
            slot: ObjectSlot::new(Location::caller()),
            real: RealLock::new(),
            inner: std::sync::Mutex::new(value),
        }
    }

    /// Consumes the mutex, returning the data (an error if it is poisoned).
    pub fn into_inner(self) -> LockResult<T> {
        self.inner.into_inner()
    }
}

impl<T: ?Sized> Mutex<T> {
    /// Acquires the mutex, blocking until it is available.
    ///
    /// # Errors
    /// If another thread panicked while holding the mutex, the guard comes back inside a
    /// [`PoisonError`].
    #[track_caller]
    pub fn lock(&self) -> LockResult<MutexGuard<'_, T>> {
        if api::in_model() {
            let site = Location::caller();
            let id = self.slot.id(ObjectKind::Mutex);
            api::lock(id, LockMode::Exclusive, site);
            self.wrap_model(id, site)
        } else {
            let site = Location::caller();
            let got = self.real.lock(
                ObjectKind::Mutex,
                self.slot.site(),
                LockMode::Exclusive,
                site,
                || self.inner.try_lock(),
                || self.inner.lock(),
            );
            super::wrap_real(got, |g| self.real_guard(g, site))
        }
    }

    /// Acquires the mutex if it is free, without blocking.
    ///
    /// # Errors
    /// [`TryLockError::WouldBlock`] when it is held; [`TryLockError::Poisoned`] when poisoned.
    #[track_caller]
    pub fn try_lock(&self) -> TryLockResult<MutexGuard<'_, T>> {
        if api::in_model() {
            let site = Location::caller();
            let id = self.slot.id(ObjectKind::Mutex);
            if !api::try_lock(id, LockMode::Exclusive, site) {
                return Err(TryLockError::WouldBlock);
            }
            self.wrap_model(id, site).map_err(TryLockError::Poisoned)
        } else {
            let site = Location::caller();
            let got = self.inner.try_lock();
            let acquired = !matches!(got, Err(TryLockError::WouldBlock));
            let (kind, mode) = (ObjectKind::Mutex, LockMode::Exclusive);
            self.real
                .try_lock(kind, self.slot.site(), mode, site, acquired);
            match got {
                Ok(g) => Ok(self.real_guard(g, site)),
                Err(TryLockError::Poisoned(p)) => Err(TryLockError::Poisoned(PoisonError::new(
                    self.real_guard(p.into_inner(), site),
                ))),
                Err(TryLockError::WouldBlock) => Err(TryLockError::WouldBlock),
            }
        }
    }

    /// Whether a thread panicked while holding the mutex.
    pub fn is_poisoned(&self) -> bool {
        self.inner.is_poisoned()
    }

    /// Clears the poisoned state.
    pub fn clear_poison(&self) {
        self.inner.clear_poison()
    }

    /// A mutable reference to the data; no locking needed since `self` is borrowed mutably.
    ///
    /// # Errors
    /// An error wrapping the reference if the mutex is poisoned.
    pub fn get_mut(&mut self) -> LockResult<&mut T> {
        self.inner.get_mut()
    }

    fn guard<'a>(
        &'a self,
        g: std::sync::MutexGuard<'a, T>,
        model: Option<(ObjectId, Site)>,
    ) -> MutexGuard<'a, T> {
        MutexGuard {
            lock: self,
            inner: Some(g),
            model,
            real: None,
        }
    }

    /// The guard of a lock taken on a real thread at `site`.
    fn real_guard<'a>(&'a self, g: std::sync::MutexGuard<'a, T>, site: Site) -> MutexGuard<'a, T> {
        MutexGuard {
            lock: self,
            inner: Some(g),
            model: None,
            real: Some(site),
        }
    }

    /// The creation site, for real mode's records.
    pub(super) fn created(&self) -> Site {
        self.slot.site()
    }

    /// The std guard for a lock the model has just granted.
    pub(super) fn wrap_model(&self, id: ObjectId, site: Site) -> LockResult<MutexGuard<'_, T>> {
        match self.inner.try_lock() {
            Ok(g) => Ok(self.guard(g, Some((id, site)))),
            Err(TryLockError::Poisoned(p)) => Err(PoisonError::new(self.guard(p.into_inner(), Some((id, site))))),
            Err(TryLockError::WouldBlock) => panic!(
                "conc-check: the Mutex created at {} is held outside the model (by a real thread, or by a guard \
                 leaked from an earlier execution); objects used in a model must be created inside it",
                self.slot.site()
            ),
        }
    }
}

impl<T: ?Sized> Drop for MutexGuard<'_, T> {
    fn drop(&mut self) {
        // Real mode records the release before the std unlock, so that the next holder's
        // acquisition is seen after it.
        let real = self.real.filter(|_| self.inner.is_some());
        if let Some(site) = real {
            self.lock.real.release(LockMode::Exclusive, site);
        }
        // Unlock (and poison, if panicking) the real lock first, then tell the model.
        drop(self.inner.take());
        if real.is_some() {
            self.lock.real.released();
        }
        if let Some((id, site)) = self.model {
            if api::in_model() {
                api::unlock(id, LockMode::Exclusive, site);
            }
        }
    }
}

impl<T: ?Sized> Deref for MutexGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        self.inner.as_deref().expect("guard holds the lock")
    }
}

impl<T: ?Sized> DerefMut for MutexGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        self.inner.as_deref_mut().expect("guard holds the lock")
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for MutexGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl<T: ?Sized + fmt::Display> fmt::Display for MutexGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        (**self).fmt(f)
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for Mutex<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.inner, f)
    }
}

impl<T: Default> Default for Mutex<T> {
    #[track_caller]
    fn default() -> Self {
        Mutex::new(T::default())
    }
}

impl<T> From<T> for Mutex<T> {
    #[track_caller]
    fn from(value: T) -> Self {
        Mutex::new(value)
    }
}

impl<T: ?Sized> std::panic::UnwindSafe for Mutex<T> {}
impl<T: ?Sized> std::panic::RefUnwindSafe for Mutex<T> {}
