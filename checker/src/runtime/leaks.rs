//! The end of a clean execution: what was allocated through a front end that tracks
//! allocations (the loom facade's `Arc`, `alloc::Track`) and never released is a `leak`
//! ([`crate::detector::leak`] words it).

use super::execution::{Execution, ThreadState};
use crate::report::Finding;

/// The `leak` finding of an execution whose threads all finished while tracked allocations
/// were still alive; `None` if nothing leaked or some thread did not finish (an execution cut
/// short leaves things alive without leaking them).
pub(crate) fn leak_finding(e: &Execution) -> Option<Finding> {
    if e.allocations.iter().all(Option::is_none) {
        // Nothing tracked is alive (most programs track nothing).
        return None;
    }
    if !e
        .threads
        .iter()
        .all(|t| matches!(t.state, ThreadState::Finished))
    {
        return None;
    }
    let alive: Vec<_> = e.allocations.iter().flatten().collect();
    crate::detector::leak::leak_finding(&alive, &e.names())
}
