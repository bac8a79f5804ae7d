//! Spawned tasks and their join handles.

use std::any::Any;
use std::fmt;
use std::future::Future;
use std::panic::Location;
use std::pin::Pin;
use std::sync::Arc as StdArc;
use std::sync::PoisonError;
use std::task::{Context, Poll, Waker};

use super::block_on::drive;
use crate::sync::atomic::{AtomicBool, Ordering};
use crate::sync::Mutex;
use crate::thread;

/// What a task and its handle share.
#[derive(Default)]
struct TaskState {
    /// The task's thread has finished with the future (ready, dropped by an abort, or
    /// panicked).
    done: bool,
    /// The waker of whoever awaits the handle.
    joiner: Option<Waker>,
}

type Shared = StdArc<Mutex<TaskState>>;

/// [`JoinHandle::abort`] was called: an atomic of its own, so that the check before every poll
/// is one load, which depends on nothing but the abort's store (the task's other state is
/// behind a lock that the task and its joiner both take).
type Aborted = StdArc<AtomicBool>;

fn lock(shared: &Shared) -> crate::sync::MutexGuard<'_, TaskState> {
    shared.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Marks the task done when its thread leaves the future, returning or unwinding, and wakes
/// whoever awaits the handle.
struct Done(Shared);

impl Drop for Done {
    fn drop(&mut self) {
        let joiner = {
            let mut state = lock(&self.0);
            state.done = true;
            state.joiner.take()
        };
        if let Some(waker) = joiner {
            waker.wake();
        }
    }
}

/// Why awaiting a [`JoinHandle`] gave no value.
pub struct JoinError {
    panic: Option<Box<dyn Any + Send + 'static>>,
}

impl JoinError {
    /// The task was aborted before it finished.
    pub fn is_cancelled(&self) -> bool {
        self.panic.is_none()
    }

    /// The task panicked.
    pub fn is_panic(&self) -> bool {
        self.panic.is_some()
    }

    /// The task's panic payload.
    ///
    /// # Panics
    /// If the task was cancelled rather than panicked.
    pub fn into_panic(self) -> Box<dyn Any + Send + 'static> {
        self.panic.expect("the task was cancelled, not panicked")
    }
}

impl fmt::Debug for JoinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.panic {
            Some(_) => f.write_str("JoinError::Panic(..)"),
            None => f.write_str("JoinError::Cancelled"),
        }
    }
}

impl fmt::Display for JoinError {
    /// `task was cancelled`, or `task panicked` with the panic's message when it has one.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Some(payload) = &self.panic else {
            return f.write_str("task was cancelled");
        };
        let message = payload
            .downcast_ref::<&str>()
            .copied()
            .or_else(|| payload.downcast_ref::<String>().map(String::as_str));
        match message {
            Some(message) => write!(f, "task panicked: {message}"),
            None => f.write_str("task panicked"),
        }
    }
}

impl std::error::Error for JoinError {}

/// A handle to a spawned task: a future of the task's output, or of why there is none.
/// Dropping it detaches the task, which runs on.
pub struct JoinHandle<T> {
    shared: Shared,
    aborted: Aborted,
    thread: Option<thread::JoinHandle<Option<T>>>,
}

impl<T> fmt::Debug for JoinHandle<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JoinHandle")
            .field("finished", &self.is_finished())
            .finish()
    }
}

impl<T> JoinHandle<T> {
    /// Asks the task to stop: it is dropped where it is pending, before its next poll, and the
    /// handle gives `JoinError` with [`JoinError::is_cancelled`]. A task that already finished
    /// keeps its output.
    pub fn abort(&self) {
        if self.thread.is_some() {
            self.abort_handle().abort();
        }
    }

    /// Whether the task has finished (ready, aborted or panicked).
    pub fn is_finished(&self) -> bool {
        lock(&self.shared).done
    }

    /// A handle that can abort the task without owning its output.
    ///
    /// # Panics
    /// If the handle already gave its output.
    pub fn abort_handle(&self) -> AbortHandle {
        let thread = self
            .thread
            .as_ref()
            .expect("a JoinHandle that gave its output has no task to abort");
        AbortHandle {
            aborted: self.aborted.clone(),
            thread: thread.thread().clone(),
        }
    }
}

/// Aborts a task (as [`JoinHandle::abort`]) without owning its output.
#[derive(Clone)]
pub struct AbortHandle {
    aborted: Aborted,
    thread: thread::Thread,
}

impl AbortHandle {
    /// Asks the task to stop, as [`JoinHandle::abort`].
    pub fn abort(&self) {
        self.aborted.store(true, Ordering::SeqCst);
        self.thread.unpark();
    }
}

impl fmt::Debug for AbortHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AbortHandle").finish_non_exhaustive()
    }
}

/// Dropping the handle detaches the task, which runs on; a detached task still pending when
/// the test ends is not a finding (see [`super`]).
impl<T> Drop for JoinHandle<T> {
    fn drop(&mut self) {
        #[cfg(any(conc_check, feature = "model"))]
        if let Some(thread) = &self.thread {
            conc_check_engine::facade::detach_task(thread.thread());
        }
    }
}

impl<T> Future for JoinHandle<T> {
    type Output = Result<T, JoinError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        {
            let mut state = lock(&self.shared);
            if !state.done {
                state.joiner = Some(cx.waker().clone());
                #[cfg(any(conc_check, feature = "model"))]
                if let Some(thread) = &self.thread {
                    conc_check_engine::facade::awaits_task(thread.thread());
                }
                return Poll::Pending;
            }
        }
        let thread = self
            .thread
            .take()
            .expect("a JoinHandle polled after it returned its result");
        // Done: the thread is leaving (or has left) the task, so joining it waits at most for
        // its last steps, and takes over a panic (a joined panic is the joiner's to handle).
        Poll::Ready(match thread.join() {
            Ok(Some(value)) => Ok(value),
            Ok(None) => Err(JoinError { panic: None }),
            Err(payload) => Err(JoinError {
                panic: Some(payload),
            }),
        })
    }
}

/// Runs `f` as a task of its own: on a new thread (a model thread inside a model), polled
/// whenever its waker is woken, and named `task spawned at <file:line:column>` after the
/// call, which is how reports and `thread::current().name()` name the task. The handle is a
/// future of its output.
///
/// # Panics
/// If the operating system cannot start a thread (as `std::thread::spawn`).
///
/// ```
/// use conc_check::future::{block_on, spawn};
///
/// let n = block_on(async {
///     let task = spawn(async { 6 * 7 });
///     task.await.unwrap()
/// });
/// assert_eq!(n, 42);
/// ```
#[track_caller]
pub fn spawn<F>(f: F) -> JoinHandle<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    // Made here, so that reports name this line as where the task's state was created.
    let shared = StdArc::new(Mutex::new(TaskState::default()));
    let task = shared.clone();
    let aborted = StdArc::new(AtomicBool::new(false));
    let abort_seen = aborted.clone();
    // The thread is named after the spawn site, which is how reports name the task.
    let name = format!("task spawned at {}", Location::caller());
    let thread = thread::Builder::new()
        .name(name)
        .spawn(move || {
            let _done = Done(task.clone());
            drive(f, || abort_seen.load(Ordering::SeqCst), true)
        })
        .expect("failed to spawn the task's thread");
    JoinHandle {
        shared,
        aborted,
        thread: Some(thread),
    }
}
