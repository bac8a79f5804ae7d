//! A channel that keeps only its latest value, as `tokio::sync::watch`.

use std::fmt;
use std::future::Future;
use std::ops::Deref;
use std::panic::Location;
use std::pin::Pin;
use std::sync::PoisonError;
use std::task::{Context, Poll};

use conc_check::sync::{Arc, Mutex, MutexGuard, RwLock, RwLockReadGuard};
use conc_check_engine::facade::AsyncWaitable;

use super::wakers::{wake_all, Waiters};

pub mod error {
    //! Why a send or a wait failed, as `tokio::sync::watch::error`.

    pub use super::super::errors::{RecvError, SendError};
}

use error::{RecvError, SendError};

/// The value and how many sends made it, changed together under the value's lock.
struct Versioned<T> {
    value: T,
    version: u64,
}

struct Meta {
    senders: usize,
    receivers: usize,
    waiters: Waiters,
}

struct Shared<T> {
    identity: AsyncWaitable,
    value: RwLock<Versioned<T>>,
    meta: Mutex<Meta>,
}

impl<T> Shared<T> {
    fn meta(&self) -> MutexGuard<'_, Meta> {
        self.meta.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The value, with whether it is newer than `seen` (and then, if `update`, marks it seen).
    fn borrow(&self, seen: &mut u64, update: bool) -> Ref<'_, T> {
        let guard = self.read();
        let has_changed = guard.version != *seen;
        if update {
            *seen = guard.version;
        }
        Ref { guard, has_changed }
    }

    fn read(&self) -> RwLockReadGuard<'_, Versioned<T>> {
        self.value.read().unwrap_or_else(PoisonError::into_inner)
    }

    fn write(&self) -> conc_check::sync::RwLockWriteGuard<'_, Versioned<T>> {
        self.value.write().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Creates a channel holding `init`.
#[track_caller]
pub fn channel<T>(init: T) -> (Sender<T>, Receiver<T>) {
    let shared = Arc::new(Shared {
        identity: AsyncWaitable::channel(),
        value: RwLock::new(Versioned {
            value: init,
            version: 0,
        }),
        meta: Mutex::new(Meta {
            senders: 1,
            receivers: 1,
            waiters: Waiters::default(),
        }),
    });
    (
        Sender {
            shared: shared.clone(),
        },
        Receiver { shared, seen: 0 },
    )
}

/// A borrow of the channel's value; it holds a read lock, so a send waits until it is dropped
/// (do not hold it across an `.await`).
pub struct Ref<'a, T> {
    guard: RwLockReadGuard<'a, Versioned<T>>,
    has_changed: bool,
}

impl<T> Ref<'_, T> {
    /// Whether the value had changed since the receiver last marked it seen.
    pub fn has_changed(&self) -> bool {
        self.has_changed
    }
}

impl<T> Deref for Ref<'_, T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.guard.value
    }
}

impl<T: fmt::Debug> fmt::Debug for Ref<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

/// The sending side; clone it for more senders.
pub struct Sender<T> {
    shared: Arc<Shared<T>>,
}

impl<T> Sender<T> {
    /// Replaces the value and notifies the receivers.
    ///
    /// # Errors
    /// [`SendError`] with the value when every receiver is gone.
    pub fn send(&self, value: T) -> Result<(), SendError<T>> {
        if self.shared.meta().receivers == 0 {
            return Err(SendError(value));
        }
        self.send_replace(value);
        Ok(())
    }

    /// Replaces the value (whether or not a receiver is left), notifies the receivers, and
    /// returns the old value.
    pub fn send_replace(&self, value: T) -> T {
        let old = {
            let mut current = self.shared.write();
            current.version += 1;
            std::mem::replace(&mut current.value, value)
        };
        self.wake_receivers();
        old
    }

    /// Changes the value in place and notifies the receivers.
    pub fn send_modify(&self, modify: impl FnOnce(&mut T)) {
        {
            let mut current = self.shared.write();
            current.version += 1;
            modify(&mut current.value);
        }
        self.wake_receivers();
    }

