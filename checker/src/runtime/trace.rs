//! The failing execution's last steps, in words, for the report.

use crate::detector::ThreadNames;
use crate::event::{Event, LockMode, ObjectKind, Op, WaitFor};
use crate::report::TraceStep;

/// How many steps a report shows.
const SHOWN: usize = 24;

/// The last steps of `trace`, described in the user's terms.
pub(crate) fn describe(
    trace: &[Event],
    kinds: &[ObjectKind],
    names: &dyn ThreadNames,
) -> Vec<TraceStep> {
    let steps: Vec<&Event> = trace
        .iter()
        .filter(|e| !matches!(e.op, Op::Create { .. } | Op::Exit))
        .collect();
    let skip = steps.len().saturating_sub(SHOWN);
    steps[skip..]
        .iter()
        .map(|e| TraceStep {
            thread: names.label(e.thread),
            action: action(e, kinds, names),
            site: format!("{}:{}:{}", e.site.file(), e.site.line(), e.site.column()),
        })
        .collect()
}

fn action(e: &Event, kinds: &[ObjectKind], names: &dyn ThreadNames) -> String {
    let what = e
        .object
        .and_then(|o| kinds.get(o.index()))
        .map_or("object", |k| k.type_name());
    let id = e.object.map_or(String::new(), |o| format!(" #{}", o.0));
    let mode = |m: LockMode| if m == LockMode::Shared { "read-" } else { "" };
    match e.op {
        Op::Create { .. } => format!("creates {what}{id}"),
        Op::Spawn { child } => format!("spawns {}", names.label(child)),
        Op::Exit => "finishes".into(),
        Op::Join { target } => format!("joins {}", names.label(target)),
        Op::LockRequest { mode: m } => format!("asks to {}lock {what}{id}", mode(m)),
        Op::Acquire { mode: m, try_lock } => {
            format!(
                "{}{}locks {what}{id}",
                if try_lock { "try-" } else { "" },
                mode(m)
            )
        }
        Op::TryLockFailed { .. } => format!("fails to try-lock {what}{id}"),
        Op::Release { mode: m } => format!("{}unlocks {what}{id}", mode(m)),
        Op::Block { wait } => match (wait, wait.object()) {
            (WaitFor::Join(t), _) => format!("waits to join {}", names.label(t)),
            (WaitFor::Park, _) => "parks".into(),
            (_, Some(o)) => format!("blocks on {}", describe_object(o.index(), kinds)),
            (_, None) => "blocks".into(),
        },
        Op::Notify { all } => format!("notifies {} on {what}{id}", if all { "all" } else { "one" }),
        Op::Send => format!("sends on {what}{id}"),
        Op::Receive => format!("receives from {what}{id}"),
        Op::BarrierArrive => format!("arrives at {what}{id}"),
        Op::BarrierPass => format!("passes {what}{id}"),
        Op::OnceComplete => format!("sees {what}{id} initialised"),
        Op::Unpark { target } => format!("unparks {}", names.label(target)),
        Op::Yield => "yields".into(),
        Op::Parked => "returns from park()".into(),
        Op::AtomicLoad { order, value } => format!("loads {value} from {what}{id} ({order:?})"),
        Op::AtomicStore { order, value } => format!("stores {value} to {what}{id} ({order:?})"),
        Op::AtomicRmw {
            order,
            success: true,
            old,
            new,
            ..
        } => format!("changes {what}{id} from {old} to {new} ({order:?})"),
        Op::AtomicRmw {
            success: false,
            old,
            ..
        } => format!("fails a compare-exchange on {what}{id} (found {old})"),
        Op::Fence { order } => format!("fence ({order:?})"),
        Op::Observe => format!("looks at {what}{id}"),
        Op::Update => format!("updates {what}{id}"),
        Op::CellRead => format!("reads {what}{id}"),
        Op::CellWrite => format!("writes {what}{id}"),
    }
}

fn describe_object(index: usize, kinds: &[ObjectKind]) -> String {
    match kinds.get(index) {
        Some(k) => format!("{} #{index}", k.type_name()),
        None => format!("object #{index}"),
    }
}
