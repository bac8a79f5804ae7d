//! Notifying tasks, as `tokio::sync::Notify`.

use std::fmt;
use std::future::Future;
use std::panic::Location;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

use conc_check_engine::facade::AsyncWaitable;

use conc_check::sync::{Mutex, MutexGuard};
use std::sync::PoisonError;

/// A future waiting for a notification.
struct Waiter {
    key: u64,
    waker: Option<Waker>,
    /// A `notify_one` chose it.
    notified: bool,
}

#[derive(Default)]
struct State {
    /// A `notify_one` found nobody waiting: the next wait returns at once.
    permit: bool,
    /// `notify_waiters` calls so far: a future created before one is notified by it.
    rounds: u64,
    waiters: Vec<Waiter>,
    next_key: u64,
}

/// Wakes tasks waiting for a notification, as `tokio::sync::Notify`.
///
/// Inside a model its state is behind the shim's lock, so every order of notifies and waits is
/// explored; a task pending on [`Notify::notified`] that nobody can notify any more is a
/// deadlock whose report names the `.await`.
pub struct Notify {
    identity: AsyncWaitable,
    state: Mutex<State>,
}

impl Notify {
    /// A `Notify` with no permit, named in reports by the caller's line.
    #[track_caller]
    pub fn new() -> Self {
        Notify {
            identity: AsyncWaitable::notify(),
            state: Mutex::new(State::default()),
        }
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// A future that completes when this is notified: by a [`Notify::notify_one`] (or its
    /// stored permit) once it is polled, or by a [`Notify::notify_waiters`] after its creation.
    #[track_caller]
    pub fn notified(&self) -> Notified<'_> {
        let rounds = self.state().rounds;
        Notified {
            notify: self,
            key: None,
            rounds,
            site: Location::caller(),
            done: false,
        }
    }

    /// Notifies one waiting future (the one waiting longest), or stores a permit for the next
    /// one if none waits.
    pub fn notify_one(&self) {
        let waker = {
            let mut state = self.state();
            match state.waiters.iter_mut().find(|w| !w.notified) {
                Some(waiter) => {
                    waiter.notified = true;
                    waiter.waker.take()
                }
                None => {
                    state.permit = true;
                    None
                }
            }
        };
        if let Some(waker) = waker {
            waker.wake();
        }
    }

    /// Notifies every future waiting now (created before this call); stores no permit.
    pub fn notify_waiters(&self) {
        let wakers: Vec<Waker> = {
            let mut state = self.state();
            state.rounds += 1;
            state
                .waiters
                .iter_mut()
                .filter(|w| !w.notified)
                .filter_map(|w| w.waker.take())
                .collect()
        };
        for waker in wakers {
            waker.wake();
        }
    }
}

impl Default for Notify {
    #[track_caller]
    fn default() -> Self {
        Notify::new()
    }
}

impl fmt::Debug for Notify {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Notify").finish_non_exhaustive()
    }
}

/// The future of [`Notify::notified`]. Dropped after a `notify_one` chose it but before it
/// completed, it hands the notification on (to another waiter, or as the permit).
pub struct Notified<'a> {
    notify: &'a Notify,
    key: Option<u64>,
    rounds: u64,
    site: &'static Location<'static>,
    done: bool,
}

impl Future for Notified<'_> {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.done {
            return Poll::Ready(());
        }
        let notify = self.notify;
        let mut state = notify.state();
        let position = self
            .key
            .and_then(|key| state.waiters.iter().position(|w| w.key == key));
        let chosen = position.is_some_and(|i| state.waiters[i].notified);
        let ready = chosen || state.rounds != self.rounds || std::mem::take(&mut state.permit);
        if ready {
            if let Some(i) = position {
                state.waiters.remove(i);
            }
            drop(state);
            self.key = None;
            self.done = true;
            return Poll::Ready(());
        }
        match position {
            Some(i) => state.waiters[i].waker = Some(cx.waker().clone()),
            None => {
                let key = state.next_key;
                state.next_key += 1;
                state.waiters.push(Waiter {
                    key,
                    waker: Some(cx.waker().clone()),
                    notified: false,
                });
                self.key = Some(key);
            }
        }
        drop(state);
        notify.identity.awaited_notification(self.site);
        Poll::Pending
    }
}

impl Drop for Notified<'_> {
    fn drop(&mut self) {
        let Some(key) = self.key else {
            return;
        };
        let mut state = self.notify.state();
        let Some(i) = state.waiters.iter().position(|w| w.key == key) else {
            return;
        };
        let waiter = state.waiters.remove(i);
        drop(state);
        if waiter.notified {
            // Chosen by a `notify_one` it will never report: pass it on.
            self.notify.notify_one();
        }
    }
}
