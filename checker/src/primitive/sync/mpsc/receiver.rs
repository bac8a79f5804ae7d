//! `Receiver`.

use std::cell::Cell;
use std::fmt;
use std::marker::PhantomData;
use std::panic::Location;
use std::sync::mpsc::{RecvError, RecvTimeoutError, TryRecvError};
use std::sync::Arc;
use std::time::Duration;

use crate::event::Site;
use crate::real::races::RealChannel;

use super::chan::Chan;

/// The receiving half of a [`channel`](super::channel) or [`sync_channel`](super::sync_channel),
/// like `std::sync::mpsc::Receiver`. It can be sent to another thread but not shared.
///
/// Inside a model every receive is a scheduling point; `recv` blocks the model thread until a
/// message arrives or every sender is gone, and `recv_timeout` may also time out at any point
/// the scheduler chooses (time is virtual: nothing sleeps).
pub struct Receiver<T> {
    inner: ReceiverInner<T>,
    /// std's receiver is not `Sync`; neither is this one, even around a model channel.
    _not_sync: PhantomData<Cell<()>>,
}

enum ReceiverInner<T> {
    /// Created outside a model: std's receiver, and real mode's record of the channel.
    Real(std::sync::mpsc::Receiver<T>, Arc<RealChannel>),
    /// Created inside a model.
    Model(Arc<Chan<T>>),
}

impl<T> Receiver<T> {
    pub(super) fn real(rx: std::sync::mpsc::Receiver<T>, real: Arc<RealChannel>) -> Self {
        Receiver {
            inner: ReceiverInner::Real(rx, real),
            _not_sync: PhantomData,
        }
    }

    pub(super) fn model(chan: Arc<Chan<T>>) -> Self {
        Receiver {
            inner: ReceiverInner::Model(chan),
            _not_sync: PhantomData,
        }
    }

    /// Waits for a message.
    ///
    /// # Errors
    /// [`RecvError`] once the channel is empty and every sender has been dropped.
    #[track_caller]
    pub fn recv(&self) -> Result<T, RecvError> {
        self.recv_at(Location::caller())
    }

    /// Takes a message if one is there, without blocking.
    ///
    /// # Errors
    /// [`TryRecvError::Empty`] when there is none now, [`TryRecvError::Disconnected`] when there
    /// is none and every sender has been dropped.
    #[track_caller]
    pub fn try_recv(&self) -> Result<T, TryRecvError> {
        self.try_recv_at(Location::caller())
    }

    /// Waits for a message for at most `timeout`. Inside a model the timeout may fire at any
    /// scheduling point while no message is there, whatever its length.
    ///
    /// # Errors
    /// [`RecvTimeoutError::Timeout`] when the time ran out, [`RecvTimeoutError::Disconnected`]
    /// once the channel is empty and every sender has been dropped.
    #[track_caller]
    pub fn recv_timeout(&self, timeout: Duration) -> Result<T, RecvTimeoutError> {
        match &self.inner {
            ReceiverInner::Real(rx, real) => rx
                .recv_timeout(timeout)
                .inspect(|_| real.received(Location::caller())),
            ReceiverInner::Model(chan) => chan.recv(true, Location::caller()),
        }
    }

    /// `recv`, attributed to `site`.
    pub(super) fn recv_at(&self, site: Site) -> Result<T, RecvError> {
        match &self.inner {
            ReceiverInner::Real(rx, real) => rx.recv().inspect(|_| real.received(site)),
            ReceiverInner::Model(chan) => chan.recv(false, site).map_err(|_| RecvError),
        }
    }

    /// `try_recv`, attributed to `site`.
    pub(super) fn try_recv_at(&self, site: Site) -> Result<T, TryRecvError> {
        match &self.inner {
            ReceiverInner::Real(rx, real) => rx.try_recv().inspect(|_| real.received(site)),
            ReceiverInner::Model(chan) => chan.try_recv(site),
        }
    }
}

impl<T> Drop for Receiver<T> {
    fn drop(&mut self) {
        if let ReceiverInner::Model(chan) = &self.inner {
            chan.drop_receiver();
        }
    }
}

impl<T> fmt::Debug for Receiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Receiver").finish_non_exhaustive()
    }
}
