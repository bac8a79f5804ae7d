//! What a model thread runs, without an allocation of its own where the runtime can avoid one.
//!
//! A spawned thread's closure and its result slot live in one shared cell ([`Spawned`]): the
//! thread runs the closure out of it and leaves the result there for its join handle. The main
//! thread runs the test's own shared closure. Only other bodies are boxed. Every execution of a
//! sampling run spawns its threads again, and two allocations per spawn were a measurable part
//! of an execution's work.

use std::sync::{Arc, Mutex};

/// The test body: run once per execution.
pub type TestFn = Arc<dyn Fn() + Send + Sync + 'static>;

/// The code of a model thread.
pub(crate) enum Body {
    /// A closure of its own.
    Boxed(Box<dyn FnOnce() + 'static>),
    /// The test's closure: the main thread of every execution runs it.
    Test(TestFn),
    /// A spawned closure that leaves its result for the join handle ([`Spawned`]).
    Spawned(Arc<dyn RunOnce + 'static>),
}

impl Body {
    /// Runs the body to its end.
    pub(crate) fn run(self) {
        match self {
            Body::Boxed(f) => f(),
            Body::Test(f) => f(),
            Body::Spawned(cell) => cell.run_once(),
        }
    }
}

/// Shared code that runs at most once.
pub(crate) trait RunOnce {
    /// Runs the code; does nothing if it already ran.
    fn run_once(&self);
}

/// Takes a finished thread's result, for its join handle.
pub(crate) trait TakeResult<T> {
    /// The result, if the closure returned and nobody took the result yet.
    fn take_result(&self) -> Option<T>;
}

/// A spawned thread's closure `F`, then its result `T`.
pub(crate) struct Spawned<F, T> {
    stage: Mutex<Stage<F, T>>,
}

/// Where a [`Spawned`] is in its life.
enum Stage<F, T> {
    /// Not started: the closure.
    Ready(F),
    /// Running, panicked, or its result taken.
    Empty,
    /// Returned: its result, until the join handle takes it.
    Done(T),
}

impl<F, T> Spawned<F, T> {
    /// A cell that will run `f`.
    pub(crate) fn new(f: F) -> Self {
        Spawned {
            stage: Mutex::new(Stage::Ready(f)),
        }
    }

    /// The stage, even if a panic poisoned the lock (the stage is always whole).
    fn stage(&self) -> std::sync::MutexGuard<'_, Stage<F, T>> {
        self.stage.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl<F: FnOnce() -> T, T> RunOnce for Spawned<F, T> {
    fn run_once(&self) {
        let stage = std::mem::replace(&mut *self.stage(), Stage::Empty);
        let Stage::Ready(f) = stage else {
            *self.stage() = stage;
            return;
        };
        // The lock is not held while the closure runs: it may block, and other model threads
        // run meanwhile.
        let value = f();
        *self.stage() = Stage::Done(value);
    }
}

impl<F, T> TakeResult<T> for Spawned<F, T> {
    fn take_result(&self) -> Option<T> {
        let mut stage = self.stage();
        match std::mem::replace(&mut *stage, Stage::Empty) {
            Stage::Done(value) => Some(value),
            other => {
                *stage = other;
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_spawned_cell_runs_its_closure_once_and_hands_the_result_over_once() {
        let runs = std::cell::Cell::new(0);
        let cell = Spawned::new(|| {
            runs.set(runs.get() + 1);
            7
        });
        assert_eq!(cell.take_result(), None, "no result before it ran");
        cell.run_once();
        cell.run_once();
        assert_eq!(runs.get(), 1);
        assert_eq!(cell.take_result(), Some(7));
        assert_eq!(cell.take_result(), None, "the result is taken once");
    }

    #[test]
    fn a_closure_that_panics_leaves_no_result() {
        let cell = Spawned::new(|| -> u32 { panic!("boom") });
        let ran = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| cell.run_once()));
        assert!(ran.is_err());
        assert_eq!(cell.take_result(), None);
    }
}
