//! Timers over conc-check's executor: a future that must be polled again by a deadline says so
//! with [`wake_by`], and the driver parks with a timeout instead of for good.

use std::cell::Cell;

use crate::time::Instant;

crate::thread_local! {
    /// The earliest deadline the current poll of this thread's future asked for.
    static ARMED: Cell<Option<Instant>> = const { Cell::new(None) };
}

/// Asks the driver polling the current future (`block_on` or a task) to poll it again by
/// `deadline` even if nothing wakes it: how a timer future (a sleep, a timeout) is written over
/// conc-check's executor. Inside a model time is virtual (see [`crate::time`]): the wake at the
/// deadline is a choice of the scheduler, possible at any point, and moves the clock to the
/// deadline; outside one the driver parks with a real timeout. Only the current poll's earliest
/// deadline counts; a future polled by another executor is not woken by it.
pub fn wake_by(deadline: Instant) {
    ARMED.with(|armed| {
        let earliest = match armed.get() {
            Some(earlier) if earlier <= deadline => earlier,
            _ => deadline,
        };
        armed.set(Some(earliest));
    });
}

/// Takes the deadline the last poll asked for (and clears it for the next).
pub(super) fn take_armed() -> Option<Instant> {
    ARMED.with(Cell::take)
}
