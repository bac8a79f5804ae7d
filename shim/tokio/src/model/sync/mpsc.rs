//! Channels from many senders to one receiver, as `tokio::sync::mpsc`.
//!
//! Inside a model the queue is behind the shim's lock, so every order of sends and receives is
//! explored; a receiver pending while a sender is alive but nobody can send (a sender kept by
//! the receiving task itself, say) is a deadlock whose report names the `.await`.

use std::collections::VecDeque;
use std::fmt;
use std::future::Future;
use std::panic::Location;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

use conc_check::sync::Arc;
use conc_check_engine::facade::AsyncWaitable;

use super::wakers::{wake_all, Waiters};
use conc_check::sync::{Mutex, MutexGuard};
use std::sync::PoisonError;

pub mod error {
    //! Why a send or a receive did not happen, as `tokio::sync::mpsc::error`.

    use std::fmt;

    pub use super::super::errors::SendError;

    /// Why [`super::Sender::try_send`] did not send; the value comes back.
    #[derive(PartialEq, Eq, Clone, Copy)]
    pub enum TrySendError<T> {
        /// The channel is full.
        Full(T),
        /// The receiver is gone.
        Closed(T),
    }

    impl<T> fmt::Debug for TrySendError<T> {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            match self {
                TrySendError::Full(_) => f.write_str("Full(..)"),
                TrySendError::Closed(_) => f.write_str("Closed(..)"),
            }
        }
    }

    impl<T> fmt::Display for TrySendError<T> {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            match self {
                TrySendError::Full(_) => f.write_str("no available capacity"),
                TrySendError::Closed(_) => f.write_str("channel closed"),
            }
        }
    }

    impl<T> std::error::Error for TrySendError<T> {}

    /// Why a `try_recv` gave no value.
    #[derive(PartialEq, Eq, Clone, Copy, Debug)]
    pub enum TryRecvError {
        /// No value now, but a sender is alive.
        Empty,
        /// No value, and no sender is left.
        Disconnected,
    }

    impl fmt::Display for TryRecvError {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            match self {
                TryRecvError::Empty => f.write_str("receiving on an empty channel"),
                TryRecvError::Disconnected => f.write_str("receiving on a closed channel"),
            }
        }
    }

    impl std::error::Error for TryRecvError {}
}

use error::{SendError, TryRecvError, TrySendError};

struct State<T> {
    queue: VecDeque<T>,
    /// `None` for an unbounded channel.
    capacity: Option<usize>,
    senders: usize,
    /// The receiver is alive and has not closed the channel.
    open: bool,
    receiver: Option<Waker>,
    senders_waiting: Waiters,
}

struct Chan<T> {
    identity: AsyncWaitable,
    state: Mutex<State<T>>,
}

impl<T> Chan<T> {
    #[track_caller]
    fn new(capacity: Option<usize>) -> Arc<Self> {
        Arc::new(Chan {
            identity: AsyncWaitable::channel(),
            state: Mutex::new(State {
                queue: VecDeque::new(),
                capacity,
                senders: 1,
                open: true,
                receiver: None,
                senders_waiting: Waiters::default(),
            }),
        })
    }

    fn state(&self) -> MutexGuard<'_, State<T>> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Queues `value` if the receiver is open and there is room; when full, registers `waker`
    /// (if given) to be woken when room is made.
    fn try_send(&self, value: T, waker: Option<&Waker>) -> Result<(), TrySendError<T>> {
        let receiver = {
            let mut state = self.state();
            if !state.open {
                return Err(TrySendError::Closed(value));
            }
            if state.capacity.is_some_and(|c| state.queue.len() >= c) {
                if let Some(waker) = waker {
                    state.senders_waiting.register(waker);
                }
                return Err(TrySendError::Full(value));
            }
            state.queue.push_back(value);
            state.receiver.take()
        };
        if let Some(waker) = receiver {
            waker.wake();
        }
        Ok(())
    }

