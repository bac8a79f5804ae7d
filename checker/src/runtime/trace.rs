//! The failing execution's last steps, in words, for the report.

use crate::detector::ThreadNames;
use crate::event::{Event, Op};
use crate::report::TraceStep;

/// How many steps a report shows.
const SHOWN: usize = 24;

/// The last steps of `trace`, described in the user's terms.
pub(crate) fn describe(trace: &[Event], names: &dyn ThreadNames) -> Vec<TraceStep> {
    let objects = crate::describe::ExecutionObjects::new(trace);
    let steps: Vec<&Event> = trace
        .iter()
        .filter(|e| !matches!(e.op, Op::Create { .. } | Op::Exit))
        .collect();
    let skip = steps.len().saturating_sub(SHOWN);
    steps[skip..]
        .iter()
        .map(|e| TraceStep {
            thread: names.label(e.thread),
            action: crate::describe::action(e, &|o| objects.medium(o), names),
            site: format!("{}:{}:{}", e.site.file(), e.site.line(), e.site.column()),
        })
        .collect()
}
