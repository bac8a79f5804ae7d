//! Findings for panics in model threads.

use crate::event::{Site, ThreadId};
use crate::report::{Finding, FindingKind, SiteRole, SourceRef};

use super::Scene;

/// What the panic hook captured.
#[derive(Clone, Debug)]
pub struct PanicRecord {
    /// The panic message.
    pub message: String,
    /// Where `panic!` (or the failing assertion) was.
    pub location: Option<SourceRef>,
}

/// The finding for a panic that escaped a model thread.
pub fn panic_finding(thread: ThreadId, record: &PanicRecord, names: &dyn Scene) -> Finding {
    let who = names.label(thread);
    let mut finding = Finding::new(
        FindingKind::Panic,
        format!("{who} panicked: {}", record.message),
    );
    if let Some(location) = &record.location {
        let mut at = location.clone().by(thread.0);
        at.label = format!("{who} panicked here");
        finding.notes.push(format!("at {at}"));
        finding.sites.push(at);
    }
    finding
}

/// The finding for a panic of `thread`, which last joined `joined` (a thread that had panicked,
/// with its panic). When the panic is the unwrap of that join's `Err`, the finding leads with
/// the panic that started it all.
pub fn joined_panic_finding(
    thread: ThreadId,
    record: &PanicRecord,
    joined: Option<&(ThreadId, PanicRecord)>,
    names: &dyn Scene,
) -> Finding {
    let Some((origin, first)) = joined.filter(|_| unwraps_a_join(record)) else {
        return panic_finding(thread, record, names);
    };
    let mut finding = panic_finding(*origin, first, names);
    let who = names.label(thread);
    let mut note = format!(
        "{who} joined {} and unwrapped the `Err` it got, panicking in turn",
        names.label(*origin)
    );
    if let Some(location) = &record.location {
        note.push_str(&format!(" at {location}"));
        let mut at = location.clone();
        at.label = format!("{who} unwraps the failed join here");
        finding.sites.push(at);
    }
    finding.notes.push(note);
    finding
}

/// Whether a panic message is that of `unwrap`/`expect` on a join's `Err(Box<dyn Any>)`.
fn unwraps_a_join(record: &PanicRecord) -> bool {
    record.message.contains("Any { .. }")
}

/// The finding for a panic raised while the thread was already unwinding from one, which
/// aborts the process under std.
pub fn double_panic_finding(
    thread: ThreadId,
    first: &PanicRecord,
    second: &PanicRecord,
    names: &dyn Scene,
) -> Finding {
    let mut finding = panic_finding(thread, first, names);
    finding
        .notes
        .insert(0, format!("the first panic: {}", first.message));
    finding.message = format!(
        "{} panicked while unwinding from an earlier panic: {} (std aborts the process here)",
        names.label(thread),
        second.message
    );
    if let Some(location) = &second.location {
        let mut at = location.clone().by(thread.0);
        at.label = "second panic, during unwinding".into();
        finding.notes.push(format!("second panic at {at}"));
        finding.sites.push(at);
    }
    finding
}

/// A note for a panicking `thread` that had to block while unwinding (a `Drop` that locks).
pub fn blocked_while_unwinding(finding: &mut Finding, thread: ThreadId, site: Site, what: &str) {
    finding
        .notes
        .push(format!("while unwinding, it blocked waiting for {what}"));
    finding
        .sites
        .push(SourceRef::at(site, SiteRole::Wait, "blocks here while unwinding").by(thread.0));
}