    /// Wakes the receivers waiting for a change (after the version moved: a receiver registers
    /// before it checks the version, so none is missed).
    fn wake_receivers(&self) {
        let waiters = self.shared.meta().waiters.take();
        wake_all(waiters);
    }

    /// The current value.
    pub fn borrow(&self) -> Ref<'_, T> {
        let mut seen = 0;
        self.shared.borrow(&mut seen, false)
    }

    /// A new receiver, which has seen the current value.
    pub fn subscribe(&self) -> Receiver<T> {
        self.shared.meta().receivers += 1;
        let seen = self.shared.read().version;
        Receiver {
            shared: self.shared.clone(),
            seen,
        }
    }

    /// How many receivers are left.
    pub fn receiver_count(&self) -> usize {
        self.shared.meta().receivers
    }

    /// Whether every receiver is gone.
    pub fn is_closed(&self) -> bool {
        self.receiver_count() == 0
    }
}

impl<T> Clone for Sender<T> {
    fn clone(&self) -> Self {
        self.shared.meta().senders += 1;
        Sender {
            shared: self.shared.clone(),
        }
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        let waiters = {
            let mut meta = self.shared.meta();
            meta.senders -= 1;
            if meta.senders == 0 {
                meta.waiters.take()
            } else {
                Vec::new()
            }
        };
        wake_all(waiters);
    }
}

impl<T> fmt::Debug for Sender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sender").finish_non_exhaustive()
    }
}

/// The receiving side; clone it for more receivers (each with the clone's seen value).
pub struct Receiver<T> {
    shared: Arc<Shared<T>>,
    /// The version this receiver has seen.
    seen: u64,
}

impl<T> Receiver<T> {
    /// The current value, without marking it seen.
    pub fn borrow(&self) -> Ref<'_, T> {
        let mut seen = self.seen;
        self.shared.borrow(&mut seen, false)
    }

    /// The current value, marking it seen.
    pub fn borrow_and_update(&mut self) -> Ref<'_, T> {
        self.shared.borrow(&mut self.seen, true)
    }

    /// Whether a value was sent that this receiver has not seen.
    ///
    /// # Errors
    /// [`RecvError`] when every sender is gone.
    pub fn has_changed(&self) -> Result<bool, RecvError> {
        if self.shared.meta().senders == 0 {
            return Err(RecvError::new());
        }
        Ok(self.shared.read().version != self.seen)
    }

    /// Waits for a value this receiver has not seen, and marks it seen.
    ///
    /// # Errors
    /// [`RecvError`] when every sender is gone.
    #[track_caller]
    pub fn changed(&mut self) -> Changed<'_, T> {
        Changed {
            receiver: self,
            site: Location::caller(),
        }
    }
}

impl<T> Clone for Receiver<T> {
    fn clone(&self) -> Self {
        self.shared.meta().receivers += 1;
        Receiver {
            shared: self.shared.clone(),
            seen: self.seen,
        }
    }
}

impl<T> Drop for Receiver<T> {
    fn drop(&mut self) {
        self.shared.meta().receivers -= 1;
    }
}

impl<T> fmt::Debug for Receiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Receiver").finish_non_exhaustive()
    }
}

/// The future of [`Receiver::changed`].
pub struct Changed<'a, T> {
    receiver: &'a mut Receiver<T>,
    site: &'static Location<'static>,
}

impl<T> Future for Changed<'_, T> {
    type Output = Result<(), RecvError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let site = self.site;
        let receiver = &mut *self.receiver;
        // Register first, then look: a send after the look wakes the registered waker.
        let senders = {
            let mut meta = receiver.shared.meta();
            meta.waiters.register(cx.waker());
            meta.senders
        };
        let version = receiver.shared.read().version;
        if version != receiver.seen {
            receiver.seen = version;
            return Poll::Ready(Ok(()));
        }
        if senders == 0 {
            return Poll::Ready(Err(RecvError::new()));
        }
        receiver.shared.identity.awaited_receive(site);
        Poll::Pending
    }
}
