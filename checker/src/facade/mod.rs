//! What a front end that is not std-shaped (the loom facade, `shim/loom`) needs from the engine
//! beyond [`crate::primitive`]: threads whose closures are not `Send`, the identity of the
//! running execution, and allocations checked for leaks.
//!
//! Everything here is for code running inside a model; outside one, the functions say so in
//! their return value (or panic, for spawning, which has no meaning there).

mod async_objects;

pub use async_objects::{AsyncLock, AsyncWaitable};

use std::any::Any;
use std::panic::Location;
use std::sync::Weak;

use crate::event::{Site, ThreadId, WaitFor};
use crate::primitive::thread::{Builder, JoinHandle, Thread};
use crate::runtime::api;

pub use crate::runtime::api::AllocationHandle;
pub use crate::runtime::atomics::{ReferenceCount, UnsyncLoad};

/// True when the caller runs inside a model thread.
pub fn in_model() -> bool {
    api::in_model()
}

/// A number that differs between any two executions of a process (0 outside a model): state
/// a front end keeps per execution is stale when it was made under another number.
pub fn execution_generation() -> u32 {
    if api::in_model() {
        api::generation()
    } else {
        0
    }
}

/// Whether the main thread of the running execution has returned from the test's closure.
pub fn main_thread_finished() -> bool {
    api::in_model() && api::is_finished(ThreadId::MAIN)
}

/// Says that the running model thread is about to poll the future it drives
/// (`conc_check::future`), whose waker is `waker` (a weak reference: its strong count, less the
/// driver's own, is how many hold the waker). A deadlock report then says where the future is
/// pending and whether anyone can still wake it. Nothing outside a model.
pub fn future_poll(waker: Weak<dyn Any + Send + Sync>) {
    if api::in_model() {
        api::future_poll(waker);
    }
}

/// Says that the running model thread's future is pending and the thread parks until its waker
/// is woken (`parked`), or that it has been woken (`!parked`). For an async task (`is_task`) this
/// also decides the end of an execution: a task whose handle was dropped ([`detach_task`]) and
/// that is left parked once the main thread has finished and no thread can run is still
/// pending, which is no deadlock (the execution ends there without a finding; its destructors
/// do not run); a task blocked inside a poll, or one whose handle is held, still is. Nothing
/// outside a model.
pub fn future_parked(parked: bool, is_task: bool) {
    if api::in_model() {
        api::future_parked(parked, is_task);
    }
}

/// Says that the running model thread no longer drives a future. Nothing outside a model.
pub fn future_finished() {
    if api::in_model() {
        api::future_finished();
    }
}

/// Says that the waker of the future `owner` drives is being cloned. When `owner` is the running
/// thread, polling that future, the first clone in a poll records the stack: where the future
/// registers its waker, which a deadlock report names as where it is pending. Nothing outside a
/// model or for a thread of another execution.
pub fn waker_cloned(owner: &Thread) {
    if let Some(id) = owner.model_thread() {
        api::waker_cloned(id);
    }
}

/// Says that the future the running model thread polls awaits the `JoinHandle` of the task
/// running on `task`. Nothing outside a model or for a thread of another execution.
pub fn awaits_task(task: &Thread) {
    if let Some(id) = task.model_thread() {
        api::future_waits(WaitFor::Join(id), None);
    }
}

/// Where a `select!` branch's future is pending: the stack of its first waker clone in its last
/// poll, kept unresolved (see [`branch_poll_end`]).
#[derive(Clone, Debug)]
pub struct PendingAt(Vec<usize>);

/// Says that a `select!` starts polling one of its branches on the running model thread: the
/// first waker clone until [`branch_poll_end`] records where the branch is pending. Nothing
/// outside a model.
pub fn branch_poll_begin() {
    if api::in_model() {
        api::branch_poll(true);
    }
}

/// Ends the window [`branch_poll_begin`] opened, with where the branch first cloned a waker in
/// it, if it did (and inside a model).
pub fn branch_poll_end() -> Option<PendingAt> {
    if api::in_model() {
        api::branch_poll(false).map(PendingAt)
    } else {
        None
    }
}

