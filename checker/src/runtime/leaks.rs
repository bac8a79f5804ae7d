//! The end of a clean execution: what was allocated through a front end that tracks
//! allocations (the loom facade's `Arc`, `alloc::Track`) and never released is a `leak`.

use super::execution::{Execution, ThreadState};
use crate::detector::ThreadNames;
use crate::report::{Finding, FindingKind, SiteRole};

/// The `leak` finding of an execution whose threads all finished while tracked allocations
/// were still alive; `None` if nothing leaked or some thread did not finish (an execution cut
/// short leaves things alive without leaking them).
pub(crate) fn leak_finding(e: &Execution) -> Option<Finding> {
    if !e
        .threads
        .iter()
        .all(|t| matches!(t.state, ThreadState::Finished))
    {
        return None;
    }
    let alive: Vec<_> = e.allocations.iter().flatten().collect();
    let first = alive.first()?;
    let names = e.names();
    let made = |a: &super::execution::TrackedAllocation| {
        format!(
            "the {} {} created at {}:{}",
            a.what,
            names.label(a.thread),
            a.site.file(),
            a.site.line()
        )
    };
    let message = match alive.len() {
        1 => format!(
            "leak: {} is still alive after every thread finished (its last reference was \
             never dropped)",
            made(first)
        ),
        n => format!(
            "leak: {n} allocations are still alive after every thread finished, first {}",
            made(first)
        ),
    };
    let mut finding = Finding::new(FindingKind::Leak, message).note(
        "an `Arc` cycle, a `mem::forget`, or a value moved into a thread or a static that is \
         never dropped keeps an allocation alive; every allocation the model tracks must be \
         released by the end of the execution",
    );
    for a in alive.iter().take(8) {
        finding = finding.site_by(
            a.thread.0,
            a.site,
            SiteRole::Created,
            format!("{} created here, never released", a.what),
        );
    }
    Some(finding)
}
