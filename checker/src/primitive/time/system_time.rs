//! `SystemTime`: std's on real threads; inside a model a fixed date plus the virtual clock.

use std::fmt;
use std::time::Duration;

use super::clock::virtual_now;
use crate::runtime::api;

/// Where a model's wall clock starts: 2024-01-01T00:00:00Z, the same in every execution.
const MODEL_START: Duration = Duration::from_secs(1_704_067_200);

/// A wall-clock time as a duration since the Unix epoch (inside a model: [`MODEL_START`] plus
/// the virtual clock; outside one: std's clock), as `std::time::SystemTime`.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SystemTime(Duration);

/// The Unix epoch.
pub const UNIX_EPOCH: SystemTime = SystemTime(Duration::ZERO);

/// The error of [`SystemTime::duration_since`] when the other time is later: how much later.
#[derive(Clone, Debug)]
pub struct SystemTimeError(Duration);

impl SystemTimeError {
    /// How much later the other time was.
    pub fn duration(&self) -> Duration {
        self.0
    }
}

impl fmt::Display for SystemTimeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("second time provided was later than self")
    }
}

impl std::error::Error for SystemTimeError {}

impl SystemTime {
    /// The Unix epoch.
    pub const UNIX_EPOCH: SystemTime = UNIX_EPOCH;

    /// The wall clock now. Inside a model a scheduling point.
    pub fn now() -> SystemTime {
        if api::in_model() {
            SystemTime(MODEL_START + virtual_now())
        } else {
            let since = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap_or_default();
            SystemTime(since)
        }
    }

    /// The time from `earlier` to this.
    ///
    /// # Errors
    /// [`SystemTimeError`] with the difference when `earlier` is later.
    pub fn duration_since(&self, earlier: SystemTime) -> Result<Duration, SystemTimeError> {
        self.0
            .checked_sub(earlier.0)
            .ok_or_else(|| SystemTimeError(earlier.0 - self.0))
    }

    /// The time since this one.
    ///
    /// # Errors
    /// [`SystemTimeError`] when this time is later than now.
    pub fn elapsed(&self) -> Result<Duration, SystemTimeError> {
        SystemTime::now().duration_since(*self)
    }

    /// This time plus `duration`, if representable.
    pub fn checked_add(&self, duration: Duration) -> Option<SystemTime> {
        self.0.checked_add(duration).map(SystemTime)
    }

    /// This time minus `duration`, if representable.
    pub fn checked_sub(&self, duration: Duration) -> Option<SystemTime> {
        self.0.checked_sub(duration).map(SystemTime)
    }
}

impl fmt::Debug for SystemTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SystemTime(UNIX_EPOCH + {:?})", self.0)
    }
}

duration_arithmetic!(SystemTime);
