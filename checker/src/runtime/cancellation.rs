//! Futures a `select!` or a `timeout` dropped while they were pending: the cancellations of an execution, so
//! that a finding that follows can name the `.await` where each was cut off.
//!
//! The facade's `select!` polls each branch inside a capture window: the first clone of a
//! waker in the window records the stack, whose innermost user frame is the `.await` the
//! branch's future is pending at. When a branch loses, its last such stack is recorded here
//! with the `select!`'s line. Only a few recent distinct cancellations are kept; they are
//! resolved to source lines only when a finding is reported.

use super::frames::{resolve, Frame};
use crate::detector::Scene;
use crate::event::{Site, ThreadId};
use crate::report::{Finding, SiteRole, SourceRef};

/// Distinct cancellations kept per execution (the most recent ones).
const KEPT: usize = 3;

/// One future dropped while pending.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Cancelled {
    /// The thread whose `select!` or `timeout` dropped it.
    thread: ThreadId,
    /// What dropped it: `select!`, `timeout`.
    by: &'static str,
    /// Where.
    select: Site,
    /// Where it registered its waker in its last poll (return addresses).
    pending_at: Vec<usize>,
}

/// The cancellations of the running execution.
#[derive(Default, Debug)]
pub(crate) struct Cancellations {
    recent: Vec<Cancelled>,
}

impl Cancellations {
    /// Forgets every cancellation (a new execution).
    pub(crate) fn clear(&mut self) {
        self.recent.clear();
    }

    /// `by` (a `select!`, a `timeout`) at `select` dropped a future that was pending where
    /// `pending_at` says.
    pub(crate) fn record(
        &mut self,
        thread: ThreadId,
        by: &'static str,
        select: Site,
        pending_at: Vec<usize>,
    ) {
        let cancelled = Cancelled {
            thread,
            by,
            select,
            pending_at,
        };
        self.recent.retain(|c| *c != cancelled);
        self.recent.push(cancelled);
        if self.recent.len() > KEPT {
            self.recent.remove(0);
        }
    }

    /// Adds to `finding` a note and a site for each cancellation, oldest first.
    pub(crate) fn explain(&self, finding: &mut Finding, names: &dyn Scene) {
        for cancelled in &self.recent {
            let Some(frame) = resolve(&cancelled.pending_at)
                .into_iter()
                .find(Frame::is_user)
            else {
                continue;
            };
            let (Some(file), Some(line)) = (frame.file.clone(), frame.line) else {
                continue;
            };
            let column = frame.column.unwrap_or(1);
            finding.notes.push(format!(
                "before this, the `{}` at {}:{}:{}, run by {}, dropped a future that was \
                 pending at {file}:{line}:{column} (in `{}`): it was cancelled at that `.await`",
                cancelled.by,
                cancelled.select.file(),
                cancelled.select.line(),
                cancelled.select.column(),
                names.label(cancelled.thread),
                frame.function_without_closures(),
            ));
            finding.sites.push(SourceRef {
                file,
                line,
                column,
                role: SiteRole::Other,
                thread: Some(cancelled.thread.0),
                label: "a future was cancelled while pending here".to_string(),
            });
        }
    }
}
