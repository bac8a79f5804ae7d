//! `Instant`: std's on real threads, the virtual clock's inside a model.

use std::fmt;
use std::ops::Sub;
use std::time::Duration;

use super::clock::virtual_now;
use crate::runtime::api;

/// A measurement of a monotonic clock, as `std::time::Instant`: inside a model one of the
/// execution's virtual clock (see [`super`]), outside one std's.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Instant(Reading);

/// Where an instant was read. Virtual readings order before real ones (the two never meet in
/// one test: a model reads only the virtual clock).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
enum Reading {
    Virtual(Duration),
    Real(std::time::Instant),
}

impl Instant {
    /// The clock now. Inside a model a scheduling point.
    pub fn now() -> Instant {
        if api::in_model() {
            Instant(Reading::Virtual(virtual_now()))
        } else {
            Instant(Reading::Real(std::time::Instant::now()))
        }
    }

    /// The time from `earlier` to this, or `None` if `earlier` is later.
    pub fn checked_duration_since(&self, earlier: Instant) -> Option<Duration> {
        match (self.0, earlier.0) {
            (Reading::Virtual(a), Reading::Virtual(b)) => a.checked_sub(b),
            (Reading::Real(a), Reading::Real(b)) => a.checked_duration_since(b),
            _ => None,
        }
    }

    /// The time from `earlier` to this, zero if `earlier` is later.
    pub fn duration_since(&self, earlier: Instant) -> Duration {
        self.checked_duration_since(earlier).unwrap_or_default()
    }

    /// The time from `earlier` to this, zero if `earlier` is later.
    pub fn saturating_duration_since(&self, earlier: Instant) -> Duration {
        self.duration_since(earlier)
    }

    /// The time since this instant.
    pub fn elapsed(&self) -> Duration {
        Instant::now().duration_since(*self)
    }

    /// This instant plus `duration`, if representable.
    pub fn checked_add(&self, duration: Duration) -> Option<Instant> {
        Some(Instant(match self.0 {
            Reading::Virtual(t) => Reading::Virtual(t.checked_add(duration)?),
            Reading::Real(t) => Reading::Real(t.checked_add(duration)?),
        }))
    }

    /// This instant minus `duration`, if representable.
    pub fn checked_sub(&self, duration: Duration) -> Option<Instant> {
        Some(Instant(match self.0 {
            Reading::Virtual(t) => Reading::Virtual(t.checked_sub(duration)?),
            Reading::Real(t) => Reading::Real(t.checked_sub(duration)?),
        }))
    }

    /// The time since the model execution started, for a virtual instant.
    pub fn since_model_start(&self) -> Option<Duration> {
        match self.0 {
            Reading::Virtual(t) => Some(t),
            Reading::Real(_) => None,
        }
    }
}

impl fmt::Debug for Instant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Reading::Virtual(t) => write!(f, "Instant(model start + {t:?})"),
            Reading::Real(t) => fmt::Debug::fmt(&t, f),
        }
    }
}

duration_arithmetic!(Instant);

impl Sub<Instant> for Instant {
    type Output = Duration;

    fn sub(self, earlier: Instant) -> Duration {
        self.duration_since(earlier)
    }
}
