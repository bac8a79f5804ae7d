//! The model runtime: model threads as coroutines on one OS thread, switched at every shim
//! operation by the strategy.
//!
//! - [`api`] is what the shim calls from inside model threads.
//! - `execution` holds the state of one execution (threads, lock states, decisions).
//! - `explorer` runs executions one after another and builds the [`crate::Report`].

pub mod api;
mod context;
mod coroutine;
mod execution;
mod explorer;
mod fairness;
mod panic_hook;
mod slot;
mod step_limit;
mod trace;

pub use explorer::{explore, replay};
pub use slot::ObjectSlot;
