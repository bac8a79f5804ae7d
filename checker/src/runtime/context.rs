//! The thread-local link from shim calls to the execution that runs them.

use std::cell::{Cell, RefCell};

use super::execution::Execution;

thread_local! {
    /// The execution running on this OS thread, if any.
    static EXECUTION: Cell<*const RefCell<Execution>> = const { Cell::new(std::ptr::null()) };
    /// True while a model thread (coroutine) is running, false on the scheduler's own stack.
    static IN_MODEL_THREAD: Cell<bool> = const { Cell::new(false) };
}

/// Makes `execution` the current one for the lifetime of the guard.
pub(crate) struct Installed;

impl Installed {
    pub(crate) fn new(execution: &RefCell<Execution>) -> Installed {
        EXECUTION.with(|e| e.set(execution));
        Installed
    }
}

impl Drop for Installed {
    fn drop(&mut self) {
        EXECUTION.with(|e| e.set(std::ptr::null()));
        IN_MODEL_THREAD.with(|c| c.set(false));
    }
}

/// Marks whether code now runs inside a model thread.
pub(crate) fn set_in_model_thread(inside: bool) {
    IN_MODEL_THREAD.with(|c| c.set(inside));
}

/// True when the caller runs inside a model thread of an execution.
pub(crate) fn in_model_thread() -> bool {
    IN_MODEL_THREAD.with(Cell::get)
}

/// Runs `f` on the current execution. Panics (a bug in the shim, never in user code) when no
/// model thread is running.
pub(crate) fn with<R>(f: impl FnOnce(&mut Execution) -> R) -> R {
    let ptr = EXECUTION.with(Cell::get);
    assert!(
        !ptr.is_null(),
        "conc-check: model operation outside a model"
    );
    // SAFETY: the pointer is set by the explorer for the duration of the exploration, on this OS
    // thread only, and cleared before the execution is dropped.
    let cell = unsafe { &*ptr };
    f(&mut cell.borrow_mut())
}
