//! Where a worker process (`runtime::parallel`) sends a report it must deliver at once: the
//! emergency exit of a panic while unwinding (`runtime::panic_hook`) ends the process, and in a
//! worker the report belongs to the parent, which merges it, not to the report directory.

use std::sync::OnceLock;

use crate::report::Report;

/// Delivers a report to the parent.
type Deliver = Box<dyn Fn(&Report) + Send + Sync>;

static OUTLET: OnceLock<Deliver> = OnceLock::new();

/// Makes this process a worker whose reports `deliver` takes to the parent (once per process:
/// a worker is forked once).
pub(crate) fn set(deliver: Deliver) {
    let _ = OUTLET.set(deliver);
}

/// Delivers `report` to the parent if this process is a worker; whether it is.
pub(crate) fn deliver(report: &Report) -> bool {
    match OUTLET.get() {
        Some(deliver) => {
            deliver(report);
            true
        }
        None => false,
    }
}
