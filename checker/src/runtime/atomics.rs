//! Atomic accesses inside a model, against the execution's memory ([`crate::memory`]).
//!
//! An atomic's value lives in the memory's history of its location, not in the std atomic the
//! shim type wraps: so an atomic in a `static` starts every execution from the value it was
//! created with. Each access reads the store the memory lets it read (today always the latest:
//! sequential consistency; the weak choices are next) and records what it did.

use super::context::with;
use crate::event::{MemOrder, ObjectId, Op};

/// The value the running thread's next access of `object` finds. `held` is the value the
/// std atomic inside the shim type holds now; `initial`, when the object outlived an
/// execution, the value it was created with, which a new execution starts from.
///
/// Between accesses the std atomic holds the latest store. When it holds something else, the
/// program wrote it through `get_mut` or `as_ptr`, which exclusive access orders after every
/// other access: that is recorded as a store of the running thread.
pub fn value_to_read(object: ObjectId, held: u64, initial: Option<u64>) -> u64 {
    with(|e| {
        let thread = e.current;
        let location = match e.objects[object.index()].location {
            Some(location) => location,
            None => {
                let location = e.memory.add_location(initial.unwrap_or(held));
                e.objects[object.index()].location = Some(location);
                return e.memory.latest(location);
            }
        };
        let memory = &mut e.memory;
        if memory.latest(location) != held {
            let after = memory.latest_ts(location);
            memory.store(thread, location, MemOrder::Relaxed, held, after);
        }
        memory.latest(location)
    })
}

/// Records in the memory what the running thread's access of `object`, described by its
/// event `op`, did (events of other operations change nothing), and returns the latest value,
/// which the shim type's std atomic holds between operations.
pub fn record(object: ObjectId, op: &Op) -> Option<u64> {
    with(|e| {
        let location = e.objects[object.index()].location?;
        let thread = e.current;
        let memory = &mut e.memory;
        // Every access reads (or follows) the latest store: sequential consistency.
        let latest = memory.latest_ts(location);
        match *op {
            Op::AtomicLoad { order, .. }
            | Op::AtomicRmw {
                order,
                success: false,
                ..
            } => {
                memory.load(thread, location, order, latest);
            }
            Op::AtomicStore { order, value } => {
                memory.store(thread, location, order, value, latest);
            }
            Op::AtomicRmw { order, new, .. } => {
                memory.rmw(thread, location, order, latest, |_| new);
            }
            _ => {}
        }
        Some(memory.latest(location))
    })
}

/// Whether the running thread's `compare_exchange_weak` of `object`, which would succeed,
/// fails spuriously instead: a choice the strategy takes when spurious wakeups are on (std
/// allows both), never twice in a row for one thread and atomic, so a retry loop ends.
pub fn fails_spuriously(object: ObjectId) -> bool {
    let offered = with(|e| {
        let on = e.spurious_wakeups;
        let me = e.current;
        let slot = e.thread(me);
        if slot.spurious_cas.take() == Some(object) {
            return false;
        }
        on
    });
    if !offered || super::api::choose(2) == 0 {
        return false;
    }
    with(|e| {
        let me = e.current;
        e.thread(me).spurious_cas = Some(object);
    });
    true
}

/// A fence by the running thread.
pub fn fence(order: MemOrder) {
    with(|e| {
        let thread = e.current;
        e.memory.fence(thread, order);
    });
}
