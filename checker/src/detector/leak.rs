//! `leak`: allocations a front end tracked (the loom facade's `Arc`, `alloc::Track`) that were
//! still alive when every thread had finished, named by where and by whom they were made.

use crate::event::{Site, ThreadId};
use crate::report::{Finding, FindingKind, SiteRole};

use super::Scene;

/// A tracked allocation that is still alive: what it is, where it was made and by whom.
#[derive(Clone, Copy, Debug)]
pub struct Allocation {
    /// What was allocated, e.g. "Arc".
    pub what: &'static str,
    /// Where.
    pub site: Site,
    /// By which thread.
    pub thread: ThreadId,
}

/// The `leak` finding for the allocations in `alive`, or `None` if there are none.
pub(crate) fn leak_finding(alive: &[&Allocation], names: &dyn Scene) -> Option<Finding> {
    let first = alive.first()?;
    let made = |a: &Allocation| {
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
