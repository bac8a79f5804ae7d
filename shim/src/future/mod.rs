//! Async code on conc-check's threads: [`block_on`], [`spawn`] and [`yield_now`].
//!
//! Each spawned task runs on a thread of its own (a [`crate::thread`] thread), driven by the
//! same loop as [`block_on`]: poll, and park until the task's waker is woken. Inside a model
//! those are model threads, so the scheduler picks which ready task or thread runs next, every
//! poll is a step of it, a wake is an `unpark` ordered before the park it ends, and every
//! detector sees tasks as the threads they run on; a task that waits for a wake nobody will
//! send is parked forever, which the model reports as a deadlock. In a normal build the same
//! code runs on std threads, a small executor with one thread per task.
//!
//! A detached task (its handle dropped) still waiting for a wake between polls when the main
//! thread has finished and nothing else can run is not a finding (the execution ends there,
//! without running its destructors); one blocked inside a poll, or whose handle is held, is. A
//! task
//! is named after its spawn site (`task spawned at <file:line:column>`), which is how reports
//! name it.
//!
//! Inside a model a deadlock report names, for every thread parked on a future, the `.await`
//! it is pending at (the line of the user's code where its last poll registered its waker), the
//! task whose handle it awaits, and whether anyone still holds its waker (nobody: a lost
//! wakeup).
//!
//! Not yet: cancellation is only [`JoinHandle::abort`] (the task is dropped where it is
//! pending).

mod block_on;
mod task;
mod timer;
mod waker;
mod yield_now;

pub use block_on::block_on;
pub use task::{spawn, AbortHandle, JoinError, JoinHandle};
pub use timer::wake_by;
pub use yield_now::{yield_now, YieldNow};
