//! Timers over conc-check's executor: a future that must be polled again by a deadline says so
//! with [`wake_by`], and the driver parks with a timeout instead of for good.

use std::task::Context;

use crate::time::Instant;

/// Asks the driver polling the current future (`block_on` or a task, through `cx`) to poll it
/// again by `deadline` even if nothing wakes it: how a timer future (a sleep, a timeout) is
/// written over conc-check's executor. Inside a model time is virtual (see [`crate::time`]): the
/// wake at the deadline is a choice of the scheduler, possible at any point, and moves the clock
/// to the deadline; outside one the driver parks with a real timeout. Only the current poll's
/// earliest deadline counts; a future polled by another executor is not woken by it.
pub fn wake_by(cx: &Context<'_>, deadline: Instant) {
    super::waker::wake_by(cx.waker(), deadline);
}
