//! Time: std's `Instant` and `SystemTime` on real threads, and a virtual clock inside a model.
//!
//! Inside a model the clock starts at zero in every execution and moves only when a model
//! thread's time passes: a `thread::sleep` ends, a timed wait (`park_timeout`) times out, an
//! async timer fires. Reading it and moving it are operations on one atomic of the execution
//! (a scheduling point each), so every strategy sees which reads a sleep can change, and a test
//! reads the same times under the same schedule: replays agree, and a test that measures time
//! does not make exploration diverge.

mod clock;
mod instant;
mod system_time;

pub use clock::{advance_clock_to, virtual_now};
pub use instant::Instant;
pub use system_time::{SystemTime, SystemTimeError, UNIX_EPOCH};
