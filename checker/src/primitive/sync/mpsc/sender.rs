//! `Sender` and `SyncSender`.

use std::fmt;
use std::panic::Location;
use std::sync::mpsc::{SendError, TrySendError};
use std::sync::Arc;

use crate::real::races::RealChannel;

use super::chan::Chan;

/// The sending half of a [`channel`](super::channel), like `std::sync::mpsc::Sender`.
///
/// Sending never blocks. Inside a model, `send` is a scheduling point, and so is dropping a
/// sender (dropping the last one disconnects the channel).
pub struct Sender<T> {
    inner: SenderInner<T>,
}

enum SenderInner<T> {
    /// Created outside a model: std's sender, and real mode's record of the channel.
    Real(std::sync::mpsc::Sender<T>, Arc<RealChannel>),
    /// Created inside a model.
    Model(Arc<Chan<T>>),
}

/// The sending half of a [`sync_channel`](super::sync_channel), like
/// `std::sync::mpsc::SyncSender`.
///
/// `send` blocks while the channel is full; with a bound of 0 it blocks until the receiver has
/// taken the message (a rendezvous).
pub struct SyncSender<T> {
    inner: SyncSenderInner<T>,
}

enum SyncSenderInner<T> {
    /// Created outside a model: std's sender, and real mode's record of the channel.
    Real(std::sync::mpsc::SyncSender<T>, Arc<RealChannel>),
    /// Created inside a model.
    Model(Arc<Chan<T>>),
}

impl<T> Sender<T> {
    pub(super) fn real(tx: std::sync::mpsc::Sender<T>, real: Arc<RealChannel>) -> Self {
        Sender {
            inner: SenderInner::Real(tx, real),
        }
    }

    pub(super) fn model(chan: Arc<Chan<T>>) -> Self {
        Sender {
            inner: SenderInner::Model(chan),
        }
    }

    /// Sends `value` to the receiver, without blocking.
    ///
    /// # Errors
    /// [`SendError`] holding `value` when the receiver has been dropped. `Ok` does not mean the
    /// value will be received: the receiver may still be dropped first.
    #[track_caller]
    pub fn send(&self, value: T) -> Result<(), SendError<T>> {
        match &self.inner {
            SenderInner::Real(tx, real) => {
                real.sent(Location::caller());
                tx.send(value)
            }
            SenderInner::Model(chan) => chan.send(value, Location::caller()),
        }
    }
}

impl<T> SyncSender<T> {
    pub(super) fn real(tx: std::sync::mpsc::SyncSender<T>, real: Arc<RealChannel>) -> Self {
        SyncSender {
            inner: SyncSenderInner::Real(tx, real),
        }
    }

    pub(super) fn model(chan: Arc<Chan<T>>) -> Self {
        SyncSender {
            inner: SyncSenderInner::Model(chan),
        }
    }

    /// Sends `value`, blocking while the channel is full (for a bound of 0: until the receiver
    /// has taken it).
    ///
    /// # Errors
    /// [`SendError`] holding `value` when the receiver has been dropped, before or while this
    /// call waited.
    #[track_caller]
    pub fn send(&self, value: T) -> Result<(), SendError<T>> {
        match &self.inner {
            SyncSenderInner::Real(tx, real) => {
                real.sent(Location::caller());
                tx.send(value)
            }
            SyncSenderInner::Model(chan) => chan.send(value, Location::caller()),
        }
    }

    /// Sends `value` if that needs no waiting. With a bound of 0 that means the receiver is
    /// already waiting in `recv`.
    ///
    /// # Errors
    /// [`TrySendError::Full`] when there is no room, [`TrySendError::Disconnected`] when the
    /// receiver has been dropped; both hold `value`.
    #[track_caller]
    pub fn try_send(&self, value: T) -> Result<(), TrySendError<T>> {
        match &self.inner {
            SyncSenderInner::Real(tx, real) => {
                real.sent(Location::caller());
                tx.try_send(value)
            }
            SyncSenderInner::Model(chan) => chan.try_send(value, Location::caller()),
        }
    }
}

impl<T> Clone for Sender<T> {
    /// Another sender for the same channel; the channel stays connected while any is alive.
    fn clone(&self) -> Self {
        let inner = match &self.inner {
            SenderInner::Real(tx, real) => SenderInner::Real(tx.clone(), real.clone()),
            SenderInner::Model(chan) => {
                chan.add_sender();
                SenderInner::Model(chan.clone())
            }
        };
        Sender { inner }
    }
}

impl<T> Clone for SyncSender<T> {
    /// Another sender for the same channel; the channel stays connected while any is alive.
    fn clone(&self) -> Self {
        let inner = match &self.inner {
            SyncSenderInner::Real(tx, real) => SyncSenderInner::Real(tx.clone(), real.clone()),
            SyncSenderInner::Model(chan) => {
                chan.add_sender();
                SyncSenderInner::Model(chan.clone())
            }
        };
        SyncSender { inner }
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        if let SenderInner::Model(chan) = &self.inner {
            chan.drop_sender();
        }
    }
}

impl<T> Drop for SyncSender<T> {
    fn drop(&mut self) {
        if let SyncSenderInner::Model(chan) = &self.inner {
            chan.drop_sender();
        }
    }
}

impl<T> fmt::Debug for Sender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sender").finish_non_exhaustive()
    }
}

impl<T> fmt::Debug for SyncSender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SyncSender").finish_non_exhaustive()
    }
}
