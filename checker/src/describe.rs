//! One step in words, e.g. "try-locks Mutex #2" or "stores 1 to the atomic created at
//! src/lib.rs:4 (SeqCst)", for reports and findings.

use crate::detector::ThreadNames;
use crate::event::{Event, LockMode, ObjectId, ObjectKind, Op, WaitFor};

/// What `e` did, naming its object as `name_of` does (see [`numbered`] for the short form).
pub(crate) fn action(
    e: &Event,
    name_of: &dyn Fn(ObjectId) -> String,
    names: &dyn ThreadNames,
) -> String {
    let object = e.object.map_or_else(|| "an object".to_string(), name_of);
    let mode = |m: LockMode| if m == LockMode::Shared { "read-" } else { "" };
    match e.op {
        Op::Create { .. } => format!("creates {object}"),
        Op::Spawn { child } => format!("spawns {}", names.label(child)),
        Op::Exit => "finishes".into(),
        Op::Join { target } => format!("joins {}", names.label(target)),
        Op::LockRequest { mode: m } => format!("asks to {}lock {object}", mode(m)),
        Op::Acquire { mode: m, try_lock } => {
            format!(
                "{}{}locks {object}",
                if try_lock { "try-" } else { "" },
                mode(m)
            )
        }
        Op::TryLockFailed { .. } => format!("fails to try-lock {object}"),
        Op::Release { mode: m } => format!("{}unlocks {object}", mode(m)),
        Op::Block { wait } => match (wait, wait.object()) {
            (WaitFor::Join(t), _) => format!("waits to join {}", names.label(t)),
            (WaitFor::Park, _) => "parks".into(),
            (_, Some(_)) => format!("blocks on {object}"),
            (_, None) => "blocks".into(),
        },
        Op::Notify { all } => format!("notifies {} on {object}", if all { "all" } else { "one" }),
        Op::Send => format!("sends on {object}"),
        Op::Receive => format!("receives from {object}"),
        Op::BarrierArrive => format!("arrives at {object}"),
        Op::BarrierPass => format!("passes {object}"),
        Op::OnceComplete => format!("sees {object} initialised"),
        Op::Unpark { target } => format!("unparks {}", names.label(target)),
        Op::Yield => "yields".into(),
        Op::Parked => "returns from park()".into(),
        Op::AtomicLoad { order, value } => format!("loads {value} from {object} ({order:?})"),
        Op::AtomicStore { order, value } => format!("stores {value} to {object} ({order:?})"),
        Op::AtomicRmw {
            order,
            success: true,
            old,
            new,
            ..
        } => format!("changes {object} from {old} to {new} ({order:?})"),
        Op::AtomicRmw {
            success: false,
            old,
            ..
        } => format!("fails a compare-exchange on {object} (found {old})"),
        Op::Fence { order } => format!("fence ({order:?})"),
        Op::Observe => format!("looks at {object}"),
        Op::Update => format!("updates {object}"),
        Op::CellRead => format!("reads {object}"),
        Op::CellWrite => format!("writes {object}"),
    }
}

/// An object by kind and number, e.g. "Mutex #2", or "object #3" when its kind is unknown.
pub(crate) fn numbered(object: ObjectId, kind: Option<ObjectKind>) -> String {
    let index = object.0;
    match kind {
        Some(k) => format!("{} #{index}", k.type_name()),
        None => format!("object #{index}"),
    }
}
