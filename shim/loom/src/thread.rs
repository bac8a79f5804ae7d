//! `loom::thread`: model threads. Unlike std's, `spawn` does not ask for `Send` (model threads
//! take turns on one OS thread), and joining a thread that panicked panics in turn: in loom any
//! panic fails the model.

use std::io;

use conc_check_engine::facade;
use conc_check_engine::primitive::thread as engine;

pub use engine::{panicking, park, yield_now, AccessError, LocalKey, ThreadId};

/// A handle to a model thread, like `std::thread::Thread` (whose `id` and `name` are not
/// `#[must_use]` here, as in loom).
#[derive(Clone, Debug)]
pub struct Thread(engine::Thread);

impl Thread {
    /// The thread's unique identifier.
    pub fn id(&self) -> ThreadId {
        self.0.id()
    }

    /// The thread's name, if it was given one. As in loom, the model's first thread has none
    /// (conc-check's reports call it the main thread).
    pub fn name(&self) -> Option<&str> {
        if self.0.id() == main_thread_id() {
            return None;
        }
        self.0.name()
    }

    /// Makes the thread's park token available, waking it if it is parked.
    #[track_caller]
    pub fn unpark(&self) {
        self.0.unpark();
    }
}

/// The id of the running execution's first thread.
fn main_thread_id() -> ThreadId {
    facade::main_thread().id()
}

/// The calling thread.
pub fn current() -> Thread {
    Thread(engine::current())
}

/// An owned permission to join a model thread.
#[derive(Debug)]
pub struct JoinHandle<T> {
    inner: engine::JoinHandle<T>,
    thread: Thread,
}

impl<T> JoinHandle<T> {
    fn new(inner: engine::JoinHandle<T>) -> JoinHandle<T> {
        let thread = Thread(inner.thread().clone());
        JoinHandle { inner, thread }
    }

    /// Waits for the thread to finish and returns its result.
    ///
    /// # Errors
    /// Never in practice: a thread that panicked makes the joiner panic with the same payload
    /// (in loom any panic fails the model); the `Result` is std's signature.
    #[track_caller]
    pub fn join(self) -> std::thread::Result<T> {
        match self.inner.join() {
            Ok(value) => Ok(value),
            Err(payload) => std::panic::resume_unwind(payload),
        }
    }

    /// The thread this handle joins.
    pub fn thread(&self) -> &Thread {
        &self.thread
    }
}

/// Spawns a model thread running `f`.
///
/// # Panics
/// Outside a model.
#[track_caller]
pub fn spawn<F, T>(f: F) -> JoinHandle<T>
where
    F: FnOnce() -> T + 'static,
    T: 'static,
{
    JoinHandle::new(facade::spawn_model_thread(engine::Builder::new(), f))
}

/// Thread configuration: a name (shown in findings) and a stack size.
#[derive(Debug, Default)]
#[must_use = "must eventually spawn the thread"]
pub struct Builder(engine::Builder);

impl Builder {
    /// The default configuration.
    pub fn new() -> Builder {
        Builder::default()
    }

    /// Names the thread.
    pub fn name(self, name: String) -> Builder {
        Builder(self.0.name(name))
    }

    /// Asks for a stack of at least `size` bytes. A model thread never gets less than
    /// conc-check's default (what a std thread gets), as loom's threads do not: loom suites ask
    /// for small stacks that their own tests then overrun.
    pub fn stack_size(self, size: usize) -> Builder {
        Builder(self.0.stack_size(size.max(facade::default_stack_size())))
    }

    /// Spawns a model thread running `f` with this configuration.
    ///
    /// # Errors
    /// None: a model thread always starts (the `Result` is std's signature).
    ///
    /// # Panics
    /// Outside a model.
    #[track_caller]
    pub fn spawn<F, T>(self, f: F) -> io::Result<JoinHandle<T>>
    where
        F: FnOnce() -> T + 'static,
        T: 'static,
    {
        Ok(JoinHandle::new(facade::spawn_model_thread(self.0, f)))
    }
}
