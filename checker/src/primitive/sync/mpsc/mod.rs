//! `std::sync::mpsc`: multi-producer, single-consumer channels, with std's API and semantics.
//!
//! Whether a channel is modelled is decided when it is created: [`channel`] and
//! [`sync_channel`] called inside a model make a model channel, whose every send, receive and
//! disconnection is a scheduling point and whose blocking operations block the model thread;
//! called outside a model they make a std channel for real threads. A std channel may still be
//! used from inside a model (say, a `Sender` captured by the test closure to collect results),
//! but its operations are then plain std ones that the scheduler does not see, so only those
//! that never block belong there.
//!
//! The error types are std's own.
//!
//! ```
//! use conc_check::sync::mpsc;
//! use conc_check::thread;
//!
//! conc_check::model(|| {
//!     let (tx, rx) = mpsc::channel();
//!     let t = thread::spawn(move || tx.send(1).unwrap());
//!     assert_eq!(rx.recv(), Ok(1));
//!     assert!(rx.recv().is_err(), "the only sender is gone");
//!     t.join().unwrap();
//! });
//! ```

mod chan;
mod iter;
mod receiver;
mod sender;

use std::panic::Location;

use crate::real::races::RealChannel;
use crate::runtime::api;

use chan::Chan;

pub use iter::{IntoIter, Iter, TryIter};
pub use receiver::Receiver;
pub use sender::{Sender, SyncSender};
pub use std::sync::mpsc::{RecvError, RecvTimeoutError, SendError, TryRecvError, TrySendError};

/// A new channel with an unbounded buffer: sending never blocks.
#[must_use]
#[track_caller]
pub fn channel<T>() -> (Sender<T>, Receiver<T>) {
    if api::in_model() {
        let chan = Chan::new(None, Location::caller());
        (Sender::model(chan.clone()), Receiver::model(chan))
    } else {
        let (tx, rx) = std::sync::mpsc::channel();
        let real = RealChannel::new(Location::caller());
        (Sender::real(tx, real.clone()), Receiver::real(rx, real))
    }
}

/// A new channel that buffers at most `bound` messages: sending blocks while it is full. With
/// a bound of 0 every send waits until the receiver has taken its message (a rendezvous).
#[must_use]
#[track_caller]
pub fn sync_channel<T>(bound: usize) -> (SyncSender<T>, Receiver<T>) {
    if api::in_model() {
        let chan = Chan::new(Some(bound), Location::caller());
        (SyncSender::model(chan.clone()), Receiver::model(chan))
    } else {
        let (tx, rx) = std::sync::mpsc::sync_channel(bound);
        let real = RealChannel::new(Location::caller());
        (SyncSender::real(tx, real.clone()), Receiver::real(rx, real))
    }
}
