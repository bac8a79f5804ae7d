//! Time that a model controls: `std::time`'s `Instant` and `SystemTime` in a normal build.
//!
//! Under `cargo conc-check` (or the `model` feature), inside a model the clock is virtual: it
//! starts at zero in every execution (`SystemTime` at 2024-01-01T00:00:00Z) and moves only when
//! a model thread's time passes (a `thread::sleep` ends, a `park_timeout` times out, an async
//! timer fires), so a test that measures time reads the same values under the same schedule,
//! and a `while start.elapsed() < limit` loop ends after virtual sleeps. Outside a model these
//! are std's clocks.
//!
//! ```
//! use conc_check::time::Instant;
//! use std::time::Duration;
//!
//! conc_check::model(|| {
//!     let start = Instant::now();
//!     conc_check::thread::sleep(Duration::from_millis(5));
//!     assert!(start.elapsed() >= Duration::from_millis(5));
//! });
//! ```

pub use std::time::Duration;

#[cfg(not(any(conc_check, feature = "model")))]
pub use std::time::{Instant, SystemTime, SystemTimeError, UNIX_EPOCH};

#[cfg(any(conc_check, feature = "model"))]
pub use conc_check_engine::primitive::time::{Instant, SystemTime, SystemTimeError, UNIX_EPOCH};
