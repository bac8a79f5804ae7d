//! State the facade keeps for the running execution only (lazy statics, raw allocations): kept
//! on the OS thread that runs the model's threads, and forgotten when another execution asks.

use std::cell::RefCell;
use std::thread::LocalKey;

use conc_check_engine::facade;

/// A value of type `T` that belongs to one execution.
pub(crate) struct PerExecution<T: Default> {
    generation: u32,
    value: T,
}

impl<T: Default> Default for PerExecution<T> {
    fn default() -> Self {
        PerExecution {
            generation: 0,
            value: T::default(),
        }
    }
}

/// Runs `f` on the running execution's value in `key`, first replacing a value left by an
/// earlier execution with a fresh one. The old value is forgotten, not dropped: dropping it
/// could run code of the old execution inside the new one.
///
/// `f` must not reach `key` again (the value is borrowed while it runs).
pub(crate) fn with<T: Default + 'static, R>(
    key: &'static LocalKey<RefCell<PerExecution<T>>>,
    f: impl FnOnce(&mut T) -> R,
) -> R {
    key.with(|cell| {
        let mut state = cell.borrow_mut();
        let generation = facade::execution_generation();
        if state.generation != generation {
            let old = std::mem::take(&mut state.value);
            std::mem::forget(old);
            state.generation = generation;
        }
        f(&mut state.value)
    })
}
