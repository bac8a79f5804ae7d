//! A channel for one value, as `tokio::sync::oneshot`.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

use conc_check::sync::Arc;

use conc_check::sync::{Mutex, MutexGuard};
use std::sync::PoisonError;

pub mod error {
    //! Why a receive gave no value, as `tokio::sync::oneshot::error`.

    use std::fmt;

    pub use super::super::errors::RecvError;

    /// Why [`super::Receiver::try_recv`] gave no value.
    #[derive(Debug, PartialEq, Eq, Clone)]
    pub enum TryRecvError {
        /// Not sent yet.
        Empty,
        /// The sender was dropped without sending, or the value was taken.
        Closed,
    }

    impl fmt::Display for TryRecvError {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            match self {
                TryRecvError::Empty => f.write_str("channel empty"),
                TryRecvError::Closed => f.write_str("channel closed"),
            }
        }
    }

    impl std::error::Error for TryRecvError {}
}

use error::{RecvError, TryRecvError};

struct State<T> {
    value: Option<T>,
    sender_alive: bool,
    /// The receiver exists and has not closed the channel.
    receiver_alive: bool,
    /// The receiver closed the channel (it may still take a value sent before).
    closed: bool,
    receiver: Option<Waker>,
}

/// What both sides share. A receiver that waits is explained by where it is awaited (the line
/// the report finds from its waker), which the receiver itself does not know.
struct Shared<T> {
    state: Mutex<State<T>>,
}

impl<T> Shared<T> {
    fn state(&self) -> MutexGuard<'_, State<T>> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Creates a channel for one value.
pub fn channel<T>() -> (Sender<T>, Receiver<T>) {
    let shared = Arc::new(Shared {
        state: Mutex::new(State {
            value: None,
            sender_alive: true,
            receiver_alive: true,
            closed: false,
            receiver: None,
        }),
    });
    (
        Sender {
            shared: Some(shared.clone()),
        },
        Receiver { shared },
    )
}

/// The sending side: sends once.
pub struct Sender<T> {
    /// `None` once sent.
    shared: Option<Arc<Shared<T>>>,
}

impl<T> Sender<T> {
    /// Sends `value`, consuming the sender.
    ///
    /// # Errors
    /// The value, when the receiver is gone.
    pub fn send(mut self, value: T) -> Result<(), T> {
        let shared = self.shared.take().expect("a sender sends once");
        let waker = {
            let mut state = shared.state();
            state.sender_alive = false;
            if !state.receiver_alive {
                return Err(value);
            }
            state.value = Some(value);
            state.receiver.take()
        };
        if let Some(waker) = waker {
            waker.wake();
        }
        Ok(())
    }

    /// Whether the receiver is gone.
    pub fn is_closed(&self) -> bool {
        self.shared
            .as_ref()
            .is_none_or(|shared| !shared.state().receiver_alive)
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        let Some(shared) = self.shared.take() else {
            return;
        };
        let waker = {
            let mut state = shared.state();
            state.sender_alive = false;
            state.receiver.take()
        };
        if let Some(waker) = waker {
            waker.wake();
        }
    }
}

impl<T> fmt::Debug for Sender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sender").finish_non_exhaustive()
    }
}

/// The receiving side: a future of the value, or of [`RecvError`] when the sender was dropped
/// without sending.
pub struct Receiver<T> {
    shared: Arc<Shared<T>>,
}

impl<T> Receiver<T> {
    /// The value if it was sent.
    ///
    /// # Errors
    /// [`TryRecvError::Empty`] before the send, [`TryRecvError::Closed`] when the sender is
    /// gone without sending (or the value was taken).
    pub fn try_recv(&mut self) -> Result<T, TryRecvError> {
        let mut state = self.shared.state();
        match state.value.take() {
            Some(value) => Ok(value),
            None if state.sender_alive && !state.closed => Err(TryRecvError::Empty),
            None => Err(TryRecvError::Closed),
        }
    }

    /// Closes the channel: a later send fails, and awaiting the receiver gives the value if
    /// one was sent before, else [`RecvError`] at once.
    pub fn close(&mut self) {
        let mut state = self.shared.state();
        state.receiver_alive = false;
        state.closed = true;
    }
}

impl<T> Future for Receiver<T> {
    type Output = Result<T, RecvError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        {
            let mut state = self.shared.state();
            if let Some(value) = state.value.take() {
                return Poll::Ready(Ok(value));
            }
            if !state.sender_alive || state.closed {
                return Poll::Ready(Err(RecvError::new()));
            }
            state.receiver = Some(cx.waker().clone());
        }
        Poll::Pending
    }
}

impl<T> Drop for Receiver<T> {
    fn drop(&mut self) {
        self.shared.state().receiver_alive = false;
    }
}

impl<T> fmt::Debug for Receiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Receiver").finish_non_exhaustive()
    }
}
