//! The model runtime: model threads as coroutines on one OS thread, switched at every shim
//! operation by the strategy.
//!
//! - [`api`] is what the shim calls from inside model threads; [`atomics`] is its part for
//!   atomic accesses, against the execution's memory.
//! - `execution` holds the state of one execution (threads, lock states, decisions).
//! - `entry` starts an exploration or a replay; `explorer` runs executions one after another
//!   and builds the [`crate::Report`], `finish` writes up the execution that found something.
//! - `worker` runs the explorer on an OS thread of its own and watches it; `trap` ends a model
//!   thread that is stuck outside the shim or overflows its stack, `stuck` explains it, and
//!   `beacon` is what the three share.
//! - `record` is what a schedule remembers of its execution, to catch a replay that diverges.
//! - `lasso` replays a round of steps that brought the shared state back, to confirm a
//!   livelock or starvation (`detector::lasso`).

pub mod api;
pub mod atomics;
mod beacon;
pub(crate) mod body;
mod cancellation;
mod context;
mod coroutine;
mod entry;
mod execution;
mod explorer;
mod fairness;
mod finish;
mod frames;
mod gate;
mod lasso;
mod leaks;
mod os_thread;
mod outlet;
mod panic_hook;
mod parallel;
mod pending_future;
mod record;
mod shrink;
mod slot;
mod space_estimate;
mod spin;
mod step_limit;
mod stuck;
mod trace;
mod trap;
mod worker;

pub(crate) use coroutine::default_stack_size;
pub use entry::{explore, replay};
pub use explorer::TestFn;
pub use slot::ObjectSlot;