/// Says that `by` (a `select!`, a `timeout`: the name a report gives it) at `site` dropped a
/// future that was pending at `pending_at`: a cancellation, which a finding later in the
/// execution names. Nothing outside a model.
pub fn cancelled(by: &'static str, site: Site, pending_at: PendingAt) {
    if api::in_model() {
        api::cancelled(by, site, pending_at.0);
    }
}

/// Parks the running thread as `thread::park` does, and says whether the park ended
/// spuriously: inside a model a choice it makes only with spurious wakeups on (a future's driver
/// then polls without a wake, as executors may); outside a model std's park, and `false`.
#[track_caller]
pub fn park_noting_spurious() -> bool {
    if api::in_model() {
        api::park(false, Location::caller()) == crate::event::WakeReason::Spurious
    } else {
        std::thread::park();
        false
    }
}

/// Says that the task running on `thread` was detached: its handle was dropped. Nothing outside
/// a model or for a thread of another execution.
pub fn detach_task(thread: &Thread) {
    if let Some(id) = thread.model_thread() {
        api::detach_task(id);
    }
}

/// The running execution's first thread (the one that runs the test's closure).
///
/// # Panics
/// Outside a model.
pub fn main_thread() -> Thread {
    assert!(
        api::in_model(),
        "conc-check: there is no model thread outside a model"
    );
    Thread::model(ThreadId::MAIN)
}

/// The stack a model thread gets when nobody asks for a size (what a std thread would get).
pub fn default_stack_size() -> usize {
    crate::runtime::default_stack_size()
}

/// Starts a model thread running `f`, configured by `builder` (its name and stack size).
/// Unlike `std::thread::spawn`, `f` and its result need not be `Send`: model threads take turns
/// on one OS thread (loom's `spawn` has this signature).
///
/// # Panics
/// Outside a model, where there is no model thread to start.
#[track_caller]
pub fn spawn_model_thread<F, T>(builder: Builder, f: F) -> JoinHandle<T>
where
    F: FnOnce() -> T + 'static,
    T: 'static,
{
    assert!(
        api::in_model(),
        "conc-check: a model thread can only be spawned inside a model (`loom::model`, \
         `Builder::check`)"
    );
    builder.spawn_in_model(f, Location::caller())
}

/// Explores the scheduling choices from here on again (loom's `explore`), after
/// [`stop_exploring`]. Outside a model, nothing happens.
pub fn explore() {
    if api::in_model() {
        api::set_exploring(true);
    }
}

/// Stops exploring scheduling choices (loom's `stop_exploring`): until [`explore`], the
/// execution takes the default choice everywhere (the running thread goes on; a load reads the
/// latest store) and offers none to the strategy. Outside a model, nothing happens.
pub fn stop_exploring() {
    if api::in_model() {
        api::set_exploring(false);
    }
}

/// Stops exploring scheduling choices for the rest of the execution, for good (loom's
/// `skip_branch`). Outside a model, nothing happens.
pub fn skip_branch() {
    if api::in_model() {
        api::skip_branch();
    }
}

/// A choice among `0..n` that the strategy makes, like a thread switch (each option is
/// explored): for behaviour the front end leaves open, e.g. a spurious wakeup.
///
/// # Panics
/// Outside a model, or when `n` is 0.
pub fn choose(n: u32) -> u32 {
    assert!(
        api::in_model(),
        "conc-check: a choice can only be made inside a model"
    );
    assert!(n > 0, "conc-check: a choice needs at least one option");
    api::choose(n)
}

/// Records an allocation (`what`, e.g. "Arc") made at `site` that the execution must release
/// ([`release_allocation`]) before it ends; one still alive when every thread has finished is a
/// `leak` finding. `None` outside a model, where nothing is tracked.
pub fn track_allocation(what: &'static str, site: Site) -> Option<AllocationHandle> {
    api::in_model().then(|| api::track_allocation(what, site))
}

/// Records that a tracked allocation was released. A handle of another execution is ignored.
pub fn release_allocation(handle: AllocationHandle) {
    api::release_allocation(handle);
}
