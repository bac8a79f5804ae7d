//! `Condvar` and `WaitTimeoutResult`.

use std::panic::Location;
use std::sync::{LockResult, PoisonError};
use std::time::Duration;

use crate::event::LockMode;
use crate::event::{ObjectKind, WakeReason};
use crate::real::{races, RealSlot};
use crate::runtime::{api, ObjectSlot};

use super::mutex::MutexGuard;

/// A condition variable with std's API.
///
/// Inside a model, a timed wait may time out at any scheduling point (time is virtual and never
/// blocks the real clock), and with `Builder::spurious_wakeups(true)` any wait may wake
/// spuriously, as std allows.
pub struct Condvar {
    slot: ObjectSlot,
    real: RealSlot,
    inner: std::sync::Condvar,
}

/// Whether a timed wait timed out.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct WaitTimeoutResult(bool);

impl WaitTimeoutResult {
    /// True if the wait ended because its timeout elapsed.
    #[must_use]
    pub fn timed_out(&self) -> bool {
        self.0
    }
}

impl Condvar {
    /// A new condition variable.
    #[track_caller]
    #[must_use]
    pub const fn new() -> Condvar {
        Condvar {
            slot: ObjectSlot::new(Location::caller()),
            real: RealSlot::new(),
            inner: std::sync::Condvar::new(),
        }
    }

    /// Releases the guard's mutex, waits for a notification, and re-acquires it.
    ///
    /// # Errors
    /// A poisoned mutex returns the re-acquired guard inside a [`PoisonError`].
    #[track_caller]
    pub fn wait<'a, T>(&self, guard: MutexGuard<'a, T>) -> LockResult<MutexGuard<'a, T>> {
        self.wait_inner(guard, None)
            .map(|(g, _)| g)
            .map_err(|p| PoisonError::new(p.into_inner().0))
    }

    /// Waits while `condition` returns true for the data.
    ///
    /// # Errors
    /// As [`Condvar::wait`].
    #[track_caller]
    pub fn wait_while<'a, T, F>(
        &self,
        mut guard: MutexGuard<'a, T>,
        mut condition: F,
    ) -> LockResult<MutexGuard<'a, T>>
    where
        F: FnMut(&mut T) -> bool,
    {
        while condition(&mut *guard) {
            guard = self.wait(guard)?;
        }
        Ok(guard)
    }

    /// Waits for a notification or until `dur` elapses.
    ///
    /// # Errors
    /// As [`Condvar::wait`].
    #[track_caller]
    pub fn wait_timeout<'a, T>(
        &self,
        guard: MutexGuard<'a, T>,
        dur: Duration,
    ) -> LockResult<(MutexGuard<'a, T>, WaitTimeoutResult)> {
        self.wait_inner(guard, Some(dur))
    }

    /// Waits while `condition` holds, for at most `dur` in all.
    ///
    /// # Errors
    /// As [`Condvar::wait`].
    #[track_caller]
    pub fn wait_timeout_while<'a, T, F>(
        &self,
        mut guard: MutexGuard<'a, T>,
        dur: Duration,
        mut condition: F,
    ) -> LockResult<(MutexGuard<'a, T>, WaitTimeoutResult)>
    where
        F: FnMut(&mut T) -> bool,
    {
        let site = Location::caller();
        let start = std::time::Instant::now();
        loop {
            if !condition(&mut *guard) {
                return Ok((guard, WaitTimeoutResult(false)));
            }
            let left = if api::in_model() {
                dur
            } else {
                match dur.checked_sub(start.elapsed()) {
                    Some(left) => left,
                    None => return Ok((guard, WaitTimeoutResult(true))),
                }
            };
            let (g, result) = self.wait_at(guard, Some(left), site)?;
            guard = g;
            if result.timed_out() {
                let still = condition(&mut *guard);
                return Ok((guard, WaitTimeoutResult(still)));
            }
        }
    }

    /// Wakes one waiting thread (the one that has waited longest, inside a model).
    #[track_caller]
    pub fn notify_one(&self) {
        if api::in_model() {
            api::condvar_notify(self.slot.id(ObjectKind::Condvar), false, Location::caller());
        } else {
            self.inner.notify_one();
        }
    }

    /// Wakes every waiting thread.
    #[track_caller]
    pub fn notify_all(&self) {
        if api::in_model() {
            api::condvar_notify(self.slot.id(ObjectKind::Condvar), true, Location::caller());
        } else {
            self.inner.notify_all();
        }
    }

    #[track_caller]
    fn wait_inner<'a, T>(
        &self,
        guard: MutexGuard<'a, T>,
        timeout: Option<Duration>,
    ) -> LockResult<(MutexGuard<'a, T>, WaitTimeoutResult)> {
        self.wait_at(guard, timeout, Location::caller())
    }

    fn wait_at<'a, T>(
        &self,
        mut guard: MutexGuard<'a, T>,
        timeout: Option<Duration>,
        site: &'static Location<'static>,
    ) -> LockResult<(MutexGuard<'a, T>, WaitTimeoutResult)> {
        match guard.model {
            Some((mutex_id, _)) if api::in_model() => {
                let lock = guard.lock;
                // Release the real lock; the model releases its own inside `condvar_wait`.
                drop(guard.inner.take());
                guard.model = None;
                drop(guard);
                let reason = api::condvar_wait(
                    self.slot.id(ObjectKind::Condvar),
                    mutex_id,
                    timeout.is_some(),
                    site,
                );
                let timed_out = WaitTimeoutResult(reason == WakeReason::TimedOut);
                match lock.wrap_model(mutex_id, site) {
                    Ok(g) => Ok((g, timed_out)),
                    Err(p) => Err(PoisonError::new((p.into_inner(), timed_out))),
                }
            }
            _ => {
                let lock = guard.lock;
                let model = guard.model.take();
                let real = guard.real.take();
                if real.is_some() {
                    // The wait unlocks the mutex: real mode records it first.
                    lock.real.unlock(LockMode::Exclusive, site);
                }
                let std_guard = guard.inner.take().expect("guard holds the lock");
                drop(guard);
                let wait = || match timeout {
                    None => (self.inner.wait(std_guard), false),
                    Some(dur) => match self.inner.wait_timeout(std_guard, dur) {
                        Ok((g, r)) => (Ok(g), r.timed_out()),
                        Err(p) => {
                            let (g, r) = p.into_inner();
                            (Err(PoisonError::new(g)), r.timed_out())
                        }
                    },
                };
                let (result, timed_out) = if real.is_some() {
                    let waited = races::condvar_wait(&self.real, self.slot.site(), site, wait);
                    lock.real.relocked(ObjectKind::Mutex, lock.created(), site);
                    waited
                } else {
                    wait()
                };
                let rebuild = |g| MutexGuard {
                    lock,
                    inner: Some(g),
                    model,
                    real: real.map(|_| site),
                };
                match result {
                    Ok(g) => Ok((rebuild(g), WaitTimeoutResult(timed_out))),
                    Err(p) => Err(PoisonError::new((
                        rebuild(p.into_inner()),
                        WaitTimeoutResult(timed_out),
                    ))),
                }
            }
        }
    }
}

impl Default for Condvar {
    #[track_caller]
    fn default() -> Self {
        Condvar::new()
    }
}

impl std::fmt::Debug for Condvar {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Condvar { .. }")
    }
}
