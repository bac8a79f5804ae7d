//! Time: std's `Instant` and `SystemTime` on real threads, and a virtual clock inside a model.
//!
//! Inside a model the clock starts at zero in every execution and moves only when a model
//! thread's time passes: a `thread::sleep` ends, a timed wait (`park_timeout`) times out, an
//! async timer fires. Reading it and moving it are operations on one atomic of the execution
//! (a scheduling point each), so every strategy sees which reads a sleep can change, and a test
//! reads the same times under the same schedule: replays agree, and a test that measures time
//! does not make exploration diverge.

/// `+`, `+=`, `-` and `-=` with a `Duration` for a time type `$t` with `checked_add` and
/// `checked_sub`, panicking on overflow with std's messages.
macro_rules! duration_arithmetic {
    ($t:ident) => {
        impl std::ops::Add<std::time::Duration> for $t {
            type Output = $t;

            /// # Panics
            /// On overflow, as std's.
            fn add(self, duration: std::time::Duration) -> $t {
                self.checked_add(duration)
                    .expect("overflow when adding duration to instant")
            }
        }

        impl std::ops::AddAssign<std::time::Duration> for $t {
            fn add_assign(&mut self, duration: std::time::Duration) {
                *self = *self + duration;
            }
        }

        impl std::ops::Sub<std::time::Duration> for $t {
            type Output = $t;

            /// # Panics
            /// On overflow, as std's.
            fn sub(self, duration: std::time::Duration) -> $t {
                self.checked_sub(duration)
                    .expect("overflow when subtracting duration from instant")
            }
        }

        impl std::ops::SubAssign<std::time::Duration> for $t {
            fn sub_assign(&mut self, duration: std::time::Duration) {
                *self = *self - duration;
            }
        }
    };
}

mod clock;
mod instant;
mod system_time;

pub use clock::{advance_clock_to, virtual_now};
pub use instant::Instant;
pub use system_time::{SystemTime, SystemTimeError, UNIX_EPOCH};
