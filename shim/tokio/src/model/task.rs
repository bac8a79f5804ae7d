//! Tasks: [`conc_check::future`]'s, under tokio's names, and a [`JoinSet`].

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

pub use conc_check::future::{spawn, yield_now, AbortHandle, JoinError, JoinHandle};

/// A set of tasks whose outputs are awaited in the order they finish, as
/// `tokio::task::JoinSet`. Dropping it aborts the tasks still in it.
pub struct JoinSet<T> {
    tasks: Vec<JoinHandle<T>>,
}

impl<T> JoinSet<T> {
    /// An empty set.
    pub fn new() -> Self {
        JoinSet { tasks: Vec::new() }
    }

    /// How many tasks the set holds.
    pub fn len(&self) -> usize {
        self.tasks.len()
    }

    /// Whether the set holds no task.
    pub fn is_empty(&self) -> bool {
        self.tasks.is_empty()
    }

    /// Asks every task of the set to stop; each then gives a cancelled `JoinError`.
    pub fn abort_all(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}

impl<T: Send + 'static> JoinSet<T> {
    /// Spawns `task` into the set.
    #[track_caller]
    pub fn spawn<F>(&mut self, task: F) -> AbortHandle
    where
        F: Future<Output = T> + Send + 'static,
    {
        let handle = spawn(task);
        let abort = handle.abort_handle();
        self.tasks.push(handle);
        abort
    }

    /// Waits for the next task to finish and gives its result; `None` when the set is empty.
    pub fn join_next(&mut self) -> JoinNext<'_, T> {
        JoinNext { set: self }
    }

    /// Aborts every task and waits until all have stopped.
    pub async fn shutdown(&mut self) {
        self.abort_all();
        while self.join_next().await.is_some() {}
    }
}

impl<T> Default for JoinSet<T> {
    fn default() -> Self {
        JoinSet::new()
    }
}

impl<T> Drop for JoinSet<T> {
    fn drop(&mut self) {
        self.abort_all();
    }
}

impl<T> fmt::Debug for JoinSet<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JoinSet").field("len", &self.len()).finish()
    }
}

/// The future of [`JoinSet::join_next`].
pub struct JoinNext<'a, T> {
    set: &'a mut JoinSet<T>,
}

impl<T> Future for JoinNext<'_, T> {
    type Output = Option<Result<T, JoinError>>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        if self.set.tasks.is_empty() {
            return Poll::Ready(None);
        }
        let tasks = &mut self.set.tasks;
        for i in 0..tasks.len() {
            if let Poll::Ready(result) = Pin::new(&mut tasks[i]).poll(cx) {
                tasks.swap_remove(i);
                return Poll::Ready(Some(result));
            }
        }
        Poll::Pending
    }
}
