//! The model runtime: model threads as coroutines on one OS thread, switched at every shim
//! operation by the strategy.
//!
//! - [`api`] is what the shim calls from inside model threads.
//! - `execution` holds the state of one execution (threads, lock states, decisions).
//! - `explorer` runs executions one after another and builds the [`crate::Report`].
//! - `worker` runs the explorer on an OS thread of its own and watches it; `trap` ends a model
//!   thread that is stuck outside the shim or overflows its stack, `stuck` explains it, and
//!   `beacon` is what the three share.
//! - `record` is what a schedule remembers of its execution, to catch a replay that diverges.

pub mod api;
mod beacon;
mod context;
mod coroutine;
mod execution;
mod explorer;
mod fairness;
mod panic_hook;
mod record;
mod slot;
mod step_limit;
mod stuck;
mod trace;
mod trap;
mod worker;

pub use explorer::{explore, replay, TestFn};
pub use slot::ObjectSlot;
pub use worker::GRACE;
