//! The virtual clock of a model execution.

use std::time::Duration;

use crate::primitive::sync::atomic::{AtomicU64, Ordering};

std::thread_local! {
    /// Nanoseconds since the execution started. One per OS thread, as a model runs all its
    /// threads on the OS thread that explores it (a process-wide static would be shared by
    /// models that libtest runs side by side); its model identity is registered again, from
    /// zero, in every execution.
    static CLOCK: AtomicU64 = const { AtomicU64::new(0) };
}

/// The time since the running execution started, inside a model: a scheduling point.
///
/// The clock's accesses are relaxed: time passing orders nothing, so two threads that sleep do
/// not synchronise through the clock (a race between them stays a race), and a thread may read
/// a time another thread has already moved past (never one older than it read before).
pub fn virtual_now() -> Duration {
    Duration::from_nanos(CLOCK.with(|clock| clock.load(Ordering::Relaxed)))
}

/// Moves the running execution's clock to `time` if it is behind it (it never goes back).
pub fn advance_clock_to(time: Duration) {
    let nanos = u64::try_from(time.as_nanos()).unwrap_or(u64::MAX);
    CLOCK.with(|clock| clock.fetch_max(nanos, Ordering::Relaxed));
}