    /// Takes the next value; without one, registers `waker` (if given) while a sender is alive.
    fn try_recv(&self, waker: Option<&Waker>) -> Result<T, TryRecvError> {
        let (result, senders) = {
            let mut state = self.state();
            match state.queue.pop_front() {
                Some(value) => (Ok(value), state.senders_waiting.take()),
                // Every sender gone, or the receiver closed the channel: drained, it has ended.
                None if state.senders == 0 || !state.open => {
                    (Err(TryRecvError::Disconnected), Vec::new())
                }
                None => {
                    if let Some(waker) = waker {
                        state.receiver = Some(waker.clone());
                    }
                    (Err(TryRecvError::Empty), Vec::new())
                }
            }
        };
        wake_all(senders);
        result
    }

    fn add_sender(self: &Arc<Self>) -> Arc<Self> {
        self.state().senders += 1;
        self.clone()
    }

    fn drop_sender(&self) {
        let receiver = {
            let mut state = self.state();
            state.senders -= 1;
            if state.senders == 0 {
                state.receiver.take()
            } else {
                None
            }
        };
        if let Some(waker) = receiver {
            waker.wake();
        }
    }

    fn close(&self) {
        let (senders, receiver) = {
            let mut state = self.state();
            state.open = false;
            (state.senders_waiting.take(), state.receiver.take())
        };
        wake_all(senders);
        if let Some(waker) = receiver {
            waker.wake();
        }
    }
}

/// One counted sender of a channel, which both sender types are: a clone counts one more
/// sender, a drop one fewer (the last wakes the receiver, whose wait has ended).
struct SenderSide<T>(Arc<Chan<T>>);

impl<T> SenderSide<T> {
    /// Whether the receiver is gone (or closed the channel).
    fn is_closed(&self) -> bool {
        !self.0.state().open
    }
}

impl<T> Clone for SenderSide<T> {
    fn clone(&self) -> Self {
        SenderSide(self.0.add_sender())
    }
}

impl<T> Drop for SenderSide<T> {
    fn drop(&mut self) {
        self.0.drop_sender();
    }
}

/// Creates a channel holding at most `buffer` values: a send waits while it is full.
///
/// # Panics
/// If `buffer` is 0, as tokio does.
#[track_caller]
pub fn channel<T>(buffer: usize) -> (Sender<T>, Receiver<T>) {
    assert!(buffer > 0, "mpsc bounded channel requires buffer > 0");
    let chan = Chan::new(Some(buffer));
    (
        Sender {
            chan: SenderSide(chan.clone()),
        },
        Receiver { chan },
    )
}

/// Creates a channel without a bound: a send never waits.
#[track_caller]
pub fn unbounded_channel<T>() -> (UnboundedSender<T>, UnboundedReceiver<T>) {
    let chan = Chan::new(None);
    (
        UnboundedSender {
            chan: SenderSide(chan.clone()),
        },
        UnboundedReceiver {
            inner: Receiver { chan },
        },
    )
}

/// The sending side of a bounded channel; clone it for more senders.
pub struct Sender<T> {
    chan: SenderSide<T>,
}

impl<T> Sender<T> {
    /// Waits for room, then queues `value`.
    ///
    /// # Errors
    /// [`SendError`] with the value when the receiver is gone.
    #[track_caller]
    pub fn send(&self, value: T) -> Send<'_, T> {
        Send {
            chan: &self.chan.0,
            value: Some(value),
            site: Location::caller(),
        }
    }

    /// Queues `value` if there is room now.
    ///
    /// # Errors
    /// [`TrySendError::Full`] or [`TrySendError::Closed`], with the value.
    pub fn try_send(&self, value: T) -> Result<(), TrySendError<T>> {
        self.chan.0.try_send(value, None)
    }

    /// Whether the receiver is gone.
    pub fn is_closed(&self) -> bool {
        self.chan.is_closed()
    }
}

impl<T> Clone for Sender<T> {
    fn clone(&self) -> Self {
        Sender {
            chan: self.chan.clone(),
        }
    }
}

impl<T> fmt::Debug for Sender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sender").finish_non_exhaustive()
    }
}

/// The future of [`Sender::send`].
pub struct Send<'a, T> {
    chan: &'a Arc<Chan<T>>,
    value: Option<T>,
    site: &'static Location<'static>,
}

impl<T> Unpin for Send<'_, T> {}

