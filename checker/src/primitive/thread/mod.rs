//! The instrumented `thread` API, with std's: model threads inside a model, std threads outside.

mod current;
mod local;
mod scope;
mod spawn;

pub use current::{
    available_parallelism, current, panicking, park, park_timeout, sleep, yield_now, Thread,
    ThreadId,
};
pub use local::LocalKey;
pub use scope::{scope, Scope, ScopedJoinHandle};
pub use spawn::{spawn, Builder, JoinHandle};
pub use std::thread::{AccessError, Result};
