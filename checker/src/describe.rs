//! One step in words, e.g. "try-locks Mutex #2" or "stores 1 to atomic #0 (SeqCst)", for
//! reports and findings.

use crate::detector::ThreadNames;
use crate::event::{Event, LockMode, ObjectId, ObjectKind, Op, WaitFor};

/// What `e` did, naming objects by kind (as `kind_of` tells) and number.
pub(crate) fn action(
    e: &Event,
    kind_of: &dyn Fn(ObjectId) -> Option<ObjectKind>,
    names: &dyn ThreadNames,
) -> String {
    let what = e
        .object
        .and_then(kind_of)
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
            (_, Some(o)) => format!("blocks on {}", describe_object(o, kind_of)),
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

fn describe_object(object: ObjectId, kind_of: &dyn Fn(ObjectId) -> Option<ObjectKind>) -> String {
    let index = object.0;
    match kind_of(object) {
        Some(k) => format!("{} #{index}", k.type_name()),
        None => format!("object #{index}"),
    }
}