impl<T> Future for Send<'_, T> {
    type Output = Result<(), SendError<T>>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let value = self
            .value
            .take()
            .expect("a send future polled after it completed");
        match self.chan.try_send(value, Some(cx.waker())) {
            Ok(()) => Poll::Ready(Ok(())),
            Err(TrySendError::Closed(value)) => Poll::Ready(Err(SendError(value))),
            Err(TrySendError::Full(value)) => {
                self.value = Some(value);
                self.chan.identity.awaited_send(self.site);
                Poll::Pending
            }
        }
    }
}

/// The receiving side of a bounded channel.
pub struct Receiver<T> {
    chan: Arc<Chan<T>>,
}

impl<T> Receiver<T> {
    /// Waits for the next value: `None` once every sender is gone and the queue is empty.
    #[track_caller]
    pub fn recv(&mut self) -> Recv<'_, T> {
        Recv {
            chan: &self.chan,
            site: Location::caller(),
        }
    }

    /// The next value if there is one now.
    ///
    /// # Errors
    /// [`TryRecvError::Empty`] while a sender is alive, else [`TryRecvError::Disconnected`].
    pub fn try_recv(&mut self) -> Result<T, TryRecvError> {
        self.chan.try_recv(None)
    }

    /// Closes the channel: sends fail from now on; queued values can still be received, and
    /// then `recv` gives `None`.
    pub fn close(&mut self) {
        self.chan.close();
    }
}

impl<T> Drop for Receiver<T> {
    fn drop(&mut self) {
        self.chan.close();
    }
}

impl<T> fmt::Debug for Receiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Receiver").finish_non_exhaustive()
    }
}

/// The future of [`Receiver::recv`] and [`UnboundedReceiver::recv`].
pub struct Recv<'a, T> {
    chan: &'a Arc<Chan<T>>,
    site: &'static Location<'static>,
}

impl<T> Future for Recv<'_, T> {
    type Output = Option<T>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T>> {
        match self.chan.try_recv(Some(cx.waker())) {
            Ok(value) => Poll::Ready(Some(value)),
            Err(TryRecvError::Disconnected) => Poll::Ready(None),
            Err(TryRecvError::Empty) => {
                self.chan.identity.awaited_receive(self.site);
                Poll::Pending
            }
        }
    }
}

/// The sending side of an unbounded channel; clone it for more senders.
pub struct UnboundedSender<T> {
    chan: SenderSide<T>,
}

impl<T> UnboundedSender<T> {
    /// Queues `value`; never waits.
    ///
    /// # Errors
    /// [`SendError`] with the value when the receiver is gone.
    pub fn send(&self, value: T) -> Result<(), SendError<T>> {
        self.chan.0.try_send(value, None).map_err(|e| match e {
            TrySendError::Full(value) | TrySendError::Closed(value) => SendError(value),
        })
    }

    /// Whether the receiver is gone.
    pub fn is_closed(&self) -> bool {
        self.chan.is_closed()
    }
}

impl<T> Clone for UnboundedSender<T> {
    fn clone(&self) -> Self {
        UnboundedSender {
            chan: self.chan.clone(),
        }
    }
}

impl<T> fmt::Debug for UnboundedSender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UnboundedSender").finish_non_exhaustive()
    }
}

/// The receiving side of an unbounded channel.
pub struct UnboundedReceiver<T> {
    inner: Receiver<T>,
}

impl<T> UnboundedReceiver<T> {
    /// Waits for the next value: `None` once every sender is gone and the queue is empty.
    #[track_caller]
    pub fn recv(&mut self) -> Recv<'_, T> {
        Recv {
            chan: &self.inner.chan,
            site: Location::caller(),
        }
    }

    /// The next value if there is one now.
    ///
    /// # Errors
    /// [`TryRecvError::Empty`] while a sender is alive, else [`TryRecvError::Disconnected`].
    pub fn try_recv(&mut self) -> Result<T, TryRecvError> {
        self.inner.try_recv()
    }

    /// Closes the channel: sends fail from now on; queued values can still be received.
    pub fn close(&mut self) {
        self.inner.close();
    }
}

impl<T> fmt::Debug for UnboundedReceiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UnboundedReceiver").finish_non_exhaustive()
    }
}
