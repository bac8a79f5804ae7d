//! `Thread`, `ThreadId`, `current` and the functions that act on the calling thread.

use std::fmt;
use std::num::NonZeroUsize;
use std::panic::Location;
use std::sync::Arc;
use std::time::Duration;

use crate::event::{ThreadId as ModelThreadId, WakeReason};
use crate::primitive::time::{advance_clock_to, virtual_now};
use crate::runtime::api;

/// A handle to a thread, like `std::thread::Thread`.
#[derive(Clone)]
pub struct Thread {
    inner: ThreadInner,
}

#[derive(Clone)]
enum ThreadInner {
    Real(std::thread::Thread),
    Model {
        id: ModelThreadId,
        generation: u32,
        name: Option<Arc<str>>,
    },
}

/// A unique identifier of a running thread, like `std::thread::ThreadId`.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct ThreadId(ThreadIdInner);

#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
enum ThreadIdInner {
    Real(std::thread::ThreadId),
    Model { generation: u32, index: u32 },
}

impl Thread {
    /// The model thread this handle names, if it names one of the running execution.
    pub(crate) fn model_thread(&self) -> Option<ModelThreadId> {
        match &self.inner {
            ThreadInner::Model { id, generation, .. }
                if api::in_model() && api::generation() == *generation =>
            {
                Some(*id)
            }
            _ => None,
        }
    }

    pub(crate) fn model(id: ModelThreadId) -> Thread {
        Thread {
            inner: ThreadInner::Model {
                id,
                generation: api::generation(),
                name: api::thread_name(id),
            },
        }
    }

    pub(super) fn real(thread: std::thread::Thread) -> Thread {
        Thread {
            inner: ThreadInner::Real(thread),
        }
    }

    /// The thread's unique identifier.
    #[must_use]
    pub fn id(&self) -> ThreadId {
        ThreadId(match &self.inner {
            ThreadInner::Real(t) => ThreadIdInner::Real(t.id()),
            ThreadInner::Model { id, generation, .. } => ThreadIdInner::Model {
                generation: *generation,
                index: id.0,
            },
        })
    }

    /// The thread's name, if it has one. The model's first thread is named `main`.
    #[must_use]
    pub fn name(&self) -> Option<&str> {
        match &self.inner {
            ThreadInner::Real(t) => t.name(),
            ThreadInner::Model { name, .. } => name.as_deref(),
        }
    }

    /// Makes the thread's park token available, waking it if it is parked.
    #[track_caller]
    pub fn unpark(&self) {
        match &self.inner {
            ThreadInner::Real(t) => t.unpark(),
            ThreadInner::Model { .. } => {
                if let Some(id) = self.model_thread() {
                    api::unpark(id, Location::caller());
                }
            }
        }
    }
}

impl fmt::Debug for Thread {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Thread")
            .field("id", &self.id())
            .field("name", &self.name())
            .finish_non_exhaustive()
    }
}

/// The calling thread.
#[must_use]
pub fn current() -> Thread {
    if api::in_model() {
        Thread::model(api::current())
    } else {
        Thread::real(std::thread::current())
    }
}

/// Lets other threads run. Inside a model, a scheduling point that prefers other threads.
#[track_caller]
pub fn yield_now() {
    if api::in_model() {
        api::yield_now(Location::caller());
    } else {
        std::thread::yield_now();
    }
}

/// Sleeps for `dur`. Inside a model time is virtual: this lets other threads run, then moves
/// the execution's clock to at least `dur` after the call (see [`crate::primitive::time`]).
#[track_caller]
pub fn sleep(dur: Duration) {
    if api::in_model() {
        let start = virtual_now();
        api::yield_now(Location::caller());
        advance_clock_to(start.saturating_add(dur));
    } else {
        std::thread::sleep(dur);
    }
}

/// Blocks until the thread's park token is available (or spuriously, as std allows).
#[track_caller]
pub fn park() {
    if api::in_model() {
        api::park(false, Location::caller());
    } else {
        std::thread::park();
    }
}

/// Like [`park`], but may also return once `dur` has elapsed (inside a model: whenever the
/// scheduler lets the timeout fire, which moves the virtual clock on by `dur`).
#[track_caller]
pub fn park_timeout(dur: Duration) {
    if api::in_model() {
        let start = virtual_now();
        if api::park(true, Location::caller()) == WakeReason::TimedOut {
            advance_clock_to(start.saturating_add(dur));
        }
    } else {
        std::thread::park_timeout(dur);
    }
}

/// Whether the calling thread is unwinding from a panic.
#[must_use]
pub fn panicking() -> bool {
    if api::in_model() {
        api::panicking()
    } else {
        std::thread::panicking()
    }
}

/// The parallelism std reports; the same inside a model (the model does not depend on it).
///
/// # Errors
/// As `std::thread::available_parallelism`.
pub fn available_parallelism() -> std::io::Result<NonZeroUsize> {
    std::thread::available_parallelism()
}
